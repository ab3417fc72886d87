"""The request life cycle's operations over one state database (`RequestStore`): submit,
approve, reject, start and finish runs, expire, and read requests back.

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

The allowed moves are the table of `sovex.governance.transitions`; the tables and the
audit record of each transition are `sovex.governance.database`'s. After each change the
approved-requests snapshot (`sovex.governance.snapshot`) is rewritten.

Times are passed in (`at`, timezone-aware): nothing here reads the clock. The order of
a request's history is its sequence number, not its times.

Over 400 lines: `RequestStore` alone is about 425, and its operations share one
transaction and refusal discipline that reads best in one class.

One module, long on purpose: every operation is a transition checked against the same
table and written in the same transaction as its audit record and snapshot refresh.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovex.governance.checks import (
    applicable_rule,
    check_extract_id,
    check_reason,
    check_sha256,
    refused,
)
from sovex.governance.database import (
    MAX_KNOWN_IDS_SHOWN,
    Transaction,
    all_statuses,
    connect,
    known_ids,
    read_status,
)
from sovex.governance.errors import RequestChanged, UnknownRequest
from sovex.governance.formatting import short_sha256
from sovex.governance.review_rules import (
    approval_step,
    approvals_needed,
    check_conditions,
    check_withdrawer,
)
from sovex.governance.snapshot import (
    SNAPSHOT_FILE,
    ApprovedRequest,
    approved_entries,
    approved_snapshot_path,
    write_approved_snapshot,
)
from sovex.governance.status import Approval, Outcome, RequestStatus, run_rules
from sovex.governance.transitions import (
    APPROVAL_STANDS,
    OPERATION_ACTIONS,
    OPERATION_ROLES,
    SYSTEM_OPERATIONS,
    UNCHANGED_RESUBMISSION_IS_NO_OP,
    Operation,
    Rule,
    State,
    rules_for,
)
from sovex.governance.versions import keep_version, versions_dir
from sovex.model.errors import InvalidInput
from sovex.model.purpose_requirements import second_approval_required
from sovex.model.schedule import require_aware, validate_schedule
from sovex.roles import (
    SYSTEM_ACTOR,
    Roles,
    UserRole,
    load_roles,
    require_role,
    roles_path,
)

if TYPE_CHECKING:
    from sovex.audit import ActorAuth
    from sovex.model.request import ExtractRequest
    from sovex.model.settings import Settings

CHANGED_AFTER_APPROVAL = "changed after approval"


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
        actor_auth: ActorAuth | None = None,
    ) -> None:
        """`actor_auth`: how the actors of this store's operations are known (the review
        server passes `authenticated` for a logged-in person); None: `declared`, or
        `system` for sovex itself."""
        from sovex.audit import default_log_path

        self.db_path = db_path
        self.roles = roles
        self.catalogs_dir = catalogs_dir
        self.targets_dir = targets_dir
        self.audit_path = audit_path or default_log_path(db_path.parent)
        self.snapshot_path = snapshot_path or db_path.parent / SNAPSHOT_FILE
        self.actor_auth = actor_auth
        # The purposes' requirements (second approval) live beside catalogs and targets.
        self.infra_dir = catalogs_dir.parent
        self.versions_root = versions_dir(db_path.parent)

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        roles: Roles | None = None,
        actor_auth: ActorAuth | None = None,
    ) -> RequestStore:
        """The deployment's store: `<state>/sovex.db`, roles from `<infra>/roles.yaml`."""
        return cls(
            settings.state_db,
            roles or load_roles(roles_path(settings.infra_dir)),
            settings.catalogs_dir,
            settings.targets_dir,
            snapshot_path=approved_snapshot_path(settings.state_dir),
            actor_auth=actor_auth,
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
    def _transaction(self) -> Iterator[Transaction]:
        with closing(connect(self.db_path)) as connection:
            connection.execute("BEGIN IMMEDIATE")
            transaction = Transaction(connection, self.audit_path, actor_auth=self.actor_auth)
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
        with closing(connect(self.db_path)) as connection:
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
        # Kept before the transaction (idempotent): the reviewer's diff reads it.
        keep_version(self.versions_root, request.id, sha256, path.read_bytes())
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
                        f"(sha256 {short_sha256(sha256)}, submitted from "
                        f"{status.submission.request_file}); nothing changed",
                    )
                rule = applicable_rule(status, Operation.SUBMIT, sha256)
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
            f"submitted {request.id} (sha256 {short_sha256(sha256)}){again}; a steward other than "
            "its authors must approve it before it can run",
        )

    def approve(
        self,
        request_id: str,
        actor: str,
        at: datetime,
        comment: str | None = None,
        conditions: tuple[str, ...] = (),
    ) -> Outcome:
        """A steward approves the submitted content (its sha256); never its author.

        Where the purpose takes a second approval, the first is recorded as an endorsement
        (the request stays submitted) and another steward's approval of the same content
        approves it; an edit in between resets the votes. `comment` and `conditions` are
        kept with the approval (history, audit log)."""
        require_aware(at, "approval")
        self._require(actor, Operation.APPROVE)
        checked_comment = check_reason(comment, required=False)
        checked_conditions = check_conditions(conditions)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.APPROVE)
            applicable_rule(status, Operation.APPROVE)
            submission = status.submission
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
            needed = approvals_needed(second_approval_required(self.infra_dir, current.purpose))
            step = approval_step(status, actor, needed)
            if current.sha256() != submission.request_sha256:
                raise refused(
                    status,
                    Operation.APPROVE,
                    f"the file {submission.request_file} changed since it was submitted "
                    f"(submitted sha256 {short_sha256(submission.request_sha256)}, now "
                    f"{short_sha256(current.sha256())}): submit it again",
                )
            sha256 = submission.request_sha256
            detail: dict[str, Any] = {
                "requester": submission.requester,
                "submitted_by": list(status.authors),
                "approvals_needed": needed,
            }
            if checked_comment is not None:
                detail["comment"] = checked_comment
            if checked_conditions:
                detail["conditions"] = checked_conditions
            rule = applicable_rule(status, step)
            appended = [transaction.append(rule, request_id, actor, at, sha256, detail)]
            if step is Operation.ENDORSE:
                after = transaction.require(request_id, Operation.APPROVE)
                return Outcome(
                    after,
                    tuple(appended),
                    f"first approval of {request_id} recorded (sha256 {short_sha256(sha256)}); "
                    f"its purpose {current.purpose!r} takes a second approval by another "
                    "steward",
                )
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
            after,
            tuple(appended),
            f"approved {request_id} (sha256 {short_sha256(sha256)}){scheduled}",
        )

    def withdraw(
        self, request_id: str, actor: str, at: datetime, reason: str | None = None
    ) -> Outcome:
        """Its requester takes a submitted request back (withdrawn), or a steward or
        compliance officer withdraws an approval (back to submitted: it needs a new
        approval before any run; unlike expire, not final)."""
        require_aware(at, "withdrawal")
        self._require(actor, Operation.WITHDRAW)
        checked = check_reason(reason, required=False)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.WITHDRAW)
            check_withdrawer(status, actor)
            if status.state in APPROVAL_STANDS:
                require_role(
                    self.roles,
                    actor,
                    (UserRole.STEWARD, UserRole.COMPLIANCE),
                    "withdraw approvals",
                )
            rule = applicable_rule(status, Operation.WITHDRAW)
            detail: dict[str, Any] = {} if checked is None else {"reason": checked}
            transition = transaction.append(
                rule, request_id, actor, at, status.history[-1].request_sha256, detail
            )
            after = transaction.require(request_id, Operation.WITHDRAW)
        what = (
            "approval withdrawn: it needs a new approval"
            if (after.state is State.SUBMITTED)
            else "withdrawn"
        )
        return Outcome(after, (transition,), f"{request_id}: {what}")

    def reject(self, request_id: str, actor: str, at: datetime, reason: str) -> Outcome:
        """A steward or compliance officer rejects the submitted request, saying why."""
        require_aware(at, "rejection")
        self._require(actor, Operation.REJECT)
        checked = check_reason(reason, required=True)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.REJECT)
            rule = applicable_rule(status, Operation.REJECT)
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
        transaction: Transaction,
        status: RequestStatus,
        current_sha256: str,
        at: datetime,
    ) -> Rule | RequestChanged:
        """The START_RUN rule that applies, or the RequestChanged to raise after commit
        (the request has then been moved back to submitted)."""
        if status.state is State.RUNNING:
            run = status.last_run
            assert run is not None
            raise refused(
                status,
                Operation.START_RUN,
                f"extract {run.extract_id} is running (started by {run.started_by}); wait "
                "for its outcome",
            )
        if not run_rules(status.state):
            raise refused(
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
                f"{short_sha256(approval.request_sha256)} by {approval.approved_by}, the file now "
                f"has {short_sha256(current_sha256)}): nothing was read; it is back to submitted: "
                "submit it again (`sovex request submit FILE`) and have a steward approve it",
            )
        return applicable_rule(status, Operation.START_RUN)

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
        check_sha256(current_sha256)
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
        check_sha256(request_sha256)
        check_extract_id(extract_id)
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
        check_extract_id(extract_id)
        operation = Operation.PUBLISH if published else Operation.FAIL
        self._require(actor, operation)
        if published and not (manifest and manifest.strip()):
            raise InvalidInput("field 'manifest': a published extract names its manifest URI")
        checked_reason = check_reason(reason, required=False)
        target = State.PUBLISHED if published else State.FAILED
        with self._transaction() as transaction:
            status = transaction.require(request_id, operation)
            run = status.last_run
            if status.state is target and run is not None and run.extract_id == extract_id:
                return Outcome(
                    status, (), f"{request_id}: {extract_id} is already recorded {target.value}"
                )
            if status.state is State.RUNNING and run is not None and run.extract_id != extract_id:
                raise refused(
                    status,
                    operation,
                    f"the running extract is {run.extract_id}, not {extract_id}",
                )
            rule = applicable_rule(status, operation)
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
        checked = check_reason(reason, required=False)
        with self._transaction() as transaction:
            status = transaction.require(request_id, Operation.EXPIRE)
            rule = applicable_rule(status, Operation.EXPIRE)
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
            status = None if connection is None else read_status(connection, request_id)
            known = [] if connection is None else known_ids(connection)
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
            return [] if connection is None else all_statuses(connection)

    def approved_requests(self) -> list[ApprovedRequest]:
        """Requests whose approval stands (what a DAG may offer to run), by id."""
        return approved_entries(self.list_requests())

    def write_snapshot(self) -> Path:
        """Rewrite the approved-requests file from the database (also after a crash)."""
        with closing(connect(self.db_path)) as connection:
            # Under the write lock, so two writers cannot replace a newer file with an
            # older one.
            connection.execute("BEGIN IMMEDIATE")
            try:
                write_approved_snapshot(
                    self.snapshot_path, approved_entries(all_statuses(connection))
                )
            finally:
                connection.execute("COMMIT")
        return self.snapshot_path
