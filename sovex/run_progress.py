"""What a run has done so far and why it stopped, for the person watching it.

Each step appends one line to the run folder's progress file when it starts and when it
ends, and each table partition adds the rows it wrote (step names and counts only, never
patient data). `sovex run` reads the file while Airflow runs to show progress, and turns
it with the run's outcome into the run's note in Airflow: a failed run says which step
stopped it and why (the gate's own report), in the run list, not in a traceback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sovex.model.run import RunFolder

# Airflow keeps a run's note in a column of 1000 characters.
NOTE_LIMIT = 1000
# One long reason (a k-anonymity report lists every quasi-identifier) leaves room for others.
REASON_LIMIT = 400


def record_progress(folder: RunFolder, event: dict[str, Any]) -> None:
    """Append one event (a step's state, a partition's rows). O_APPEND keeps the short
    lines of parallel partitions whole; the file is the run's own (0600)."""
    line = json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **event})
    folder.create()
    descriptor = os.open(folder.progress_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode("utf-8"))
    finally:
        os.close(descriptor)


@dataclass
class TableProgress:
    rows: int = 0
    partitions_done: int = 0
    partitions: int = 0


@dataclass
class RunProgress:
    """The progress file read back: steps in the order they started, the last one's state,
    and rows per table."""

    steps: list[str] = field(default_factory=list)
    # A mapped step (one task per table partition) starts and ends several times.
    started: dict[str, int] = field(default_factory=dict)
    ended: dict[str, int] = field(default_factory=dict)
    failed: str | None = None
    tables: dict[str, TableProgress] = field(default_factory=dict)

    @property
    def current_step(self) -> str | None:
        running = [n for n in self.steps if self.started.get(n, 0) > self.ended.get(n, 0)]
        return running[-1] if running else None

    def summary(self) -> str:
        """One line: the step under way and the rows written per table so far."""
        parts = []
        if self.failed:
            parts.append(f"failed in {self.failed}")
        elif self.current_step:
            parts.append(f"step {self.current_step}")
        elif self.steps:
            parts.append(f"done {self.steps[-1]}")
        for table, progress in self.tables.items():
            parts.append(
                f"{table}: {progress.rows:,} rows "
                f"({progress.partitions_done}/{progress.partitions} parts)"
            )
        return " · ".join(parts) if parts else "starting"


def read_progress(folder: RunFolder) -> RunProgress:
    """The events so far; a line still being written (or cut by a crash) is skipped."""
    progress = RunProgress()
    try:
        text = folder.progress_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return progress
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(event, dict):
            continue
        _apply(progress, event)
    return progress


def _apply(progress: RunProgress, event: dict[str, Any]) -> None:
    step, state = event.get("step"), event.get("state")
    if not isinstance(step, str):
        return
    if state == "started":
        if step not in progress.steps:
            progress.steps.append(step)
        progress.started[step] = progress.started.get(step, 0) + 1
    elif state in ("done", "failed"):
        progress.ended[step] = progress.ended.get(step, 0) + 1
        if state == "failed":
            progress.failed = step
    elif state == "rows":
        table = event.get("table")
        rows, partitions = event.get("rows"), event.get("partitions")
        if isinstance(table, str) and isinstance(rows, int) and isinstance(partitions, int):
            counted = progress.tables.setdefault(table, TableProgress())
            counted.rows += rows
            counted.partitions_done += 1
            counted.partitions = partitions


def run_note(extract_id: str, progress: RunProgress, outcome: dict[str, Any] | None) -> str:
    """The run's note (Markdown, as Airflow shows it): published or failed, the failed
    step's reason line by line, and the rows written per table. Messages of sovex's
    errors name files, fields and rules, never data; an internal error's text stays in
    the log (`error_record` already replaced it)."""
    lines: list[str] = []
    if outcome is None:
        lines.append(f"**Did not finish**: {extract_id} (see the task logs)")
    elif outcome.get("ok"):
        lines.append(f"**Published** {extract_id}")
    else:
        step = outcome.get("step", "?")
        code = outcome.get("exit_code", "?")
        lines.append(f"**Failed** in step `{step}` (exit {code}): nothing was published")
        message = str(outcome.get("message", ""))
        lines.extend(f"- {_cut(reason, REASON_LIMIT)}" for reason in _reasons(outcome, message))
    if progress.tables:
        lines.append("")
        lines.append("Rows written per table:")
        lines.extend(
            f"- {table}: {counted.rows:,} ({counted.partitions_done}/{counted.partitions} parts)"
            for table, counted in progress.tables.items()
        )
    return _fit("\n".join(lines))


def _reasons(outcome: dict[str, Any], message: str) -> list[str]:
    fields = outcome.get("fields") or {}
    for name in ("failures", "reasons", "problems"):
        listed = fields.get(name)
        if isinstance(listed, list) and listed:
            return [str(item) for item in listed]
    return [line for line in message.splitlines() if line.strip()]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(note: str) -> str:
    if len(note) <= NOTE_LIMIT:
        return note
    tail = "\n… (cut: `sovex run` and the task log have the whole report)"
    return note[: NOTE_LIMIT - len(tail)].rstrip() + tail
