"""Detached signatures of consent files: the portal signs each export it drops in the
inbox (`<file>.sig`, the base64 Ed25519 signature of the file's bytes) and sovex checks it
with the portal's public key (`SOVEX_CONSENT_SOURCE_KEY`) before loading anything."""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_SUFFIX: Final = ".sig"
_READ_CHUNK: Final = 1 << 20


def signature_file(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def signature_problem(path: Path, public_key: Ed25519PublicKey) -> str | None:
    """Why `path` is not signed by `public_key` (missing, unreadable or wrong signature),
    or None when it is."""
    try:
        signature = base64.b64decode(signature_file(path).read_text().strip(), validate=True)
    except FileNotFoundError:
        return f"no signature file {signature_file(path).name}"
    except (OSError, UnicodeDecodeError, binascii.Error, ValueError):
        return f"unreadable signature file {signature_file(path).name}"
    try:
        public_key.verify(signature, path.read_bytes())
    except InvalidSignature:
        return "the signature does not match the file"
    return None


def sign_file(path: Path, key: Ed25519PrivateKey) -> Path:
    """Write `path`'s detached signature (what the portal does; used by tests and demos)."""
    target = signature_file(path)
    target.write_text(base64.b64encode(key.sign(path.read_bytes())).decode("ascii") + "\n")
    return target
