"""Scores for a de-identification system on labelled notes. Pure functions.

Any system plugs in by returning, per note, its predicted spans as `Prediction`
(start, end, type) tuples with offsets into the original text.

- Recall (per gold type and overall): a gold identifier counts as redacted when every
  non-space character of it is covered by predicted spans of any type, so a span split
  between two predictions is redacted, and a name cut in half is not.
- Precision (per predicted type and overall): a predicted span is a true positive when it
  overlaps any gold identifier span.
- Fully redacted: the share of notes whose every gold span is redacted.
- Trap retention (per trap type and overall): a trap span is kept when no predicted span
  overlaps it (on the realistic corpus: "medical words kept").
- Token precision: of the words (runs of letters and digits) that any prediction touches,
  the share that belong to a gold identifier; a title swept into a name's span ("Dr") or
  a medical word counts against it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.deid.corpus import LabelledNote, Span

Prediction = tuple[int, int, str]  # (start, end, type), offsets into the original text


@dataclass(frozen=True, slots=True)
class Ratio:
    hits: int
    total: int

    @property
    def value(self) -> float | None:
        """hits / total, or None when there is nothing to count."""
        return self.hits / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Scores:
    recall_by_type: dict[str, Ratio]
    recall: Ratio
    precision_by_type: dict[str, Ratio]
    precision: Ratio
    fully_redacted: Ratio
    trap_retention_by_type: dict[str, Ratio]
    trap_retention: Ratio
    token_precision: Ratio
    notes: int
    seconds: float

    @property
    def notes_per_second(self) -> float | None:
        return self.notes / self.seconds if self.seconds > 0 else None

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for a JSON report (ratios as values rounded to 4 places)."""

        def rounded(ratio: Ratio) -> float | None:
            value = ratio.value
            return None if value is None else round(value, 4)

        per_second = self.notes_per_second
        return {
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
            "notes_per_second": None if per_second is None else round(per_second, 2),
            "recall": rounded(self.recall),
            "precision": rounded(self.precision),
            "fully_redacted": rounded(self.fully_redacted),
            "trap_retention": rounded(self.trap_retention),
            "token_precision": rounded(self.token_precision),
            "recall_by_type": {k: rounded(v) for k, v in sorted(self.recall_by_type.items())},
            "precision_by_type": {k: rounded(v) for k, v in sorted(self.precision_by_type.items())},
            "trap_retention_by_type": {
                k: rounded(v) for k, v in sorted(self.trap_retention_by_type.items())
            },
        }


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def coverage(length: int, predictions: Sequence[Prediction]) -> list[bool]:
    """Per character of the text: is it inside some predicted span?"""
    covered = [False] * length
    for start, end, _ in predictions:
        for position in range(max(start, 0), min(end, length)):
            covered[position] = True
    return covered


def is_redacted(text: str, span: Span, covered: Sequence[bool]) -> bool:
    """Every non-space character of the gold span is covered."""
    return all(
        covered[position]
        for position in range(span.start, span.end)
        if not text[position].isspace()
    )


def is_kept(trap: Span, predictions: Sequence[Prediction]) -> bool:
    """No predicted span overlaps the trap span."""
    return not any(_overlaps(trap.start, trap.end, start, end) for start, end, _ in predictions)


_WORD = re.compile(r"[^\W_]+")


def token_hits(text: str, gold: Sequence[Span], predictions: Sequence[Prediction]) -> Ratio:
    """Words touched by a prediction (total) and, of those, words inside a gold span."""
    hits = total = 0
    for word in _WORD.finditer(text):
        start, end = word.span()
        if any(_overlaps(start, end, p_start, p_end) for p_start, p_end, _ in predictions):
            total += 1
            hits += any(_overlaps(start, end, g.start, g.end) for g in gold)
    return Ratio(hits, total)


def _add(counts: dict[str, list[int]], key: str, hit: bool) -> None:
    entry = counts.setdefault(key, [0, 0])
    entry[0] += int(hit)
    entry[1] += 1


def _ratios(counts: dict[str, list[int]]) -> dict[str, Ratio]:
    return {key: Ratio(hits, total) for key, (hits, total) in counts.items()}


def _total(ratios: dict[str, Ratio]) -> Ratio:
    return Ratio(sum(r.hits for r in ratios.values()), sum(r.total for r in ratios.values()))


def score(
    notes: Sequence[LabelledNote],
    predictions: Sequence[Sequence[Prediction]],
    seconds: float = 0.0,
) -> Scores:
    """Score one system's predictions (one sequence per note, in note order); `seconds`
    is the time the system took on these notes."""
    if len(notes) != len(predictions):
        raise ValueError(
            f"one prediction list per note is required: {len(notes)} notes, "
            f"{len(predictions)} prediction lists"
        )
    recall: dict[str, list[int]] = {}
    precision: dict[str, list[int]] = {}
    retention: dict[str, list[int]] = {}
    fully_redacted = 0
    token_hit = token_total = 0
    for note, predicted in zip(notes, predictions, strict=True):
        words = token_hits(note.text, note.entities, predicted)
        token_hit += words.hits
        token_total += words.total
        covered = coverage(len(note.text), predicted)
        all_redacted = True
        for span in note.entities:
            redacted = is_redacted(note.text, span, covered)
            all_redacted = all_redacted and redacted
            _add(recall, span.type, redacted)
        fully_redacted += int(all_redacted)
        for start, end, type_ in predicted:
            hit = any(_overlaps(start, end, g.start, g.end) for g in note.entities)
            _add(precision, type_, hit)
        for trap in note.traps:
            _add(retention, trap.type, is_kept(trap, predicted))
    recall_by_type = _ratios(recall)
    precision_by_type = _ratios(precision)
    retention_by_type = _ratios(retention)
    return Scores(
        recall_by_type=recall_by_type,
        recall=_total(recall_by_type),
        precision_by_type=precision_by_type,
        precision=_total(precision_by_type),
        fully_redacted=Ratio(fully_redacted, len(notes)),
        trap_retention_by_type=retention_by_type,
        trap_retention=_total(retention_by_type),
        token_precision=Ratio(token_hit, token_total),
        notes=len(notes),
        seconds=seconds,
    )
