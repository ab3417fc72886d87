"""The life cycle of an extract request: who asked, who approved what, what ran.

A request moves through the states of `State`; the only moves allowed are the rules of
`TRANSITIONS` (declared once, below), each done by one `Operation` that only some roles
may perform (`OPERATION_ROLES`, roles from `infra/roles.yaml`):

    draft       submit ───────────────► submitted
    submitted   submit† ──────────────► submitted   revised before a decision
                approve ──────────────► approved    then schedule ─► scheduled, in the
                                                    same approval, if it has a schedule
                reject ───────────────► rejected
    rejected    submit† ──────────────► submitted   after edits addressing the reason
    approved, scheduled, published, failed:
                submit† or change† ───► submitted   edited after approval
                expire ───────────────► expired     final
    approved, scheduled, failed:
                start_run ────────────► running     (from failed: a rerun)
    published   start_run ────────────► running     scheduled requests only: next period
    running     publish ──────────────► published
                fail ─────────────────► failed

    † only with content whose sha256 differs from the last submitted version; `change`
      is sovex noticing the edit when a run is about to start.

- Approval is of a content hash: nobody approves a request they submitted or whose
  `requester` field names them; approving re-reads the file and refuses it if it changed.
  A request with a `schedule` moves on to `scheduled` in the same approval.
- `check_runnable`/`start_run` (the DAG, before any data is read) refuse a request whose
  approval does not stand, or whose file no longer has the approved hash; in that case
  the request goes back to `submitted` (actor `sovex`) and needs submitting and approving
  again.
- Re-submitting unchanged content while it is submitted, approved, scheduled, running,
  published or failed is a no-op (an `Outcome` with no transition and a message saying
  so): scripts may submit twice. After a rejection, unchanged content is refused: the
  rejection's reason has to be addressed in the file.
- A request without a schedule is published once; another extract needs a changed (and
  re-approved) request or a new one.

Storage: two append-only tables in the state folder's SQLite database (`sovex.db`,
shared with the consent registry): `requests` (one row per submission; the latest is
current) and `request_transitions` (one row per transition; the last gives the state).
Triggers refuse UPDATE and DELETE. Each transition is also written to the audit log
before its database transaction commits, so no transition stands without its audit
record. After each change, `approved-requests.json` is rewritten (atomically): the DAG
file reads it at parse time, where no database may be opened.

Times are passed in (`at`, timezone-aware): nothing here reads the clock. The order of
a request's history is its sequence number, not its times.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovex.model.append_only_db import connect_append_only
from sovex.model.errors import EXIT_INVALID_INPUT, InvalidInput, UserError
from sovex.model.schedule import require_aware, validate_schedule
from sovex.roles import (
    SYSTEM_ACTOR,
    PermissionRefused,
    Refusal,
    Roles,
    UserRole,
    load_roles,
    require_role,
    roles_path,
    same_identity,
)

if TYPE_CHECKING:
    from sovex.model.request import ExtractRequest
    from sovex.model.settings import Settings

SNAPSHOT_FILE = "approved-requests.json"
SNAPSHOT_FORMAT = "sovex-approved-requests/1"
SNAPSHOT_FILE_MODE = 0o644
MAX_REASON_CHARS = 1000
# Extract ids go into object keys and Airflow run ids: no spaces, slashes or controls.
EXTRACT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
SHORT_HASH_CHARS = 12
CHANGED_AFTER_APPROVAL = "changed after approval"
MAX_KNOWN_IDS_SHOWN = 20


class State(StrEnum):
    DRAFT = "draft"  # written, never submitted: not stored, the state of an unknown id
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PUBLISHED = "published"
    FAILED = "failed"
    EXPIRED = "expired"


class Operation(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SCHEDULE = "schedule"  # part of an approval, for a request with a schedule
    CHANGE = "change"  # sovex found the file differing from the approved content
    START_RUN = "start_run"
    PUBLISH = "publish"
    FAIL = "fail"
    EXPIRE = "expire"


class Condition(StrEnum):
    ALWAYS = "always"
    # The file's sha256 differs from the last submitted (and, if approved, approved) one.
    CHANGED = "changed"
    SCHEDULED = "scheduled"  # the request has a schedule


@dataclass(frozen=True)
class Rule:
    operation: Operation
    source: State
    target: State
    condition: Condition = Condition.ALWAYS


# States in which the last approval stands (the approved content may run, or ran).
APPROVAL_STANDS = (State.APPROVED, State.SCHEDULED, State.RUNNING, State.PUBLISHED, State.FAILED)
# Submitting the content already submitted changes nothing in these states (elsewhere
# the table decides: refused after a rejection, and while running or expired).
UNCHANGED_RESUBMISSION_IS_NO_OP = (State.SUBMITTED, *APPROVAL_STANDS)
_EDITABLE_AFTER_APPROVAL = (State.APPROVED, State.SCHEDULED, State.PUBLISHED, State.FAILED)

TRANSITIONS: tuple[Rule, ...] = (
    Rule(Operation.SUBMIT, State.DRAFT, State.SUBMITTED),
    # Revised before anyone decided.
    Rule(Operation.SUBMIT, State.SUBMITTED, State.SUBMITTED, Condition.CHANGED),
    # Resubmitted after edits addressing the rejection.
    Rule(Operation.SUBMIT, State.REJECTED, State.SUBMITTED, Condition.CHANGED),
    # Edited after approval: what was approved is a hash, so the edit is approved anew.
    *(
        Rule(Operation.SUBMIT, state, State.SUBMITTED, Condition.CHANGED)
        for state in _EDITABLE_AFTER_APPROVAL
    ),
    *(
        Rule(Operation.CHANGE, state, State.SUBMITTED, Condition.CHANGED)
        for state in _EDITABLE_AFTER_APPROVAL
    ),
    Rule(Operation.APPROVE, State.SUBMITTED, State.APPROVED),
    Rule(Operation.REJECT, State.SUBMITTED, State.REJECTED),
    Rule(Operation.SCHEDULE, State.APPROVED, State.SCHEDULED, Condition.SCHEDULED),
    Rule(Operation.START_RUN, State.APPROVED, State.RUNNING),
    Rule(Operation.START_RUN, State.SCHEDULED, State.RUNNING),
    # The next period of a scheduled request; a one-off request is published once.
    Rule(Operation.START_RUN, State.PUBLISHED, State.RUNNING, Condition.SCHEDULED),
    Rule(Operation.START_RUN, State.FAILED, State.RUNNING),  # rerun after a fix
    Rule(Operation.PUBLISH, State.RUNNING, State.PUBLISHED),
    Rule(Operation.FAIL, State.RUNNING, State.FAILED),
    # Retention over, or the approval withdrawn; a running request finishes first.
    *(Rule(Operation.EXPIRE, state, State.EXPIRED) for state in _EDITABLE_AFTER_APPROVAL),
)

# Who may perform each operation (any one of the roles).
OPERATION_ROLES: Mapping[Operation, frozenset[UserRole]] = {
    Operation.SUBMIT: frozenset({UserRole.REQUESTER}),
    Operation.APPROVE: frozenset({UserRole.STEWARD}),
    Operation.REJECT: frozenset({UserRole.STEWARD, UserRole.COMPLIANCE}),
    Operation.SCHEDULE: frozenset({UserRole.STEWARD}),
    Operation.CHANGE: frozenset(),
    Operation.START_RUN: frozenset({UserRole.STEWARD}),
    Operation.PUBLISH: frozenset({UserRole.STEWARD}),
    Operation.FAIL: frozenset({UserRole.STEWARD}),
    Operation.EXPIRE: frozenset({UserRole.STEWARD, UserRole.COMPLIANCE}),
}
# What sovex does by itself: scheduled runs, their outcome, a change it notices, expiry
# by the retention sweep.
SYSTEM_OPERATIONS = frozenset(
    {Operation.CHANGE, Operation.START_RUN, Operation.PUBLISH, Operation.FAIL, Operation.EXPIRE}
)
# "user X may not …"
OPERATION_ACTIONS: Mapping[Operation, str] = {
    Operation.SUBMIT: "submit requests",
    Operation.APPROVE: "approve requests",
    Operation.REJECT: "reject requests",
    Operation.SCHEDULE: "schedule requests",
    Operation.CHANGE: "mark requests as changed",
    Operation.START_RUN: "run requests",
    Operation.PUBLISH: "record the outcome of runs",
    Operation.FAIL: "record the outcome of runs",
    Operation.EXPIRE: "expire requests",
}
# "it cannot be … now"
OPERATION_PARTICIPLES: Mapping[Operation, str] = {
    Operation.SUBMIT: "submitted",
    Operation.APPROVE: "approved",
    Operation.REJECT: "rejected",
    Operation.SCHEDULE: "scheduled",
    Operation.CHANGE: "marked as changed",
    Operation.START_RUN: "run",
    Operation.PUBLISH: "recorded as published",
    Operation.FAIL: "recorded as failed",
    Operation.EXPIRE: "expired",
}
# sovex.audit.AuditAction values (a unit test checks each is one): the audit module is
# imported only when writing, so DAG files can read the snapshot helpers cheaply.
OPERATION_AUDIT_ACTIONS: Mapping[Operation, str] = {
    Operation.SUBMIT: "request_submitted",
    Operation.APPROVE: "request_approved",
    Operation.REJECT: "request_rejected",
    Operation.SCHEDULE: "request_scheduled",
    Operation.CHANGE: "request_changed",
    Operation.START_RUN: "request_run_started",
    Operation.PUBLISH: "request_published",
    Operation.FAIL: "request_run_failed",
    Operation.EXPIRE: "request_expired",
}


def rules_for(operation: Operation, state: State) -> list[Rule]:
    return [r for r in TRANSITIONS if r.operation is operation and r.source is state]


# --- Errors -----------------------------------------------------------------------------


class TransitionRefused(UserError):
    """The request's state does not allow this operation: nothing was changed.

    Exit code 2: the user must act on the request first (submit, approve, wait), which
    DESIGN.md files under input; 3 is the hosting policy's.
    """

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, request_id: str, state: State, operation: Operation, message: str) -> None:
        self.request_id = request_id
        self.state = state
        self.operation = operation
        super().__init__(message)


class UnknownRequest(TransitionRefused):
    """No request with this id was ever submitted (a draft, as far as sovex knows)."""


class RequestChanged(TransitionRefused):
    """The file no longer has the approved content: the request went back to submitted."""

    def __init__(
        self, request_id: str, approved_sha256: str, current_sha256: str, message: str
    ) -> None:
        self.approved_sha256 = approved_sha256
        self.current_sha256 = current_sha256
        super().__init__(request_id, State.SUBMITTED, Operation.START_RUN, message)


# --- Records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    request_id: str
    seq: int  # 1, 2, … per request: the order of the history
    operation: Operation
    from_state: State
    to_state: State
    actor: str
    at: datetime
    request_sha256: str  # the content the transition is about
    detail: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "operation": self.operation.value,
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "request_sha256": self.request_sha256,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Submission:
    """One submitted version of a request (a row of `requests`)."""

    request_id: str
    request_file: Path
    project: str
    requester: str  # the request's `requester` field
    request_sha256: str
    schedule: str | None
    retention_until: date
    submitted_by: str
    submitted_at: datetime


@dataclass(frozen=True)
class Approval:
    request_sha256: str
    approved_by: str
    approved_at: datetime
    schedule: str | None


@dataclass(frozen=True)
class Run:
    extract_id: str
    state: State  # running, published or failed
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    manifest: str | None
    reason: str | None


@dataclass(frozen=True)
class PublishedExtract:
    extract_id: str
    manifest: str | None
    retention_until: date | None
    published_at: datetime


@dataclass(frozen=True)
class RequestStatus:
    """A request as `sovex request status` shows it."""

    submission: Submission  # the latest one: what is current
    history: tuple[Transition, ...]
    authors: tuple[str, ...]  # everyone who ever submitted a version

    @property
    def request_id(self) -> str:
        return self.submission.request_id

    @property
    def state(self) -> State:
        return self.history[-1].to_state

    @property
    def schedule(self) -> str | None:
        return self.submission.schedule

    @property
    def approval(self) -> Approval | None:
        """The approval that stands, if any."""
        if self.state not in APPROVAL_STANDS:
            return None
        last = _last(self.history, Operation.APPROVE)
        assert last is not None  # these states are only reached through an approval
        return Approval(last.request_sha256, last.actor, last.at, self.submission.schedule)

    @property
    def last_run(self) -> Run | None:
        started = _last(self.history, Operation.START_RUN)
        if started is None:
            return None
        extract_id = started.detail["extract_id"]
        ended = next(
            (
                t
                for t in self.history[started.seq :]
                if t.operation in (Operation.PUBLISH, Operation.FAIL)
                and t.detail.get("extract_id") == extract_id
            ),
            None,
        )
        return Run(
            extract_id=extract_id,
            state=State.RUNNING if ended is None else ended.to_state,
            started_by=started.actor,
            started_at=started.at,
            finished_at=None if ended is None else ended.at,
            manifest=None if ended is None else ended.detail.get("manifest"),
            reason=None if ended is None else ended.detail.get("reason"),
        )

    @property
    def published(self) -> PublishedExtract | None:
        last = _last(self.history, Operation.PUBLISH)
        if last is None:
            return None
        retention = last.detail.get("retention_until")
        return PublishedExtract(
            extract_id=last.detail["extract_id"],
            manifest=last.detail.get("manifest"),
            retention_until=None if retention is None else date.fromisoformat(retention),
            published_at=last.at,
        )

    @property
    def retention_until(self) -> date:
        """The published extract's retention date, else the one the request asks for."""
        published = self.published
        if published is not None and published.retention_until is not None:
            return published.retention_until
        return self.submission.retention_until

    @property
    def runnable(self) -> bool:
        """Whether the state lets a run start (the file's hash is checked at run time)."""
        return any(_holds(rule.condition, self, None) for rule in _run_rules(self.state))

    def to_json(self) -> dict[str, Any]:
        approval, run, published = self.approval, self.last_run, self.published
        return {
            "request_id": self.request_id,
            "state": self.state.value,
            "project": self.submission.project,
            "requester": self.submission.requester,
            "request_file": str(self.submission.request_file),
            "submitted_sha256": self.submission.request_sha256,
            "schedule": self.schedule,
            "retention_until": self.retention_until.isoformat(),
            "runnable": self.runnable,
            "approval": None
            if approval is None
            else {
                "request_sha256": approval.request_sha256,
                "approved_by": approval.approved_by,
                "approved_at": approval.approved_at.isoformat(),
            },
            "last_run": None
            if run is None
            else {
                "extract_id": run.extract_id,
                "state": run.state.value,
                "started_by": run.started_by,
                "started_at": run.started_at.isoformat(),
                "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
                "manifest": run.manifest,
                "reason": run.reason,
            },
            "published": None
            if published is None
            else {
                "extract_id": published.extract_id,
                "manifest": published.manifest,
                "retention_until": None
                if published.retention_until is None
                else published.retention_until.isoformat(),
                "published_at": published.published_at.isoformat(),
            },
            "history": [t.to_json() for t in self.history],
        }


