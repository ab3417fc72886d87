"""The master secret and the per-project keys derived from it.

There is no default key: without a master secret nothing is pseudonymised. A key is never
logged or printed; manifests carry its fingerprint only.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import secrets
from pathlib import Path

from sovex.model.errors import ConfigurationError

MASTER_KEY_BYTES = 32
PROJECT_KEY_CONTEXT = b"sovex/project-key/v1/"
FINGERPRINT_CONTEXT = b"sovex/key-fingerprint/v1"
FINGERPRINT_HEX_CHARS = 16
MIN_DISTINCT_KEY_BYTES = 16


def parse_master_key(hex_text: str, origin: str) -> bytes:
    """Decode a hex master secret; `origin` names where it came from (never its value)."""
    try:
        key = bytes.fromhex(hex_text.strip())
    except ValueError:
        raise ConfigurationError(f"{origin}: the master key must be hexadecimal") from None
    if len(key) < MASTER_KEY_BYTES:
        raise ConfigurationError(
            f"{origin}: the master key must be at least {MASTER_KEY_BYTES} bytes; "
            f"provided key is {len(key)} bytes"
        )
    steps = {(later - earlier) % 256 for earlier, later in itertools.pairwise(key)}
    if len(set(key)) < MIN_DISTINCT_KEY_BYTES or len(steps) == 1:
        # All zeros, one repeated byte, a short pattern, a counting sequence (the test and
        # benchmark key 00 01 02 ... 1f): a placeholder, not a secret. A random 32-byte key
        # has fewer than 16 distinct bytes with odds below 1e-9.
        raise ConfigurationError(
            f"{origin}: the master key is not random (too few distinct bytes); "
            "generate one with a secret store or `openssl rand -hex 32`"
        )
    return key


def load_master_key(key_file: Path, key_hex: str | None) -> bytes:
    """The master secret from the environment's hex value, else from the key file."""
    if key_hex:
        return parse_master_key(key_hex, "SOVEX_MASTER_KEY")
    if not key_file.is_file():
        raise ConfigurationError(
            f"no master key: {key_file} does not exist and SOVEX_MASTER_KEY is not set. "
            "Provide one from your secret store, or run `sovex demo` to create a local demo key."
        )
    return parse_master_key(key_file.read_text(encoding="ascii"), str(key_file))


def create_demo_master_key(key_file: Path) -> bool:
    """Write a random master key readable by its owner only; False if one already exists."""
    if key_file.exists():
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(MASTER_KEY_BYTES) + "\n")
    return True


def derive_project_key(master_key: bytes, project: str) -> bytes:
    """Each project gets its own key, so pseudonyms cannot be linked across projects."""
    return hmac.new(master_key, PROJECT_KEY_CONTEXT + project.encode(), hashlib.sha256).digest()


def key_fingerprint(key: bytes) -> str:
    """A short public name for a key, for manifests and audit records."""
    digest = hmac.new(key, FINGERPRINT_CONTEXT, hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_HEX_CHARS]
