"""Per-person download credentials on the real SeaweedFS (issue 20): only the people
named on a project download its extracts, each with their own expiring key, each
download attributed to its person; removal, expiry and withdrawal revoke on the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sovex.audit import AuditLog, default_log_path, verify
from sovex.cli import main
from sovex.governance.projects import ProjectRefusal, ProjectRefused
from sovex.member_access import (
    download_credential,
    member_credential_path,
    read_member_credential,
    sweep_credentials,
)
from sovex.model.settings import Settings
from sovex.storage_access import reading_client
from tests.helpers import RESEARCHER, STEWARD, register_project, wait_for, write_one_off_variant
from tests.integration.test_retention_and_access import (
    FAR_FUTURE,
    TARGET,
    publish_small_extract,
    record_in_life_cycle,
)

pytestmark = pytest.mark.integration

PROJECT = "projet-membres"
EXTRACT = "membres-x1"
LEA = "lea.roux@chu-exemple.fr"  # a second member
NADIA = "nadia.haddad@chu-exemple.fr"  # compliance officer, never on the project
# The gateway learns removed identities from the filer asynchronously.
REVOCATION_TIMEOUT_S = 20.0


def as_user(settings: Settings, person: str) -> dict[str, str]:
    return {**settings.as_environ(), "SOVEX_USER": person}


def sovex(settings: Settings, person: str, *arguments: str) -> int:
    return main(list(arguments), environ=as_user(settings, person))


def key_works(settings: Settings, path: Path, person: str) -> bool:
    """Whether the store still accepts these keys on the project's prefix."""
    credential = read_member_credential(path, PROJECT, person)
    client, target = reading_client(settings, TARGET, credential.keys())
    try:
        client.list_objects_v2(Bucket=target.bucket, Prefix=f"extracts/{PROJECT}/")
    except ClientError:
        return False
    return True


def refused_by_store(settings: Settings, saved: Path, person: str) -> None:
    wait_for(
        f"the store to refuse {person}'s revoked key",
        REVOCATION_TIMEOUT_S,
        lambda: not key_works(settings, saved, person),
    )


