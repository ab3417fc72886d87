"""The audit trail: an append-only, hash-chained JSON Lines log a compliance officer can verify.

One record per line, written in canonical JSON (sorted keys, no spaces, UTF-8):

    {"seq": 1, "at": "2026-05-01T09:00:00+00:00", "actor": "steward:alice",
     "action": "request_approved", "subject": "request:r-2026-001",
     "detail": {"request_sha256": "…"}, "prev": "000…0", "hash": "…"}

- `seq` starts at 1 and grows by one per record.
- `hash` is the SHA-256 (hex) of the record's canonical JSON *without* the `hash` field.
- `prev` is the previous record's `hash` ("0" * 64 for the first record), so changing,
  deleting or reordering any record breaks the chain at that point.
- With `SOVEX_AUDIT_SIGNING_KEY` (an Ed25519 key kept outside the state folder,
  `sovex.audit_signing`), `signer` names the key and `sig` signs the hash: whoever can
  rewrite the file and recompute the chain still cannot sign it.

What the chain cannot show by itself is that the newest records were cut off (the
shortened file is still a valid chain): `anchor` copies the head hash to an object-locked
S3 object that nobody, not even the bucket owner, can overwrite or delete before its
retention date; comparing the log with its anchors covers that case.

**Never write patient data, secrets or keys into this log.** Callers pass ids, hashes and
counts only (a request id, a key *fingerprint*, a manifest sha256, row counts). `detail`
must be a small dict of JSON values (str, int, float, bool, None, list, dict with str keys);
anything else is refused, and error messages name the field, never its value.

One module, long on purpose: the writer, the verifier and the anchor checks share the
canonical encoding and the chain rule; apart, a verifier could drift from the writer.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import math
import os
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sovex.audit_signing import configured_signer, signature_problem, signer_id
from sovex.model.errors import IntegrityError, InvalidInput

# Where the CLI and the DAGs find the log, under the state directory.
AUDIT_DIR_NAME = "audit"
AUDIT_FILE_NAME = "audit.jsonl"

GENESIS_PREV = "0" * 64
FIRST_SEQ = 1
HASH_HEX_CHARS = 64
FIELDS = frozenset({"seq", "at", "actor", "action", "subject", "detail", "prev", "hash"})
# With a signing key (`sovex.audit_signing`): the key's id and the signature of the hash.
SIGNATURE_FIELDS = frozenset({"signer", "sig"})
# How the actor is known (issue 20); hashed; records written before it have none.
ACTOR_AUTH_FIELD = "actor_auth"
UNHASHED_FIELDS = frozenset({"hash", "sig"})

# Guards against callers dumping data rows into the log: details are ids, hashes, counts.
MAX_DETAIL_BYTES = 4096
MAX_DETAIL_DEPTH = 8
MAX_FIELD_CHARS = 256

# The log is public to whoever audits the deployment; it holds nothing secret.
LOG_FILE_MODE = 0o644
# Reading the last record backwards from the end of the file, this many bytes at a time.
TAIL_CHUNK_BYTES = 64 * 1024

# The bucket (object lock enabled) that holds the anchors.
AUDIT_BUCKET = "sovex-audit"
ANCHOR_KEY_PREFIX = "audit-anchors"
ANCHOR_FORMAT = "sovex-audit-anchor/1"
ANCHOR_ACTOR = "sovex"
ANCHOR_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
ANCHOR_LOCK_MODE = "COMPLIANCE"
SERVER_SIDE_ENCRYPTION = "AES256"

SHOW_HASH_CHARS = 12
SHOW_DETAIL_CHARS = 60
DEFAULT_SHOW_LIMIT = 20


class ActorAuth(StrEnum):
    """How a record's actor is known."""

    AUTHENTICATED = "authenticated"  # logged in: the API server checked a password
    DECLARED = "declared"  # SOVEX_USER on the CLI: the local demo only, anyone may set it
    SYSTEM = "system"  # sovex itself (scheduled runs, sweeps, anchors)


# The person the API server logged in for the action under way (`logged_in`): the
# records that action writes as that person, wherever in sovex they are written (a
# project's members, a credential issued or revoked), say `authenticated`.
_LOGGED_IN: ContextVar[str | None] = ContextVar("sovex_logged_in", default=None)


