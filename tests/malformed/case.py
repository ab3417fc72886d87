"""One malformed-input case: the files it needs, the command, what it must answer."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Planted in every file that is not what the command expects: it must never be echoed.
SECRET_MARKER = "S3CRET-do-not-echo-7f3a"

# A file's content, or a callable making the file (a FIFO, a symlink, a directory…) at
# the given path.
FileMaker = bytes | str | Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """`argv` may use {in} (the case's input folder), {state} and {root}."""

    name: str
    argv: tuple[str, ...]
    files: dict[str, FileMaker] = field(default_factory=dict)
    # Exit codes the command may answer with (docs/cli.md).
    expected_exit: frozenset[int] = frozenset({2})
    # Text the message must contain (the file, field or rule it names).
    message: str | None = None
    # Commands run before the case, each expected to succeed (e.g. submit, approve); a step
    # may instead be ("as:<user>", *argv), ("write:<file>", text) or ("move:<file>",).
    setup: tuple[tuple[str, ...], ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # The case needs the synthetic source in the state folder.
    needs_source: bool = False


def case(
    name: str,
    *argv: str,
    files: dict[str, FileMaker] | None = None,
    exit: int | Sequence[int] = 2,
    message: str | None = None,
    setup: Sequence[Sequence[str]] = (),
    env: dict[str, str] | None = None,
    needs_source: bool = False,
) -> Case:
    codes = frozenset([exit] if isinstance(exit, int) else exit)
    return Case(
        name=name,
        argv=tuple(argv),
        files=dict(files or {}),
        expected_exit=codes,
        message=message,
        setup=tuple(tuple(step) for step in setup),
        env=dict(env or {}),
        needs_source=needs_source,
    )


def fifo(path: Path) -> None:
    os.mkfifo(path)


def directory(path: Path) -> None:
    path.mkdir()


def symlink_to(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.symlink_to(target)

    return make


def secret_file_link(path: Path) -> None:
    """A symlink to a file shaped like /etc/shadow (the real one is not always readable)."""
    shadow = path.parent / ".shadow-like"
    shadow.write_text(
        "".join(f"user{i}:$6${SECRET_MARKER}$hash{i}:19000:0:99999:7:::\n" for i in range(5))
    )
    path.symlink_to(shadow)


def big_file(size: int, line: bytes = b"a: b\n") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as handle:
            handle.write(line * (size // len(line) + 1))

    return make
