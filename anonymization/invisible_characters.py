"""Invisible characters taken out before a note is read, and the way back to its offsets.

A zero-width space, a soft hyphen, a word joiner or a direction mark inside a word shows
nothing on screen but splits it for every pattern and for the model: "Du\\u200bpont" is
read as "Du" and "pont", a NIR with a zero-width space in it is no NIR. They come from
pasted web pages and word processors, or from someone hiding an identifier on purpose.
The scrubber reads the note without them (`visible`) and maps what it finds back to the
note as written (`Visible.original_span`), so a span covers the invisible characters
inside it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# Unicode's format characters (category Cf) that turn up in text: soft hyphen, zero-width
# space / non-joiner / joiner, direction marks and overrides, word joiner and invisible
# operators, byte order mark.
_INVISIBLE: Final = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


@dataclass(frozen=True, slots=True)
class Visible:
    """A note without its invisible characters, and where each kept character was."""

    text: str
    positions: tuple[int, ...] | None  # None: nothing was taken out

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """(start, end) in the note as written of the span (start, end) of `text`."""
        if self.positions is None or start >= end:
            return start, end
        return self.positions[start], self.positions[end - 1] + 1


def visible(text: str) -> Visible:
    """`text` without its invisible characters."""
    if _INVISIBLE.search(text) is None:
        return Visible(text, None)
    positions = tuple(i for i, char in enumerate(text) if not _INVISIBLE.match(char))
    return Visible(_INVISIBLE.sub("", text), positions)
