"""De-identification benchmark: a labelled corpus of French and English clinical notes
(identifiers to redact, medical trap words to keep) and the metrics to score any system.

Run it with `python -m benchmarks.deid`.
"""
