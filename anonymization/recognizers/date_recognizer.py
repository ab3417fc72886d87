"""DATE: numeric, ISO and written dates, French and English (one type for all dates).

"12/03/1954", "12-03-1954", "12.03.1954", "12/03/54", "1954-03-12", "12 mars 1954",
"1er mars 1954", "mars 1954", "le 3 févr. 2021", "12 mars", "March 12, 1954",
"12 March 1954", "Mar 12 2021", "19-Jul-2023", "3 July". A date right after "né(e) le",
"DDN", "date de naissance", "born", "DOB" scores higher.

The regexes find the shape; `validate_result` checks day/month ranges and that the
month word really is a month (this keeps the regexes short and fast).
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by

FULL_DATE_SCORE: Final = 0.85
SHORT_YEAR_SCORE: Final = 0.6
PARTIAL_DATE_SCORE: Final = 0.6
BIRTH_DATE_SCORE: Final = 0.95
MAX_DAY: Final = 31
MAX_MONTH: Final = 12

FRENCH_MONTH_WORDS: Final = frozenset(
    ("janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août",
     "aout", "septembre", "octobre", "novembre", "décembre", "decembre", "janv", "févr",
     "fevr", "fév", "fev", "avr", "juil", "sept", "oct", "nov", "déc", "dec")
)  # fmt: skip
ENGLISH_MONTH_WORDS: Final = frozenset(
    ("january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec")
)  # fmt: skip
MONTH_WORDS: Final = FRENCH_MONTH_WORDS | ENGLISH_MONTH_WORDS
WEEKDAY_WORDS: Final = frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lundi",
     "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
)  # fmt: skip
# With their plurals ("on Mondays", "les mardis"): never a name or a place alone.
WEEKDAYS_AND_PLURALS: Final = WEEKDAY_WORDS | {f"{day}s" for day in WEEKDAY_WORDS}

# Nothing glued before a date: no letter, digit or date separator.
_NOT_AFTER: Final = r"[\w/.,-]"
_END: Final = r"(?!\w|[/.,-]\d)"
_YEAR4: Final = r"(?:1[89]|20)\d{2}"
_SPACE: Final = r"[ \t\u00a0]+"
# A month word's first letter, then the rest of one of the month words (French: any case;
# English: capitalised). `validate_result` rejects mixes such as "Jars".
_FR_MONTH: Final = (
    led_by("[JjFfMmAaSsOoNnDd]", r"\w")
    + r"(?:anvier|[ée]vrier|ars|vril|ai|uin|uillet|o[uû]t|eptembre|ctobre|ovembre|[ée]cembre"
    r"|anv\.?|[ée]vr?\.?|vr\.?|uil\.?|ept\.?|ct\.?|ov\.?|[ée]c\.?)"
)
_FR_MONTH_FULL: Final = (
    r"(?:[Jj]anvier|[Ff][ée]vrier|[Mm]ars|[Aa]vril|[Mm]ai|[Jj]uin|[Jj]uillet|[Aa]o[uû]t"
    r"|[Ss]eptembre|[Oo]ctobre|[Nn]ovembre|[Dd][ée]cembre)"
)
_EN_MONTH_TAIL: Final = (
    r"(?:anuary|ebruary|arch|pril|ay|une|uly|ugust|eptember|ctober|ovember|ecember"
    r"|an|eb|ar|pr|un|ul|ug|ept|ep|ct|ov|ec)\.?"
)
_EN_MONTH: Final = r"[ADFJMNOS]" + _EN_MONTH_TAIL
_EN_MONTH_FULL: Final = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)"
)
_DAY_LED: Final = led_by(r"\d", _NOT_AFTER) + r"\d?"
# A dictated day in words: "le vingt-quatre septembre", "du premier mars deux mille vingt".
_FR_UNITS: Final = "un|deux|trois|quatre|cinq|six|sept|huit|neuf"
_FR_DAY_WORDS: Final = (
    r"(?i:premier|1er|dix-sept|dix-huit|dix-neuf|onze|douze|treize|quatorze|quinze|seize|dix"
    rf"|vingt(?:[- ]et[- ]un|-(?:{_FR_UNITS}))?|trente(?:[- ]et[- ]un)?|{_FR_UNITS})"
)
_FR_YEAR_WORDS: Final = rf"(?i:deux[- ]mille(?:[- ]{_FR_DAY_WORDS})?)"
# A day said as an ordinal: "the third of April 2024", "April the twenty-first".
_EN_ORDINAL_UNITS: Final = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
_EN_DAY_WORDS: Final = (
    rf"(?i:tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth"
    rf"|eighteenth|nineteenth|twentieth|thirtieth|(?:twenty|thirty)[- ](?:{_EN_ORDINAL_UNITS})"
    rf"|{_EN_ORDINAL_UNITS})"
)


def _compiled(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?P<value>{body}){_END}")


_NUMERIC: Final = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})")
_LEADING_DAY: Final = re.compile(r"(\d{1,2})(?:er|st|nd|rd|th)?[ \t\u00a0]")
_LETTERS: Final = re.compile(r"[^\W\d_]+")


def _is_day_month(first: int, second: int) -> bool:
    """Day/month, or month/day for US dates."""
    day_month = 1 <= first <= MAX_DAY and 1 <= second <= MAX_MONTH
    month_day = 1 <= first <= MAX_MONTH and 1 <= second <= MAX_DAY
    return day_month or month_day


def date_is_plausible(value: str) -> bool:
    """Ranges of a numeric date, or a real month word (and day ≤ 31) in a written one."""
    numeric = _NUMERIC.fullmatch(value)
    if numeric is not None:
        first, second, third = numeric.groups()
        if len(first) == 4:  # ISO: year, month, day
            return 1 <= int(second) <= MAX_MONTH and 1 <= int(third) <= MAX_DAY
        return _is_day_month(int(first), int(second))
    day = _LEADING_DAY.match(value)
    if day is not None and not 1 <= int(day.group(1)) <= MAX_DAY:
        return False
    # "12th of March 1954": the month is the first word that is not "of".
    words = _LETTERS.findall(value, day.end() if day else 0)
    return any(word.lower() in MONTH_WORDS for word in words)


class FrDateRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "DATE"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "numeric date, 4-digit year",
            _compiled(rf"{_DAY_LED}(?P<s1>[/.-])\d\d?(?P=s1){_YEAR4}"),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "iso date",
            _compiled(rf"{led_by('[12]', _NOT_AFTER)}\d{{3}}(?P<s2>[/.-])\d\d(?P=s2)\d\d"),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "numeric date, 2-digit year", _compiled(rf"{_DAY_LED}/\d\d?/\d\d"), SHORT_YEAR_SCORE
        ),
        ValuePattern(
            "french day month year",
            _compiled(rf"{_DAY_LED}(?:er)?{_SPACE}{_FR_MONTH}{_SPACE}{_YEAR4}"),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "english day month year",
            _compiled(
                rf"{_DAY_LED}(?:st|nd|rd|th)?{_SPACE}(?:of{_SPACE})?{_EN_MONTH},?{_SPACE}{_YEAR4}"
            ),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "french day in words and month",
            re.compile(
                rf"(?i:\b(?:le|du|au|depuis[ \t]+le|jusqu['’]au)){_SPACE}"
                rf"(?P<value>{_FR_DAY_WORDS}{_SPACE}{_FR_MONTH_FULL}"
                rf"(?:{_SPACE}(?:{_YEAR4}|{_FR_YEAR_WORDS}))?)(?![\w-])"
            ),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "english day in words and month",
            re.compile(
                rf"(?<![\w-])(?P<value>{_EN_DAY_WORDS}{_SPACE}of{_SPACE}{_EN_MONTH_FULL}"
                rf"(?:,?{_SPACE}{_YEAR4})?"
                rf"|{_EN_MONTH_FULL}{_SPACE}the{_SPACE}{_EN_DAY_WORDS}(?:,?{_SPACE}{_YEAR4})?)"
                r"(?![\w-])"
            ),
            FULL_DATE_SCORE,
            requires=re.compile(
                rf"{_EN_MONTH_FULL}[ \t\u00a0]+the[ \t]|[ \t]of[ \t\u00a0]+{_EN_MONTH_FULL}"
            ),
        ),
        ValuePattern(
            "french month year", _compiled(rf"{_FR_MONTH}{_SPACE}{_YEAR4}"), FULL_DATE_SCORE
        ),
        ValuePattern(
            "english month day year",
            _compiled(
                rf"{led_by('[ADFJMNOS]', _NOT_AFTER)}{_EN_MONTH_TAIL}{_SPACE}"
                rf"(?:\d\d?(?:st|nd|rd|th)?,?{_SPACE})?{_YEAR4}"
            ),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "day, abbreviated month, year",
            _compiled(rf"{_DAY_LED}-[A-Z][a-z]{{2}}-{_YEAR4}"),
            FULL_DATE_SCORE,
        ),
        ValuePattern(
            "english day and month",
            _compiled(rf"{_DAY_LED}(?:st|nd|rd|th)?{_SPACE}(?:of{_SPACE})?{_EN_MONTH_FULL}"),
            PARTIAL_DATE_SCORE,
        ),
        ValuePattern(
            "french day and month",
            _compiled(rf"{_DAY_LED}(?:er)?{_SPACE}{_FR_MONTH_FULL}"),
            PARTIAL_DATE_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "né le", "née le", "DDN", "date de naissance", "born", "DOB", "date of birth",
    )  # fmt: skip
    CONTEXT_BEFORE: ClassVar[re.Pattern[str] | None] = re.compile(
        r"(?i:\bn[ée]e?(?:\(e\))?[ \t]+le|\bDDN|\bdate[ \t]+de[ \t]+naissance|\bborn(?:[ \t]+on)?"
        r"|\bDOB|\bdate[ \t]+of[ \t]+birth|\bbirth[ \t]*date)[ \t:]*(?:le[ \t]+)?$"
    )
    CONTEXT_SCORE: ClassVar[float] = BIRTH_DATE_SCORE

    def validate_result(self, pattern_text: str) -> bool | None:
        return date_is_plausible(pattern_text)
