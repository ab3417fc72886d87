"""The approved-requests snapshot, `approved-requests.json` in the state folder: the
requests whose approval stands, read by the DAG file at parse time, where no database may
be opened. `RequestStore` rewrites it (atomically) after each change.

Reading it is cheap: this module imports neither the database nor the audit log.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovex.governance.transitions import State
from sovex.model.errors import InvalidInput

if TYPE_CHECKING:
    from sovex.governance.status import RequestStatus

SNAPSHOT_FILE = "approved-requests.json"
SNAPSHOT_FORMAT = "sovex-approved-requests/1"
SNAPSHOT_FILE_MODE = 0o644


@dataclass(frozen=True)
class ApprovedRequest:
    """A request whose approval stands: an entry of the approved-requests snapshot."""

    request_id: str
    project: str
    request_file: Path
    approved_sha256: str
    schedule: str | None
    state: State
    runnable: bool  # a run may start now (false while one runs, or once a one-off published)
    approved_by: str
    approved_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "project": self.project,
            "request_file": str(self.request_file),
            "approved_sha256": self.approved_sha256,
            "schedule": self.schedule,
            "state": self.state.value,
            "runnable": self.runnable,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ApprovedRequest:
        return cls(
            request_id=str(raw["request_id"]),
            project=str(raw["project"]),
            request_file=Path(raw["request_file"]),
            approved_sha256=str(raw["approved_sha256"]),
            schedule=None if raw["schedule"] is None else str(raw["schedule"]),
            state=State(raw["state"]),
            runnable=bool(raw["runnable"]),
            approved_by=str(raw["approved_by"]),
            approved_at=datetime.fromisoformat(raw["approved_at"]),
        )


def approved_snapshot_path(state_dir: Path) -> Path:
    return state_dir / SNAPSHOT_FILE


def read_approved_snapshot(path: Path) -> list[ApprovedRequest]:
    """The snapshot's requests ([] before any approval). Cheap: for DAG files."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{path}: not a readable approved-requests file: {error}") from None
    try:
        if raw["format"] != SNAPSHOT_FORMAT:
            raise ValueError(raw["format"])
        return [ApprovedRequest.from_json(entry) for entry in raw["requests"]]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(
            f"{path}: not a {SNAPSHOT_FORMAT} file; it is rewritten by the next request "
            "transition (or RequestStore.write_snapshot)"
        ) from None


def approved_entries(statuses: list[RequestStatus]) -> list[ApprovedRequest]:
    """The snapshot's entries: the statuses whose approval stands, in their order."""
    return [
        ApprovedRequest(
            request_id=status.request_id,
            project=status.submission.project,
            request_file=status.submission.request_file,
            approved_sha256=approval.request_sha256,
            schedule=status.schedule,
            state=status.state,
            runnable=status.runnable,
            approved_by=approval.approved_by,
            approved_at=approval.approved_at,
        )
        for status in statuses
        if (approval := status.approval) is not None
    ]


def write_approved_snapshot(path: Path, requests: list[ApprovedRequest]) -> None:
    """Replace the snapshot at `path` with these requests (readers never see a part)."""
    entries = [entry.to_json() for entry in requests]
    _write_atomically(
        path,
        json.dumps({"format": SNAPSHOT_FORMAT, "requests": entries}, indent=2, sort_keys=True)
        + "\n",
    )


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # Ids, paths and hashes only: readable by the Airflow processes, like the audit log.
        os.fchmod(fd, SNAPSHOT_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # Readers (a DAG being parsed) see the old file or the new one, never a part.
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
