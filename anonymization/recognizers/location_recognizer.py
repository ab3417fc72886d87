"""LOCATION: a postcode with its city ("75012 Paris", "13008 Marseille", "20000 Ajaccio",
"97110 Pointe-à-Pitre", "69003 LYON", "75012 Paris Cedex 12"), a CEDEX sorting code
("CS 12345"), a UK postcode with or without its town ("Birmingham B15 9NQ", "SW1A 1AA"),
a US city, state and ZIP ("Seattle, WA 98104", "NY 10001", "ZIP 10001").

Bare city names where their context says they are places: a birthplace or a home town
("né le 12/03/1954 à Paris", "domiciliée à Créteil", "born in Leeds") and the place of a
letter's date line ("Créteil, le 07.04.2026"). Other bare names are left to spaCy's NER.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by, word_alternation

FRENCH_POSTCODE_CITY_SCORE: Final = 0.85
CEDEX_SORTING_SCORE: Final = 0.7
UK_POSTCODE_SCORE: Final = 0.6
US_ZIP_SCORE: Final = 0.6
TOWN_AND_POSTCODE_SCORE: Final = 0.8
CONTEXT_CITY_SCORE: Final = 0.75

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
# Canada's "H2X 1K4", with its space ("T2N0M0" is a tumour's stage), and Ireland's
# Eircode "W91 X2Y3": a routing key, then four characters of the Eircode alphabet mixing
# letters and digits ("C50 2019" is a diagnosis code and a year).
_CA_POSTCODE: Final = (
    r"(?<![\w-])(?!T\dN[ \t]\dM\d)"
    r"(?P<value>[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \t]\d[ABCEGHJ-NPRSTV-Z]\d)"
    r"(?![\w-])"
)
_EIRCODE: Final = (
    r"(?<![\w-])(?P<value>(?:[AC-FHKNPRTV-Y]\d\d|D6W)[ \t]"
    r"(?=[0-9AC-FHKNPRTV-Y]{0,3}\d)(?=[0-9AC-FHKNPRTV-Y]{0,3}[AC-FHKNPRTV-Y])"
    r"[0-9AC-FHKNPRTV-Y]{4})(?![\w-])"
)
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
# "Newcastle upon Tyne", "Stoke-on-Trent", "Houston" (led by its capital, see `led_by`).
_EN_TOWN: Final = led_by("[A-Z]", r"[\w-]") + (
    r"[a-z]+(?:(?:[ \t-]+(?:upon|on|under|in|by|le|the))?[ \t-]+[A-Z][a-z]+){0,2}"
)
_UK_TOWN_POSTCODE: Final = (
    rf"(?P<value>{_EN_TOWN}[ \t]+"
    r"[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?[ \t]\d[ABD-HJLNP-UW-Z]{2})(?!\w)"
)
_US_TOWN_STATE_ZIP: Final = (
    rf"(?P<value>{_EN_TOWN},[ \t]+(?:{_US_STATES}|ID|IN|OR|ME)[ \t]+\d{{5}}(?:-\d{{4}})?)(?!\d)"
)
# A birthplace or home town: "né le 12/03/1954 à Paris", "née à Lyon", "domicilié à
# Nantes", "habite à Brest", "born in Leeds", "lives in York".
_BIRTH_OR_HOME_WORDS: Final = (
    r"n[ée]e?(?:\(e\))?", r"domicili[ée]e?", r"habit(?:e|ant|ante)", r"demeurant",
    r"r[ée]sid(?:e|ant|ante)", r"originaire", r"born", r"lives", r"living", r"resident",
)  # fmt: skip
_CITY_AFTER_CONTEXT: Final = (
    word_alternation(_BIRTH_OR_HOME_WORDS)
    + r"(?:[ \t]+(?i:le[ \t]+)?[^\n,;()]{4,30}?)??[ \t]+(?:à|a|au|in|de|d['’]|at)[ \t]*"
    + rf"(?P<value>{_CITY})(?![\w'’-])"
)
# The place of a letter's date line: "Créteil, le 07.04.2026", "Leeds, 3 March 2025".
_CITY_OF_DATE_LINE: Final = (
    rf"(?m:^)[ \t]*(?P<value>{_CITY}),[ \t]*(?:le[ \t]+)?"
    r"(?=\d{1,4}(?:er)?(?:[./-]\d|[ \t]+[^\W\d_]+\.?[ \t]+\d{4}))"
)
FIRST_DEPARTEMENT: Final = 1
LAST_DEPARTEMENT: Final = 98


# A US town then a ZIP without the state: "Denver 80220", "Kuna, ID 83634".
_US_TOWN_ZIP: Final = rf"(?P<value>{_EN_TOWN},?[ \t]+\d{{5}}(?:-\d{{4}})?)(?![\d-])"


# An Australian postcode after its state: "Dulwich Hill NSW 2203".
_AU_STATE_POSTCODE: Final = (
    # Not a year of the last century: "MENTAL HEALTH ACT 1983".
    r"(?<![\w-])(?:NSW|VIC|Vic|QLD|Qld|TAS|Tas|ACT|NT|WA|SA)[ \t]+(?P<value>(?!19)\d{4})(?![\w-])"
)


_INDIAN_STATES: Final = (
    "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar", "Chhattisgarh", "Goa", "Gujarat",
    "Haryana", "Himachal Pradesh", "Jharkhand", "Karnataka", "Kerala", "Madhya Pradesh",
    "Maharashtra", "Manipur", "Meghalaya", "Mizoram", "Nagaland", "Odisha", "Punjab",
    "Rajasthan", "Sikkim", "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh",
    "Uttarakhand", "West Bengal", "Delhi", "Jammu and Kashmir", "Ladakh", "Puducherry",
    "Chandigarh",
)  # fmt: skip
# An Indian PIN code after its label or before its state: "PIN: 560034", "Navi Mumbai -
# 410210, Maharashtra".
_INDIAN_PIN_LABELLED: Final = (
    r"(?<![\w-])(?i:pin(?:[ \t]*code)?)[ \t]*[:.-]?[ \t]*(?P<value>[1-9]\d{5})(?!\d)"
)
_INDIAN_PIN_BEFORE_STATE: Final = (
    r"(?<![\w-])(?P<value>[1-9]\d{5})(?=[ \t]*,?[ \t]*(?:" + "|".join(_INDIAN_STATES) + r")\b)"
)


class LocationRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "LOCATION"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "french postcode and city", re.compile(_FR_POSTCODE_CITY), FRENCH_POSTCODE_CITY_SCORE
        ),
        ValuePattern("cedex sorting code", re.compile(_CEDEX_SORTING), CEDEX_SORTING_SCORE),
        ValuePattern(
            "uk town and postcode", re.compile(_UK_TOWN_POSTCODE), TOWN_AND_POSTCODE_SCORE
        ),
        ValuePattern("uk postcode", re.compile(_UK_POSTCODE), UK_POSTCODE_SCORE),
        ValuePattern("canadian postcode", re.compile(_CA_POSTCODE), UK_POSTCODE_SCORE),
        ValuePattern("irish eircode", re.compile(_EIRCODE), UK_POSTCODE_SCORE),
        ValuePattern(
            "us town, state and zip", re.compile(_US_TOWN_STATE_ZIP), TOWN_AND_POSTCODE_SCORE
        ),
        ValuePattern("us zip code", re.compile(_US_ZIP), US_ZIP_SCORE),
        ValuePattern("australian state and postcode", re.compile(_AU_STATE_POSTCODE), US_ZIP_SCORE),
        ValuePattern("indian pin code", re.compile(_INDIAN_PIN_LABELLED), US_ZIP_SCORE),
        ValuePattern(
            "indian pin before its state", re.compile(_INDIAN_PIN_BEFORE_STATE), US_ZIP_SCORE
        ),
        ValuePattern("us town and zip", re.compile(_US_TOWN_ZIP), US_ZIP_SCORE),
        ValuePattern(
            "city after birth or home", re.compile(_CITY_AFTER_CONTEXT), CONTEXT_CITY_SCORE
        ),
        ValuePattern("city of a date line", re.compile(_CITY_OF_DATE_LINE), CONTEXT_CITY_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("code postal", "ville", "cedex", "postcode", "ZIP")

    def validate_result(self, pattern_text: str) -> bool | None:
        if pattern_text[:5].isdigit() and pattern_text[5:6] in (" ", "\t", "\u00a0"):
            return FIRST_DEPARTEMENT <= int(pattern_text[:2]) <= LAST_DEPARTEMENT
        return None
