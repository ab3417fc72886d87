"""The only way to get an S3 client for publishing: through an allowed policy decision.

The target's endpoint is resolved (the local SeaweedFS behind `local`), the hosting policy
decides on the resolved endpoint, and a client exists only when the decision allows it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from policies.evaluator import Decision, evaluate_target
from sovex.model.errors import ConfigurationError, PolicyRefused
from sovex.model.settings import Settings
from sovex.model.target import LOCAL_ENDPOINT, HostingTarget, load_target
from sovex.project_access import ProjectCredentials
from sovex.services.storage_server import LocalStorage


def target_path(settings: Settings, name: str) -> Path:
    return settings.targets_dir / f"{name}.yaml"


def resolve_endpoint(settings: Settings, target: HostingTarget) -> str:
    """The URL behind a target: the running local server for `local`, else as declared."""
    if target.endpoint == LOCAL_ENDPOINT:
        if settings.s3_endpoint_override:
            return settings.s3_endpoint_override
        return LocalStorage(settings.storage_dir).endpoint().endpoint_url
    return target.endpoint


def decide_for_target(settings: Settings, name: str) -> tuple[Decision, HostingTarget, str]:
    """The policy decision on the URL the bytes would really go to, and that URL."""
    target = load_target(target_path(settings, name))
    # A stopped local server is a clear error here, before anything is read.
    endpoint_url = resolve_endpoint(settings, target)
    resolved = endpoint_url if target.endpoint == LOCAL_ENDPOINT else None
    decision = evaluate_target(target, resolved_endpoint=resolved, params=settings.policy_params())
    return decision, target, endpoint_url


def _client_for(
    settings: Settings,
    target: HostingTarget,
    endpoint_url: str,
    project_credentials: ProjectCredentials | None = None,
) -> Any:
    """A client bound to exactly the endpoint the policy decided on; with a project's
    credentials when given (read-only, its own prefix), else the store's admin identity."""
    source = target.credentials.source
    if source == "local-storage":
        local = replace(LocalStorage(settings.storage_dir).endpoint(), endpoint_url=endpoint_url)
        if project_credentials is not None:
            local = replace(
                local,
                access_key=project_credentials.access_key,
                secret_key=project_credentials.secret_key,
            )
        return local.s3_client()
    raise ConfigurationError(
        f"hosting target {target.name!r}: credentials source {source!r} is not supported "
        "by this version (only the local storage's)"
    )


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
