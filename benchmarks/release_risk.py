"""Utility and cost of the event-level release gate (`anonymization.event_risk`).

    python -m benchmarks.release_risk [--populations 2000,20000,100000] [--seed N] [--repeat N]

For each synthetic source population, the demo's cohort (patients with a type 2 diabetes
diagnosis, E11) is assessed as a run would: the person step (k = 5, up to 10 % of the
patients suppressed) then the event gate at L = 2 over the tables the demo catalog
declares (stays with unit and dates, and the dates of diagnoses, measurements and notes),
with at most 10 % of the events suppressed. Reported: the transformation chosen and what
it keeps (share of events, date granularity, information loss), the full-knowledge
figure, and the assessment's time.

On the largest population the whole population is then assessed too (every patient,
every event), beside the extraction of the same tables and columns (pseudonymised,
shifted, written as Parquet by `transforms.extract`), timed in the same process,
alternately `--repeat` times (the ratio is of the medians); peak RSS is the process's
(ru_maxrss), so the extraction runs first, and the assessment's own peak is taken once
more in a fresh process (`assessment_own_peak_rss_mib`). Prints the figures, then a
final JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from anonymization.disclosure import anonymise
from anonymization.hierarchies import hierarchy_for
from anonymization.pseudonyms import patient_keys
from sovex.model.catalog import load_catalog
from sovex.model.errors import GateFailed
from sovex.model.request import CohortFilter
from sovex.model.settings import PROJECT_ROOT
from sovex.synth.population import generate_population
from transforms.cohort import select_cohort
from transforms.event_release import assess_with_person_levels, read_known_tables
from transforms.extract import extract_table
from transforms.source import ParquetSource

DEFAULT_POPULATIONS = (2_000, 20_000, 100_000)
DEFAULT_SEED = 20261205
CATALOG = PROJECT_ROOT / "infra" / "catalogs" / "synthetic.yaml"
PERIOD = (date(2018, 1, 1), date(2026, 10, 31))
K = 5
MAX_SUPPRESSION = 0.1
MAX_EVENT_SUPPRESSION = 0.1
KEY = bytes(range(32))  # a fixed benchmark key (synthetic data only)
COHORT = [CohortFilter(table="diagnoses", column="icd10_code", op="starts_with", values=["E11"])]
KIB = 1024


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB


def assess_cohort(source: ParquetSource, ids: pa.Array) -> dict[str, Any]:
    """The person step then the event gate on the patients `ids`, as a run does."""
    catalog = load_catalog(CATALOG)
    person = catalog.tables[catalog.person_table]
    quasi = {
        name: str(person.columns[name].hierarchy) for name in ("birth_date", "sex", "postcode")
    }
    caps = {name: str(person.columns[name].max_level) for name in quasi}
    started = time.perf_counter()
    view = pa.Table.from_batches(
        source.batches(
            catalog.person_table, ["patient_id", *quasi], filter=ds.field("patient_id").isin(ids)
        )
    )
    person_result = anonymise(
        view,
        "patient_id",
        quasi,
        k=K,
        max_suppression=MAX_SUPPRESSION,
        max_levels={
            name: hierarchy_for(kind).level_names().index(caps[name])
            for name, kind in quasi.items()
        },
    )
    if not person_result.success:
        return {"patients": len(ids), "person_step": "refused"}
    kept = ds.field("patient_id").isin(person_result.suppressed_ids)
    view = view.filter(~kept) if len(person_result.suppressed_ids) else view
    kept_ids = view.column("patient_id").combine_chunks()
    tables = [name for name in sorted(catalog.tables) if catalog.tables[name].adversary_knows]
    requested = {table: ["patient_id", *catalog.tables[table].adversary_knows] for table in tables}
    known = read_known_tables(source, catalog, requested, KEY, kept_ids, PERIOD)
    record = {"generalisation": dict(person_result.levels)}
    with tempfile.TemporaryDirectory() as scratch:
        try:
            events = assess_with_person_levels(
                known,
                view,
                "patient_id",
                quasi,
                caps,
                record,
                catalog.events_known,
                K,
                MAX_EVENT_SUPPRESSION,
                Path(scratch) / "suppressed.parquet",
                Path(scratch) / "index.parquet",
            )
        except GateFailed as error:  # a refusal is a result here
            return {"patients": len(kept_ids), "event_gate": type(error).__name__}
    return {
        "patients": len(kept_ids),
        "events": events["events"],
        "person_levels": record["generalisation"],
        "date_granularity": events["date_granularity"],
        "attribute_levels": events["attribute_levels"],
        "stay_levels": events["stay_levels"],
        "lattice_points_tried": events["lattice_points_tried"],
        "events_kept_share": round(events["events_kept_share"], 4),
        "information_loss": round(events["information_loss"], 4),
        "max_prosecutor_risk": events["max_prosecutor_risk"],
        "full_knowledge_unique_share": round(events["full_knowledge_unique_share"], 4),
        "seconds": round(time.perf_counter() - started, 2),
    }


def extraction_seconds(source: ParquetSource, ids: pa.Array, out: Path) -> tuple[float, float, int]:
    """The same tables and columns extracted as a run does (no free text), the patients'
    pseudonyms and shifts included: a run's extraction derives them (its planning step),
    as the assessment derives the shifts it needs. Returns the time, the part of it the
    pseudonyms and shifts took, and the rows written."""
    catalog = load_catalog(CATALOG)
    started = time.perf_counter()
    keys = patient_keys(KEY, ids)
    keys_seconds = time.perf_counter() - started
    rows = 0
    for name in sorted(catalog.tables):
        table = catalog.tables[name]
        if not table.adversary_knows:
            continue
        parts = extract_table(
            source=source,
            table=table,
            person_id_column="patient_id",
            columns=["patient_id", *table.adversary_knows],
            included_ids=ids,
            period=PERIOD,
            project_key=KEY,
            out_dir=out / name,
            keys=keys,
        )
        rows += sum(part.rows for part in parts)
    return time.perf_counter() - started, keys_seconds, rows


def _whole_population(source: ParquetSource) -> pa.Array:
    everyone = pq.read_table(source.table_path("patients"), columns=["patient_id"])
    return everyone.column("patient_id").combine_chunks()


def _assessment_in_fresh_process(directory: str) -> float:
    """Run in a fresh process: the whole population assessed once; the peak RSS."""
    source = ParquetSource(Path(directory))
    assess_cohort(source, _whole_population(source))
    return _program_peak_mib()


def _program_peak_mib() -> float:
    """The peak RSS since this process started its program: Linux keeps ru_maxrss across
    exec (a spawned child would report its parent's size), /proc's VmHWM starts anew."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / KIB
    return _peak_mib()


def assessment_own_peak_mib(directory: Path) -> float:
    """The whole population's assessment alone: its process's peak RSS (a fresh one,
    started anew rather than forked, so that nothing else is resident)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(_assessment_in_fresh_process, str(directory)).result()


def run(populations: Sequence[int], seed: int, repeat: int) -> dict[str, Any]:
    results: dict[str, Any] = {"cohorts": {}}
    with tempfile.TemporaryDirectory() as scratch:
        for size in populations:
            directory = Path(scratch) / f"population-{size}"
            generate_population(directory, patients=size, seed=seed)
            source = ParquetSource(directory)
            cohort = select_cohort(source, "patients", "patient_id", COHORT)
            figures = assess_cohort(source, cohort)
            results["cohorts"][str(size)] = figures
            print(f"population {size:>7}: E11 cohort {json.dumps(figures)}", flush=True)
        largest = max(populations)
        source = ParquetSource(Path(scratch) / f"population-{largest}")
        ids = _whole_population(source)
        # Side by side, alternating, so machine noise hits both alike; medians compared.
        extraction_times, key_times, assessment_times, peaks = [], [], [], []
        whole: dict[str, Any] = {}
        for attempt in range(repeat):
            seconds, keys_seconds, rows = extraction_seconds(
                source, ids, Path(scratch) / f"extract-{attempt}"
            )
            extraction_times.append(seconds)
            key_times.append(keys_seconds)
            peaks.append(_peak_mib())
            whole = assess_cohort(source, ids)
            assessment_times.append(whole.get("seconds", 0.0))
            peaks.append(_peak_mib())
        extraction = statistics.median(extraction_times)
        assessment = statistics.median(assessment_times)
        results["whole_population"] = {
            "patients": largest,
            "event_rows": rows,
            "extraction_seconds": [round(value, 2) for value in extraction_times],
            # Of the extraction's: deriving the pseudonyms and shifts (its planning step).
            "extraction_key_seconds": [round(value, 2) for value in key_times],
            "assessment_seconds": [round(value, 2) for value in assessment_times],
            # ru_maxrss only grows: the extraction's peak is read before any assessment,
            # and after it, the larger of the two.
            "extraction_peak_rss_mib": round(peaks[0]),
            "assessment_peak_rss_mib": round(peaks[1]),
            "assessment_own_peak_rss_mib": round(
                assessment_own_peak_mib(Path(scratch) / f"population-{largest}")
            ),
            "assessment": whole,
            "assessment_to_extraction": round(assessment / extraction, 2),
        }
        print(f"whole population: {json.dumps(results['whole_population'])}", flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--populations", default=",".join(str(p) for p in DEFAULT_POPULATIONS))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--repeat", type=int, default=3, help="extraction and assessment runs, alternated"
    )
    arguments = parser.parse_args(argv)
    populations = [int(value) for value in arguments.populations.split(",")]
    print(json.dumps(run(populations, arguments.seed, arguments.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
