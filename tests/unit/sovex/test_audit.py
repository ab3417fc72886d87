from __future__ import annotations

import itertools
import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sovex.audit import (
    ANCHOR_KEY_PREFIX,
    GENESIS_PREV,
    AuditAction,
    AuditLog,
    anchor,
    default_log_path,
    format_records,
    record_hash,
    verify,
)
from sovex.model.errors import IntegrityError, InvalidInput

LOGICAL_DATE = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
RECORDS_IN_LOG = 10
PROCESSES = 4
APPENDS_PER_PROCESS = 25
ANCHOR_RETENTION = timedelta(days=3650)


def filled_log(tmp_path: Path, count: int = RECORDS_IN_LOG) -> AuditLog:
    log = AuditLog(default_log_path(tmp_path))
    for number in range(count):
        log.append(
            "steward:alice",
            AuditAction.REQUEST_APPROVED,
            f"request:r-{number}",
            {"request_sha256": f"{number:064x}", "rows": number},
            at=LOGICAL_DATE + timedelta(minutes=number),
        )
    return log


def rewrite_lines(path: Path, change: Any) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8")


def test_appended_records_verify_and_chain_each_to_the_previous_hash(tmp_path: Path) -> None:
    log = filled_log(tmp_path)

    result = verify(log.path)
    records = list(log.records())

    assert (result.ok, result.records, result.first_bad_seq, result.reason) == (
        True,
        RECORDS_IN_LOG,
        None,
        None,
    )
    assert [r["seq"] for r in records] == list(range(1, RECORDS_IN_LOG + 1))
    assert records[0]["prev"] == GENESIS_PREV
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))
    assert all(r["hash"] == record_hash(r) for r in records)
    assert records[0]["at"] == "2026-05-01T09:30:00+00:00"
    assert records[0]["action"] == "request_approved"
    assert log.head() == records[-1]["hash"]


def test_each_line_is_the_canonical_json_of_its_record(tmp_path: Path) -> None:
    log = filled_log(tmp_path, 1)

    line = log.path.read_text(encoding="utf-8")

    record = json.loads(line)
    assert line == json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


@pytest.mark.parametrize("chunk_bytes", [1, 7, 64 * 1024])
def test_head_is_the_last_hash_whatever_the_read_chunk_size(
    tmp_path: Path, chunk_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = filled_log(tmp_path, 3)
    monkeypatch.setattr("sovex.audit.TAIL_CHUNK_BYTES", chunk_bytes)

    assert log.head() == list(log.records())[-1]["hash"]
    assert log.append("sovex", AuditAction.RUN_STARTED, "run:1", at=LOGICAL_DATE)["seq"] == 4


def test_an_empty_log_is_intact_with_zero_records(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.touch()

    result = verify(path)

    assert (result.ok, result.records) == (True, 0)
    assert AuditLog(path).head() is None


def test_a_missing_log_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        verify(tmp_path / "absent.jsonl")


def test_tampering_with_a_detail_value_is_detected_at_that_record(tmp_path: Path) -> None:
    log = filled_log(tmp_path)

    def tamper(lines: list[str]) -> list[str]:
        lines[6] = lines[6].replace('"rows":6', '"rows":600')
        return lines

    rewrite_lines(log.path, tamper)
    result = verify(log.path)

    assert (result.ok, result.first_bad_seq, result.records) == (False, 7, 6)
    assert result.reason == "record 7: hash does not match its content"
    with pytest.raises(IntegrityError, match="record 7: hash does not match") as raised:
        result.raise_if_bad()
    assert raised.value.exit_code == 5


def test_deleting_a_record_is_detected_as_a_prev_mismatch_at_the_next_one(
    tmp_path: Path,
) -> None:
    log = filled_log(tmp_path)

    rewrite_lines(log.path, lambda lines: lines[:6] + lines[7:])
    result = verify(log.path)

    assert (result.ok, result.first_bad_seq) == (False, 8)
    assert result.reason == "record 8: prev does not match record 6's hash"


def test_deleting_the_first_record_is_detected(tmp_path: Path) -> None:
    log = filled_log(tmp_path)

    rewrite_lines(log.path, lambda lines: lines[1:])
    result = verify(log.path)

    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "start of the chain" in (result.reason or "")


def test_reordering_two_records_is_detected_at_the_first_moved_one(tmp_path: Path) -> None:
    log = filled_log(tmp_path)

    def swap(lines: list[str]) -> list[str]:
        lines[4], lines[5] = lines[5], lines[4]
        return lines

    rewrite_lines(log.path, swap)
    result = verify(log.path)

    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.reason == "record 6: prev does not match record 4's hash"


def test_a_renumbered_record_with_a_recomputed_hash_is_detected_by_seq(tmp_path: Path) -> None:
    log = filled_log(tmp_path)

    def renumber(lines: list[str]) -> list[str]:
        record = json.loads(lines[8])
        record["seq"] = 11
        record["hash"] = record_hash(record)
        lines[8] = json.dumps(record) + "\n"
        return lines[:9]

    rewrite_lines(log.path, renumber)
    result = verify(log.path)

    assert (result.ok, result.first_bad_seq) == (False, 11)
    assert result.reason == "record 11: seq 11 follows 8"


def test_truncating_the_last_line_to_invalid_json_is_detected_by_line(tmp_path: Path) -> None:
    log = filled_log(tmp_path)
    data = log.path.read_bytes()

    log.path.write_bytes(data[: len(data) - 20])
    result = verify(log.path)

    assert (result.ok, result.records) == (False, RECORDS_IN_LOG - 1)
    assert result.first_bad_seq == RECORDS_IN_LOG
    assert result.reason == f"line {RECORDS_IN_LOG}: not valid JSON"


def test_appending_after_an_incomplete_last_line_is_refused(tmp_path: Path) -> None:
    log = filled_log(tmp_path, 2)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-5])

    with pytest.raises(IntegrityError, match="last line is incomplete"):
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", at=LOGICAL_DATE)


