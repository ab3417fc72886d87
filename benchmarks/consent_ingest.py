"""Consent registry benchmark: FHIR Consent NDJSON → registry → decisions as of a date.

    python -m benchmarks.consent_ingest [--resources 1000000] [--workers N] [--seed N]
                                        [--mii N]

Generates a seeded consents table of N rows (one per patient and purpose, statuses and
dates shaped like sovex.synth.population's), writes it as NDJSON with sovex.synth.fhir (withdrawals
add versions; entered-in-error and malformed lines are mixed in), loads it into a fresh
registry, loads it again (must be a no-op), then computes the decisions for one purpose
as of the reference date and applies both regimes to the whole population. Prints the
figures, then a final JSON line. Peak RSS is measured per phase (Linux VmHWM, reset
between phases), and for the parser workers by sampling /proc.

With `--mii N`, N MII broad consents (gICS export shape: a top-level deny, one nested
permit per policy code granted, 30-year periods) are also written and loaded into a
second registry through the shipped mapping (`infra/consent/sources/`), and the
decisions for one purpose computed: the cost of reading another system's consents.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sovex.model.settings import PROJECT_ROOT
from sovex.synth.fhir import write_consents_ndjson
from sovex.synth.population import PURPOSES
from transforms.consent_mapping import ConsentSource, load_sources, sources_dir
from transforms.consent_regimes import Regime
from transforms.consent_registry import apply_regime, decisions_as_of, load_file

DEFAULT_RESOURCES = 1_000_000
DEFAULT_SEED = 20261129
REFERENCE_DATE = date(2026, 11, 1)
HISTORY_DAYS = 8 * 365
MAX_FUTURE_DAYS = 5 * 365
# Share of rows per kind; an expired row is an active permit whose period ended before D.
KINDS = ("active", "withdrawn", "refused", "expired")
KIND_SHARES = (0.80, 0.06, 0.04, 0.10)
OPEN_ENDED_SHARE = 0.5
EPOCH = date(1970, 1, 1)
KIB = 1024
CHILD_SAMPLE_SECONDS = 0.2


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded number, built by Arrow (numpy's fixed-width text is 4× larger)."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def synthetic_consents(rows: int, seed: int) -> pa.Table:
    """`rows` consents shaped like sovex.synth.population's table: patient i // 3, purpose i % 3."""
    rng = np.random.default_rng(seed)
    index = np.arange(rows)
    kind_index = rng.choice(len(KINDS), rows, p=KIND_SHARES)
    reference = (REFERENCE_DATE - EPOCH).days
    given = reference - 2 - rng.integers(0, HISTORY_DAYS, rows)
    before_reference = given + 1 + np.floor(rng.random(rows) * (reference - 1 - given)).astype(int)
    future = reference + rng.integers(1, MAX_FUTURE_DAYS + 1, rows)
    expired = kind_index == KINDS.index("expired")
    refused = kind_index == KINDS.index("refused")
    has_until = expired | ((rng.random(rows) >= OPEN_ENDED_SHARE) & ~refused)
    # Expired rows are active permits whose period has ended.
    status_index = np.where(expired, KINDS.index("active"), kind_index)

    def days(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        return pa.array(
            values.astype(np.int32), type=pa.date32(), mask=None if valid is None else ~valid
        )

    return pa.table(
        {
            "consent_id": _ids("C", index + 1, 9),
            "patient_id": _ids("P", index // 3 + 1, 8),
            "purpose": pc.take(pa.array(PURPOSES), pa.array(index % len(PURPOSES))),
            "status": pc.take(pa.array(KINDS), pa.array(status_index)),
            "given_on": days(given),
            "withdrawn_on": days(before_reference, kind_index == KINDS.index("withdrawn")),
            "valid_until": days(np.where(expired, before_reference, future), has_until),
        }
    )


MII_SOURCE = "mii-broad-consent"
MII_SCOPE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}]
}
MII_CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "57016-8"}]}]
MII_YEARS = 30
# Share of MII consents granting each mapped code (the rest are granted nothing for it),
# and of those carrying a code no purpose uses (reported as unmapped).
MII_GRANT_SHARE = 0.9
MII_UNMAPPED_SHARE = 0.5
MII_UNMAPPED_CODE = "2.16.840.1.113883.3.1937.777.24.5.3.2"


