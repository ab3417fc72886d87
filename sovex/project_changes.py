"""A steward's changes to a project (create, add or remove a member, issue the members'
download credentials): one function for `sovex project …` on the local store and for the
review server's JSON API, which the CLI calls as the logged-in person when a server is
configured. Each change is checked and audited by the registry and member_access."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sovex.model.errors import InvalidInput, PolicyRefused
from sovex.model.settings import Settings

PROJECT_ACTIONS = ("create", "add-member", "remove-member", "issue-credentials")
DEFAULT_TARGET = "local-seaweedfs"


@dataclass(frozen=True)
class ProjectChange:
    """What a change did: lines for the person who asked, and the JSON the CLI prints."""

    lines: tuple[str, ...]
    result: Any


def project_json(settings: Settings, project: Any) -> dict[str, Any]:
    from sovex.member_access import credential_holders

    return {
        **project.to_json(),
        "credential_holders": credential_holders(settings, project.name),
    }


def _text(fields: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = fields.get(name, default)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"field {name!r}: a text is required")
    return value


def _persons(fields: Mapping[str, Any]) -> list[str] | None:
    value = fields.get("persons")
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value) or None
    raise InvalidInput("field 'persons': a list of logins")


def change_project(
    settings: Settings,
    action: str,
    name: str,
    actor: str,
    at: datetime,
    fields: Mapping[str, Any],
) -> ProjectChange:
    """Do `action` on project `name` as `actor`; refusals are the registry's (a missing
    steward role, an unknown project or member) or the hosting policy's."""
    from sovex.governance.projects import check_member_role
    from sovex.member_access import registry_for, revoke_member_credential

    registry = registry_for(settings)
    if action == "create":
        project = registry.create(name, _text(fields, "description"), actor, at)
        return ProjectChange(
            (f"project {project.name} created by {project.created_by}",),
            project_json(settings, project),
        )
    if action == "add-member":
        person, role = _text(fields, "person"), _text(fields, "role", "researcher")
        project = registry.add_member(name, person, check_member_role(role), actor, at)
        return ProjectChange((f"{person} is a {role} on {name}",), project_json(settings, project))
    if action == "remove-member":
        person = _text(fields, "person")
        project = registry.remove_member(name, person, actor, at)
        revoked = revoke_member_credential(
            settings, name, person, actor, "removed from the project"
        )
        said = "; their credential is revoked" if revoked else ""
        return ProjectChange(
            (f"{person} removed from {name}{said}",), project_json(settings, project)
        )
    if action == "issue-credentials":
        return _issue_credentials(settings, name, actor, at, fields)
    raise InvalidInput(f"unknown action {action!r}; known: {', '.join(PROJECT_ACTIONS)}")


def _issue_credentials(
    settings: Settings, name: str, actor: str, at: datetime, fields: Mapping[str, Any]
) -> ProjectChange:
    from sovex.member_access import (
        issue_member_credentials,
        member_credential_path,
        registry_for,
    )
    from sovex.project_access import require_local_storage_credentials
    from sovex.roles import UserRole, require_role
    from sovex.storage_access import decide_for_target

    require_role(registry_for(settings).roles, actor, UserRole.STEWARD, "issue credentials")
    decision, hosting, _ = decide_for_target(settings, _text(fields, "target", DEFAULT_TARGET))
    if not decision.allowed:
        raise PolicyRefused(hosting.name, [reason.message for reason in decision.reasons])
    require_local_storage_credentials(hosting.credentials.source, hosting.name)
    changes = issue_member_credentials(
        settings, name, hosting.bucket, at, actor, persons=_persons(fields)
    )
    lines, rows = [], []
    for change in changes:
        path = member_credential_path(settings, name, change.person)
        lines.append(f"{change.person}: {change.reason}, expires {change.expires_at}")
        rows.append({**change.to_json(), "credential_file": str(path)})
    return ProjectChange(tuple(lines), rows)
