"""The scale benchmark: `make bench` or `python -m benchmarks`.

Generates a 12-column warehouse table (10M rows of about 100k patients by default, and
its first 1M rows as the small slice), then runs, side by side in this one run:

- floor: plain pyarrow read → write of the columns sovex publishes;
- sovex: consent gate + pseudonymise + date shift + generalise + release-gate scan +
  Parquet write (the functions a `research_extract` run calls), on 10M and on 1M rows;
- naive: pandas + `apply` with hmac per row, on the 1M slice;
- publish: sovex's publish of the 10M extract to a local SeaweedFS, against boto3's own
  upload of the same files to the same server.

Each case runs in its own process (its peak RSS is its own). The machine is shared and
noisy: floor and sovex alternate `--repeat` times and the best of each is kept. Prints a
table, then one JSON line with the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import scale_data as data

DEFAULT_ROWS = 10_000_000
DEFAULT_SMALL_ROWS = 1_000_000
DEFAULT_PATIENTS = 100_000
DEFAULT_SEED = 20261129
MIB = 1024 * 1024


def run_case(case: str, *args: str) -> dict[str, Any]:
    """One case in a fresh interpreter; its last stdout line is its JSON result."""
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale_cases", case, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"benchmark case {case} failed:\n{completed.stderr[-2000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def best(results: list[dict[str, Any]]) -> dict[str, Any]:
    return min(results, key=lambda result: float(result["seconds"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--small-rows", type=int, default=DEFAULT_SMALL_ROWS)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--work-dir", type=Path, default=Path(".sovex/bench"), help="data, outputs, storage"
    )
    parser.add_argument("--skip-publish", action="store_true")
    args = parser.parse_args(argv)
    if args.small_rows > args.rows or args.rows <= 0 or args.patients <= 0:
        parser.error("need 0 < --small-rows <= --rows and --patients > 0")

    work = args.work_dir.resolve()
    big, small = work / "big" / f"{data.TABLE}.parquet", work / "small" / f"{data.TABLE}.parquet"
    print(f"generating {args.rows:,} rows ({args.patients:,} patients) in {work}", flush=True)
    started = time.perf_counter()
    data.write_events(big, args.rows, args.patients, args.seed)
    data.write_events(small, args.small_rows, args.patients, args.seed)
    print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
    outputs = work / "out"
    shutil.rmtree(outputs, ignore_errors=True)
    patients = str(args.patients)

    floors, sovexes = [], []
    for attempt in range(args.repeat):
        print(f"floor and sovex on {args.rows:,} rows, round {attempt + 1}", flush=True)
        floors.append(
            run_case("floor", "--source", str(big), "--out", str(outputs / f"floor-{attempt}"))
        )
        sovexes.append(
            run_case(
                "sovex",
                "--source",
                str(big),
                "--out",
                str(outputs / "sovex"),
                "--patients",
                patients,
            )
        )
    floor, sovex = best(floors), best(sovexes)
    print(f"sovex and naive on the {args.small_rows:,}-row slice", flush=True)
    small_sovex = run_case(
        "sovex",
        "--source",
        str(small),
        "--out",
        str(outputs / "sovex-small"),
        "--patients",
        patients,
    )
    small_floor = run_case("floor", "--source", str(small), "--out", str(outputs / "floor-small"))
    naive = run_case("naive", "--source", str(small), "--out", str(outputs / "naive"))

    rows = {
        "floor": (floor, args.rows),
        "sovex": (sovex, args.rows),
        "floor (slice)": (small_floor, args.small_rows),
        "sovex (slice)": (small_sovex, args.small_rows),
        "naive (slice)": (naive, args.small_rows),
    }
    publish = raw = None
    if not args.skip_publish:
        publish, raw = _publish_cases(work, outputs / "sovex", args.repeat)
        rows["publish (sovex)"] = (publish, publish["rows"])
        rows["upload (raw boto3)"] = (raw, raw["rows"])

    floor_rate = args.rows / floor["seconds"]
    print()
    print(f"{'case':<20}{'rows':>12}{'s':>8}{'rows/s':>12}{'MB/s':>8}{'×floor':>8}{'RSS MB':>9}")
    for name, (result, count) in rows.items():
        rate = count / result["seconds"]
        megabytes = result.get("bytes", result.get("bytes_out", 0)) / MIB
        print(
            f"{name:<20}{count:>12,}{result['seconds']:>8.2f}{rate:>12,.0f}"
            f"{megabytes / result['seconds']:>8.1f}{rate / floor_rate:>8.2f}"
            f"{result['peak_rss_mb']:>9.0f}"
        )
    sovex_rate = args.rows / sovex["seconds"]
    naive_rate = args.small_rows / naive["seconds"]
    figures: dict[str, Any] = {
        "rows": args.rows,
        "small_rows": args.small_rows,
        "patients": args.patients,
        "published_rows": sovex["rows"],
        "floor_rows_per_s": round(floor_rate),
        "sovex_rows_per_s": round(sovex_rate),
        "naive_rows_per_s": round(naive_rate),
        "ratio_to_floor": round(sovex_rate / floor_rate, 3),
        "speedup_vs_naive": round(sovex_rate / naive_rate, 1),
        "peak_rss_1m_mb": small_sovex["peak_rss_mb"],
        "peak_rss_10m_mb": sovex["peak_rss_mb"],
        "rss_ratio_10m_to_1m": round(sovex["peak_rss_mb"] / small_sovex["peak_rss_mb"], 3),
    }
    if publish and raw:
        figures["publish_mb_per_s"] = round(publish["bytes"] / MIB / publish["seconds"], 1)
        figures["raw_upload_mb_per_s"] = round(raw["bytes"] / MIB / raw["seconds"], 1)
        figures["publish_ratio"] = round(raw["seconds"] / publish["seconds"], 3)
    print(json.dumps(figures))
    return 0


def _publish_cases(work: Path, parts: Path, repeat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both uploads against one local SeaweedFS started for the benchmark, alternating."""
    from sovex.services.storage_server import DEFAULT_BUCKETS, LocalStorage

    storage_dir = work / "storage"
    # A server of the benchmark's own, emptied first: what it publishes is locked (that
    # is part of the cost measured) and never needed again.
    LocalStorage(storage_dir).down()
    shutil.rmtree(storage_dir, ignore_errors=True)
    storage = LocalStorage(storage_dir)
    storage.up(DEFAULT_BUCKETS)
    try:
        publishes, raws = [], []
        for attempt in range(repeat):
            print(f"publish and raw upload, round {attempt + 1}", flush=True)
            raws.append(
                run_case("raw_upload", "--source", str(parts), "--storage", str(storage_dir))
            )
            publishes.append(
                run_case("publish", "--source", str(parts), "--storage", str(storage_dir))
            )
        return best(publishes), best(raws)
    finally:
        storage.down()


if __name__ == "__main__":
    sys.exit(main())
