"""Every command that takes a file, an id or a path, fed the project's malformed-input
corpus (`tests/malformed/`) as a user would run it: each case must get its documented exit
code and a message naming the file, field or rule; no traceback, no "internal error", no
echo of a file that is not what it should be, nothing written outside the state folder,
at most 300 MB. `python -m tests.malformed.runner` prints each case's time and memory."""

from __future__ import annotations

import pytest

from tests.malformed.runner import Outcome, all_cases, run_cases

pytestmark = pytest.mark.integration

CASES = all_cases()
# Every command that reads a file, an id or a path a user gives it.
COMMANDS = {
    "request validate", "request submit", "request approve", "request reject",
    "request status", "run", "policy check", "policy report", "scrub", "consent sync",
    "audit verify", "audit show", "audit keygen", "audit anchor", "extract list",
    "extract download", "access grant", "access revoke", "access policy",
    "retention sweep", "synth", "source load-postgres", "source check",
    "project create", "project add-member", "project remove-member", "project show",
    "project sweep-credentials",
}  # fmt: skip


def test_the_corpus_is_large_and_covers_every_command() -> None:
    assert len(CASES) >= 150
    assert len({case.name for case in CASES}) == len(CASES)
    covered = {case.name.split(":")[0] for case in CASES}
    assert covered >= COMMANDS, COMMANDS - covered


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    return {outcome.case.name: outcome for outcome in run_cases(CASES)}


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_a_malformed_input_gets_a_clear_answer(outcomes: dict[str, Outcome], name: str) -> None:
    outcome = outcomes[name]
    assert outcome.problems() == [], outcome.stderr[-2000:]
