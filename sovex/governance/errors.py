"""The refusals of the request life cycle, subclasses of `sovex.model.errors.UserError`:
an operation the request's state does not allow, an unknown request, a changed file.
"""

from __future__ import annotations

from sovex.governance.transitions import Operation, State
from sovex.model.errors import EXIT_INVALID_INPUT, UserError


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
