"""One `research_extract` run: what its steps share, and the folder that holds its files.

Airflow hands data between tasks as JSON (XCom), so the DAG converts at its edges
(`RunContext.to_xcom` / `from_xcom`) and every step works on the typed context. The run
folder (`RunFolder`) is the one place that names the files a run writes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from sovex.model.errors import IntegrityError

EXTRACT_ID_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def make_extract_id(request_id: str, logical_date: datetime) -> str:
    """The extract's id: the request's id and the run's logical time (UTC)."""
    return f"{request_id}-{logical_date.astimezone(UTC).strftime(EXTRACT_ID_TIME_FORMAT)}"


@dataclass(frozen=True)
class RunContext:
    """What every step of a run knows from its start: the approved request's file and hash
    (each step re-checks the file against the hash), the extract's id and the run time."""

    request_file: Path
    request_id: str
    request_sha256: str
    project: str
    extract_id: str
    logical_date: datetime
    tables: tuple[str, ...]

    @property
    def as_of(self) -> date:
        """The day consent is read as of: the run's logical date (UTC)."""
        return self.logical_date.astimezone(UTC).date()

    def to_xcom(self) -> dict[str, Any]:
        return {
            "request_file": str(self.request_file),
            "request_id": self.request_id,
            "request_sha256": self.request_sha256,
            "project": self.project,
            "extract_id": self.extract_id,
            "logical_date": self.logical_date.astimezone(UTC).isoformat(),
            "tables": list(self.tables),
        }

    @classmethod
    def from_xcom(cls, record: dict[str, Any]) -> RunContext:
        try:
            return cls(
                request_file=Path(record["request_file"]),
                request_id=str(record["request_id"]),
                request_sha256=str(record["request_sha256"]),
                project=str(record["project"]),
                extract_id=str(record["extract_id"]),
                logical_date=datetime.fromisoformat(record["logical_date"]),
                tables=tuple(record["tables"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise IntegrityError(
                f"run context handed between tasks is malformed: {error}"
            ) from None


class PartRecord(TypedDict):
    """One file written by a run, as the steps hand it on: its table (or aggregate), local
    path, rows, bytes and SHA-256; a table part carries the scan made while it was written;
    a file published under another key than `<table>/<file name>` names it."""

    table: str
    path: str
    rows: int
    bytes: int
    sha256: str
    scan: NotRequired[dict[str, int] | None]  # residual-identifier counts by rule
    key: NotRequired[str]


@dataclass(frozen=True)
class RunFolder:
    """The run's folder under the state dir. Patient-level files (the included ids, the
    parts, the patients' keys) live only here and under `parts/`, removed when the run
    publishes or fails; the JSON records hold ids, hashes and counts only."""

    path: Path

    @classmethod
    def under(cls, runs_dir: Path, extract_id: str) -> RunFolder:
        return cls(runs_dir / extract_id)

    # What `sovex run` reads: the outcome (ok, or the failed step's error record) and the
    # published result.
    @property
    def outcome_file(self) -> Path:
        return self.path / "outcome.json"

    @property
    def result_file(self) -> Path:
        return self.path / "result.json"

    @property
    def progress_file(self) -> Path:
        """Steps started and done, rows per table partition (`sovex.run_progress`)."""
        return self.path / "progress.ndjson"

    # Step records.
    @property
    def policy_file(self) -> Path:
        return self.path / "policy.json"

    @property
    def disclosure_file(self) -> Path:
        return self.path / "disclosure.json"

    # Everything under parts/ is removed with them.
    @property
    def parts_dir(self) -> Path:
        return self.path / "parts"

    @property
    def included_file(self) -> Path:
        """The ids of the patients in the extract (consented, then less the suppressed):
        they reveal who has the cohort's diagnosis, so they go with the parts."""
        return self.parts_dir / "_included.parquet"

    @property
    def patient_keys_file(self) -> Path:
        """The included patients' pseudonyms and date shifts, computed once per run."""
        return self.parts_dir / "_patient_keys.parquet"

    @property
    def index_dates_file(self) -> Path:
        """Each cohort member's index date (cohort criteria by concept, issue 21: the
        first day they meet the criteria, a source date; the derived `days_since_index`
        columns count from it): who has the cohort's condition and when, so it goes with
        the parts. Not the release gate's index (`event_index_file`)."""
        return self.parts_dir / "_index_dates.parquet"

    @property
    def suppressed_events_file(self) -> Path:
        """The events the release gate suppresses (patient id and event label)."""
        return self.parts_dir / "_suppressed_events.parquet"

    @property
    def event_index_file(self) -> Path:
        """Each included patient's index date (shifted), when the release gate publishes
        event dates as the time since it (issue 16: their first event, in the period, in
        the tables offering `since_index`). Not the cohort's index (`index_dates_file`)."""
        return self.parts_dir / "_event_index_dates.parquet"

    def table_dir(self, table: str) -> Path:
        return self.parts_dir / table

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def write_record(self, path: Path, record: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")

    def read_record(self, path: Path) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return record

    def drop_parts(self) -> None:
        shutil.rmtree(self.parts_dir, ignore_errors=True)
