"""What the store checks before it writes: which rule of the table lets an operation
happen in a request's state now (or the `TransitionRefused` saying why not and what may
happen next), and the values users give (reasons, extract ids, content hashes).
"""

from __future__ import annotations

import re

from sovex.governance.errors import TransitionRefused
from sovex.governance.formatting import next_steps, short_sha256, since
from sovex.governance.status import RequestStatus, holds
from sovex.governance.transitions import (
    OPERATION_PARTICIPLES,
    Condition,
    Operation,
    Rule,
    rules_for,
)
from sovex.model.errors import InvalidInput

MAX_REASON_CHARS = 1000
# Extract ids go into object keys and Airflow run ids: no spaces, slashes or controls.
EXTRACT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def refused(
    status: RequestStatus, operation: Operation, why: str | None = None
) -> TransitionRefused:
    return TransitionRefused(
        status.request_id,
        status.state,
        operation,
        f"request {status.request_id!r} is {status.state.value} ({since(status)}): it cannot "
        f"be {OPERATION_PARTICIPLES[operation]} now"
        + (f": {why}" if why else "")
        + f"; {next_steps(status)}",
    )


def applicable_rule(status: RequestStatus, operation: Operation, sha256: str | None = None) -> Rule:
    """The rule that lets `operation` happen now, or TransitionRefused saying why not."""
    candidates = rules_for(operation, status.state)
    if not candidates:
        raise refused(status, operation)
    for rule in candidates:
        if holds(rule.condition, status, sha256):
            return rule
    if any(r.condition is Condition.SCHEDULED for r in candidates):
        raise refused(
            status,
            operation,
            "a request without a schedule is published once; for another extract, submit "
            "a changed request for approval, or a new one",
        )
    raise refused(
        status,
        operation,
        f"the file has the same content (sha256 {short_sha256(status.submission.request_sha256)}) "
        "as the version already submitted; edit it first",
    )


def check_reason(reason: str | None, required: bool) -> str | None:
    if reason is None or not reason.strip():
        if required:
            raise InvalidInput("field 'reason': say why, for the requester and the audit log")
        return None
    reason = " ".join(reason.split())
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in reason):
        # An escape sequence would rewrite the terminal of whoever reads the history.
        raise InvalidInput("field 'reason': must not contain control characters")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            f"field 'reason': at most {MAX_REASON_CHARS} characters, got {len(reason)}"
        )
    return reason


def check_extract_id(extract_id: str) -> str:
    if not EXTRACT_ID_PATTERN.fullmatch(extract_id):
        raise InvalidInput(
            f"extract id {extract_id!r}: letters, digits and . _ : + - only "
            "(at most 200, starting with a letter or digit)"
        )
    return extract_id


def check_sha256(value: str) -> str:
    if not SHA256_PATTERN.fullmatch(value):
        raise InvalidInput(f"request sha256 {value!r}: 64 lower-case hexadecimal digits")
    return value
