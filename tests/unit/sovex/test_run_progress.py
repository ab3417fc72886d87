"""A run's progress file and the note made from it (what a steward reads in Airflow)."""

from __future__ import annotations

import stat
from pathlib import Path

from sovex.model.errors import GateFailed, error_record
from sovex.model.run import RunFolder
from sovex.run_progress import NOTE_LIMIT, read_progress, record_progress, run_note


def _folder(tmp_path: Path) -> RunFolder:
    return RunFolder.under(tmp_path / "runs", "req-20261102t090000")


def test_rows_add_up_per_table_across_partitions_and_the_file_is_private(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    record_progress(folder, {"step": "prepare", "state": "started"})
    record_progress(folder, {"step": "prepare", "state": "done"})
    for index, rows in enumerate((120, 80)):
        record_progress(folder, {"step": "extract_table", "state": "started"})
        record_progress(
            folder,
            {
                "step": "extract_table",
                "state": "rows",
                "table": "encounters",
                "rows": rows,
                "partitions": 3,
                "index": index,
            },
        )
        record_progress(folder, {"step": "extract_table", "state": "done"})
    record_progress(folder, {"step": "extract_table", "state": "started"})

    progress = read_progress(folder)

    assert progress.tables["encounters"].rows == 200
    assert progress.tables["encounters"].partitions_done == 2
    assert progress.tables["encounters"].partitions == 3
    # The third partition still runs: the step under way is the extraction.
    assert progress.current_step == "extract_table"
    assert "encounters: 200 rows (2/3 parts)" in progress.summary()
    assert stat.S_IMODE(folder.progress_file.stat().st_mode) == 0o600


def test_a_line_cut_by_a_crash_is_skipped_not_fatal(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    record_progress(folder, {"step": "prepare", "state": "started"})
    with folder.progress_file.open("a") as handle:
        handle.write('{"step": "decide_hos')
    assert read_progress(folder).steps == ["prepare"]


def test_no_progress_file_reads_as_starting(tmp_path: Path) -> None:
    assert read_progress(_folder(tmp_path)).summary() == "starting"


def test_a_failed_gate_s_note_lists_its_report_line_by_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    record_progress(folder, {"step": "check_release", "state": "started"})
    record_progress(folder, {"step": "check_release", "state": "failed"})
    failures = [
        "k-anonymity: 12 record(s) below k=5 on birth_date, sex, postcode",
        "notes.text: residual identifier (NIR) in 1 row(s)",
    ]
    outcome = {"ok": False, "step": "check_release", **error_record(GateFailed(failures))}

    note = run_note("req-20261102t090000", read_progress(folder), outcome)

    assert note.startswith("**Failed** in step `check_release` (exit 4)")
    for failure in failures:
        assert f"- {failure}" in note


def test_a_published_run_s_note_names_the_extract_and_its_rows(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    record_progress(
        folder,
        {
            "step": "extract_table",
            "state": "rows",
            "table": "patients",
            "rows": 258,
            "partitions": 1,
        },
    )
    note = run_note("req-20261102t090000", read_progress(folder), {"ok": True})
    assert note.splitlines()[0] == "**Published** req-20261102t090000"
    assert "- patients: 258 (1/1 parts)" in note


def test_an_internal_error_keeps_its_text_out_of_the_note(tmp_path: Path) -> None:
    # A non-sovex error's text may hold data: error_record replaces it before the note.
    outcome = {
        "ok": False,
        "step": "extract_table",
        **error_record(ValueError("Dupont Jean 1 84 12 75 123 456 78")),
    }
    note = run_note("x", read_progress(_folder(tmp_path)), outcome)
    assert "Dupont" not in note and "(exit 1)" in note


def test_a_long_report_is_cut_to_what_airflow_stores(tmp_path: Path) -> None:
    failures = [f"table t{i}: rule r{i} failed on column c{i}" for i in range(200)]
    outcome = {"ok": False, "step": "check_release", **error_record(GateFailed(failures))}
    note = run_note("x", read_progress(_folder(tmp_path)), outcome)
    assert len(note) <= NOTE_LIMIT
    assert note.endswith("the task log have the whole report)")


def test_the_terminal_follows_each_change_of_step_and_rows(tmp_path: Path) -> None:
    import io
    import time

    from sovex import airflow_runner

    folder = _folder(tmp_path)
    terminal = io.StringIO()
    airflow_runner.PROGRESS_POLL_SECONDS, saved = 0.01, airflow_runner.PROGRESS_POLL_SECONDS
    try:
        with airflow_runner.progress_shown(folder, terminal):
            record_progress(folder, {"step": "prepare", "state": "started"})
            time.sleep(0.2)
            record_progress(
                folder,
                {
                    "step": "extract_table",
                    "state": "rows",
                    "table": "patients",
                    "rows": 7,
                    "partitions": 1,
                },
            )
            time.sleep(0.2)
    finally:
        airflow_runner.PROGRESS_POLL_SECONDS = saved
    shown = terminal.getvalue().splitlines()
    assert any(line.endswith("step prepare") for line in shown)
    assert any("patients: 7 rows (1/1 parts)" in line for line in shown)
    # One line per change, not one per poll.
    assert len(shown) == len(set(line.split(" ", 3)[-1] for line in shown))