def write_mii_ndjson(path: Path, count: int, seed: int, source: ConsentSource) -> int:
    """`count` MII broad consents, one per patient (M00000001…); codes are the mapping's."""
    rng = np.random.default_rng(seed)
    codes = sorted(source.mapped_codes)
    uri = sorted(source.policy_uris)[0]
    system = codes[0].system
    reference = (REFERENCE_DATE - EPOCH).days
    given_days = reference - 1 - rng.integers(0, HISTORY_DAYS, count)
    granted = rng.random((count, len(codes))) < MII_GRANT_SHARE
    unmapped = rng.random(count) < MII_UNMAPPED_SHARE
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            given = EPOCH + timedelta(days=int(given_days[i]))
            # The day before the 30th anniversary (29 February: 28 February).
            end = date(given.year + MII_YEARS, given.month, 1) + timedelta(days=given.day - 2)
            period = {"start": given.isoformat(), "end": end.isoformat()}
            chosen = [c.code for c, g in zip(codes, granted[i], strict=True) if g]
            if unmapped[i]:
                chosen.append(MII_UNMAPPED_CODE)
            resource = {
                "resourceType": "Consent",
                "id": f"mii-{i + 1:08d}",
                "status": "active",
                "scope": MII_SCOPE,
                "category": MII_CATEGORY,
                "patient": {"reference": f"Patient/M{i + 1:08d}"},
                "dateTime": f"{given.isoformat()}T10:00:00+01:00",
                "policy": [{"uri": uri}],
                "provision": {
                    "type": "deny",
                    "period": period,
                    "provision": [
                        {
                            "type": "permit",
                            "period": period,
                            "code": [{"coding": [{"system": system, "code": code}]}],
                        }
                        for code in chosen
                    ],
                },
            }
            out.write(json.dumps(resource, separators=(",", ":")) + "\n")
    return count


def mii_phase(work: Path, count: int, seed: int, workers: int | None) -> dict[str, object]:
    """Write and load `count` MII consents through the shipped mapping; the figures."""
    sources = load_sources(sources_dir(PROJECT_ROOT / "infra"))
    source = next(s for s in sources.sources if s.name == MII_SOURCE)
    path = work / "mii-Consent.ndjson"
    write_mii_ndjson(path, count, seed, source)
    db = work / "mii.db"
    ingested_at = datetime.combine(REFERENCE_DATE, datetime.min.time(), UTC)
    _reset_peak()
    start = time.perf_counter()
    loaded = load_file(
        db, path, work / "mii.rejects.jsonl", ingested_at, workers=workers, sources=sources
    )
    load_s = time.perf_counter() - start
    load_peak = _peak_mib()
    purpose = PURPOSES[0]
    start = time.perf_counter()
    decisions = decisions_as_of(db, purpose, REFERENCE_DATE)
    decisions_s = time.perf_counter() - start
    outcome = apply_regime(decisions, decisions.table["patient_id"], Regime.OPT_OUT)
    figures: dict[str, object] = {
        "resources": count,
        "accepted": loaded.accepted,
        "rejected": loaded.rejected,
        "unmapped_codes": [list(u) for u in loaded.unmapped_codes],
        "load_s": round(load_s, 2),
        "load_lines_per_s": round(count / load_s),
        "decisions_s": round(decisions_s, 2),
        "opt_out": outcome.counts(),
        "peak_rss_load_mib": round(load_peak),
    }
    print(
        f"mii: {loaded.accepted:,} accepted, {loaded.rejected:,} rejected in {load_s:.1f} s "
        f"({count / load_s:,.0f} lines/s); decisions ({purpose}) in {decisions_s:.2f} s"
    )
    return figures


