"""A document built piece by piece, each piece plain text or a labelled entity, so that
noise applied afterwards (casing, accents, line breaks) keeps every span exact."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

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


@dataclass(frozen=True)
class CaseNoise:
    """How often a whole document is written in lower case, in capitals, without accents,
    or in lower case without accents (the last two in French only)."""

    lower: float
    upper: float
    no_accents: float = 0.0
    lower_no_accents: float = 0.0

    def draw(self, rng: Random, language: str) -> Callable[[str], str] | None:
        """One document's transform (None: as written); one draw from `rng` whatever the
        outcome, so that the rest of a seeded corpus does not depend on it."""
        roll = rng.random()
        if roll < self.lower:
            return LOWER
        if roll < self.lower + self.upper:
            return UPPER
        if language != "fr":
            return None
        if roll < self.lower + self.upper + self.no_accents:
            return strip_accents
        if roll < self.lower + self.upper + self.no_accents + self.lower_no_accents:
            return lambda text: LOWER(strip_accents(text))
        return None


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
