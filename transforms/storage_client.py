"""The only way to get an S3 client for publishing: through an allowed policy decision.

The target's endpoint is resolved (the local SeaweedFS behind `local`), the hosting policy
decides on the resolved endpoint, and a client exists only when the decision allows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policies.evaluator import Decision, evaluate_target
from sovex.errors import ConfigurationError, PolicyRefused
from sovex.settings import Settings
from sovex.storage_server import LocalStorage
from sovex.target import HostingTarget, load_target

LOCAL_ENDPOINT = "local"


def target_path(settings: Settings, name: str) -> Path:
    return settings.targets_dir / f"{name}.yaml"


def resolve_endpoint(settings: Settings, target: HostingTarget) -> str:
    """The URL behind a target: the running local server for `local`, else as declared."""
    if target.endpoint == LOCAL_ENDPOINT:
        if settings.s3_endpoint_override:
            return settings.s3_endpoint_override
        return LocalStorage(settings.storage_dir).endpoint().endpoint_url
    return target.endpoint


def decide_for_target(settings: Settings, name: str) -> tuple[Decision, HostingTarget]:
    target = load_target(target_path(settings, name))
    if target.endpoint == LOCAL_ENDPOINT:
        # Decide on where the bytes would really go; a stopped server is a clear error.
        return evaluate_target(target, resolved_endpoint=resolve_endpoint(settings, target)), target
    return evaluate_target(target), target


def _client_for(settings: Settings, target: HostingTarget) -> Any:
    source = target.credentials.source
    if source == "local-storage":
        return LocalStorage(settings.storage_dir).endpoint().s3_client()
    raise ConfigurationError(
        f"hosting target {target.name!r}: credentials source {source!r} is not supported "
        "by this version for publishing (only the local storage's)"
    )


def publishing_client(settings: Settings, name: str) -> tuple[Any, HostingTarget, Decision]:
    decision, target = decide_for_target(settings, name)
    if not decision.allowed:
        raise PolicyRefused(target.name, [reason.message for reason in decision.reasons])
    return _client_for(settings, target), target, decision


def reading_client(settings: Settings, name: str) -> tuple[Any, HostingTarget]:
    """A client to read published extracts (downloads), same endpoint resolution."""
    target = load_target(target_path(settings, name))
    return _client_for(settings, target), target
