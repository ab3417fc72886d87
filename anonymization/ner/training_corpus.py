"""The NER model's training corpus: documents of many genres assembled from the line
templates of `templates_fr` / `templates_en`, filled with lexicon names and places, then
made noisy the way real notes are (all lower case, all capitals, no accents, lines run
together, tables), with the exact character spans of every PERSON, LOCATION, HOSPITAL,
ORGANIZATION and ADDRESS.

Deterministic: the same (language, count, seed) gives the same documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random
from types import ModuleType

from anonymization.ner import templates_en, templates_fr
from anonymization.ner.slots import DocumentValues, fill
from anonymization.ner.writer import CaseNoise, Spans, Writer

LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Example:
    text: str
    spans: tuple[tuple[int, int, str], ...]
    genre: str


def _templates(language: str) -> ModuleType:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; provided {language!r}")
    return templates_fr if language == "fr" else templates_en


def _lines(rng: Random, pool: Sequence[str], low: int, high: int) -> list[str]:
    return rng.sample(list(pool), k=min(len(pool), rng.randint(low, high)))


def _paragraph(rng: Random, lines: list[str]) -> str:
    joiner = rng.choice((" ", " ", "\n", "\n", " "))
    return joiner.join(lines) + "\n"


def _letter(rng: Random, t: ModuleType) -> list[str]:
    parts = [rng.choice(t.HEADERS)]
    if rng.random() < 0.7:
        parts.append(rng.choice(t.DATELINES))
    if rng.random() < 0.6:
        parts.append(rng.choice(t.RECIPIENTS))
    if rng.random() < 0.7:
        parts.append(rng.choice(t.IDENTITY))
    parts.append(rng.choice(t.GREETINGS))
    body = [rng.choice(t.OPENINGS)]
    body += _lines(rng, t.HISTORY, 1, 3) + _lines(rng, t.CLINICAL, 1, 4)
    body += _lines(rng, t.PROSE, 2, 6)
    body += _lines(rng, t.FAMILY, 0, 2) + _lines(rng, t.STAFF, 0, 1)
    body.append(rng.choice(t.CONCLUSIONS))
    parts.append(_paragraph(rng, body))
    parts.append(rng.choice(t.SIGNATURES))
    return parts


def _report(rng: Random, t: ModuleType) -> list[str]:
    parts = [rng.choice(t.HEADERS), rng.choice(t.IDENTITY)]
    for pool, low, high in (
        (t.HISTORY, 1, 4),
        (t.CLINICAL, 2, 5),
        (t.PROSE, 2, 6),
        (t.FAMILY, 0, 2),
        (t.STAFF, 0, 2),
        (t.CONCLUSIONS, 1, 2),
    ):
        parts.append(_paragraph(rng, _lines(rng, pool, low, high)))
    if rng.random() < 0.4:
        parts.append(rng.choice(t.TABLES))
    parts.append(rng.choice(t.SIGNATURES))
    return parts


def _nursing(rng: Random, t: ModuleType) -> list[str]:
    lines = _lines(rng, t.NURSING, 2, 6) + _lines(rng, t.STAFF, 0, 2) + _lines(rng, t.FAMILY, 0, 2)
    lines += _lines(rng, t.PROSE, 1, 4)
    rng.shuffle(lines)
    return ["\n".join(lines) + "\n"]


def _messages(rng: Random, t: ModuleType) -> list[str]:
    lines = _lines(rng, t.SMS, 1, 5) + _lines(rng, t.PROSE, 0, 2)
    rng.shuffle(lines)
    return ["\n".join(lines) + "\n"]


def _table(rng: Random, t: ModuleType) -> list[str]:
    parts = _lines(rng, t.TABLES, 1, 3)
    if rng.random() < 0.5:
        parts.insert(0, rng.choice(t.HEADERS))
    return [p if p.endswith("\n") else p + "\n" for p in parts]


def _social(rng: Random, t: ModuleType) -> list[str]:
    lines = _lines(rng, t.SOCIAL, 2, 4) + _lines(rng, t.FAMILY, 1, 2) + _lines(rng, t.HISTORY, 0, 2)
    lines += _lines(rng, t.PROSE, 1, 3)
    return [rng.choice(t.IDENTITY), _paragraph(rng, lines)]


def _dictation(rng: Random, t: ModuleType) -> list[str]:
    lines = _lines(rng, t.DICTATION, 2, 4) + _lines(rng, t.PROSE, 1, 4)
    rng.shuffle(lines)
    return [" ".join(lines) + "\n"]


def _clinical_only(rng: Random, t: ModuleType) -> list[str]:
    """No identifier at all: the model must learn to leave medical text alone."""
    return [_paragraph(rng, _lines(rng, t.CLINICAL, 1, 4) + _lines(rng, t.PROSE, 2, 8))]


GENRES: dict[str, tuple[float, Callable[[Random, ModuleType], list[str]]]] = {
    "letter": (0.24, _letter),
    "report": (0.2, _report),
    "nursing": (0.14, _nursing),
    "messages": (0.1, _messages),
    "table": (0.08, _table),
    "social": (0.08, _social),
    "dictation": (0.06, _dictation),
    "clinical": (0.1, _clinical_only),
}


DOCUMENT_NOISE = CaseNoise(lower=0.1, upper=0.06, no_accents=0.08, lower_no_accents=0.04)


def _run_together(rng: Random, text: str, spans: Spans) -> str:
    """Some notes lose their line breaks (pasted from another system): same length."""
    if rng.random() < 0.12:
        return text.replace("\n", " ")
    return text


def generate(language: str, count: int, seed: int) -> list[Example]:
    templates = _templates(language)
    rng = Random(f"ner-corpus:{seed}:{language}")
    names = list(GENRES)
    weights = [GENRES[name][0] for name in names]
    examples: list[Example] = []
    for _ in range(count):
        genre = rng.choices(names, weights)[0]
        doc_values = DocumentValues(rng, language)
        writer = Writer()
        for part in GENRES[genre][1](rng, templates):
            fill(part, doc_values, writer)
        text, spans = writer.render(DOCUMENT_NOISE.draw(rng, language))
        text = _run_together(rng, text, spans)
        examples.append(Example(text, tuple(spans), genre))
    return examples
