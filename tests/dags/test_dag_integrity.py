"""DAG integrity: every DAG file imports cleanly, stays light at parse time, obeys house rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sovex.model.settings import PROJECT_ROOT

DAG_FILES = sorted((PROJECT_ROOT / "dags").glob("*.py"))
# Parsing a DAG file must not pull these in: they belong inside task bodies.
HEAVY_MODULES = ("pandas", "great_expectations", "presidio_analyzer", "spacy", "boto3", "duckdb")

PARSE_PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
import airflow.sdk.bases.hook as hooks

lookups = []
def refuse(*args, **kwargs):
    lookups.append(args)
    raise RuntimeError("connection look-up at parse time")
hooks.BaseHook.get_connection = classmethod(refuse)

before = set(sys.modules)
bag = DagBag(dag_folder=sys.argv[1])
dags = {
    dag_id: {
        "tags": sorted(dag.tags),
        "owners": [task.owner for task in dag.tasks],
        "retries_set": ["retries" in dag.default_args],
        "tasks": len(dag.tasks),
    }
    for dag_id, dag in bag.dags.items()
}
print(json.dumps({
    "errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "dags": dags,
    "lookups": len(lookups),
    "loaded": sorted(set(sys.modules) - before),
}))
"""


@pytest.fixture(scope="module", params=DAG_FILES, ids=[p.name for p in DAG_FILES])
def parsed(request: pytest.FixtureRequest) -> dict:
    """Parse one DAG file in a fresh interpreter, as Airflow's DAG processor would."""
    completed = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(request.param)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_research_extract_dag_file_is_found() -> None:
    assert "research_extract.py" in [p.name for p in DAG_FILES]


def test_dag_file_imports_without_errors(parsed: dict) -> None:
    assert parsed["errors"] == {}
    assert parsed["dags"], "no DAG defined"


def test_dag_file_looks_up_no_connection_at_parse_time(parsed: dict) -> None:
    assert parsed["lookups"] == 0


def test_dag_file_imports_nothing_heavy_at_parse_time(parsed: dict) -> None:
    heavy = [m for m in parsed["loaded"] if m.split(".")[0] in HEAVY_MODULES]
    assert heavy == []


def test_every_dag_has_tags_an_owner_and_explicit_retries(parsed: dict) -> None:
    for dag_id, dag in parsed["dags"].items():
        assert dag["tags"], f"{dag_id} has no tags"
        assert all(owner and owner != "airflow" for owner in dag["owners"]), dag_id
        assert all(dag["retries_set"]), f"{dag_id} does not set retries explicitly"
