"""The review's rules (issue 20): no self-review, a second approval where the purpose takes
one, votes reset on edit, comments and conditions kept, withdraw, and how the audit log
says the actor is known."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sovex.audit import AuditLog, verify
from sovex.governance.errors import TransitionRefused
from sovex.governance.review_rules import check_conditions, standing_endorsements
from sovex.governance.store import RequestStore
from sovex.governance.transitions import Operation, State
from sovex.governance.versions import read_version, version_diff
from sovex.model.errors import InvalidInput
from sovex.model.purpose_requirements import second_approval_required
from sovex.model.settings import PROJECT_ROOT
from sovex.roles import PermissionRefused, Refusal, load_roles

CATALOGS = PROJECT_ROOT / "infra" / "catalogs"
TARGETS = PROJECT_ROOT / "infra" / "targets"
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
REQUEST_ID = "diabetes-t2-2026"
CLAIRE = "claire.moreau@chu-exemple.fr"  # requester, the example's `requester`
PAUL = "paul.bernard@chu-exemple.fr"  # steward
MARC = "marc.petit@chu-exemple.fr"  # steward
NADIA = "nadia.haddad@chu-exemple.fr"  # compliance
SOPHIE = "sophie.martin@chu-exemple.fr"  # requester and steward
ROLES = f"""users:
  {CLAIRE}: [requester]
  {PAUL}: [steward]
  {MARC}: [steward]
  {NADIA}: [compliance]
  {SOPHIE}: [requester, steward]
