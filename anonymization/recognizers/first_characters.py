"""A regex behind a look-ahead for the characters its matches can start with.

Why: `re` jumps in C to the positions where a match can start only when the pattern's
first element is a character or a character class. A pattern led by a look-behind, a
`\\b`, a group or an alternation of words is tried whole at every position of the text,
and most recognizers' patterns are led that way (their context comes first). A
look-ahead of one character class fails fast at most positions: the same matches, two to
four times faster on a clinical note.

The class is read from the parsed pattern (`re._parser`, the parser `re.compile` uses),
so it cannot drift from the pattern: zero-width elements (look-arounds, anchors) are
skipped, optional elements add what may follow them, alternatives add up, and inline
case-insensitivity is kept. When the first characters cannot be told that way (a
back-reference, `.`, a pattern that may match empty), the pattern is left as it is.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any, Final

_CATEGORIES: Final = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH: Final = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS: Final = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# Flags that change what a character class matches, other than case.
_CLASS_FLAGS: Final = re.ASCII | re.LOCALE
# Anchors `re` checks fast on its own: a pattern led by one gains nothing from a look-ahead.
_LINE_STARTS: Final = (sre.AT_BEGINNING, sre.AT_BEGINNING_LINE, sre.AT_BEGINNING_STRING)
# A look-ahead pays only when it rules out most positions: one that lets through more
# than this share of these characters (letters of any case, say) is not added.
_COMMON_CHARACTERS: Final = "etaoinsrhldcumfpgwybvkxjqzETAOINSRHLDCUMFPGWYBVKXJQZ0123456789 éè,.:"
MAX_FIRST_CHARACTER_SHARE: Final = 0.5
# A leading global flag group ("(?m)") must stay first.
_GLOBAL_FLAGS: Final = re.compile(r"\(\?[aiLmsux]+\)")


class _Unknown(Exception):
    """The first characters cannot be told simply."""


# One character class: (case-insensitive, negated, its members as regex text).
_Class = tuple[bool, bool, str]


def _class(items: list[tuple[Any, Any]], flags: int) -> _Class:
    negated = False
    parts = []
    for op, value in items:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL:
            parts.append(re.escape(chr(value)))
        elif op is sre.RANGE:
            parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif op is sre.CATEGORY and value in _CATEGORIES:
            parts.append(_CATEGORIES[value])
        else:
            raise _Unknown
    return bool(flags & re.IGNORECASE), negated, "".join(parts)


def _regex(classes: set[_Class]) -> str:
    """One alternative per case mode (negated classes apart), members merged."""
    merged: dict[bool, list[str]] = {}
    alternatives = []
    for ignore_case, negated, members in sorted(classes):
        mode = "i" if ignore_case else "-i"
        if negated:
            alternatives.append(f"(?{mode}:[^{members}])")
        else:
            merged.setdefault(ignore_case, []).append(members)
    for ignore_case, members_list in sorted(merged.items()):
        mode = "i" if ignore_case else "-i"
        alternatives.append(f"(?{mode}:[{''.join(members_list)}])")
    return "|".join(alternatives)


def _sequence(items: list[tuple[Any, Any]], flags: int) -> tuple[set[_Class], bool]:
    """The classes a match of `items` can start with, and whether it may match empty."""
    found: set[_Class] = set()
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        first, may_be_empty = _element(op, value, flags)
        found |= first
        if not may_be_empty:
            return found, False
    return found, True


def _element(op: Any, value: Any, flags: int) -> tuple[set[_Class], bool]:
    if op is sre.LITERAL:
        return {_class([(op, value)], flags)}, False
    if op is sre.IN:
        return {_class(value, flags)}, False
    if op is sre.SUBPATTERN:
        _, add, remove, items = value
        if (add | remove) & _CLASS_FLAGS:
            raise _Unknown
        return _sequence(items, (flags | add) & ~remove)
    if op is sre.ATOMIC_GROUP:
        return _sequence(value, flags)
    if op is sre.BRANCH:
        found: set[_Class] = set()
        may_be_empty = False
        for items in value[1]:
            first, empty = _sequence(items, flags)
            found |= first
            may_be_empty = may_be_empty or empty
        return found, may_be_empty
    if op in _REPEATS:
        low, _, items = value
        first, empty = _sequence(items, flags)
        return first, empty or low == 0
    raise _Unknown


def first_characters(pattern: re.Pattern[str]) -> str | None:
    """A regex matching one character: every character a match of `pattern` can start
    with (and maybe more); None when that cannot be told simply."""
    if pattern.flags & _CLASS_FLAGS:
        return None
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    try:
        found, may_be_empty = _sequence(parsed.data, parsed.state.flags)
    except _Unknown:
        return None
    return None if may_be_empty or not found else _regex(found)


def _re_finds_starts_itself(items: list[tuple[Any, Any]], flags: int) -> bool:
    """Whether `re` itself jumps to the possible starts: the first element (inside its
    groups) is a character, a class or words, matched with case. A look-ahead would only
    slow such a pattern down."""
    while items and items[0][0] is sre.SUBPATTERN:
        _, add, remove, items = items[0][1]
        flags = (flags | add) & ~remove
    if not items or flags & re.IGNORECASE:
        return False
    op, value = items[0]
    if op is sre.BRANCH:
        return all(branch and branch[0][0] is sre.LITERAL for branch in value[1])
    return op is sre.LITERAL or op is sre.IN or (op is sre.AT and value in _LINE_STARTS)


def led_by_first_characters(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` with a look-ahead for its first characters (unless `re` finds them
    itself): the same matches, sooner."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    if _re_finds_starts_itself(parsed.data, parsed.state.flags):
        return pattern
    first = first_characters(pattern)
    if first is None:
        return pattern
    lookahead = re.compile(first, pattern.flags)
    passing = sum(lookahead.match(char) is not None for char in _COMMON_CHARACTERS)
    if passing > MAX_FIRST_CHARACTER_SHARE * len(_COMMON_CHARACTERS):
        return pattern
    source = pattern.pattern
    global_flags = _GLOBAL_FLAGS.match(source)
    head = global_flags.group() if global_flags else ""
    body = source[len(head) :]
    return re.compile(f"{head}(?=(?:{first}))(?:{body})", pattern.flags)