@contextlib.contextmanager
def logged_in(user: str) -> Iterator[None]:
    """While the block runs, records whose actor is `user` are `authenticated`: only the
    review server, which checked the person's token, enters it."""
    token = _LOGGED_IN.set(user)
    try:
        yield
    finally:
        _LOGGED_IN.reset(token)


def default_actor_auth(actor: str) -> ActorAuth:
    """The person the server logged in is authenticated; without a login sovex's own name
    is the system and anyone else declared."""
    if _LOGGED_IN.get() == actor:
        return ActorAuth.AUTHENTICATED
    return ActorAuth.SYSTEM if actor.strip().casefold() == ANCHOR_ACTOR else ActorAuth.DECLARED


class AuditAction(StrEnum):
    """The events of the system that leave a trace (stored as their lower-case value)."""

    REQUEST_SUBMITTED = "request_submitted"
    REQUEST_APPROVED = "request_approved"
    REQUEST_REJECTED = "request_rejected"
    # The rest of the request life cycle (sovex.governance), one per operation.
    REQUEST_SCHEDULED = "request_scheduled"
    REQUEST_CHANGED = "request_changed"
    REQUEST_RUN_STARTED = "request_run_started"
    REQUEST_PUBLISHED = "request_published"
    REQUEST_RUN_FAILED = "request_run_failed"
    REQUEST_EXPIRED = "request_expired"
    REQUEST_ENDORSED = "request_endorsed"  # the first of two stewards' approvals
    REQUEST_WITHDRAWN = "request_withdrawn"
    POLICY_DECISION = "policy_decision"
    # What the target's bucket answered before the run read anything (issue 18).
    BUCKET_CHECKED = "bucket_checked"
    RUN_STARTED = "run_started"
    RUN_FAILED = "run_failed"
    GATE_RESULT = "gate_result"
    EXTRACT_PUBLISHED = "extract_published"
    EXTRACT_DOWNLOADED = "extract_downloaded"
    EXTRACT_DELETED = "extract_deleted"
    CONSENTS_LOADED = "consents_loaded"
    CONSENTS_REFUSED = "consents_refused"
    ACCESS_GRANTED = "access_granted"
    ACCESS_REVOKED = "access_revoked"
    RETENTION_SWEEP = "retention_sweep"
    ANCHOR_WRITTEN = "anchor_written"
    RUN_RECOVERED = "run_recovered"
    # Projects and their members (sovex.governance.projects, issue 20).
    PROJECT_CREATED = "project_created"
    PROJECT_MEMBER_ADDED = "project_member_added"
    PROJECT_MEMBER_REMOVED = "project_member_removed"
    # One person's download credential on a project (sovex.member_access, issue 20).
    CREDENTIAL_ISSUED = "credential_issued"
    CREDENTIAL_REVOKED = "credential_revoked"


def default_log_path(state_dir: Path) -> Path:
    """The deployment's audit log: `<state_dir>/audit/audit.jsonl`."""
    return state_dir / AUDIT_DIR_NAME / AUDIT_FILE_NAME


def canonical_json(value: Any) -> str:
    """The one serialisation hashes are computed over (and lines are written in)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 hex of a record's canonical JSON without its `hash` and `sig` fields (the
    signature is over the hash; `signer` is hashed)."""
    body = {name: value for name, value in record.items() if name not in UNHASHED_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def _utc_iso(at: datetime, what: str) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        # A naive time is ambiguous; an audit trail must say which instant it means.
        raise InvalidInput(f"audit {what}: datetime must be timezone-aware, got a naive one")
    return at.astimezone(UTC).isoformat()


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"audit field {name!r}: must be a non-empty string")
    if len(value) > MAX_FIELD_CHARS:
        raise InvalidInput(
            f"audit field {name!r}: at most {MAX_FIELD_CHARS} characters, got {len(value)}"
        )
    return value


def _check_action(action: AuditAction | str) -> AuditAction:
    try:
        return AuditAction(action)
    except ValueError:
        known = ", ".join(a.value for a in AuditAction)
        raise InvalidInput(f"audit field 'action': {action!r} is not one of: {known}") from None