"""
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TWO_APPROVALS_PURPOSE = "cancer-research"  # second_approval: true in infra/hosting


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass
class World:
    store: RequestStore
    request_file: Path
    state_dir: Path

    def write(self, **changes: object) -> Path:
        raw = yaml.safe_load(self.request_file.read_text(encoding="utf-8"))
        raw.update(changes)
        self.request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        return self.request_file

    def audit(self) -> list[dict]:
        return list(AuditLog(self.state_dir / "audit" / "audit.jsonl").records())


def make_world(tmp_path: Path, actor_auth: object = None, **changes: object) -> World:
    tmp_path.mkdir(parents=True, exist_ok=True)
    roles_file = tmp_path / "roles.yaml"
    roles_file.write_text(ROLES, encoding="utf-8")
    request_file = tmp_path / "requests" / "request.yaml"
    request_file.parent.mkdir()
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw.pop("schedule", None)
    raw.update(changes)
    request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    state_dir = tmp_path / "state"
    store = RequestStore(
        state_dir / "sovex.db",
        load_roles(roles_file),
        CATALOGS,
        TARGETS,
        actor_auth=actor_auth,  # type: ignore[arg-type]
    )
    return World(store, request_file, state_dir)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def two_approvals(tmp_path: Path) -> World:
    return make_world(tmp_path, purpose=TWO_APPROVALS_PURPOSE)


def test_the_purposes_config_asks_a_second_approval_for_cancer_research() -> None:
    infra = PROJECT_ROOT / "infra"
    assert second_approval_required(infra, TWO_APPROVALS_PURPOSE)
    assert not second_approval_required(infra, "chronic-disease-research")


@pytest.mark.parametrize("reviewer", [CLAIRE, SOPHIE])
def test_when_the_reviewer_wrote_the_request_then_the_approval_is_refused(
    tmp_path: Path, reviewer: str
) -> None:
    world = make_world(tmp_path, requester=reviewer)
    world.store.submit(world.request_file, reviewer, at(0))
    with pytest.raises(PermissionRefused) as refused:
        world.store.approve(REQUEST_ID, reviewer, at(1))
    # CLAIRE holds no steward role; SOPHIE does, and is refused as the author.
    assert refused.value.refusal in (Refusal.MISSING_ROLE, Refusal.OWN_REQUEST)
    assert world.store.get(REQUEST_ID).state is State.SUBMITTED


def test_when_a_steward_submitted_it_for_someone_else_then_they_cannot_approve_it(
    world: World,
) -> None:
    world.store.submit(world.request_file, SOPHIE, at(0))
    with pytest.raises(PermissionRefused) as refused:
        world.store.approve(REQUEST_ID, SOPHIE, at(1))
    assert refused.value.refusal is Refusal.OWN_REQUEST


def test_one_approval_approves_a_purpose_without_a_second_approval(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    outcome = world.store.approve(
        REQUEST_ID, PAUL, at(1), "fine", ("no linkage with other sources",)
    )
    assert outcome.status.state is State.APPROVED
    approval = outcome.status.approval
    assert approval is not None
    assert approval.comment == "fine"
    assert approval.conditions == ("no linkage with other sources",)
    record = world.audit()[-1]
    assert record["detail"]["comment"] == "fine"
    assert record["detail"]["conditions"] == ["no linkage with other sources"]


def test_a_purpose_with_a_second_approval_takes_two_different_stewards(
    two_approvals: World,
) -> None:
    store = two_approvals.store
    store.submit(two_approvals.request_file, CLAIRE, at(0))
    first = store.approve(REQUEST_ID, PAUL, at(1), "first look")
    assert first.status.state is State.SUBMITTED
    assert first.transitions[0].operation is Operation.ENDORSE
    with pytest.raises(PermissionRefused, match="already approved"):
        store.approve(REQUEST_ID, PAUL, at(2))
    second = store.approve(REQUEST_ID, MARC, at(3), "second look")
    assert second.status.state is State.APPROVED
    assert [t["action"] for t in two_approvals.audit()][-2:] == [
        "request_endorsed",
        "request_approved",
    ]


def test_an_edit_between_the_two_approvals_resets_the_votes(two_approvals: World) -> None:
    store = two_approvals.store
    store.submit(two_approvals.request_file, CLAIRE, at(0))
    store.approve(REQUEST_ID, PAUL, at(1))
    two_approvals.write(k_threshold=11)
    store.submit(two_approvals.request_file, CLAIRE, at(2))
    status = store.get(REQUEST_ID)
    assert standing_endorsements(status.history, status.submission.request_sha256) == []
    # MARC's approval is now the first one of the edited content, not the second.
    assert store.approve(REQUEST_ID, MARC, at(3)).status.state is State.SUBMITTED
    assert store.approve(REQUEST_ID, PAUL, at(4)).status.state is State.APPROVED


def test_a_requester_withdraws_their_request_and_may_submit_it_again(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(PermissionRefused):
        world.store.withdraw(REQUEST_ID, PAUL, at(1))
    assert world.store.withdraw(REQUEST_ID, CLAIRE, at(1)).status.state is State.WITHDRAWN
    with pytest.raises(TransitionRefused):
        world.store.approve(REQUEST_ID, PAUL, at(2))
    assert world.store.submit(world.request_file, CLAIRE, at(3)).status.state is State.SUBMITTED


def test_a_withdrawn_approval_sends_the_request_back_to_review(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    world.store.approve(REQUEST_ID, PAUL, at(1))
    with pytest.raises(PermissionRefused):
        world.store.withdraw(REQUEST_ID, CLAIRE, at(2))
    outcome = world.store.withdraw(REQUEST_ID, NADIA, at(2), "consent campaign pending")
    assert outcome.status.state is State.SUBMITTED
    assert outcome.status.approval is None
    assert world.store.approve(REQUEST_ID, MARC, at(3)).status.state is State.APPROVED


def test_every_submitted_version_is_kept_private_and_diffed_from_the_approved_one(
    world: World,
) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    approved = world.store.approve(REQUEST_ID, PAUL, at(1)).status.submission.request_sha256
    world.write(k_threshold=12)
    current = world.store.submit(world.request_file, CLAIRE, at(2)).status.submission
    root = world.state_dir / "request-versions"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for sha256 in (approved, current.request_sha256):
        path = root / REQUEST_ID / f"{sha256}.yaml"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = read_version(root, REQUEST_ID, approved)
    after = read_version(root, REQUEST_ID, current.request_sha256)
    assert after is not None
    diff = version_diff(before, after, "approved", "submitted")
    assert "+k_threshold: 12" in diff
    assert any(line.startswith("-k_threshold") for line in diff)


def test_audit_records_say_how_the_actor_is_known(tmp_path: Path) -> None:
    declared = make_world(tmp_path / "declared")
    declared.store.submit(declared.request_file, CLAIRE, at(0))
    assert declared.audit()[-1]["actor_auth"] == "declared"
    logged_in = make_world(tmp_path / "logged-in", actor_auth="authenticated")
    logged_in.store.submit(logged_in.request_file, CLAIRE, at(0))
    record = logged_in.audit()[-1]
    assert (record["actor"], record["actor_auth"]) == (CLAIRE, "authenticated")
    log = AuditLog(tmp_path / "system.jsonl")
    assert log.append("sovex", "retention_sweep", "target:local")["actor_auth"] == "system"
    assert verify(logged_in.state_dir / "audit" / "audit.jsonl").ok


def test_a_record_whose_actor_auth_was_altered_breaks_the_chain(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    path = world.state_dir / "audit" / "audit.jsonl"
    path.write_text(path.read_text().replace('"declared"', '"authenticated"'))
    assert not verify(path).ok


@pytest.mark.parametrize(
    ("conditions", "kept"),
    [((), []), (("  a  condition ", ""), ["a condition"]), (("x",) * 10, ["x"] * 10)],
)
def test_conditions_are_short_lines_of_text(conditions: tuple[str, ...], kept: list[str]) -> None:
    assert check_conditions(conditions) == kept


@pytest.mark.parametrize("conditions", [("x",) * 11, ("bad\x1b[2J",), ("y" * 301,)])
def test_too_many_or_unprintable_conditions_are_refused(conditions: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput):
        check_conditions(conditions)
