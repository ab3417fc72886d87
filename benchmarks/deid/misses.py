"""Tuning aid: the identifiers a system misses and the medical words it removes, in context.

Use it on the DEV split of the realistic corpus, or on the TRAIN templates of the
generated corpus (what tuning may look at):

    python -m benchmarks.deid.misses realistic fr dev          # rules + model
    python -m benchmarks.deid.misses realistic en dev nonner   # rules alone
    python -m benchmarks.deid.misses generated fr train

It prints invented text only; never run it on real data.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from anonymization.scrubber import Scrubber
from benchmarks.deid import realistic
from benchmarks.deid.corpus import LabelledNote, generate_notes
from benchmarks.deid.metrics import coverage, is_redacted

GENERATED_NOTES = 600
SEED = 7
CONTEXT_CHARS = 35


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    return f"{before}[[{text[start:end]}]]{text[end : end + CONTEXT_CHARS]}".replace("\n", "⏎")


def _notes(corpus: str, language: str, split: str) -> list[LabelledNote]:
    if corpus == "realistic":
        if split == "test":
            raise SystemExit("tuning looks at the dev split only")
        return [d.as_note() for d in realistic.load_corpus(language, split)]
    return generate_notes(language, GENERATED_NOTES, split, SEED)


def main(argv: list[str]) -> int:
    corpus, language, split = argv[0], argv[1], argv[2]
    use_ner = len(argv) < 4 or argv[3] != "nonner"
    notes = _notes(corpus, language, split)
    scrubber = Scrubber(language, use_ner=use_ner)
    started = time.perf_counter()
    results = scrubber.analyze([note.text for note in notes])
    elapsed = time.perf_counter() - started
    missed: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    lines = []
    for note, entities in zip(notes, results, strict=True):
        predicted = [(e.start, e.end, e.type) for e in entities]
        covered = coverage(len(note.text), predicted)
        for gold in note.entities:
            totals[gold.type] += 1
            if not is_redacted(note.text, gold, covered):
                missed[gold.type] += 1
                lines.append(
                    f"MISS {gold.type:<12} {note.id:<18} "
                    f"{_context(note.text, gold.start, gold.end)}"
                )
        for keep in note.traps:
            hit = {e.type for e in entities if e.start < keep.end and keep.start < e.end}
            if hit:
                totals["LOST"] += 1
                lines.append(
                    f"LOST {','.join(sorted(hit)):<12} {note.id:<18} "
                    f"{_context(note.text, keep.start, keep.end)}"
                )
        for entity in entities:
            if not any(entity.start < g.end and g.start < entity.end for g in note.entities):
                lines.append(
                    f"FP   {entity.type:<12} {note.id:<18} "
                    f"{_context(note.text, entity.start, entity.end)}"
                )
    print("\n".join(sorted(lines)))
    print(f"notes/s {len(notes) / elapsed:.1f}")
    for kind, total in totals.most_common():
        print(f"{kind:<14} missed {missed[kind]:>4} / {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
