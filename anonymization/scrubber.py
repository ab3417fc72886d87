"""Free-text scrubbing: identifiers in clinical notes replaced by typed placeholders.

Two parts, as in AP-HP's eds-pseudo:
- rules: the recognizers in `anonymization.recognizers` (patterns, context, checksums and
  lexicons for what a model should not have to guess: dates, ids, contacts, URLs, ages of
  90 and over, establishments, towns, names after titles and labels);
- a learned NER (`anonymization.ner`, trained in the project on a generated corpus of
  many genres) for names, places, establishments, employers and addresses in any frame.
A name found once is looked for again in the whole text. Medical vocabulary that looks
like a name (eponyms: "maladie de Parkinson", "sonde de Foley") is kept by
`anonymization.medical_terms`. A scanned note read by OCR ("2O24", "B1ois") is read
through `anonymization.ocr_view`, and every note without the invisible characters that
split words (`anonymization.invisible_characters`). Each span is replaced by `<TYPE>`.

Speed: texts go through the model in batches (`nlp.pipe`), the patterns are compiled
once, and large inputs are spread over worker processes. A Scrubber scrubs a short note
of its language when it is built, so the word lists every step reads are loaded then,
not during the first real note.

One module, long on purpose: the Scrubber, the span rules it applies after its recognizers
and the worker pool that runs it are read together (the pool's initialiser, chunking and
warm-up only exist for this Scrubber).
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from anonymization import name_shapes, place_shapes
from anonymization.identifier_patterns import FREE_TEXT_RESIDUAL_PATTERNS
from anonymization.invisible_characters import visible
from anonymization.lexicons import common_words, is_unknown_acronym, medical_words
from anonymization.medical_terms import is_medical_term_span
from anonymization.name_propagation import PROPAGATED_SCORE, propagate
from anonymization.ner.filters import (
    is_capitalised_only_at_its_start,
    load_word_lists,
    trimmed_model_span,
)
from anonymization.ner.model import MODEL_LABELS, load_model
from anonymization.ner.segments import model_segments
from anonymization.ocr_view import ocr_view
from anonymization.recognizers import build_recognizers
from anonymization.recognizers.establishment_recognizer import is_department
from anonymization.recognizers.first_characters import led_by_first_characters
from anonymization.recognizers.lexicon import CAPITALS_ONLY_ACRONYMS
from anonymization.recognizers.organization_recognizer import is_known_organization
from anonymization.recognizers.person_recognizer import SIGNATURE_SCORE
from anonymization.recognizers.person_words import is_acronym, is_first_name
from anonymization.surrogates import PatientContext, Replacement, apply_surrogates

PERSON = "PERSON"
# Types a model or a lexicon may confuse with medical vocabulary (eponyms, brand names).
NAME_LIKE_TYPES = frozenset({PERSON, "LOCATION", "HOSPITAL", "ORGANIZATION"})
_DIGIT = re.compile(r"\d")
_WORD_CONTINUATION = re.compile(r"(?:-[^\W\d_]+)+|['’]s?(?!\w)")
LANGUAGES = ("fr", "en")
NER_SCORE = 0.6
NAME_SHAPE_SCORE = 0.6
# Texts per spaCy batch and at most per task sent to a worker process (chosen by
# measurement: the model reads batches of fewer than 64 segments markedly slower).
SPACY_BATCH_SIZE = 128
WORKER_CHUNK_SIZE = 256
# Tasks per worker, of about the same number of characters each: the workers finish
# together, and each task still gives the model a good batch.
CHUNKS_PER_WORKER = 4
# Below this many texts, starting worker processes costs more than it saves.
PARALLEL_MIN_TEXTS = 1_000
# The release gate refuses any text matching its identifier patterns: whatever they match
# is always redacted too, so the scrubber never leaves what the gate would reject.
GATE_PATTERN_TYPES = {
    "FR_NIR": "FR_NIR",
    "EMAIL": "EMAIL_ADDRESS",
    "FR_PHONE": "PHONE_NUMBER",
    "URL": "URL",
    "DATE_WITH_DAY": "DATE",
}
GATE_PATTERN_SCORE = 0.5
# Behind a look-ahead for their first characters, like the recognizers' patterns (the
# same matches, found sooner: see `anonymization.recognizers.first_characters`).
GATE_PATTERNS = {
    name: led_by_first_characters(re.compile(pattern))
    for name, pattern in FREE_TEXT_RESIDUAL_PATTERNS.items()
}


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


# Initials written beside a name belong to it: "Aurore B.", "KEVIN D.", "Th. Bourgeois",
# and a bare initial after a surname in capitals: "Dr PATEL R", "SMITH J".
_INITIALS_AFTER = re.compile(r"(?:[ \t]+[A-ZÀ-Þ]\.(?:-?[A-ZÀ-Þ]\.)?){1,3}")
_BARE_INITIAL_AFTER = re.compile(r"[ \t]+[A-ZÀ-Þ](?![\w.'’-])(?![ \t]*[a-zà-ÿ])")
_HYPHENATED_INITIALS = re.compile(r"[A-ZÀ-Þ]-[A-ZÀ-Þ]")
_DOTTED_INITIALS = re.compile(r"(?:[A-ZÀ-Þ]\.-?){1,3}")
# "Th. Bourgeois", "J.-M. Rey": one capital, or a French given name shortened to a capital
# and an "h" ("Th.", "Ch.", "Ph."); never a title ("Dr.", "Mr.", "Ms." stay beside the name).
_INITIALS_BEFORE = re.compile(r"(?<![\w.])(?:[A-ZÀ-Þ]h?\.-?){1,3}[ \t]*$")
_SAINT_BEFORE = re.compile(r"(?<![\w.])(?:St|Ste|Saint|Sainte)\.?[ \t]+$")


def _with_initials(text: str, entity: Entity, language: str) -> Entity:
    if entity.type in NAME_LIKE_TYPES:
        saint = _SAINT_BEFORE.search(text, max(0, entity.start - 8), entity.start)
        if saint is not None:
            # "St. Agnes L&D", "St Colette": the saint's name is the place's name.
            entity = Entity(saint.start(), entity.end, entity.type, entity.score)
    if entity.type != PERSON:
        return entity
    start = name_shapes.start_without_leading_words(text, entity.start, entity.end, language)
    end = entity.end
    after = _INITIALS_AFTER.match(text, end)
    if after is not None:
        end = after.end()
    elif (text[start:end].isupper() and end - start > 1) or is_first_name(text[start:end]):
        # "SMITH J", and a given name and its surname's initial: "Sam H", "Kasia B".
        bare = _BARE_INITIAL_AFTER.match(text, end)
        if bare is not None:
            end = bare.end()
    before = _INITIALS_BEFORE.search(text, max(0, start - 10), start)
    if before is not None:
        start = before.start()
    return Entity(start, end, entity.type, entity.score)


# "Centre Georges-François Leclerc (CGFL)": an acronym defined after an establishment or an
# organisation names it too, here and everywhere else in the text.
_ACRONYM_AFTER = re.compile(r"[ \t]*\([ \t]*(?P<acronym>[A-Z][A-Z0-9&-]{1,7})[ \t]*\)")
# "RPA (Royal Prince Alfred)": an acronym spelled out in brackets after it, when its
# letters are the initials of the name's words.
_ACRONYM_BEFORE = re.compile(r"(?<![\w-])(?P<acronym>[A-Z]{2,6})[ \t]*\([ \t]*$")
_CLOSING_BRACKET = re.compile(r"[ \t]*\)")
ACRONYM_SCORE = 0.6


def _defined_acronyms(text: str, entities: Sequence[Entity]) -> list[Entity]:
    found: list[Entity] = []
    for entity in entities:
        acronym = None
        if entity.type in ("HOSPITAL", "ORGANIZATION"):
            defined = _ACRONYM_AFTER.match(text, entity.end)
            acronym = defined.group("acronym") if defined is not None else None
        if acronym is None and entity.type in NAME_LIKE_TYPES:
            acronym = _spelled_out_after(text, entity)
        if acronym is None:
            continue
        for use in re.finditer(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text):
            found.append(Entity(use.start(), use.end(), entity.type, ACRONYM_SCORE))
    return found


def _spelled_out_after(text: str, entity: Entity) -> str | None:
    """The acronym that `entity`, in brackets, spells out: "RPA (Royal Prince Alfred)"."""
    before = _ACRONYM_BEFORE.search(text, max(0, entity.start - 12), entity.start)
    if before is None or _CLOSING_BRACKET.match(text, entity.end) is None:
        return None
    words = re.findall(r"[^\W\d_][\w'’]*", text[entity.start : entity.end])
    initials = "".join(word[0] for word in words if word[0].isupper())
    acronym = before.group("acronym")
    return acronym if initials == acronym else None


# "NB = Nicola Braund", "Joanna Trewin (JT)": initials defined for a name stand for the
# person wherever else they appear (a chart's staff key, then its cells).
_INITIALS_DEFINED_BEFORE = re.compile(r"(?<![\w-])(?P<initials>[A-Z]{2,3})[ \t]*(?:=|:|–|—)[ \t]*$")
_INITIALS_DEFINED_AFTER = re.compile(r"[ \t]*\([ \t]*(?P<initials>[A-Z]{2,3})[ \t]*[),]")
INITIALS_SCORE = 0.6


def _defined_initials(text: str, entities: Sequence[Entity]) -> list[Entity]:
    found: list[Entity] = []
    for entity in entities:
        if entity.type != PERSON:
            continue
        # Only initials that spell the name's words: "BP = …" defines nothing here.
        words = [w for w in re.findall(r"[^\W\d_][\w'’]*", text[entity.start : entity.end])]
        spelled = "".join(word[0] for word in words if word[0].isupper()).upper()
        candidates = (
            _INITIALS_DEFINED_BEFORE.search(text, max(0, entity.start - 8), entity.start),
            _INITIALS_DEFINED_AFTER.match(text, entity.end),
        )
        for defined in candidates:
            if defined is None or len(spelled) < 2:
                continue
            initials = defined.group("initials")
            if initials != spelled[: len(initials)] and initials != spelled[-len(initials) :]:
                continue
            for use in re.finditer(rf"(?<![\w-]){initials}(?![\w-])", text):
                found.append(Entity(use.start(), use.end(), PERSON, INITIALS_SCORE))
    return found


# "Ros (Rosalind Achterberg RN)", "Bev (Beverley Shaw)": a short name, then the full one.
_SHORT_NAME_BEFORE_BRACKET: Final = re.compile(r"(?<![\w'’-])(?P<short>[A-Z][a-z]{2,8})[ \t]*\($")


def _short_names_before_full_ones(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """The short form of a name written just before the full one in brackets, when the
    full given name starts with it."""
    found = []
    for entity in entities:
        if entity.type != PERSON:
            continue
        before = _SHORT_NAME_BEFORE_BRACKET.search(text, max(0, entity.start - 12), entity.start)
        if before is None:
            continue
        short, full = before.group("short"), text[entity.start : entity.end]
        if full.startswith(short) and len(full.split()[0]) > len(short):
            found.append(Entity(*before.span("short"), PERSON, INITIALS_SCORE))
    return found


# Initials standing for a person: two or three capitals, maybe with an apostrophe ("DO'B").
_INITIALS: Final = re.compile(r"[A-Z]{2,3}|[A-Z]{1,2}['’][A-Z]")


def _repeated_initials(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Initials found once as a person's ("PB (surg)", "-- JLW") are that person wherever
    else the note writes them ("PB to see in clinic"), unless they are a known acronym."""
    initials = {
        text[e.start : e.end]
        for e in entities
        if e.type == PERSON
        and _INITIALS.fullmatch(text[e.start : e.end])
        and not is_acronym(text[e.start : e.end])
        and text[e.start : e.end].lower() not in CAPITALS_ONLY_ACRONYMS
    }
    found = []
    for value in initials:
        # "at GW's request": the possessive goes with the initials' owner.
        for use in re.finditer(rf"(?<![\w'’-]){re.escape(value)}(?![\w-]|['’](?!s\b))", text):
            found.append(Entity(use.start(), use.end(), PERSON, INITIALS_SCORE))
    return found


