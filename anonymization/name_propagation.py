"""A name found once in a note is looked for again in the whole note.

Notes repeat their names in other frames: "Mme Yvonne LAPIERRE" in the header, then
"Yvonne" alone, "Mme Lapierre", "LAPIERRE" in a table. Once any recognizer or the model
has found a name, its words are searched everywhere in the same text. A word that is
also a common word of the language ("Blanc", "Rose", "Petit") is taken again only where
it is capitalised, so "un drap blanc" stays; titles, particles, initials, medical
vocabulary and dictionary words of five letters or more no name lexicon holds ("Medical",
"Office"; "Dot", "Bear" may be nicknames) are never propagated.

The words are looked up in a set, run of word characters by run (a pattern compiled for
each note's names cost more than the search itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Final

from anonymization.lexicons import MAX_NICKNAME_LENGTH, unambiguous_names, words_not_names
from anonymization.medical_terms import is_medical_term_span
from anonymization.recognizers.lexicon import NEVER_NAMES

PROPAGATED_SCORE: Final = 0.55
MIN_PROPAGATED_LENGTH: Final = 3
_NAME_WORD: Final = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]|[^\W\d_]")
_SKIP: Final = NEVER_NAMES | frozenset(
    ("dr", "pr", "mme", "mlle", "mr", "mrs", "ms", "miss", "madame", "monsieur", "docteur",
     "professeur", "de", "du", "des", "le", "la", "les", "van", "von", "der", "den", "di",
     "da", "dos", "del", "and", "et", "the")
)  # fmt: skip


@cache
def _unambiguous_names(language: str) -> frozenset[str]:
    """Names that are never common words: safe to take again in any case."""
    return unambiguous_names("first_names", language) | unambiguous_names("surnames", language)


def name_words(text: str, spans: Iterable[tuple[int, int]]) -> set[str]:
    """The words of the given name spans that are worth looking for again."""
    words: set[str] = set()
    for start, end in spans:
        for match in _NAME_WORD.finditer(text, start, end):
            word = match.group()
            lowered = word.lower()
            if len(word.strip("'’-")) < MIN_PROPAGATED_LENGTH or lowered in _SKIP:
                continue
            if len(lowered) > MAX_NICKNAME_LENGTH and lowered in words_not_names():
                # "Medical", "Employee": a dictionary word no name list holds, that a span
                # took by mistake; a short one may be a nickname ("Dot", "Win", "Bear").
                continue
            if is_medical_term_span(text, match.start(), match.end()):
                continue
            words.add(lowered)
    return words


# A run of word characters (letters, digits, apostrophes, hyphens) starting with a letter:
# a name is looked for at its start, and ends where it ends or before a possessive "'s".
_RUN: Final = re.compile(r"[^\W\d_](?<![\w'’-][^\W\d_])[\w'’-]*")
_POSSESSIVE: Final = re.compile(r"(?i:['’]s\b)")


def _occurrences(text: str, words: set[str]) -> Iterator[tuple[int, int]]:
    """Every occurrence of one of `words` (lower case) as a whole word, in any case: at
    the start of a run, the longest of them that ends with the run or before its "'s"."""
    for run in _RUN.finditer(text):
        start, end = run.span()
        ends = [end]
        if "'" in run.group() or "’" in run.group():
            ends += [m.start() for m in _POSSESSIVE.finditer(text, start, end)]
        for word_end in sorted(ends, reverse=True):
            if text[start:word_end].lower() in words:
                yield start, word_end
                break


def propagate(
    text: str, name_spans: Sequence[tuple[int, int]], language: str
) -> list[tuple[int, int]]:
    """Every other occurrence, as a whole word, of a word of `name_spans`."""
    words = name_words(text, name_spans)
    if not words:
        return []
    unambiguous = _unambiguous_names(language)
    found = []
    for start, end in _occurrences(text, words):
        if any(s <= start and end <= e for s, e in name_spans):
            continue
        word = text[start:end]
        lowered = word.lower()
        # Lower case only for names that are never common words; a word no lexicon
        # knows (a rare surname) only as written with its capital.
        if not word[:1].isupper() and lowered not in unambiguous:
            continue
        if is_medical_term_span(text, start, end):
            continue
        found.append((start, end))
    return found
