"""Who may do what: users and their roles, from `infra/roles.yaml`.

The file is owned by the compliance officer (see its comments). Roles are checked by the
request life cycle (`sovex.governance.store`) before each transition; a refusal is a
`PermissionRefused` naming the user, the action, the role it takes and the roles the user
has. Identities compare case-insensitively (e-mail addresses are written both ways).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sovex.model.errors import EXIT_INVALID_INPUT, ConfigurationError, InvalidInput, UserError
from sovex.model.reviewed_yaml import load_reviewed_yaml

ROLES_FILE = "roles.yaml"  # in the infra folder, beside targets and catalogs
FIELDS = ("users",)
# sovex itself acts under this name (scheduled runs, a request seen changed after its
# approval); nobody may be listed under it, so no person can be granted its actions.
SYSTEM_ACTOR = "sovex"
# Settings.user when SOVEX_USER is not set: nobody in particular.
UNSET_USER = "unknown"
RESERVED_IDENTITIES = frozenset({SYSTEM_ACTOR, UNSET_USER})


class UserRole(StrEnum):
    REQUESTER = "requester"
    STEWARD = "steward"
    COMPLIANCE = "compliance"


class Refusal(StrEnum):
    """Stable reason codes of a PermissionRefused."""

    NOT_LISTED = "not_listed"  # the user is not in the roles file
    MISSING_ROLE = "missing_role"  # listed, without the role the action takes
    OWN_REQUEST = "own_request"  # four eyes: nobody approves a request they authored


class PermissionRefused(UserError):
    """The acting user may not do this: nothing was changed.

    Exit code 2 like other input the user must correct (here: who acts), not 3, which is
    the hosting policy's.
    """

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, user: str, action: str, refusal: Refusal, message: str) -> None:
        self.user = user
        self.action = action
        self.refusal = refusal
        super().__init__(message)


def normalise_identity(user: str) -> str:
    return user.strip().casefold()


def same_identity(first: str, second: str) -> bool:
    return normalise_identity(first) == normalise_identity(second)


@dataclass(frozen=True)
class Roles:
    """Users (normalised identities) and their roles, as read from `path`."""

    path: Path
    users: Mapping[str, frozenset[UserRole]]

    def of(self, user: str) -> frozenset[UserRole]:
        return self.users.get(normalise_identity(user), frozenset())

    def has(self, user: str, role: UserRole) -> bool:
        return role in self.of(user)


def roles_path(infra_dir: Path) -> Path:
    return infra_dir / ROLES_FILE


def _allowed_roles() -> str:
    return ", ".join(role.value for role in UserRole)


def _user_problems(path: Path, user: object, listed: object) -> list[str]:
    field = f"users.{user}"
    if not isinstance(user, str):
        # YAML reads `yes:` as a boolean and `123:` as a number.
        return [f"{path}: field '{field}': an identity must be text; quote it"]
    problems: list[str] = []
    if not user.strip() or user != user.strip() or any(ch.isspace() for ch in user):
        problems.append(f"{path}: field '{field}': an identity contains no spaces")
    elif normalise_identity(user) in RESERVED_IDENTITIES:
        problems.append(
            f"{path}: field '{field}': {user!r} is reserved for sovex itself and cannot be "
            "given roles"
        )
    if not isinstance(listed, list) or not listed:
        problems.append(
            f"{path}: field '{field}': list at least one role; allowed: {_allowed_roles()}"
        )
        return problems
    seen: set[object] = set()
    for role in listed:
        if role not in {r.value for r in UserRole}:
            problems.append(
                f"{path}: field '{field}': unknown role {role!r}; allowed: {_allowed_roles()}"
            )
        elif role in seen:
            problems.append(f"{path}: field '{field}': role {role!r} is listed twice")
        seen.add(role)
    return problems


def load_roles(path: Path) -> Roles:
    """Read and check the roles file; every problem is listed, naming the file and field."""
    if not path.exists():
        raise ConfigurationError(
            f"{path}: no roles file: without it nobody may submit or approve requests; "
            "create it (users and their roles: requester, steward, compliance)"
        )
    raw: Any = load_reviewed_yaml(path, "roles")
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: the roles file must be a YAML mapping with 'users'")
    problems = [
        f"{path}: field '{name}': unknown field; allowed: {', '.join(FIELDS)}"
        for name in raw
        if name not in FIELDS
    ]
    users = raw.get("users")
    if not isinstance(users, dict) or not users:
        problems.append(
            f"{path}: field 'users': a mapping of identities to lists of roles, "
            "e.g. 'paul.bernard@chu-exemple.fr: [steward]'"
        )
        raise InvalidInput(problems)
    parsed: dict[str, frozenset[UserRole]] = {}
    for user, listed in users.items():
        user_problems = _user_problems(path, user, listed)
        problems += user_problems
        if user_problems:
            continue
        key = normalise_identity(user)
        if key in parsed:
            problems.append(
                f"{path}: field 'users.{user}': the same identity is listed twice "
                "(identities compare case-insensitively)"
            )
        parsed[key] = frozenset(UserRole(role) for role in listed)
    if problems:
        raise InvalidInput(problems)
    return Roles(path=path, users=parsed)


def _needed(roles: Collection[UserRole]) -> str:
    names = sorted(role.value for role in roles)
    return " or ".join(names) + (" role" if len(names) == 1 else " roles")


def require_role(
    roles: Roles, user: str, role: UserRole | Collection[UserRole], action: str
) -> None:
    """PermissionRefused unless `user` holds `role` (or one of them).

    `action` completes "user X may not …", e.g. "approve requests".
    """
    needed = frozenset({role}) if isinstance(role, UserRole) else frozenset(role)
    held = roles.of(user)
    if held & needed:
        return
    if normalise_identity(user) in ("", UNSET_USER):
        raise PermissionRefused(
            user,
            action,
            Refusal.NOT_LISTED,
            f"nobody may {action} without saying who they are: set SOVEX_USER to your "
            f"identity as listed in {roles.path} (it takes the {_needed(needed)})",
        )
    if not held:
        raise PermissionRefused(
            user,
            action,
            Refusal.NOT_LISTED,
            f"user {user} may not {action}: that needs the {_needed(needed)}, and {user} is "
            f"not listed in {roles.path}; check SOVEX_USER, or ask the compliance officer "
            "to add you",
        )
    raise PermissionRefused(
        user,
        action,
        Refusal.MISSING_ROLE,
        f"user {user} may not {action}: that needs the {_needed(needed)}; {user} has: "
        + ", ".join(sorted(r.value for r in held)),
    )
