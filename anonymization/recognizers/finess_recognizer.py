"""FR_FINESS: an establishment's FINESS number (9 characters), only after "FINESS".

The 9th character is a check key, but the published descriptions of its algorithm
disagree (and Corsica's 2A/2B département prefix complicates it), so no checksum is
applied: the label alone decides.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern

FINESS_SCORE: Final = 0.9
# Département (2 digits, or 2A/2B for Corsica) then 7 digits.
_VALUE: Final = r"(?:\d{2}|2[AB])\d{7}"


class FrFinessRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_FINESS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "finess after its label",
            re.compile(
                rf"\b(?i:FINESS)(?:[ \t]+(?i:EJ|ET|g[ée]ographique|juridique))?\b{CONTEXT_GAP}"
                rf"(?P<value>{_VALUE})(?!\w)"
            ),
            FINESS_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("FINESS", "n° FINESS", "FINESS EJ", "FINESS ET")
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = ("finess",)