# "Mme Martin (92)", "Joan Smith (94)", "Mr Smith, 91,": an age of 90 or more after a name.
_GREAT_AGE_IN_BRACKETS_AFTER = re.compile(
    r"[ \t]*\([ \t]*(?P<age>9\d|1[01]\d)[ \t]*(?:ans?|a|y|yo|y/o|yrs?)?[ \t]*[),]"
    # "Mr Smith, 91, lives alone": between commas after the name.
    r"|,[ \t]*(?P<bare>9\d|1[01]\d)(?=[ \t]*[,;)]|\.(?!\d))"
    # "JONES, Mair 91 - wait": a handover list's name, age, dash and what follows.
    r"|[ \t]+(?P<listed>9\d|1[01]\d)(?=[ \t]+[-–—][ \t])"
)
AGE_AFTER_NAME_SCORE = 0.6
# "tante pat : Annaïg (1947)", "enfants : Inès (2006) et Yanis (2010)": a family tree's
# birth years, in brackets after each name.
_BIRTH_YEAR_IN_BRACKETS_AFTER = re.compile(r"[ \t]*\([ \t]*(?P<year>(?:19|20)\d\d)[ \t]*[),]")


def _ages_and_birth_years_after_names(text: str, entities: Sequence[Entity]) -> list[Entity]:
    found = []
    for entity in entities:
        if entity.type != PERSON:
            continue
        age = _GREAT_AGE_IN_BRACKETS_AFTER.match(text, entity.end)
        if age is not None:
            group = next(name for name in ("age", "bare", "listed") if age.group(name))
            found.append(Entity(*age.span(group), "AGE", AGE_AFTER_NAME_SCORE))
        year = _BIRTH_YEAR_IN_BRACKETS_AFTER.match(text, entity.end)
        if year is not None:
            found.append(Entity(*year.span("year"), "DATE", AGE_AFTER_NAME_SCORE))
    return found


