"""FR_ADELI: a health professional's ADELI number (9 digits), only after "ADELI"."""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern

ADELI_SCORE: Final = 0.9


class FrAdeliRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_ADELI"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "adeli after its label",
            re.compile(rf"\b(?i:ADELI)\b{CONTEXT_GAP}(?P<value>\d{{9}})(?!\w)"),
            ADELI_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("ADELI", "n° ADELI")
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = ("adeli",)
