"""The ground floor of sovex: what every other part may import.

Errors and their exit codes, settings, hosting targets, catalogs, requests and their
schedules, manifests, a run's context and folder, the append-only SQLite store. Nothing
here imports any other part of `sovex` (nor `transforms`, `anonymization`, `policies`):
the libraries stand on it, the application stands on them.
"""
