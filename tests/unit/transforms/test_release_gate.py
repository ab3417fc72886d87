"""The release gate runs real Great Expectations; its context is created once per process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from anonymization.identifier_patterns import COMPILED_IDENTIFIER_PATTERNS
from anonymization.nir import format_nir
from sovex.model.errors import GateFailed
from transforms.release_gate import (
    ExpectationOutcome,
    TableGateResult,
    validate_table,
)

TABLE = "diagnoses"
COLUMNS = ["person_id", "icd10_code", "diagnosis_month", "note", "age_band", "hba1c"]
PSEUDONYM_COLUMNS = ["person_id"]
PSEUDONYMS = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]
NIR = format_nir("1840375123456")
SPACED_NIR = format_nir("2901275123456", spaced=True)
EMAIL = "jean.dupont@example.fr"
PHONE = "+33 (0)6 12 34 56 78"


def _table(
    *,
    person_id: list[str | None] | None = None,
    note: list[str | None] | None = None,
    icd10_code: list[str] | None = None,
) -> pa.Table:
    """A clean pseudonymised table of two rows; keyword arguments override one column."""
    return pa.table(
        {
            "person_id": pa.array(person_id or PSEUDONYMS, type=pa.string()),
            "icd10_code": pa.array(icd10_code or ["E11.9", "I10"], type=pa.large_string()),
            "diagnosis_month": pa.array(["2024-03", "2023-11"]),
            "note": pa.array(note or ["HbA1c 7.2 % le 2024-03-01", None]),
            "age_band": pa.array(["40-44", "65-69"]).dictionary_encode(),
            "hba1c": pa.array([7.2, 6.1]),
        }
    )


def _validate(data: pa.Table, columns: list[str] = COLUMNS) -> TableGateResult:
    return validate_table(TABLE, data, columns, PSEUDONYM_COLUMNS)


def _failed(result: TableGateResult) -> list[ExpectationOutcome]:
    return [outcome for outcome in result.outcomes if not outcome.success]


def test_a_clean_pseudonymised_table_passes() -> None:
    result = _validate(_table())

    assert result.success
    assert result.failures() == []
    assert result.rows == 2
    assert all(outcome.table == TABLE for outcome in result.outcomes)


def test_every_string_column_is_scanned_for_every_identifier_rule() -> None:
    scanned = {
        (outcome.column, outcome.expectation)
        for outcome in _validate(_table()).outcomes
        if outcome.expectation.startswith("expect_column_values_to_not_match_regex")
    }

    text_columns = ["person_id", "icd10_code", "diagnosis_month", "note", "age_band"]
    rules = ["FR_NIR", "EMAIL", "FR_PHONE"]
    assert scanned == {
        (column, f"expect_column_values_to_not_match_regex({rule})")
        for column in text_columns
        for rule in rules
    }


def test_a_nir_hidden_in_free_text_fails_naming_table_column_rule_and_count() -> None:
    note = [f"vu le patient {NIR} ce jour", f"NIR {SPACED_NIR}"]

    result = _validate(_table(note=note))

    assert not result.success
    assert result.failures() == [
        "table diagnoses, column note: expect_column_values_to_not_match_regex(FR_NIR) "
        "failed on 2 rows"
    ]


def test_a_nir_never_appears_in_the_failure_text_or_the_outcomes() -> None:
    result = _validate(_table(note=[f"NIR {NIR}", None], icd10_code=[NIR, "I10"]))

    published = " ".join(result.failures()) + repr(result)
    for value in (NIR, NIR[:13], SPACED_NIR):
        assert value not in published
    assert not re.search(r"[0-9]{13}", published)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (EMAIL, "EMAIL"),
        (f"écrire à {EMAIL.upper()}", "EMAIL"),
        (PHONE, "FR_PHONE"),
        ("rappeler au 06-12-34-56-78", "FR_PHONE"),
    ],
)
def test_an_email_or_a_phone_number_is_caught(value: str, rule: str) -> None:
    result = _validate(_table(note=[value, None]))

    assert result.failures() == [
        f"table diagnoses, column note: expect_column_values_to_not_match_regex({rule}) "
        "failed on 1 row"
    ]
    assert value not in repr(result)


def test_gx_counts_the_same_rows_as_python_re_for_every_rule() -> None:
    # pandas may run a regex with pyarrow's RE2 instead of Python re: the counts must agree.
    samples = [
        NIR,
        SPACED_NIR,
        f"a{NIR}",
        EMAIL,
        PHONE,
        "0612345678",
        "06 12 34 56",
        "E11.9",
        "2024-03-01",
        "7.2",
        PSEUDONYMS[0],
        f"{PSEUDONYMS[0]}\n{PHONE}",
        "héhé 06 12 34 56 78",
        "",
    ]
    data = pa.table({"note": samples})

    result = validate_table("samples", data, ["note"], [])

    counts = {outcome.expectation: outcome.unexpected_count for outcome in result.outcomes}
    for rule, regex in COMPILED_IDENTIFIER_PATTERNS.items():
        expected = sum(1 for sample in samples if regex.search(sample))
        assert counts[f"expect_column_values_to_not_match_regex({rule})"] == expected, rule


def test_a_null_pseudonym_fails() -> None:
    result = _validate(_table(person_id=[PSEUDONYMS[0], None]))

    assert result.failures() == [
        "table diagnoses, column person_id: expect_column_values_to_not_be_null failed on 1 row"
    ]


@pytest.mark.parametrize(
    "bad_pseudonym",
    [
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef",
        "0123456789abcdef0123456789abcdef\n",
        "P000123",
    ],
)
def test_a_wrongly_formatted_pseudonym_fails(bad_pseudonym: str) -> None:
    result = _validate(_table(person_id=[PSEUDONYMS[0], bad_pseudonym]))

    assert result.failures() == [
        "table diagnoses, column person_id: "
        "expect_column_values_to_match_regex(PSEUDONYM) failed on 1 row"
    ]
    assert bad_pseudonym not in repr(result)


def test_an_unexpected_extra_column_fails_the_schema_check() -> None:
    data = _table().append_column("first_name", pa.array(["Jean", "Marie"]))

    result = _validate(data)

    assert not result.success
    [schema] = _failed(result)
    assert schema.expectation == "expect_table_columns_to_match_ordered_list"
    assert schema.column is None
    assert "first_name" in schema.failure_message()
    assert "Jean" not in repr(result)


def test_columns_in_another_order_fail_the_schema_check() -> None:
    result = _validate(_table(), columns=list(reversed(COLUMNS)))

    assert [outcome.expectation for outcome in _failed(result)] == [
        "expect_table_columns_to_match_ordered_list"
    ]


def test_a_missing_pseudonym_column_fails_and_is_named() -> None:
    data = _table().drop_columns(["person_id"])

    result = _validate(data)

    assert "table diagnoses, column person_id: expect_column_to_exist failed: " in " ".join(
        result.failures()
    )


def test_an_empty_table_passes_the_schema_checks() -> None:
    result = _validate(_table().slice(0, 0))

    assert result.success
    assert result.rows == 0


def test_a_gx_error_fails_closed_naming_table_and_expectation() -> None:
    # Duplicate column names make GX's column lookups raise.
    data = pa.Table.from_arrays(
        [pa.array(PSEUDONYMS), pa.array([NIR, "x"])], names=["person_id", "person_id"]
    )

    with pytest.raises(GateFailed) as raised:
        validate_table(TABLE, data, ["person_id", "person_id"], PSEUDONYM_COLUMNS)

    message = str(raised.value)
    assert "table diagnoses, column person_id: expect_column_values_to_" in message
    assert "could not be evaluated" in message
    assert NIR not in message
    # No chained GX exception whose text might quote a value.
    error = raised.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def test_the_gate_makes_no_network_connection() -> None:
    # A fresh interpreter so GX's context is created under the audit hook.
    script = textwrap.dedent(
        """
        import sys

        def refuse_network(event, args):
            if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
                raise RuntimeError(f"network access: {event}")

        sys.addaudithook(refuse_network)
        import pyarrow as pa
        from transforms.release_gate import validate_table

        data = pa.table({"person_id": ["0123456789abcdef0123456789abcdef"]})
        assert validate_table("t", data, ["person_id"], ["person_id"]).success
        print("ok")
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == "ok"


@pytest.mark.parametrize(("k", "passes"), [(4, True), (5, True), (6, False)])
def test_k_anonymity_is_checked_by_great_expectations_at_the_boundary(k: int, passes: bool) -> None:
    from transforms.release_gate import validate_k_anonymity

    people = pa.table(
        {
            "birth_date": ["1950-1959"] * 5 + ["1960-1969"] * 6,
            "sex": ["F"] * 5 + ["M"] * 6,
        }
    )
    outcome = validate_k_anonymity("patients", people, ["birth_date", "sex"], k)
    assert outcome.success is passes
    assert outcome.expectation == f"expect_k_anonymity_at_least_{k}"
    assert outcome.detail == "k achieved 5"
    assert (outcome.unexpected_count == 0) is passes


def test_k_anonymity_on_an_empty_table_fails_closed() -> None:
    from transforms.release_gate import validate_k_anonymity

    empty = pa.table({"sex": pa.array([], pa.string())})
    assert validate_k_anonymity("patients", empty, ["sex"], 5).success is False
