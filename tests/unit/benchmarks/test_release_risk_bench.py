"""`make bench-risk` on a tiny population: it runs, and it reports what the issue asks
(the transformation per population, both timings side by side, their ratio, peaks)."""

from __future__ import annotations

from benchmarks.release_risk import DEFAULT_SEED, run


def test_the_release_risk_benchmark_reports_both_timings_and_the_choice() -> None:
    results = run([600], seed=DEFAULT_SEED, repeat=2)
    cohort = results["cohorts"]["600"]
    assert cohort["date_granularity"] in {"day", "week", "month", "quarter", "year", "*"}
    assert 0.0 <= cohort["events_kept_share"] <= 1.0
    whole = results["whole_population"]
    assert len(whole["extraction_seconds"]) == len(whole["assessment_seconds"]) == 2
    # The extraction's time includes deriving the pseudonyms and shifts, as a run's does.
    assert all(
        0 <= keys <= total
        for keys, total in zip(
            whole["extraction_key_seconds"], whole["extraction_seconds"], strict=True
        )
    )
    assert whole["assessment"]["max_prosecutor_risk"] <= 1 / 5
    assert whole["assessment_to_extraction"] > 0
    assert whole["assessment_peak_rss_mib"] >= whole["extraction_peak_rss_mib"]
    # The assessment alone, in a process of its own.
    assert whole["assessment_own_peak_rss_mib"] > 0
