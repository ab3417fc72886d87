from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from anonymization.keys import derive_project_key
from anonymization.pseudonyms import (
    DATE_SHIFT_WINDOW_DAYS,
    date_shift_days,
    pseudonym,
    pseudonymise,
    shift_dates,
)

MASTER = b"m" * 32
KEY_A = derive_project_key(MASTER, "project-a")
KEY_B = derive_project_key(MASTER, "project-b")


def test_when_same_key_then_pseudonym_is_stable() -> None:
    assert pseudonym(KEY_A, "P00000001") == pseudonym(KEY_A, "P00000001")


def test_when_other_project_then_pseudonym_differs() -> None:
    assert pseudonym(KEY_A, "P00000001") != pseudonym(KEY_B, "P00000001")


def test_pseudonym_is_32_lowercase_hex_and_hides_the_identifier() -> None:
    value = pseudonym(KEY_A, "P00000001")
    assert len(value) == 32
    assert int(value, 16) >= 0
    assert "P00000001" not in value


def test_vectorised_pseudonyms_match_one_by_one_pseudonyms() -> None:
    ids = pa.array(["P1", "P2", "P1", "P3", "P2"])
    assert pseudonymise(KEY_A, ids).to_pylist() == [pseudonym(KEY_A, i) for i in ids.to_pylist()]


def test_a_null_identifier_is_refused_rather_than_passed_through() -> None:
    with pytest.raises(ValueError, match="nulls"):
        pseudonymise(KEY_A, pa.array(["P1", None]))


def test_date_shift_is_the_same_for_all_rows_of_a_patient_and_within_the_window() -> None:
    ids = pa.array(["P1", "P1", "P2"])
    dates = pa.array([date(2024, 1, 1), date(2024, 6, 1), date(2024, 1, 1)], type=pa.date32())
    shifted = shift_dates(KEY_A, ids, dates).to_pylist()
    shift_p1 = (shifted[0] - date(2024, 1, 1)).days
    assert (shifted[1] - date(2024, 6, 1)).days == shift_p1
    assert shift_p1 == date_shift_days(KEY_A, "P1")
    for patient in (f"P{n}" for n in range(200)):
        shift = date_shift_days(KEY_A, patient)
        assert shift != 0
        assert -DATE_SHIFT_WINDOW_DAYS <= shift <= DATE_SHIFT_WINDOW_DAYS


def test_null_dates_stay_null() -> None:
    shifted = shift_dates(KEY_A, pa.array(["P1"]), pa.array([None], type=pa.date32()))
    assert shifted.to_pylist() == [None]


def test_when_the_same_visit_is_in_two_tables_then_its_link_pseudonym_is_the_same() -> None:
    from anonymization.pseudonyms import link_pseudonyms, pseudonym

    key = b"k" * 32
    visits = link_pseudonyms(key, "visit", pa.array([7, 8, 7, None], pa.int64()))
    again = link_pseudonyms(key, "visit", pa.array(["7"], pa.string()))
    assert visits[0] == visits[2] == again[0]
    assert visits[0] != visits[1]
    assert visits[3].as_py() is None
    # Never a patient's pseudonym, nor another project's.
    assert visits[0].as_py() != pseudonym(key, "7")
    assert link_pseudonyms(b"j" * 32, "visit", pa.array([7]))[0] != visits[0]
