"""Patterns for direct identifiers that must never appear in a published string column.

Each pattern is a plain string usable both by Python `re` and by Great Expectations'
regex expectations (pandas `str.contains`, which falls back to Python `re` for the
look-arounds used here). The patterns are deliberately a little wider than the real
formats: a false positive stops a release, a false negative publishes a patient.

Every identifier pattern is bounded by "no letter or digit on either side", so a
keyed pseudonym (32 lowercase hex characters, no separators) can never contain a match.
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.invisible_characters import visible
from anonymization.nir import is_valid_nir

# No ASCII letter or digit just before / just after a match. ASCII classes rather than
# `\w`/`\d` so Python `re` and pyarrow's RE2 agree on every input.
_START: Final = r"(?<![0-9A-Za-z])"
_END: Final = r"(?![0-9A-Za-z])"
# Optional separator between the groups of a NIR or a phone number: space, dot or hyphen.
_SEP: Final = r"[ .-]?"

# French social security number (NIR): sex (1-4 or 7/8 for provisional numbers), birth
# year, birth month, département + commune (5 characters: 2 digits or 2A/2B for Corsica
# followed by 3 digits, or 3 digits overseas followed by 2), order number, 2-digit key.
# A pattern only: the key check is in `anonymization.nir` (see `find_nirs`).
FR_NIR: Final = (
    _START
    + r"[1-478]"
    + _SEP
    + r"[0-9]{2}"
    + _SEP
    + r"[0-9]{2}"
    + _SEP
    + r"(?:(?:[0-9]{2}|2[ABab])"
    + _SEP
    + r"[0-9]{3}|[0-9]{3}"
    + _SEP
    + r"[0-9]{2})"
    + _SEP
    + r"[0-9]{3}"
    + _SEP
    + r"[0-9]{2}"
    + _END
)

# E-mail address: local part, "@", at least one dot in the domain, alphabetic TLD.
EMAIL: Final = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

# French phone number: national "0X" or international "+33"/"0033" (optionally with the
# "(0)" trunk prefix), then the 9 remaining digits in groups of two.
FR_PHONE: Final = (
    _START
    + r"(?:(?:\+|00)33"
    + _SEP
    + r"(?:\(0\)"
    + _SEP
    + r")?|0)[1-9](?:"
    + _SEP
    + r"[0-9]{2}){4}"
    + _END
)

RESIDUAL_IDENTIFIER_PATTERNS: Final[dict[str, str]] = {
    "FR_NIR": FR_NIR,
    "EMAIL": EMAIL,
    "FR_PHONE": FR_PHONE,
}

COMPILED_IDENTIFIER_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    name: re.compile(pattern) for name, pattern in RESIDUAL_IDENTIFIER_PATTERNS.items()
}

# Free text is also scanned, after scrubbing, for web addresses and full dates (with their
# day): the scrubber redacts whatever these match, so any match in a published note is a
# scrubber failure and stops the release. Only unambiguous forms: "12/03/2024",
# "12-03-24", "2024-03-12", "12 mars 2024", "March 12, 2024", "12th March 2024".
URL: Final = r"(?i:\b(?:https?|ftp)://[^\s<>\"']+|\bwww\.[A-Za-z0-9-]+\.[^\s<>\"']+)"
_MONTHS: Final = (
    r"(?i:janv(?:ier)?|f[ée]vr?(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|ao[uû]t|sept(?:embre)?"
    r"|oct(?:obre)?|nov(?:embre)?|d[ée]c(?:embre)?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?"
    r"|may|june?|july?|aug(?:ust)?|sep(?:tember)?|october|november|december)\.?"
)
DATE_WITH_DAY: Final = (
    r"(?<![0-9])(?:(?:0?[1-9]|[12][0-9]|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:19|20)?[0-9]{2}"
    r"|(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12][0-9]|3[01])[/.-](?:19|20)?[0-9]{2}"
    r"|(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0?[1-9]|[12][0-9]|3[01])(?:er|st|nd|rd|th)?[ ]+(?:of[ ]+)?"
    + _MONTHS
    + r"[ ,]+(?:19|20)[0-9]{2}"
    r"|"
    + _MONTHS
    + r"[ ]+(?:0?[1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)?,?[ ]+(?:19|20)[0-9]{2})(?![0-9])"
)
FREE_TEXT_RESIDUAL_PATTERNS: Final[dict[str, str]] = {
    **RESIDUAL_IDENTIFIER_PATTERNS,
    "URL": URL,
    "DATE_WITH_DAY": DATE_WITH_DAY,
}
COMPILED_FREE_TEXT_PATTERNS: Final[dict[str, re.Pattern[str]]] = {
    name: re.compile(pattern) for name, pattern in FREE_TEXT_RESIDUAL_PATTERNS.items()
}


def residual_rules(text: str) -> list[str]:
    """The free-text rules `text` still fails after scrubbing (names only), read without
    the invisible characters that would split an identifier from every pattern."""
    readable = visible(text).text
    return [name for name, regex in COMPILED_FREE_TEXT_PATTERNS.items() if regex.search(readable)]


# A keyed pseudonym as `anonymization` writes it. `\A`/`\Z` rather than `^`/`$`: `$` also
# matches before a trailing newline, which would let "<hex>\n" pass as a pseudonym.
PSEUDONYM_PATTERN: Final = r"\A[0-9a-f]{32}\Z"
PSEUDONYM_RE: Final = re.compile(PSEUDONYM_PATTERN)


def _for_re2(pattern: str) -> str:
    """The same test for RE2 (Arrow's regex engine), which has no look-arounds: "no
    letter or digit on that side" becomes "start/end of text or a non-alphanumeric
    character". A match is found in exactly the same texts; only its span differs."""
    return pattern.replace(_START, r"(?:^|[^0-9A-Za-z])").replace(_END, r"(?:[^0-9A-Za-z]|$)")


# For vectorised scans over Arrow arrays (`pyarrow.compute.match_substring_regex`).
RE2_IDENTIFIER_PATTERNS: Final[dict[str, str]] = {
    name: _for_re2(pattern) for name, pattern in RESIDUAL_IDENTIFIER_PATTERNS.items()
}
# RE2's `$` matches only at the very end of the text (no multi-line mode is set).
RE2_PSEUDONYM_PATTERN: Final = r"^[0-9a-f]{32}$"

_NIR_RE: Final = COMPILED_IDENTIFIER_PATTERNS["FR_NIR"]
_NIR_SEPARATORS: Final = re.compile(r"[ .-]")


def find_identifiers(text: str) -> list[str]:
    """Names of the identifier patterns found in `text` (never the matched values)."""
    return [name for name, regex in COMPILED_IDENTIFIER_PATTERNS.items() if regex.search(text)]


def find_nirs(text: str) -> list[re.Match[str]]:
    """NIR-shaped matches in `text` whose control key is valid (spans index into `text`)."""
    return [
        match
        for match in _NIR_RE.finditer(text)
        if is_valid_nir(_NIR_SEPARATORS.sub("", match.group()).upper())
    ]
