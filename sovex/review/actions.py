"""The review's decisions, one function for the web form, the JSON API and the CLI's local
path: approve (with comment and conditions), reject, withdraw, expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sovex.governance.errors import TransitionRefused, UnknownRequest
from sovex.governance.status import Outcome
from sovex.governance.store import RequestStore
from sovex.model.errors import InvalidInput, UserError
from sovex.roles import PermissionRefused

ACTIONS = ("approve", "reject", "withdraw", "expire")
# What HTTP status each refusal is (the exit code travels in the JSON body).
HTTP_STATUS_FOR = (
    (PermissionRefused, 403),
    (UnknownRequest, 404),
    (TransitionRefused, 409),
    (InvalidInput, 400),
    (UserError, 400),
)


def http_status(error: UserError) -> int:
    return next(code for kind, code in HTTP_STATUS_FOR if isinstance(error, kind))


def conditions_of(value: object) -> tuple[str, ...]:
    """Conditions from a form's textarea (one a line) or a JSON list."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(line for line in value.splitlines() if line.strip())
    if isinstance(value, Sequence) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise InvalidInput("field 'conditions': a list of texts")


def text_of(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(f"field {name!r}: text")


def perform(
    store: RequestStore,
    action: str,
    request_id: str,
    actor: str,
    at: datetime,
    fields: Mapping[str, Any],
) -> Outcome:
    """Do `action` as `actor`; refusals are the store's (PermissionRefused, …)."""
    comment = text_of(fields, "comment")
    if action == "approve":
        return store.approve(
            request_id, actor, at, comment, conditions_of(fields.get("conditions"))
        )
    if action == "reject":
        return store.reject(request_id, actor, at, text_of(fields, "reason") or comment or "")
    if action == "withdraw":
        return store.withdraw(request_id, actor, at, text_of(fields, "reason") or comment)
    if action == "expire":
        return store.expire(request_id, actor, at, text_of(fields, "reason") or comment)
    raise InvalidInput(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
