"""Benchmarks: measured comparisons run by hand, never part of the pipeline."""
