"""Signatures on the audit log, with a key that does not live in the state folder.

The hash chain (`sovex.audit`) shows a record was changed or removed, but whoever can
write the state folder can rewrite the whole log and recompute every hash. With
`SOVEX_AUDIT_SIGNING_KEY` naming an Ed25519 private key (PEM, 0600) kept outside the state
folder, every record also carries `signer` (the key's id) and `sig` (the signature of its
hash): a rewritten log cannot be re-signed without the key. A compliance officer verifies
with the public key alone (`sovex audit verify --public-key FILE`).

`sovex audit keygen FILE` writes a key pair (FILE, 0600, and FILE.pub).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sovex.model.errors import ConfigurationError, InvalidInput
from sovex.model.small_files import read_small_file

SIGNING_KEY_ENV: Final = "SOVEX_AUDIT_SIGNING_KEY"
SIGNER_ID_HEX_CHARS: Final = 16
PRIVATE_FILE_MODE: Final = 0o600


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    signer_id: str

    def sign(self, record_hash: str) -> str:
        return base64.b64encode(self.key.sign(record_hash.encode("ascii"))).decode("ascii")


def signer_id(public_key: Ed25519PublicKey) -> str:
    """A short id of a public key (sha256 of its raw bytes)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:SIGNER_ID_HEX_CHARS]


def configured_signer(log_path: Path) -> Signer | None:
    """The signer `SOVEX_AUDIT_SIGNING_KEY` names, or None when it is not set. The key must
    be outside the state folder the log is in (whoever writes the log must not hold it)."""
    named = os.environ.get(SIGNING_KEY_ENV)
    if not named:
        return None
    key_file = Path(named).expanduser().resolve()
    state_dir = log_path.resolve().parent.parent
    if key_file.is_relative_to(state_dir):
        raise ConfigurationError(
            f"{SIGNING_KEY_ENV}: {key_file} is inside the state folder {state_dir}; keep the "
            "audit signing key where whoever can write the state folder cannot read it"
        )
    key = load_private_key(key_file)
    return Signer(key, signer_id(key.public_key()))


# A PEM Ed25519 key is about 120 bytes; anything much larger is not one.
MAX_KEY_FILE_BYTES = 16 << 10


def _read_key_file(path: Path) -> bytes:
    return read_small_file(path, MAX_KEY_FILE_BYTES, "PEM key file")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = _read_key_file(path)
    except OSError as error:
        raise ConfigurationError(
            f"{path}: cannot read the audit signing key ({error.strerror})"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError(f"{path}: not a PEM private key without a password") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path}: the audit signing key must be an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A PEM public key, or the public half of a PEM private key."""
    try:
        data = _read_key_file(path)
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the public key ({error.strerror})") from None
    try:
        key: Any = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise InvalidInput(f"{path}: not a PEM Ed25519 key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{path}: the audit key must be an Ed25519 key")
    return key


def signature_problem(record: dict[str, Any], public_key: Ed25519PublicKey) -> str | None:
    """Why a record is not signed by `public_key`, or None when it is."""
    if "sig" not in record or "signer" not in record:
        return "not signed"
    if record["signer"] != signer_id(public_key):
        return "signed by another key"
    try:
        signature = base64.b64decode(str(record["sig"]), validate=True)
        public_key.verify(signature, str(record["hash"]).encode("ascii"))
    except (binascii.Error, ValueError, InvalidSignature):
        return "signature does not match"
    return None


def write_key_pair(path: Path) -> Path:
    """A new Ed25519 key at `path` (0600, never overwritten) and its public key at
    `path.pub`; returns the public key's path."""
    key = Ed25519PrivateKey.generate()
    public = path.with_name(path.name + ".pub")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        raise InvalidInput(f"{path}: already exists (a key is never overwritten)") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public
