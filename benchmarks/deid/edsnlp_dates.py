"""How edsnlp's French date component does on the realistic corpus's dates.

The issue asked to evaluate edsnlp's date and normalisation components before writing our
own. edsnlp is not a dependency of sovex; run this in an environment that has it:

    python -m venv /tmp/eds && /tmp/eds/bin/pip install edsnlp==0.23.0
    PYTHONPATH=. /tmp/eds/bin/python -m benchmarks.deid.edsnlp_dates

Prints, for the French documents (both splits: nothing is tuned here), the share of gold
DATE and DATE_PARTIAL spans edsnlp's `eds.dates` covers entirely, how many of its spans
touch no gold date (a score "10/10", a blood pressure "12/8"), and its speed.
"""

from __future__ import annotations

import sys
import time

from benchmarks.deid.realistic import DATE, DATE_PARTIAL, load_corpus


def main() -> int:
    import edsnlp
    import edsnlp.pipes as eds

    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.normalizer())
    nlp.add_pipe(eds.dates())
    documents = load_corpus("fr")
    started = time.perf_counter()
    docs = [nlp(document.text) for document in documents]
    seconds = time.perf_counter() - started
    gold = covered = predicted = outside = 0
    for document, doc in zip(documents, docs, strict=True):
        spans = [(s.start_char, s.end_char) for s in doc.spans.get("dates", [])]
        dates = [e for e in document.entities if e.type in (DATE, DATE_PARTIAL)]
        for date in dates:
            gold += 1
            needed = {i for i in range(date.start, date.end) if not document.text[i].isspace()}
            hit = {i for start, end in spans for i in range(start, end)}
            covered += needed <= hit
        for start, end in spans:
            predicted += 1
            outside += not any(start < d.end and d.start < end for d in dates)
    print(f"edsnlp {edsnlp.__version__} eds.dates on {len(documents)} French documents")
    print(f"gold dates covered: {covered}/{gold} ({covered / gold:.1%})")
    print(f"predicted spans touching no gold date: {outside}/{predicted}")
    print(f"{len(documents) / seconds:.1f} documents/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