def keep_copy(path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / f"copy-{path.name}"
    copy.write_bytes(path.read_bytes())
    return copy


@pytest.fixture(scope="module")
def project(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A published extract of a registered project whose request (by Claire) is in the
    life cycle, so the project has a retention date."""
    tmp_path = tmp_path_factory.mktemp("members")
    prefix = publish_small_extract(pipeline_settings, tmp_path, PROJECT, EXTRACT, FAR_FUTURE)
    record_in_life_cycle(pipeline_settings, tmp_path, EXTRACT, PROJECT, prefix)
    return prefix


def download(settings: Settings, person: str, to: Path, *more: str) -> int:
    return sovex(
        settings,
        person,
        "extract",
        "download",
        EXTRACT,
        "--project",
        PROJECT,
        "--to",
        str(to),
        *more,
    )


def test_each_member_downloads_with_their_own_credential_and_the_audit_names_them(
    pipeline_settings: Settings, project: str, tmp_path: Path
) -> None:
    assert sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT) == 0
    path = member_credential_path(pipeline_settings, PROJECT, RESEARCHER)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    credential = read_member_credential(path, PROJECT, RESEARCHER)
    lifetime = credential.expires_at - credential.issued_at
    assert timedelta(days=89) < lifetime <= timedelta(days=90)

    assert download(pipeline_settings, RESEARCHER, tmp_path) == 0
    assert (tmp_path / EXTRACT / "values" / "part-00000.parquet").exists()
    log = default_log_path(pipeline_settings.state_dir)
    (record,) = [
        r
        for r in AuditLog(log).records()
        if r["action"] == "extract_downloaded" and r["subject"] == EXTRACT
    ]
    assert record["actor"] == RESEARCHER
    assert record["detail"]["person"] == RESEARCHER
    assert record["detail"]["access_key"] == credential.access_key
    assert credential.secret_key.encode() not in log.read_bytes()
    assert verify(log).ok


def test_a_researcher_not_named_on_the_project_cannot_download(
    pipeline_settings: Settings, project: str, tmp_path: Path
) -> None:
    assert sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT) == 0
    member_file = member_credential_path(pipeline_settings, PROJECT, RESEARCHER)
    # Not a member: refused, with no credential of their own or with a member's file.
    assert download(pipeline_settings, NADIA, tmp_path / "own") == 2
    assert (
        download(pipeline_settings, NADIA, tmp_path / "borrowed", "--credentials", str(member_file))
        == 2
    )
    assert not (tmp_path / "own" / EXTRACT).exists()
    assert not (tmp_path / "borrowed" / EXTRACT).exists()
    # Nor may a steward hand them one.
    assert (
        sovex(
            pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT, "--person", NADIA
        )
        == 2
    )
    assert not member_credential_path(pipeline_settings, PROJECT, NADIA).exists()


def test_an_expired_credential_is_refused_and_the_sweep_revokes_it_on_the_store(
    pipeline_settings: Settings, project: str, tmp_path: Path
) -> None:
    assert sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT) == 0
    path = member_credential_path(pipeline_settings, PROJECT, RESEARCHER)
    saved = keep_copy(path, tmp_path)
    credential = read_member_credential(path, PROJECT, RESEARCHER)
    assert key_works(pipeline_settings, path, RESEARCHER)
    after = credential.expires_at + timedelta(seconds=1)

    with pytest.raises(ProjectRefused) as refused:
        download_credential(pipeline_settings, PROJECT, RESEARCHER, None, after)
    assert refused.value.refusal is ProjectRefusal.CREDENTIAL_EXPIRED
    # The CLI reads the clock: the same file, as it is once its date has passed.
    raw = json.loads(path.read_text())
    raw["expires_at"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    expired = tmp_path / "expired.json"
    expired.write_text(json.dumps(raw))
    expired.chmod(0o600)
    assert (
        download(pipeline_settings, RESEARCHER, tmp_path / "x", "--credentials", str(expired)) == 2
    )
    assert not (tmp_path / "x" / EXTRACT).exists()

    # Only this project: other tests' credentials in the shared state are not yet expired.
    assert (
        sovex(pipeline_settings, STEWARD, "project", "sweep-credentials", "--project", PROJECT) == 0
    )
    assert path.exists()  # not expired yet by the clock
    revoked = sweep_credentials(pipeline_settings, after, "sovex", PROJECT)
    assert [(c.project, c.person, c.reason) for c in revoked] == [(PROJECT, RESEARCHER, "expired")]
    assert not path.exists()
    refused_by_store(pipeline_settings, saved, RESEARCHER)
    assert download(pipeline_settings, RESEARCHER, tmp_path / "y") == 2


def test_removing_a_member_revokes_their_key_on_the_store_at_once(
    pipeline_settings: Settings, project: str, tmp_path: Path
) -> None:
    register_project(pipeline_settings, PROJECT, LEA)
    assert (
        sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT, "--person", LEA)
        == 0
    )
    path = member_credential_path(pipeline_settings, PROJECT, LEA)
    saved = keep_copy(path, tmp_path)
    assert key_works(pipeline_settings, path, LEA)
    # Only a steward changes members.
    assert sovex(pipeline_settings, RESEARCHER, "project", "remove-member", PROJECT, LEA) == 2
    assert sovex(pipeline_settings, STEWARD, "project", "remove-member", PROJECT, LEA) == 0
    assert not path.exists()
    refused_by_store(pipeline_settings, saved, LEA)
    assert download(pipeline_settings, LEA, tmp_path / "lea") == 2
    actions = [
        (r["action"], r["detail"].get("person"))
        for r in AuditLog(default_log_path(pipeline_settings.state_dir)).records()
        if r["subject"] == PROJECT
    ]
    assert ("project_member_removed", LEA) in actions
    assert ("credential_revoked", LEA) in actions


def test_a_request_naming_a_project_its_requester_is_not_a_member_of_is_refused_at_submission(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    assert (
        sovex(
            pipeline_settings,
            STEWARD,
            "project",
            "create",
            "projet-ferme",
            "--description",
            "closed",
        )
        == 0
    )
    # A requester may not register a project either.
    assert (
        sovex(pipeline_settings, RESEARCHER, "project", "create", "projet-x", "--description", "x")
        == 2
    )
    request = write_one_off_variant(tmp_path, id="ferme-1", project="projet-ferme")
    assert sovex(pipeline_settings, RESEARCHER, "request", "submit", str(request)) == 2
    assert sovex(pipeline_settings, RESEARCHER, "request", "validate", str(request)) == 2
    unregistered = write_one_off_variant(tmp_path, id="inconnu-1", project="projet-inconnu")
    assert sovex(pipeline_settings, RESEARCHER, "request", "submit", str(unregistered)) == 2
    assert sovex(pipeline_settings, RESEARCHER, "request", "status", "ferme-1") == 2  # unknown
    assert sovex(pipeline_settings, RESEARCHER, "request", "status", "inconnu-1") == 2


def test_withdrawing_the_request_revokes_the_projects_credentials(
    pipeline_settings: Settings, project: str, tmp_path: Path
) -> None:
    assert sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT) == 0
    path = member_credential_path(pipeline_settings, PROJECT, RESEARCHER)
    saved = keep_copy(path, tmp_path)
    assert (
        sovex(pipeline_settings, STEWARD, "request", "expire", EXTRACT, "--reason", "withdrawn")
        == 0
    )
    assert not path.exists()
    refused_by_store(pipeline_settings, saved, RESEARCHER)
    # Nothing of the project is under a standing request now: no credential is issued.
    assert sovex(pipeline_settings, STEWARD, "project", "issue-credentials", PROJECT) == 2
