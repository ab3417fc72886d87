"""Projects as registered entities: a name, a description and the people named on it.

A project is created by a steward (`sovex project create`), who then names its members
(`add-member`, `remove-member`), each with a role on the project. A request may name a
project only if its requester is a member (`require_member`, checked when a request is
validated, submitted and approved); the project's pseudonymisation key, its prefix in the
extracts bucket and its download credentials belong to the project, so only its members
share them.

The registry is one JSON file per project in `<state>/projects/` (files 0600, folder
0700), written whole and atomically; every change is appended to the audit log. Nothing
here reads the clock or the environment: times and the acting user are passed in.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovex.audit import AuditAction, AuditLog, default_log_path
from sovex.model.errors import EXIT_INVALID_INPUT, InvalidInput, UserError
from sovex.model.small_files import read_small_file
from sovex.roles import Roles, UserRole, normalise_identity, require_role

PROJECTS_DIR = "projects"  # in the state folder
PROJECT_FORMAT = "sovex-project/1"
FILE_MODE = 0o600
DIR_MODE = 0o700
# The same rule as a project's prefix in the bucket (`sovex.project_access.check_project`).
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# A person as named in infra/roles.yaml; also a file name under credentials/<project>/.
PERSON = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,253}$")
MAX_DESCRIPTION_CHARS = 500
MAX_PROJECT_FILE_BYTES = 1 << 20


class MemberRole(StrEnum):
    """A person's role on one project (not a role of infra/roles.yaml)."""

    INVESTIGATOR = "investigator"  # leads the project, answers for its use of the data
    RESEARCHER = "researcher"  # analyses the extracts


class ProjectRefusal(StrEnum):
    """Stable reason codes of a ProjectRefused."""

    UNKNOWN_PROJECT = "unknown_project"
    NOT_MEMBER = "not_member"
    ALREADY_EXISTS = "already_exists"
    NOTHING_PUBLISHED = "nothing_published"  # no extract under retention to download
    CREDENTIAL_EXPIRED = "credential_expired"


class ProjectRefused(UserError):
    """The project does not allow this (unknown, or the person is not named on it):
    nothing was changed. Exit code 2, like every refusal the user must act on."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, project: str, refusal: ProjectRefusal, message: str) -> None:
        self.project = project
        self.refusal = refusal
        super().__init__(message)


@dataclass(frozen=True)
class Member:
    person: str
    role: MemberRole
    added_by: str
    added_at: str


@dataclass(frozen=True)
class Project:
    name: str
    description: str
    created_by: str
    created_at: str
    members: Mapping[str, Member] = field(default_factory=dict)

    def member(self, person: str) -> Member | None:
        return self.members.get(normalise_identity(person))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PROJECT_FORMAT,
            "name": self.name,
            "description": self.description,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "members": [
                {
                    "person": m.person,
                    "role": m.role.value,
                    "added_by": m.added_by,
                    "added_at": m.added_at,
                }
                for m in sorted(self.members.values(), key=lambda m: m.person)
            ],
        }


def check_project_name(name: str) -> str:
    if not isinstance(name, str) or not PROJECT_NAME.fullmatch(name):
        raise InvalidInput(
            f"project {name!r}: must be lower-case letters, digits and hyphens (max 63)"
        )
    return name


def check_person(person: str) -> str:
    """A person's identity, normalised; refused when it could not be a file name."""
    normal = normalise_identity(person) if isinstance(person, str) else ""
    if not PERSON.fullmatch(normal) or ".." in normal:
        raise InvalidInput(
            f"person {person!r}: an identity as listed in infra/roles.yaml (letters, digits, "
            "and . _ @ + -, no spaces)"
        )
    return normal


def check_member_role(role: str) -> MemberRole:
    try:
        return MemberRole(role)
    except ValueError:
        allowed = ", ".join(r.value for r in MemberRole)
        raise InvalidInput(f"option '--role': {role!r} is not one of: {allowed}") from None


def check_description(description: str) -> str:
    text = description.strip()
    if not text or len(text) > MAX_DESCRIPTION_CHARS or any(c in text for c in "\r\n\0"):
        raise InvalidInput(
            f"option '--description': one line of 1 to {MAX_DESCRIPTION_CHARS} characters "
            "saying what the project studies"
        )
    return text