def _check_json_value(value: object, where: str, depth: int) -> None:
    """Refuse anything that is not a plain JSON value; messages name the place, not the value."""
    if depth > MAX_DETAIL_DEPTH:
        raise InvalidInput(f"audit detail {where}: nested deeper than {MAX_DETAIL_DEPTH} levels")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"audit detail {where}: NaN and infinity are not JSON")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{where}[{index}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidInput(
                    f"audit detail {where}: keys must be strings, got {type(key).__name__}"
                )
            _check_json_value(item, f"{where}.{key}", depth + 1)
        return
    raise InvalidInput(
        f"audit detail {where}: {type(value).__name__} is not allowed (pass ids, hashes and "
        "counts as str, int, float, bool, None, list or dict)"
    )


def _check_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    if detail is None:
        return {}
    if not isinstance(detail, dict):
        raise InvalidInput(f"audit detail: must be a dict, got {type(detail).__name__}")
    _check_json_value(detail, "detail", 1)
    size = len(canonical_json(detail).encode("utf-8"))
    if size > MAX_DETAIL_BYTES:
        raise InvalidInput(
            f"audit detail: {size} bytes, at most {MAX_DETAIL_BYTES} (ids, hashes and "
            "counts only, never data rows)"
        )
    # A deep copy through JSON: later changes to the caller's dict cannot alter the record.
    copied: dict[str, Any] = json.loads(canonical_json(detail))
    return copied


def _parse_last_line(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 or JSON, too long a number, too deep
        raise IntegrityError(
            f"audit log {path}: the last line is not valid JSON; run `sovex audit verify`"
        ) from None
    if not isinstance(record, dict) or type(record.get("seq")) is not int:
        raise IntegrityError(f"audit log {path}: the last line is not an audit record")
    if record.get("hash") != record_hash(record):
        # Chaining onto an altered record would make the alteration look legitimate.
        raise IntegrityError(
            f"audit log {path}: record {record['seq']}: hash does not match its content; "
            "run `sovex audit verify`"
        )
    return record


def _read_last_record(fd: int, path: Path) -> dict[str, Any] | None:
    """The last record of an open log (the caller holds the lock), or None when empty."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    if os.pread(fd, 1, size - 1) != b"\n":
        # A write was cut short (crash, full disk): appending would glue two records.
        raise IntegrityError(
            f"audit log {path}: the last line is incomplete; run `sovex audit verify`"
        )
    end = size - 1  # the final newline
    start = 0
    position = end
    while position > 0:
        read_from = max(0, position - TAIL_CHUNK_BYTES)
        newline = os.pread(fd, position - read_from, read_from).rfind(b"\n")
        if newline != -1:
            start = read_from + newline + 1
            break
        position = read_from
    line = os.pread(fd, end - start, start)
    return _parse_last_line(line, path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# A record holds ids, hashes and counts (MAX_DETAIL_BYTES of detail): a longer line is
# not one, and is never read whole.
MAX_LINE_BYTES = 4 * MAX_DETAIL_BYTES + 4096


class AuditLog:
    """An append-only, hash-chained JSON Lines file.

    Appends from several processes on one machine are serialised with `flock` on the file
    itself; the last record is read under the lock, so two appenders never chain onto the
    same record. `flock` does not work across machines on network file systems: keep the
    log on local disk and let one machine (the scheduler's) own it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(
        self,
        actor: str,
        action: AuditAction | str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
        at: datetime | None = None,
        actor_auth: ActorAuth | None = None,
    ) -> dict[str, Any]:
        """Append one record and return it (with its seq, prev and hash).

        `actor_auth` says how the actor is known; left out, sovex's own name is `system`
        and any other name `declared` (only a login makes it `authenticated`).

        `at` is the event's time; a task passes its run's logical date, others leave it
        to now (UTC). `detail` holds ids, hashes and counts only, never patient data,
        secrets or keys.
        """
        record: dict[str, Any] = {
            "at": _utc_iso(at or datetime.now(UTC), "field 'at'"),
            "actor": _check_text("actor", actor),
            ACTOR_AUTH_FIELD: ActorAuth(actor_auth or default_actor_auth(actor)).value,
            "action": _check_action(action).value,
            "subject": _check_text("subject", subject),
            "detail": _check_detail(detail),
        }
        signer = configured_signer(self.path)
        if signer is not None:
            record["signer"] = signer.signer_id
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, LOG_FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _read_last_record(fd, self.path)
            record["seq"] = FIRST_SEQ if last is None else last["seq"] + 1
            record["prev"] = GENESIS_PREV if last is None else last["hash"]
            record["hash"] = record_hash(record)
            if signer is not None:
                record["sig"] = signer.sign(record["hash"])
            line = (canonical_json(record) + "\n").encode("utf-8")
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            # The record is on disk before anyone (or the lock's next holder) relies on it.
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the lock
        if created:
            _fsync_dir(self.path.parent)
        return record

    def _stable_size(self) -> int:
        """The file's size while no appender is writing: every byte before it is final."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """(line number, raw line with its newline if any) up to the last complete write."""
        size = self._stable_size()
        if size == 0:
            return
        with self.path.open("rb") as handle:
            remaining = size
            number = 0
            while remaining > 0 and (raw := handle.readline(min(remaining, MAX_LINE_BYTES))):
                number += 1
                remaining -= len(raw)
                yield number, raw
                if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    return  # no record is this long: the cut line fails to parse, and stops

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record, oldest first (nothing when the log does not exist yet).

        Only parses; `verify` checks the chain. An unreadable line raises IntegrityError.
        """
        for number, raw in self.lines():
            try:
                record = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError):  # not UTF-8 or JSON, too long a number, too deep
                raise IntegrityError(
                    f"audit log {self.path}: line {number}: not valid JSON; "
                    "run `sovex audit verify`"
                ) from None
            if not isinstance(record, dict):
                raise IntegrityError(f"audit log {self.path}: line {number}: not an audit record")
            yield record

    def last(self) -> dict[str, Any] | None:
        """The newest record, or None when the log is empty or does not exist."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return _read_last_record(fd, self.path)
        finally:
            os.close(fd)

    def head(self) -> str | None:
        """The newest record's hash (what an anchor attests), or None when empty."""
        last = self.last()
        return None if last is None else str(last["hash"])


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of `verify`.

    `records` counts the records found intact (all of them when `ok`, those before the
    first bad one otherwise). `first_bad_seq` is the first bad record's seq, or its line
    number when the line cannot be read as a record (the reason says which).
    """

    path: Path
    records: int
    ok: bool
    first_bad_seq: int | None
    reason: str | None
    # The id of the key every record was checked to be signed by (None: not checked).
    signed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}

    def raise_if_bad(self) -> None:
        """IntegrityError (exit 5) naming the first bad record when the chain is broken."""
        if not self.ok:
            raise IntegrityError(
                f"audit log {self.path} is not intact after {self.records} good record(s): "
                f"{self.reason}"
            )


def _shape_problem(record: dict[str, Any]) -> str | None:
    """What is wrong with a record's fields, or None (the hash check comes after)."""
    missing = sorted(FIELDS - record.keys())
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    extra = sorted(record.keys() - FIELDS - SIGNATURE_FIELDS - {ACTOR_AUTH_FIELD})
    if extra:
        return f"unexpected field(s) {', '.join(extra)}"
    if len(record.keys() & SIGNATURE_FIELDS) == 1:
        return "fields 'signer' and 'sig' go together"
    for name in ("at", "actor", "action", "subject", "prev", "hash"):
        if not isinstance(record[name], str):
            return f"field {name!r} is not a string"
    if not isinstance(record["detail"], dict):
        return "field 'detail' is not an object"
    if ACTOR_AUTH_FIELD in record and record[ACTOR_AUTH_FIELD] not in set(ActorAuth):
        return f"field {ACTOR_AUTH_FIELD!r} is not one of {', '.join(ActorAuth)}"
    try:
        at = datetime.fromisoformat(record["at"])
    except ValueError:
        return "field 'at' is not an ISO-8601 time"
    if at.tzinfo is None:
        return "field 'at' has no time zone"
    return None


def _check_chain(
    path: Path, public_key: Ed25519PublicKey | None = None
) -> tuple[VerifyResult, dict[str, Any] | None]:
    """Verify the log (and every record's signature by `public_key`, when given); also
    return the last intact record (what an anchor may attest)."""
    if not path.is_file():
        raise InvalidInput(f"audit log {path}: no such file")
    log = AuditLog(path)
    previous: dict[str, Any] | None = None
    count = 0

    def bad(first_bad: int, reason: str) -> tuple[VerifyResult, dict[str, Any] | None]:
        return VerifyResult(path, count, False, first_bad, reason), previous

    for number, raw in log.lines():
        # Every write ends with a newline; a line without one was cut short.
        complete = raw.endswith(b"\n")
        try:
            record = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):  # not UTF-8 or JSON, too long a number, too deep
            return bad(number, f"line {number}: not valid JSON")
        if not isinstance(record, dict):
            return bad(number, f"line {number}: not a JSON object")
        seq = record.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            return bad(number, f"line {number}: field 'seq' is missing or not an integer")
        problem = _shape_problem(record)
        if problem:
            return bad(seq, f"record {seq}: {problem}")
        if record["hash"] != record_hash(record):
            return bad(seq, f"record {seq}: hash does not match its content")
        if public_key is not None and (unsigned := signature_problem(record, public_key)):
            return bad(seq, f"record {seq}: {unsigned}")
        if previous is None:
            if record["prev"] != GENESIS_PREV:
                return bad(seq, f"record {seq}: prev is not the start of the chain (64 zeros)")
            if seq != FIRST_SEQ:
                return bad(seq, f"record {seq}: the first record must have seq {FIRST_SEQ}")
        else:
            if record["prev"] != previous["hash"]:
                return bad(
                    seq, f"record {seq}: prev does not match record {previous['seq']}'s hash"
                )
            if seq != previous["seq"] + 1:
                return bad(seq, f"record {seq}: seq {seq} follows {previous['seq']}")
        if not complete:
            return bad(seq, f"line {number}: not terminated by a newline (incomplete write)")
        previous = record
        count += 1
    return VerifyResult(path, count, True, None, None), previous