@dataclass(frozen=True)
class ApprovedRequest:
    """A request whose approval stands: an entry of the approved-requests snapshot."""

    request_id: str
    project: str
    request_file: Path
    approved_sha256: str
    schedule: str | None
    state: State
    runnable: bool  # a run may start now (false while one runs, or once a one-off published)
    approved_by: str
    approved_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "project": self.project,
            "request_file": str(self.request_file),
            "approved_sha256": self.approved_sha256,
            "schedule": self.schedule,
            "state": self.state.value,
            "runnable": self.runnable,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ApprovedRequest:
        return cls(
            request_id=str(raw["request_id"]),
            project=str(raw["project"]),
            request_file=Path(raw["request_file"]),
            approved_sha256=str(raw["approved_sha256"]),
            schedule=None if raw["schedule"] is None else str(raw["schedule"]),
            state=State(raw["state"]),
            runnable=bool(raw["runnable"]),
            approved_by=str(raw["approved_by"]),
            approved_at=datetime.fromisoformat(raw["approved_at"]),
        )


@dataclass(frozen=True)
class Outcome:
    """What an operation did: the request after it, the transitions it appended (none for
    a no-op) and a sentence for the person who asked."""

    status: RequestStatus
    transitions: tuple[Transition, ...]
    message: str

    @property
    def changed(self) -> bool:
        return bool(self.transitions)


