"""PERSON (pattern part; the scrubber adds spaCy's NER): names after a title or a role
word, and untitled "Prénom NOM" / "NOM Prénom" / "Prénom Nom" runs.

1. After a title: "Dr X", "Dr. Jean Martin", "Pr MARTIN", "Mme Claire DUPONT",
   "M. Jean-Pierre Le Gall", "Monsieur/Madame X", "Mlle", "Mr/Mrs/Ms/Miss/Prof. X".
2. After a role word: "patient(e) X", "née X", "épouse X", "nom de naissance : X",
   "signé : X", "vu par X".
3. A run of capitalised words with a known first name ("Claire Martin", "DUPONT Claire",
   "Jean-Pierre Le Gall"), or a capitalised word followed by an uppercase surname that is
   not an acronym ("Claire DUPONT", "Anne DA SILVA", "Jean-Pierre N'DIAYE").

Surname particles (de, du, le, la, da, van, N', D'…) and hyphens are part of names;
uppercase acronyms (HTA, IRM, ECG…) are never surnames.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import ClassVar, Final

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, overlaps_any
from anonymization.recognizers.lexicon import (
    ACRONYMS,
    FIRST_NAMES,
    NAME_STOPWORDS,
    ROMAN_NUMERALS,
)

TITLE_SCORE: Final = 0.85
ROLE_SCORE: Final = 0.7
FIRST_NAME_AND_UPPER_SURNAME_SCORE: Final = 0.85
KNOWN_FIRST_NAME_SCORE: Final = 0.75
UPPER_SURNAME_SCORE: Final = 0.6
# A name is at most this many words (particles excluded) after its first one.
MAX_EXTRA_NAME_WORDS: Final = 3

_UPPER: Final = "A-ZÀ-ÖØ-ÞŒ"
_LOWER: Final = "a-zß-öø-ÿœ"
_SPACE: Final = r"[ \t\u00a0]+"
# "Martin", "N'Diaye", "d'Estaing", "McDonald"; "DUPONT", "N'DIAYE".
_CAPITALISED: Final = rf"(?:[DLNOdl]['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?"
_ALL_CAPS: Final = rf"(?:[DLNO]['’])?[{_UPPER}]{{2,}}"
_PART: Final = rf"(?:{_CAPITALISED}|{_ALL_CAPS})"
_WORD: Final = rf"{_PART}(?:-{_PART})*(?!\w)"
PARTICLES: Final = frozenset(
    ("de", "du", "des", "le", "la", "les", "da", "das", "do", "dos", "di", "del", "della",
     "van", "von", "der", "den", "ten", "ter", "ben", "bin", "el", "al")
)  # fmt: skip
_PARTICLE: Final = "(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + ")"
_NAME: Final = rf"{_WORD}(?:{_SPACE}(?:{_PARTICLE}{_SPACE})*{_WORD}){{0,{MAX_EXTRA_NAME_WORDS}}}"

# "M." needs its dot ("M Dupont" is too ambiguous); "Monsieur le Docteur X" is one title.
_TITLE_WORD: Final = (
    r"(?:(?:Dr|Dre|Docteur|docteur|Pr|Pre|Professeur|professeur|Prof|Mme|Mmes|Mlle|Mlles"
    r"|Madame|madame|Mademoiselle|mademoiselle|Monsieur|monsieur|Mr|Mrs|Ms|Miss|Mx|DR|MME"
    r"|MR|MRS)\.?|MM?\.)"
)
_TITLE: Final = rf"(?<![\w.]){_TITLE_WORD}(?:{_SPACE}(?:le|la){_SPACE}{_TITLE_WORD})?{_SPACE}"
_ROLE: Final = (
    r"(?<!\w)(?:[Pp]atient(?:e|\(e\))?|[Nn]ée|[ÉéEe]pouse|[Vv]euve"
    r"|[Nn]om(?:[ \t]+(?:de[ \t]+naissance|d['’]usage|de[ \t]+jeune[ \t]+fille|marital))?"
    r"|[Pp]r[ée]nom|[Ss]ign[ée](?:[ \t]+par)?|[Ss]igned(?:[ \t]+by)?|[Nn]ame|[Ss]urname"
    r"|[Mm]aiden[ \t]+name|[Vv]u(?:e)?[ \t]+par|[Ss]een[ \t]+by|[Rr][ée]f[ée]rent)"
    r"[ \t]*:?[ \t]*"
)
_MAX_RUN_EXTRA_WORDS: Final = MAX_EXTRA_NAME_WORDS + 1
_RUN: Final = re.compile(
    rf"(?<![\w'’-]){_WORD}(?:{_SPACE}(?:{_PARTICLE}{_SPACE})*{_WORD}){{1,{_MAX_RUN_EXTRA_WORDS}}}"
)
_RUN_WORD: Final = re.compile(r"[^ \t\u00a0]+")


def _is_acronym(word: str) -> bool:
    lowered = word.lower()
    return any(part in ACRONYMS or part in ROMAN_NUMERALS for part in lowered.split("-"))


def _is_first_name(word: str) -> bool:
    return all(part in FIRST_NAMES for part in word.lower().split("-"))


def _is_upper_surname(word: str) -> bool:
    return word.isupper() and not _is_acronym(word)


def _is_edge_noise(word: str) -> bool:
    """Words that may border a run of capitalised words without being part of the name."""
    return word in PARTICLES or word.lower() in NAME_STOPWORDS or _is_acronym(word)


class PersonRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "PERSON"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("after a title", re.compile(rf"{_TITLE}(?P<value>{_NAME})"), TITLE_SCORE),
        ValuePattern("after a role word", re.compile(rf"{_ROLE}(?P<value>{_NAME})"), ROLE_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "Dr", "Pr", "Mme", "M.", "Monsieur", "Madame", "patient", "née", "épouse", "Mr", "Mrs",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        # "Dr IRM" or "patient HTA": a lone acronym after a title is not a name.
        words = pattern_text.split()
        return False if all(_is_acronym(word) for word in words) else None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        if self.ENTITY not in entities:
            return results
        for run in _RUN.finditer(text):
            found = self._name_in_run(text, run.start(), run.end())
            if found is not None and not overlaps_any(results, found[0], found[1]):
                results.append(self.result(*found))
        return results

    def _name_in_run(self, text: str, start: int, end: int) -> tuple[int, int, float] | None:
        words = [(m.start(), m.end(), m.group()) for m in _RUN_WORD.finditer(text, start, end)]
        while words and _is_edge_noise(words[0][2]):
            words.pop(0)
        while words and _is_edge_noise(words[-1][2]):
            words.pop()
        names = [word for _, _, word in words if word not in PARTICLES]
        if len(names) < 2:
            return None
        score = None
        for first, second in pairwise(names):
            if _is_first_name(first) and _is_upper_surname(second):
                score = FIRST_NAME_AND_UPPER_SURNAME_SCORE
                break
            if _is_first_name(first) or _is_first_name(second):
                score = KNOWN_FIRST_NAME_SCORE
            elif score is None and not first.isupper() and _is_upper_surname(second):
                score = UPPER_SURNAME_SCORE
        if score is None:
            return None
        return words[0][0], words[-1][1], score
