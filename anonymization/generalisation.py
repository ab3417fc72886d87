"""Generalisation of quasi-identifiers (birth date → year, postcode → département, …)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# Corsica: postcodes 200xx–201xx are Corse-du-Sud (2A), 202xx–206xx Haute-Corse (2B).
CORSICA_PREFIX = "20"
CORSE_DU_SUD_MAX_POSTCODE = 20199
# Overseas départements (971 Guadeloupe … 976 Mayotte) and collectivities use 3 digits.
OVERSEAS_PREFIXES = ("97", "98")


def birth_year(dates: pa.Array) -> pa.Array:
    """The year of birth dates, or the years themselves (OMOP's year_of_birth)."""
    if pa.types.is_integer(dates.type):
        return pc.cast(dates, pa.int16())
    return pc.cast(pc.year(dates), pa.int16())


def month_start(dates: pa.Array) -> pa.Array:
    """Event dates coarsened to the first day of their month."""
    truncated = pc.floor_temporal(dates.cast(pa.timestamp("s")), unit="month")
    return pc.cast(truncated, pa.date32())


def departement(postcodes: pa.Array) -> pa.Array:
    """The département code of each French postcode ('75', '2A', '971'); null stays null."""
    text = postcodes.cast(pa.string())
    two = pc.utf8_slice_codeunits(text, 0, 2)
    three = pc.utf8_slice_codeunits(text, 0, 3)
    is_overseas = pc.is_in(two, value_set=pa.array(OVERSEAS_PREFIXES))
    is_corsica = pc.equal(two, CORSICA_PREFIX)
    as_number = pc.cast(pc.if_else(is_corsica, text, "0"), pa.int32(), safe=False)
    corsica_code = pc.if_else(pc.less_equal(as_number, CORSE_DU_SUD_MAX_POSTCODE), "2A", "2B")
    return pc.if_else(is_corsica, corsica_code, pc.if_else(is_overseas, three, two))
