"""The review's rules, as pure functions over a request's history (issue 20).

- No self-review: nobody approves (or endorses) a request they submitted or whose
  `requester` field names them; a requester withdraws only their own request.
- A second approval, where the purpose's requirements say `second_approval: true`: the
  first steward's approval is an `endorse`, and another steward's approval of the same
  content makes it approved.
- Votes reset on edit: only endorsements of the current content, given since it was last
  submitted, count.

Anchored on OpenSAFELY's Airlock (named people, two independent reviews, no self-review,
votes reset on edit).
"""

from __future__ import annotations

from collections.abc import Sequence

from sovex.governance.status import RequestStatus, Transition
from sovex.governance.transitions import OPERATION_ACTIONS, Operation, State
from sovex.model.errors import InvalidInput
from sovex.roles import PermissionRefused, Refusal, same_identity

# Stewards' approvals a purpose takes: one by default, two with `second_approval: true`.
APPROVALS_DEFAULT = 1
APPROVALS_SECOND = 2
MAX_CONDITIONS = 10
MAX_CONDITION_CHARS = 300


def approvals_needed(second_approval: bool) -> int:
    return APPROVALS_SECOND if second_approval else APPROVALS_DEFAULT


def authors_of(status: RequestStatus) -> list[tuple[str, str]]:
    """Everyone who may not review the request, with why."""
    return [
        *((author, "submitted it") for author in status.authors),
        (status.submission.requester, "is its requester"),
    ]


def is_author(status: RequestStatus, actor: str) -> bool:
    return any(same_identity(actor, author) for author, _ in authors_of(status))


def refuse_self_review(status: RequestStatus, actor: str) -> None:
    """PermissionRefused (own_request) when `actor` is one of the request's authors."""
    for author, role in authors_of(status):
        if same_identity(actor, author):
            raise PermissionRefused(
                actor,
                OPERATION_ACTIONS[Operation.APPROVE],
                Refusal.OWN_REQUEST,
                f"user {actor} may not approve request {status.request_id!r}: {actor} "
                f"{role}, and nobody approves their own request (four eyes); "
                "another steward must approve it",
            )


def standing_endorsements(history: Sequence[Transition], sha256: str) -> list[Transition]:
    """The endorsements that count now: of `sha256`, since the request last entered review
    (a submission, an edit noticed, an approval withdrawn): an edit resets the votes."""
    counted: list[Transition] = []
    for transition in history:
        if transition.to_state is State.SUBMITTED and transition.operation is not Operation.ENDORSE:
            counted = []
        elif transition.operation is Operation.ENDORSE and transition.request_sha256 == sha256:
            counted.append(transition)
    return counted


def approval_step(status: RequestStatus, actor: str, needed: int) -> Operation:
    """What `actor`'s approval of the current content is: ENDORSE (a vote, more needed) or
    APPROVE (the last vote needed). Refuses self-review and a second vote by the same
    steward."""
    refuse_self_review(status, actor)
    endorsements = standing_endorsements(status.history, status.submission.request_sha256)
    if any(same_identity(actor, vote.actor) for vote in endorsements):
        raise PermissionRefused(
            actor,
            OPERATION_ACTIONS[Operation.APPROVE],
            Refusal.OWN_REQUEST,
            f"user {actor} already approved request {status.request_id!r} in this version; "
            "its purpose takes a second approval by another steward",
        )
    return Operation.APPROVE if len(endorsements) + 1 >= needed else Operation.ENDORSE


def check_withdrawer(status: RequestStatus, actor: str) -> None:
    """Before a decision only the request's authors withdraw it."""
    if status.state is State.SUBMITTED and not is_author(status, actor):
        raise PermissionRefused(
            actor,
            OPERATION_ACTIONS[Operation.WITHDRAW],
            Refusal.MISSING_ROLE,
            f"user {actor} may not withdraw request {status.request_id!r}: before a decision "
            "only its requester or submitter withdraws it; a steward rejects it instead",
        )


def check_conditions(conditions: Sequence[str]) -> list[str]:
    """An approval's conditions (e.g. "no linkage with other sources"): short lines of text."""
    checked: list[str] = []
    for index, condition in enumerate(conditions):
        text = " ".join(condition.split())
        if not text:
            continue
        field = f"field 'conditions[{index}]'"
        if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
            raise InvalidInput(f"{field}: must not contain control characters")
        if len(text) > MAX_CONDITION_CHARS:
            raise InvalidInput(
                f"{field}: at most {MAX_CONDITION_CHARS} characters, got {len(text)}"
            )
        checked.append(text)
    if len(checked) > MAX_CONDITIONS:
        raise InvalidInput(f"field 'conditions': at most {MAX_CONDITIONS}, got {len(checked)}")
    return checked
