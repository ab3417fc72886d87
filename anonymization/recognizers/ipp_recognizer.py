"""FR_IPP: the hospital's permanent patient identifier (IPP; MRN in English notes).

Context-required: a bare 9-digit number is not reported; "IPP 123456789",
"n° IPP : 123456", "identifiant patient 00123456", "MRN: 1234567" are.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import CONTEXT_GAP, RegexRecognizer, ValuePattern

IPP_SCORE: Final = 0.9
# 6-12 digits, optionally after a short uppercase prefix ("PAT00123456").
HOSPITAL_NUMBER_VALUE: Final = r"[A-Z]{0,4}\d{6,12}"
_CONTEXT: Final = (
    r"\bIPP"
    r"|\b(?i:identifiant[ \t]+(?:du[ \t]+)?patient|num[ée]ro[ \t]+(?:de[ \t]+)?patient"
    r"|n°[ \t]*patient|patient[ \t]+(?:ID|identifier|number|no\.?)|medical[ \t]+record"
    r"(?:[ \t]+(?:number|no\.?))?|hospital[ \t]+(?:number|no\.?))\b"
    r"|\bMRN"
)


class FrIppRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "FR_IPP"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "ipp after its label",
            re.compile(rf"(?:{_CONTEXT}){CONTEXT_GAP}(?P<value>{HOSPITAL_NUMBER_VALUE})(?!\w)"),
            IPP_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "IPP", "n° IPP", "identifiant patient", "MRN", "patient ID", "medical record number",
    )  # fmt: skip
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = (
        "ipp", "mrn", "patient", "medical record", "hospital n",
    )  # fmt: skip