# "AP-HP – Hôpitaux universitaires…", "BIOGROUP – Laboratoire de Mulhouse": two parts of one
# name joined by a dash are one span (the dash included).
_DASH_BETWEEN = re.compile(r"[ \t]*[–—-][ \t]*")
JOINABLE_TYPES = frozenset({"HOSPITAL", "ORGANIZATION"})


def _dash_joins(text: str, entities: Sequence[Entity]) -> list[Entity]:
    ordered = sorted((e for e in entities if e.type in JOINABLE_TYPES), key=lambda e: e.start)
    joins = []
    for left, right in itertools.pairwise(ordered):
        if right.start > left.end and _DASH_BETWEEN.fullmatch(text, left.end, right.start):
            joins.append(Entity(left.start, right.end, left.type, ACRONYM_SCORE))
    return joins


# 'Archibald "Archie" Robson', 'ELLWOOD ("Dot")', 'Jeanne PETIT dite « Jeannette »': a
# quoted word beside a name is what the person is called, here and wherever it comes back.
_QUOTED_NICKNAME_AFTER = re.compile(
    r"[ \t,]*(?:\([ \t]*|(?i:dite?|alias|aka|known[ \t]+as|called)[ \t]+)?"
    r"(?P<nickname>[\"“‘«][ \t]*[A-ZÀ-Þ][\w’-]{1,15}[ \t]*[\"”’»])"
)
NICKNAME_SCORE = 0.6