def verify(path: Path, public_key: Ed25519PublicKey | None = None) -> VerifyResult:
    """Recompute every hash, prev link and seq, and with `public_key` check every record
    is signed by it; report the FIRST bad record.

    A missing file is InvalidInput (exit 2); an empty file is intact with 0 records.
    The result is returned, not raised: call `raise_if_bad()` for exit code 5.
    """
    result, _ = _check_chain(path, public_key)
    if public_key is not None:
        result = replace(result, signed_by=signer_id(public_key))
    return result


def anchor(
    log: AuditLog,
    s3: Any,
    bucket: str,
    key_prefix: str = ANCHOR_KEY_PREFIX,
    retain_until: datetime | None = None,
    *,
    at: datetime | None = None,
    actor: str = ANCHOR_ACTOR,
) -> str:
    """Copy the verified head hash to `s3://bucket/<key_prefix>/<UTC time>-<seq>.json`.

    With `retain_until`, the object is written in COMPLIANCE object-lock mode: nobody can
    overwrite or delete it before that date. The bucket must have been created with
    object lock enabled (`create_bucket(..., ObjectLockEnabledForBucket=True)`), otherwise
    the store refuses the write. Without `retain_until`, no lock headers are sent (for
    buckets whose default retention already applies, or for tests).

    The log is verified first (a broken chain is never anchored), then an ANCHOR_WRITTEN
    record naming the key is appended. Returns the key. `s3` is a boto3 S3 client.
    """
    when = at or datetime.now(UTC)
    anchored_at = _utc_iso(when, "anchor time")
    if retain_until is not None:
        _utc_iso(retain_until, "retain_until")
        if retain_until <= when:
            raise InvalidInput("audit anchor: retain_until must be later than the anchor time")
    result, last = _check_chain(log.path)
    result.raise_if_bad()
    if last is None:
        raise InvalidInput(f"audit log {log.path}: empty, nothing to anchor")
    seq = int(last["seq"])
    key = f"{key_prefix.strip('/')}/{when.astimezone(UTC).strftime(ANCHOR_TIME_FORMAT)}-{seq}.json"
    body = canonical_json(
        {
            "format": ANCHOR_FORMAT,
            "log": log.path.name,
            "head": last["hash"],
            "seq": seq,
            "records": result.records,
            "anchored_at": anchored_at,
        }
    ).encode("utf-8")
    lock: dict[str, Any] = {}
    if retain_until is not None:
        lock = {"ObjectLockMode": ANCHOR_LOCK_MODE, "ObjectLockRetainUntilDate": retain_until}
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            # Never overwrite an anchor; the checksum also satisfies object lock's rule
            # that a locked write carries one.
            IfNoneMatch="*",
            ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode(),
            ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
            ContentType="application/json",
            **lock,
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            raise IntegrityError(f"s3://{bucket}/{key}: an anchor already exists there") from None
        raise
    log.append(
        actor,
        AuditAction.ANCHOR_WRITTEN,
        f"s3://{bucket}/{key}",
        {
            "head": last["hash"],
            "seq": seq,
            "retain_until": None
            if retain_until is None
            else _utc_iso(retain_until, "retain_until"),
        },
        at=when,
    )
    return key


