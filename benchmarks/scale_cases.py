"""The scale benchmark's cases. Each runs in its own process (`python -m
benchmarks.scale_cases CASE ...`) so its peak RSS is its own, and prints one JSON line.

- floor: plain pyarrow read → write of the published columns (no transformation);
- sovex: consent gate + pseudonymise + date shift + generalise + release-gate scan +
  Parquet write, through the same functions a `research_extract` run calls;
- naive: pandas read_parquet, `apply` with hmac per row, to_parquet (how most scripts do it);
- publish / raw_upload: the sovex parts to the local SeaweedFS through sovex's publish,
  and the same bytes with plain boto3.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks import scale_data as data

OUTPUT_COMPRESSION = "zstd"
BENCH_KEY = hashlib.sha256(b"sovex benchmark key: not a secret, never used for data").digest()


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def _bytes_under(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.parquet"))


def case_floor(source: Path, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    table = pq.read_table(source, columns=data.PUBLISHED)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / "part-00000.parquet", compression=OUTPUT_COMPRESSION)
    return {"rows": table.num_rows, "seconds": time.perf_counter() - started}


def case_sovex(source: Path, out: Path, patients: int, partitions: int) -> dict[str, Any]:
    from transforms.consent_regimes import Regime
    from transforms.consent_registry import apply_regime
    from transforms.extract import extract_table, release_scan_failures
    from transforms.source import ParquetSource
    from transforms.source_base import Partition

    started = time.perf_counter()
    parquet = ParquetSource(source.parent)
    table_name = source.stem
    # Consent gate: the population's decisions under the purpose's opt-out regime.
    decisions = data.consent_decisions(patients, seed=1)
    cohort = decisions.table[data.PERSON_ID]
    included = apply_regime(decisions, cohort, Regime.OPT_OUT).included
    gated = time.perf_counter()
    levels = _published_levels()
    rows = 0
    failures: list[str] = []
    for index in range(partitions):
        parts = extract_table(
            source=parquet,
            table=data.TableSpec(table_name, data.COLUMNS),
            person_id_column=data.PERSON_ID,
            columns=data.PUBLISHED,
            included_ids=included,
            period=(data.EPOCH + timedelta(days=data.FIRST_EVENT), data.AS_OF),
            project_key=BENCH_KEY,
            out_dir=out,
            quasi_identifier_levels=levels,
            partition=Partition(index, partitions),
        )
        rows += sum(p.rows for p in parts)
        failures += release_scan_failures(parts)
    if failures:
        raise SystemExit(f"release-gate scan failed: {failures}")
    return {
        "rows_in": pq.read_metadata(source).num_rows,
        "rows": rows,
        "included_patients": len(included),
        "consent_gate_seconds": gated - started,
        "seconds": time.perf_counter() - started,
    }


def _published_levels() -> dict[str, Any]:
    from anonymization.hierarchies import hierarchy_for

    chosen = {"birth_date": "5y_band", "sex": "sex", "postcode": "departement"}
    levels = {}
    for name, level in chosen.items():
        hierarchy = hierarchy_for(str(data.COLUMNS[name].hierarchy))
        levels[name] = hierarchy.levels[hierarchy.level_names().index(level)].apply
    return levels


def case_naive(source: Path, out: Path) -> dict[str, Any]:
    """The usual script: one HMAC per row in Python, dates shifted row by row."""
    import pandas as pd

    from anonymization.pseudonyms import DATE_SHIFT_CONTEXT, PSEUDONYM_CONTEXT

    started = time.perf_counter()
    frame = pd.read_parquet(source, columns=data.PUBLISHED)

    def pseudonym(value: str) -> str:
        return hmac.new(BENCH_KEY, PSEUDONYM_CONTEXT + value.encode(), hashlib.sha256).hexdigest()[
            :32
        ]

    def shift(row: pd.Series, column: str) -> Any:
        digest = hmac.new(
            BENCH_KEY, DATE_SHIFT_CONTEXT + row[data.PERSON_ID].encode(), hashlib.sha256
        ).digest()
        days = int.from_bytes(digest[:8], "big") % 364 - 182
        return row[column] + timedelta(days=days)

    for column in ("admission_date", "discharge_date"):
        frame[column] = frame.apply(shift, axis=1, column=column)
    frame[data.PERSON_ID] = frame[data.PERSON_ID].apply(pseudonym)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out / "part-00000.parquet", compression=OUTPUT_COMPRESSION)
    return {"rows": len(frame), "seconds": time.perf_counter() - started}


def case_publish(parts_dir: Path, storage_dir: Path, raw: bool) -> dict[str, Any]:
    """The parts, published by sovex (staged, checksummed, promoted, manifest, locked) or
    uploaded with boto3's own transfer manager: same bytes, same server, same bucket."""
    from datetime import UTC, date, datetime

    from sovex.services.storage_server import LocalStorage
    from transforms.extract import sha256_of
    from transforms.publish import LocalPart, extract_prefix, publish_extract, retention_deadline

    files = sorted(parts_dir.rglob("*.parquet"))
    s3 = LocalStorage(storage_dir).endpoint().s3_client()
    bucket = PUBLISH_BUCKET
    extract_id = f"{'raw' if raw else 'sovex'}-{time.time_ns()}"
    prefix = extract_prefix("bench", extract_id)
    started = time.perf_counter()
    if raw:
        for path in files:
            s3.upload_file(str(path), bucket, f"{prefix}/{data.TABLE}/{path.name}")
        rows = sum(pq.read_metadata(path).num_rows for path in files)
    else:
        # sovex computes each part's SHA-256 as it writes it; counted here all the same.
        parts = [
            LocalPart(
                data.TABLE,
                path,
                pq.read_metadata(path).num_rows,
                path.stat().st_size,
                sha256_of(path),
            )
            for path in files
        ]
        rows = sum(p.rows for p in parts)
        until = date.today()
        publish_extract(
            s3,
            bucket,
            prefix,
            parts,
            lambda manifest_files: _bench_manifest(extract_id, bucket, until, manifest_files),
            BENCH_REQUEST_SHA256,
            retention_deadline(until),
        )
    return {
        "rows": rows,
        "bytes": sum(path.stat().st_size for path in files),
        "seconds": time.perf_counter() - started,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


PUBLISH_BUCKET = "sovex-extracts"
BENCH_REQUEST_SHA256 = "0" * 64


def _bench_manifest(extract_id: str, bucket: str, until: Any, files: list[Any]) -> Any:
    # The tests' stand-in manifest: valid, with no run behind it (the repository root is
    # on the path for both the tests and the benchmarks).
    from tests.helpers import stand_in_manifest
    from transforms.publish import retention_deadline

    return stand_in_manifest(
        project="bench",
        extract_id=extract_id,
        request_id="bench",
        request_sha256=BENCH_REQUEST_SHA256,
        bucket=bucket,
        retention_until=until,
        locked_until=retention_deadline(until),
        tables={data.TABLE: sum(f.rows for f in files)},
        files=files,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale_cases")
    parser.add_argument("case", choices=["floor", "sovex", "naive", "publish", "raw_upload"])
    parser.add_argument("--source", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--patients", type=int, default=0)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--storage", type=Path)
    args = parser.parse_args(argv)
    if args.case == "floor":
        result = case_floor(args.source, args.out)
    elif args.case == "sovex":
        result = case_sovex(args.source, args.out, args.patients, args.partitions)
    elif args.case == "naive":
        result = case_naive(args.source, args.out)
    else:
        result = case_publish(args.source, args.storage, raw=args.case == "raw_upload")
    if args.out is not None and args.out.exists():
        result["bytes_out"] = _bytes_under(args.out)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
