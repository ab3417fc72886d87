"""URL: web addresses, patient-portal and image-viewer links, bare domains with a path.

"https://monespace.chu-x.fr/p/972004581", "www.doctolib.fr/…", "portail.ght.fr/rdv?id=3".
Trailing punctuation (".", ",", ")") ends a link, as in running text.

(Named with the Fr prefix like the other recognizers of this package: Presidio finds its own
predefined recognizers by class name, and a second `UrlRecognizer` would shadow its own.)
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern

URL_SCORE: Final = 0.9
DOMAIN_SCORE: Final = 0.75
_TAIL: Final = r"[^\s<>\"'«»]*[^\s<>\"'«».,;:!?)\]]"
_TLD: Final = r"(?:fr|com|org|net|eu|uk|io|info|gov|edu|de|be|ch|re|gp|mq|nc|pf|us|health|care)"


class FrUrlRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "URL"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "scheme", re.compile(rf"(?<![\w])(?P<value>(?i:https?|ftp|sftp)://{_TAIL})"), URL_SCORE
        ),
        ValuePattern("www", re.compile(rf"(?<![\w.@])(?P<value>(?i:www)\.{_TAIL})"), URL_SCORE),
        ValuePattern(
            "domain with a path or a known suffix",
            re.compile(
                rf"(?<![\w.@/-])(?P<value>[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.{_TLD}(?:/{_TAIL})?)"
                r"(?![\w@-])"
            ),
            DOMAIN_SCORE,
            requires=re.compile(rf"\.{_TLD}"),
        ),
    )
    REQUIRED_SUBSTRINGS: ClassVar[tuple[str, ...]] = (".",)
