"""A steward's review of a submitted request from the Airflow UI (the `request_review`
DAG): approve or reject, acting as the user logged into the UI, under the same rules as
`sovex request approve/reject` (steward role, never one's own request)."""

from __future__ import annotations

from datetime import datetime

from sovex.model.errors import InvalidInput
from sovex.model.settings import Settings

DECISIONS = ("approve", "reject")


def review_request(
    settings: Settings,
    request_id: str,
    decision: str,
    reason: str | None,
    actor: str | None,
    at: datetime,
) -> str:
    """Apply the decision as `actor`; returns the sentence the reviewer reads."""
    from sovex.governance.store import RequestStore

    if not actor:
        raise InvalidInput("request review: no logged-in user; reviews are never anonymous")
    store = RequestStore.for_settings(settings)
    if decision == "approve":
        return store.approve(request_id, actor, at).message
    if decision == "reject":
        return store.reject(request_id, actor, at, reason or "").message
    raise InvalidInput(
        f"request review: decision {decision!r} is not one of: {', '.join(DECISIONS)}"
    )
