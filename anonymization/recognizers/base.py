"""Shared machinery for the regex recognizers: "a regex with a named group `value`".

Each recognizer declares its data as class constants (`ENTITY`, `PATTERNS`, optional
`CONTEXT_BEFORE`) and its checksum in `validate_result`, as Presidio's own recognizers do.
The context a type needs is written into its regex, or checked by `CONTEXT_BEFORE` just
before the value: the scrubber calls `analyze(..., nlp_artifacts=None)`, so Presidio's
lemma-based context enhancer never runs.

Results cover the `value` group only, so "IPP 123456" reports the digits, not the label.
Each pattern runs behind a look-ahead for its first characters (`first_characters`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import ClassVar

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.recognizers.first_characters import led_by_first_characters

VALUE_GROUP = "value"
# How far before a value `CONTEXT_BEFORE` looks (characters).
DEFAULT_CONTEXT_WINDOW = 40
# How far before a match a pattern's `before` context looks (characters).
BEFORE_WINDOW = 60

# Between a context word and its value: "IPP 123", "IPP : 123", "IPP n° 123", "RPPS: 10…".
CONTEXT_GAP = (
    r"[ \t\u00a0]*(?:[:#=–-][ \t\u00a0]*)?"
    r"(?:(?:n°|no\.?|num[ée]ro|number)[ \t\u00a0]*)?(?:[:#=][ \t\u00a0]*)?"
)


def led_by(first: str, not_after: str) -> str:
    """Regex for one character of class `first` that does not follow `not_after`.

    Why: a pattern whose first element is a character class lets Python's `re` jump to
    candidate positions in C; a leading look-behind would be tried at every position
    (3-5x slower on a clinical note). So the look-behind comes after the first character.
    """
    return f"{first}(?<!{not_after}{first})"


# Letters that may start a word; characters that continue one ("N'Diaye", "Aix-en").
LETTER = "A-Za-zÀ-ÖØ-öø-ÿŒœ"
WORD_CHAR = r"[\w'’-]"
# An alternative's first element: one character or one bracketed class.
_FIRST_ELEMENT = re.compile(r"(\[[^\]]+\]|\w)(.*)", re.DOTALL)


def word_alternation(alternatives: tuple[str, ...]) -> str:
    """Case-insensitive alternation of words, led by one letter (see `led_by`) and not
    inside a word: each alternative's first letter is checked by a 1-character
    look-behind, so `re` scans for letters in C instead of trying every position."""
    by_first: dict[str, list[str]] = {}
    for alternative in alternatives:
        first, rest = _FIRST_ELEMENT.fullmatch(alternative).groups()  # type: ignore[union-attr]
        by_first.setdefault(first, []).append(rest)
    branches = "|".join(
        f"(?<=(?i:{first}))(?i:{'|'.join(rests)})" for first, rests in by_first.items()
    )
    return led_by(f"[{LETTER}]", WORD_CHAR) + f"(?:{branches})(?!{WORD_CHAR})"


@dataclass(frozen=True)
class ValuePattern:
    """A compiled regex with a `value` group, and the scores of what it finds.

    `score` applies when `validate_result` says True or None; `invalid_score` when it
    says False (None drops the match). With `before`, a match counts only when the text
    just before it (`BEFORE_WINDOW` characters) ends with that context.
    """

    name: str
    regex: re.Pattern[str]
    score: float
    invalid_score: float | None = None
    # Context the match needs just before it (its `$` is the match's start). Why not in
    # the regex: a pattern led by its value (a digit) is scanned in C, while one led by a
    # word alternation is tried at every letter of the text (4-5x slower on a note).
    before: re.Pattern[str] | None = None
    # A cheap pattern every match contains: in a text where it finds nothing, the
    # pattern is not run ("@" for an e-mail address).
    requires: re.Pattern[str] | None = None


class RegexRecognizer(EntityRecognizer):
    """Runs `PATTERNS` in order; a later match overlapping an earlier one is skipped."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = ()
    # Words that make a value more certain; documentation for readers and for Presidio.
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    # Matched against the text just before a value (its `$` is the value's start).
    CONTEXT_BEFORE: ClassVar[re.Pattern[str] | None] = None
    CONTEXT_WINDOW: ClassVar[int] = DEFAULT_CONTEXT_WINDOW
    # Score of a valid value with context before it (never lowers a pattern's score).
    CONTEXT_SCORE: ClassVar[float] = 0.0
    # Score of a value failing `validate_result` when `CONTEXT_BEFORE` matches; None drops it.
    INVALID_WITH_CONTEXT_SCORE: ClassVar[float | None] = None
    # Cheap pre-filters: when set, a text containing none of these (case-sensitive, then
    # in the lowercased text) is skipped without running any regex. Each list must be
    # implied by every pattern, or matches would be lost.
    REQUIRED_SUBSTRINGS: ClassVar[tuple[str, ...]] = ()
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, supported_language: str = "fr") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            context=list(self.CONTEXT),
        )
        self._metadata = {
            # Presidio names a recognizer after its class unless told otherwise.
            RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        self.patterns = _led_by_first_characters(self.PATTERNS)

    def load(self) -> None:
        """Nothing to load: patterns are compiled once, at class definition."""

    def validate_result(self, pattern_text: str) -> bool | None:
        """Checksum of a matched value: True valid, False invalid, None not checked."""
        return None

    def has_context_before(self, text: str, start: int) -> bool:
        if self.CONTEXT_BEFORE is None:
            return False
        window_start = max(0, start - self.CONTEXT_WINDOW)
        return self.CONTEXT_BEFORE.search(text, window_start, start) is not None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        if self.REQUIRED_SUBSTRINGS and not any(s in text for s in self.REQUIRED_SUBSTRINGS):
            return []
        if self.REQUIRED_LOWERCASE_SUBSTRINGS:
            lowered = text.lower()
            if not any(s in lowered for s in self.REQUIRED_LOWERCASE_SUBSTRINGS):
                return []
        results: list[RecognizerResult] = []
        for pattern in self.patterns:
            if pattern.requires is not None and pattern.requires.search(text) is None:
                continue
            for match in pattern.regex.finditer(text):
                start, end = match.span(VALUE_GROUP)
                if overlaps_any(results, start, end):
                    continue
                if pattern.before is not None and not _preceded_by(text, match.start(), pattern):
                    continue
                score = self._score(text, match.group(VALUE_GROUP), start, pattern)
                if score is not None:
                    results.append(self.result(start, end, score))
        return results

    def result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            self.ENTITY, start, end, score, recognition_metadata=dict(self._metadata)
        )

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if self.validate_result(value) is False:
            if pattern.invalid_score is not None:
                return pattern.invalid_score
            if self.INVALID_WITH_CONTEXT_SCORE is not None and self.has_context_before(text, start):
                return self.INVALID_WITH_CONTEXT_SCORE
            return None
        if pattern.score < self.CONTEXT_SCORE and self.has_context_before(text, start):
            return self.CONTEXT_SCORE
        return pattern.score


@cache
def _led_by_first_characters(patterns: tuple[ValuePattern, ...]) -> tuple[ValuePattern, ...]:
    """The same patterns, each behind a look-ahead for its first characters."""
    return tuple(replace(p, regex=led_by_first_characters(p.regex)) for p in patterns)


def _preceded_by(text: str, position: int, pattern: ValuePattern) -> bool:
    assert pattern.before is not None
    return pattern.before.search(text, max(0, position - BEFORE_WINDOW), position) is not None


def overlaps_any(results: list[RecognizerResult], start: int, end: int) -> bool:
    return any(start < found.end and found.start < end for found in results)