def _iso(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("project change: the time must carry its zone")
    return at.isoformat()


def _parse(path: Path, raw: Any) -> Project:
    problem = f"{path}: not a project file written by sovex"
    if not isinstance(raw, dict) or raw.get("format") != PROJECT_FORMAT:
        raise InvalidInput(problem + " (field 'format')")
    try:
        members = {
            normalise_identity(m["person"]): Member(
                str(m["person"]), MemberRole(m["role"]), str(m["added_by"]), str(m["added_at"])
            )
            for m in raw["members"]
        }
        return Project(
            check_project_name(raw["name"]),
            str(raw["description"]),
            str(raw["created_by"]),
            str(raw["created_at"]),
            members,
        )
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(problem + " (fields 'name', 'members')") from None


class ProjectRegistry:
    """The projects of one state folder; see the module docstring."""

    def __init__(self, state_dir: Path, roles: Roles, audit_path: Path | None = None) -> None:
        self.directory = state_dir / PROJECTS_DIR
        self.roles = roles
        self.audit_path = audit_path or default_log_path(state_dir)

    def _path(self, name: str) -> Path:
        return self.directory / f"{check_project_name(name)}.json"

    def _write(self, project: Project) -> None:
        self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self.directory, DIR_MODE)
        path = self._path(project.name)
        partial = path.with_name(path.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(project.to_json(), indent=2, sort_keys=True) + "\n")
        partial.replace(path)

    def _audit(self, actor: str, action: AuditAction, project: str, detail: dict[str, Any]) -> None:

        AuditLog(self.audit_path).append(actor, action, project, {"project": project, **detail})

    # --- reading ---

    def find(self, name: str) -> Project | None:
        path = self._path(name)
        try:
            text = read_small_file(path, MAX_PROJECT_FILE_BYTES, "project file")
        except FileNotFoundError:
            return None
        try:
            raw = json.loads(text)
        except ValueError:
            raise InvalidInput(f"{path}: not a JSON project file") from None
        return _parse(path, raw)

    def get(self, name: str) -> Project:
        project = self.find(name)
        if project is None:
            known = ", ".join(p.name for p in self.list()) or "none yet"
            raise ProjectRefused(
                name,
                ProjectRefusal.UNKNOWN_PROJECT,
                f"project {name!r} is not registered (registered projects: {known}); a "
                "steward creates it with `sovex project create` and names its members",
            )
        return project

    def list(self) -> list[Project]:
        if not self.directory.is_dir():
            return []
        return [
            project
            for path in sorted(self.directory.glob("*.json"))
            if PROJECT_NAME.fullmatch(path.stem) and (project := self.find(path.stem))
        ]

    def require_member(self, name: str, person: str, why: str) -> Member:
        """The person's membership, or ProjectRefused naming the project and the person.
        `why` completes "… so it cannot …", e.g. "name it in a request"."""
        project = self.get(name)
        member = project.member(person)
        if member is None:
            raise ProjectRefused(
                name,
                ProjectRefusal.NOT_MEMBER,
                f"{person} is not a member of project {name!r}, so cannot {why}; a steward "
                f"adds members with `sovex project add-member {name} PERSON --role researcher`",
            )
        return member

    # --- changes (stewards only, each audited) ---

    def create(self, name: str, description: str, actor: str, at: datetime) -> Project:
        require_role(self.roles, actor, UserRole.STEWARD, "create projects")
        check_project_name(name)
        text = check_description(description)
        if self.find(name) is not None:
            raise ProjectRefused(
                name, ProjectRefusal.ALREADY_EXISTS, f"project {name!r} is already registered"
            )
        project = Project(name, text, actor, _iso(at), {})
        self._write(project)
        self._audit(actor, AuditAction.PROJECT_CREATED, name, {"description": text})
        return project

    def add_member(
        self, name: str, person: str, role: MemberRole, actor: str, at: datetime
    ) -> Project:
        require_role(self.roles, actor, UserRole.STEWARD, "change a project's members")
        normal = check_person(person)
        project = self.get(name)
        current = project.member(normal)
        if current is not None and current.role is role:
            return project
        members = dict(project.members)
        members[normal] = Member(normal, role, actor, _iso(at))
        changed = Project(
            project.name, project.description, project.created_by, project.created_at, members
        )
        self._write(changed)
        self._audit(
            actor, AuditAction.PROJECT_MEMBER_ADDED, name, {"person": normal, "role": role.value}
        )
        return changed

    def remove_member(self, name: str, person: str, actor: str, at: datetime) -> Project:
        require_role(self.roles, actor, UserRole.STEWARD, "change a project's members")
        normal = check_person(person)
        project = self.get(name)
        if project.member(normal) is None:
            raise ProjectRefused(
                name,
                ProjectRefusal.NOT_MEMBER,
                f"{normal} is not a member of project {name!r}; nothing changed",
            )
        members = {k: v for k, v in project.members.items() if k != normal}
        changed = Project(
            project.name, project.description, project.created_by, project.created_at, members
        )
        self._write(changed)
        self._audit(
            actor, AuditAction.PROJECT_MEMBER_REMOVED, name, {"person": normal, "at": _iso(at)}
        )
        return changed
