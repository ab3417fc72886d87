from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sovex.model.catalog import Role, load_catalog
from sovex.model.errors import InvalidInput
from sovex.model.settings import PROJECT_ROOT
from sovex.synth.population import generate_population

SYNTHETIC_CATALOG = PROJECT_ROOT / "infra" / "catalogs" / "synthetic.yaml"


def test_every_column_of_the_synthetic_source_has_a_role(tmp_path: Path) -> None:
    catalog = load_catalog(SYNTHETIC_CATALOG)
    generate_population(tmp_path, patients=50)
    for parquet in tmp_path.glob("*.parquet"):
        table = parquet.stem
        if table == catalog.consent_table:
            continue
        assert table in catalog.tables, f"table {table} is not in the catalog"
        columns = pq.read_schema(parquet).names
        assert sorted(columns) == sorted(catalog.tables[table].columns), table


def test_identifiers_in_the_synthetic_catalog_are_never_extractable() -> None:
    catalog = load_catalog(SYNTHETIC_CATALOG)
    patients = catalog.tables["patients"]
    for column in ("last_name", "first_name", "nir", "address", "phone", "email", "city"):
        assert patients.columns[column].role is Role.DIRECT_IDENTIFIER
        assert column not in patients.extractable_columns()


def test_a_catalog_with_an_unknown_role_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "tables:\n  t:\n    columns:\n      id: person_id\n      a: secretish\n      b: {}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        load_catalog(path)
    assert len(raised.value.problems) == 2
    assert all(str(path) in problem for problem in raised.value.problems)


def test_the_synthetic_catalog_declares_what_the_adversary_knows() -> None:
    catalog = load_catalog(SYNTHETIC_CATALOG)
    assert catalog.events_known == 2
    assert catalog.tables["encounters"].adversary_knows == (
        "admission_date",
        "discharge_date",
        "unit",
    )
    assert catalog.tables["patients"].adversary_knows == ()


def test_adversary_knowledge_must_name_event_columns_and_a_small_bound(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "adversary: {events_known: 7}\n"
        "tables:\n  t:\n    adversary_knows: [id, missing]\n    columns:\n"
        "      id: person_id\n      day: event_date\n"
    )
    with pytest.raises(InvalidInput) as raised:
        load_catalog(path)
    problems = raised.value.problems
    assert any("'id' must be a column with role" in p for p in problems)
    assert any("'missing' must be a column with role" in p for p in problems)
    assert any("adversary.events_known" in p for p in problems)


def test_the_synthetic_catalog_groups_units_into_services() -> None:
    unit = load_catalog(SYNTHETIC_CATALOG).tables["encounters"].columns["unit"]
    assert unit.groups is not None
    assert unit.groups["cardiologie"] == unit.groups["pneumologie"] == "médecine"
    assert unit.groups["urgences"] == "urgences"


CATALOG_WITH_GROUPS = (
    "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
    "tables:\n  t:\n    columns:\n      id: person_id\n"
    "      unit: {{role: {role}, groups: {file}}}\n"
)


@pytest.mark.parametrize(
    ("role", "groups_text", "problem"),
    [
        ("attribute", None, "cannot read"),
        ("attribute", "- cardio\n- onco\n", "must map each group"),
        ("attribute", "medicine: cardio\n", "must list text values"),
        ("attribute", "medicine: [cardio]\nsurgery: [cardio]\n", "listed under both"),
        ("sensitive", "medicine: [cardio]\n", "only attributes have 'groups'"),
    ],
)
def test_a_groups_file_is_checked(
    tmp_path: Path, role: str, groups_text: str | None, problem: str
) -> None:
    if groups_text is not None:
        (tmp_path / "units.yaml").write_text(groups_text)
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG_WITH_GROUPS.format(role=role, file="units.yaml"))
    with pytest.raises(InvalidInput) as raised:
        load_catalog(path)
    assert any(problem in line for line in raised.value.problems), raised.value.problems


def test_the_synthetic_catalog_offers_time_since_the_index_and_length_of_stay_bands() -> None:
    catalog = load_catalog(SYNTHETIC_CATALOG)
    encounters = catalog.tables["encounters"]
    assert encounters.date_families == ("calendar", "since_index")
    assert encounters.stay is not None
    assert (encounters.stay.start, encounters.stay.end) == ("admission_date", "discharge_date")
    assert encounters.stay.bands == ((1, 3, 7, 14, 30), (3, 14))
    assert catalog.tables["patients"].date_families == ("calendar",)  # the default


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("    date_families: [calendar, lunar]\n", "'date_families'"),
        ("    date_families: []\n", "'date_families'"),
        ("    stay: {start: day, end: id, bands: [1, 3]}\n", "'stay'"),
        ("    stay: {start: day, end: out, bands: [3, 1]}\n", "'stay'"),
        ("    stay: {start: day, end: out, bands: [[1, 3], [2]]}\n", "'stay'"),
        ("    stay: {start: day, end: out, bands: [[1, 3], [1, 3]]}\n", "'stay'"),
        ("    stay: {start: day, end: out}\n", "'stay'"),
    ],
)
def test_date_families_and_stay_bands_are_checked(tmp_path: Path, table: str, problem: str) -> None:
    """An unknown family, an empty list, an end that is not a date, cut points out of
    order, coarser bands that are not among the finer ones' cuts: refused, named."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "tables:\n  t:\n" + table + "    columns:\n"
        "      id: person_id\n      day: event_date\n      out: event_date\n"
    )
    with pytest.raises(InvalidInput) as raised:
        load_catalog(path)
    assert [p for p in raised.value.problems if problem in p]


def test_nested_stay_bands_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "tables:\n  t:\n    date_families: [since_index]\n"
        "    stay: {start: day, end: out, bands: [[1, 3, 7], [3]]}\n    columns:\n"
        "      id: person_id\n      day: event_date\n      out: event_date\n"
    )
    table = load_catalog(path).tables["t"]
    assert table.date_families == ("since_index",)
    assert table.stay is not None and table.stay.bands == ((1, 3, 7), (3,))


def test_the_synthetic_catalog_describes_every_extractable_column() -> None:
    catalog = load_catalog(SYNTHETIC_CATALOG)
    for table in catalog.tables.values():
        for name in table.extractable_columns():
            assert table.columns[name].description, f"{table.name}.{name}"


def test_a_description_or_unit_must_be_text(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "tables:\n  t:\n    columns:\n      id: person_id\n"
        "      w: {role: attribute, unit: [kg]}\n      v: {role: attribute, description: ' '}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        load_catalog(path)
    message = str(raised.value)
    assert "column 'w': 'unit' must be non-empty text" in message
    assert "column 'v': 'description' must be non-empty text" in message