def _last(history: tuple[Transition, ...], operation: Operation) -> Transition | None:
    return next((t for t in reversed(history) if t.operation is operation), None)


def _run_rules(state: State) -> list[Rule]:
    return rules_for(Operation.START_RUN, state)


def _holds(condition: Condition, status: RequestStatus, sha256: str | None) -> bool:
    """Whether a rule's condition holds for the request and the content at hand."""
    if condition is Condition.ALWAYS:
        return True
    if condition is Condition.SCHEDULED:
        return status.schedule is not None
    return sha256 is not None and sha256 != status.submission.request_sha256


# --- Approved-requests snapshot ---------------------------------------------------------


def approved_snapshot_path(state_dir: Path) -> Path:
    return state_dir / SNAPSHOT_FILE


def read_approved_snapshot(path: Path) -> list[ApprovedRequest]:
    """The snapshot's requests ([] before any approval). Cheap: for DAG files."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path}: not a readable approved-requests file: {error}") from None
    try:
        if raw["format"] != SNAPSHOT_FORMAT:
            raise ValueError(raw["format"])
        return [ApprovedRequest.from_json(entry) for entry in raw["requests"]]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"{path}: not a {SNAPSHOT_FORMAT} file; it is rewritten by the next request "
            "transition (or RequestStore.write_snapshot)"
        ) from None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # Ids, paths and hashes only: readable by the Airflow processes, like the audit log.
        os.fchmod(fd, SNAPSHOT_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # Readers (a DAG being parsed) see the old file or the new one, never a part.
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- Database ---------------------------------------------------------------------------

_STATES = ", ".join(f"'{s.value}'" for s in State)
_OPERATIONS = ", ".join(f"'{o.value}'" for o in Operation)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,  -- submission order; a request's latest row is current
    request_id TEXT NOT NULL,
    request_file TEXT NOT NULL,  -- absolute
    project TEXT NOT NULL,
    requester TEXT NOT NULL,  -- the request's `requester` field
    request_sha256 TEXT NOT NULL,
    schedule TEXT,
    retention_until TEXT NOT NULL,  -- ISO date
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL  -- ISO, UTC
);
CREATE INDEX IF NOT EXISTS requests_by_id ON requests (request_id, seq);
CREATE TABLE IF NOT EXISTS request_transitions (
    request_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ({_OPERATIONS})),
    from_state TEXT NOT NULL CHECK (from_state IN ({_STATES})),
    to_state TEXT NOT NULL CHECK (to_state IN ({_STATES})),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,  -- ISO, UTC
    request_sha256 TEXT NOT NULL,
    detail TEXT NOT NULL,  -- JSON: reason, extract_id, manifest, retention_until, schedule
    PRIMARY KEY (request_id, seq)
) WITHOUT ROWID;
"""
APPEND_ONLY_TABLES = ("requests", "request_transitions")


