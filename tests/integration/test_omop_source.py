"""An OMOP CDM source through the real DAG (`dag.test()`), a real SeaweedFS and real GX:
the heart-failure request (≥ 65 at index) published, then read as a researcher would."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from anonymization.pseudonyms import DATE_SHIFT_WINDOW_DAYS
from sovex.airflow_runner import RunResult, run_request
from sovex.consent_sync import sync_consents
from sovex.model.settings import PROJECT_ROOT, Settings
from sovex.storage_access import reading_client
from sovex.synth.models import demo_patients
from sovex.synth.omop import generate_omop
from tests.helpers import approve_request, settings_with_catalog, without_event_knowledge
from transforms.download import download_extract
from transforms.vocabulary import load_bundled

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "omop-heart-failure.yaml"
VOCABULARY = PROJECT_ROOT / "infra" / "catalogs" / "vocabulary" / "omop-demo.yaml"
RUN_TIME = datetime(2026, 11, 3, 9, 0, 0, tzinfo=UTC)
HEART_FAILURE = 316139
EVENT_TABLES = {"visit_occurrence", "condition_occurrence"}


@pytest.fixture(scope="module")
def omop_settings(
    pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The session's deployment with an OMOP warehouse as its source (and its own consent
    registry, which the registry keeps per source).

    The steward of this test declares that nobody knows event rows (as the other tests of
    features other than the event gate do): on a test-sized cohort (a few hundred
    patients), an adversary knowing two events leaves the gate no choice but to remove
    every date, and the researcher below needs dates. The event gate's coverage of the
    OMOP tables with the real catalog is tested in tests/unit/sovex/test_synth_omop.py and
    shown by `sovex demo --model omop`."""
    settings = settings_with_catalog(
        replace(pipeline_settings, source_dir=pipeline_settings.state_dir / "omop-source"),
        tmp_path_factory.mktemp("omop-deployment"),
        without_event_knowledge,
        source="omop",
    )
    generate_omop(settings.source_dir, patients=demo_patients("omop"))
    sync_consents(settings, datetime(2026, 11, 1, tzinfo=UTC))
    approve_request(settings, EXAMPLE)
    return settings


@pytest.fixture(scope="module")
def published(omop_settings: Settings) -> RunResult:
    return run_request(omop_settings, EXAMPLE, RUN_TIME)


@pytest.fixture(scope="module")
def extract_dir(omop_settings: Settings, published: RunResult) -> Path:
    s3, target = reading_client(omop_settings, "local-seaweedfs")
    project = yaml.safe_load(EXAMPLE.read_text())["project"]
    return download_extract(
        s3, target.bucket, project, published.extract_id, omop_settings.downloads_dir
    ).directory


def researcher_db(extract_dir: Path) -> duckdb.DuckDBPyConnection:
    """The extract as a researcher opens it: one DuckDB view per published table."""
    con = duckdb.connect()
    for table in ("person", *sorted(EVENT_TABLES)):
        pattern = str(extract_dir / table / "*.parquet")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}')")
    return con


def test_the_omop_request_is_published_through_the_release_gate(
    published: RunResult, extract_dir: Path
) -> None:
    assert set(published.result["tables"]) >= {"person", *EVENT_TABLES}
    gate = json.loads((extract_dir / "_manifest.json").read_text())["release_gate"]
    assert gate["success"]
    assert gate["k_achieved"] >= 5
    # The birth leaves generalised, and the gate reports l-diversity of the diagnoses.
    assert gate["generalisation"]["year_of_birth"] != "year"
    assert any("condition_concept_id" in str(entry) for entry in gate["l_diversity"])


