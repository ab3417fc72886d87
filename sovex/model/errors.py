"""One exception hierarchy; `exit_code_for` is the only place mapping it to exit codes.

Messages name the file, field and rule, never a secret or a patient's value.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID_INPUT = 2
EXIT_POLICY_REFUSED = 3
EXIT_GATE_FAILED = 4
EXIT_INTEGRITY = 5


class SovexError(Exception):
    """Root of every error sovex raises on purpose."""

    exit_code = EXIT_INTERNAL


class UserError(SovexError):
    """An error the user can fix: shown without a traceback."""


class InvalidInput(UserError):
    """Bad input (a request, a target, a catalog, a CLI argument). Lists every problem."""

    exit_code = EXIT_INVALID_INPUT

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class ConfigurationError(UserError):
    """Missing or wrong setting (no key, storage not running): says what to do next."""

    exit_code = EXIT_INVALID_INPUT


class PolicyRefused(UserError):
    """The hosting policy refused the target: nothing was read, nothing was written."""

    exit_code = EXIT_POLICY_REFUSED

    def __init__(self, target: str, reasons: Sequence[str]) -> None:
        self.target = target
        self.reasons = list(reasons)
        super().__init__(f"hosting target {target!r} refused: " + "; ".join(self.reasons))


class GateFailed(UserError):
    """A release gate (privacy or validation) failed: nothing was published."""

    exit_code = EXIT_GATE_FAILED

    def __init__(self, failures: Sequence[str]) -> None:
        self.failures = list(failures)
        super().__init__(
            "\n".join(["release gate failed (nothing was published):", *self.failures])
        )


class IntegrityError(UserError):
    """A checksum or an audit chain does not match."""

    exit_code = EXIT_INTEGRITY


def exit_code_for(error: BaseException) -> int:
    """The process exit code for an error (DESIGN.md: 1 internal … 5 integrity)."""
    if isinstance(error, SovexError):
        return error.exit_code
    return EXIT_INTERNAL
