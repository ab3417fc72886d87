from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from anonymization.generalisation import birth_year, departement, month_start


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("75012", "75"),
        ("01000", "01"),
        ("20000", "2A"),
        ("20199", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97110", "971"),
        ("97600", "976"),
        ("98000", "980"),
    ],
)
def test_postcode_becomes_its_departement(postcode: str, expected: str) -> None:
    assert departement(pa.array([postcode])).to_pylist() == [expected]


def test_missing_postcode_stays_missing() -> None:
    assert departement(pa.array([None], type=pa.string())).to_pylist() == [None]


def test_birth_date_becomes_its_year() -> None:
    dates = pa.array([date(1954, 3, 12), None], type=pa.date32())
    assert birth_year(dates).to_pylist() == [1954, None]


def test_event_date_becomes_first_of_month() -> None:
    dates = pa.array([date(2024, 2, 29), date(2024, 12, 31)], type=pa.date32())
    assert month_start(dates).to_pylist() == [date(2024, 2, 1), date(2024, 12, 1)]
