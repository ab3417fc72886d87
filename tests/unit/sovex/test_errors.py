from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from sovex.model.errors import (
    EXIT_INTERNAL,
    EXIT_INVALID_INPUT,
    ConfigurationError,
    EnvironmentFailure,
    GateFailed,
    IntegrityError,
    InvalidInput,
    PolicyRefused,
    ReportedError,
    SovexError,
    UserError,
    environment_failure,
    error_from_record,
    error_record,
    exit_code_for,
)

REBUILT = [
    PolicyRefused("aws-paris", ["operator under US jurisdiction", "not EU-operated"]),
    GateFailed(["k-anonymity: 3 classes below k=5"]),
    InvalidInput(["request.yaml: field 'k_threshold': must be at least 5", "second problem"]),
    ConfigurationError("no pseudonymisation key: run `sovex keys init`"),
    IntegrityError("request.yaml: the request changed during the run (hash differs)"),
]


@pytest.mark.parametrize("error", REBUILT, ids=lambda e: type(e).__name__)
def test_an_error_crossing_the_run_boundary_keeps_its_class_message_and_exit_code(
    error: SovexError,
) -> None:
    record = json.loads(json.dumps(error_record(error)))  # as written to outcome.json
    rebuilt = error_from_record(record)
    assert type(rebuilt) is type(error)
    assert str(rebuilt) == str(error)
    assert exit_code_for(rebuilt) == exit_code_for(error)


def test_a_user_error_of_another_kind_keeps_its_message_and_exit_code() -> None:
    class TransitionRefused(UserError):
        exit_code = 2

    rebuilt = error_from_record(error_record(TransitionRefused("request r1 is not approved")))
    assert isinstance(rebuilt, ReportedError) and rebuilt.kind == "TransitionRefused"
    assert str(rebuilt) == "request r1 is not approved" and exit_code_for(rebuilt) == 2


def test_anything_else_is_an_internal_error_whose_text_stays_in_the_log() -> None:
    record = error_record(ValueError("Invalid value 'Dupont' for column nom"))
    assert "Dupont" not in json.dumps(record)
    rebuilt = error_from_record(record)
    assert type(rebuilt) is SovexError and exit_code_for(rebuilt) == EXIT_INTERNAL


def test_a_record_missing_its_fields_still_gives_its_message_and_exit_code() -> None:
    rebuilt = error_from_record({"error": "GateFailed", "message": "gate failed", "exit_code": 4})
    assert str(rebuilt) == "gate failed" and exit_code_for(rebuilt) == 4


def test_a_full_disk_says_so_and_names_the_file() -> None:
    failure = environment_failure(OSError(errno.ENOSPC, "No space left", "/data/out.parquet"))
    assert failure is not None
    assert str(failure) == "no space left on device (writing /data/out.parquet)"
    assert exit_code_for(failure) == EXIT_INVALID_INPUT


def test_a_read_only_state_folder_is_named_as_the_state_folder(tmp_path: Path) -> None:
    inside = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "runs" / "x"))
    failure = environment_failure(inside, tmp_path)
    assert failure is not None and str(failure).startswith(f"the state folder {tmp_path} is")
    elsewhere = environment_failure(OSError(errno.EROFS, "Read-only", "/mnt/ro/f"), tmp_path)
    assert str(elsewhere) == "read-only file system: cannot write /mnt/ro/f"


def test_a_store_that_does_not_answer_is_named_by_its_endpoint() -> None:
    from botocore.exceptions import EndpointConnectionError

    failure = environment_failure(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert str(failure) == "the object store at http://127.0.0.1:9 does not answer"


def test_a_run_step_that_hit_a_full_disk_reports_it_not_an_internal_error() -> None:
    record = error_record(OSError(errno.ENOSPC, "No space left", "/state/runs/x/part-0"))
    assert record["error"] == "EnvironmentFailure"
    assert record["exit_code"] == EXIT_INVALID_INPUT
    rebuilt = error_from_record(record)
    assert isinstance(rebuilt, EnvironmentFailure)
    assert "no space left on device" in str(rebuilt)


def test_a_bug_is_still_an_internal_error() -> None:
    assert environment_failure(KeyError("x")) is None
    assert environment_failure(ValueError("x")) is None
