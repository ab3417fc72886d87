"""Signed consent files (`sovex.consent_signatures`): with the portal's public key
declared, whoever can write the inbox cannot slip in a file (say, re-including people who
opposed): only files whose detached signature matches are loaded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sovex.audit import AuditLog, default_log_path
from sovex.consent_signatures import sign_file, signature_file
from sovex.consent_sync import sync_consents
from sovex.model.errors import IntegrityError
from sovex.model.settings import settings_from_environ
from tests.unit.transforms.test_consent_registry import resource

AT = datetime(2026, 11, 10, 12, tzinfo=UTC)


@pytest.fixture
def portal(tmp_path: Path) -> tuple[Ed25519PrivateKey, Path]:
    key = Ed25519PrivateKey.generate()
    public = tmp_path / "portal.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key, public


def export(inbox: Path, name: str, patient: str) -> Path:
    path = inbox / name
    path.write_text(json.dumps(resource(f"c-{patient}", patient, "2026-11-09")) + "\n")
    return path


def test_only_files_signed_by_the_portal_are_loaded(
    tmp_path: Path, portal: tuple[Ed25519PrivateKey, Path]
) -> None:
    key, public = portal
    settings = settings_from_environ(
        {"SOVEX_STATE_DIR": str(tmp_path / "state"), "SOVEX_CONSENT_SOURCE_KEY": str(public)}
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sign_file(export(inbox, "a-signed.ndjson", "p1"), key)
    forged = export(inbox, "b-changed.ndjson", "p2")
    sign_file(forged, key)
    forged.write_text(forged.read_text().replace("p2", "p3"))  # changed after signing
    export(inbox, "c-unsigned.ndjson", "p4")
    with pytest.raises(IntegrityError) as refused:
        sync_consents(settings, AT, inbox)
    message = str(refused.value)
    assert "b-changed.ndjson: the signature does not match the file" in message
    assert "c-unsigned.ndjson: no signature file c-unsigned.ndjson.sig" in message
    assert "a-signed" not in message
    records = list(AuditLog(default_log_path(settings.state_dir)).records())
    assert [(r["action"], r["subject"]) for r in records] == [
        ("consents_loaded", "a-signed.ndjson"),
        ("consents_refused", "b-changed.ndjson"),
        ("consents_refused", "c-unsigned.ndjson"),
    ]
    # Signed properly, the refused files load on the next sync.
    for name in ("b-changed.ndjson", "c-unsigned.ndjson"):
        signature_file(inbox / name).unlink(missing_ok=True)
        sign_file(inbox / name, key)
    loaded = sync_consents(settings, AT, inbox)
    assert [entry.accepted for entry in loaded] == [1, 1, 1]


def test_without_a_declared_key_files_load_unsigned(tmp_path: Path) -> None:
    settings = settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export(inbox, "a.ndjson", "p1")
    assert [entry.accepted for entry in sync_consents(settings, AT, inbox)] == [1]
