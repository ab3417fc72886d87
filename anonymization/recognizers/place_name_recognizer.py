"""LOCATION by name: every French commune (INSEE's official list) or British, Irish and US
town (GeoNames) written in the text, and French postcodes standing alone.

A capitalised or all-capitals name ("Quimperlé", "SAINT-BRIEUC", "Épagny Metz-Tessy")
is a place wherever it appears; a lower-case one ("rentre sur lorient") only after a
preposition that introduces a place. Names that are also common words of the language
("Sens", "Orange", "Tours") are left out of the list itself (`anonymization.lexicons`).

Postcodes alone: "(75014)", "Code postal : 56000", "CP 29200", "apt 312, 33310",
"3 rue de la Garde-Côte – 44800". And
names no list holds after a word that says where someone goes or lives
(`anonymization.recognizers.place_cues`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import ClassVar, Final

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.lexicons import fold, lexicon
from anonymization.recognizers.base import RegexRecognizer, ValuePattern, overlaps_any
from anonymization.recognizers.place_cues import names_after_place_cues

PLACE_NAME_SCORE: Final = 0.7
# An unknown name after a place cue (`place_cues`): below every listed name.
CUED_NAME_SCORE: Final = 0.5
LOWER_CASE_PLACE_SCORE: Final = 0.6
POSTCODE_SCORE: Final = 0.7
# The longest place names have this many words ("Saint-Rémy-en-Bouzemont-Saint-Genest-
# et-Isson" is one word with hyphens; "Le Bourg d'Oisans" three).
MAX_NAME_WORDS: Final = 6
# A one-word name this short ("Oz", "Ur", "Gan") needs a preposition before it.
MIN_BARE_NAME_LENGTH: Final = 4
FIRST_DEPARTEMENT: Final = 1
LAST_DEPARTEMENT: Final = 98

_WORD: Final = re.compile(r"[^\W\d_][\w]*")
# Between the words of a name: a space, a hyphen, an apostrophe.
_JOINER: Final = re.compile(r"[ \u00a0]|-|['’]|[ ]-[ ]")
_SENTENCE_START: Final = re.compile(r"(?:^|[.!?\n:]|^[ \t]*)[ \t]*$")
_PLACE_PREPOSITION: Final = re.compile(
    r"(?i:\b(?:à|a|de|d['’]|sur|vers|depuis|from|in|at|to|near|né\(?e?\)?[ \t]+à|habite|vit[ \t]+à"
    r"|domicili[ée]e?[ \t]+à|commune[ \t]+de|quartier[ \t]+de|commune[ \t]*:|avec)[ \t]*"
    r"|\([ \t]*)$"
)


_SAINT: Final = re.compile(r"^st(e?)[ .-]+")


def _as_listed(folded: str) -> str:
    """A name as the lists write it: "st jory de chalais" is "saint-jory-de-chalais"."""
    return _SAINT.sub(lambda m: "saint" + ("e" if m.group(1) else "") + "-", folded).replace(
        " ", "-"
    )


def _is_compound(text: str, words: list[tuple[int, int]], index: int) -> bool:
    """Three words or more joined by hyphens: "saint-jory-de-chalais", never a word."""
    if index + 2 >= len(words):
        return False
    return all(text[words[i][1] : words[i + 1][0]] == "-" for i in range(index, index + 2))


_FOLD_TABLE: dict[int, str] = {}


def fold_same_length(text: str) -> str:
    """`fold`, one character for one, so offsets into the result are offsets into `text`."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    for char in set(lowered):
        code = ord(char)
        if code > 127 and code not in _FOLD_TABLE:
            base = unicodedata.normalize("NFKD", char)[:1]
            _FOLD_TABLE[code] = base if base.isascii() and base.isalpha() else char
    return lowered.translate(_FOLD_TABLE)


@cache
def _names(language: str) -> frozenset[str]:
    return frozenset(fold(name) for name in lexicon("places", language).unambiguous)


@cache
def _ambiguous_names(language: str) -> frozenset[str]:
    """Places spelled like frequent words ("Tours", "Orange"): taken only capitalised
    inside a sentence, never as a sentence's first word."""
    places = lexicon("places", language)
    return frozenset(fold(name) for name in places.lower - places.unambiguous)


_NAME_SEPARATOR: Final = re.compile(r"[ \u00a0'’-]")


