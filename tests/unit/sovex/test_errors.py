from __future__ import annotations

import json

import pytest

from sovex.model.errors import (
    EXIT_INTERNAL,
    ConfigurationError,
    GateFailed,
    IntegrityError,
    InvalidInput,
    PolicyRefused,
    ReportedError,
    SovexError,
    UserError,
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
