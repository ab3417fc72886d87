"""Reading a small file sovex was pointed at (a request, a target, a key, a credentials
file) without trusting what the path is: only a regular file is read (not /dev/zero, a
FIFO, a folder), and at most a cap's worth of bytes."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

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


class LineReader(Protocol):
    def readline(self, size: int, /) -> bytes: ...


def capped_lines(
    stream: LineReader, max_bytes: int, on_read: Callable[[bytes], object] | None = None
) -> Iterator[bytes | None]:
    """Each line of `stream` (newline kept), or None for a line longer than `max_bytes`,
    which is read piecewise and never held whole. `on_read` sees every byte read (a
    digest of the whole content)."""
    while raw := stream.readline(max_bytes + 1):
        if on_read is not None:
            on_read(raw)
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while rest := stream.readline(max_bytes):
                if on_read is not None:
                    on_read(rest)
                if rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield raw
