"""Generalisation hierarchies as data: for each kind of quasi-identifier, its ordered levels.

Level 0 is the catalog's base release form (birth date → year, postcode → département);
each further level is coarser; the last one, ``*``, replaces every value with ``"*"`` so
the column no longer distinguishes anyone. Every level is a vectorised Arrow function and
returns ``pa.string()`` labels, so the person-level view is uniform whatever the level.

A null source value stays null at every level but ``*`` (nulls form one class of their
own, which the disclosure checks count like any other).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.generalisation import birth_year, departement
from sovex.model.errors import InvalidInput

SUPPRESSED_LABEL = "*"
SUPPRESSED_LEVEL = "*"
BAND_SEPARATOR = "-"
FIVE_YEARS = 5
TEN_YEARS = 10
TWENTY_YEARS = 20

# Region codes (INSEE, the 2016 regions) and their names.
REGION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "01": "Guadeloupe",
        "02": "Martinique",
        "03": "Guyane",
        "04": "La Réunion",
        "06": "Mayotte",
        "11": "Île-de-France",
        "24": "Centre-Val de Loire",
        "27": "Bourgogne-Franche-Comté",
        "28": "Normandie",
        "32": "Hauts-de-France",
        "44": "Grand Est",
        "52": "Pays de la Loire",
        "53": "Bretagne",
        "75": "Nouvelle-Aquitaine",
        "76": "Occitanie",
        "84": "Auvergne-Rhône-Alpes",
        "93": "Provence-Alpes-Côte d'Azur",
        "94": "Corse",
    }
)
# Overseas collectivities (Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin,
# TAAF, Wallis-et-Futuna, Polynésie française, Nouvelle-Calédonie) belong to no region:
# they share one label so none of them stands out on its own.
OVERSEAS_COLLECTIVITIES_LABEL = "COM"
OVERSEAS_COLLECTIVITIES = ("975", "977", "978", "984", "986", "987", "988")

# Every département (the code `generalisation.departement` returns) → its region code.
DEPARTEMENT_REGIONS: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(("971",), "01"),
        **dict.fromkeys(("972",), "02"),
        **dict.fromkeys(("973",), "03"),
        **dict.fromkeys(("974",), "04"),
        **dict.fromkeys(("976",), "06"),
        **dict.fromkeys(("75", "77", "78", "91", "92", "93", "94", "95"), "11"),
        **dict.fromkeys(("18", "28", "36", "37", "41", "45"), "24"),
        **dict.fromkeys(("21", "25", "39", "58", "70", "71", "89", "90"), "27"),
        **dict.fromkeys(("14", "27", "50", "61", "76"), "28"),
        **dict.fromkeys(("02", "59", "60", "62", "80"), "32"),
        **dict.fromkeys(("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"), "44"),
        **dict.fromkeys(("44", "49", "53", "72", "85"), "52"),
        **dict.fromkeys(("22", "29", "35", "56"), "53"),
        **dict.fromkeys(
            ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"), "75"
        ),
        **dict.fromkeys(
            ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"), "76"
        ),
        **dict.fromkeys(
            ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"), "84"
        ),
        **dict.fromkeys(("04", "05", "06", "13", "83", "84"), "93"),
        **dict.fromkeys(("2A", "2B"), "94"),
        **dict.fromkeys(OVERSEAS_COLLECTIVITIES, OVERSEAS_COLLECTIVITIES_LABEL),
    }
)

Apply = Callable[[pa.Array], pa.Array]


@dataclass(frozen=True)
class Level:
    """One rung of a hierarchy: its name and the vectorised function producing its labels."""

    name: str
    apply: Apply


@dataclass(frozen=True)
class Hierarchy:
    """A quasi-identifier kind and its levels, finest (level 0) to fully suppressed."""

    name: str
    levels: tuple[Level, ...]

    @property
    def top(self) -> int:
        """Index of the most generalised level."""
        return len(self.levels) - 1

    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def suppressed(values: pa.Array) -> pa.Array:
    """``"*"`` for everyone, nulls included: the column no longer distinguishes anyone."""
    return pa.repeat(SUPPRESSED_LABEL, len(values)).cast(pa.string())


def as_label(values: pa.Array) -> pa.Array:
    """The values themselves, as string labels."""
    return _combined(values).cast(pa.string())


def year_label(dates: pa.Array) -> pa.Array:
    """'1954' for a birth date in 1954."""
    return birth_year(_combined(dates)).cast(pa.string())


def _year_band(dates: pa.Array, width: int) -> pa.Array:
    years = pc.cast(birth_year(_combined(dates)), pa.int32())
    start = pc.multiply(
        pc.cast(pc.floor(pc.divide(pc.cast(years, pa.float64()), width)), pa.int32()), width
    )
    end = pc.add(start, width - 1)
    return pc.binary_join_element_wise(
        start.cast(pa.string()), end.cast(pa.string()), BAND_SEPARATOR
    )


def five_year_band(dates: pa.Array) -> pa.Array:
    """'1950-1954' for a birth date in 1950 … 1954."""
    return _year_band(dates, FIVE_YEARS)


def ten_year_band(dates: pa.Array) -> pa.Array:
    """'1950-1959' for a birth date in the 1950s."""
    return _year_band(dates, TEN_YEARS)


def twenty_year_band(dates: pa.Array) -> pa.Array:
    """'1940-1959' for a birth date in 1940 … 1959 (small cohorts)."""
    return _year_band(dates, TWENTY_YEARS)


def departement_label(postcodes: pa.Array) -> pa.Array:
    """The département code ('75', '2A', '971') of each postcode."""
    return departement(_combined(postcodes)).cast(pa.string())


_REGION_KEYS = pa.array(list(DEPARTEMENT_REGIONS), type=pa.string())
_REGION_VALUES = pa.array(list(DEPARTEMENT_REGIONS.values()), type=pa.string())


def region_label(postcodes: pa.Array) -> pa.Array:
    """The region code (INSEE, 2016 regions; 'COM' for overseas collectivities).

    A département outside the mapping (Monaco's 980, a malformed code) becomes null,
    grouped with missing postcodes: always a coarser label, never a finer one.
    """
    positions = pc.index_in(departement_label(postcodes), value_set=_REGION_KEYS)
    return pc.take(_REGION_VALUES, positions)


BIRTH_DATE = Hierarchy(
    "birth_date",
    (
        Level("year", year_label),
        Level("5y_band", five_year_band),
        Level("10y_band", ten_year_band),
        Level("20y_band", twenty_year_band),
        Level(SUPPRESSED_LEVEL, suppressed),
    ),
)
POSTCODE = Hierarchy(
    "postcode",
    (
        Level("departement", departement_label),
        Level("region", region_label),
        Level(SUPPRESSED_LEVEL, suppressed),
    ),
)
SEX = Hierarchy("sex", (Level("sex", as_label), Level(SUPPRESSED_LEVEL, suppressed)))
# Categories seen fewer times than this in the person-level view are grouped together.
RARE_CATEGORY_MIN_COUNT = 10
RARE_CATEGORY_LABEL = "other"
GROUPED_LEVEL = "grouped"


def frequent_values(values: pa.Array) -> pa.Array:
    """The category labels seen at least RARE_CATEGORY_MIN_COUNT times in `values`."""
    counts = pc.value_counts(as_label(values))
    frequent = pc.greater_equal(counts.field("counts"), RARE_CATEGORY_MIN_COUNT)
    return counts.field("values").filter(frequent)


def group_rare(values: pa.Array, kept: pa.Array) -> pa.Array:
    """Labels outside `kept` become "other"; nulls stay null."""
    labels = as_label(values)
    is_kept = pc.or_kleene(pc.is_in(labels, value_set=kept), pc.is_null(labels))
    return pc.if_else(is_kept, labels, RARE_CATEGORY_LABEL)


def grouped_label(values: pa.Array) -> pa.Array:
    """Rare categories (decided on these very values) grouped under "other"."""
    return group_rare(values, frequent_values(values))


CATEGORY = Hierarchy(
    "category",
    (
        Level("category", as_label),
        Level(GROUPED_LEVEL, grouped_label),
        Level(SUPPRESSED_LEVEL, suppressed),
    ),
)

HIERARCHIES: Mapping[str, Hierarchy] = MappingProxyType(
    {hierarchy.name: hierarchy for hierarchy in (BIRTH_DATE, POSTCODE, SEX, CATEGORY)}
)


def hierarchy_for(kind: str) -> Hierarchy:
    """The hierarchy of one quasi-identifier kind; an unknown kind names the known ones."""
    try:
        return HIERARCHIES[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown quasi-identifier kind {kind!r} (one of {', '.join(HIERARCHIES)})"
        ) from None