def _connect(db_path: Path) -> sqlite3.Connection:
    return connect_append_only(db_path, SCHEMA, APPEND_ONLY_TABLES, "the request life cycle")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _short(sha256: str) -> str:
    return sha256[:SHORT_HASH_CHARS]


def _read_status(connection: sqlite3.Connection, request_id: str) -> RequestStatus | None:
    rows = connection.execute(
        "SELECT request_file, project, requester, request_sha256, schedule, retention_until, "
        "submitted_by, submitted_at FROM requests WHERE request_id = ? ORDER BY seq",
        (request_id,),
    ).fetchall()
    if not rows:
        return None
    file, project, requester, sha, schedule, retention, by, at = rows[-1]
    submission = Submission(
        request_id=request_id,
        request_file=Path(file),
        project=project,
        requester=requester,
        request_sha256=sha,
        schedule=schedule,
        retention_until=date.fromisoformat(retention),
        submitted_by=by,
        submitted_at=datetime.fromisoformat(at),
    )
    history = tuple(
        Transition(
            request_id=request_id,
            seq=seq,
            operation=Operation(operation),
            from_state=State(from_state),
            to_state=State(to_state),
            actor=actor,
            at=datetime.fromisoformat(at),
            request_sha256=sha256,
            detail=json.loads(detail),
        )
        for seq, operation, from_state, to_state, actor, at, sha256, detail in connection.execute(
            "SELECT seq, operation, from_state, to_state, actor, at, request_sha256, detail "
            "FROM request_transitions WHERE request_id = ? ORDER BY seq",
            (request_id,),
        )
    )
    authors = tuple(dict.fromkeys(row[6] for row in rows))
    return RequestStatus(submission=submission, history=history, authors=authors)


def _known_ids(connection: sqlite3.Connection) -> list[str]:
    return [
        request_id
        for (request_id,) in connection.execute(
            "SELECT DISTINCT request_id FROM requests ORDER BY request_id"
        )
    ]