def test_appending_onto_a_tampered_last_record_is_refused(tmp_path: Path) -> None:
    log = filled_log(tmp_path, 2)
    rewrite_lines(log.path, lambda lines: [lines[0], lines[1].replace('"rows":1', '"rows":9')])

    with pytest.raises(IntegrityError, match="record 2: hash does not match"):
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", at=LOGICAL_DATE)


def _append_many(path: str, worker: int) -> None:
    log = AuditLog(Path(path))
    for number in range(APPENDS_PER_PROCESS):
        log.append(f"worker:{worker}", AuditAction.GATE_RESULT, f"run:{worker}-{number}")


def test_concurrent_appends_from_four_processes_give_one_valid_chain_with_every_record(
    tmp_path: Path,
) -> None:
    path = default_log_path(tmp_path)
    # spawn: no fork of a possibly multi-threaded test process.
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_many, args=(str(path), worker))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)

    assert [p.exitcode for p in workers] == [0] * PROCESSES
    result = verify(path)
    assert (result.ok, result.records) == (True, PROCESSES * APPENDS_PER_PROCESS)
    subjects = {r["subject"] for r in AuditLog(path).records()}
    assert subjects == {
        f"run:{w}-{n}" for w in range(PROCESSES) for n in range(APPENDS_PER_PROCESS)
    }


