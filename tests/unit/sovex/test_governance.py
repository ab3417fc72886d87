from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sovex.audit import AuditAction, AuditLog, verify
from sovex.governance.errors import RequestChanged, TransitionRefused, UnknownRequest
from sovex.governance.formatting import format_status
from sovex.governance.snapshot import read_approved_snapshot
from sovex.governance.status import Outcome
from sovex.governance.store import RequestStore
from sovex.governance.transitions import (
    OPERATION_AUDIT_ACTIONS,
    TRANSITIONS,
    Condition,
    Operation,
    State,
    rules_for,
)
from sovex.model.errors import EXIT_INVALID_INPUT, InvalidInput, exit_code_for
from sovex.model.request import ExtractRequest, load_request
from sovex.model.schedule import CRON_PRESETS, periods, run_id_for, validate_schedule
from sovex.model.settings import PROJECT_ROOT, settings_from_environ
from sovex.roles import SYSTEM_ACTOR, PermissionRefused, Refusal, load_roles

CATALOGS = PROJECT_ROOT / "infra" / "catalogs"
TARGETS = PROJECT_ROOT / "infra" / "targets"
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
REQUEST_ID = "diabetes-t2-2026"

CLAIRE = "claire.moreau@chu-exemple.fr"  # requester, and the example's `requester`
PAUL = "paul.bernard@chu-exemple.fr"  # steward
MARC = "marc.petit@chu-exemple.fr"  # another steward
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
MANIFEST = "s3://sovex-extracts/extracts/parcours-diabete/e-1/_manifest.json"


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


@dataclass
class World:
    store: RequestStore
    request_file: Path
    state_dir: Path

    def write(self, **changes: object) -> Path:
        """Rewrite the request file with some fields changed."""
        raw = yaml.safe_load(self.request_file.read_text(encoding="utf-8"))
        raw.update(changes)
        self.request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
        return self.request_file

    def sha256(self) -> str:
        return load_request(self.request_file, CATALOGS, TARGETS).sha256()

    def state(self) -> State:
        return self.store.get(REQUEST_ID).state

    def audit(self) -> list[dict]:
        return list(AuditLog(self.state_dir / "audit" / "audit.jsonl").records())


@pytest.fixture
def world(tmp_path: Path) -> World:
    roles_file = tmp_path / "roles.yaml"
    roles_file.write_text(ROLES, encoding="utf-8")
    request_file = tmp_path / "requests" / "diabetes-t2.yaml"
    request_file.parent.mkdir()
    # A one-off copy of the example (the example itself is refreshed quarterly); tests
    # that need a schedule write one.
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw.pop("schedule", None)
    request_file.write_text(yaml.safe_dump(raw), encoding="utf-8")
    state_dir = tmp_path / "state"
    store = RequestStore(state_dir / "sovex.db", load_roles(roles_file), CATALOGS, TARGETS)
    return World(store, request_file, state_dir)


@pytest.fixture
def schedule_field() -> None:
    """Requests carry an optional `schedule` (ExtractRequest's field)."""
    assert "schedule" in ExtractRequest.model_fields


def submit_and_approve(world: World) -> Outcome:
    world.store.submit(world.request_file, CLAIRE, at(0))
    return world.store.approve(REQUEST_ID, PAUL, at(1))


def start(world: World, extract_id: str = "e-1", hours: int = 2) -> Outcome:
    return world.store.start_run(
        REQUEST_ID, extract_id, request_sha256=world.sha256(), actor=PAUL, at=at(hours)
    )


# --- the table --------------------------------------------------------------------------


