"""The transition table of an extract request: its states, the operations that move it,
the conditions of each move and who may perform them.

A request moves through the states of `State`; the only moves allowed are the rules of
`TRANSITIONS` (declared once, below), each done by one `Operation` that only some roles
may perform (`OPERATION_ROLES`, roles from `infra/roles.yaml`):

    draft       submit ───────────────► submitted
    submitted   submit† ──────────────► submitted   revised before a decision
                endorse ──────────────► submitted   a first steward's approval, where the
                                                    purpose takes two (issue 20)
                approve ──────────────► approved    then schedule ─► scheduled, in the
                                                    same approval, if it has a schedule
                reject ───────────────► rejected
                withdraw ─────────────► withdrawn   by its requester or submitter
    withdrawn   submit ───────────────► submitted
    rejected    submit† ──────────────► submitted   after edits addressing the reason
    approved, scheduled, published, failed:
                submit† or change† ───► submitted   edited after approval
                expire ───────────────► expired     final
                withdraw ─────────────► submitted   the approval is withdrawn: it needs a
                                                    new one before any run
    approved, scheduled, failed:
                start_run ────────────► running     (from failed: a rerun)
    published   start_run ────────────► running     scheduled requests only: next period
    running     publish ──────────────► published
                fail ─────────────────► failed

    † only with content whose sha256 differs from the last submitted version; `change`
      is sovex noticing the edit when a run is about to start.

The rules around the table (approval of a content hash, four eyes, a changed file going
back to submitted) are enforced by `sovex.governance.store.RequestStore`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sovex.roles import UserRole


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
    WITHDRAWN = "withdrawn"  # its requester took it back before a decision


class Operation(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    # A first steward's approval of a purpose that takes two (`second_approval`): the
    # request stays submitted until another steward approves the same content.
    ENDORSE = "endorse"
    WITHDRAW = "withdraw"
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
    Rule(Operation.ENDORSE, State.SUBMITTED, State.SUBMITTED),
    Rule(Operation.APPROVE, State.SUBMITTED, State.APPROVED),
    # Taken back by its requester before a decision; submitting it again reopens it.
    Rule(Operation.WITHDRAW, State.SUBMITTED, State.WITHDRAWN),
    Rule(Operation.SUBMIT, State.WITHDRAWN, State.SUBMITTED),
    # An approval withdrawn (not final, unlike expire): back to review.
    *(
        Rule(Operation.WITHDRAW, state, State.SUBMITTED)
        for state in (State.APPROVED, State.SCHEDULED, State.FAILED)
    ),
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
    Operation.ENDORSE: frozenset({UserRole.STEWARD}),
    # A requester withdraws their own submitted request; a steward or compliance officer
    # an approval (the store checks which applies).
    Operation.WITHDRAW: frozenset({UserRole.REQUESTER, UserRole.STEWARD, UserRole.COMPLIANCE}),
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
    Operation.ENDORSE: "approve requests",
    Operation.WITHDRAW: "withdraw requests",
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
    Operation.ENDORSE: "approved",
    Operation.WITHDRAW: "withdrawn",
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
    Operation.ENDORSE: "request_endorsed",
    Operation.WITHDRAW: "request_withdrawn",
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
