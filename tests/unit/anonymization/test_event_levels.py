"""How the event gate codes event rows (`anonymization.event_levels`): the codes it
searches on must say of two rows exactly what their published text says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from anonymization.event_levels import (
    DATE_LEVELS,
    EventLevels,
    KnownEvents,
    event_labels,
    finest_levels,
    prepare_events,
    published_values,
    table_label_codes,
    with_kept_categories,
)

STAYS = KnownEvents(
    "stays",
    pa.table(
        {
            "patient": ["p1", "p1", "p2", "p3", "p3", "p4", "gone", "p2"],
            "admitted": pa.array(
                [
                    date(2024, 1, 1),
                    date(2024, 1, 3),
                    None,
                    None,
                    date(2024, 2, 9),
                    date(2024, 1, 1),
                    date(2024, 1, 1),
                    date(2024, 1, 3),
                ],
                type=pa.date32(),
            ),
            # Values holding the separator, or reading like a missing value: the text of
            # rows 0 and 5, and of rows 2 and 3, is the same.
            "unit": ["a\x1fb", "cardio", None, "\x00", "cardio", "a", "x", "cardio"],
            "ward": ["c", "1", "2", "2", "1", "b\x1fc", "y", "1"],
        }
    ),
    ("admitted",),
    ("unit", "ward"),
    {"unit": {"cardio": "medicine", "a": "surgery"}},
)
PATIENTS = pa.array(["p1", "p2", "p3", "p4"])


def kept_rows() -> KnownEvents:
    """The published patients' rows (not the one who left)."""
    published = pc.is_in(STAYS.rows.column("patient"), value_set=PATIENTS)
    return replace(STAYS, rows=STAYS.rows.filter(published))


def test_each_kept_row_is_named_by_the_text_of_its_recorded_values() -> None:
    prepared = prepare_events([STAYS], "patient", PATIENTS)
    kept = kept_rows()
    text = event_labels("stays", published_values(kept, finest_levels([STAYS])), kept.rows.num_rows)
    assert prepared.names.take(pa.array(prepared.name)).to_pylist() == text.to_pylist()
    # Numbered by first appearance, as a dictionary encoding of the text would be.
    assert prepared.names.to_pylist() == list(dict.fromkeys(text.to_pylist()))


@pytest.mark.parametrize("date_level", DATE_LEVELS)
@pytest.mark.parametrize("unit_level", ["value", "grouped", "steward_group", "*"])
def test_two_rows_share_a_label_code_exactly_when_they_are_published_alike(
    date_level: str, unit_level: str
) -> None:
    levels = with_kept_categories(
        EventLevels(
            date_level,
            {"stays.unit": unit_level, "stays.ward": "value"},
            {},
            frozenset({"stays.unit"}),
        ),
        [STAYS],
    )
    prepared = prepare_events([STAYS], "patient", PATIENTS)
    codes = table_label_codes(STAYS, levels, prepared.columns)
    published = published_values(kept_rows(), levels)
    rows = list(zip(*[published[name].to_pylist() for name in sorted(published)], strict=True))
    for first in range(len(rows)):
        for second in range(len(rows)):
            assert (codes[first] == codes[second]) == (rows[first] == rows[second])
    # Numbered by first appearance.
    assert codes.tolist() == [list(dict.fromkeys(rows)).index(row) for row in rows]
    assert np.array_equal(codes, table_label_codes(STAYS, levels, prepared.columns))


def test_points_whose_levels_code_a_table_alike_are_known_to_share_its_labels() -> None:
    # No unit is rare: grouping rare units changes nothing, so it codes them as recorded.
    common = KnownEvents(
        "stays",
        pa.table({"patient": ["p1", "p2"] * 10, "unit": ["a"] * 10 + ["b"] * 10}),
        (),
        ("unit",),
    )
    prepared = prepare_events([common], "patient", pa.array(["p1", "p2"]))

    def alike(unit_level: str) -> tuple[str, ...]:
        levels = with_kept_categories(EventLevels("day", {"stays.unit": unit_level}), [common])
        return prepared.columns.alike_levels(common, levels)

    assert alike("value") == ("value",)
    assert alike("grouped") == ("value",)
    assert alike("*") == ("*",)
    # Where units are rare, grouping them is a level of its own.
    levels = with_kept_categories(
        EventLevels("day", {"stays.unit": "grouped", "stays.ward": "value"}), [STAYS]
    )
    columns = prepare_events([STAYS], "patient", PATIENTS).columns
    assert columns.alike_levels(STAYS, levels) == ("day", "grouped", "value")
