"""FR_NIR: the French social security number, compact or spaced, with its mod-97 key.

The key may be set apart ("… 045 / 63", "… clé 63"), and after its label the body without
its key is reported too. A NIR whose key fails is not reported, except right after strong
context ("NIR", "n° SS", "sécurité sociale", "INSEE", "social security") where a mistyped
number is still someone's number: it is reported with `INVALID_WITH_CONTEXT_SCORE` (< 0.5)
so a scrubber with a 0.5 threshold keeps it and a stricter one can still mask it.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.nir import is_valid_nir
from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by

# Optional separator between groups: space, no-break space, dot or hyphen.
_SEP: Final = r"[ .\u00a0-]?"
# Sex, year, month, place (2 digits or 2A/2B + 3-digit commune, or overseas 97x/98x +
# 2-digit commune), order, key. Structure only: the key is checked in `validate_result`.
_SEX: Final = r"[1-478]"
# The body without its key (sex … order).
_BODY_AFTER_SEX: Final = (
    _SEP + r"\d{2}" + _SEP + r"\d{2}" + _SEP
    + r"(?:(?:\d{2}|2[ABab])" + _SEP + r"\d{3}|9[78]\d" + _SEP + r"\d{2})"
    + _SEP + r"\d{3}"
)  # fmt: skip
_AFTER_SEX: Final = _BODY_AFTER_SEX + _SEP + r"\d{2}"
NIR_VALUE: Final = _SEX + _AFTER_SEX
# The key set apart as forms and people write it: "1 84 05 29 019 045 / 63", "… clé 63",
# "… (clé : 63)", "… - 63".
_KEY_APART: Final = (
    r"[ \t\u00a0]*(?:/|–|-|\(?[ \t]*(?i:cl[ée]|key)[ \t]*:?)[ \t\u00a0]*\d{2}(?:[ \t]*\))?"
)
_KEY_LABEL: Final = re.compile(r"(?i:cl[ée]|key)|[^0-9ABab]")
_LED_SEX: Final = led_by(_SEX, r"[\w.-]")
# No letter or digit on either side, so longer numbers and pseudonyms never match.
NIR_END: Final = r"(?![\w]|[.-]\d)"
_SEPARATORS: Final = str.maketrans("", "", " .\u00a0-")

# A NIR's French labels ("NIR", "n° SS", "sécurité sociale", "INSEE"), and with the English
# ones ("social security", "SSN"), just before a number.
_FRENCH_LABELS: Final = (
    r"NIR|NIRPP|n°[ \t]*(?:de[ \t]+)?SS|num[ée]ro[ \t]+(?:de[ \t]+)?SS"
    r"|s[ée]cu(?:rit[ée][ \t]+sociale)?|INSEE"
)
_FRENCH_LABEL_BEFORE: Final = re.compile(rf"(?i:\b(?:{_FRENCH_LABELS}))\b[^\n\d]{{0,20}}$")
_LABEL_BEFORE: Final = re.compile(
    rf"(?i:\b(?:{_FRENCH_LABELS}|social[ \t]+security(?:[ \t]+number)?|SSN))\b[^\n\d]{{0,20}}$"
)
NIR_BODY_DIGITS: Final = 13
NIR_SCORE: Final = 0.9
NIR_WITH_CONTEXT_SCORE: Final = 0.95  # below FR_INS so "INS-NIR …" stays FR_INS
NIR_INVALID_KEY_WITH_CONTEXT_SCORE: Final = 0.4


def nir_key_is_valid(value: str) -> bool:
    """The matched text, separators removed, is a NIR whose key matches."""
    return is_valid_nir(value.translate(_SEPARATORS).upper())


class FrNirRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_NIR"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "nir",
            re.compile(rf"(?P<value>{_LED_SEX}{_AFTER_SEX}){NIR_END}"),
            NIR_SCORE,
        ),
        ValuePattern(
            "nir with its key set apart",
            re.compile(rf"(?P<value>{_LED_SEX}{_BODY_AFTER_SEX}{_KEY_APART}){NIR_END}"),
            NIR_SCORE,
        ),
        # After "NIR", "sécu", "n° SS": the body alone is still the person's number.
        ValuePattern(
            "nir without its key after its label",
            re.compile(rf"(?P<value>{_LED_SEX}{_BODY_AFTER_SEX}){NIR_END}"),
            NIR_WITH_CONTEXT_SCORE,
            before=_FRENCH_LABEL_BEFORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "NIR", "sécurité sociale", "n° SS", "numéro INSEE", "social security number",
    )  # fmt: skip
    CONTEXT_BEFORE: ClassVar[re.Pattern[str] | None] = _LABEL_BEFORE
    CONTEXT_SCORE: ClassVar[float] = NIR_WITH_CONTEXT_SCORE
    INVALID_WITH_CONTEXT_SCORE: ClassVar[float | None] = NIR_INVALID_KEY_WITH_CONTEXT_SCORE

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = _KEY_LABEL.sub("", pattern_text)
        if len(digits) == NIR_BODY_DIGITS:
            return None  # no key to check: found only after its label
        return is_valid_nir(digits.upper())
