"""LOCATION: a postcode with its city ("75012 Paris", "13008 Marseille", "20000 Ajaccio",
"97110 Pointe-à-Pitre", "69003 LYON", "75012 Paris Cedex 12"), a CEDEX sorting code
("CS 12345"), a UK postcode ("SW1A 1AA") or a US state + ZIP ("NY 10001", "ZIP 10001").

Bare city names without a postcode are left to spaCy's NER.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by

FRENCH_POSTCODE_CITY_SCORE: Final = 0.85
CEDEX_SORTING_SCORE: Final = 0.7
UK_POSTCODE_SCORE: Final = 0.6
US_ZIP_SCORE: Final = 0.6

_UPPER: Final = "A-ZÀ-ÖØ-ÞŒ"
# A city word: capital then letters (2+ letters), possibly "d'"/"l'"-prefixed.
_WORD: Final = rf"(?:[dlDL]['’])?[{_UPPER}][^\W\d_]+"
# "Aix-en-Provence", "Pointe-à-Pitre", "Saint-Étienne", "Le Havre", "La Rochelle".
_CITY: Final = (
    rf"(?:(?:Le|La|Les|LE|LA|LES)[ \t]+)?{_WORD}(?:-(?:[^\W\d_]{{1,4}}-)?{_WORD})*"
    r"(?:[ \t]+(?i:cedex)(?:[ \t]+\d{1,2})?)?"
)
# 5 digits; the département (01-98, never 00 or 99) is checked in `validate_result`.
_FR_POSTCODE: Final = led_by(r"\d", r"[\w.,]") + r"\d{4}"
# Units that may follow a 5-digit quantity ("50000 UI") are not cities.
_NOT_A_CITY: Final = r"(?!(?:UI|MG|ML|KG|UL)\b)"
_FR_POSTCODE_CITY: Final = rf"(?P<value>{_FR_POSTCODE}[ \t\u00a0]+{_NOT_A_CITY}{_CITY})(?![\w'’-])"
_CEDEX_SORTING: Final = r"(?P<value>" + led_by("C", r"\w") + r"S[ \t]*\d{4,5})(?!\d)"
# Outward code (area letters, district) and inward code (sector digit, 2 unit letters).
_UK_POSTCODE: Final = (
    r"(?P<value>" + led_by("[A-PR-UWYZ]", r"\w")
    + r"[A-HK-Y]?\d[A-Z\d]?[ \t]\d[ABD-HJLNP-UW-Z]{2})(?!\w)"
)  # fmt: skip
# ID, IN, OR and ME are left out: they are also common English words or labels.
_US_STATES: Final = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|IL|IA|KS|KY|LA|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM"
    "|NY|NC|ND|OH|OK|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
# Two capitals that spell a state (checked by a fixed-width look-behind), or "ZIP (code)".
_US_ZIP: Final = (
    led_by("[A-Za-z]", r"\w") + r"(?:[A-Z](?<=" + _US_STATES + r")(?!\w)[ \t]+"
    r"|(?<=[Zz])(?i:ip)(?:[ \t]+(?i:code))?[ \t:]*)"
    r"(?P<value>\d{5}(?:-\d{4})?)(?!\d)"
)
FIRST_DEPARTEMENT: Final = 1
LAST_DEPARTEMENT: Final = 98


class LocationRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "LOCATION"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "french postcode and city", re.compile(_FR_POSTCODE_CITY), FRENCH_POSTCODE_CITY_SCORE
        ),
        ValuePattern("cedex sorting code", re.compile(_CEDEX_SORTING), CEDEX_SORTING_SCORE),
        ValuePattern("uk postcode", re.compile(_UK_POSTCODE), UK_POSTCODE_SCORE),
        ValuePattern("us zip code", re.compile(_US_ZIP), US_ZIP_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("code postal", "ville", "cedex", "postcode", "ZIP")

    def validate_result(self, pattern_text: str) -> bool | None:
        if pattern_text[:5].isdigit() and pattern_text[5:6] in (" ", "\t", "\u00a0"):
            return FIRST_DEPARTEMENT <= int(pattern_text[:2]) <= LAST_DEPARTEMENT
        return None