def test_the_transition_table_is_the_documented_one() -> None:
    documented = {
        ("draft", "submit", "submitted", "always"),
        ("submitted", "submit", "submitted", "changed"),
        ("rejected", "submit", "submitted", "changed"),
        ("approved", "submit", "submitted", "changed"),
        ("scheduled", "submit", "submitted", "changed"),
        ("published", "submit", "submitted", "changed"),
        ("failed", "submit", "submitted", "changed"),
        ("approved", "change", "submitted", "changed"),
        ("scheduled", "change", "submitted", "changed"),
        ("published", "change", "submitted", "changed"),
        ("failed", "change", "submitted", "changed"),
        ("submitted", "approve", "approved", "always"),
        ("submitted", "reject", "rejected", "always"),
        ("approved", "schedule", "scheduled", "scheduled"),
        ("approved", "start_run", "running", "always"),
        ("scheduled", "start_run", "running", "always"),
        ("published", "start_run", "running", "scheduled"),
        ("failed", "start_run", "running", "always"),
        ("running", "publish", "published", "always"),
        ("running", "fail", "failed", "always"),
        ("approved", "expire", "expired", "always"),
        ("scheduled", "expire", "expired", "always"),
        ("published", "expire", "expired", "always"),
        ("failed", "expire", "expired", "always"),
        # Issue 20: a first of two approvals, withdrawals.
        ("submitted", "endorse", "submitted", "always"),
        ("submitted", "withdraw", "withdrawn", "always"),
        ("withdrawn", "submit", "submitted", "always"),
        ("approved", "withdraw", "submitted", "always"),
        ("scheduled", "withdraw", "submitted", "always"),
        ("failed", "withdraw", "submitted", "always"),
    }
    assert {(r.source, r.operation, r.target, r.condition) for r in TRANSITIONS} == documented
    assert len(TRANSITIONS) == len(documented)


def test_every_operation_writes_a_known_audit_action() -> None:
    assert set(OPERATION_AUDIT_ACTIONS) == set(Operation)
    for action in OPERATION_AUDIT_ACTIONS.values():
        AuditAction(action)


# --- submitting and approving -----------------------------------------------------------


def test_a_submission_records_who_submitted_which_content_from_which_file(world: World) -> None:
    outcome = world.store.submit(world.request_file, CLAIRE, at(0))
    status = outcome.status
    assert status.state is State.SUBMITTED
    assert status.submission.request_sha256 == world.sha256()
    assert status.submission.request_file == world.request_file.resolve()
    assert (status.submission.project, status.submission.requester) == ("parcours-diabete", CLAIRE)
    assert [(t.from_state, t.to_state, t.actor, t.at) for t in outcome.transitions] == [
        (State.DRAFT, State.SUBMITTED, CLAIRE, at(0))
    ]
    assert "a steward other than its authors must approve it" in outcome.message


def test_an_invalid_request_file_cannot_be_submitted(world: World) -> None:
    world.write(target="nowhere")
    with pytest.raises(InvalidInput, match="field 'target'"):
        world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(UnknownRequest):
        world.store.get(REQUEST_ID)


def test_only_a_requester_may_submit(world: World) -> None:
    with pytest.raises(PermissionRefused, match=f"user {PAUL} may not submit requests: that "):
        world.store.submit(world.request_file, PAUL, at(0))


def test_the_submitter_may_not_approve_their_own_request(world: World) -> None:
    world.store.submit(world.request_file, SOPHIE, at(0))
    with pytest.raises(PermissionRefused) as refused:
        world.store.approve(REQUEST_ID, SOPHIE, at(1))
    assert refused.value.refusal is Refusal.OWN_REQUEST
    assert f"user {SOPHIE} may not approve request '{REQUEST_ID}': {SOPHIE} submitted it" in str(
        refused.value
    )
    assert "nobody approves their own request" in str(refused.value)
    assert world.state() is State.SUBMITTED
    assert world.store.approve(REQUEST_ID, PAUL, at(2)).status.state is State.APPROVED


def test_the_requester_named_in_the_file_may_not_approve_it(world: World) -> None:
    world.write(requester="Paul.Bernard@CHU-exemple.fr")
    world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(PermissionRefused, match=f"{PAUL} is its requester"):
        world.store.approve(REQUEST_ID, PAUL, at(1))
    assert world.state() is State.SUBMITTED


