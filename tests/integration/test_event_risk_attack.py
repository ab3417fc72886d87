"""The release gate against its declared adversary (issue 16): someone who knows the
target is in the extract, their birth year and sex, and L of their real stays (unit,
exact dates), but not the date shift. Played on the demo request's published extract for
a catalog declaring L = 1, 2 and 3 (`benchmarks.linkage_attack`, which reads only the
published files, the source and the manifest)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from anonymization.keys import derive_project_key, load_master_key
from anonymization.pseudonyms import pseudonym
from benchmarks.linkage_attack import Stay, Target, attack, published_patients
from sovex.airflow_runner import run_request
from sovex.model.errors import GateFailed
from sovex.model.settings import PROJECT_ROOT, Settings
from sovex.storage_access import reading_client
from tests.helpers import approve_request, settings_with_catalog
from tests.integration.test_research_extract import RUN_TIME, request_variant
from transforms.download import download_extract

pytestmark = pytest.mark.integration

PROJECT = "parcours-diabete"
STAYS_ONLY = {
    "patients": ["patient_id", "birth_date", "sex", "postcode"],
    "encounters": ["patient_id", "admission_date", "discharge_date", "unit"],
}

# Stays without their unit: removing the dates then publishes nothing the adversary
# knows, and the derived levels are what can do better.
STAYS_DATES_ONLY = {
    "patients": ["patient_id", "birth_date", "sex", "postcode"],
    "encounters": ["patient_id", "admission_date", "discharge_date"],
}


def settings_declaring(settings: Settings, tmp_path: Path, events_known: int) -> Settings:
    """The same deployment with a catalog whose adversary knows `events_known` events."""

    def declare(catalog: dict) -> None:
        catalog["adversary"] = {"events_known": events_known}

    return settings_with_catalog(settings, tmp_path, declare)


def published_extract(settings: Settings, project: str, extract_id: str) -> Path:
    s3, target = reading_client(settings, "local-seaweedfs")
    return download_extract(
        s3, target.bucket, project, extract_id, settings.downloads_dir
    ).directory


def rows(directory: Path, table: str) -> list[dict]:
    return [
        row
        for part in sorted((directory / table).glob("part-*.parquet"))
        for row in pq.read_table(part).to_pylist()
    ]


def real_targets(
    settings: Settings, project: str, published: set[str], period: dict
) -> list[Target]:
    """Every published patient as the attacker knows them, from the source."""
    key = derive_project_key(load_master_key(settings.master_key_file, None), project)
    people = pq.read_table(settings.source_dir / "patients.parquet").to_pylist()
    by_pseudonym = {pseudonym(key, p["patient_id"]): p for p in people}
    encounters = pq.read_table(settings.source_dir / "encounters.parquet")
    in_period = pc.and_(
        pc.greater_equal(encounters["admission_date"], period["start"]),
        pc.less_equal(encounters["admission_date"], period["end"]),
    )
    stays: dict[str, list[Stay]] = {}
    for row in encounters.filter(in_period).to_pylist():
        stays.setdefault(row["patient_id"], []).append(
            Stay(row["unit"], row["admission_date"], row["discharge_date"])
        )
    targets = []
    for name in sorted(published):
        person = by_pseudonym[name]
        targets.append(
            Target(
                name,
                person["birth_date"].year,
                str(person["sex"]),
                tuple(stays.get(person["patient_id"], ())),
            )
        )
    return targets


@pytest.mark.parametrize("events_known", [1, 2, 3])
def test_after_the_gate_the_declared_adversary_cannot_single_anyone_out(
    pipeline_settings: Settings, tmp_path: Path, events_known: int
) -> None:
    settings = settings_declaring(pipeline_settings, tmp_path, events_known)
    # A project per L: one project's extracts of one cohort are assessed together, and
    # each L is its own release here.
    project = f"event-attack-l{events_known}"
    request = request_variant(tmp_path, id=project, project=project)
    approve_request(settings, request)
    result = run_request(settings, request, RUN_TIME)
    directory = published_extract(settings, project, result.extract_id)
    manifest = json.loads((directory / "_manifest.json").read_text())
    gate = manifest["release_gate"]
    events = gate["events"]
    assert events["events_known"] == events_known

    published = published_patients(rows(directory, "patients"), rows(directory, "encounters"))
    raw = yaml.safe_load(request.read_text())
    targets = real_targets(settings, project, set(published), raw["period"])
    k = raw["k_threshold"]
    outcome = attack(
        targets,
        published,
        events_known,
        k,
        events["date_granularity"],
        events["kept_categories"].get("encounters.unit"),
    )

    assert outcome.targets == len(published) > 0
    # The gate's bound, played by an adversary who does not know the shift.
    assert outcome.share_singled_out() <= 1 / k
    assert outcome.share_below_k() <= 1 / k
    assert outcome.below_k == 0
    # What the manifest reports is never below what the attack measures.
    assert gate["max_prosecutor_risk"] >= outcome.max_risk
    assert events["published"]["max_prosecutor_risk"] >= outcome.max_risk
    assert events["published"]["patients_below_k"] == 0
    # The full-knowledge figure is there for the steward, with the bounded guarantee.
    assert 0 <= events["full_knowledge_unique_share"] <= 1


def settings_forcing_derived_levels(
    settings: Settings, tmp_path: Path, events_known: int
) -> Settings:
    """A catalog whose stays may only be published as the time since the index (no
    calendar dates) or with their end as a length-of-stay band (short or long stays at
    the coarsest level)."""

    def declare(catalog: dict) -> None:
        catalog["adversary"] = {"events_known": events_known}
        encounters = catalog["tables"]["encounters"]
        encounters["date_families"] = ["since_index"]
        encounters["stay"] = {
            "start": "admission_date",
            "end": "discharge_date",
            "bands": [[3, 7, 14], [7]],
        }

    return settings_with_catalog(settings, tmp_path, declare)


def band_labels(cuts: list[int]) -> set[str]:
    edges = [0, *cuts]
    labels = {
        f"{low}" if high - low == 1 else f"{low}-{high - 1}"
        for low, high in itertools.pairwise(edges)
    }
    return labels | {f"{edges[-1]}+", "<0"}


@pytest.mark.parametrize("events_known", [1])
def test_with_derived_levels_forced_the_declared_adversary_still_cannot_single_anyone_out(
    pipeline_settings: Settings, tmp_path: Path, events_known: int
) -> None:
    """The catalog offers only the time since the index and length-of-stay bands for the
    stays, and the request publishes their dates only (the first round can only remove
    them): the gate chooses a derived level, the published stays carry exactly the chosen
    levels (offsets as whole numbers from 0, ends as bands of the catalog), and the
    attack (index date unknown, lengths checked against the bands) singles out at most
    1/k, never more than the manifest's risk says. At L = 2 no derived level keeps the
    demo's 129 patients among 5 (everything is removed), so the case is played at L = 1.
    """
    settings = settings_forcing_derived_levels(pipeline_settings, tmp_path, events_known)
    project = f"event-attack-derived-l{events_known}"
    request = request_variant(
        tmp_path,
        id=project,
        project=project,
        tables=STAYS_DATES_ONLY,
        aggregates=[],
        max_event_suppression=0.2,
    )
    approve_request(settings, request)
    result = run_request(settings, request, RUN_TIME)
    directory = published_extract(settings, project, result.extract_id)
    manifest = json.loads((directory / "_manifest.json").read_text())
    gate = manifest["release_gate"]
    events = gate["events"]
    level = events["date_granularity"]
    end = events["stay_levels"]["encounters"]
    # Forced: no calendar level is offered; a derived level is what was chosen.
    assert level in {"days_since_index", "weeks_since_index", "months_since_index", "*"}
    assert level != "*" or end != "dates"

    # The published stays carry the chosen levels.
    parts = sorted((directory / "encounters").glob("part-*.parquet"))
    table = pa.concat_tables([pq.read_table(part) for part in parts])
    admissions = table.column("admission_date")
    if level == "*":
        assert admissions.null_count == len(admissions)
    else:
        assert pa.types.is_int32(admissions.type)
        values = [v for v in admissions.to_pylist() if v is not None]
        assert min(values) == 0 and all(v >= 0 for v in values)
    discharges = table.column("discharge_date")
    if end == "dates":
        assert pa.types.is_int32(discharges.type) or discharges.null_count == len(discharges)
    else:
        assert pa.types.is_string(discharges.type)
        cuts = events["stay_bands"]["encounters"]["bands"][int(end.rsplit("_", 1)[1]) - 1]
        assert set(discharges.to_pylist()) - {None} <= band_labels(cuts)
        assert len(set(discharges.to_pylist()) - {None}) > 1

    published = published_patients(rows(directory, "patients"), rows(directory, "encounters"))
    raw = yaml.safe_load(request.read_text())
    targets = real_targets(settings, project, set(published), raw["period"])
    k = raw["k_threshold"]
    outcome = attack(
        targets,
        published,
        events_known,
        k,
        level,
        None,
    )
    assert outcome.targets == len(published) > 0
    assert outcome.share_singled_out() <= 1 / k
    assert outcome.share_below_k() <= 1 / k
    assert gate["max_prosecutor_risk"] >= outcome.max_risk
    assert events["published"]["max_prosecutor_risk"] >= outcome.max_risk
    assert events["published"]["patients_below_k"] == 0


def test_without_the_event_gate_the_same_adversary_singles_out_most_patients(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    """The attack is not toothless: on the source's own stays, shifted exactly as the
    extract shifts them but not generalised, two known stays single out most patients."""
    from anonymization.pseudonyms import date_shift_days

    key = derive_project_key(load_master_key(pipeline_settings.master_key_file, None), PROJECT)
    raw = yaml.safe_load((PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml").read_text())
    people = pq.read_table(pipeline_settings.source_dir / "patients.parquet").to_pylist()[:300]
    encounters = pq.read_table(pipeline_settings.source_dir / "encounters.parquet").to_pylist()
    ids = {p["patient_id"] for p in people}
    stays: dict[str, list[dict]] = {}
    for row in encounters:
        if row["patient_id"] in ids and raw["period"]["start"] <= row["admission_date"]:
            stays.setdefault(row["patient_id"], []).append(row)
    naive_persons, naive_stays = [], []
    from datetime import timedelta

    for person in people:
        name = pseudonym(key, person["patient_id"])
        shift = timedelta(days=date_shift_days(key, person["patient_id"]))
        naive_persons.append(
            {"patient_id": name, "birth_date": str(person["birth_date"].year), "sex": person["sex"]}
        )
        for stay in stays.get(person["patient_id"], []):
            naive_stays.append(
                {
                    "patient_id": name,
                    "unit": stay["unit"],
                    "admission_date": stay["admission_date"] + shift,
                    "discharge_date": stay["discharge_date"] + shift,
                }
            )
    published = published_patients(naive_persons, naive_stays)
    targets = [
        Target(
            pseudonym(key, p["patient_id"]),
            p["birth_date"].year,
            str(p["sex"]),
            tuple(
                Stay(s["unit"], s["admission_date"], s["discharge_date"])
                for s in stays.get(p["patient_id"], [])
            ),
        )
        for p in people
        if len(stays.get(p["patient_id"], [])) >= 2
    ]
    outcome = attack(targets, published, 2, 5, "day")
    assert outcome.not_found == 0
    assert outcome.share_singled_out() > 0.5


def test_a_bound_no_transformation_can_meet_stops_the_run(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    """k above what even removing every date and unit allows: exit 4, nothing published."""
    request = request_variant(
        tmp_path,
        pipeline_settings,
        id="event-attack-impossible",
        k_threshold=60,
        max_suppression=0.2,
        max_event_suppression=0.0,
    )
    with pytest.raises(GateFailed) as refused:
        run_request(pipeline_settings, request, RUN_TIME)
    assert refused.value.exit_code == 4
    assert any("risk" in failure or "k-anonymity" in failure for failure in refused.value.failures)


def test_a_later_extract_of_the_same_cohort_is_assessed_with_the_earlier_ones(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    """One project, one cohort: an early period released at k = 3 (and rerun, which adds
    nothing), then a late period at k = 5. The late extract alone meets k = 5, but it
    shares pseudonyms with the early ones, which already show some of its patients among
    3 or 4: it is refused, and nothing of it is published."""
    settings = settings_declaring(pipeline_settings, tmp_path, 2)
    periods = {
        "early": ({"start": "2018-01-01", "end": "2021-12-31"}, 3),
        "late": ({"start": "2022-01-01", "end": "2026-10-31"}, 5),
    }

    def request(project: str, name: str) -> Path:
        period, k = periods[name]
        path = request_variant(
            tmp_path,
            id=f"{project}-{name}",
            project=project,
            period=period,
            tables=STAYS_ONLY,
            aggregates=[],
            k_threshold=k,
            max_event_suppression=0.2,
        )
        approve_request(settings, path)
        return path

    def across_extracts(project: str, extract_id: str) -> dict:
        directory = published_extract(settings, project, extract_id)
        manifest = json.loads((directory / "_manifest.json").read_text())
        return manifest["release_gate"]["events"]["published"]["across_extracts"]

    project = "event-attack-periods"
    early = request(project, "early")
    first = run_request(settings, early, RUN_TIME)
    rerun = run_request(settings, early, RUN_TIME.replace(hour=10))
    assert first.extract_id != rerun.extract_id
    assert across_extracts(project, rerun.extract_id)["earlier_extracts"] == 1
    assert across_extracts(project, rerun.extract_id)["patients_below_k"] == 0

    alone = run_request(settings, request("event-attack-late-alone", "late"), RUN_TIME)
    assert across_extracts("event-attack-late-alone", alone.extract_id)["earlier_extracts"] == 0

    s3, target = reading_client(settings, "local-seaweedfs")
    before = {o["Key"] for o in s3.list_objects_v2(Bucket=target.bucket).get("Contents", [])}
    with pytest.raises(GateFailed) as refused:
        run_request(settings, request(project, "late"), RUN_TIME.replace(hour=11))
    assert refused.value.exit_code == 4
    assert any(
        "across extracts" in failure and "2 earlier extract(s)" in failure
        for failure in refused.value.failures
    )
    after = {o["Key"] for o in s3.list_objects_v2(Bucket=target.bucket).get("Contents", [])}
    assert after == before  # nothing of the refused extract was published
