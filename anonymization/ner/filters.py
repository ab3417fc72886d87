"""What the NER model proposes, checked before it is trusted.

A model trained on generated notes over-reads the ordinary words of real ones ("à
tester", "Entrée", "RESPIRATION", "BRAF"). A span it tags is dropped when it holds no
letter, when it is one all-capitals word of 2 to 5 letters no lexicon knows (an acronym), or
when every word of it is a frequent dictionary word of the language
(`anonymization.lexicons.common_words`) that no name lexicon knows, unless a title or a
role word stands just before it ("dr marchand", "sa fille rose" stay names). Given names
count as names whatever else they mean ("Rose"); a surname that is also a common word
("Serre", "Genoux") does not, alone. Before that test, a span loses the lower-case common
words at its edges ("EHPAD qui me semble" → "EHPAD", "le Juge" → "Juge") and a protocol's
day count at its end ("Fludarabine J-6" → "Fludarabine"). A span holding a drug's name
("Poursuite du Xalatan OG", "Adderall XR", "carboplatine-pémétrexed") is a prescription,
not a person: the drug lexicons hold no name, place or common word. Nor is a span made
only of stop words, acronyms or days of the week, unless a title or a role stands before
it ("Stroke Service" gives "Service", "Sunday"; "sa fille Entrée" stays), or one ending
with a job title ("Specialty Registrar", "Movement Disorders Fellow").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from anonymization.lexicons import (
    LANGUAGES,
    common_words,
    drug_vocabulary,
    is_unknown_acronym,
    lexicon,
    medical_words,
)
from anonymization.recognizers.date_recognizer import WEEKDAYS_AND_PLURALS
from anonymization.recognizers.lexicon import CAPITALS_ONLY_ACRONYMS, NEVER_NAMES
from anonymization.recognizers.person_words import is_acronym, is_job_title

_WORD: Final = re.compile(r"[^\W\d_]+")
_TITLE_BEFORE: Final = re.compile(
    r"(?i:\b(?:dr|docteur|doctor|pr|professeur|mme|madame|mlle|mademoiselle|m|monsieur|mr|mrs"
    r"|ms|miss|sister|sr|ide|as|interne|fille|fils|femme|mari|épouse|epoux|époux|sœur|soeur"
    r"|frère|frere|mère|mere|père|pere|wife|husband|daughter|son|brother|mother|father)"
    r"\.?[ \t]*[:,]?[ \t]*)$"
)


# "J-6", "J+28", "H-30 min": a day or hour count of a protocol, never part of a name
# ("Fludarabine J-6 à J-2" must not become "<PERSON>-6").
_DAY_COUNT: Final = re.compile(r"[JHDS][-+]\d")


# Not the months: "Mai", "June" are given names too.
_NEVER_ALONE: Final = NEVER_NAMES | WEEKDAYS_AND_PLURALS


@cache
def _name_words(language: str) -> frozenset[str]:
    """Given names of any lexicon, and the surnames that are not common words."""
    first = frozenset().union(*(lexicon("first_names", lang).lower for lang in LANGUAGES))
    surnames = frozenset().union(*(lexicon("surnames", lang).lower for lang in LANGUAGES))
    return first | (surnames - common_words(language))


def trimmed_model_span(
    text: str, start: int, end: int, language: str, is_person: bool = False
) -> tuple[int, int] | None:
    """The span without the lower-case common words at its edges, or None if the model
    proposed only common words (`model_span_is_plausible`)."""
    common = common_words(language)
    names = _name_words(language)
    words = list(_WORD.finditer(text, start, end))

    def is_filler(word: str) -> bool:
        lowered = word.lower()
        return word.islower() and lowered in common and lowered not in names

    while words and (is_filler(words[-1].group()) or _DAY_COUNT.match(text, words[-1].start())):
        words.pop()
    while words and is_filler(words[0].group()):
        words.pop(0)
    if not words:
        return None
    new_start = start if words[0].start() - start <= 0 else words[0].start()
    new_end = end if end - words[-1].end() <= 1 else words[-1].end()
    if not model_span_is_plausible(text, new_start, new_end, language):
        return None
    if is_person and not _lower_case_name_is_plausible(text, new_start, new_end):
        return None
    return new_start, new_end


_SENTENCE_START: Final = re.compile(r"(?:^|[.!?:;|•\n(«\"–-])[ \t]*$")


# Before a name in lower case that no lexicon knows: a title, or who did something ("vu par
# mdelaunay"); not a relative ("wife verbalized understanding").
_LOWER_NAME_BEFORE: Final = re.compile(
    r"(?i:\b(?:dr|docteur|doctor|pr|professeur|mme|madame|mlle|m|monsieur|mr|mrs|ms|miss|par)"
    r"\.?[ \t]*:?[ \t]*)$"
)


@cache
def _places() -> frozenset[str]:
    return frozenset().union(*(lexicon("places", language).lower for language in LANGUAGES))


@cache
def _names_of_any_language() -> frozenset[str]:
    return frozenset().union(*(_name_words(language) for language in LANGUAGES))


def _lower_case_name_is_plausible(text: str, start: int, end: int) -> bool:
    """A person in lower case ("dr kerjean de garde") has a name (or a place) some lexicon
    knows, or a title before it; "palpation", "verbalized" have neither."""
    if not text[start:end].islower():
        return True
    if text[start:end] in _places():
        return True  # "theix-noyalo": the model saw a person, a place list knows it
    names = _names_of_any_language()
    if any(word.group() in names for word in _WORD.finditer(text, start, end)):
        return True
    return _LOWER_NAME_BEFORE.search(text, max(0, start - 25), start) is not None


@cache
def _common_or_medical(language: str) -> frozenset[str]:
    """Common words and the medical words of ICD-10's labels ("hypertension", "sputum")."""
    return common_words(language) | medical_words(language)