def _quoted_nicknames(text: str, entities: Sequence[Entity]) -> list[Entity]:
    found = []
    for entity in entities:
        if entity.type != PERSON:
            continue
        quoted = _QUOTED_NICKNAME_AFTER.match(text, entity.end)
        if quoted is not None:
            start, end = quoted.span("nickname")
            found.append(Entity(start, end, PERSON, NICKNAME_SCORE))
    return found


# No name holds a dash between spaces: the model's "SH - ABPI" is initials, then a test.
_SPACED_DASH = re.compile(r"[ \t]+[-–—][ \t]+")


def _person_parts(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """A model person span cut at its spaced dashes, each part judged alone."""
    if label != PERSON:
        return [(start, end)]
    parts = []
    for dash in _SPACED_DASH.finditer(text, start, end):
        parts.append((start, dash.start()))
        start = dash.end()
    parts.append((start, end))
    return parts


def _completed_names(text: str, entities: Sequence[Entity], language: str) -> list[Entity]:
    """The person spans completed from how names are written (`name_shapes`)."""
    names = [(e.start, e.end) for e in entities if e.type == PERSON]
    completed = [
        *name_shapes.comma_joined(text, names),
        *name_shapes.married_names(text, names),
        *name_shapes.given_name_after_comma(text, names, language),
        *name_shapes.initial_after_title(text, names),
        *name_shapes.surname_after_initial(text, names, language),
        *name_shapes.lower_case_continuation(text, names, language),
        *name_shapes.spelled_out(text, names),
    ]
    return [Entity(start, end, PERSON, NAME_SHAPE_SCORE) for start, end in completed]


def _completed_places(text: str, entities: Sequence[Entity]) -> list[Entity]:
    """Establishment, organisation and place spans completed from how such names are
    written (`place_shapes`); each keeps the type of the span it starts with."""
    type_at = {e.start: e.type for e in entities if e.type in place_shapes.PLACE_TYPES}
    places = [(e.start, e.end) for e in entities if e.type in place_shapes.PLACE_TYPES]
    establishments = frozenset(
        (e.start, e.end) for e in entities if e.type in ("HOSPITAL", "ORGANIZATION")
    )
    towns = [(e.start, e.end) for e in entities if e.type == "LOCATION"]
    completed = [
        *place_shapes.completed(text, places, establishments),
        *place_shapes.bridged(text, places),
        *place_shapes.postcodes_after(text, towns),
    ]
    addresses = [(e.start, e.end) for e in entities if e.type == "ADDRESS"]
    return [
        *(Entity(start, end, type_at[start], NAME_SHAPE_SCORE) for start, end in completed),
        *(
            Entity(start, end, "LOCATION", NAME_SHAPE_SCORE)
            for start, end in place_shapes.localities_after(text, addresses)
        ),
    ]


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


# A note in each language that goes through every step (rules, model, its filters,
# medical vocabulary, propagation): scrubbed once when a Scrubber is built, so that every
# word list (both languages') is loaded before the first real note.
WARM_UP_NOTES = {
    "fr": (
        "Mme Claire DUPONT, née le 12/03/1950 à Lorient, vue avec sa fille Julie par le Dr "
        "Martin au CHU de Rennes (CHUR). Maladie de Parkinson sous Modopar 125 mg, BRAF muté, "
        "Grade 2. Rentre sur Quimper chez Thales avec l'IDE Kevin Le Goff.\nJulie 09:35 : vue "
        "par J. Blanc. Ongoing Parkinson."
    ),
    "en": (
        "Mrs Claire SMITH, born 12/03/1950 in Leeds, seen with her daughter Julie by Dr Martin "
        "at St James's University Hospital (SJUH). Parkinson's disease on Sinemet 125 mg, BRAF "
        "positive, Grade Group 2. Lives in Otley, works for Tesco; nurse Kevin O'Neill.\n"
        "Julie 09:35: seen by J. Blanc. Ongoing Parkinson."
    ),
}


class Scrubber:
    """One language's recognizers and NER model, loaded once, reused for every batch."""

    def __init__(self, language: str, use_ner: bool = True) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; one of {', '.join(LANGUAGES)}")
        self.language = language
        self.recognizers = build_recognizers(language)
        self._nlp: Any = load_model(language) if use_ner else None
        self.analyze([WARM_UP_NOTES[language]])
        # Lists the warm-up note may not reach: a lower-case name's, and both languages'
        # words and medical words, which the establishment patterns and the place cues
        # read whatever the note's language.
        load_word_lists(language)
        for any_language in LANGUAGES:
            common_words(any_language)
            medical_words(any_language)

    def _pattern_entities(self, text: str) -> list[Entity]:
        found = []
        for recognizer in self.recognizers:
            # Pattern recognizers need no spaCy artifacts: context is part of their patterns.
            results = recognizer.analyze(text, recognizer.supported_entities, None)  # type: ignore[arg-type]
            for result in results or ():
                found.append(Entity(result.start, result.end, result.entity_type, result.score))
        for name, pattern in GATE_PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(
                    Entity(match.start(), match.end(), GATE_PATTERN_TYPES[name], GATE_PATTERN_SCORE)
                )
        return found

    def _keep(self, text: str, entity: Entity) -> bool:
        span = text[entity.start : entity.end]
        if entity.type == "ADDRESS" and entity.score == NER_SCORE and not _DIGIT.search(span):
            # The model's address without a number ("score de Bishop 7" read as a street):
            # checked against medical vocabulary like a name.
            return not is_medical_term_span(text, entity.start, entity.end)
        if entity.type not in NAME_LIKE_TYPES:
            return True
        if entity.score == NER_SCORE and entity.type in JOINABLE_TYPES and is_department(span):
            return False  # the model's "Clinical Biochemistry": a department, no establishment
        if (
            entity.score == NER_SCORE
            and entity.type in JOINABLE_TYPES
            and self.language == "en"
            and is_capitalised_only_at_its_start(span)
            and not is_known_organization(span)
        ):
            return False  # the model's "Dysphagia - NPO except meds": a heading
        if entity.type == PERSON and entity.score == SIGNATURE_SCORE:
            return True  # "-- JLW", "HTW" closing a note: initials, whatever they spell
        # "par DIU", "Contrôle IVUS": an unknown acronym of 3 to 5 capitals is not a name
        # (two capitals may be a person's initials: "JT").
        if (
            entity.type == PERSON
            and len(span) > 2
            and is_unknown_acronym(span)
            and not _HYPHENATED_INITIALS.fullmatch(span)  # "Dr R-P", "J-P (AS)"
        ):
            return False
        if entity.type == PERSON and span.isupper() and span.lower() in CAPITALS_ONLY_ACRONYMS:
            return False  # "TIA", "LAD", "PEG": a clinical acronym, whoever is called Tia
        if not any(char.isalpha() for char in span):
            return True  # a postcode, a number: never vocabulary
        if entity.type == "ORGANIZATION" and is_known_organization(span):
            return True  # "Age UK": a known name, whatever its words
        if entity.type == PERSON and _DOTTED_INITIALS.fullmatch(span):
            return True  # "G.", "J.-M.": a signature's initials, never vocabulary
        if is_medical_term_span(text, entity.start, entity.end):
            return False
        # "Semmes" of "Semmes-Weinstein monofilament", "Baker" of "?Baker's": the whole
        # word, hyphenated or possessive, decides.
        whole = _WORD_CONTINUATION.match(text, entity.end)
        return whole is None or not is_medical_term_span(text, entity.start, whole.end())

    def _add_model_entities(self, texts: Sequence[str], found: list[list[Entity]]) -> None:
        """The model reads only the segments the rules left something to find in
        (`anonymization.ner.segments`); its entities are added to `found`."""
        owners: list[tuple[int, int]] = []  # (text index, segment offset)
        segments: list[str] = []
        for index, text in enumerate(texts):
            spans = [(e.start, e.end) for e in found[index]]
            for start, end in model_segments(text, spans, self.language):
                owners.append((index, start))
                segments.append(text[start:end])
        docs = self._nlp.pipe(segments, batch_size=SPACY_BATCH_SIZE)
        for (index, offset), doc in zip(owners, docs, strict=True):
            for span in doc.ents:
                label = MODEL_LABELS[span.label_]
                for part_start, part_end in _person_parts(
                    texts[index], offset + span.start_char, offset + span.end_char, label
                ):
                    trimmed = trimmed_model_span(
                        texts[index], part_start, part_end, self.language, label == PERSON
                    )
                    if trimmed is not None:
                        found[index].append(Entity(*trimmed, label, NER_SCORE))

    def analyze(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        # A note is read without its invisible characters ("Du\u200bpont"), and what is
        # found is mapped back to the note as written.
        views = [visible(text) for text in texts]
        return [
            tuple(Entity(*view.original_span(e.start, e.end), e.type, e.score) for e in entities)
            for view, entities in zip(views, self._analyze([v.text for v in views]), strict=True)
        ]

    def _analyze(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        # An OCR'd note is read with its look-alike characters undone; the offsets are
        # the same, so the entities found apply to the note as written.
        texts = [ocr_view(text) for text in texts]
        found = [self._pattern_entities(text) for text in texts]
        if self._nlp is not None:
            self._add_model_entities(texts, found)
        results = []
        for text, entities in zip(texts, found, strict=True):
            kept = [_with_initials(text, e, self.language) for e in entities if self._keep(text, e)]
            kept += _defined_acronyms(text, kept)
            kept += _dash_joins(text, kept)
            kept += _quoted_nicknames(text, kept)
            kept += _defined_initials(text, kept)
            kept += _repeated_initials(text, kept)
            kept += _short_names_before_full_ones(text, kept)
            kept += _ages_and_birth_years_after_names(text, kept)
            kept += _completed_names(text, kept, self.language)
            kept += _completed_places(text, kept)
            names = [(e.start, e.end) for e in kept if e.type == PERSON]
            kept += [
                Entity(start, end, PERSON, PROPAGATED_SCORE)
                for start, end in propagate(text, names, self.language)
            ]
            results.append(_merge(kept))
        return results

    def scrub(self, texts: Sequence[str]) -> list[ScrubbedText]:
        return [
            ScrubbedText(replace_spans(text, entities), entities)
            for text, entities in zip(texts, self.analyze(texts), strict=True)
        ]

    def surrogates(
        self, texts: Sequence[str], patients: Sequence[PatientContext]
    ) -> list[tuple[str, list[Replacement]]]:
        """Each text with names, dates and great ages replaced by its patient's
        surrogates, everything else by tags (see `anonymization.surrogates`)."""
        return [
            apply_surrogates(
                text, [(e.start, e.end, e.type) for e in entities], self.language, patient
            )
            for text, entities, patient in zip(texts, self.analyze(texts), patients, strict=True)
        ]


# --- worker processes -------------------------------------------------------------------

_worker_scrubber: Scrubber | None = None


def _init_worker(language: str, started: Any) -> None:
    global _worker_scrubber
    _worker_scrubber = Scrubber(language)
    started.release()


def _scrub_chunk(texts: list[str]) -> list[ScrubbedText]:
    assert _worker_scrubber is not None, "worker not initialised"
    return _worker_scrubber.scrub(texts)


def _chunks(texts: Sequence[str], count: int) -> Iterator[list[str]]:
    """`texts` in order, in `count` runs of about the same number of characters (notes
    differ in length) or more, none of more than WORKER_CHUNK_SIZE texts."""
    count = max(count, -(-len(texts) // WORKER_CHUNK_SIZE))
    total = sum(len(text) for text in texts) or 1
    chunk: list[str] = []
    index = position = 0
    for text in texts:
        # The chunk a text goes to is where its middle falls.
        text_index = min(count - 1, (2 * position + len(text)) * count // (2 * total))
        if chunk and (text_index != index or len(chunk) == WORKER_CHUNK_SIZE):
            yield chunk
            chunk = []
        chunk.append(text)
        index = text_index
        position += len(text)
    if chunk:
        yield chunk


class ScrubberPool:
    """Worker processes each holding a Scrubber; started (models loaded) up front.

    `forkserver` rather than `fork`: the caller may be a multi-threaded Airflow task,
    and forking a threaded process can deadlock.
    """

    def __init__(self, language: str, processes: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["anonymization.scrubber"])
        self._processes = processes
        started = context.Semaphore(0)
        self._pool = context.Pool(processes, initializer=_init_worker, initargs=(language, started))
        # Every worker has built (and warmed up) its Scrubber before the first batch.
        for _ in range(processes):
            started.acquire()

    def scrub(self, texts: Sequence[str]) -> list[ScrubbedText]:
        scrubbed: list[ScrubbedText] = []
        chunks = _chunks(texts, CHUNKS_PER_WORKER * self._processes)
        for chunk in self._pool.imap(_scrub_chunk, chunks):
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
