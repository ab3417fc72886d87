"""`sovex scrub`: JSONL in (`{"id","text"}` per line), JSONL out with the entities found.

Input is checked whole before anything is written: a file with no row, a line that is not
UTF-8 (named by its number), not a JSON object, one naming a field twice, without a string
`text` and a string or integer `id`, a string escaping half a UTF-16 pair ("\\ud800", no
character), or an `id` already used by an earlier line is refused (exit 2). A UTF-8
byte-order mark is accepted. The output is written beside the destination and renamed
over it only when complete; a failed run removes any earlier output at the destination,
so a stale file is never taken for this run's result.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sovex.model.errors import InvalidInput
from sovex.model.small_files import capped_lines

# Texts per progress step (and per batch handed to the scrubber).
PROGRESS_CHUNK = 500
MAX_LISTED_PROBLEMS = 50


BOM = b"\xef\xbb\xbf"
# A note longer than this is refused, not scrubbed for minutes: split it first.
MAX_TEXT_CHARS = 1_000_000


# A line holding one note of MAX_TEXT_CHARS characters, JSON-escaped (up to 6 bytes per
# character for \uXXXX escapes), with its id: anything longer is refused unread.
MAX_LINE_BYTES = 6 * MAX_TEXT_CHARS + 4096
TOO_LONG = None  # what `_read_lines` yields for a line past MAX_LINE_BYTES


def _read_lines(path: Path) -> Iterator[bytes | None]:
    """Each line's bytes (BOM removed), or TOO_LONG for a line past MAX_LINE_BYTES, which
    is skipped without being held in memory."""
    if not path.is_file():
        raise InvalidInput(f"{path}: not a readable file")
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(capped_lines(handle, MAX_LINE_BYTES)):
                if line is TOO_LONG:
                    yield TOO_LONG
                    continue
                yield (line.removeprefix(BOM) if number == 0 else line).removesuffix(b"\n")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read: {error.strerror}") from None


class _RepeatedField(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; one naming a field twice is refused (which "text" would be meant?)."""
    row: dict[str, Any] = {}
    for key, value in pairs:
        if key in row:
            raise _RepeatedField(key)
        row[key] = value
    return row


def _is_encodable(value: str) -> bool:
    """False for a string holding half a UTF-16 pair ("\\ud800" in JSON): no character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_scrub_input(path: Path) -> list[tuple[Any, str]]:
    """Every row's id and text; every bad line is reported (by line number, never its text)."""
    rows: list[tuple[Any, str]] = []
    problems: list[str] = []
    first_line_of_id: dict[Any, int] = {}
    for number, raw in enumerate(_read_lines(path), start=1):
        if raw is TOO_LONG:
            problems.append(
                f"{path}: line {number}: longer than {MAX_LINE_BYTES:,} bytes: a note may hold "
                f"{MAX_TEXT_CHARS:,} characters"
            )
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"{path}: line {number}: not UTF-8 text")
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line, object_pairs_hook=_object_without_repeats)
        except _RepeatedField as repeated:
            problems.append(f"{path}: line {number}: field {repeated.field!r} appears twice")
            continue
        except (ValueError, RecursionError):
            # ValueError: not JSON, or an integer past Python's 4,300 digits;
            # RecursionError: nested deeper than the parser's stack.
            problems.append(f"{path}: line {number}: not a JSON object sovex can read")
            continue
        if not isinstance(row, dict):
            problems.append(f"{path}: line {number}: not a JSON object")
            continue
        line_problems = []
        row_id = row.get("id")
        if not isinstance(row_id, str | int) or isinstance(row_id, bool):
            line_problems.append(
                f"{path}: line {number}: field 'id' must be a string or an integer"
            )
        elif isinstance(row_id, str) and not _is_encodable(row_id):
            line_problems.append(
                f"{path}: line {number}: field 'id' holds half a UTF-16 pair, not a character"
            )
        elif row_id in first_line_of_id:
            line_problems.append(
                f"{path}: line {number}: field 'id' repeats the id of line "
                f"{first_line_of_id[row_id]}: each row needs its own"
            )
        else:
            first_line_of_id[row_id] = number
        if not isinstance(row.get("text"), str):
            line_problems.append(f"{path}: line {number}: field 'text' must be a string")
        elif len(row["text"]) > MAX_TEXT_CHARS:
            line_problems.append(
                f"{path}: line {number}: field 'text' is longer than {MAX_TEXT_CHARS:,} characters"
            )
        elif not _is_encodable(row["text"]):
            line_problems.append(
                f"{path}: line {number}: field 'text' holds half a UTF-16 pair, not a character"
            )
        problems += line_problems
        if not line_problems:
            rows.append((row_id, row["text"]))
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        if len(problems) > MAX_LISTED_PROBLEMS:
            shown.append(f"{path}: … and {len(problems) - MAX_LISTED_PROBLEMS} more problem(s)")
        raise InvalidInput(shown)
    if not rows:
        raise InvalidInput(f"{path}: no row to scrub (the file is empty)")
    return rows


def scrub_file(
    source: Path,
    destination: Path,
    language: str,
    processes: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Scrub every row of `source` into `destination` (written atomically); on any
    failure the destination is removed, never left holding an earlier run's output."""
    if destination.is_dir():
        raise InvalidInput(f"{destination}: is a folder; --out must be a file path")
    if destination.exists() and not destination.is_file():
        # Renaming the output over a device (/dev/full) or a FIFO would replace it.
        raise InvalidInput(f"{destination}: not a regular file; --out must be a file path")
    if not destination.parent.is_dir():
        raise InvalidInput(f"{destination.parent}: no such folder for --out")
    try:
        return _scrub_rows(read_scrub_input(source), destination, language, processes, progress)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def _scrub_rows(
    rows: list[tuple[Any, str]],
    destination: Path,
    language: str,
    processes: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, int]:
    from anonymization.scrubber import PARALLEL_MIN_TEXTS, Scrubber, ScrubberPool

    texts = [text for _, text in rows]
    pool = (
        ScrubberPool(language, processes)
        if processes > 1 and len(texts) >= PARALLEL_MIN_TEXTS
        else None
    )
    scrubber = None if pool else Scrubber(language)
    temporary = destination.with_name(f".{destination.name}.partial")
    counts: dict[str, int] = {}
    try:
        with temporary.open("w", encoding="utf-8") as out:
            for start in range(0, len(rows), PROGRESS_CHUNK):
                chunk = texts[start : start + PROGRESS_CHUNK]
                results = pool.scrub(chunk) if pool else scrubber.scrub(chunk)  # type: ignore[union-attr]
                for (row_id, _), result in zip(
                    rows[start : start + PROGRESS_CHUNK], results, strict=True
                ):
                    entities = [
                        {"start": e.start, "end": e.end, "type": e.type, "score": round(e.score, 3)}
                        for e in result.entities
                    ]
                    for entity in result.entities:
                        counts[entity.type] = counts.get(entity.type, 0) + 1
                    out.write(
                        json.dumps(
                            {"id": row_id, "text": result.text, "entities": entities},
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                if progress:
                    progress(min(start + PROGRESS_CHUNK, len(rows)), len(rows))
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
        if pool:
            pool.close()
    return {"rows": len(rows), **{f"entities_{k}": v for k, v in sorted(counts.items())}}
