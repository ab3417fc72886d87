"""CSRF tokens of the review forms: HMAC-SHA256 of the logged-in person's identity under a
key kept in the state folder (`<state>/review/csrf.key`, 0600, folder 0700).

A page served to that person carries the token in each form; another site can make their
browser post a form (the login cookie goes with it) but cannot read the page, so it cannot
know the token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sovex.roles import normalise_identity

KEY_BYTES = 32
FOLDER_MODE = 0o700
KEY_MODE = 0o600


def key_path(state_dir: Path) -> Path:
    return state_dir / "review" / "csrf.key"


def load_or_create_key(path: Path) -> bytes:
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path.parent, FOLDER_MODE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_MODE)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES))
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def csrf_token(key: bytes, user: str) -> str:
    message = f"sovex-review-csrf:{normalise_identity(user)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_valid(key: bytes, user: str, token: str | None) -> bool:
    return token is not None and hmac.compare_digest(csrf_token(key, user), token)
