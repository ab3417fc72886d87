"""A document built piece by piece, each piece plain text or a labelled entity, so that
noise applied afterwards (casing, accents, line breaks) keeps every span exact."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

Spans = list[tuple[int, int, str]]


def strip_accents(text: str) -> str:
    """'Hélène' → 'Helene', one character for one (ligatures and ß kept: same length)."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0] if decomposed else char
        out.append(base if len(base) == 1 and base.isascii() else char)
    return "".join(out)


def _same_length(transform: Callable[[str], str]) -> Callable[[str], str]:
    """Apply `transform` character by character where it would change the length
    ("ß".upper() is "SS"): offsets must still index the same characters."""

    def apply(text: str) -> str:
        changed = transform(text)
        if len(changed) == len(text):
            return changed
        return "".join(c2 if len(c2 := transform(c)) == 1 else c for c in text)

    return apply


LOWER = _same_length(str.lower)
UPPER = _same_length(str.upper)


@dataclass
class Writer:
    pieces: list[tuple[str, str | None]] = field(default_factory=list)

    def text(self, value: str) -> Writer:
        if value:
            self.pieces.append((value, None))
        return self

    def ent(self, value: str, label: str) -> Writer:
        if value:
            self.pieces.append((value, label))
        return self

    def extend(self, other: Writer) -> Writer:
        self.pieces.extend(other.pieces)
        return self

    def render(self, transform: Callable[[str], str] | None = None) -> tuple[str, Spans]:
        """The text and its (start, end, label) spans; `transform` (same length per
        piece) is applied to every piece."""
        parts: list[str] = []
        spans: Spans = []
        position = 0
        for value, label in self.pieces:
            shown = transform(value) if transform else value
            if label is not None:
                # An entity never starts or ends with a space.
                left = len(shown) - len(shown.lstrip())
                right = len(shown.rstrip())
                spans.append((position + left, position + right, label))
            parts.append(shown)
            position += len(shown)
        return "".join(parts), spans
