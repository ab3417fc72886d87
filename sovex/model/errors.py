"""One exception hierarchy; `exit_code_for` is the only place mapping it to exit codes.

Messages name the file, field and rule, never a secret or a patient's value.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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


class SourceTableMissing(ConfigurationError):
    """A table the catalog names is not in the source (it may hold another model)."""


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


class EnvironmentFailure(ConfigurationError):
    """The machine, not sovex, failed: a full disk, a read-only folder, a store that does
    not answer. Says what failed; exit 2 like every setting the operator must fix, so exit
    1 stays for sovex's own bugs."""


_FULL = (errno.ENOSPC, errno.EDQUOT)


def environment_failure(
    error: BaseException, state_dir: Path | None = None
) -> EnvironmentFailure | None:
    """What `error` says about the environment, if it is an environment failure: an OS
    error (named by its path and cause, never file content) or an object store that does
    not answer."""
    if isinstance(error, OSError) and error.errno is not None:
        path = error.filename
        where = f" {path}" if path else ""
        if error.errno in _FULL:
            return EnvironmentFailure(f"no space left on device (writing{where or ' a file'})")
        if error.errno == errno.EROFS:
            if state_dir is not None and path and Path(str(path)).is_relative_to(state_dir):
                return EnvironmentFailure(
                    f"the state folder {state_dir} is read-only (writing {path}); "
                    "point SOVEX_STATE_DIR at a writable folder"
                )
            return EnvironmentFailure(f"read-only file system: cannot write{where}")
        if error.errno in (errno.EACCES, errno.EPERM):
            return EnvironmentFailure(f"permission denied:{where or ' (no path given)'}")
        return EnvironmentFailure(f"{path or 'a file'}: {error.strerror}")
    # botocore's connection errors carry the endpoint they could not reach.
    endpoint = getattr(error, "kwargs", {}).get("endpoint_url") if _is_connection(error) else None
    if endpoint:
        return EnvironmentFailure(f"the object store at {endpoint} does not answer")
    return None


def _is_connection(error: BaseException) -> bool:
    names = {cls.__name__ for cls in type(error).__mro__}
    return "EndpointConnectionError" in names or "ConnectTimeoutError" in names


def exit_code_for(error: BaseException) -> int:
    """The process exit code for an error: 1 internal … 5 integrity (docs/cli.md)."""
    if isinstance(error, SovexError):
        return error.exit_code
    return EXIT_INTERNAL


class ReportedError(UserError):
    """A `SovexError` of a kind the codec does not rebuild (raised by a run step in another
    process or thread): its class name, message and exit code, as reported."""

    def __init__(self, kind: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.exit_code = exit_code


INTERNAL_ERROR_MESSAGE = "internal error"
# The errors a run step may raise that are rebuilt whole on the other side, with the
# fields their constructors take.
_REBUILT = {
    "PolicyRefused": lambda fields, _message: PolicyRefused(fields["target"], fields["reasons"]),
    "GateFailed": lambda fields, _message: GateFailed(fields["failures"]),
    "InvalidInput": lambda fields, _message: InvalidInput(fields["problems"]),
    "ConfigurationError": lambda _fields, message: ConfigurationError(message),
    "EnvironmentFailure": lambda _fields, message: EnvironmentFailure(message),
    "IntegrityError": lambda _fields, message: IntegrityError(message),
}


def error_record(error: BaseException) -> dict[str, Any]:
    """What crosses from a run step to `sovex run`: the error's class, message, exit code and
    the fields it was built from. An environment failure (disk full, store down) says what
    failed; anything else but a `SovexError` is an "internal error": its text may hold
    data, so it stays in the task's log."""
    error = environment_failure(error) or error
    if not isinstance(error, SovexError):
        return {
            "error": "InternalError",
            "exit_code": EXIT_INTERNAL,
            "message": INTERNAL_ERROR_MESSAGE,
        }
    fields: dict[str, Any] = {}
    if isinstance(error, PolicyRefused):
        fields = {"target": error.target, "reasons": error.reasons}
    elif isinstance(error, GateFailed):
        fields = {"failures": error.failures}
    elif isinstance(error, InvalidInput):
        fields = {"problems": error.problems}
    return {
        "error": type(error).__name__,
        "exit_code": exit_code_for(error),
        # SovexError messages name files, fields and rules, never data.
        "message": str(error),
        "fields": fields,
    }


def error_from_record(record: Mapping[str, Any]) -> SovexError:
    """The error `error_record` described: the same class where the codec knows it, else a
    `ReportedError` with the same message and exit code."""
    kind = str(record.get("error", "InternalError"))
    message = str(record.get("message", INTERNAL_ERROR_MESSAGE))
    exit_code = int(record.get("exit_code", EXIT_INTERNAL))
    rebuild = _REBUILT.get(kind)
    if rebuild is not None:
        try:
            return rebuild(record.get("fields", {}), message)
        except (KeyError, TypeError):
            pass  # a record from an older version: keep its message and code
    if exit_code == EXIT_INTERNAL:
        return SovexError(message)
    return ReportedError(kind, message, exit_code)
