"""The French social security number (NIR): structure and control key.

A NIR is 13 characters followed by a 2-digit key:

    sex(1) · birth year(2) · birth month(2) · place of birth(5) · order(3) · key(2)

The place of birth is a 2-character département + 3-digit commune, or, overseas
(97x/98x), a 3-digit département + 2-digit commune; born abroad is 99 + country code.
The key is 97 − (n mod 97), where n is the 13 characters read as an integer after
replacing Corsica's "2A" by 19 and "2B" by 18 (INSEE's rule).

Messages never repeat the value checked: it is a direct identifier.
"""

from __future__ import annotations

import re

from stdnum.fr import nir as stdnum_nir

from sovex.model.errors import InvalidInput

# The key rule, for code that computes keys of whole arrays at once (`sovex.synth.population`); a
# single key comes from python-stdnum. Corsica's départements are letters in the NIR but
# digits for the key.
NIR_MODULUS = 97
CORSICA_KEY_DIGITS = {"2A": "19", "2B": "18"}
BODY_LENGTH = 13
KEY_LENGTH = 2
NIR_LENGTH = BODY_LENGTH + KEY_LENGTH

# First digit: 1 man, 2 woman; 3/4 (older provisional numbers for people born abroad)
# and 7/8 (NIA, provisional registration) keep the odd = man, even = woman convention.
SEX_DIGITS_MALE = frozenset("137")
SEX_DIGITS_FEMALE = frozenset("248")
VALID_FIRST_DIGITS = SEX_DIGITS_MALE | SEX_DIGITS_FEMALE

# Birth month 01-12; 20-42 and 50-99 are INSEE codes for an unknown or fictitious month.
_MONTH = r"(?:0[1-9]|1[0-2]|[2-3]\d|4[0-2]|[5-9]\d)"
# Metropolitan département (01-99 incl. 20 and 99 = abroad) + commune, or 2A/2B + commune.
# Overseas 97x/98x + 2-digit commune has the same shape (5 digits), so the digit form
# covers it.
_PLACE = r"(?:(?!00)\d{2}|2[AB])(?!000)\d{3}"
_ORDER = r"(?!000)\d{3}"
_BODY_PATTERN = re.compile(rf"[1-478]\d{{2}}{_MONTH}{_PLACE}{_ORDER}")
_NIR_PATTERN = re.compile(rf"(?P<body>{_BODY_PATTERN.pattern})(?P<key>\d{{2}})")
# Spaced forms ("1 84 03 75 123 456 78"): single spaces between digit groups only.
_SPACED_PATTERN = re.compile(r"[0-9AB]+(?: [0-9AB]+)*")

# Spaced display groups: sex, year, month, place (dept + commune), order, key.
_GROUPS_METROPOLITAN = (1, 2, 2, 2, 3, 3, 2)
_GROUPS_OVERSEAS = (1, 2, 2, 3, 2, 3, 2)
_OVERSEAS_PREFIXES = ("97", "98")


def _check_body(first13: str) -> None:
    if len(first13) != BODY_LENGTH:
        raise InvalidInput(
            f"NIR body must be {BODY_LENGTH} characters; provided value has {len(first13)}"
        )
    if not _BODY_PATTERN.fullmatch(first13):
        raise InvalidInput(
            "NIR body must be sex digit (1-4, 7, 8), year, month, place of birth "
            "(2 digits, 2A or 2B, then commune) and order number"
        )


def nir_key(first13: str) -> int:
    """The control key (1-97) for the first 13 characters of a NIR."""
    _check_body(first13)
    # python-stdnum computes it (Corsica's 2A/2B read as 19/18); the structure is ours,
    # stricter than its format check (birth month codes, sex digits of provisional numbers).
    return int(stdnum_nir.calc_check_digits(first13))


def compact_nir(value: str) -> str | None:
    """The 15-character compact form of a compact or spaced NIR, or None if malformed."""
    candidate = value.strip().upper()
    if not _SPACED_PATTERN.fullmatch(candidate):
        return None
    compact = candidate.replace(" ", "")
    return compact if len(compact) == NIR_LENGTH else None


def is_valid_nir(value: str) -> bool:
    """True when `value` is a well-formed NIR whose key matches (compact or spaced)."""
    compact = compact_nir(value)
    if compact is None:
        return False
    match = _NIR_PATTERN.fullmatch(compact)
    if match is None:
        return False
    return match["key"] == stdnum_nir.calc_check_digits(match["body"])


def _split(text: str, groups: tuple[int, ...]) -> list[str]:
    parts, start = [], 0
    for width in groups:
        parts.append(text[start : start + width])
        start += width
    return parts


def format_nir(first13: str, spaced: bool = False) -> str:
    """The full NIR (body + key), compact or spaced as on a carte Vitale."""
    key = nir_key(first13)
    compact = f"{first13}{key:02d}"
    if not spaced:
        return compact
    overseas = first13[5:7] in _OVERSEAS_PREFIXES
    return " ".join(_split(compact, _GROUPS_OVERSEAS if overseas else _GROUPS_METROPOLITAN))
