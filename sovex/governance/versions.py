"""Every submitted version of a request file, kept as submitted, so a reviewer sees what
changed since the last approved version (`<state>/request-versions/<id>/<sha256>.yaml`,
folders 0700, files 0600: a request names a cohort, not patients, but stays private).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

VERSIONS_DIR = "request-versions"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
# A request file is a few kilobytes; a larger one is not a request.
MAX_VERSION_BYTES = 1024 * 1024


def versions_dir(state_dir: Path) -> Path:
    return state_dir / VERSIONS_DIR


def version_path(root: Path, request_id: str, sha256: str) -> Path:
    return root / request_id / f"{sha256}.yaml"


def keep_version(root: Path, request_id: str, sha256: str, content: bytes) -> Path:
    """Write the version once (a version of the same hash is the same content)."""
    path = version_path(root, request_id, sha256)
    for folder in (root, path.parent):
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    if not path.exists():
        partial = path.with_suffix(".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(partial, path)
    return path


def read_version(root: Path, request_id: str, sha256: str) -> str | None:
    path = version_path(root, request_id, sha256)
    if not path.is_file() or path.stat().st_size > MAX_VERSION_BYTES:
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def version_diff(before: str | None, after: str, before_label: str, after_label: str) -> list[str]:
    """Unified diff lines from `before` (None: nothing approved yet, every line is new)."""
    return list(
        difflib.unified_diff(
            (before or "").splitlines(),
            after.splitlines(),
            fromfile=before_label,
            tofile=after_label,
            lineterm="",
        )
    )
