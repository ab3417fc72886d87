"""FR_NDA: the stay (encounter) number, "numéro de dossier administratif".

Context-required: "NDA 000123456", "NDA000123456", "n° de séjour : 123456",
"numéro de dossier 1234567", "n° d'admission 123456", "stay number", "encounter 123456".
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern
from anonymization.recognizers.ipp_recognizer import HOSPITAL_NUMBER_VALUE

NDA_SCORE: Final = 0.9
# "NDA" may be glued to its number ("NDA000123456"): no word boundary after it.
_CONTEXT: Final = (
    r"\bNDA"
    r"|\b(?i:n°[ \t]*(?:de[ \t]+)?(?:s[ée]jour|dossier)"
    r"|num[ée]ro[ \t]+de[ \t]+(?:s[ée]jour|dossier)"
    r"|n°[ \t]*d['’][ \t]*admission|num[ée]ro[ \t]+d['’][ \t]*admission"
    r"|(?:stay|visit|admission|encounter)[ \t]+(?:number|no\.?|ID)|encounter|dossier)\b"
)


class FrNdaRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_NDA"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "nda after its label",
            re.compile(rf"(?:{_CONTEXT}){CONTEXT_GAP}(?P<value>{HOSPITAL_NUMBER_VALUE})(?!\w)"),
            NDA_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "NDA", "n° de séjour", "numéro de dossier", "n° d'admission", "stay number", "encounter",
        "dossier",
    )  # fmt: skip
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = (
        "nda", "séjour", "sejour", "dossier", "admission", "stay", "visit", "encounter",
    )  # fmt: skip
