"""A corrected view of a scanned-then-OCR'd note, for the recognizers to read.

Optical character recognition confuses look-alike characters: "2O24" for 2024, "O2 54 55
6S 12" for a phone number, "B1ois" for Blois, "C1aire LEFEBVRE", "HOSPlTALIER",
"CAPE C0D", "Franc;ois". A date, phone or name written so escapes every pattern. When a note shows
several such confusions (`looks_ocr`), the scrubber reads `ocr_view(text)` instead: the
same text with the confusions undone, **character for character**, so every span found in
the view has the same offsets in the original, which is what gets redacted. The note
itself is never rewritten. A clean note is read as it is: the view is only built where
the confusions are plain, so no clean text pays for it or risks a new false positive.
"""

from __future__ import annotations

import re
from typing import Final

# Confusions that are almost never written on purpose: a look-alike letter inside a
# number ("2O24", "14/1O", "6S 12"), a one inside a word ("Bio1ogie", "Samue1"), a zero
# or a lower-case l between capitals ("C0D", "HOSPlTALIER").
_DIGIT_LOOKALIKES: Final = "OolI"  # not S: "S24-1187" is a specimen number
_NUMBER_WORD: Final = re.compile(rf"(?<![^\W\d_])[\d{_DIGIT_LOOKALIKES}]+(?![^\W\d_])")
# "B1ois", "S1MONE", "Samue1"; not "q1h", "HbA1c", "C1D1".
_ONE_IN_WORD: Final = re.compile(r"(?<=[^\W\d_])1(?=[^\W\d_]{2})|(?<=[a-zà-ÿ]{2})1(?!\w)")
_ZERO_IN_CAPITALS: Final = re.compile(r"(?<=[A-Z])0(?=[A-Z])")
_L_IN_CAPITALS: Final = re.compile(r"(?<=[A-Z]{2})l(?=[A-Z])|(?<=[A-Z])l(?=[A-Z]{2})")
# "Franc;ois", "re;u": a cedilla read as a semicolon, inside a word.
_SEMICOLON_IN_WORD: Final = re.compile(r"(?<=[^\W\d_]);(?=[a-zà-ÿ])")
_DIGIT: Final = re.compile(r"\d")
# A look-alike touching a digit: without one, no number is confused (a cheap first test).
_LOOKALIKE_BESIDE_DIGIT: Final = re.compile(rf"\d[{_DIGIT_LOOKALIKES}]|[{_DIGIT_LOOKALIKES}]\d")
# Digits joined to a word by a date's or a phone number's separator ("2O/24", "555-O9l2").
_JOINED_NUMBER_BEFORE: Final = re.compile(r"\d[/.\- ]$")
_JOINED_NUMBER_AFTER: Final = re.compile(r"[/.\- ]\d")
# Below this many confusions a note is taken as typed: "O2" is oxygen, "HbA1c" a test.
MIN_CONFUSIONS: Final = 3
_TO_DIGIT: Final = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})


def _is_confused_number(word: str, in_a_number: bool) -> bool:
    """'2O24', '1O', '41OO8': more digits than look-alikes, at least one of each. In a
    note already taken as OCR'd, as many of each will do inside a date or phone number
    ('O2/2O/24', '555-O9l2'), where in a typed note 'O2' is oxygen."""
    digits = len(_DIGIT.findall(word))
    lookalikes = len(word) - digits
    return lookalikes > 0 and (lookalikes < digits or (in_a_number and lookalikes <= digits))


def _number_fixes(text: str, in_a_number: bool) -> list[tuple[int, str]]:
    fixes: list[tuple[int, str]] = []
    for match in _NUMBER_WORD.finditer(text):
        word = match.group()
        joined = in_a_number and (
            _JOINED_NUMBER_BEFORE.search(text, max(0, match.start() - 2), match.start())
            or _JOINED_NUMBER_AFTER.match(text, match.end())
        )
        if _is_confused_number(word, bool(joined)):
            fixes += [
                (match.start() + offset, char.translate(_TO_DIGIT))
                for offset, char in enumerate(word)
                if not char.isdigit()
            ]
    return fixes


def _confusions(text: str) -> list[tuple[int, str]]:
    """(position, corrected character) for every confusion in `text`; none unless it
    has at least `MIN_CONFUSIONS`, among them a confused number and a confused word (a
    scan garbles both, while a typed note may well write "HbA1c" or "T1DM" three times)."""
    if _LOOKALIKE_BESIDE_DIGIT.search(text) is None:
        return []
    numbers = _number_fixes(text, in_a_number=False)
    if not numbers:
        return []
    words: list[tuple[int, str]] = []
    for match in _ONE_IN_WORD.finditer(text):
        following = text[match.end() : match.end() + 1]
        words.append((match.start(), "I" if following.isupper() else "l"))
    words += [(m.start(), "O") for m in _ZERO_IN_CAPITALS.finditer(text)]
    words += [(m.start(), "I") for m in _L_IN_CAPITALS.finditer(text)]
    words += [(m.start(), "ç") for m in _SEMICOLON_IN_WORD.finditer(text)]
    if not words or len(numbers) + len(words) < MIN_CONFUSIONS:
        return []
    return _number_fixes(text, in_a_number=True) + words


def looks_ocr(text: str) -> bool:
    """Does `text` show the confusions of a scanned page read by OCR?"""
    return bool(_confusions(text))


def ocr_view(text: str) -> str:
    """`text` with the OCR confusions undone when it looks OCR'd, else `text` itself;
    always of the same length, so offsets carry over."""
    fixes = _confusions(text)
    if not fixes:
        return text
    characters = list(text)
    for position, corrected in fixes:
        characters[position] = corrected
    return "".join(characters)
