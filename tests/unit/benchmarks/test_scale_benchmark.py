"""`python -m benchmarks` (make bench) end to end on a tiny table: every case runs and the
final line carries the figures the scale issue asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks import scale_data
from sovex.model.settings import PROJECT_ROOT

REQUIRED = {
    "floor_rows_per_s",
    "sovex_rows_per_s",
    "naive_rows_per_s",
    "ratio_to_floor",
    "speedup_vs_naive",
    "publish_ratio",
    "peak_rss_1m_mb",
    "peak_rss_10m_mb",
}


def test_the_small_slice_is_the_start_of_the_large_table(tmp_path: Path) -> None:
    scale_data.write_events(tmp_path / "big.parquet", 3_000, 50, seed=3)
    scale_data.write_events(tmp_path / "small.parquet", 1_000, 50, seed=3)
    big, small = pq.read_table(tmp_path / "big.parquet"), pq.read_table(tmp_path / "small.parquet")
    assert big.slice(0, 1_000).equals(small)
    assert big.column_names == list(scale_data.COLUMNS) and len(big.column_names) == 12


def test_the_benchmark_runs_every_case_and_prints_its_figures(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--rows",
            "20000",
            "--small-rows",
            "5000",
            "--patients",
            "400",
            "--repeat",
            "1",
            "--work-dir",
            str(tmp_path / "bench"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) >= REQUIRED
    assert 0 < figures["published_rows"] < 20_000  # the consent gate excluded someone
    assert all(figures[name] > 0 for name in REQUIRED)
    table = "\n".join(lines)
    for case in ("floor", "sovex", "naive (slice)", "publish (sovex)", "upload (raw boto3)"):
        assert case in table


def test_bad_sizes_are_refused_with_a_message() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rows", "10", "--small-rows", "20"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "--small-rows" in completed.stderr and "Traceback" not in completed.stderr
