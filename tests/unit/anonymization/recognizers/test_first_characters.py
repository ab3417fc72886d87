from __future__ import annotations

import re

import pytest

from anonymization.identifier_patterns import FREE_TEXT_RESIDUAL_PATTERNS
from anonymization.recognizers import RECOGNIZER_CLASSES
from anonymization.recognizers.first_characters import first_characters, led_by_first_characters
from benchmarks.deid import realistic


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        (r"(?<![\w])(?P<value>(?i:https?|ftp)://\S+)", "(?i:[fh])"),
        (r"\b(?:19|20)\d\d", "(?-i:[12])"),
        (r"(?<!\d)(?:[0-3]?\d/[01]?\d|(?i:mars|may))", "(?-i:[0-3\\d])|(?i:[m])"),
        (r"[ \t]*x\d", "(?-i:[\\ \\\tx])"),
        (r"(?m)^[ \t]*(?P<value>[A-Z]{2})$", "(?-i:[A-Z\\ \\\t])"),
    ],
)
def test_the_first_characters_are_read_from_the_pattern(pattern: str, first: str) -> None:
    assert first_characters(re.compile(pattern)) == first


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?P<a>x)?(?P=a)y",  # a back-reference first
        r"a?",  # may match empty
        r".b",  # any character
        r"(?a:\w+)",  # another meaning of \w
    ],
)
def test_when_the_first_characters_cannot_be_told_then_the_pattern_is_left_as_it_is(
    pattern: str,
) -> None:
    compiled = re.compile(pattern)
    assert led_by_first_characters(compiled) is compiled


@pytest.mark.parametrize(
    "pattern",
    [r"[0-9]\d{4}", r"Dr|Mme", r"(?m)^[ \t]*\d", r"(?<![\w'-])[^\W\d_]+"],
)
def test_a_pattern_re_already_scans_fast_is_left_as_it_is(pattern: str) -> None:
    compiled = re.compile(pattern)
    assert led_by_first_characters(compiled) is compiled


def test_a_leading_global_flag_stays_first() -> None:
    led = led_by_first_characters(re.compile(r"(?m)(?<=\s)(?:Jan|Feb)\.? \d+$"))
    assert led.pattern.startswith("(?m)(?=")
    assert [m.group() for m in led.finditer("x Jan 4\nFeb 5\nMar 6")] == ["Jan 4", "Feb 5"]


def _notes() -> list[str]:
    return [
        document.as_note().text
        for language in realistic.LANGUAGES
        for split in realistic.SPLITS
        for document in realistic.load_corpus(language, split)
    ]


def _all_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = [
        (f"{cls.__name__}: {pattern.name}", pattern.regex)
        for cls in RECOGNIZER_CLASSES
        for pattern in cls.PATTERNS
    ]
    return patterns + [
        (f"gate: {name}", re.compile(p)) for name, p in FREE_TEXT_RESIDUAL_PATTERNS.items()
    ]


def test_every_pattern_behind_its_look_ahead_finds_exactly_the_same_matches() -> None:
    notes = _notes()
    texts = notes + [note.upper() for note in notes] + [note.lower() for note in notes]
    for name, pattern in _all_patterns():
        led = led_by_first_characters(pattern)
        for text in texts:
            expected = [match.span() for match in pattern.finditer(text)]
            assert [match.span() for match in led.finditer(text)] == expected, name