def test_whoever_submitted_an_earlier_version_may_not_approve_a_later_one(world: World) -> None:
    world.store.submit(world.request_file, SOPHIE, at(0))
    world.write(purpose="chronic-disease-research-v2")
    world.store.submit(world.request_file, CLAIRE, at(1))
    with pytest.raises(PermissionRefused, match="submitted it"):
        world.store.approve(REQUEST_ID, SOPHIE, at(2))


def test_approval_by_a_non_steward_is_refused_with_the_role_named(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(PermissionRefused) as refused:
        world.store.approve(REQUEST_ID, NADIA, at(1))
    assert str(refused.value) == (
        f"user {NADIA} may not approve requests: that needs the steward role; "
        f"{NADIA} has: compliance"
    )
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT
    assert world.state() is State.SUBMITTED


def test_an_approval_records_the_approver_and_the_approved_hash(world: World) -> None:
    outcome = submit_and_approve(world)
    approval = outcome.status.approval
    assert approval is not None
    assert (approval.approved_by, approval.approved_at) == (PAUL, at(1))
    assert approval.request_sha256 == world.sha256()
    assert outcome.transitions[0].request_sha256 == world.sha256()


def test_a_file_changed_between_submission_and_approval_is_not_approved(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    world.write(k_threshold=6)
    with pytest.raises(TransitionRefused, match=r"changed since it was submitted.*submit it again"):
        world.store.approve(REQUEST_ID, PAUL, at(1))
    assert world.state() is State.SUBMITTED


def test_a_submitted_file_that_disappeared_cannot_be_approved(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    world.request_file.unlink()
    with pytest.raises(InvalidInput, match="can no longer be approved; fix it and submit"):
        world.store.approve(REQUEST_ID, PAUL, at(1))


def test_resubmitting_the_same_content_changes_nothing_and_says_so(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    again = world.store.submit(world.request_file, CLAIRE, at(1))
    assert not again.changed and "already submitted with this content" in again.message
    world.store.approve(REQUEST_ID, PAUL, at(2))
    again = world.store.submit(world.request_file, CLAIRE, at(3))
    assert not again.changed and "already approved with this content" in again.message
    assert len(world.store.get(REQUEST_ID).history) == 2


def test_a_request_revised_before_a_decision_is_submitted_again(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    world.write(k_threshold=8)
    outcome = world.store.submit(world.request_file, CLAIRE, at(1))
    assert [(t.from_state, t.to_state) for t in outcome.transitions] == [
        (State.SUBMITTED, State.SUBMITTED)
    ]
    assert outcome.status.submission.request_sha256 == world.sha256()


def test_a_rejection_needs_a_reason_and_unchanged_resubmission_is_refused(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(InvalidInput, match="field 'reason'"):
        world.store.reject(REQUEST_ID, PAUL, at(1), "  ")
    rejected = world.store.reject(REQUEST_ID, NADIA, at(1), "no ethics committee opinion yet")
    assert rejected.status.state is State.REJECTED
    with pytest.raises(TransitionRefused) as refused:
        world.store.submit(world.request_file, CLAIRE, at(2))
    assert "reason: no ethics committee opinion yet" in str(refused.value)
    assert "same content" in str(refused.value) and "edit it first" in str(refused.value)
    world.write(legal_basis="CNIL MR-004, dossier 2026-117, avis CESREES 2026-03")
    assert world.store.submit(world.request_file, CLAIRE, at(3)).status.state is State.SUBMITTED


# --- illegal transitions ----------------------------------------------------------------

API_OPERATIONS = (
    Operation.SUBMIT,
    Operation.APPROVE,
    Operation.REJECT,
    Operation.START_RUN,
    Operation.PUBLISH,
    Operation.FAIL,
    Operation.EXPIRE,
)


def bring_to(world: World, state: State) -> None:
    """Drive a request to `state` through the public operations."""
    store = world.store
    if state is State.DRAFT:
        return
    if state is State.SCHEDULED:
        world.write(schedule="@quarterly")
    store.submit(world.request_file, CLAIRE, at(0))
    if state is State.REJECTED:
        store.reject(REQUEST_ID, PAUL, at(1), "purpose too broad")
    elif state is State.WITHDRAWN:
        store.withdraw(REQUEST_ID, CLAIRE, at(1))
    elif state is not State.SUBMITTED:
        store.approve(REQUEST_ID, PAUL, at(1))
    if state in (State.RUNNING, State.PUBLISHED, State.FAILED):
        start(world)
    if state in (State.PUBLISHED, State.FAILED):
        store.finish_run(REQUEST_ID, "e-1", state is State.PUBLISHED, PAUL, at(3), MANIFEST)
    if state is State.EXPIRED:
        store.expire(REQUEST_ID, NADIA, at(4))
    assert world.state() is state


def perform(world: World, operation: Operation) -> Callable[[], object]:
    store = world.store
    actions: dict[Operation, Callable[[], object]] = {
        Operation.SUBMIT: lambda: store.submit(world.write(k_threshold=9), CLAIRE, at(10)),
        Operation.APPROVE: lambda: store.approve(REQUEST_ID, MARC, at(10)),
        Operation.REJECT: lambda: store.reject(REQUEST_ID, MARC, at(10), "no"),
        Operation.START_RUN: lambda: start(world, "e-2", 10),
        Operation.PUBLISH: lambda: store.finish_run(
            REQUEST_ID, "e-other", True, PAUL, at(10), MANIFEST
        ),
        Operation.FAIL: lambda: store.finish_run(REQUEST_ID, "e-other", False, PAUL, at(10)),
        Operation.EXPIRE: lambda: store.expire(REQUEST_ID, PAUL, at(10)),
    }
    return actions[operation]


ILLEGAL = [
    (state, operation)
    for state in State
    for operation in API_OPERATIONS
    if not rules_for(operation, state)
]


@pytest.mark.parametrize(
    ("state", "operation"), ILLEGAL, ids=[f"{s.value}-{o.value}" for s, o in ILLEGAL]
)
def test_an_operation_the_table_does_not_allow_is_refused_with_a_clear_message(
    world: World, schedule_field: None, state: State, operation: Operation
) -> None:
    bring_to(world, state)
    before = [] if state is State.DRAFT else world.store.get(REQUEST_ID).history
    with pytest.raises(TransitionRefused) as refused:
        perform(world, operation)()
    message = str(refused.value)
    assert refused.value.operation is operation
    assert exit_code_for(refused.value) == EXIT_INVALID_INPUT
    if state is State.DRAFT:
        assert isinstance(refused.value, UnknownRequest)
        assert f"no request '{REQUEST_ID}' was ever submitted" in message
        assert "sovex request submit FILE" in message
    else:
        assert refused.value.state is state
        assert message.startswith(f"request '{REQUEST_ID}' is {state.value} (since ")
        assert "cannot be" in message
        assert ("what may happen next" in message) or ("this is final" in message)
        assert world.store.get(REQUEST_ID).history == before


def test_a_one_off_request_is_published_once(world: World) -> None:
    bring_to(world, State.PUBLISHED)
    with pytest.raises(TransitionRefused, match="without a schedule is published once"):
        start(world, "e-2", 10)


# --- running ----------------------------------------------------------------------------


def test_an_edited_approved_request_cannot_run_until_resubmitted_and_reapproved(
    world: World,
) -> None:
    submit_and_approve(world)
    approved_sha256 = world.sha256()
    world.write(tables={"patients": ["patient_id", "birth_date", "sex", "postcode"]}, aggregates=[])
    edited_sha256 = world.sha256()

    with pytest.raises(RequestChanged) as refused:
        world.store.check_runnable(REQUEST_ID, edited_sha256, PAUL, at(2))
    assert "changed after its approval" in str(refused.value)
    assert "nothing was read" in str(refused.value)
    assert "submit it again" in str(refused.value)
    assert (refused.value.approved_sha256, refused.value.current_sha256) == (
        approved_sha256,
        edited_sha256,
    )
    status = world.store.get(REQUEST_ID)
    assert status.state is State.SUBMITTED and status.approval is None
    assert read_approved_snapshot(world.store.snapshot_path) == []  # no longer offered
    last = status.history[-1]
    assert (last.operation, last.actor, last.request_sha256) == (
        Operation.CHANGE,
        SYSTEM_ACTOR,
        edited_sha256,
    )
    assert last.detail == {"reason": "changed after approval", "approved_sha256": approved_sha256}

    # Neither the old content nor the new one runs, and the edit cannot be approved as is.
    for sha256 in (approved_sha256, edited_sha256):
        with pytest.raises(TransitionRefused, match="is submitted"):
            world.store.check_runnable(REQUEST_ID, sha256, PAUL, at(3))
    with pytest.raises(TransitionRefused, match="changed since it was submitted"):
        world.store.approve(REQUEST_ID, PAUL, at(3))

    world.store.submit(world.request_file, CLAIRE, at(4))
    world.store.approve(REQUEST_ID, MARC, at(5))
    approval = world.store.check_runnable(REQUEST_ID, edited_sha256, PAUL, at(6))
    assert (approval.request_sha256, approval.approved_by) == (edited_sha256, MARC)


def test_starting_a_run_of_changed_content_moves_the_request_back_to_submitted(
    world: World,
) -> None:
    submit_and_approve(world)
    world.write(k_threshold=7)
    with pytest.raises(RequestChanged):
        start(world)
    assert world.state() is State.SUBMITTED
    assert world.store.get(REQUEST_ID).last_run is None


def test_a_run_needs_a_steward_or_sovex_itself(world: World) -> None:
    submit_and_approve(world)
    with pytest.raises(PermissionRefused, match=f"user {CLAIRE} may not run requests"):
        world.store.check_runnable(REQUEST_ID, world.sha256(), CLAIRE, at(2))
    approval = world.store.check_runnable(REQUEST_ID, world.sha256(), SYSTEM_ACTOR, at(2))
    assert approval.approved_by == PAUL
    with pytest.raises(PermissionRefused):
        world.store.approve(REQUEST_ID, SYSTEM_ACTOR, at(2))


def test_a_request_does_not_run_twice_at_once_and_a_retried_start_changes_nothing(
    world: World,
) -> None:
    submit_and_approve(world)
    start(world)
    assert not start(world).changed  # the same extract: a retried task
    with pytest.raises(TransitionRefused, match="extract e-1 is running"):
        world.store.check_runnable(REQUEST_ID, world.sha256(), PAUL, at(3))
    with pytest.raises(TransitionRefused, match="the running extract is e-1, not e-2"):
        world.store.finish_run(REQUEST_ID, "e-2", True, PAUL, at(3), MANIFEST)


def test_a_failed_run_can_be_rerun_and_recording_an_outcome_twice_changes_nothing(
    world: World,
) -> None:
    submit_and_approve(world)
    start(world)
    failed = world.store.finish_run(REQUEST_ID, "e-1", False, SYSTEM_ACTOR, at(3), reason="k=3")
    assert failed.status.state is State.FAILED
    assert not world.store.finish_run(REQUEST_ID, "e-1", False, SYSTEM_ACTOR, at(4)).changed
    start(world, "e-1", 5)  # a rerun of the same run (cleared tasks)
    published = world.store.finish_run(REQUEST_ID, "e-1", True, PAUL, at(6), MANIFEST)
    assert published.status.state is State.PUBLISHED


def test_a_published_run_names_its_manifest(world: World) -> None:
    submit_and_approve(world)
    start(world)
    with pytest.raises(InvalidInput, match="field 'manifest'"):
        world.store.finish_run(REQUEST_ID, "e-1", True, PAUL, at(3))


def test_status_shows_the_full_history_with_actors_and_times(world: World) -> None:
    submit_and_approve(world)
    start(world)
    world.store.finish_run(
        REQUEST_ID, "e-1", True, SYSTEM_ACTOR, at(3), MANIFEST, retention_until=date(2028, 12, 31)
    )
    status = world.store.get(REQUEST_ID)
    assert [(t.seq, t.from_state, t.to_state, t.actor, t.at) for t in status.history] == [
        (1, State.DRAFT, State.SUBMITTED, CLAIRE, at(0)),
        (2, State.SUBMITTED, State.APPROVED, PAUL, at(1)),
        (3, State.APPROVED, State.RUNNING, PAUL, at(2)),
        (4, State.RUNNING, State.PUBLISHED, SYSTEM_ACTOR, at(3)),
    ]
    assert status.last_run is not None
    assert (status.last_run.extract_id, status.last_run.state) == ("e-1", State.PUBLISHED)
    assert status.published is not None and status.published.manifest == MANIFEST
    assert status.retention_until == date(2028, 12, 31)
    assert not status.runnable  # a one-off request, already published

    as_json = status.to_json()
    assert as_json["state"] == "published"
    assert as_json["published"]["manifest"] == MANIFEST
    assert [h["actor"] for h in as_json["history"]] == [CLAIRE, PAUL, PAUL, SYSTEM_ACTOR]
    json.dumps(as_json)  # printable as the CLI's JSON line

    text = format_status(status)
    assert text.startswith(f"request {REQUEST_ID} (parcours-diabete): published\n")
    assert f"{at(1).isoformat()} {PAUL}: submitted → approved" in text
    assert MANIFEST in text


def test_an_unknown_request_names_the_submitted_ones(world: World) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    with pytest.raises(UnknownRequest, match=f"submitted requests: {REQUEST_ID}"):
        world.store.get("diabetes-t1")


def test_asking_about_requests_creates_no_database(world: World) -> None:
    assert world.store.list_requests() == []
    assert world.store.approved_requests() == []
    assert not world.store.db_path.exists()


def test_a_naive_time_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="timezone-aware"):
        world.store.submit(world.request_file, CLAIRE, datetime(2026, 3, 2, 9, 0))


def test_an_expired_request_is_final(world: World) -> None:
    submit_and_approve(world)
    expired = world.store.expire(REQUEST_ID, NADIA, at(2), reason="retention date reached")
    assert expired.status.state is State.EXPIRED
    with pytest.raises(TransitionRefused, match="this is final: a new request needs a new id"):
        world.store.submit(world.write(k_threshold=9), CLAIRE, at(3))


# --- storage, audit, snapshot -----------------------------------------------------------


def test_the_append_only_triggers_refuse_update_and_delete(world: World) -> None:
    submit_and_approve(world)
    with sqlite3.connect(world.store.db_path) as connection:
        for statement in (
            "UPDATE request_transitions SET actor = 'someone'",
            "DELETE FROM request_transitions",
            "UPDATE requests SET request_sha256 = 'x'",
            "DELETE FROM requests",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)
    assert world.state() is State.APPROVED


def test_the_deployment_store_lives_in_the_state_folder_with_the_repository_roles(
    tmp_path: Path,
) -> None:
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path)})
    store = RequestStore.for_settings(settings)
    assert store.db_path == tmp_path / "sovex.db"
    assert store.snapshot_path == tmp_path / "approved-requests.json"
    assert store.audit_path == tmp_path / "audit" / "audit.jsonl"
    assert store.roles.path == PROJECT_ROOT / "infra" / "roles.yaml"


def test_a_transition_whose_audit_record_cannot_be_written_is_not_recorded(
    world: World,
) -> None:
    world.store.submit(world.request_file, CLAIRE, at(0))
    world.store.audit_path.unlink()
    world.store.audit_path.mkdir()  # appending to it now fails
    with pytest.raises(OSError):
        world.store.approve(REQUEST_ID, PAUL, at(1))
    assert world.state() is State.SUBMITTED
    assert read_approved_snapshot(world.store.snapshot_path) == []


def test_every_transition_is_in_the_audit_log_with_ids_and_hashes_only(world: World) -> None:
    submit_and_approve(world)
    world.store.check_runnable(REQUEST_ID, world.sha256(), PAUL, at(2))  # appends nothing
    start(world)
    records = world.audit()
    assert [(r["action"], r["actor"], r["subject"]) for r in records] == [
        ("request_submitted", CLAIRE, f"request:{REQUEST_ID}"),
        ("request_approved", PAUL, f"request:{REQUEST_ID}"),
        ("request_run_started", PAUL, f"request:{REQUEST_ID}"),
    ]
    assert records[1]["detail"]["request_sha256"] == world.sha256()
    assert records[1]["at"] == at(1).isoformat()
    assert records[2]["detail"]["extract_id"] == "e-1"
    assert verify(world.state_dir / "audit" / "audit.jsonl").ok


def test_the_approved_snapshot_reflects_approvals_and_rejections(world: World) -> None:
    snapshot = world.store.snapshot_path
    other = world.request_file.with_name("other.yaml")
    other.write_text(world.request_file.read_text(encoding="utf-8"), encoding="utf-8")
    raw = yaml.safe_load(other.read_text(encoding="utf-8"))
    other.write_text(yaml.safe_dump({**raw, "id": "diabetes-t2-bis"}), encoding="utf-8")

    world.store.submit(world.request_file, CLAIRE, at(0))
    world.store.submit(other, CLAIRE, at(0))
    assert read_approved_snapshot(snapshot) == []

    world.store.approve(REQUEST_ID, PAUL, at(1))
    world.store.reject("diabetes-t2-bis", PAUL, at(1), "duplicate of diabetes-t2-2026")
    (entry,) = read_approved_snapshot(snapshot)
    assert (entry.request_id, entry.project, entry.state, entry.runnable) == (
        REQUEST_ID,
        "parcours-diabete",
        State.APPROVED,
        True,
    )
    assert entry.request_file == world.request_file.resolve()
    assert entry.approved_sha256 == world.sha256()
    assert entry.schedule is None
    assert read_approved_snapshot(snapshot) == world.store.approved_requests()
    assert json.loads(snapshot.read_text())["format"] == "sovex-approved-requests/1"

    world.store.expire(REQUEST_ID, PAUL, at(2))
    assert read_approved_snapshot(snapshot) == []
    assert [p.name for p in snapshot.parent.iterdir() if p.name.startswith(".")] == []


def test_the_snapshot_is_rewritten_when_lost(world: World) -> None:
    submit_and_approve(world)
    world.store.snapshot_path.unlink()
    assert read_approved_snapshot(world.store.snapshot_path) == []
    world.store.write_snapshot()
    assert [e.request_id for e in read_approved_snapshot(world.store.snapshot_path)] == [REQUEST_ID]


def test_an_unreadable_snapshot_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "approved-requests.json"
    path.write_text('{"format": "something-else", "requests": []}')
    with pytest.raises(InvalidInput, match=f"{path}: not a sovex-approved-requests/1 file"):
        read_approved_snapshot(path)


# --- schedules --------------------------------------------------------------------------


def test_a_scheduled_request_is_scheduled_on_approval_and_runs_once_per_period(
    world: World, schedule_field: None
) -> None:
    world.write(schedule=" @quarterly ")
    world.store.submit(world.request_file, CLAIRE, at(0))
    approved = world.store.approve(REQUEST_ID, PAUL, at(1))
    assert [(t.operation, t.to_state, t.actor) for t in approved.transitions] == [
        (Operation.APPROVE, State.APPROVED, PAUL),
        (Operation.SCHEDULE, State.SCHEDULED, PAUL),
    ]
    assert approved.transitions[1].detail == {"schedule": "@quarterly"}
    (entry,) = read_approved_snapshot(world.store.snapshot_path)
    assert (entry.schedule, entry.state, entry.runnable) == ("@quarterly", State.SCHEDULED, True)

    first, second = periods("@quarterly", datetime(2026, 4, 1, tzinfo=UTC), at(24 * 200))
    for hours, logical_date in ((2, first), (3, second)):
        extract_id = run_id_for(REQUEST_ID, logical_date)
        world.store.start_run(
            REQUEST_ID, extract_id, request_sha256=world.sha256(), actor=SYSTEM_ACTOR, at=at(hours)
        )
        world.store.finish_run(REQUEST_ID, extract_id, True, SYSTEM_ACTOR, at(hours), MANIFEST)
    status = world.store.get(REQUEST_ID)
    assert status.state is State.PUBLISHED and status.runnable
    runs = [t.detail["extract_id"] for t in status.history if t.operation is Operation.START_RUN]
    assert runs == [run_id_for(REQUEST_ID, first), run_id_for(REQUEST_ID, second)]
    assert len(set(runs)) == 2


def test_a_request_with_an_invalid_schedule_cannot_be_submitted(
    world: World, schedule_field: None
) -> None:
    world.write(schedule="@once")
    with pytest.raises(InvalidInput, match="field 'schedule': @once names no period"):
        world.store.submit(world.request_file, CLAIRE, at(0))


def test_run_ids_differ_per_period_and_name_the_request() -> None:
    start_, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    quarters = periods("@quarterly", start_, end)
    assert [q.month for q in quarters] == [1, 4, 7, 10]
    run_ids = [run_id_for(REQUEST_ID, q) for q in quarters]
    assert len(set(run_ids)) == 4
    assert run_ids[1] == f"req__{REQUEST_ID}__20260401T000000Z"
    assert periods("0 6 * * 1", start_, start_ + timedelta(days=14)) == [
        datetime(2026, 1, 5, 6, tzinfo=UTC),
        datetime(2026, 1, 12, 6, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("@quarterly", "@quarterly"),
        ("@monthly", "@monthly"),
        ("@weekly", "@weekly"),
        ("@daily", "@daily"),
        ("0  6 1 */3 *", "0 6 1 */3 *"),
        ("30 2 * * mon-fri", "30 2 * * mon-fri"),
    ],
)
def test_presets_and_five_field_cron_expressions_are_valid_schedules(
    value: str, normalised: str
) -> None:
    assert validate_schedule(value) == normalised


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("@once", "names no period"),
        ("@continuous", "names no period"),
        ("@fortnightly", "unknown preset '@fortnightly'; use one of: @hourly"),
        ("0 0 1 1 * 2030", "has 5 fields"),
        ("0 0 * *", "has 5 fields"),
        ("61 0 * * *", "not a valid cron expression"),
        ("0 0 31 2 *", "never fires"),
        ("", "a schedule is text"),
        (4, "a schedule is text"),
    ],
)
def test_a_schedule_that_is_not_a_period_is_refused_with_the_reason(
    value: object, problem: str
) -> None:
    with pytest.raises(InvalidInput) as invalid:
        validate_schedule(value, "r.yaml: field 'schedule'")
    assert str(invalid.value).startswith("r.yaml: field 'schedule': ")
    assert problem in str(invalid.value)


def test_the_cron_presets_are_airflows() -> None:
    from airflow.utils.dates import cron_presets

    assert cron_presets == CRON_PRESETS


def test_conditions_are_only_changed_content_or_a_schedule() -> None:
    assert {r.condition for r in TRANSITIONS} == set(Condition)
