"""Real accounts (issue 20): the people of `infra/roles.yaml` as users of Airflow's FAB auth
manager, with hashed passwords in the metadata database (`sovex users sync`).

- Each listed identity becomes (or stays) an active user; its Airflow role follows its
  sovex roles (`AIRFLOW_ROLES`); sovex's own checks (`sovex.roles`) still decide who may
  approve what.
- A password comes from the person's file in `--passwords DIR` (named after the identity,
  0600, owned by the user running the sync), or is generated for a new user into
  `<state>/accounts/passwords/<identity>` (0600, folder 0700). Passwords are never printed
  or logged; only their hashes reach the database.
- A user of the database no longer listed is deactivated: nobody keeps a login the
  compliance officer's file no longer grants (fail closed).
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovex.model.errors import ConfigurationError
from sovex.model.settings import Settings
from sovex.roles import Roles, UserRole, load_roles, roles_path

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# Airflow's built-in FAB roles for each sovex role: stewards trigger and watch runs (Op);
# requesters and compliance officers read (Viewer). The highest wins.
AIRFLOW_ROLES: Mapping[UserRole, str] = {
    UserRole.STEWARD: "Op",
    UserRole.REQUESTER: "Viewer",
    UserRole.COMPLIANCE: "Viewer",
}
ROLE_ORDER = ("Viewer", "Op")
PASSWORD_BYTES = 24
FOLDER_MODE = 0o700
FILE_MODE = 0o600
FORBIDDEN_MODE_BITS = 0o077
MAX_PASSWORD_BYTES = 1024
NO_EMAIL_DOMAIN = "sovex.invalid"  # FAB wants an e-mail; an identity without one gets this


@dataclass(frozen=True)
class SyncedUser:
    identity: str
    airflow_role: str | None  # None: deactivated
    change: str  # created · updated · unchanged · deactivated
    password_file: Path | None  # where a generated password was written

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.identity,
            "airflow_role": self.airflow_role,
            "change": self.change,
            "password_file": None if self.password_file is None else str(self.password_file),
        }


def passwords_dir(settings: Settings) -> Path:
    return settings.state_dir / "accounts" / "passwords"


def airflow_role_for(roles: frozenset[UserRole]) -> str:
    names = {AIRFLOW_ROLES[role] for role in roles}
    return max(names, key=ROLE_ORDER.index)


def read_private_password(path: Path) -> str:
    """A password file the sync may use: a regular file of this user, 0600 or stricter."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        raise ConfigurationError(f"{path}: a password file is a regular file of this user")
    if info.st_mode & FORBIDDEN_MODE_BITS:
        raise ConfigurationError(
            f"{path}: readable by others (mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it"
        )
    if info.st_size > MAX_PASSWORD_BYTES:
        raise ConfigurationError(f"{path}: too large for a password")
    password = path.read_text(encoding="utf-8").strip()
    if not password:
        raise ConfigurationError(f"{path}: empty")
    return password


def write_private_password(folder: Path, identity: str) -> tuple[Path, str]:
    """A new random password in `folder/identity` (0600; folder 0700), never shown."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for path in (folder, folder.parent):
        os.chmod(path, FOLDER_MODE)
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    path = folder / identity
    partial = folder / f".{identity}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    os.replace(partial, path)
    return path, password


def _email(identity: str) -> str:
    return identity if "@" in identity else f"{identity}@{NO_EMAIL_DOMAIN}"


@contextmanager
def _security_manager() -> Iterator[Any]:
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    # FAB logs every permission it creates (hundreds of lines on a new database): only
    # its warnings reach the person running the sync.
    fab_log = logging.getLogger("airflow.providers.fab")
    level = fab_log.level
    fab_log.setLevel(logging.WARNING)
    try:
        with get_application_builder() as appbuilder:
            yield appbuilder.sm
    finally:
        fab_log.setLevel(level)


def sync_users(settings: Settings, given_passwords: Path | None = None) -> list[SyncedUser]:
    """Make the FAB users match `infra/roles.yaml`; see the module docstring.

    Airflow's environment (AIRFLOW_HOME, the metadata database, the FAB auth manager) is
    set up by the caller and the database migrated."""
    roles: Roles = load_roles(roles_path(settings.infra_dir))
    generated = passwords_dir(settings)
    synced: list[SyncedUser] = []
    with _security_manager() as sm:
        listed = set()
        for identity, held in sorted(roles.users.items()):
            listed.add(identity)
            role_name = airflow_role_for(held)
            role = sm.find_role(role_name)
            if role is None:
                raise ConfigurationError(
                    f"the Airflow role {role_name!r} is missing from the metadata database: "
                    "run `airflow db migrate` with the FAB auth manager"
                )
            given = None if given_passwords is None else given_passwords / identity
            password = read_private_password(given) if given and given.exists() else None
            user = sm.find_user(username=identity)
            written: Path | None = None
            if user is None:
                if password is None:
                    written, password = write_private_password(generated, identity)
                sm.add_user(identity, identity.split("@")[0], "-", _email(identity), role, password)
                synced.append(SyncedUser(identity, role_name, "created", written))
                continue
            changed = [r.name for r in user.roles] != [role_name] or not user.active
            if changed:
                user.roles = [role]
                user.active = True
                sm.update_user(user)
            if password is not None:
                sm.reset_password(user.id, password)
            synced.append(
                SyncedUser(
                    identity, role_name, "updated" if changed or password else "unchanged", None
                )
            )
        for user in sm.get_all_users():
            if user.username.strip().casefold() not in listed and user.active:
                user.active = False
                sm.update_user(user)
                synced.append(SyncedUser(user.username, None, "deactivated", None))
    return synced
