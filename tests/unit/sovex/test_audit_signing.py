"""Signed audit records (`sovex.audit_signing`): a log rewritten by whoever can write the
state folder, with every hash and link recomputed, no longer verifies."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from sovex.audit import AuditAction, AuditLog, default_log_path, record_hash, verify
from sovex.audit_signing import SIGNING_KEY_ENV, load_public_key, write_key_pair
from sovex.model.errors import ConfigurationError, InvalidInput


@pytest.fixture
def signing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_file = tmp_path / "keys" / "audit-signing.key"
    write_key_pair(key_file)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(key_file))
    return key_file


def signed_log(state_dir: Path, records: int = 5) -> AuditLog:
    log = AuditLog(default_log_path(state_dir))
    for number in range(records):
        log.append("steward:alice", AuditAction.REQUEST_APPROVED, f"request:r-{number}")
    return log


def rechained(lines: list[str], change: dict[str, object], at: int) -> list[str]:
    """The log an attacker writes: one record changed, every hash and link recomputed,
    the signatures kept (they cannot make new ones)."""
    records = [json.loads(line) for line in lines]
    records[at]["detail"] = change
    previous = "0" * 64
    for record in records:
        record["prev"] = previous
        record["hash"] = record_hash(record)
        previous = record["hash"]
    return [json.dumps(record) + "\n" for record in records]


def test_records_are_signed_and_verify_with_the_public_key_alone(
    tmp_path: Path, signing_key: Path
) -> None:
    log = signed_log(tmp_path / "state")
    public = load_public_key(signing_key.with_name(signing_key.name + ".pub"))
    result = verify(log.path, public)
    assert result.ok and result.records == 5
    assert result.signed_by == json.loads(log.path.read_text().splitlines()[0])["signer"]
    assert stat.S_IMODE(signing_key.stat().st_mode) == 0o600


def test_a_rewritten_log_with_a_recomputed_chain_fails_its_signatures(
    tmp_path: Path, signing_key: Path
) -> None:
    log = signed_log(tmp_path / "state")
    forged = rechained(log.path.read_text().splitlines(), {"rows": 0}, at=2)
    log.path.write_text("".join(forged))
    # The chain alone is fooled; the signatures are not.
    assert verify(log.path).ok
    public = load_public_key(signing_key)
    result = verify(log.path, public)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.reason == "record 3: signature does not match"


def test_stripped_signatures_or_another_key_fail(
    tmp_path: Path, signing_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = signed_log(tmp_path / "state", records=3)
    public = load_public_key(signing_key)
    lines = log.path.read_text().splitlines()
    stripped = json.loads(lines[1])
    del stripped["sig"], stripped["signer"]
    stripped["hash"] = record_hash(stripped)
    log.path.write_text(lines[0] + "\n" + json.dumps(stripped) + "\n")
    assert verify(log.path, public).reason == "record 2: not signed"
    other = tmp_path / "other" / "key"
    write_key_pair(other)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(other))
    fresh = signed_log(tmp_path / "state-2", records=1)
    assert verify(fresh.path, public).reason == "record 1: signed by another key"


def test_a_signing_key_inside_the_state_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_dir = tmp_path / "state"
    key_file = state_dir / "keys" / "audit.key"
    write_key_pair(key_file)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(key_file))
    with pytest.raises(ConfigurationError, match="inside the state folder"):
        signed_log(state_dir, records=1)
    assert not default_log_path(state_dir).exists()


def test_a_key_is_never_overwritten_and_a_bad_key_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "k"
    write_key_pair(key_file)
    with pytest.raises(InvalidInput, match="already exists"):
        write_key_pair(key_file)
    broken = tmp_path / "broken.key"
    broken.write_text("not a key")
    monkeypatch.setenv(SIGNING_KEY_ENV, str(broken))
    with pytest.raises(ConfigurationError, match="not a PEM private key"):
        signed_log(tmp_path / "state", records=1)