def test_no_identifying_omop_column_is_published(extract_dir: Path) -> None:
    con = researcher_db(extract_dir)
    columns = {
        (row[0], row[1])
        for table in ("person", *EVENT_TABLES)
        for row in con.execute(f"SELECT '{table}', column_name FROM (DESCRIBE {table})").fetchall()
    }
    for table, column in columns:
        assert not column.endswith(("_datetime", "_source_value")) or column == (
            "condition_source_value"
        ), (table, column)
        assert column not in {"month_of_birth", "day_of_birth", "provider_id"}
    visit_ids = con.execute("SELECT visit_occurrence_id FROM visit_occurrence").fetchall()
    # Pseudonyms, not the source's integer ids.
    assert visit_ids and all(len(v[0]) == 32 for v in visit_ids)


def test_a_researcher_finds_each_members_qualifying_condition_in_its_stay_within_the_period(
    extract_dir: Path, published: RunResult
) -> None:
    """Written as a researcher would, from the extract and docs/omop.md only."""
    request = yaml.safe_load(EXAMPLE.read_text())
    heart_failure = sorted(load_bundled(VOCABULARY).expand([HEART_FAILURE]))
    con = researcher_db(extract_dir)
    shift = timedelta(days=DATE_SHIFT_WINDOW_DAYS)
    # Dates are published shifted (±182 days); at a coarser date level, truncated to the
    # first day of their week, month, quarter or year (docs/release-risk.md).
    start, end = request["period"]["start"] - shift, request["period"]["end"] + shift
    events = published.result["release_gate"].get("events") or {}
    level = events.get("date_granularity", "day")
    assert level != "*", "the event gate suppressed every date: nothing to check"
    start = {"day": start, "week": start - timedelta(days=6)}.get(
        level, date(start.year, 1, 1) if level == "year" else date(start.year, start.month, 1)
    )
    if level == "quarter":
        start = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)

    # Age at admission, from the published birth and admission date (the birth may be
    # published as a year or a band of years: take its first year).
    ages = con.execute(
        """
        SELECT v.person_id, v.age_at_event,
               year(v.visit_start_date) - CAST(split_part(p.year_of_birth, '-', 1) AS INTEGER)
        FROM visit_occurrence v JOIN person p USING (person_id)
        WHERE v.visit_start_date IS NOT NULL
        """
    ).fetchall()
    assert ages
    for _, age_label, years in ages:
        low = int(age_label.split("-")[0])
        high = int(age_label.split("-")[-1])
        # The birth counts from 1 July; a band of births gives a band of ages.
        assert low - 1 <= years <= high + 1

    # Every cohort member has a qualifying condition inside the (shifted) period, and it
    # joins to a stay of the same patient by the visit pseudonym.
    members = [row[0] for row in con.execute("SELECT person_id FROM person").fetchall()]
    qualifying = con.execute(
        f"""
        SELECT c.person_id, c.condition_start_date, c.days_since_index, c.age_at_event,
               v.person_id AS stay_owner, v.visit_start_date, v.visit_end_date
        FROM condition_occurrence c
        LEFT JOIN visit_occurrence v USING (visit_occurrence_id)
        WHERE c.condition_concept_id IN ({",".join(map(str, heart_failure))})
        """
    ).fetchall()
    by_member: dict[str, list[tuple]] = {}
    for row in qualifying:
        by_member.setdefault(row[0], []).append(row)
    missing = [m for m in members if m not in by_member]
    assert not missing, f"{len(missing)} of {len(members)} members have no qualifying condition"
    linked = 0
    for member, rows in by_member.items():
        assert member in members
        assert any(start <= row[1] <= end for row in rows), member
        # The index event is the first qualifying one: nothing qualifying comes before.
        assert min(row[2] for row in rows) == 0
        for row in rows:
            if row[4] is None:
                continue  # its stay started before the period: not published
            linked += 1
            assert row[4] == member, "a diagnosis linked to another patient's stay"
            assert row[5] <= row[1]
    assert linked >= 0.8 * len(qualifying)

    # At least 65 at index (up to one year less on shifted dates, as documented).
    ages_at_index = [
        int(str(row[3]).split("-")[-1])
        for rows in by_member.values()
        for row in rows
        if row[2] == 0
    ]
    assert ages_at_index and min(ages_at_index) >= 64
