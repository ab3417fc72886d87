"""Age at an event, published at the level the release gate chose for the birth.

The age is computed from what the extract itself publishes, so it reveals nothing more:
the birth as released (its year, or its band of years) and the event's shifted date.
The birth is taken as 1 July of its year (no birth month is used), so an age at the
`year` level is the whole years from 1 July of the birth year to the shifted date; at a
band level (`5y_band`…) it is the band of ages the published birth band allows ("61-70"
for a birth in 1950-1959 and an event in 2020, on or after 1 July); suppressed ("*") it
is null.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.generalisation import birth_year
from anonymization.hierarchies import (
    BAND_SEPARATOR,
    FIVE_YEARS,
    SUPPRESSED_LEVEL,
    TEN_YEARS,
    TWENTY_YEARS,
)

# The birth column's level → width of its band of years (the year itself: 1).
BAND_YEARS = {"year": 1, "5y_band": FIVE_YEARS, "10y_band": TEN_YEARS, "20y_band": TWENTY_YEARS}
# A birth known by its year is taken as this month's first day.
MID_YEAR_MONTH = 7


def age_labels(level: str, births: pa.Array, event_dates: pa.Array) -> pa.Array:
    """Each event's age label (text) at `level`; null for a null birth or date."""
    if level == SUPPRESSED_LEVEL:
        return pa.nulls(len(event_dates), type=pa.string())
    if level not in BAND_YEARS:
        raise ValueError(f"no age for a birth published at level {level!r}")
    width = BAND_YEARS[level]
    years = pc.cast(birth_year(births), pa.int32())
    first = pc.multiply(
        pc.cast(pc.floor(pc.divide(pc.cast(years, pa.float64()), width)), pa.int32()), width
    )
    last = pc.add(first, width - 1)
    dates = event_dates.cast(pa.date32())
    before_july = pc.cast(pc.less(pc.cast(pc.month(dates), pa.int32()), MID_YEAR_MONTH), pa.int32())
    event_year = pc.subtract(pc.cast(pc.year(dates), pa.int32()), before_july)
    youngest = pc.subtract(event_year, last)
    oldest = pc.subtract(event_year, first)
    if width == 1:
        return youngest.cast(pa.string())
    return pc.binary_join_element_wise(
        youngest.cast(pa.string()), oldest.cast(pa.string()), BAND_SEPARATOR
    )
