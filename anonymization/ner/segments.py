"""Which parts of a note the NER model must read.

The model is the slowest step of the scrubber, and most lines of a note hold nothing it
could add to what the rules found: "TA 135/80, FC 72", "ATCD : HTA, diabète". A line (or
sentence) goes to the model only if it holds a word that could start or be a name, a
place or an establishment the rules did not already cover:
- a capitalised word that is not the line's first word, not an acronym or a heading
  word, not medical vocabulary;
- a word, in any case, that the lexicons know as a given name, a surname or a town
  ("vu avec kevin", "rentre sur lorient", "MME LE GOFF");
- a title or a role in lower case followed by a word ("dr marchand", "ide julie").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Final

from anonymization.lexicons import common_words, lexicon, unambiguous_names
from anonymization.medical_terms import is_medical_term_span
from anonymization.recognizers.lexicon import ACRONYMS, NEVER_NAMES

# A line, or a sentence ending with . ! ? ; (not after an initial or a title).
SEGMENT_BREAK: Final = re.compile(
    r"\n|(?<=[.!?;])(?<!\b[A-ZÀ-Þ]\.)(?<!\bDr\.)(?<!\bPr\.)(?<!\bSt\.)(?<!\bMr\.)(?<!\bMs\.)"
    r"(?<!\bMrs\.)(?<!\bM\.)\s+"
)
_WORD: Final = re.compile(r"[^\W\d_][\w'’-]*")
_SKIP: Final = NEVER_NAMES
_TRIGGERS: Final = frozenset(
    ("dr", "docteur", "doctor", "pr", "professeur", "mme", "madame", "mlle", "m", "monsieur",
     "mr", "mrs", "ms", "miss", "ide", "as", "interne", "externe", "kiné", "nurse", "sister",
     "sr", "avec", "with", "par", "by", "fille", "fils", "femme", "mari", "épouse", "wife",
     "husband", "daughter", "son", "chez")
)  # fmt: skip
# Above this share of its words in capitals, a line is a heading or an all-caps note.
UPPER_LINE_SHARE: Final = 0.7


@cache
def _lexicon_words(language: str) -> frozenset[str]:
    words: set[str] = set()
    sources = (
        unambiguous_names("first_names", language),
        unambiguous_names("surnames", language),
        lexicon("places", language).unambiguous,
    )
    for source in sources:
        # Whole one-word names only: "jour" is a piece of "Toury-sur-Jour", not a name.
        words.update(name for name in source if len(name) > 2 and not re.search(r"[ '’]", name))
    return frozenset(words - _SKIP - common_words(language))


def _coverage(length: int, found: Sequence[tuple[int, int]]) -> bytearray:
    """One byte per character of the text, 1 where a found span covers it (a word is then
    checked in one `find` instead of a scan of every span)."""
    covered = bytearray(length)
    for span_start, span_end in found:
        covered[span_start:span_end] = b"\x01" * (span_end - span_start)
    return covered


def needs_model(text: str, start: int, end: int, covered: bytearray, language: str) -> bool:
    """Could text[start:end] hold an entity the rules left for the model? `covered` marks
    the characters the rules already found (`_coverage`)."""
    words = list(_WORD.finditer(text, start, end))
    if not words:
        return False
    known = _lexicon_words(language)
    upper_line = sum(w.group().isupper() for w in words) >= UPPER_LINE_SHARE * len(words)
    previous = ""
    for index, match in enumerate(words):
        word = match.group()
        lowered = word.lower()
        word_start, word_end = match.span()
        if covered.find(0, word_start, word_end) == -1:
            previous = lowered
            continue
        if lowered in known:
            return True
        if previous in _TRIGGERS and word.islower() and lowered not in _SKIP:
            return True
        previous = lowered.rstrip(".")
        if index == 0 or upper_line or not word[:1].isupper():
            continue
        if len(word) < 2 or lowered in _SKIP or (word.isupper() and lowered in ACRONYMS):
            continue
        if is_medical_term_span(text, word_start, word_end):
            continue
        return True
    return False


def model_segments(
    text: str, found: Sequence[tuple[int, int]], language: str
) -> list[tuple[int, int]]:
    """The (start, end) segments of `text` the model must read, in order."""
    segments = []
    covered = _coverage(len(text), found)
    start = 0
    for brk in [*SEGMENT_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        if end > start and needs_model(text, start, end, covered, language):
            segments.append((start, end))
        start = brk.end() if brk else len(text)
    return segments
