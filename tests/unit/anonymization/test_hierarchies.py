from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from anonymization.generalisation import birth_year, departement
from anonymization.hierarchies import (
    DEPARTEMENT_REGIONS,
    HIERARCHIES,
    OVERSEAS_COLLECTIVITIES_LABEL,
    REGION_NAMES,
    SUPPRESSED_LABEL,
    hierarchy_for,
)
from sovex.model.errors import InvalidInput

METROPOLITAN_DEPARTEMENTS = 96
OVERSEAS_DEPARTEMENTS = ("971", "972", "973", "974", "976")

SAMPLE_VALUES = {
    "birth_date": pa.array([date(1954, 3, 12), None], type=pa.date32()),
    "postcode": pa.array(["75012", None], type=pa.string()),
    "sex": pa.array(["F", None], type=pa.string()),
    "category": pa.array([4, None], type=pa.int8()),
}


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        (date(1954, 3, 12), ["1954", "1950-1954", "1950-1959", "1940-1959", "*"]),
        (date(1950, 1, 1), ["1950", "1950-1954", "1950-1959", "1940-1959", "*"]),
        (date(1949, 12, 31), ["1949", "1945-1949", "1940-1949", "1940-1959", "*"]),
        (date(1955, 1, 1), ["1955", "1955-1959", "1950-1959", "1940-1959", "*"]),
        (date(1959, 12, 31), ["1959", "1955-1959", "1950-1959", "1940-1959", "*"]),
        (date(1960, 1, 1), ["1960", "1960-1964", "1960-1969", "1960-1979", "*"]),
        (date(2020, 6, 30), ["2020", "2020-2024", "2020-2029", "2020-2039", "*"]),
    ],
)
def test_birth_date_climbs_year_then_bands_then_star(birth_date: date, expected: list[str]) -> None:
    hierarchy = hierarchy_for("birth_date")
    dates = pa.array([birth_date], type=pa.date32())
    assert [level.apply(dates).to_pylist() for level in hierarchy.levels] == [
        [label] for label in expected
    ]
    assert hierarchy.level_names() == ("year", "5y_band", "10y_band", "20y_band", "*")


@pytest.mark.parametrize(
    ("postcode", "departement_code", "region"),
    [
        ("75012", "75", "11"),
        ("59000", "59", "32"),
        ("01000", "01", "84"),
        ("20000", "2A", "94"),
        ("20200", "2B", "94"),
        ("97110", "971", "01"),
        ("97600", "976", "06"),
        ("97500", "975", OVERSEAS_COLLECTIVITIES_LABEL),
        ("98800", "988", OVERSEAS_COLLECTIVITIES_LABEL),
    ],
)
def test_postcode_climbs_departement_then_region_then_star(
    postcode: str, departement_code: str, region: str
) -> None:
    hierarchy = hierarchy_for("postcode")
    postcodes = pa.array([postcode])
    assert [level.apply(postcodes).to_pylist() for level in hierarchy.levels] == [
        [departement_code],
        [region],
        [SUPPRESSED_LABEL],
    ]


def test_a_departement_outside_the_mapping_becomes_missing_not_finer() -> None:
    region = hierarchy_for("postcode").levels[1].apply(pa.array(["98000", "xx123"]))
    assert region.to_pylist() == [None, None]


def test_every_departement_has_a_known_region() -> None:
    regions = set(DEPARTEMENT_REGIONS.values())
    assert regions <= {*REGION_NAMES, OVERSEAS_COLLECTIVITIES_LABEL}
    metropolitan = [d for d in DEPARTEMENT_REGIONS if not d.startswith("97") and len(d) == 2]
    assert len(metropolitan) == METROPOLITAN_DEPARTEMENTS
    assert all(d in DEPARTEMENT_REGIONS for d in OVERSEAS_DEPARTEMENTS)
    assert set(REGION_NAMES) <= regions


def test_level_zero_is_the_catalog_release_form() -> None:
    dates = SAMPLE_VALUES["birth_date"]
    postcodes = SAMPLE_VALUES["postcode"]
    year = hierarchy_for("birth_date").levels[0].apply(dates)
    assert year.to_pylist() == [str(y) if y else None for y in birth_year(dates).to_pylist()]
    assert hierarchy_for("postcode").levels[0].apply(postcodes) == departement(postcodes)


@pytest.mark.parametrize("kind", sorted(HIERARCHIES))
def test_every_level_gives_string_labels_and_keeps_nulls_until_star(kind: str) -> None:
    hierarchy = hierarchy_for(kind)
    values = SAMPLE_VALUES[kind]
    for level in hierarchy.levels[:-1]:
        labels = level.apply(values)
        assert labels.type == pa.string(), level.name
        assert labels.to_pylist()[1] is None, level.name
    top = hierarchy.levels[-1]
    assert top.name == "*"
    assert top.apply(values).to_pylist() == [SUPPRESSED_LABEL, SUPPRESSED_LABEL]
    assert top.apply(values).type == pa.string()


@pytest.mark.parametrize("kind", sorted(HIERARCHIES))
def test_chunked_input_gives_the_same_labels(kind: str) -> None:
    values = SAMPLE_VALUES[kind]
    chunked = pa.chunked_array([values.slice(0, 1), values.slice(1)])
    for level in hierarchy_for(kind).levels:
        assert level.apply(chunked).to_pylist() == level.apply(values).to_pylist()


def test_sex_is_identity_then_star_and_category_groups_rare_values_first() -> None:
    assert hierarchy_for("sex").level_names() == ("sex", "*")
    assert hierarchy_for("category").level_names() == ("category", "grouped", "*")
    assert hierarchy_for("category").levels[0].apply(SAMPLE_VALUES["category"]).to_pylist() == [
        "4",
        None,
    ]


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="unknown quasi-identifier kind 'shoe_size'") as error:
        hierarchy_for("shoe_size")
    assert "birth_date" in str(error.value)


def test_rare_categories_are_grouped_and_the_grouping_replays_on_any_batch() -> None:
    from anonymization.hierarchies import (
        RARE_CATEGORY_LABEL,
        RARE_CATEGORY_MIN_COUNT,
        frequent_values,
        group_rare,
        grouped_label,
    )

    common, rare = ["E11"] * RARE_CATEGORY_MIN_COUNT, ["G20"] * (RARE_CATEGORY_MIN_COUNT - 1)
    view = pa.array([*common, *rare, None], type=pa.string())
    grouped = grouped_label(view).to_pylist()
    assert grouped.count("E11") == RARE_CATEGORY_MIN_COUNT
    assert grouped.count(RARE_CATEGORY_LABEL) == RARE_CATEGORY_MIN_COUNT - 1
    assert grouped[-1] is None
    # A later batch holding one rare value is grouped the same way, by the view's decision.
    batch = pa.array(["G20", "E11"], type=pa.string())
    assert group_rare(batch, frequent_values(view)).to_pylist() == [RARE_CATEGORY_LABEL, "E11"]


def test_the_catalog_knows_exactly_the_hierarchies_and_levels_implemented_here() -> None:
    from sovex.model.catalog import HIERARCHY_LEVELS

    assert {name: h.level_names() for name, h in HIERARCHIES.items()} == HIERARCHY_LEVELS
