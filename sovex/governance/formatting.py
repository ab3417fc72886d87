"""Text for people: `format_status` (what `sovex request status` prints), short hashes,
and the sentences that say since when a request is in its state and what may happen next.
"""

from __future__ import annotations

from collections.abc import Mapping

from sovex.governance.status import RequestStatus
from sovex.governance.transitions import TRANSITIONS, Condition, Operation

SHORT_HASH_CHARS = 12


def short_sha256(sha256: str) -> str:
    return sha256[:SHORT_HASH_CHARS]


def since(status: RequestStatus) -> str:
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
    Operation.WITHDRAW: "withdrawn (its requester before a decision; steward or compliance "
    "after an approval)",
    Operation.START_RUN: "run (steward, or sovex on its schedule)",
    Operation.PUBLISH: "its run recorded as published or failed",
    Operation.FAIL: "its run recorded as published or failed",
    Operation.EXPIRE: "expired (steward or compliance)",
}


def next_steps(status: RequestStatus) -> str:
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
            f"{t.to_state.value} ({t.operation.value}, sha256 {short_sha256(t.request_sha256)})"
            + (f" {extra}" if extra else "")
        )
    return "\n".join(lines) + "\n"