@pytest.mark.parametrize(
    "detail",
    [
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
        {"amount": Decimal("1.5")},
        {"raw": b"bytes"},
        {"ids": ("a", "b")},
        {"nested": {"ids": {1, 2}}},
        {"ratio": float("nan")},
        {1: "non-string key"},
    ],
    ids=["datetime", "decimal", "bytes", "tuple", "set", "nan", "int-key"],
)
def test_a_detail_that_is_not_plain_json_is_refused_and_nothing_is_written(
    tmp_path: Path, detail: dict[Any, Any]
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")

    with pytest.raises(InvalidInput, match="audit detail"):
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", detail, at=LOGICAL_DATE)

    assert not log.path.exists()


def test_a_refused_detail_message_names_the_field_but_never_its_value(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")

    with pytest.raises(InvalidInput) as refused:
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", {"nir": b"185057800608436"})

    assert "detail.nir" in str(refused.value)
    assert "185057800608436" not in str(refused.value)


def test_an_oversized_detail_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")

    with pytest.raises(InvalidInput, match="at most"):
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", {"rows": ["x" * 100] * 100})


def test_an_unknown_action_or_a_naive_time_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")

    with pytest.raises(InvalidInput, match="action"):
        log.append("sovex", "request_deleted", "request:r-1")
    with pytest.raises(InvalidInput, match="timezone-aware"):
        log.append("sovex", AuditAction.RUN_STARTED, "run:1", at=datetime(2026, 5, 1))


class FakeS3:
    """Records put_object calls, refusing a second write to one key like If-None-Match."""

    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["Key"] not in {put["Key"] for put in self.puts}
        self.puts.append(kwargs)
        return {}


def test_anchor_writes_the_head_hash_with_compliance_lock_headers_when_retain_until_is_given(
    tmp_path: Path,
) -> None:
    log = filled_log(tmp_path)
    head = log.head()
    s3 = FakeS3()
    retain_until = LOGICAL_DATE + ANCHOR_RETENTION

    key = anchor(log, s3, "sovex-audit", retain_until=retain_until, at=LOGICAL_DATE)

    assert key == f"{ANCHOR_KEY_PREFIX}/20260501T093000Z-{RECORDS_IN_LOG}.json"
    (put,) = s3.puts
    assert put["Bucket"] == "sovex-audit"
    assert put["Key"] == key
    assert put["ObjectLockMode"] == "COMPLIANCE"
    assert put["ObjectLockRetainUntilDate"] == retain_until
    assert put["ServerSideEncryption"] == "AES256"
    assert put["IfNoneMatch"] == "*"
    body = json.loads(put["Body"])
    assert (body["head"], body["seq"], body["records"]) == (head, RECORDS_IN_LOG, RECORDS_IN_LOG)
    assert body["anchored_at"] == "2026-05-01T09:30:00+00:00"
    last = list(log.records())[-1]
    assert last["action"] == AuditAction.ANCHOR_WRITTEN
    assert last["subject"] == f"s3://sovex-audit/{key}"
    assert last["detail"]["head"] == head
    assert verify(log.path).ok


def test_anchor_without_retain_until_sends_no_lock_headers(tmp_path: Path) -> None:
    log = filled_log(tmp_path, 1)
    s3 = FakeS3()

    anchor(log, s3, "sovex-audit", at=LOGICAL_DATE)

    (put,) = s3.puts
    assert "ObjectLockMode" not in put
    assert "ObjectLockRetainUntilDate" not in put


def test_a_broken_chain_is_never_anchored(tmp_path: Path) -> None:
    log = filled_log(tmp_path)
    rewrite_lines(log.path, lambda lines: lines[:3] + lines[4:])
    s3 = FakeS3()

    with pytest.raises(IntegrityError, match="record 5: prev does not match"):
        anchor(log, s3, "sovex-audit", at=LOGICAL_DATE)

    assert s3.puts == []


def test_show_lists_the_newest_records_with_short_hashes(tmp_path: Path) -> None:
    log = filled_log(tmp_path)
    log.append("sovex", AuditAction.RUN_FAILED, "run:\x1b[2Jx", at=LOGICAL_DATE)

    table = format_records(log.records(), limit=2)

    lines = table.splitlines()
    assert lines[0].split() == ["seq", "at", "actor", "action", "subject", "detail", "hash"]
    assert len(lines) == 3
    assert lines[1].startswith(str(RECORDS_IN_LOG))
    assert "\x1b" not in table
    assert "run:\\x1b[2Jx" in table


def test_records_are_filtered_by_actor_action_project_and_time(tmp_path: Path) -> None:
    from sovex.audit import matching

    log = AuditLog(default_log_path(tmp_path))
    t0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
    log.append("Paul", "request_approved", "r-1", {"project": "alpha"}, at=t0)
    log.append("sovex", "extract_published", "s3://b/extracts/alpha/e-1/_manifest.json", at=t0)
    log.append("claire", "extract_downloaded", "e-2", {"project": "beta"}, at=t0 + timedelta(1))

    def subjects(**criteria: Any) -> list[str]:
        return [r["subject"] for r in matching(log.records(), **criteria)]

    assert subjects(actor="paul") == ["r-1"]
    assert subjects(action="extract_downloaded") == ["e-2"]
    assert subjects(project="alpha") == ["r-1", "s3://b/extracts/alpha/e-1/_manifest.json"]
    assert subjects(since=t0 + timedelta(hours=1)) == ["e-2"]
    assert subjects(until=t0, project="beta") == []
    with pytest.raises(InvalidInput, match="--since"):
        subjects(since=datetime(2026, 12, 1))