def latest_anchor(
    s3: Any, bucket: str, key_prefix: str = ANCHOR_KEY_PREFIX
) -> dict[str, Any] | None:
    """The newest anchor in the bucket (keys sort by UTC time), None if there is none."""
    keys: list[str] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{key_prefix.strip('/')}/"):
        keys += [item["Key"] for item in page.get("Contents", [])]
    if not keys:
        return None
    return read_anchor(s3, bucket, max(keys))


def read_anchor(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    """One anchor's attested record: its key, head hash and seq."""
    try:
        body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if body.get("format") != ANCHOR_FORMAT:
            raise ValueError("format")
        head, seq = str(body["head"]), int(body["seq"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise IntegrityError(f"s3://{bucket}/{key}: not a sovex audit anchor") from None
    return {"key": f"s3://{bucket}/{key}", "head": head, "seq": seq}


def check_against_anchor(result: VerifyResult, path: Path, anchor: Mapping[str, Any]) -> None:
    """What the chain alone cannot show: records cut off the end. The anchored record
    must still be in the log, with the anchored hash (IntegrityError, exit 5, if not)."""
    seq, head = int(anchor["seq"]), str(anchor["head"])
    if result.records < seq:
        raise IntegrityError(
            f"audit log {path}: has {result.records} intact record(s) but {anchor['key']} "
            f"attests record {seq}: records were removed from the end"
        )
    for record in AuditLog(path).records():
        if record["seq"] == seq:
            if record["hash"] != head:
                raise IntegrityError(
                    f"audit log {path}: record {seq} differs from the one anchored in "
                    f"{anchor['key']}"
                )
            return


def matching(
    records: Iterable[dict[str, Any]],
    *,
    actor: str | None = None,
    action: str | None = None,
    project: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """The records of this actor (case-insensitive), action, project (named in the
    detail, or an extract of it as the subject) and time window (both ends included)."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"option '--{name}': give a time zone (e.g. 2026-12-01T00:00Z)")
    for record in records:
        if actor is not None and str(record.get("actor", "")).casefold() != actor.casefold():
            continue
        if action is not None and record.get("action") != action:
            continue
        if project is not None:
            detail = record.get("detail") or {}
            subject = str(record.get("subject", ""))
            if detail.get("project") != project and f"extracts/{project}/" not in subject:
                continue
        at = datetime.fromisoformat(str(record["at"]))
        if (since is not None and at < since) or (until is not None and at > until):
            continue
        yield record


def last_records(records: Iterable[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """The newest `limit` records (all when None), oldest first, reading the log once."""
    if limit is not None and limit < 1:
        raise InvalidInput(f"option '--limit': must be at least 1, got {limit}")
    return list(deque(records, maxlen=limit))


def _printable(value: object, width: int | None = None) -> str:
    """One line, control characters escaped: a crafted subject cannot drive the terminal."""
    text = value if isinstance(value, str) else canonical_json(value)
    text = "".join(
        ch if not unicodedata.category(ch).startswith("C") else f"\\x{ord(ch):02x}" for ch in text
    )
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def format_records(
    records: Iterable[dict[str, Any]], limit: int | None = DEFAULT_SHOW_LIMIT
) -> str:
    """A plain-text table of the newest `limit` records for `sovex audit show`."""
    header = ("seq", "at", "actor", "action", "subject", "detail", "hash")
    rows = [
        (
            _printable(record.get("seq", "?")),
            _printable(record.get("at", "?")),
            _printable(record.get("actor", "?")),
            _printable(record.get("action", "?")),
            _printable(record.get("subject", "?")),
            _printable(record.get("detail", {}), SHOW_DETAIL_CHARS),
            _printable(record.get("hash", "?"))[:SHOW_HASH_CHARS],
        )
        for record in last_records(records, limit)
    ]
    if not rows:
        return "(no audit records)\n"
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"
