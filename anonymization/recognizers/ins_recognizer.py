"""FR_INS: the "matricule INS" (identifiant national de santé), a NIR written after "INS".

The INS matricule has the NIR's format and key; it is typed FR_INS when the text names
it ("INS", "matricule INS", "INS-NIR", "identifiant national de santé"). Its score is
above FR_NIR's so an overlap merge keeps FR_INS. An invalid key is dropped: INS values
are read from the INSi teleservice, not typed by hand.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern
from anonymization.recognizers.nir_recognizer import (
    NIR_END,
    NIR_VALUE,
    nir_key_is_valid,
)

INS_SCORE: Final = 1.0
# "INS" stays case-sensitive: lowercase "ins" is not a label.
_INS_CONTEXT: Final = (
    r"(?:\b(?i:matricule)[ \t]+)?\bINS(?:[ -]?NIR|-?C)?\b"
    r"|\b(?i:identifiant[ \t]+national[ \t]+de[ \t]+sant[ée])\b"
)


class FrInsRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_INS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "ins after its label",
            re.compile(rf"(?:{_INS_CONTEXT}){CONTEXT_GAP}(?P<value>{NIR_VALUE}){NIR_END}"),
            INS_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "INS", "matricule INS", "INS-NIR", "identifiant national de santé",
    )  # fmt: skip
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = ("ins", "national")

    def validate_result(self, pattern_text: str) -> bool | None:
        return nir_key_is_valid(pattern_text)
