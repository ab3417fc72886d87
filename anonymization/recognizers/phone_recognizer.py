"""PHONE_NUMBER: French numbers in every usual layout, plus international and US forms.

French: "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678",
"+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78".
UK national: "020 7946 0958", "0113 496 0000", "07700 900123".
Others: "+44 20 7946 0958", "(555) 123-4567", "555-123-4567"; service numbers
("13 11 14", "1300 22 4636", "116 123").
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by

_SEP: Final = r"[ .\u00a0-]?"
FRENCH_SCORE: Final = 0.85
INTERNATIONAL_SCORE: Final = 0.75
NORTH_AMERICAN_SCORE: Final = 0.7
UK_NATIONAL_SCORE: Final = 0.75

_TRUNK: Final = r"(?:\(0\)" + _SEP + r")?"  # the "(0)" of "+33 (0)6 …"
_END: Final = r"(?!\d|[.-]\d)"
# "+33", "0033" or "0", then the 9 national digits: first digit then 4 pairs.
_FRENCH: Final = (
    r"(?P<value>" + led_by("[+0]", r"[\w+]")
    + r"(?:(?<=\+)[ \u00a0]?33" + _SEP + _TRUNK + r"|(?<=0)(?:033" + _SEP + _TRUNK + r")?)"
    + r"[1-9](?:" + _SEP + r"\d{2}){4})" + _END
)  # fmt: skip
# "+" then country code (1-3 digits), then 6-14 digits in groups; +33 is left to _FRENCH.
_INTERNATIONAL: Final = (
    r"(?P<value>" + led_by(r"\+", r"[\w+]") + r"(?!33)[1-9]\d{0,2}" + _SEP + _TRUNK
    + r"\d{1,4}(?:" + _SEP + r"\d{2,4}){1,4})" + _END
)  # fmt: skip
# "(555) 123-4567", "555-123-4567", "555.123.4567".
_NORTH_AMERICAN: Final = (
    # The country code goes with it: "+1 (617) 555-0134".
    r"(?P<value>(?:\+1[ \u00a0.-]?(?=\())?" + led_by(r"[(\d]", r"[\w.-]")
    + r"(?:(?<=\()\d{3}\)[ \u00a0]?\d{3}[ .-]\d{4}|(?<=\d)\d{2}(?P<sep>[.-])\d{3}(?P=sep)\d{4}))"
    + _END
)  # fmt: skip


# A leading 0 and 10 more digits in the UK groupings (area code of 3, 4 or 5 digits).
_UK_NATIONAL: Final = (
    r"(?P<value>" + led_by("0", r"[\w+.-]")
    + r"(?:\d{2}[ \u00a0]\d{4}[ \u00a0]\d{4}|\d{3}[ \u00a0]\d{3}[ \u00a0]\d{4}"
    + r"|\d{4}[ \u00a0]\d{6}|\d{4}[ \u00a0]\d{3}[ \u00a0]\d{3}"
    # "017687 60213" (a five-digit area code), "0412 345 678" (an Australian mobile).
    + r"|\d{5}[ \u00a0]\d{5}|\d{3}[ \u00a0]\d{3}[ \u00a0]\d{3}"
    # A trunk 0 and nine digits elsewhere: "011 984 2210", "072 447 1093" (South Africa),
    # "022-2774 5500" (India), "09-276 4412", "04-389 8070" (New Zealand, eight digits).
    + r"|\d{2}[ \u00a0-]\d{3}[ \u00a0-]\d{4}|\d{2}-\d{4}[ \u00a0]\d{4}|\d-\d{3}[ \u00a0]\d{4}"
    # "091 555 270" (Ireland), "021 923 41 87" (Switzerland), "0 800 45 12 12" (a French
    # free number written with its 0 apart).
    + r"|\d{2}[ \u00a0]\d{3}[ \u00a0]\d{3}|\d{2}[ \u00a0]\d{3}[ \u00a0]\d{2}[ \u00a0]\d{2}"
    + r"|[ \u00a0][89]\d{2}(?:[ \u00a0]\d{2}){3}))"
    + _END
)  # fmt: skip
# Belgian and Swiss national numbers: a 0, an area code, then 9 or 10 digits in all, grouped
# as written there ("067 48 21 90", "02 512 34 67", "021 314 11 11", "0470 12 34 56",
# "067/48.21.99"). French numbers (pairs) are taken by `_FRENCH` first.
_BELGIAN_OR_SWISS: Final = (
    r"(?<![\w+./-])(?P<value>0(?:\d{2}[ ./]\d{2}|\d[ ./]\d{3}|\d{2}[ ./]\d{3}|\d{3}[ ./]\d{2})"
    r"[ .]\d{2}[ .]\d{2})" + _END
)
# Whatever number a phone label introduces: "Ph 09-276 4412", "Tel: 011 984 2210",
# "Phone (day): 04-389 2276", "Cell: 072 447 1093", "Fax 086 552 9031".
MIN_LABELLED_DIGITS: Final = 7
_YEARS_OR_DATE: Final = re.compile(
    r"(?:19|20)\d\d[ \t]*[-–.][ \t]*(?:19|20)?\d\d|\d{1,2}[.-]\d{1,2}[.-](?:\d{4}|\d\d)"
)
# New Caledonia's numbers have six digits, written in pairs: "Tél. 20 80 00".
_SIX_DIGITS_IN_PAIRS: Final = re.compile(r"\d\d([ .\u00a0])\d\d\1\d\d")
_LABELLED: Final = (
    # "Ph"/"PH" as written, never "pH 7.35".
    r"\b(?:Ph|PH|(?i:phone|t[ée]l|t[ée]l[ée]phone|mobile|mob|cell|fax|t[ée]l[ée]copie|portable"
    r"|landline|home|work|pager|ring|call|text|sms|whatsapp|appeler|rappeler))\.?"
    r"(?:[ \t]*\((?i:day|home|work|evening|mobile)\))?[ \t]*[:.]?[ \t]*"
    # Seven digits at least, and no decimal value ("7.35 (7.35-7.45)").
    r"(?P<value>(?!\d{1,2}\.\d{1,2}(?!\d))\+?\(?\d[\d \u00a0().-]{6,16}\d)(?![\d/])"
)
# "(02) 9876 5432", "(01) 221 4873": a bracketed trunk and area code, then 6 to 8 digits.
_BRACKETED_AREA: Final = (
    r"(?P<value>" + led_by(r"\(", r"[\w(]")
    + r"0\d{1,4}\)[ \u00a0]?\d{3,4}[ \u00a0-]?\d{3,4})" + _END
)  # fmt: skip
# "A. Petrosyan MD PGY-1 p6610": a pager after a clinician's grade.
_PAGER_P: Final = r"(?<![\w])p(?P<value>\d{4,5})(?![\w.,/-])"
_PAGER_P_BEFORE: Final = (
    r"\b(?:PGY-?\d|MD|DO|NP|PA-C|RN|resident|intern|fellow|attending)\b[^\n]{0,25}$"
)


# An internal extension or pager after its label: "bip 4417", "poste 52 318", "DECT 4455",
# "ext. 2231", "pager #3471".
_EXTENSION: Final = (
    r"\b(?i:bip|poste|postes|dect|ext\.?|extension|pager|pager[ \t]*#|ligne[ \t]+directe"
    r"|bleep|bleeper|vocera|spectralink|page|paged|paging)"
    r"[ \t]*[:#.n°]*[ \t]*(?:[xX](?=\d))?(?P<value>\d(?:[ \u00a0]?\d){2,6})(?![\d])"
)
# "call mo (NIC) on 85540", "ring the ward on 4417": an internal number after "on", in a
# sentence asking to call.
_CALL_ON_VALUE: Final = (
    r"(?<=[ \t])(?!(?:19|20)\d\d(?!\d))(?P<value>\d{4,6})(?![\d/.,:-]\d|\d|[./-]?\w)"
    # A count of things is not a number to call: "on 1000 sheets" (but "on 4417 asap").
    r"(?![ \t]+(?!(?:asap|when|please|thanks|tonight|today|tomorrow|urgently|after|before|until"
    r"|later|now|anytime|again|about|regarding|overnight)\b)"
    r"[a-z]{4,})"
)
_CALL_ON_BEFORE: Final = (
    r"\b(?i:call|ring|phone|bleep|page|contact|reach|appeler|joindre)\b[^\n]{0,30}"
    r"\b(?i:on|au|at)[ \t]+$"
)
EXTENSION_SCORE: Final = 0.6
# An extension glued to the number before it: "023 9228 6000 ext 4417", "555-0134 x2231".
_EXTENSION_AFTER_NUMBER: Final = (
    r"(?<=\d)[ \t]*(?P<value>(?i:ext\.?|extension|poste)[ \t]*\d{2,6})(?!\d)"
)
# "x2231" only after a number's last group of four: "100 x10^6/L" is a multiplication.
_X_EXTENSION_AFTER_NUMBER: Final = r"(?<=\d{4})[ \t]*(?P<value>[xX][ \t]?\d{3,6})(?![\d^])"
# "914 555 0181": a North American number with spaces.
_SPACED_NORTH_AMERICAN: Final = (
    r"(?<![\w+.-])(?P<value>(?:\+?1[ .-]?)?[2-9]\d{2}[ \u00a0][2-9]\d{2}[ \u00a0]\d{4})"
    r"(?![\w.-]?\d)"
)


# Service numbers: Australian "13 11 14", "131 450", "1300 22 4636", "1800 022 222", the
# UK's "116 123" helplines and short freephone "0800 1111". Spaced as written, and
# alone: a run of numbers ("HR 116 123 110") is a series of readings.
_SERVICE_NUMBER: Final = (
    r"(?<![\w.,/+-])(?<!\d[ \u00a0])(?P<value>"
    r"1[38]00[ \u00a0]?"
    r"(?:\d{3}[ \u00a0]?\d{3}|\d{2}[ \u00a0]\d{2}[ \u00a0]\d{2}|\d{2}[ \u00a0]\d{4})"
    r"|13[ \u00a0]\d{2}[ \u00a0]\d{2}|13\d[ \u00a0]\d{3}|116[ \u00a0]?\d{3}|0800[ \u00a0]\d{4})"
    r"(?![\w.,/-]?\d|\w|[ \u00a0]\d|[ \t]*(?:units?\b|mg\b|mcg\b|ml\b|mL\b|mmol|µmol|%|/))"
)


class FrPhoneRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "PHONE_NUMBER"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("french", re.compile(_FRENCH), FRENCH_SCORE),
        ValuePattern("international", re.compile(_INTERNATIONAL), INTERNATIONAL_SCORE),
        ValuePattern("north american", re.compile(_NORTH_AMERICAN), NORTH_AMERICAN_SCORE),
        ValuePattern("uk national", re.compile(_UK_NATIONAL), UK_NATIONAL_SCORE),
        ValuePattern("belgian or swiss", re.compile(_BELGIAN_OR_SWISS), UK_NATIONAL_SCORE),
        ValuePattern("bracketed area code", re.compile(_BRACKETED_AREA), UK_NATIONAL_SCORE),
        ValuePattern("after a phone label", re.compile(_LABELLED), UK_NATIONAL_SCORE),
        ValuePattern(
            "pager after a clinician's grade",
            re.compile(_PAGER_P),
            EXTENSION_SCORE,
            before=re.compile(_PAGER_P_BEFORE),
        ),
        ValuePattern(
            "extension after a number", re.compile(_EXTENSION_AFTER_NUMBER), EXTENSION_SCORE
        ),
        ValuePattern(
            "x extension after a number", re.compile(_X_EXTENSION_AFTER_NUMBER), EXTENSION_SCORE
        ),
        ValuePattern("extension after its label", re.compile(_EXTENSION), EXTENSION_SCORE),
        ValuePattern(
            "internal number to call",
            re.compile(_CALL_ON_VALUE),
            EXTENSION_SCORE,
            before=re.compile(_CALL_ON_BEFORE),
        ),
        ValuePattern(
            "north american, spaced", re.compile(_SPACED_NORTH_AMERICAN), NORTH_AMERICAN_SCORE
        ),
        ValuePattern("service number", re.compile(_SERVICE_NUMBER), EXTENSION_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("tél", "téléphone", "portable", "phone", "mobile")

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if pattern.name == "after a phone label" and (
            (
                sum(char.isdigit() for char in value) < MIN_LABELLED_DIGITS
                and not _SIX_DIGITS_IN_PAIRS.fullmatch(value)
            )
            or _YEARS_OR_DATE.fullmatch(value)
        ):
            # "Home 1 Jan", "Work 2020-2021", "Home 12.03.2024": no number to call
            return None
        return super()._score(text, value, start, pattern)