@dataclass
class _Transaction:
    """One BEGIN IMMEDIATE transaction of a RequestStore operation."""

    connection: sqlite3.Connection
    audit_path: Path
    appended: list[Transition] = field(default_factory=list)

    def status(self, request_id: str) -> RequestStatus | None:
        return _read_status(self.connection, request_id)

    def require(self, request_id: str, operation: Operation) -> RequestStatus:
        status = self.status(request_id)
        if status is None:
            known = _known_ids(self.connection)
            shown = ", ".join(known[:MAX_KNOWN_IDS_SHOWN]) or "none yet"
            raise UnknownRequest(
                request_id,
                State.DRAFT,
                operation,
                f"no request {request_id!r} was ever submitted, so it cannot be "
                f"{OPERATION_PARTICIPLES[operation]} (submitted requests: {shown}); "
                "a requester submits it first: `sovex request submit FILE`",
            )
        return status

    def add_submission(
        self, request: ExtractRequest, path: Path, schedule: str | None, actor: str, at: datetime
    ) -> None:
        self.connection.execute(
            "INSERT INTO requests (request_id, request_file, project, requester, "
            "request_sha256, schedule, retention_until, submitted_by, submitted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.id,
                str(path),
                request.project,
                request.requester,
                request.sha256(),
                schedule,
                request.retention_until.isoformat(),
                actor,
                _iso(at),
            ),
        )

    def append(
        self,
        rule: Rule,
        request_id: str,
        actor: str,
        at: datetime,
        request_sha256: str,
        detail: Mapping[str, Any],
    ) -> Transition:
        from sovex.audit import AuditLog

        (last,) = self.connection.execute(
            "SELECT coalesce(max(seq), 0) FROM request_transitions WHERE request_id = ?",
            (request_id,),
        ).fetchone()
        transition = Transition(
            request_id=request_id,
            seq=last + 1,
            operation=rule.operation,
            from_state=rule.source,
            to_state=rule.target,
            actor=actor,
            at=at.astimezone(UTC),
            request_sha256=request_sha256,
            detail=dict(detail),
        )
        self.connection.execute(
            "INSERT INTO request_transitions (request_id, seq, operation, from_state, "
            "to_state, actor, at, request_sha256, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request_id,
                transition.seq,
                rule.operation.value,
                rule.source.value,
                rule.target.value,
                actor,
                _iso(at),
                request_sha256,
                json.dumps(transition.detail, sort_keys=True),
            ),
        )
        # Written before the commit: if the audit log cannot take it, the transition is
        # rolled back (no transition stands without its audit record).
        AuditLog(self.audit_path).append(
            actor,
            OPERATION_AUDIT_ACTIONS[rule.operation],
            f"request:{request_id}",
            {
                "seq": transition.seq,
                "from_state": rule.source.value,
                "to_state": rule.target.value,
                "request_sha256": request_sha256,
                **transition.detail,
            },
            at=at,
        )
        self.appended.append(transition)
        return transition


# --- The store --------------------------------------------------------------------------


def _since(status: RequestStatus) -> str:
    last = status.history[-1]
    reason = last.detail.get("reason")
    return f"since {last.at.isoformat()}, by {last.actor}" + (
        f", reason: {reason}" if reason else ""
    )


# What each operation looks like to the person told what may happen next.
NEXT_STEPS: Mapping[Operation, str] = {
    Operation.SUBMIT: "submitted again with changed content (requester)",
    Operation.APPROVE: "approved (a steward other than its authors)",
    Operation.REJECT: "rejected (steward or compliance)",
    Operation.START_RUN: "run (steward, or sovex on its schedule)",
    Operation.PUBLISH: "its run recorded as published or failed",
    Operation.FAIL: "its run recorded as published or failed",
    Operation.EXPIRE: "expired (steward or compliance)",
}


def _next_steps(status: RequestStatus) -> str:
    possible = dict.fromkeys(
        NEXT_STEPS[rule.operation]
        for rule in TRANSITIONS
        if rule.source is status.state
        and rule.operation in NEXT_STEPS
        # Changed content is the user's to bring; a schedule is not.
        and (rule.condition is not Condition.SCHEDULED or status.schedule is not None)
    )
    if not possible:
        return "this is final: a new request needs a new id"
    return "what may happen next: " + "; ".join(possible)


def _refused(
    status: RequestStatus, operation: Operation, why: str | None = None
) -> TransitionRefused:
    return TransitionRefused(
        status.request_id,
        status.state,
        operation,
        f"request {status.request_id!r} is {status.state.value} ({_since(status)}): it cannot "
        f"be {OPERATION_PARTICIPLES[operation]} now"
        + (f": {why}" if why else "")
        + f"; {_next_steps(status)}",
    )


def _rule(status: RequestStatus, operation: Operation, sha256: str | None = None) -> Rule:
    """The rule that lets `operation` happen now, or TransitionRefused saying why not."""
    candidates = rules_for(operation, status.state)
    if not candidates:
        raise _refused(status, operation)
    for rule in candidates:
        if _holds(rule.condition, status, sha256):
            return rule
    if any(r.condition is Condition.SCHEDULED for r in candidates):
        raise _refused(
            status,
            operation,
            "a request without a schedule is published once; for another extract, submit "
            "a changed request for approval, or a new one",
        )
    raise _refused(
        status,
        operation,
        f"the file has the same content (sha256 {_short(status.submission.request_sha256)}) "
        "as the version already submitted; edit it first",
    )


def _check_reason(reason: str | None, required: bool) -> str | None:
    if reason is None or not reason.strip():
        if required:
            raise InvalidInput("field 'reason': say why, for the requester and the audit log")
        return None
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            f"field 'reason': at most {MAX_REASON_CHARS} characters, got {len(reason)}"
        )
    return reason


def _check_extract_id(extract_id: str) -> str:
    if not EXTRACT_ID_PATTERN.fullmatch(extract_id):
        raise InvalidInput(
            f"extract id {extract_id!r}: letters, digits and . _ : + - only "
            "(at most 200, starting with a letter or digit)"
        )
    return extract_id


