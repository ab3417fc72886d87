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
