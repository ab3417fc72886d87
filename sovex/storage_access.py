"""The only way to get an S3 client for publishing: through an allowed policy decision.

The target's endpoint is resolved (the local SeaweedFS behind `local`), the hosting policy
decides on the resolved endpoint, and a client exists only when the decision allows it.
Its keys are the ones the target file points at (`sovex.target_credentials`), its TLS is
checked against the target's `ca_bundle`, its addressing style is the target's or the
provider registry's. `check_target_bucket` asks the bucket what it can do
(`sovex.bucket_capabilities`) before a run reads anything.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from policies.evaluator import (
    DEFAULT_ADDRESSING_STYLE,
    Decision,
    evaluate_target,
    load_registry,
)
from sovex.bucket_capabilities import check_bucket
from sovex.model.errors import ConfigurationError, PolicyRefused
from sovex.model.settings import Settings
from sovex.model.target import LOCAL_ENDPOINT, HostingTarget, load_target
from sovex.project_access import ProjectCredentials
from sovex.services.storage_server import LocalStorage, StorageEndpoint
from sovex.target_credentials import (
    TargetCredentials,
    resolve_target_credentials,
    target_ca_bundle,
)

# The bucket check is a few small requests: an endpoint that does not answer within these
# is reported as not answering, instead of holding the run for minutes.
CHECK_CONNECT_TIMEOUT_S = 5
CHECK_READ_TIMEOUT_S = 15
CHECK_ATTEMPTS = 2


def target_path(settings: Settings, name: str) -> Path:
    return settings.targets_dir / f"{name}.yaml"


def resolve_endpoint(settings: Settings, target: HostingTarget) -> str:
    """The URL behind a target: the running local server for `local`, else as declared."""
    if target.endpoint == LOCAL_ENDPOINT:
        if settings.s3_endpoint_override:
            return settings.s3_endpoint_override
        return LocalStorage(settings.storage_dir).endpoint().endpoint_url
    return target.endpoint


def decide_for_target(
    settings: Settings, name: str, purpose: str | None = None
) -> tuple[Decision, HostingTarget, str]:
    """The policy decision on the URL the bytes would really go to, and that URL; with the
    purpose's hosting requirements when the decision is for a request."""
    target = load_target(target_path(settings, name))
    # A stopped local server is a clear error here, before anything is read.
    endpoint_url = resolve_endpoint(settings, target)
    resolved = endpoint_url if target.endpoint == LOCAL_ENDPOINT else None
    params = settings.policy_params(purpose)
    decision = evaluate_target(target, resolved_endpoint=resolved, params=params)
    return decision, target, endpoint_url


def target_endpoint(
    settings: Settings,
    target: HostingTarget,
    endpoint_url: str,
    project_credentials: ProjectCredentials | None = None,
) -> StorageEndpoint:
    """Where and how to reach the target: exactly the endpoint the policy decided on, with
    a project's credentials when given (read-only, its own prefix), else the ones the
    target file points at (the local store's admin identity for `local`)."""
    if target.credentials.source == "local-storage":
        local = replace(LocalStorage(settings.storage_dir).endpoint(), endpoint_url=endpoint_url)
        if project_credentials is not None:
            local = replace(
                local,
                access_key=project_credentials.access_key,
                secret_key=project_credentials.secret_key,
            )
        return local
    keys: ProjectCredentials | TargetCredentials | None
    if project_credentials is not None:
        # A researcher reads with the project's own keys: the steward's are not needed.
        keys, ca_bundle = project_credentials, target_ca_bundle(settings, target)
    else:
        keys = resolve_target_credentials(settings, target)
        if keys is None:  # only local-storage resolves to nothing
            raise ConfigurationError(f"hosting target {target.name!r}: no credentials")
        ca_bundle = keys.ca_bundle
    return StorageEndpoint(
        endpoint_url,
        keys.access_key,
        keys.secret_key,
        # SigV4 signs for a region: the provider's region code the target names.
        region=target.region,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
        addressing_style=addressing_style(target),
    )


def addressing_style(target: HostingTarget) -> Literal["path", "virtual"]:
    """The target's own, else the one the provider registry records, else path-style."""
    if target.addressing_style:
        return target.addressing_style
    provider = load_registry()["providers"].get(target.provider) or {}
    return "virtual" if provider.get("addressing_style") == "virtual" else DEFAULT_ADDRESSING_STYLE


def _client_for(
    settings: Settings,
    target: HostingTarget,
    endpoint_url: str,
    project_credentials: ProjectCredentials | None = None,
) -> Any:
    """A client bound to exactly the endpoint the policy decided on."""
    return target_endpoint(settings, target, endpoint_url, project_credentials).s3_client()


def check_target_bucket(settings: Settings, target: HostingTarget, endpoint_url: str) -> dict:
    """Resolve the target's credentials, then ask its bucket what it can do; the record of
    what it answered (`sovex.bucket_capabilities.check_bucket`), or ConfigurationError /
    PolicyRefused. Call it only for a target the policy allowed."""
    client = target_endpoint(settings, target, endpoint_url).s3_client(
        connect_timeout_s=CHECK_CONNECT_TIMEOUT_S,
        read_timeout_s=CHECK_READ_TIMEOUT_S,
        max_attempts=CHECK_ATTEMPTS,
    )
    provider = load_registry()["providers"].get(target.provider)
    return check_bucket(client, target, endpoint_url, provider)


def _allowed_client(
    settings: Settings, name: str, project_credentials: ProjectCredentials | None = None
) -> tuple[Any, HostingTarget, Decision]:
    decision, target, endpoint_url = decide_for_target(settings, name)
    if not decision.allowed:
        raise PolicyRefused(target.name, [reason.message for reason in decision.reasons])
    client = _client_for(settings, target, endpoint_url, project_credentials)
    return client, target, decision


def publishing_client(settings: Settings, name: str) -> tuple[Any, HostingTarget, Decision]:
    """The only way to get a client that writes: the policy must allow the target."""
    return _allowed_client(settings, name)


def reading_client(
    settings: Settings, name: str, project_credentials: ProjectCredentials | None = None
) -> tuple[Any, HostingTarget]:
    """A client to list and download extracts; a refused target is not read from either.
    Researchers read with their project's credentials, which see only that project."""
    client, target, _ = _allowed_client(settings, name, project_credentials)
    return client, target
