"""How a name found in part is completed from the way names are written.

- "Tran, Mai", "SMITH, John": two names joined by a comma on one line are one name
  written surname first, the comma included (`comma_joined`); "HADDAD épouse FERREIRA",
  "DURAND née LEROY": two names joined by a marital word are one (`married_names`);
- "Pham, Thu  MRN …", "GARCIA, Will": at a line's start, a name, a comma and a word the
  given-name lists hold however ordinary ("Will", "May") or no dictionary word ("Thu"),
  not before a number, are one name (`given_name_after_comma`);
- "Dr A Sandhu", "Mr J Smith": a bare capital between a title and a name is its initial
  (`initial_after_title`);
- "Tyler J. Brandywine": a capitalised word after a given name and a middle initial is
  the surname, unless it is a frequent word of the language (`surname_after_initial`);
- "ma femme ana paula", "mme nguyen thi lan": in a note written in lower case, a known
  name right after a name is part of it (`lower_case_continuation`);
- "DUPONT, D-U-P-O-N-T", "spelled S-M-Y-T-H-E": a name spelled out letter by letter,
  after a word saying so, over a name found, or spelling a name found (`spelled_out`);
- "Ask Mary Jones", "Rang Bob Turner", "Rappeler Jean Dupont": a capitalised dictionary
  word that no lexicon knows as a name, before a given name, is the sentence's verb
  (`start_without_leading_words`; "Will Smith", "Mark Jones" keep their given names).

Each function takes the note and the (start, end) of the person spans found, and returns
the spans to add; the scrubber merges them with what it found.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import cache
from typing import Final

from anonymization.lexicons import (
    LANGUAGES,
    ambiguous_words,
    common_words,
    lexicon,
    unambiguous_names,
    words_not_names,
)
from anonymization.recognizers.lexicon import ACRONYMS
from anonymization.surrogates import PARTICLES

_COMMA_BETWEEN: Final = re.compile(r"[ \t]*,[ \t]*")
_TITLE_AND_INITIAL_BEFORE: Final = re.compile(
    r"(?<![\w.])(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Pr|Mme|Mlle|M)\.?[ \t]+"
    r"(?P<initial>[A-ZÀ-Þ])[ \t]+$"
)
_ENDS_WITH_INITIAL: Final = re.compile(r"(?<![\w.])[A-ZÀ-Þ]\.$")
_SURNAME_AFTER: Final = re.compile(
    r"[ \t]+(?P<surname>[A-ZÀ-Þ][a-zà-ÿ]+(?:[-'’][A-ZÀ-Þ][a-zà-ÿ]+)?)\b"
)
_WINDOW: Final = 12
_FIRST_WORD: Final = re.compile(r"[A-ZÀ-Þ][a-zà-ÿ]+")

Span = tuple[int, int]


# "HADDAD épouse FERREIRA", "DURAND née LEROY", "Mme X veuve Y": a birth name and a
# married name are one person's name, the word between them included.
_MARITAL_WORD_BETWEEN: Final = re.compile(
    r"[ \t]+(?:(?i:épouse|epouse|ép\.|ep\.|née|nee|veuve|vve|divorcée|divorcee))[ \t]+"
)


def married_names(text: str, names: Sequence[Span]) -> list[Span]:
    """Each pair of names joined by a marital word ("épouse", "née", "veuve"), as one span."""
    return _joined_by(text, names, _MARITAL_WORD_BETWEEN)


def comma_joined(text: str, names: Sequence[Span]) -> list[Span]:
    """Each pair of names separated by a comma alone, as one span."""
    return _joined_by(text, names, _COMMA_BETWEEN)


def _joined_by(text: str, names: Sequence[Span], between: re.Pattern[str]) -> list[Span]:
    """Each pair of neighbouring names with exactly `between` between them, as one span."""
    ordered = sorted(names)
    return [
        (left[0], right[1])
        for left, right in itertools.pairwise(ordered)
        if right[0] > left[1] and between.fullmatch(text, left[1], right[0])
    ]


_LINE_START_BEFORE: Final = re.compile(r"(?:^|\n)[ \t]*$")
_GIVEN_NAME_AFTER_COMMA: Final = re.compile(
    r"[ \t]*,[ \t]*(?P<given>[A-ZÀ-Þ][a-zà-ÿ]+|[A-ZÀ-Þ]{2,})(?![\w'’-])(?![ \t]*[\d/])"
)


def given_name_after_comma(text: str, names: Sequence[Span], language: str) -> list[Span]:
    """Each name that starts a line followed by a comma and a given name ("Pham, Thu",
    "SMITH, Will"), as one span: a word the given-name lists hold, even an ordinary one, or
    a word the note's language does not hold ("Tran, Mai" in English: "mai" is French);
    not before a number ("Pham, Thu 14:00" is a day)."""
    given_names = _all_names("first_names")
    dictionary = common_words(language)
    found = []
    for start, end in names:
        if _LINE_START_BEFORE.search(text, max(0, start - _WINDOW), start) is None:
            continue
        after = _GIVEN_NAME_AFTER_COMMA.match(text, end)
        if after is None:
            continue
        given = after.group("given").lower()
        if after.group("given").isupper() and given in ACRONYMS:
            continue  # "Kim Mahoney, RN": a credential, not a given name
        if given in given_names or given not in dictionary:
            found.append((start, after.end("given")))
    return found


def initial_after_title(text: str, names: Sequence[Span]) -> list[Span]:
    """Each name with the bare initial between it and a title before it."""
    found = []
    for start, end in names:
        before = _TITLE_AND_INITIAL_BEFORE.search(text, max(0, start - _WINDOW), start)
        if before is not None:
            found.append((before.start("initial"), end))
    return found


def surname_after_initial(text: str, names: Sequence[Span], language: str) -> list[Span]:
    """Each name written given name first and ending with a middle initial, with the
    capitalised word after it unless that is a frequent word ("Mary K. Patient stable";
    "Smith J. Discharged home" starts with no given name)."""
    frequent = ambiguous_words(language)
    given_names = _all_names("first_names")
    found = []
    for start, end in names:
        if _ENDS_WITH_INITIAL.search(text, max(start, end - 3), end) is None:
            continue
        first = _FIRST_WORD.match(text, start)
        after = _SURNAME_AFTER.match(text, end)
        if first is None or after is None or first.group().lower() not in given_names:
            continue
        word = after.group("surname").lower()
        if word not in frequent:
            found.append((start, after.end("surname")))
    return found


@cache
def _all_names(kind: str) -> frozenset[str]:
    return frozenset().union(*(lexicon(kind, language).lower for language in LANGUAGES))


_LOWER_WORD_AFTER: Final = re.compile(r"[ \t]+(?P<word>[a-zà-ÿ][a-zà-ÿ'’-]{1,20})(?![\w'’-])")
# A name in lower case goes on for at most this many more words ("thi lan").
MAX_LOWER_CASE_CONTINUATION: Final = 2


def lower_case_continuation(text: str, names: Sequence[Span], language: str) -> list[Span]:
    """Each name written in lower case, with the known given names or surnames after it."""
    known = _known_names(language)
    found = []
    for start, end in names:
        if not text[start:end].islower():
            continue
        new_end = end
        for _ in range(MAX_LOWER_CASE_CONTINUATION):
            after = _LOWER_WORD_AFTER.match(text, new_end)
            if after is None or after.group("word") not in known:
                break
            new_end = after.end("word")
        if new_end > end:
            found.append((start, new_end))
    return found


@cache
def _known_names(language: str) -> frozenset[str]:
    return unambiguous_names("first_names", language) | unambiguous_names("surnames", language)


_LEADING_WORD: Final = re.compile(
    r"(?P<word>[A-ZÀ-Þ][a-zà-ÿ]{2,})[ \t]+(?P<given>[A-ZÀ-Þ][a-zà-ÿ]+)(?![\w'’-])"
)


# Heads of what is named after a person ("Bâtiment Paul Castaigne", "Rue Jean Jaurès",
# "Hôpital Paul Brousse"): the whole is a place, the head is part of it.
_HEADS_OF_NAMED_PLACES: Final = frozenset(
    ("bâtiment", "batiment", "pavillon", "hôpital", "hopital", "hospital", "clinique", "clinic",
     "centre", "center", "institut", "institute", "fondation", "foundation", "maison", "house",
     "résidence", "residence", "rue", "avenue", "boulevard", "place", "allée", "mail", "quai",
     "street", "road", "école", "lycée", "collège", "college", "school", "salle",
     "unité", "unit", "ward", "building", "wing", "aile", "square", "parc", "park")
)  # fmt: skip
# Where a sentence's first word is capitalised whatever it is: a line's start, after a
# full stop, a colon, a bullet.
_SENTENCE_START_BEFORE: Final = re.compile(r"(?:^|[\n.!?:;•|-])[ \t]*$")


def start_without_leading_words(text: str, start: int, end: int, language: str) -> int:
    """Where a person span starts once a capitalised word of the language's dictionary
    that no lexicon knows as a name, opening a sentence before a known given name, is left
    out ("Ask Mary Jones" → "Mary Jones"; "in South Dalton" is not a sentence's start).
    A name's particle stays ("Van Long"), a place's head too ("Bâtiment Paul Castaigne"),
    and a leading word before anything but a given name ("Pat Curley")."""
    leading = _LEADING_WORD.match(text, start, end)
    if (
        leading is None
        or _SENTENCE_START_BEFORE.search(text, max(0, start - _WINDOW), start) is None
    ):
        return start
    word = leading.group("word").lower()
    if (
        word in common_words(language)
        and word in words_not_names()
        and word not in PARTICLES
        and word not in _HEADS_OF_NAMED_PLACES
        and leading.group("given").lower() in _all_names("first_names")
    ):
        return leading.start("given")
    return start


# Three letters or more, one by one, joined by dashes or dots: "D-U-P-O-N-T", "S.M.Y.T.H".
_SPELLED: Final = re.compile(r"(?<![\w.-])[A-Za-zÀ-ÿ](?:[-.][A-Za-zÀ-ÿ]){2,}\.?(?![\w-])")
_SPELLING_CUE_BEFORE: Final = re.compile(
    r"(?i:spell(?:ed|s|ing)?|[ée]pel[ée]e?s?|[ée]pelle|[ée]peler|orthographe)\b[^\n]{0,15}$"
)


def spelled_out(text: str, names: Sequence[Span]) -> list[Span]:
    """Each name spelled out letter by letter: after a word saying it is spelled, over a
    name found, or spelling a word of a name found ("Dupont … D-U-P-O-N-T")."""
    found_words = {
        word.group().lower()
        for start, end in names
        for word in re.finditer(r"[^\W\d_]{3,}", text[start:end])
    }
    found = []
    for spelled in _SPELLED.finditer(text):
        letters = re.sub(r"[-.]", "", spelled.group()).lower()
        start, end = spelled.span()
        if (
            letters in found_words
            or any(start < name_end and name_start < end for name_start, name_end in names)
            or _SPELLING_CUE_BEFORE.search(text, max(0, start - 30), start) is not None
        ):
            found.append((start, end))
    return found
