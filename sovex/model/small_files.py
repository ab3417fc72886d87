"""Reading a small file sovex was pointed at (a request, a target, a key, a credentials
file) without trusting what the path is: only a regular file is read (not /dev/zero, a
FIFO, a folder), and at most a cap's worth of bytes."""

from __future__ import annotations

import stat
from pathlib import Path

from sovex.model.errors import InvalidInput


def read_small_file(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of `path`, a regular file of at most `max_bytes`. A wrong kind or size is
    InvalidInput naming the file and the rule; OSError (missing, unreadable) is the
    caller's to report."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise InvalidInput(f"{path}: not a regular file (a {what} is expected)")
    if status.st_size > max_bytes:
        raise InvalidInput(
            f"{path}: {status.st_size} bytes, more than a {what} may hold ({max_bytes})"
        )
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidInput(f"{path}: grew past {max_bytes} bytes while read")
    return data
