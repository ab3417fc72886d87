"""Per-person, expiring download credentials for the members of a project.

Each member named on a project (`sovex.governance.projects`) gets their own S3 identity on
the local store, with the project's read-only grant (list `extracts/<project>/`, read its
published extracts: `sovex.project_access.seaweedfs_actions`), and their own credential
file `<state>/credentials/<project>/<person>.json` (0600, folders 0700). A credential is
issued when an extract of the project is published, or on demand by a steward; it expires
after `Settings.credential_days` (SOVEX_CREDENTIAL_DAYS, default 90) and never after the
project's retention (the end of the latest retention date of its published extracts).

The store has no expiring keys: expiry is enforced twice, by the download command (which
refuses an expired credential before contacting the store) and by the sweep
(`sweep_credentials`, `sovex project sweep-credentials`), which deletes the identities of
expired credentials, of people no longer on the project and of unregistered projects.
Removing a member and withdrawing a request revoke at once. Every issue and revocation is
audited with the person and the access key id, never the secret.

One module, long on purpose: issuing, re-applying, reading, revoking and sweeping share
one credential file format and one identity rule, and read best side by side.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sovex.audit import AuditAction, AuditLog, default_log_path
from sovex.governance.projects import (
    ProjectRefusal,
    ProjectRefused,
    ProjectRegistry,
    check_person,
    check_project_name,
)
from sovex.model.errors import InvalidInput
from sovex.model.settings import Settings
from sovex.model.small_files import read_small_file
from sovex.project_access import (
    ACCESS_KEY_BYTES,
    CREDENTIALS_DIR_MODE,
    CREDENTIALS_FILE_MODE,
    SECRET_KEY_BYTES,
    ProjectCredentials,
    project_prefix,
    published_extract_ids,
    seaweedfs_actions,
    wait_until_active,
)
from sovex.roles import load_roles, roles_path
from sovex.services.storage_server import LocalStorage, add_identity, remove_identity

MEMBER_IDENTITY_PREFIX = "member-"
MEMBER_CREDENTIAL_FORMAT = "sovex-member-credential/1"
MAX_CREDENTIAL_FILE_BYTES = 16 << 10
# The identity name carries a digest of the person, not their address.
PERSON_DIGEST_CHARS = 16


@dataclass(frozen=True)
class MemberCredential:
    project: str
    person: str
    access_key: str
    secret_key: str = field(repr=False)
    issued_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    expires_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def keys(self) -> ProjectCredentials:
        """The keys as a read-only client takes them (`sovex.storage_access`)."""
        return ProjectCredentials(self.project, self.access_key, self.secret_key)


@dataclass(frozen=True)
class CredentialChange:
    project: str
    person: str
    access_key: str
    expires_at: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "person": self.person,
            "access_key": self.access_key,
            "expires_at": self.expires_at,
            "reason": self.reason,
        }


def member_identity_name(project: str, person: str) -> str:
    digest = hashlib.sha256(check_person(person).encode()).hexdigest()[:PERSON_DIGEST_CHARS]
    return f"{MEMBER_IDENTITY_PREFIX}{check_project_name(project)}-{digest}"


def project_credentials_dir(settings: Settings, project: str) -> Path:
    return settings.credentials_dir / check_project_name(project)


def member_credential_path(settings: Settings, project: str, person: str) -> Path:
    return project_credentials_dir(settings, project) / f"{check_person(person)}.json"


def credential_expiry(issued_at: datetime, days: int, retention_until: date) -> datetime:
    """`days` after issue, but never after the project's retention: the credential ends
    when its last retention date ends (UTC)."""
    retention_end = datetime.combine(retention_until + timedelta(days=1), time(), tzinfo=UTC)
    return min(issued_at + timedelta(days=days), retention_end)


def _aware(text: object, path: Path, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise InvalidInput(f"{path}: field {name!r} must be a date and time with its zone")
    return value


def read_member_credential(path: Path, project: str, person: str) -> MemberCredential:
    """A credential file written by `issue_member_credentials`; errors name file and field."""
    try:
        raw = json.loads(read_small_file(path, MAX_CREDENTIAL_FILE_BYTES, "credential file"))
    except FileNotFoundError:
        raise InvalidInput(
            f"{path}: no download credential for {person} on project {project!r}; a steward "
            f"issues one with `sovex project issue-credentials {project} --person {person}`"
        ) from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the credential file ({error.strerror})") from None
    except (ValueError, RecursionError):
        raise InvalidInput(f"{path}: not a JSON credential file") from None
    names = ("format", "project", "person", "access_key", "secret_key", "issued_at", "expires_at")
    missing = [n for n in names if not isinstance(raw, dict) or not isinstance(raw.get(n), str)]
    if missing:
        raise InvalidInput(f"{path}: field(s) {', '.join(missing)} missing or not text")
    if raw["format"] != MEMBER_CREDENTIAL_FORMAT:
        raise InvalidInput(f"{path}: field 'format' must be {MEMBER_CREDENTIAL_FORMAT!r}")
    if raw["project"] != project:
        raise InvalidInput(f"{path}: field 'project' is not {project!r}")
    if check_person(raw["person"]) != check_person(person):
        raise InvalidInput(
            f"{path}: field 'person': this credential is not {person}'s; each person "
            "downloads with their own"
        )
    return MemberCredential(
        raw["project"],
        raw["person"],
        raw["access_key"],
        raw["secret_key"],
        _aware(raw["issued_at"], path, "issued_at"),
        _aware(raw["expires_at"], path, "expires_at"),
    )


def _write_credential(path: Path, credential: MemberCredential) -> None:
    path.parent.mkdir(mode=CREDENTIALS_DIR_MODE, parents=True, exist_ok=True)
    for folder in (path.parent.parent, path.parent):
        os.chmod(folder, CREDENTIALS_DIR_MODE)
    body = {
        "format": MEMBER_CREDENTIAL_FORMAT,
        "project": credential.project,
        "person": credential.person,
        "identity": member_identity_name(credential.project, credential.person),
        "access_key": credential.access_key,
        "secret_key": credential.secret_key,
        "issued_at": credential.issued_at.isoformat(),
        "expires_at": credential.expires_at.isoformat(),
    }
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, CREDENTIALS_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(body, indent=2) + "\n")
    partial.replace(path)


def registry_for(settings: Settings) -> ProjectRegistry:
    return ProjectRegistry(settings.state_dir, load_roles(roles_path(settings.infra_dir)))


def project_retention(settings: Settings, project: str) -> date | None:
    """The latest retention date of the project's published extracts whose request has
    not expired (None when it has none)."""
    from sovex.governance.store import RequestStore
    from sovex.governance.transitions import State

    dates = [
        status.retention_until
        for status in RequestStore.for_settings(settings).list_requests()
        if status.submission.project == project
        and status.published is not None
        and status.state is not State.EXPIRED
    ]
    return max(dates, default=None)


def _apply(
    storage: LocalStorage,
    credential: MemberCredential,
    bucket: str,
    extract_ids: list[str],
    *,
    exists: bool,
) -> None:
    """The person's identity with exactly the project's read-only grant, as of now;
    `exists` when a credential file (and so the identity) is already there."""
    name = member_identity_name(credential.project, credential.person)
    if exists:
        # `s3.configure` only ever adds actions and keys: start from none, so an extract
        # deleted by the retention sweep, or an expired key, no longer reads.
        remove_identity(storage, name)
    add_identity(
        storage,
        name,
        credential.access_key,
        credential.secret_key,
        seaweedfs_actions(bucket, credential.project, extract_ids),
    )
    wait_until_active(storage, credential.keys(), bucket, name)


def issue_member_credentials(
    settings: Settings,
    project: str,
    bucket: str,
    now: datetime,
    actor: str,
    *,
    persons: Iterable[str] | None = None,
    retention_until: date | None = None,
) -> list[CredentialChange]:
    """Give each member (or each of `persons`, who must be members) a working credential
    reading the project's published extracts. A credential still valid keeps its keys and
    its expiry (its grant is re-applied, so a new extract becomes readable); an expired
    or missing one is replaced by new keys."""
    registry = registry_for(settings)
    registered = registry.get(project)
    if persons is None:
        people = sorted(registered.members)
    else:
        people = [
            registry.require_member(project, p, "hold its credential").person for p in persons
        ]
    retentions = [d for d in (retention_until, project_retention(settings, project)) if d]
    if not retentions:
        raise ProjectRefused(
            project,
            ProjectRefusal.NOTHING_PUBLISHED,
            f"project {project!r} has no published extract under retention: there is "
            "nothing to download, so no credential is issued",
        )
    retention = max(retentions)
    storage = LocalStorage(settings.storage_dir)
    extract_ids = published_extract_ids(storage.endpoint().s3_client(), bucket, project)
    log = AuditLog(default_log_path(settings.state_dir))
    changes: list[CredentialChange] = []
    for person in people:
        path = member_credential_path(settings, project, person)
        current = read_member_credential(path, project, person) if path.exists() else None
        fresh = current is None or current.expired(now)
        if fresh:
            expires_at = credential_expiry(now, settings.credential_days, retention)
            if expires_at <= now:
                raise ProjectRefused(
                    project,
                    ProjectRefusal.NOTHING_PUBLISHED,
                    f"project {project!r}: its retention ended on {retention.isoformat()}; "
                    "no credential is issued",
                )
            credential = MemberCredential(
                project,
                person,
                secrets.token_hex(ACCESS_KEY_BYTES).upper(),
                secrets.token_hex(SECRET_KEY_BYTES),
                now,
                expires_at,
            )
        else:
            assert current is not None
            credential = current
        _apply(storage, credential, bucket, extract_ids, exists=current is not None)
        if fresh:
            _write_credential(path, credential)
        change = CredentialChange(
            project,
            person,
            credential.access_key,
            credential.expires_at.isoformat(),
            "issued" if fresh else "re-applied",
        )
        log.append(
            actor,
            AuditAction.CREDENTIAL_ISSUED,
            project,
            {
                "project": project,
                "person": person,
                "identity": member_identity_name(project, person),
                "access_key": credential.access_key,
                "expires_at": change.expires_at,
                "scope": f"s3://{bucket}/{project_prefix(project)}",
                "new_keys": fresh,
                "extracts": len(extract_ids),
            },
        )
        changes.append(change)
    return changes


def revoke_member_credential(
    settings: Settings, project: str, person: str, actor: str, reason: str
) -> CredentialChange | None:
    """Delete the person's identity on the store, then their credential file; None when
    they held none. The identity goes first: a file left behind holds a dead key."""
    path = member_credential_path(settings, project, person)
    if not path.exists():
        return None
    try:
        access_key = str(json.loads(path.read_text(encoding="utf-8")).get("access_key", ""))
    except (OSError, ValueError, AttributeError):
        access_key = ""
    remove_identity(LocalStorage(settings.storage_dir), member_identity_name(project, person))
    path.unlink(missing_ok=True)
    AuditLog(default_log_path(settings.state_dir)).append(
        actor,
        AuditAction.CREDENTIAL_REVOKED,
        project,
        {
            "project": project,
            "person": check_person(person),
            "identity": member_identity_name(project, person),
            "access_key": access_key,
            "reason": reason,
        },
    )
    return CredentialChange(project, check_person(person), access_key, None, reason)


def credential_holders(settings: Settings, project: str) -> list[str]:
    """The people holding a credential file on the project, by file name."""
    folder = project_credentials_dir(settings, project)
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.json"))


def revoke_project_credentials(
    settings: Settings, project: str, actor: str, reason: str
) -> list[CredentialChange]:
    changes = [
        revoke_member_credential(settings, project, person, actor, reason)
        for person in credential_holders(settings, project)
    ]
    return [c for c in changes if c is not None]


def reapply_member_grants(settings: Settings, project: str, bucket: str) -> int:
    """Re-apply every standing credential's grant to the extracts published now (after a
    retention sweep deleted some); returns how many were re-applied."""
    storage = LocalStorage(settings.storage_dir)
    extract_ids = published_extract_ids(storage.endpoint().s3_client(), bucket, project)
    applied = 0
    for person in credential_holders(settings, project):
        path = member_credential_path(settings, project, person)
        credential = read_member_credential(path, project, person)
        _apply(storage, credential, bucket, extract_ids, exists=True)
        applied += 1
    return applied


def _sweep_reason(
    registry: ProjectRegistry, settings: Settings, project: str, person: str, now: datetime
) -> str | None:
    registered = registry.find(project)
    if registered is None:
        return "project not registered"
    if registered.member(person) is None:
        return "no longer a member of the project"
    try:
        credential = read_member_credential(
            member_credential_path(settings, project, person), project, person
        )
    except InvalidInput:
        return "unreadable credential file"
    return "expired" if credential.expired(now) else None


def sweep_credentials(
    settings: Settings, now: datetime, actor: str, only_project: str | None = None
) -> list[CredentialChange]:
    """Revoke every credential (of `only_project` when given) that is expired, held by
    someone no longer on its project, on an unregistered project, or unreadable. Safe to
    run at any time (a cron or DAG)."""
    if only_project is not None:
        check_project_name(only_project)
    registry = registry_for(settings)
    revoked: list[CredentialChange] = []
    root = settings.credentials_dir
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if only_project is not None:
        folders = [p for p in folders if p.name == only_project]
    for folder in folders:
        try:
            project = check_project_name(folder.name)
        except InvalidInput:
            continue
        for person in credential_holders(settings, project):
            reason = _sweep_reason(registry, settings, project, person, now)
            if reason is not None:
                change = revoke_member_credential(settings, project, person, actor, reason)
                if change is not None:
                    revoked.append(change)
    return revoked


def download_credential(
    settings: Settings, project: str, person: str, path: Path | None, now: datetime
) -> MemberCredential:
    """The person's own, unexpired credential on a project they are a member of; refused
    (exit 2) otherwise, before the store is contacted."""
    registry_for(settings).require_member(project, person, "download its extracts")
    credential = read_member_credential(
        path or member_credential_path(settings, project, person), project, person
    )
    if credential.expired(now):
        raise ProjectRefused(
            project,
            ProjectRefusal.CREDENTIAL_EXPIRED,
            f"{person}'s credential on project {project!r} expired at "
            f"{credential.expires_at.isoformat()}; ask a steward for a new one "
            f"(`sovex project issue-credentials {project} --person {person}`)",
        )
    return credential
