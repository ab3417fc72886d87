"""The project's malformed-input corpus: every command that takes a file, an id or a path,
fed what users and attackers really send (issue 19). `runner.py` runs a case as a user
would, in its own process; `tests/integration/test_malformed_inputs.py` runs them all."""
