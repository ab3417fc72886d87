"""AGE: an age of 90 or more, which identifies on its own (HIPAA's "ages over 89").

"âgée de 94 ans", "94 ans", "AGE : 95 ANS", "(F, 92 a)", "97-year-old", "92 yo",
"aged 94", "94 y/o", "Mum (92)", and in words: "quatre-vingt-douze ans", "ninety-two
years". Only the number is reported; the surrogate mode writes "90+" in its place.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern
from anonymization.recognizers.tables import column_cells

AGE_SCORE: Final = 0.85
# 90 to 119.
_GREAT_AGE: Final = r"(?<![\d,.])(?:9\d|1[01]\d)(?![\d,.]\d)"
_FR_UNIT: Final = r"(?:[ \t\u00a0]*(?:ans|an|ANS|AN|a)\b|[ \t\u00a0]*ans?\.)"
_EN_UNIT: Final = (
    r"(?:[ \t\u00a0-]*(?i:years?[ \t\u00a0-]*old|year-old|yrs?[ \t\u00a0-]*old|yr-old"
    r"|yo|y/o|y\.o\.|years?|yrs?|ya|y)\b|(?i:[MF])\b)"
)
_AGE_LABEL: Final = r"(?i:\b(?:âg[ée]e?|age|âge|aged)[ \t\u00a0]*(?:de|of)?[ \t\u00a0:]*)"
_FR_TENS: Final = (
    r"quatre-vingt(?:-dix(?:-(?:sept|huit|neuf))?"
    r"|-onze|-douze|-treize|-quatorze|-quinze|-seize|-et-onze)"
)
_FR_WORDS: Final = (
    rf"(?i:{_FR_TENS}|cent(?:[ -](?:un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix))?)"
)
_EN_WORDS: Final = (
    r"(?i:ninety(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)[ -]hundred(?:[ -](?:and[ -])?"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten))?)"
)


# "Mum (92)", "sa mère (94)", "Mme X (91)": an age in brackets after a person.
_PERSON_WORD: Final = (
    r"(?i:\b(?:mum|mom|mother|dad|father|wife|husband|partner|sister|brother|daughter|son"
    r"|grandmother|grandfather|gran|granny|nan|grandma|grandpa|aunt|uncle|patient|pt|resident"
    r"|m[èe]re|p[èe]re|[ée]pouse|[ée]poux|mari|femme|s(?:œ|oe)ur|fr[èe]re|fille|fils"
    r"|grand-m[èe]re|grand-p[èe]re|tante|oncle|patiente|r[ée]sidente?))"
)
_AGE_IN_BRACKETS: Final = r"\([ \t\u00a0]*(?P<value>9\d|1[01]\d)[ \t\u00a0]*\)"
_PERSON_BEFORE: Final = rf"{_PERSON_WORD}[ \t\u00a0]*$"

_AGE_HEADER: Final = re.compile(r"(?i:âge|age|ans|years|yrs)")
_GREAT_AGE_CELL: Final = re.compile(r"[ \t]*(?P<value>9\d|1[01]\d)[ \t]*(?:ans?|a|y|yo)?[ \t]*")


# "| Temp | 99 F |", "| T° 100 F |": a temperature, not an age and a sex.
_TEMPERATURE_CELL_BEFORE: Final = re.compile(r"(?i:\btemp\w*|\bt°?)[ \t:]*\|?[ \t]*\|?$")
TEMPERATURE_WINDOW: Final = 20


def _table_ages(text: str) -> list[tuple[int, int]]:
    """Ages of 90 and over in the "Âge" column of a table written with pipes (or after
    an "Âge" key in a key/value row)."""
    return [(start, end) for start, end, _ in column_cells(text, _AGE_HEADER, _GREAT_AGE_CELL)]


class AgeRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "AGE"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern(
            "age after its label", re.compile(rf"{_AGE_LABEL}(?P<value>{_GREAT_AGE})"), AGE_SCORE
        ),
        ValuePattern(
            "age in years (fr)", re.compile(rf"(?P<value>{_GREAT_AGE}){_FR_UNIT}"), AGE_SCORE
        ),
        ValuePattern(
            "age in years (en)", re.compile(rf"(?P<value>{_GREAT_AGE}){_EN_UNIT}"), AGE_SCORE
        ),
        # "age verified 92", "age at death 93", "Age (now) 91": a word or two between the
        # label and the age; not "aged care home 94 beds".
        ValuePattern(
            "age after its label and a word or two",
            re.compile(
                r"(?i:\bage)[ \t\u00a0]+(?!(?i:care|group|range|band)\b)"
                r"(?:\(?[A-Za-z]+\)?[ \t\u00a0]+){1,2}[:=]?[ \t\u00a0]*"
                rf"(?P<value>{_GREAT_AGE})"
                r"(?![\w/.,-]?\d|[ \t]*(?:%|mg|kg|cm|bpm|°|/))"
                r"(?![ \t]+(?i:beds?|rooms?|residents?|patients?|percent|degrees))"
            ),
            AGE_SCORE,
        ),
        ValuePattern(
            "age in words after its label",
            re.compile(rf"{_AGE_LABEL}(?P<value>{_EN_WORDS}|{_FR_WORDS})(?![\w-])"),
            AGE_SCORE,
        ),
        # "She turned 100", "a fêté ses 95 ans" (the unit is optional after the verb).
        ValuePattern(
            "age reached",
            re.compile(
                rf"(?i:\b(?:turned|turns|turning|f[êe]t[ée]?[ \t]+ses|a[ \t]+eu))[ \t]+"
                rf"(?P<value>{_GREAT_AGE}|{_EN_WORDS}|{_FR_WORDS})(?![\w-])"
            ),
            AGE_SCORE,
        ),
        # "a sister …, is now ninety-four": an age reached, in figures or words.
        ValuePattern(
            "age now",
            re.compile(
                r"(?i:\b(?:is|was)[ \t]+(?:now|nearly|almost|just))[ \t]+"
                rf"(?P<value>{_GREAT_AGE}|{_EN_WORDS})(?![\w-]|[\w/.,-]?\d|[ \t]*(?:%|mg|kg|/))"
            ),
            AGE_SCORE,
        ),
        # "she's 91 so i worry", "he is now 94": a person's age said of them.
        ValuePattern(
            "age said of a person",
            re.compile(
                r"(?i:\b(?:she|he)(?:['’]s|[ \t]+is|[ \t]+was)"
                r"(?:[ \t]+(?:now|only|nearly|almost|just|already))?)[ \t]+"
                rf"(?P<value>{_GREAT_AGE}|{_EN_WORDS}(?![\w-]))"
                r"(?![\w/.,-]?\d|[ \t]*(?:%|mg|kg|cm|bpm|°|/))"
                r"(?![ \t]+(?i:percent|degrees|pounds|lbs|kilos))"
            ),
            AGE_SCORE,
        ),
        # "F 93 admitted", "M, 91", "Female, 94": a sex then an age, as triage lines write
        # them.
        ValuePattern(
            "age after a sex",
            re.compile(
                rf"(?<![\w/-])(?:[MF]|(?i:male|female|man|woman))[ \t]*[,:]?[ \t]+"
                rf"(?P<value>{_GREAT_AGE})"
                r"(?![\w/.,-]?\d|[ \t]*(?:mg|ml|mmHg|%|kg|cm|bpm|lbs?\b|pounds|°))"
            ),
            AGE_SCORE,
        ),
        # "her 98th birthday", "son 100e anniversaire".
        ValuePattern(
            "great birthday",
            re.compile(
                rf"(?P<value>{_GREAT_AGE})(?:st|nd|rd|th|e|ème)[ \t]+(?i:birthday|anniversaire)"
            ),
            AGE_SCORE,
        ),
        ValuePattern(
            "age in brackets after a person",
            re.compile(_AGE_IN_BRACKETS),
            AGE_SCORE,
            before=re.compile(_PERSON_BEFORE),
        ),
        # "DOB 22/01/1932 (92)", "née le 03/04/1930 (94 ans)": the age a birth date gives.
        ValuePattern(
            "age in brackets after a birth date",
            re.compile(
                r"\([ \t\u00a0]*(?P<value>9\d|1[01]\d)[ \t\u00a0]*(?:ans?|y|yo|yrs?|years?)?"
                r"[ \t\u00a0]*\)"
            ),
            AGE_SCORE,
            before=re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}[ \t\u00a0]*$"),
        ),
        # "Mrs B. is 96", "Mr Okafor is 91,": a titled person's age.
        ValuePattern(
            "age of a titled person",
            re.compile(rf"(?P<value>{_GREAT_AGE})(?![\w/.-]?\d|[ \t]*(?:mg|ml|%|kg|cm|/))"),
            AGE_SCORE,
            before=re.compile(
                r"\b(?:Mrs|Mr|Ms|Miss|Mme|M\.)\.?[ \t]+[A-Z][\w'’-]*\.?(?:[ \t]+[A-Z][\w'’-]+)?"
                r"[ \t]+(?:is|was|est|a)[ \t]+$"
            ),
        ),
        # "Mr Winston Clarke, 90 - had Lasix", "SR4  Mr Alun Gruffydd  94 - EOL", "Mrs Page
        # ("Gwen"), 101.": a handover list's titled name, then the age alone.
        ValuePattern(
            "age after a titled name in a list",
            re.compile(rf"(?P<value>{_GREAT_AGE})(?=[ \t]*(?:[-–—.;]|,[ \t]|$))", re.MULTILINE),
            AGE_SCORE,
            before=re.compile(
                r"\b(?:Mrs|Mr|Ms|Miss|Mme|M\.)\.?(?:[ \t]+[A-ZÀ-Ý][\w'’-]*\.?){1,3}"
                r"(?:[ \t]+\(?[\"“'‘][^\"”'’\n]{1,20}[\"”'’]\)?)?(?:,[ \t]*|[ \t]{2,})$"
            ),
        ),
        # "| 92 F |": an age and a sex in one cell of a table.
        ValuePattern(
            "age and sex in a table cell",
            re.compile(rf"\|[ \t]*(?P<value>{_GREAT_AGE})[ \t]*[MF][ \t]*(?=\|)"),
            AGE_SCORE,
        ),
        ValuePattern(
            "age in words (fr)",
            re.compile(rf"(?<![\w-])(?P<value>{_FR_WORDS})[ \t\u00a0]+(?i:ans)\b"),
            AGE_SCORE,
        ),
        ValuePattern(
            "age in words (en)",
            re.compile(rf"(?<![\w-])(?P<value>{_EN_WORDS})[ \t\u00a0-]+(?i:years?|-year)"),
            AGE_SCORE,
        ),
    )

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if pattern.name == "age and sex in a table cell" and _TEMPERATURE_CELL_BEFORE.search(
            text, max(0, start - TEMPERATURE_WINDOW), start
        ):
            return None  # "| Temp | 99 F |": degrees Fahrenheit
        return super()._score(text, value, start, pattern)

    def analyze(self, text, entities, nlp_artifacts=None):
        results = super().analyze(text, entities, nlp_artifacts)
        if "|" in text or "\t" in text:
            results += [self.result(start, end, AGE_SCORE) for start, end in _table_ages(text)]
        return results
