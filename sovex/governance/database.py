"""The request life cycle's SQLite tables, in the state folder's database (`sovex.db`,
shared with the consent registry): `requests` (one row per submission; the latest is
current) and `request_transitions` (one row per transition; the last gives the state).
Triggers refuse UPDATE and DELETE.

`Transaction` is one write of `RequestStore`: it appends a transition and writes it to the
audit log before the database commits, so no transition stands without its audit record.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sovex.governance.errors import UnknownRequest
from sovex.governance.status import RequestStatus, Submission, Transition
from sovex.governance.transitions import (
    OPERATION_AUDIT_ACTIONS,
    OPERATION_PARTICIPLES,
    Operation,
    Rule,
    State,
)
from sovex.model.append_only_db import connect_append_only
from sovex.roles import SYSTEM_ACTOR

if TYPE_CHECKING:
    from sovex.model.request import ExtractRequest

MAX_KNOWN_IDS_SHOWN = 20

_STATES = ", ".join(f"'{s.value}'" for s in State)
_OPERATIONS = ", ".join(f"'{o.value}'" for o in Operation)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,  -- submission order; a request's latest row is current
    request_id TEXT NOT NULL,
    request_file TEXT NOT NULL,  -- absolute
    project TEXT NOT NULL,
    requester TEXT NOT NULL,  -- the request's `requester` field
    request_sha256 TEXT NOT NULL,
    schedule TEXT,
    retention_until TEXT NOT NULL,  -- ISO date
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL  -- ISO, UTC
);
CREATE INDEX IF NOT EXISTS requests_by_id ON requests (request_id, seq);
CREATE TABLE IF NOT EXISTS request_transitions (
    request_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    operation TEXT NOT NULL CHECK (operation IN ({_OPERATIONS})),
    from_state TEXT NOT NULL CHECK (from_state IN ({_STATES})),
    to_state TEXT NOT NULL CHECK (to_state IN ({_STATES})),
    actor TEXT NOT NULL,
    at TEXT NOT NULL,  -- ISO, UTC
    request_sha256 TEXT NOT NULL,
    detail TEXT NOT NULL,  -- JSON: reason, extract_id, manifest, retention_until, schedule
    PRIMARY KEY (request_id, seq)
) WITHOUT ROWID;
"""
APPEND_ONLY_TABLES = ("requests", "request_transitions")


def connect(db_path: Path) -> sqlite3.Connection:
    return connect_append_only(db_path, SCHEMA, APPEND_ONLY_TABLES, "the request life cycle")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def read_status(connection: sqlite3.Connection, request_id: str) -> RequestStatus | None:
    rows = connection.execute(
        "SELECT request_file, project, requester, request_sha256, schedule, retention_until, "
        "submitted_by, submitted_at FROM requests WHERE request_id = ? ORDER BY seq",
        (request_id,),
    ).fetchall()
    if not rows:
        return None
    file, project, requester, sha, schedule, retention, by, at = rows[-1]
    submission = Submission(
        request_id=request_id,
        request_file=Path(file),
        project=project,
        requester=requester,
        request_sha256=sha,
        schedule=schedule,
        retention_until=date.fromisoformat(retention),
        submitted_by=by,
        submitted_at=datetime.fromisoformat(at),
    )
    history = tuple(
        Transition(
            request_id=request_id,
            seq=seq,
            operation=Operation(operation),
            from_state=State(from_state),
            to_state=State(to_state),
            actor=actor,
            at=datetime.fromisoformat(at),
            request_sha256=sha256,
            detail=json.loads(detail),
        )
        for seq, operation, from_state, to_state, actor, at, sha256, detail in connection.execute(
            "SELECT seq, operation, from_state, to_state, actor, at, request_sha256, detail "
            "FROM request_transitions WHERE request_id = ? ORDER BY seq",
            (request_id,),
        )
    )
    authors = tuple(dict.fromkeys(row[6] for row in rows))
    return RequestStatus(submission=submission, history=history, authors=authors)


def known_ids(connection: sqlite3.Connection) -> list[str]:
    return [
        request_id
        for (request_id,) in connection.execute(
            "SELECT DISTINCT request_id FROM requests ORDER BY request_id"
        )
    ]


def all_statuses(connection: sqlite3.Connection) -> list[RequestStatus]:
    return [
        status
        for request_id in known_ids(connection)
        if (status := read_status(connection, request_id)) is not None
    ]


@dataclass
class Transaction:
    """One BEGIN IMMEDIATE transaction of a RequestStore operation."""

    connection: sqlite3.Connection
    audit_path: Path
    appended: list[Transition] = field(default_factory=list)
    actor_auth: Any = None  # sovex.audit.ActorAuth, or None: derived from the actor

    def status(self, request_id: str) -> RequestStatus | None:
        return read_status(self.connection, request_id)

    def require(self, request_id: str, operation: Operation) -> RequestStatus:
        status = self.status(request_id)
        if status is None:
            known = known_ids(self.connection)
            shown = ", ".join(known[:MAX_KNOWN_IDS_SHOWN]) or "none yet"
            raise UnknownRequest(
                request_id,
                State.DRAFT,
                operation,
                f"no request {request_id!r} was ever submitted, so it cannot be "
                f"{OPERATION_PARTICIPLES[operation]} (submitted requests: {shown}); "
                "a requester submits it first: `sovex request submit FILE`",
            )
        return status

    def add_submission(
        self, request: ExtractRequest, path: Path, schedule: str | None, actor: str, at: datetime
    ) -> None:
        self.connection.execute(
            "INSERT INTO requests (request_id, request_file, project, requester, "
            "request_sha256, schedule, retention_until, submitted_by, submitted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.id,
                str(path),
                request.project,
                request.requester,
                request.sha256(),
                schedule,
                request.retention_until.isoformat(),
                actor,
                _iso(at),
            ),
        )

    def append(
        self,
        rule: Rule,
        request_id: str,
        actor: str,
        at: datetime,
        request_sha256: str,
        detail: Mapping[str, Any],
    ) -> Transition:
        from sovex.audit import AuditLog

        (last,) = self.connection.execute(
            "SELECT coalesce(max(seq), 0) FROM request_transitions WHERE request_id = ?",
            (request_id,),
        ).fetchone()
        transition = Transition(
            request_id=request_id,
            seq=last + 1,
            operation=rule.operation,
            from_state=rule.source,
            to_state=rule.target,
            actor=actor,
            at=at.astimezone(UTC),
            request_sha256=request_sha256,
            detail=dict(detail),
        )
        self.connection.execute(
            "INSERT INTO request_transitions (request_id, seq, operation, from_state, "
            "to_state, actor, at, request_sha256, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request_id,
                transition.seq,
                rule.operation.value,
                rule.source.value,
                rule.target.value,
                actor,
                _iso(at),
                request_sha256,
                json.dumps(transition.detail, sort_keys=True),
            ),
        )
        # Written before the commit: if the audit log cannot take it, the transition is
        # rolled back (no transition stands without its audit record).
        AuditLog(self.audit_path).append(
            actor,
            OPERATION_AUDIT_ACTIONS[rule.operation],
            f"request:{request_id}",
            {
                "seq": transition.seq,
                "from_state": rule.source.value,
                "to_state": rule.target.value,
                "request_sha256": request_sha256,
                **transition.detail,
            },
            at=at,
            actor_auth=None if actor == SYSTEM_ACTOR else self.actor_auth,
        )
        self.appended.append(transition)
        return transition