class RequestStore:
    """The request life cycle over one state database; see the module docstring."""

    def __init__(
        self,
        db_path: Path,
        roles: Roles,
        catalogs_dir: Path,
        targets_dir: Path,
        *,
        audit_path: Path | None = None,
        snapshot_path: Path | None = None,
    ) -> None:
        from sovex.audit import default_log_path

        self.db_path = db_path
        self.roles = roles
        self.catalogs_dir = catalogs_dir
        self.targets_dir = targets_dir
        self.audit_path = audit_path or default_log_path(db_path.parent)
        self.snapshot_path = snapshot_path or db_path.parent / SNAPSHOT_FILE

    @classmethod
    def for_settings(cls, settings: Settings, roles: Roles | None = None) -> RequestStore:
        """The deployment's store: `<state>/sovex.db`, roles from `<infra>/roles.yaml`."""
        return cls(
            settings.state_db,
            roles or load_roles(roles_path(settings.infra_dir)),
            settings.catalogs_dir,
            settings.targets_dir,
            snapshot_path=approved_snapshot_path(settings.state_dir),
        )

    # --- helpers ---

    def _require(self, actor: str, operation: Operation) -> None:
        if actor == SYSTEM_ACTOR and operation in SYSTEM_OPERATIONS:
            return
        require_role(self.roles, actor, OPERATION_ROLES[operation], OPERATION_ACTIONS[operation])

    def _load(self, path: Path) -> ExtractRequest:
        from sovex.model.request import load_request

        return load_request(path, self.catalogs_dir, self.targets_dir)

    @contextmanager
    def _transaction(self) -> Iterator[_Transaction]:
        with closing(_connect(self.db_path)) as connection:
            connection.execute("BEGIN IMMEDIATE")
            transaction = _Transaction(connection, self.audit_path)
            try:
                yield transaction
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        if transaction.appended:
            self.write_snapshot()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """A consistent read; None when the database does not exist (asking creates none)."""
        if not self.db_path.exists():
            yield None
            return
        with closing(_connect(self.db_path)) as connection:
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")

    # --- operations ---

    def submit(self, request_file: Path, actor: str, at: datetime) -> Outcome:
        """Submit (or resubmit) a request file; the file is validated first."""
        require_aware(at, "submission")
        self._require(actor, Operation.SUBMIT)
        path = request_file.resolve()
        request = self._load(path)
        raw_schedule = getattr(request, "schedule", None)
        schedule = (
            None
            if raw_schedule is None
            else validate_schedule(raw_schedule, f"{path}: field 'schedule'")
        )
        sha256 = request.sha256()
        with self._transaction() as transaction:
            status = transaction.status(request.id)
            if status is None:
                rule = rules_for(Operation.SUBMIT, State.DRAFT)[0]
                previous = None
            else:
                if sha256 == status.submission.request_sha256 and (
                    status.state in UNCHANGED_RESUBMISSION_IS_NO_OP
                ):
                    return Outcome(
                        status,
                        (),
                        f"{request.id} is already {status.state.value} with this content "
                        f"(sha256 {_short(sha256)}, submitted from "
                        f"{status.submission.request_file}); nothing changed",
                    )
                rule = _rule(status, Operation.SUBMIT, sha256)
                previous = status.submission.request_sha256
            transaction.add_submission(request, path, schedule, actor, at)
            detail: dict[str, Any] = {"request_file": str(path), "project": request.project}
            if previous is not None:
                detail["previous_sha256"] = previous
            if schedule is not None:
                detail["schedule"] = schedule
            transition = transaction.append(rule, request.id, actor, at, sha256, detail)
            after = transaction.require(request.id, Operation.SUBMIT)
        again = "" if previous is None else " again: the change needs a new approval"
        return Outcome(
            after,
            (transition,),
            f"submitted {request.id} (sha256 {_short(sha256)}){again}; a steward other than "
            "its authors must approve it before it can run",
        )

    def approve(self, request_id: str, actor: str, at: datetime) -> Outcome:
        """A steward approves the submitted content (its sha256); never its author."""
        require_aware(at, "approval")
        self._require(actor, Operation.APPROVE)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.APPROVE)
            rule = _rule(status, Operation.APPROVE)
            submission = status.submission
            for author, role in [
                *((a, "submitted it") for a in status.authors),
                (submission.requester, "is its requester"),
            ]:
                if same_identity(actor, author):
                    raise PermissionRefused(
                        actor,
                        OPERATION_ACTIONS[Operation.APPROVE],
                        Refusal.OWN_REQUEST,
                        f"user {actor} may not approve request {request_id!r}: {actor} "
                        f"{role}, and nobody approves their own request (four eyes); "
                        "another steward must approve it",
                    )
            try:
                current = self._load(submission.request_file)
            except InvalidInput as error:
                raise InvalidInput(
                    [
                        f"request {request_id!r}: the file submitted on "
                        f"{submission.submitted_at.isoformat()} can no longer be approved; "
                        "fix it and submit it again",
                        *error.problems,
                    ]
                ) from None
            if current.sha256() != submission.request_sha256:
                raise _refused(
                    status,
                    Operation.APPROVE,
                    f"the file {submission.request_file} changed since it was submitted "
                    f"(submitted sha256 {_short(submission.request_sha256)}, now "
                    f"{_short(current.sha256())}): submit it again",
                )
            sha256 = submission.request_sha256
            appended = [
                transaction.append(
                    rule,
                    request_id,
                    actor,
                    at,
                    sha256,
                    {"requester": submission.requester, "submitted_by": list(status.authors)},
                )
            ]
            if submission.schedule is not None:
                (schedule_rule,) = rules_for(Operation.SCHEDULE, State.APPROVED)
                appended.append(
                    transaction.append(
                        schedule_rule,
                        request_id,
                        actor,
                        at,
                        sha256,
                        {"schedule": submission.schedule},
                    )
                )
            after = transaction.require(request_id, Operation.APPROVE)
        scheduled = "" if submission.schedule is None else f"; scheduled {submission.schedule}"
        return Outcome(
            after, tuple(appended), f"approved {request_id} (sha256 {_short(sha256)}){scheduled}"
        )

    def reject(self, request_id: str, actor: str, at: datetime, reason: str) -> Outcome:
        """A steward or compliance officer rejects the submitted request, saying why."""
        require_aware(at, "rejection")
        self._require(actor, Operation.REJECT)
        checked = _check_reason(reason, required=True)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.REJECT)
            rule = _rule(status, Operation.REJECT)
            transition = transaction.append(
                rule,
                request_id,
                actor,
                at,
                status.submission.request_sha256,
                {"reason": checked},
            )
            after = transaction.require(request_id, Operation.REJECT)
        return Outcome(after, (transition,), f"rejected {request_id}: {checked}")

    def _runnable(
        self,
        transaction: _Transaction,
        status: RequestStatus,
        current_sha256: str,
        at: datetime,
    ) -> Rule | RequestChanged:
        """The START_RUN rule that applies, or the RequestChanged to raise after commit
        (the request has then been moved back to submitted)."""
        if status.state is State.RUNNING:
            run = status.last_run
            assert run is not None
            raise _refused(
                status,
                Operation.START_RUN,
                f"extract {run.extract_id} is running (started by {run.started_by}); wait "
                "for its outcome",
            )
        if not _run_rules(status.state):
            raise _refused(
                status, Operation.START_RUN, "only approved content runs; nothing was read"
            )
        approval = status.approval
        assert approval is not None  # every state a run starts from has a standing approval
        if current_sha256 != approval.request_sha256:
            (change,) = rules_for(Operation.CHANGE, status.state)
            transaction.append(
                change,
                status.request_id,
                SYSTEM_ACTOR,
                at,
                current_sha256,
                {"reason": CHANGED_AFTER_APPROVAL, "approved_sha256": approval.request_sha256},
            )
            return RequestChanged(
                status.request_id,
                approval.request_sha256,
                current_sha256,
                f"request {status.request_id!r} changed after its approval (approved sha256 "
                f"{_short(approval.request_sha256)} by {approval.approved_by}, the file now "
                f"has {_short(current_sha256)}): nothing was read; it is back to submitted: "
                "submit it again (`sovex request submit FILE`) and have a steward approve it",
            )
        return _rule(status, Operation.START_RUN)

    def check_runnable(
        self, request_id: str, current_sha256: str, actor: str, at: datetime
    ) -> Approval:
        """The standing approval, if a run of this content may start now.

        Call before reading any data. Refuses (TransitionRefused, exit 2) a request not
        approved, rejected, expired, running, or a one-off already published; when the
        content differs from the approved one, the request goes back to submitted (actor
        `sovex`) and RequestChanged is raised.
        """
        require_aware(at, "run check")
        _check_sha256(current_sha256)
        self._require(actor, Operation.START_RUN)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.START_RUN)
            checked = self._runnable(transaction, status, current_sha256, at)
        if isinstance(checked, RequestChanged):
            raise checked
        approval = status.approval
        assert approval is not None
        return approval

    def start_run(
        self,
        request_id: str,
        extract_id: str,
        *,
        request_sha256: str,
        actor: str,
        at: datetime,
    ) -> Outcome:
        """Record that a run of `request_sha256` (checked as by `check_runnable`) started.

        Idempotent for the extract already running (a retried task changes nothing).
        """
        require_aware(at, "run start")
        _check_sha256(request_sha256)
        _check_extract_id(extract_id)
        self._require(actor, Operation.START_RUN)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.START_RUN)
            run = status.last_run
            if status.state is State.RUNNING and run is not None and run.extract_id == extract_id:
                return Outcome(status, (), f"{request_id}: {extract_id} is already running")
            checked = self._runnable(transaction, status, request_sha256, at)
            if isinstance(checked, Rule):
                transition = transaction.append(
                    checked, request_id, actor, at, request_sha256, {"extract_id": extract_id}
                )
                outcome = Outcome(
                    transaction.require(request_id, Operation.START_RUN),
                    (transition,),
                    f"{request_id}: run {extract_id} started",
                )
        if isinstance(checked, RequestChanged):
            raise checked  # after the commit: the move back to submitted stands
        return outcome

    def finish_run(
        self,
        request_id: str,
        extract_id: str,
        published: bool,
        actor: str,
        at: datetime,
        manifest: str | None = None,
        retention_until: date | None = None,
        reason: str | None = None,
    ) -> Outcome:
        """Record the running extract's outcome: published (with its manifest URI) or failed.

        Idempotent when the same outcome is already recorded for this extract.
        """
        require_aware(at, "run outcome")
        _check_extract_id(extract_id)
        operation = Operation.PUBLISH if published else Operation.FAIL
        self._require(actor, operation)
        if published and not (manifest and manifest.strip()):
            raise InvalidInput("field 'manifest': a published extract names its manifest URI")
        checked_reason = _check_reason(reason, required=False)
        target = State.PUBLISHED if published else State.FAILED
        with self._transaction() as transaction:
            status = transaction.require(request_id, operation)
            run = status.last_run
            if status.state is target and run is not None and run.extract_id == extract_id:
                return Outcome(
                    status, (), f"{request_id}: {extract_id} is already recorded {target.value}"
                )
            if status.state is State.RUNNING and run is not None and run.extract_id != extract_id:
                raise _refused(
                    status,
                    operation,
                    f"the running extract is {run.extract_id}, not {extract_id}",
                )
            rule = _rule(status, operation)
            assert run is not None  # running is only entered by a run start
            detail: dict[str, Any] = {"extract_id": extract_id}
            if manifest:
                detail["manifest"] = manifest.strip()
            if retention_until is not None:
                detail["retention_until"] = retention_until.isoformat()
            if checked_reason is not None:
                detail["reason"] = checked_reason
            transition = transaction.append(
                rule, request_id, actor, at, status.history[-1].request_sha256, detail
            )
            after = transaction.require(request_id, operation)
        return Outcome(after, (transition,), f"{request_id}: {extract_id} {target.value}")

    def expire(
        self, request_id: str, actor: str, at: datetime, reason: str | None = None
    ) -> Outcome:
        """End a request's life (retention over, approval withdrawn); it is final."""
        require_aware(at, "expiry")
        self._require(actor, Operation.EXPIRE)
        checked = _check_reason(reason, required=False)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.EXPIRE)
            rule = _rule(status, Operation.EXPIRE)
            detail: dict[str, Any] = {"retention_until": status.retention_until.isoformat()}
            if checked is not None:
                detail["reason"] = checked
            transition = transaction.append(
                rule, request_id, actor, at, status.history[-1].request_sha256, detail
            )
            after = transaction.require(request_id, Operation.EXPIRE)
        return Outcome(after, (transition,), f"{request_id} expired")

    # --- reading ---

    def get(self, request_id: str) -> RequestStatus:
        """The request's state, history, last run, published extract (UnknownRequest if
        it was never submitted)."""
        with self._reading() as connection:
            status = None if connection is None else _read_status(connection, request_id)
            known = [] if connection is None else _known_ids(connection)
        if status is None:
            shown = ", ".join(known[:MAX_KNOWN_IDS_SHOWN]) or "none yet"
            raise UnknownRequest(
                request_id,
                State.DRAFT,
                Operation.SUBMIT,
                f"no request {request_id!r} was ever submitted (submitted requests: {shown})",
            )
        return status

    def list_requests(self) -> list[RequestStatus]:
        """Every submitted request, by id."""
        with self._reading() as connection:
            return [] if connection is None else _all_statuses(connection)

    def approved_requests(self) -> list[ApprovedRequest]:
        """Requests whose approval stands (what a DAG may offer to run), by id."""
        return _approved(self.list_requests())

    def write_snapshot(self) -> Path:
        """Rewrite the approved-requests file from the database (also after a crash)."""
        with closing(_connect(self.db_path)) as connection:
            # Under the write lock, so two writers cannot replace a newer file with an
            # older one.
            connection.execute("BEGIN IMMEDIATE")
            try:
                entries = [entry.to_json() for entry in _approved(_all_statuses(connection))]
                _write_atomically(
                    self.snapshot_path,
                    json.dumps(
                        {"format": SNAPSHOT_FORMAT, "requests": entries}, indent=2, sort_keys=True
                    )
                    + "\n",
                )
            finally:
                connection.execute("COMMIT")
        return self.snapshot_path


