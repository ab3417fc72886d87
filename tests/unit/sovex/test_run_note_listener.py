"""Which runs sovex's listener writes a note for, and which request and time it reads."""

from __future__ import annotations

from datetime import UTC, datetime

from sovex.run_note_listener import extract_run_identity

DUE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 6, 5, tzinfo=UTC)


def test_a_triggered_extract_run_is_found_by_its_conf_and_logical_date() -> None:
    identity = extract_run_identity("research_extract", {"request_id": "diabetes-t2"}, DUE, LATER)
    assert identity == ("diabetes-t2", DUE)


def test_a_scheduled_request_run_is_found_by_its_dag_id_when_its_conf_is_empty() -> None:
    identity = extract_run_identity("research_extract__cancer-2026", {}, DUE, LATER)
    assert identity == ("cancer-2026", DUE)


def test_a_run_without_a_logical_date_uses_the_time_it_was_due() -> None:
    identity = extract_run_identity("research_extract__cancer-2026", None, None, LATER)
    assert identity == ("cancer-2026", LATER)


def test_runs_of_other_dags_are_left_alone() -> None:
    for dag_id in ("consent_sync", "retention_sweep", "research_extractor", "policy_audit"):
        assert extract_run_identity(dag_id, {"request_id": "diabetes-t2"}, DUE, LATER) is None


def test_an_extract_run_naming_no_request_gets_no_note() -> None:
    assert extract_run_identity("research_extract", {}, DUE, LATER) is None
    assert extract_run_identity("research_extract", {"request_id": 7}, DUE, LATER) is None
    assert extract_run_identity("research_extract__", {}, DUE, LATER) is None
