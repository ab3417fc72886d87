"""FR_RPPS: a health professional's RPPS number (11 digits, the last a Luhn check digit).

After "RPPS" the number is certain whatever its check digit (a mistyped RPPS still names
a clinician): `RPPS_SCORE` when the Luhn key holds, `RPPS_BAD_KEY_SCORE` otherwise.
Without the label, an 11-digit number starting with 1 or 8 is reported only when its
Luhn key holds, at `UNLABELLED_SCORE`.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from stdnum import luhn

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern, led_by

RPPS_SCORE: Final = 1.0
RPPS_BAD_KEY_SCORE: Final = 0.85
UNLABELLED_SCORE: Final = 0.5
_VALUE: Final = r"[18]\d{10}"
_LED_R: Final = led_by("R", r"\w")
_LED_1_OR_8: Final = led_by("[18]", r"[\w.,-]")


class FrRppsRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_RPPS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "rpps after its label",
            re.compile(rf"{_LED_R}PPS\b{CONTEXT_GAP}(?P<value>{_VALUE})(?!\w)"),
            RPPS_SCORE,
            invalid_score=RPPS_BAD_KEY_SCORE,
        ),
        ValuePattern(
            "unlabelled luhn-valid rpps",
            re.compile(rf"(?P<value>{_LED_1_OR_8}\d{{10}})(?![\w]|[.,-]\d)"),
            UNLABELLED_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("RPPS", "n° RPPS")

    def validate_result(self, pattern_text: str) -> bool | None:
        return bool(luhn.is_valid(pattern_text))
