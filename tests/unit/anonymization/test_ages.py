from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from anonymization.ages import age_labels

BIRTH_YEARS = pa.array([1950, 1950, None], pa.int32())
EVENTS = pa.array([date(2020, 6, 30), date(2020, 7, 1), date(2020, 7, 1)], pa.date32())


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("year", ["69", "70", None]),
        ("5y_band", ["65-69", "66-70", None]),
        ("10y_band", ["60-69", "61-70", None]),
        ("*", [None, None, None]),
    ],
)
def test_an_age_at_an_event_is_as_coarse_as_the_published_birth(
    level: str, expected: list[str | None]
) -> None:
    assert age_labels(level, BIRTH_YEARS, EVENTS).to_pylist() == expected


def test_a_birth_date_gives_the_same_age_as_its_year() -> None:
    births = pa.array([date(1950, 12, 31), date(1950, 1, 1)], pa.date32())
    on = pa.array([date(2020, 7, 1), date(2020, 7, 1)], pa.date32())
    # The birth month is not used: it may not be published.
    assert age_labels("year", births, on).to_pylist() == ["70", "70"]


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        age_labels("month", BIRTH_YEARS, EVENTS)