def load_word_lists(language: str) -> None:
    """Read every word list these checks use now, not during the first note scrubbed (a
    worker process builds its Scrubber before it is timed or sent work)."""
    _common_or_medical(language)
    _name_words(language)
    _places()
    _names_of_any_language()
    _ordinary_words_of_any_language()
    drug_vocabulary()


def model_span_is_plausible(text: str, start: int, end: int, language: str) -> bool:
    words = list(_WORD.finditer(text, start, end))
    if not words or is_unknown_acronym(text[start:end]):
        return False
    common = _common_or_medical(language)
    names = _name_words(language)
    drugs = drug_vocabulary()
    if any(word.group().lower() in drugs for word in words):
        return False
    # "PCI LAD", "RLL CAP", "FBC, EUC": clinical abbreviations only, nobody.
    if all(
        is_acronym(word.group()) or word.group().lower() in CAPITALS_ONLY_ACRONYMS for word in words
    ):
        return False
    # "Specialty Registrar", "Movement Disorders Fellow": a job title, nobody's name.
    if is_job_title(words[-1].group()):
        return False
    # "Stroke Service", "on Sunday": headings' stop words and the calendar are nobody.
    span = text[start:end]
    if (
        not any(char.isdigit() for char in span)
        and all(word.group().lower() in _NEVER_ALONE for word in words)
        and _TITLE_BEFORE.search(text, max(0, start - 25), start) is None
    ):
        return False
    for word in words:
        value = word.group()
        lowered = value.lower()
        if lowered not in common or lowered in names:
            return True
        # A capitalised word inside a sentence ("chez sa sœur à Vitré") reads as a name.
        if (
            value[:1].isupper()
            and not value.isupper()
            and not _SENTENCE_START.search(text, max(0, word.start() - 3), word.start())
        ):
            return True
    return _TITLE_BEFORE.search(text, max(0, start - 25), start) is not None


_TOKEN: Final = re.compile(r"[^\W_]+")


@cache
def _ordinary_words_of_any_language() -> frozenset[str]:
    """Either language's words: a Québec or pasted French line holds no name either."""
    return frozenset().union(*(_common_or_medical(language) for language in LANGUAGES))


def is_capitalised_only_at_its_start(span: str) -> bool:
    """An English establishment capitalises its name's words ("Hartwood Unit", "Women &
    Infants Hospital"); a problem list's heading the model misreads does not: after its
    first word come only ordinary lower-case words, abbreviations in capitals and letters
    ("Dysphagia - NPO except meds", "Dry AMD OD", "Fundi - L"). A span in lower case
    throughout ("well pharmacy") is a message's and is not judged here."""
    words = _TOKEN.findall(span)
    if len(words) < 2 or span.islower():
        return False
    ordinary = _ordinary_words_of_any_language()
    return all(
        (word.islower() and word in ordinary)  # not a name in lower case ("bro ramesh")
        or word.isupper()
        or len(word) == 1
        or any(c.isdigit() for c in word)
        for word in words[1:]
    )
