"""An independent check of the scrubber on notes it was not tuned on: the `sovex synth`
population (other templates, other name lists). For every note, is any identifier of
its own patient (or its author) still in the scrubbed text?

    python -m benchmarks.deid.synth_leaks [--patients 3000]

Prints counts only (never a value) and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter

from anonymization.scrubber import Scrubber
from sovex.synth.population import build_tables

EXACT_COLUMNS = ("nir", "phone", "email", "address", "city", "postcode")
NAME_COLUMNS = ("last_name", "first_name")
# Name parts this short ("Le", "Da") are words too: only longer parts are looked for.
MIN_NAME_PART = 3


def _whole_word(part: str, text: str, ignore_case: bool) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.search(rf"(?<![\w-]){re.escape(part)}(?![\w-])", text, flags) is not None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deid.synth_leaks")
    parser.add_argument("--patients", type=int, default=3_000)
    args = parser.parse_args(argv)
    tables = build_tables(args.patients)
    notes = tables["notes"].to_pylist()
    patients = {p["patient_id"]: p for p in tables["patients"].to_pylist()}
    scrubber = Scrubber("fr")
    started = time.perf_counter()
    results = scrubber.scrub([note["text"] for note in notes])
    elapsed = time.perf_counter() - started
    leaks: Counter[str] = Counter()
    for note, result in zip(notes, results, strict=True):
        patient, text = patients[note["patient_id"]], result.text
        for column in EXACT_COLUMNS:
            if patient[column] and patient[column] in text:
                leaks[column] += 1
        for column in NAME_COLUMNS:
            parts = [p for p in patient[column].split() if len(p) >= MIN_NAME_PART]
            if any(_whole_word(part, text, ignore_case=True) for part in parts):
                leaks[column] += 1
        if patient["birth_date"].strftime("%d/%m/%Y") in text:
            leaks["birth_date"] += 1
        author = [p for p in note["author"].split()[1:] if len(p) >= MIN_NAME_PART]
        if any(_whole_word(part, text, ignore_case=False) for part in author):
            leaks["author"] += 1
    summary = {
        "notes": len(notes),
        "notes_per_second": round(len(notes) / elapsed, 1),
        "notes_with_a_leak_by_field": dict(sorted(leaks.items())),
    }
    print(f"{len(notes)} notes, {summary['notes_per_second']} notes/s (one process)")
    print("notes still holding their own patient's or author's identifier:", dict(leaks) or 0)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
