"""PHONE_NUMBER written out in words, as a call transcript or a dictated note has it:
"zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit", "oh seven seven
double oh, nine one two three", "zéro six 32 57 81 04".

A run of number words counts as a number when it spells at least `MIN_DIGITS` digits:
a unit is one digit ("six", "oh"), a teen or a tens word two ("douze", "trente-quatre",
"seventy-eight"), "double"/"triple" repeat the next digit; digits count as written. The
run starts with a word, so a list of plain numbers is not read. Prose never strings seven
digits' worth of number words together ("deux ou trois", "one to two" break the run at
"ou", "to"); ages in words are the age recognizer's.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, word_alternation

SPOKEN_NUMBER_SCORE: Final = 0.8
MIN_DIGITS: Final = 7

_UNITS: Final = (
    "zéro", "zero", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
    "neuf", "oh", "o", "one", "two", "three", "four", "five", "seven", "eight", "nine",
)  # fmt: skip
_TWO_DIGITS: Final = (
    "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "vingt", "vingts",
    "trente", "quarante", "cinquante", "soixante", "ten", "eleven", "twelve", "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)  # fmt: skip
_REPEATS: Final = {"double": 1, "triple": 2}
_WORDS: Final = _UNITS + _TWO_DIGITS + tuple(_REPEATS)
_ANY_WORD: Final = "(?i:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + ")"
# Inside one number: "trente-quatre", "soixante-dix-huit", "vingt et un", "quatre-vingt".
_COMPOUND: Final = rf"{_ANY_WORD}(?:(?:-|[ \t]+et[ \t]+){_ANY_WORD})*(?![\w'’-])"
# Between numbers: spaces, a comma, a dot, a dash, an ellipsis.
_BETWEEN: Final = r"[ \t]*(?:\.{3}|…|[,.;/–-])?[ \t]+"
# A dictated number mixes words and digits: "zéro six 32 57 81 04".
_DIGIT_GROUP: Final = r"\d{1,4}(?![\w'’-])"
_RUN: Final = (
    rf"(?P<value>{word_alternation(_WORDS)}(?:(?:-|[ \t]+et[ \t]+){_ANY_WORD})*"
    rf"(?:{_BETWEEN}(?:{_COMPOUND}|{_DIGIT_GROUP})){{3,}})"
)
_SPLIT: Final = re.compile(r"[ \t,.;/–…]+")
_UNIT_SET: Final = frozenset(_UNITS)
_TWO_DIGIT_SET: Final = frozenset(_TWO_DIGITS)


def spelled_digits(run: str) -> int:
    """How many digits a run of number words spells ("zéro six, douze" → 4); 0 when
    fewer than two of its numbers are words ("un 5 10 20 40" is a list of doses)."""
    if sum(not chunk.isdigit() for chunk in _SPLIT.split(run) if chunk) < 2:
        return 0
    digits = 0
    repeat = 0
    for chunk in _SPLIT.split(run.lower()):
        if not chunk or chunk == "et":
            continue
        parts = chunk.split("-")
        if chunk.isdigit():
            digits += len(chunk)
            continue
        if chunk in _REPEATS:
            repeat = _REPEATS[chunk]
            continue
        if any(part in _TWO_DIGIT_SET for part in parts) or len(parts) > 1:
            digits += 2
        elif chunk in _UNIT_SET:
            digits += 1 + repeat
        repeat = 0
    return digits


class SpokenNumberRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "PHONE_NUMBER"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("number in words", re.compile(_RUN), SPOKEN_NUMBER_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("téléphone", "numéro", "number", "phone")

    def validate_result(self, pattern_text: str) -> bool | None:
        return spelled_digits(pattern_text) >= MIN_DIGITS