def _all_statuses(connection: sqlite3.Connection) -> list[RequestStatus]:
    return [
        status
        for request_id in _known_ids(connection)
        if (status := _read_status(connection, request_id)) is not None
    ]


def _approved(statuses: list[RequestStatus]) -> list[ApprovedRequest]:
    return [
        ApprovedRequest(
            request_id=status.request_id,
            project=status.submission.project,
            request_file=status.submission.request_file,
            approved_sha256=approval.request_sha256,
            schedule=status.schedule,
            state=status.state,
            runnable=status.runnable,
            approved_by=approval.approved_by,
            approved_at=approval.approved_at,
        )
        for status in statuses
        if (approval := status.approval) is not None
    ]


def _check_sha256(value: str) -> str:
    if not SHA256_PATTERN.fullmatch(value):
        raise InvalidInput(f"request sha256 {value!r}: 64 lower-case hexadecimal digits")
    return value


def format_status(status: RequestStatus) -> str:
    """Plain text for `sovex request status`: the state, then every transition."""
    lines = [
        f"request {status.request_id} ({status.submission.project}): {status.state.value}",
        f"  requester: {status.submission.requester}; file: {status.submission.request_file}",
        f"  schedule: {status.schedule or 'none (one-off)'}; "
        f"retention until: {status.retention_until.isoformat()}",
    ]
    approval, run, published = status.approval, status.last_run, status.published
    if approval is not None:
        lines.append(
            f"  approved by {approval.approved_by} at {approval.approved_at.isoformat()} "
            f"(sha256 {approval.request_sha256})"
        )
    if run is not None:
        lines.append(f"  last run: {run.extract_id} {run.state.value}")
    if published is not None:
        lines.append(f"  published: {published.extract_id} {published.manifest or ''}".rstrip())
    lines.append("  history:")
    for t in status.history:
        extra = ", ".join(f"{k}={v}" for k, v in sorted(t.detail.items()))
        lines.append(
            f"    {t.seq:>3} {t.at.isoformat()} {t.actor}: {t.from_state.value} → "
            f"{t.to_state.value} ({t.operation.value}, sha256 {_short(t.request_sha256)})"
            + (f" {extra}" if extra else "")
        )
    return "\n".join(lines) + "\n"