def _reset_peak() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_kib(pid: int | str, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _peak_mib() -> float:
    """This process's peak RSS since the last `_reset_peak` (ru_maxrss where /proc lacks)."""
    kib = _status_kib("self", "VmHWM")
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / KIB


class ChildPeak(threading.Thread):
    """Samples the peak RSS of this process's children (the parser workers) from /proc.

    ru_maxrss of children is useless here: a spawned worker is forked before it execs,
    so it reports the parent's size at that moment.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(CHILD_SAMPLE_SECONDS):
            for children in Path("/proc/self/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    for pid in children.read_text().split():
                        self.peak_kib = max(self.peak_kib, _status_kib(pid, "VmHWM") or 0)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_kib / KIB


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--resources", type=int, default=DEFAULT_RESOURCES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--workers", type=int, default=None, help="parser processes (default: auto)"
    )
    parser.add_argument(
        "--mii", type=int, default=0, help="also load N MII broad consents (default: 0)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sovex-consent-bench-") as folder:
        work = Path(folder)
        start = time.perf_counter()
        consents = synthetic_consents(args.resources, args.seed)
        generate_s = time.perf_counter() - start

        _reset_peak()
        start = time.perf_counter()
        ndjson = work / "Consent.ndjson"
        stats = write_consents_ndjson(consents, ndjson, np.random.default_rng(args.seed))
        write_s = time.perf_counter() - start
        write_peak = _peak_mib()
        size_mib = ndjson.stat().st_size / KIB / KIB
        print(f"write: {stats.lines:,} lines ({size_mib:,.0f} MiB) in {write_s:.1f} s")
        cohort = consents["patient_id"].unique()
        del consents

        db, rejects = work / "sovex.db", work / "Consent.rejects.jsonl"
        ingested_at = datetime.combine(REFERENCE_DATE, datetime.min.time(), UTC)
        _reset_peak()
        workers_peak = ChildPeak()
        workers_peak.start()
        start = time.perf_counter()
        loaded = load_file(db, ndjson, rejects, ingested_at, workers=args.workers)
        load_s = time.perf_counter() - start
        load_peak, worker_peak = _peak_mib(), workers_peak.stop()
        rate = stats.lines / load_s
        print(
            f"load: {loaded.accepted:,} accepted, {loaded.rejected:,} rejected in {load_s:.1f} s "
            f"({rate:,.0f} lines/s); peak RSS {load_peak:,.0f} MiB, "
            f"largest worker {worker_peak:,.0f} MiB"
        )
        start = time.perf_counter()
        again = load_file(db, ndjson, rejects, ingested_at, workers=args.workers)
        reload_s = time.perf_counter() - start
        print(f"reload: already_loaded={again.already_loaded} in {reload_s:.2f} s")

        purpose = PURPOSES[0]
        _reset_peak()
        start = time.perf_counter()
        decisions = decisions_as_of(db, purpose, REFERENCE_DATE)
        decisions_s = time.perf_counter() - start
        regimes = {}
        for regime in Regime:
            started = time.perf_counter()
            outcome = apply_regime(decisions, cohort, regime)
            regimes[regime.value] = {
                **outcome.counts(),
                "seconds": round(time.perf_counter() - started, 3),
            }
        decide_peak = _peak_mib()
        print(
            f"decisions ({purpose}): {decisions.table.num_rows:,} patients in "
            f"{decisions_s:.2f} s; peak RSS {decide_peak:,.0f} MiB"
        )
        for name, figures in regimes.items():
            print(f"{name}: {figures}")
        db_mib = sum(p.stat().st_size for p in work.glob("sovex.db*")) / KIB / KIB
        mii = mii_phase(work, args.mii, args.seed, args.workers) if args.mii else None

    print(f"registry database: {db_mib:,.0f} MiB")
    summary = {
        "benchmark": "consent_ingest",
        "resources": args.resources,
        "lines": stats.lines,
        "accepted": loaded.accepted,
        "rejected": loaded.rejected,
        "expected_rejected": stats.malformed,
        "workers": args.workers,
        "ndjson_mib": round(size_mib, 1),
        "db_mib": round(db_mib, 1),
        "generate_s": round(generate_s, 2),
        "write_s": round(write_s, 2),
        "load_s": round(load_s, 2),
        "load_lines_per_s": round(rate),
        "reload_s": round(reload_s, 3),
        "decisions_s": round(decisions_s, 2),
        "regimes": regimes,
        "peak_rss_write_mib": round(write_peak),
        "peak_rss_load_mib": round(load_peak),
        "peak_rss_worker_mib": round(worker_peak),
        "peak_rss_decisions_mib": round(decide_peak),
    }
    if mii is not None:
        summary["mii"] = mii
    print(json.dumps(summary))
    mii_ok = mii is None or (mii["accepted"] == args.mii and mii["rejected"] == 0)
    return 0 if loaded.rejected == stats.malformed and again.already_loaded and mii_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
