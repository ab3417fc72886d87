"""EMAIL_ADDRESS: our own regex (Presidio's FrEmailRecognizer calls tldextract, which
downloads the public-suffix list: nothing here may touch the network), and the obfuscated
forms people use to dodge robots: "jean.dupont(at)gmail(dot)com", "x [at] y [dot] fr",
"marie point durand arobase orange point fr", "j.doe at nhs dot net"."""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern
from anonymization.recognizers.first_characters import led_by_first_characters

EMAIL_SCORE: Final = 0.95
_LABEL: Final = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL: Final = (
    r"(?<![\w.%+-])(?P<value>[A-Za-z0-9._%+-]{1,64}@"
    + _LABEL
    + r"(?:\."
    + _LABEL
    + r")*\.[A-Za-z]{2,24})(?![\w-]|\.[A-Za-z0-9])"
)


# "(at)", " at ", " arobase ", and an "@" set apart by spaces ("john.smith @ nhs . net").
_AT: Final = (
    r"(?:[ \t]?[(\[{<][ \t]?(?i:at|arobase|@)[ \t]?[)\]}>][ \t]?|[ \t](?i:at|arobase)[ \t]"
    r"|[ \t]@[ \t]?|@[ \t])"
)
# "(dot)", "[point]", "<.>": a dot no sentence writes.
_BRACKETED_DOT: Final = r"[ \t]?[(\[{<][ \t]?(?i:dot|point|\.)[ \t]?[)\]}>][ \t]?"
_DOT: Final = rf"(?:{_BRACKETED_DOT}|[ \t](?i:dot|point)[ \t]|[ \t]?\.[ \t]?)"
_TLD: Final = r"(?i:fr|com|net|org|eu|uk|io|de|be|ch|info|re)"
# Endings that are also words ("in", "us", "ca"), read only after a dot that cannot be a
# word: "(dot)in", "[dot] ie", ".za" (never "home dot in the diary").
_WORD_LIKE_TLD: Final = (
    r"(?i:lu|nl|it|es|pt|ma|dz|tn|sn|ci|mq|gp|nc|pf|yt|us|ca|au|nz|ie|za|ng|ke|gh|sg|ph|jm"
    r"|in|pk|edu|gov|nhs|scot|wales)"
)
_MARKED_DOT: Final = rf"(?:{_BRACKETED_DOT}|[ \t]?\.[ \t]?)"
_ENDING: Final = rf"(?:{_DOT}{_TLD}|{_MARKED_DOT}{_WORD_LIKE_TLD})"
_OBFUSCATED: Final = (
    r"(?<![\w.%+-])(?P<value>[A-Za-z0-9._%+-]{1,64}(?:" + _DOT + r"[A-Za-z0-9_%+-]+)*" + _AT
    + r"[A-Za-z0-9-]+(?:" + _DOT
    + r"[A-Za-z0-9-]+)*" + _ENDING + r")(?![\w-])"
)  # fmt: skip


# What follows the local part of an obfuscated address: rarely in a note, and found much
# faster than the whole pattern, which starts at every word.
_OBFUSCATED_DOMAIN: Final = (
    _AT + r"[A-Za-z0-9-]+(?:" + _DOT + r"[A-Za-z0-9-]+)*" + _ENDING + r"(?![\w-])"
)


class FrEmailRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "EMAIL_ADDRESS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("email", re.compile(_EMAIL), EMAIL_SCORE, requires=re.compile("@")),
        ValuePattern(
            "obfuscated email",
            re.compile(_OBFUSCATED),
            EMAIL_SCORE,
            requires=led_by_first_characters(re.compile(_OBFUSCATED_DOMAIN)),
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("courriel", "e-mail", "mail", "email")
    # Every address has an "@" or spells it: most notes skip the regexes.
    REQUIRED_LOWERCASE_SUBSTRINGS: ClassVar[tuple[str, ...]] = ("@", "at", "arobase")
