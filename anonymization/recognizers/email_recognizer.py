"""EMAIL_ADDRESS: our own regex (Presidio's FrEmailRecognizer calls tldextract, which
downloads the public-suffix list: nothing here may touch the network)."""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern

EMAIL_SCORE: Final = 0.95
_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL: Final = (
    r"(?<![\w.%+-])(?P<value>[A-Za-z0-9._%+-]{1,64}@"
    + _LABEL
    + r"(?:\."
    + _LABEL
    + r")*\.[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])"
)


class FrEmailRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "EMAIL_ADDRESS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("email", re.compile(_EMAIL), EMAIL_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("courriel", "e-mail", "mail", "email")
    # Every address has an "@": most notes are skipped without running the regex.
    REQUIRED_SUBSTRINGS: ClassVar[tuple[str, ...]] = ("@",)
