"""Projects as registered entities, and the rules of members' download credentials that
need no store (the store's side is tests/integration/test_member_access.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sovex.audit import AuditLog, verify
from sovex.governance.projects import (
    MemberRole,
    ProjectRefusal,
    ProjectRefused,
    ProjectRegistry,
    check_member_role,
    check_person,
)
from sovex.governance.store import RequestStore
from sovex.member_access import (
    MemberCredential,
    _write_credential,
    credential_expiry,
    download_credential,
    member_credential_path,
    member_identity_name,
    read_member_credential,
)
from sovex.model.errors import EXIT_INVALID_INPUT, InvalidInput, exit_code_for
from sovex.model.settings import PROJECT_ROOT, Settings, settings_from_environ
from sovex.request_checks import _project_problems
from sovex.roles import PermissionRefused, load_roles, roles_path

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
CLAIRE = "claire.moreau@chu-exemple.fr"  # requester (infra/roles.yaml)
PAUL = "paul.bernard@chu-exemple.fr"  # steward
NADIA = "nadia.haddad@chu-exemple.fr"  # compliance
LEA = "lea.roux@chu-exemple.fr"  # named on projects only
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PROJECT = "parcours-diabete"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})


@pytest.fixture
def registry(settings: Settings) -> ProjectRegistry:
    return ProjectRegistry(settings.state_dir, load_roles(roles_path(settings.infra_dir)))


def audit_actions(settings: Settings) -> list[tuple[str, str, str]]:
    log = AuditLog(settings.state_dir / "audit" / "audit.jsonl")
    return [(r["actor"], r["action"], r["subject"]) for r in log.records()]


def one_off_request(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw.pop("schedule", None)
    raw.update(changes)
    path = tmp_path / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_when_a_steward_creates_a_project_then_its_file_is_private_and_the_change_audited(
    settings: Settings, registry: ProjectRegistry
) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    registry.add_member(PROJECT, CLAIRE, MemberRole.INVESTIGATOR, PAUL, T0)
    path = settings.state_dir / "projects" / f"{PROJECT}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    project = registry.get(PROJECT)
    assert project.created_by == PAUL
    member = project.member(CLAIRE.upper())  # identities compare case-insensitively
    assert member is not None and member.role is MemberRole.INVESTIGATOR
    assert audit_actions(settings) == [
        (PAUL, "project_created", PROJECT),
        (PAUL, "project_member_added", PROJECT),
    ]
    assert verify(settings.state_dir / "audit" / "audit.jsonl").ok


@pytest.mark.parametrize("actor", [CLAIRE, NADIA, "unknown", "someone@else.fr"])
def test_only_a_steward_creates_or_changes_a_project(
    settings: Settings, registry: ProjectRegistry, actor: str
) -> None:
    with pytest.raises(PermissionRefused) as refused:
        registry.create(PROJECT, "type 2 diabetes pathways", actor, T0)
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    with pytest.raises(PermissionRefused):
        registry.add_member(PROJECT, actor, MemberRole.RESEARCHER, actor, T0)
    registry.add_member(PROJECT, CLAIRE, MemberRole.RESEARCHER, PAUL, T0)
    with pytest.raises(PermissionRefused):
        registry.remove_member(PROJECT, CLAIRE, actor, T0)
    assert registry.get(PROJECT).member(CLAIRE) is not None
    assert [a for _, a, _ in audit_actions(settings)] == [
        "project_created",
        "project_member_added",
    ]


def test_a_project_is_created_once(registry: ProjectRegistry) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    with pytest.raises(ProjectRefused) as refused:
        registry.create(PROJECT, "another description", PAUL, T0)
    assert refused.value.refusal is ProjectRefusal.ALREADY_EXISTS
    assert registry.get(PROJECT).description == "type 2 diabetes pathways"


@pytest.mark.parametrize(
    ("name", "description"),
    [("Parcours", "x"), ("../etc", "x"), ("p" * 64, "x"), ("ok", ""), ("ok", "two\nlines")],
)
def test_a_bad_name_or_description_is_refused_and_nothing_is_written(
    settings: Settings, registry: ProjectRegistry, name: str, description: str
) -> None:
    with pytest.raises(InvalidInput):
        registry.create(name, description, PAUL, T0)
    assert registry.list() == []
    assert not (settings.state_dir / "audit" / "audit.jsonl").exists()


@pytest.mark.parametrize("person", ["a b@x.fr", "../claire", "", "claire/x"])
def test_a_person_who_could_not_be_a_file_name_is_refused(person: str) -> None:
    with pytest.raises(InvalidInput):
        check_person(person)


def test_a_member_role_outside_the_list_is_refused_naming_the_allowed_ones() -> None:
    assert check_member_role("researcher") is MemberRole.RESEARCHER
    with pytest.raises(InvalidInput, match="investigator, researcher"):
        check_member_role("owner")


def test_removing_someone_not_on_the_project_is_refused(registry: ProjectRegistry) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    with pytest.raises(ProjectRefused) as refused:
        registry.remove_member(PROJECT, LEA, PAUL, T0)
    assert refused.value.refusal is ProjectRefusal.NOT_MEMBER


def test_membership_of_an_unknown_project_is_refused_naming_the_known_ones(
    registry: ProjectRegistry,
) -> None:
    registry.create("autre-projet", "something else", PAUL, T0)
    with pytest.raises(ProjectRefused, match="autre-projet") as refused:
        registry.require_member(PROJECT, CLAIRE, "name it in a request")
    assert refused.value.refusal is ProjectRefusal.UNKNOWN_PROJECT
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT


def test_a_request_naming_a_project_its_requester_is_not_a_member_of_is_refused_at_submission(
    settings: Settings, registry: ProjectRegistry, tmp_path: Path
) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    registry.add_member(PROJECT, LEA, MemberRole.RESEARCHER, PAUL, T0)
    store = RequestStore.for_settings(settings)
    request = one_off_request(tmp_path)
    with pytest.raises(ProjectRefused, match=f"{CLAIRE} is not a member") as refused:
        store.submit(request, CLAIRE, T0)
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT
    assert store.list_requests() == []
    (problem,) = _project_problems(settings, request, _load(settings, request))
    assert problem.startswith(f"{request}: field 'project': {CLAIRE} is not a member")


def test_a_member_removed_after_submitting_cannot_have_the_request_approved(
    settings: Settings, registry: ProjectRegistry, tmp_path: Path
) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    registry.add_member(PROJECT, CLAIRE, MemberRole.RESEARCHER, PAUL, T0)
    store = RequestStore.for_settings(settings)
    request = one_off_request(tmp_path)
    store.submit(request, CLAIRE, T0)
    assert _project_problems(settings, request, _load(settings, request)) == []
    registry.remove_member(PROJECT, CLAIRE, PAUL, T0 + timedelta(hours=1))
    with pytest.raises(ProjectRefused, match="not a member"):
        store.approve("diabetes-t2-2026", PAUL, T0 + timedelta(hours=2))
    assert store.get("diabetes-t2-2026").state.value == "submitted"


def _load(settings: Settings, path: Path):  # type: ignore[no-untyped-def]
    from sovex.model.request import load_request

    return load_request(path, settings.catalogs_dir, settings.targets_dir)


@pytest.mark.parametrize(
    ("days", "retention", "expected"),
    [
        (90, date(2028, 12, 31), T0 + timedelta(days=90)),
        # Never past the project's retention: it ends when its last day ends.
        (90, date(2026, 12, 10), datetime(2026, 12, 11, tzinfo=UTC)),
        (9, date(2026, 12, 10), T0 + timedelta(days=9)),
        (10, date(2026, 12, 10), datetime(2026, 12, 11, tzinfo=UTC)),
    ],
)
def test_a_credential_expires_after_its_days_and_never_after_the_retention(
    days: int, retention: date, expected: datetime
) -> None:
    assert credential_expiry(T0, days, retention) == expected


def test_the_credential_days_come_from_the_environment_with_90_by_default() -> None:
    assert settings_from_environ({}).credential_days == 90
    assert settings_from_environ({"SOVEX_CREDENTIAL_DAYS": "7"}).credential_days == 7
    environ = settings_from_environ({"SOVEX_CREDENTIAL_DAYS": "7"}).as_environ()
    assert environ["SOVEX_CREDENTIAL_DAYS"] == "7"
    with pytest.raises(Exception, match="SOVEX_CREDENTIAL_DAYS"):
        settings_from_environ({"SOVEX_CREDENTIAL_DAYS": "0"})


def issued(settings: Settings, person: str, expires_at: datetime) -> Path:
    credential = MemberCredential(PROJECT, person, "AK", "secret", T0, expires_at)
    path = member_credential_path(settings, PROJECT, person)
    _write_credential(path, credential)
    return path


def test_a_credential_file_is_private_and_names_its_person_and_expiry(
    settings: Settings,
) -> None:
    path = issued(settings, CLAIRE, T0 + timedelta(days=90))
    assert path == settings.credentials_dir / PROJECT / f"{CLAIRE}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert settings.credentials_dir.stat().st_mode & 0o777 == 0o700
    raw = json.loads(path.read_text())
    assert raw["person"] == CLAIRE and raw["identity"] == member_identity_name(PROJECT, CLAIRE)
    assert CLAIRE not in raw["identity"]  # the store sees a digest, not the address
    assert read_member_credential(path, PROJECT, CLAIRE).expires_at == T0 + timedelta(days=90)


def test_a_download_is_refused_with_an_expired_credential_or_someone_elses(
    settings: Settings, registry: ProjectRegistry
) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    registry.add_member(PROJECT, CLAIRE, MemberRole.RESEARCHER, PAUL, T0)
    registry.add_member(PROJECT, LEA, MemberRole.RESEARCHER, PAUL, T0)
    expires = T0 + timedelta(days=1)
    path = issued(settings, CLAIRE, expires)
    assert download_credential(settings, PROJECT, CLAIRE, None, expires - timedelta(seconds=1))
    with pytest.raises(ProjectRefused, match="expired") as refused:
        download_credential(settings, PROJECT, CLAIRE, None, expires)
    assert refused.value.refusal is ProjectRefusal.CREDENTIAL_EXPIRED
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT
    # Lea is a member, but Claire's file is Claire's.
    with pytest.raises(InvalidInput, match=r"not lea\.roux"):
        download_credential(settings, PROJECT, LEA, path, T0)


def test_someone_not_named_on_the_project_cannot_download_even_with_a_members_file(
    settings: Settings, registry: ProjectRegistry
) -> None:
    registry.create(PROJECT, "type 2 diabetes pathways", PAUL, T0)
    registry.add_member(PROJECT, CLAIRE, MemberRole.RESEARCHER, PAUL, T0)
    path = issued(settings, CLAIRE, T0 + timedelta(days=1))
    with pytest.raises(ProjectRefused, match="is not a member") as refused:
        download_credential(settings, PROJECT, LEA, path, T0)
    assert refused.value.refusal is ProjectRefusal.NOT_MEMBER
