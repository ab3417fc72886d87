"""A request's status and history as records: its submissions, transitions, approval,
runs and published extract (`RequestStatus`), and what an operation did (`Outcome`).

Frozen dataclasses built from the database rows; nothing here reads or writes storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sovex.governance.transitions import (
    APPROVAL_STANDS,
    Condition,
    Operation,
    Rule,
    State,
    rules_for,
)


@dataclass(frozen=True)
class Transition:
    request_id: str
    seq: int  # 1, 2, … per request: the order of the history
    operation: Operation
    from_state: State
    to_state: State
    actor: str
    at: datetime
    request_sha256: str  # the content the transition is about
    detail: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "operation": self.operation.value,
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "request_sha256": self.request_sha256,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Submission:
    """One submitted version of a request (a row of `requests`)."""

    request_id: str
    request_file: Path
    project: str
    requester: str  # the request's `requester` field
    request_sha256: str
    schedule: str | None
    retention_until: date
    submitted_by: str
    submitted_at: datetime


@dataclass(frozen=True)
class Approval:
    request_sha256: str
    approved_by: str
    approved_at: datetime
    schedule: str | None
    comment: str | None = None
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    extract_id: str
    state: State  # running, published or failed
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    manifest: str | None
    reason: str | None


@dataclass(frozen=True)
class PublishedExtract:
    extract_id: str
    manifest: str | None
    retention_until: date | None
    published_at: datetime


@dataclass(frozen=True)
class RequestStatus:
    """A request as `sovex request status` shows it."""

    submission: Submission  # the latest one: what is current
    history: tuple[Transition, ...]
    authors: tuple[str, ...]  # everyone who ever submitted a version

    @property
    def request_id(self) -> str:
        return self.submission.request_id

    @property
    def state(self) -> State:
        return self.history[-1].to_state

    @property
    def schedule(self) -> str | None:
        return self.submission.schedule

    @property
    def approval(self) -> Approval | None:
        """The approval that stands, if any."""
        if self.state not in APPROVAL_STANDS:
            return None
        last = _last(self.history, Operation.APPROVE)
        assert last is not None  # these states are only reached through an approval
        return Approval(
            last.request_sha256,
            last.actor,
            last.at,
            self.submission.schedule,
            last.detail.get("comment"),
            tuple(last.detail.get("conditions", ())),
        )

    @property
    def last_run(self) -> Run | None:
        started = _last(self.history, Operation.START_RUN)
        if started is None:
            return None
        extract_id = started.detail["extract_id"]
        ended = next(
            (
                t
                for t in self.history[started.seq :]
                if t.operation in (Operation.PUBLISH, Operation.FAIL)
                and t.detail.get("extract_id") == extract_id
            ),
            None,
        )
        return Run(
            extract_id=extract_id,
            state=State.RUNNING if ended is None else ended.to_state,
            started_by=started.actor,
            started_at=started.at,
            finished_at=None if ended is None else ended.at,
            manifest=None if ended is None else ended.detail.get("manifest"),
            reason=None if ended is None else ended.detail.get("reason"),
        )

    @property
    def published(self) -> PublishedExtract | None:
        last = _last(self.history, Operation.PUBLISH)
        if last is None:
            return None
        retention = last.detail.get("retention_until")
        return PublishedExtract(
            extract_id=last.detail["extract_id"],
            manifest=last.detail.get("manifest"),
            retention_until=None if retention is None else date.fromisoformat(retention),
            published_at=last.at,
        )

    @property
    def retention_until(self) -> date:
        """The published extract's retention date, else the one the request asks for."""
        published = self.published
        if published is not None and published.retention_until is not None:
            return published.retention_until
        return self.submission.retention_until

    @property
    def runnable(self) -> bool:
        """Whether the state lets a run start (the file's hash is checked at run time)."""
        return any(holds(rule.condition, self, None) for rule in run_rules(self.state))

    def to_json(self) -> dict[str, Any]:
        approval, run, published = self.approval, self.last_run, self.published
        return {
            "request_id": self.request_id,
            "state": self.state.value,
            "project": self.submission.project,
            "requester": self.submission.requester,
            "request_file": str(self.submission.request_file),
            "submitted_sha256": self.submission.request_sha256,
            "schedule": self.schedule,
            "retention_until": self.retention_until.isoformat(),
            "runnable": self.runnable,
            "approval": None
            if approval is None
            else {
                "request_sha256": approval.request_sha256,
                "approved_by": approval.approved_by,
                "approved_at": approval.approved_at.isoformat(),
                "comment": approval.comment,
                "conditions": list(approval.conditions),
            },
            "last_run": None
            if run is None
            else {
                "extract_id": run.extract_id,
                "state": run.state.value,
                "started_by": run.started_by,
                "started_at": run.started_at.isoformat(),
                "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
                "manifest": run.manifest,
                "reason": run.reason,
            },
            "published": None
            if published is None
            else {
                "extract_id": published.extract_id,
                "manifest": published.manifest,
                "retention_until": None
                if published.retention_until is None
                else published.retention_until.isoformat(),
                "published_at": published.published_at.isoformat(),
            },
            "history": [t.to_json() for t in self.history],
        }


@dataclass(frozen=True)
class Outcome:
    """What an operation did: the request after it, the transitions it appended (none for
    a no-op) and a sentence for the person who asked."""

    status: RequestStatus
    transitions: tuple[Transition, ...]
    message: str

    @property
    def changed(self) -> bool:
        return bool(self.transitions)


def _last(history: tuple[Transition, ...], operation: Operation) -> Transition | None:
    return next((t for t in reversed(history) if t.operation is operation), None)


def run_rules(state: State) -> list[Rule]:
    return rules_for(Operation.START_RUN, state)


def holds(condition: Condition, status: RequestStatus, sha256: str | None) -> bool:
    """Whether a rule's condition holds for the request and the content at hand."""
    if condition is Condition.ALWAYS:
        return True
    if condition is Condition.SCHEDULED:
        return status.schedule is not None
    return sha256 is not None and sha256 != status.submission.request_sha256
