"""Tuning aid: the identifiers a system misses and the traps it over-redacts, with context.

Use it on the TRAIN split only (the templates tuning may look at):

    python -m benchmarks.deid.misses fr train        # with spaCy NER
    python -m benchmarks.deid.misses en train nonner # pattern recognizers alone

It prints gold text from synthetic notes only; never run it on real data.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict

from anonymization.scrubber import Scrubber
from benchmarks.deid.corpus import generate_notes

NOTES = 600
SEED = 7
CONTEXT_CHARS = 30
SHOWN_PER_TYPE = 6


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    return f"{before}[[{text[start:end]}]]{text[end : end + 20]}"


def main(argv: list[str]) -> int:
    language, split = argv[0], argv[1]
    use_ner = len(argv) < 3 or argv[2] != "nonner"
    notes = generate_notes(language, NOTES, split, SEED)
    scrubber = Scrubber(language, use_ner=use_ner)
    started = time.perf_counter()
    results = scrubber.analyze([note.text for note in notes])
    elapsed = time.perf_counter() - started
    misses: dict[str, list[tuple[str, str]]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for note, entities in zip(notes, results, strict=True):
        covered = {i for e in entities for i in range(e.start, e.end)}
        for gold in note.entities:
            totals[gold.type] += 1
            needed = (i for i in range(gold.start, gold.end) if not note.text[i].isspace())
            if not all(i in covered for i in needed):
                misses[gold.type].append((note.template, _context(note.text, gold.start, gold.end)))
        for trap in note.traps:
            hit = {e.type for e in entities if e.start < trap.end and trap.start < e.end}
            if hit:
                context = ",".join(sorted(hit)) + ": " + _context(note.text, trap.start, trap.end)
                misses[f"TRAP_{trap.type}"].append((note.template, context))
    print(f"notes/s {len(notes) / elapsed:.0f}")
    for kind, found in sorted(misses.items(), key=lambda item: -len(item[1])):
        print(kind, len(found), "/", totals.get(kind, "?"))
        for (template, context), count in Counter(found).most_common(SHOWN_PER_TYPE):
            print("   ", count, template, repr(context))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
