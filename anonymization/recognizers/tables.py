"""Cells of the tables notes flatten with pipes ("| Nom | Prénom | DDN |") or tabs (a
spreadsheet pasted in: "Cycle<TAB>Date<TAB>ANC"): what a column's header says its cells
are (names, staff initials, ages, dates), read the same way by every recognizer that
needs it."""

from __future__ import annotations

import re

# (start, end, value) of a cell's value in the text.
Cell = tuple[int, int, str]
_RULE_LINE = re.compile(r"[ \t|:+=-]+")


def _cell_value(
    cells: list[str], column: int, line_start: int, cell: re.Pattern[str]
) -> Cell | None:
    match = cell.fullmatch(cells[column]) if column < len(cells) else None
    if match is None:
        return None
    cell_start = line_start + sum(len(part) + 1 for part in cells[:column])
    return cell_start + match.start("value"), cell_start + match.end("value"), match.group("value")


def column_cells(text: str, header: re.Pattern[str], cell: re.Pattern[str]) -> list[Cell]:
    """Each value matching `cell` (its `value` group) in the table columns whose
    header matches `header`, until the table ends; in a row of keys and values ("|
    Prénom | Marie |", "| Nom | X | Prénom | Y |"), the cell after each such key."""
    found: list[Cell] = []
    columns: list[int] = []
    line_start = 0
    lines = text.split("\n")
    for index, line in enumerate(lines):
        # A line with a pipe is a pipe table's; one with two tabs or more, a pasted sheet's.
        cells = line.split("|" if "|" in line or line.count("\t") < 2 else "\t")
        if _RULE_LINE.fullmatch(line):
            pass  # "-----", "|---|---|" under the header: the table goes on
        elif len(cells) > 2:
            labels = [part.strip() for part in cells]
            headed = [i for i, label in enumerate(labels) if header.fullmatch(label)]
            filled = [i for i, label in enumerate(labels) if label]
            # A row ruled off below is the header row, never keys and values.
            ruled_below = index + 1 < len(lines) and _RULE_LINE.fullmatch(lines[index + 1])
            if (
                headed
                and not ruled_below
                and len(filled) % 2 == 0
                and set(headed) <= set(filled[0::2])
            ):
                columns = []
                wanted = [filled[filled.index(key) + 1] for key in headed]
            else:
                columns = headed or columns
                wanted = [] if headed else columns
            found += [
                value
                for column in wanted
                if (value := _cell_value(cells, column, line_start, cell)) is not None
            ]
        else:
            columns = []
        line_start += len(line) + 1
    return found