@cache
def _first_words(language: str) -> frozenset[str]:
    """The first word of every listed name, folded ("saint", "le", "quimperle"): a word no
    name starts with starts none, and is passed over without trying longer spans."""
    return frozenset(
        _NAME_SEPARATOR.split(name, maxsplit=1)[0]
        for name in _names(language) | _ambiguous_names(language)
    ) | {"st", "ste"}  # written for "saint", "sainte" (`_as_listed`)


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


class PlaceNameRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "LOCATION"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "postcode in parentheses",
            re.compile(r"\([ \t]*(?P<value>\d{5})[ \t]*\)"),
            POSTCODE_SCORE,
        ),
        ValuePattern(
            "postcode after its label",
            re.compile(r"(?i:\b(?:code[ \t]+postal|cp)[ \t]*:?[ \t]*)(?P<value>\d{5})(?!\d)"),
            POSTCODE_SCORE,
        ),
        ValuePattern(
            "postcode ending an address",
            re.compile(
                r"(?i:\b(?:rue|avenue|av\.|bd|boulevard|allée|impasse|chemin|place|route|apt|appt"
                r"|bât\.|étage|résidence|lieu-dit)\b)[^\n]{0,60}?(?:,|[ \t][–—-])[ \t]*"
                r"(?P<value>\d{5})(?=[ \t]*(?:,|$|\n|\)))"
            ),
            POSTCODE_SCORE,
        ),
    )

    def validate_result(self, pattern_text: str) -> bool | None:
        if pattern_text.isdigit() and len(pattern_text) == 5:
            return FIRST_DEPARTEMENT <= int(pattern_text[:2]) <= LAST_DEPARTEMENT
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        names = _names(self.supported_language)
        ambiguous = _ambiguous_names(self.supported_language)
        first_words = _first_words(self.supported_language)
        folded_text = fold_same_length(text)
        words = [match.span() for match in _WORD.finditer(text)]
        # Where a name may go on: the gap to the next word is a space, a hyphen or an
        # apostrophe.
        joined = [
            _JOINER.fullmatch(text, words[i][1], words[i + 1][0]) is not None
            for i in range(len(words) - 1)
        ]
        index = 0
        while index < len(words):
            start = words[index][0]
            if folded_text[start : words[index][1]] not in first_words:
                index += 1
                continue
            # A name starts capitalised, or in lower case right after a place preposition,
            # or is a compound no word is ("saint-jory-de-chalais").
            if (
                not text[start].isupper()
                and not _PLACE_PREPOSITION.search(text, max(0, start - 30), start)
                and not _is_compound(text, words, index)
            ):
                index += 1
                continue
            found = self._longest_name(text, folded_text, words, joined, index, names, ambiguous)
            if found is None:
                index += 1
                continue
            end_index, score = found
            results.append(self.result(start, words[end_index][1], score))
            index = end_index + 1
        for start, end in names_after_place_cues(text):
            if not overlaps_any(results, start, end):
                results.append(self.result(start, end, CUED_NAME_SCORE))
        return results

    def _longest_name(
        self,
        text: str,
        folded_text: str,
        words: list[tuple[int, int]],
        joined: list[bool],
        index: int,
        names: frozenset[str],
        ambiguous: frozenset[str],
    ) -> tuple[int, float] | None:
        start = words[index][0]
        last_possible = index
        while (
            last_possible + 1 < len(words)
            and last_possible - index + 1 < MAX_NAME_WORDS
            and joined[last_possible]
        ):
            last_possible += 1
        for last in range(last_possible, index - 1, -1):
            end = words[last][1]
            folded = folded_text[start:end]
            candidate = text[start:end]
            if folded in ambiguous and _is_capitalised(candidate) and not candidate.isupper():
                if not _SENTENCE_START.search(text, max(0, start - 3), start):
                    return last, PLACE_NAME_SCORE
                continue
            if folded not in names and _as_listed(folded) not in names:
                continue
            short = last == index and len(candidate) < MIN_BARE_NAME_LENGTH
            if _is_capitalised(candidate) and not short:
                return last, PLACE_NAME_SCORE
            if _PLACE_PREPOSITION.search(text, max(0, start - 30), start) or (
                last - index >= 2 and _is_compound(text, words, index)
            ):
                return last, LOWER_CASE_PLACE_SCORE
        return None
