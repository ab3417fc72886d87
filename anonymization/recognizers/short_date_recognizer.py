"""DATE without its year, or without its day: the forms clinicians write most and that the
full-date patterns of `date_recognizer` do not cover.

- day and month, numeric: "le 3/1", "lundi 11/12", "entrée le 14/02", "du 02/01 au 16/01",
  "on 2/12", "Tues 6/4", "(19/04)", a cell of a table "| 07/11 |", a line opening with
  it ("12/07 – Caroline IDE", "13/02 6h", "06-11 – mail"), and any zero-padded pair
  ("07/11");
- a day alone where the words around it make it a date: "le 16", "RDV du 19", "avant le
  23", "nuit du 23 au 24/10", "jusqu'au 28", "dimanche 14", "on the 11th", "the 28th";
- day, month and a two-digit year with dashes or dots: "21-07-05", "12.02.24";
- a month with its year, numeric or written: "10/2020", "MARS 2023"; a named month for
  a specific time: "en septembre", "depuis novembre", "fin décembre", "in March";
- an abbreviated month with its day: "Aug 14", "Fri Feb 9", "13 Oct", "3rd January";
- a birth year: "née en 1966", "born in 1975", "DOB: 1952";
- named days of the year (English): "Boxing Day", "Christmas Day", "Easter Monday".

A fraction is not a date: "EVA 6/10", "MMSE 22/30", "acuité 10/10", "TA 12/8", "3/4 du
repas" are left alone (the word before says it is a score, a ratio or a measure), and
a day alone is never taken when a unit follows it ("le 12 mg", "depuis 3 jours").

One module, long on purpose: the date forms, the words that make a number a date and the
measures that unmake it are read together; split, a form could lose its exceptions.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import (
    RegexRecognizer,
    ValuePattern,
    overlaps_any,
    word_alternation,
)
from anonymization.recognizers.first_characters import led_by_first_characters
from anonymization.recognizers.tables import column_cells

DAY_MONTH_SCORE: Final = 0.7
DAY_ALONE_SCORE: Final = 0.6
MONTH_YEAR_SCORE: Final = 0.75
MONTH_ALONE_SCORE: Final = 0.55
BIRTH_YEAR_SCORE: Final = 0.8
DATE_COLUMN_SCORE: Final = 0.7
MAX_DAY: Final = 31
MAX_MONTH: Final = 12

_S: Final = r"[ \t\u00a0]"
_DAY: Final = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH_NUM: Final = r"(?:0?[1-9]|1[0-2])"
_YEAR4: Final = r"(?:19|20)\d\d"
# Day and month, numeric: "3/1", "14/02", "02.05" (never a third number after it).
# With a dot, only zero-padded: "le 12.02" is a date, "INR 2.6" or "Hgb (10.1)" a value.
_DAY_MONTH: Final = (
    rf"(?:{_DAY}/{_MONTH_NUM}|{_MONTH_NUM}/{_DAY}|(?:0[1-9]|[12]\d|3[01])\.(?:0[1-9]|1[0-2]))"
    r"(?![\d/]|\.\d|,\d)"
)
_PADDED_DAY_MONTH: Final = r"(?:0[1-9]|[12]\d|3[01])[/.](?:0[1-9]|1[0-2])(?![\d/]|\.\d|,\d)"
_US_MONTH_DAY: Final = rf"{_MONTH_NUM}/{_DAY}(?![\d/]|\.\d)"

# Abbreviations that are also words ("mar", "sat", "mon", "jeu") are left out.
_WEEKDAYS: Final = (
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "lun", "ven",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "tue",
    "tues", "wed", "weds", "thu", "thur", "thurs", "fri",
)  # fmt: skip
# Words after which a number is a date: "le 16", "du 9 au 10/07", "RDV du 19".
_FR_DATE_WORDS: Final = (
    "le", "du", "au", "jusqu['’]au", "dès[ \t]+le", "des[ \t]+le", "depuis[ \t]+le",
    "avant[ \t]+le", "après[ \t]+le", "apres[ \t]+le", "semaine[ \t]+du", "nuit[ \t]+du",
    "week-end[ \t]+du", "rdv[ \t]+du", "rdv[ \t]+le", "rendez-vous[ \t]+du", "entre[ \t]+le",
    "ddn",
)  # fmt: skip
_EN_DATE_WORDS: Final = (
    "dated", "on", "from", "until", "till", "since", "by", "before", "after", "dob", "started",
    "stopped", "given", "collected", "seen", "visited", "admitted", "discharged", "appt",
    "appointment", "clinic", "lmp", "screening", "due", "note", "update", "updated",
    "reviewed", "review", "done", "performed", "scheduled", "booked", "planned", "last",
    "next", "prévu", "prévue", "fait", "faite", "vu", "vue", "revu", "revue", "entrée",
    "sortie", "admis", "admise", "opéré", "opérée", "posé", "posée", "réalisé", "réalisée",
    "programmé", "programmée", "contrôle", "consultation", "hospitalisé", "hospitalisée",
    "tomorrow", "today", "yesterday", "demain", "hier", "aujourd'hui", "tonight", "ce",
    "week[ \t]+of", "weekend[ \t]+of", "morning[ \t]+of", "afternoon[ \t]+of",
    "evening[ \t]+of", "night[ \t]+of", "w/c", "wc", "week[ \t]+commencing",
    "week[ \t]+beginning", "wk[ \t]+of",
    # What is done or sent on a day, and the tests and visits named by it ("drain removed
    # 2/10", "PET-CT 4/22", "lab 2/16", "PROCEDURE: 2/3").
    "removed", "placed", "inserted", "drawn", "repeat", "repeated", "ordered", "received",
    "obtained", "sent", "changed", "resumed", "held", "restarted", "expires", "expired",
    "lab", "labs", "procedure", "surgery", "ct", "mri", "pet-ct", "echo", "ekg", "ecg",
    "cxr", "date", "dos", "presented", "ed", "colonoscopy", "endoscopy", "biopsy",
    # A course's end or a result's day: "amoxicillin through 6/6", "expected 3/6".
    "through", "thru", "expected", "starting", "ending", "effective",
)  # fmt: skip
_WEEKDAY: Final = (
    "(?:"
    + word_alternation(_WEEKDAYS)
    + r"|(?<![\w'’-])(?:Mon|MON|Sat|SAT|Sun|SUN|Mar\.|Mer\.|Jeu\.|Sam\.|Dim\.|mar\.|mer\.|jeu\."
    + r"|sam\.|dim\.)(?![\w'’-]))\.?"
)
_CONTEXT_WORD: Final = word_alternation(_FR_DATE_WORDS + _EN_DATE_WORDS)
_FR_CONTEXT_WORD: Final = word_alternation(_FR_DATE_WORDS)
# Scores, ratios and measures written like a day and month.
_MEASURE_BEFORE: Final = re.compile(
    r"(?:\b(?:EN|ENS|EVS|EN[ \t]+repos|sat|SAT|sats|SATS)\b"
    r"|(?i:\b(?:eva|mmse|moca|glasgow|gcs|acuit[ée]|av|va|vision|ta|pa|bp|tension"
    r"|score|apgar|silverman|stop-bang|nyha|asa|rankin|braden|norton|barthel|adl|iadl|gir"
    r"|fc|force|testing|mrc|cotation|grade|stade|stage|ratio|spo2|posologie|dose"
    r"|pain|douleur|nrs|murmur|souffle|hads|phq-?9|gad-?7|taper(?:[ \t]+to)?|eifel|tinetti"
    r"|monofilament"
    r"|debout|couch[ée]e?|assise?|allong[ée]e?"
    r"|x|fois|cp|gélules?|comprimés?|plateau|vih|hiv)\b))"
    # One linking word may stand between the measure and its value: "TA couchée 14/8",
    # "score EIFEL à 8/24", "MoCA was 26/30"; a table's cell border too: "| EVA | 6/10".
    r"(?:[ \t]+(?:(?i:à|a|at|of|de|du|was|is|est|couch[ée]e?|debout|assise?)|[A-Z]{2,8}))?"
    r"[ \t:=(|]*$"
)
# Units in lower case only: "le 17   Heure : 05h50" is a date before a label.
_UNIT_AFTER: Final = re.compile(
    r"[ \t\u00a0]*(?:%|mg|µg|mcg|g\b|kg|ml|mL|l\b|L\b|cm|mm|ans?\b|mois|jours?|j\b|semaines?"
    r"|sem\b|h\b|heures?|min|fois|cp|comprimés?|gouttes|UI|ui|mmol|µmol|mmHg|bpm|°|x\b|years?"
    r"|months?|weeks?|days?|hours?|hrs?|units?|doses?|times|mètres?|m\b|km|pas\b|points?"
    r"|cycles?|cures?|séances?|lits?|patients?|ème|e\b|eme|er\b|ère|/[a-zµ%]"
    # Counts out of a total: "2/17 LN positive", "3/12 cores".
    r"|LN\b|nodes?\b|cores?\b|ganglions?\b)"
)
_MONTHS_FR: Final = (
    "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août",
    "aout", "septembre", "octobre", "novembre", "décembre", "decembre",
)  # fmt: skip
_MONTHS_FR_SHORT: Final = (
    r"janv\.", r"févr\.", r"fevr\.", r"fév\.", r"avr\.", r"juil\.", r"sept\.", r"oct\.",
    r"nov\.", r"déc\.", r"dec\.",
)  # fmt: skip
_MONTHS_EN: Final = (
    "January", "February", "March", "April", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTHS_EN_SHORT: Final = (
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
)  # fmt: skip
_FR_MONTH: Final = word_alternation(_MONTHS_FR)
_EN_MONTH: Final = (
    rf"(?<![\w'’-])(?:{'|'.join(_MONTHS_EN)}|{'|'.join(m.upper() for m in _MONTHS_EN)})(?![\w'’-])"
)
_EN_MONTH_SHORT: Final = (
    rf"(?<![\w'’-])(?:{'|'.join(_MONTHS_EN_SHORT)}|{'|'.join(m.upper() for m in _MONTHS_EN_SHORT)})"
    r"\.?(?![\w'’-])"
)
# Not right after a three-letter month and a space (a look-behind has one width).
_NOT_AFTER_A_MONTH: Final = (
    rf"(?<!(?:{'|'.join(m for m in (*_MONTHS_EN_SHORT, 'May') if len(m) == 3)})[ \t])"
)
# The same after a dash too: "mid-Feb", "end-Jan".
_EN_MONTH_SHORT_AFTER_A_DASH: Final = _EN_MONTH_SHORT.replace("(?<![\\w'’-])", "(?<![\\w'’])", 1)
_ORDINAL: Final = r"(?:st|nd|rd|th|ST|ND|RD|TH)"
# "the 4th floor", "the 5th metatarsal": an ordinal followed by a noun is not a day.
_NO_NOUN_AFTER: Final = (
    r"(?![ \t]+(?!(?:of|at|and|to|in|or|when|for|until|till|but|so|as|then|we|she|he|they"
    r"|i|pm|am|with|by|on|is|was|will|if|unless|after|before|because|whether|then|via|per"
    r"|re)\b)[a-z])"
)
_SEASON_YEAR: Final = (
    r"(?<![\w-])(?i:printemps|été|ete|automne|hiver|spring|summer|autumn|fall|winter"
    # A feast and its year: "since Xmas 2023", "Pâques 2022".
    r"|christmas|xmas|easter|noël|noel|pâques|paques|toussaint|thanksgiving|ramadan|diwali)"
    rf"{_S}+(?:\d\d\d\d)(?!\d)"
)
_NAMED_DAYS: Final = (
    r"(?<![\w-])(?:Boxing Day|Christmas(?: Day| Eve)?|Xmas(?: [Dd]ay| [Ee]ve)?"
    r"|New Year['’]s(?: Day| Eve)"
    r"|Easter(?: Sunday| Monday)?|Good Friday|Thanksgiving(?: Day)?)(?![\w-])"
)


_NEXT_IN_LIST: Final = re.compile(
    rf"[ \t]*(?:,|;|&|et|and|au|to|-|–|/)[ \t]*(?P<value>{_DAY_MONTH}"
    # "Feb 19-Feb 23": a month and its day after another.
    rf"|{_EN_MONTH_SHORT_AFTER_A_DASH}{_S}*{_DAY}{_ORDINAL}?(?![\w/.,:]\d|\w)"
    rf"|{_DAY}(?=[ \t]*(?:,|et|and|au|to)[ \t]*{_DAY}[/.])"
    # "le 7 et 8", "on the 3rd and 4th": a day alone that ends the clause.
    rf"|{_DAY}{_ORDINAL}?(?=[ \t]*(?:$|[.;)]|,[ \t]|\n)))",
    re.MULTILINE,
)


# "du 3 au 5 jours" (not "RDV du 19 à 14h": "à" then a number is a time).
_RANGE_THEN_UNIT: Final = re.compile(r"[ \t]*(?:au|-|–|to)[ \t]*\d{1,3}")
_FRACTION: Final = re.compile(r"(\d{1,2})/(\d{1,2})")
_FRACTION_AFTER: Final = re.compile(
    r"[ \t]+(?i:du|de|des|d['’]|of|dose|doses|tab|tabs|tablet|cp|comprimés?|gélules?|amp)\b"
)
_TIME_OF_DAY_AFTER: Final = re.compile(r"[ \t]+(?:AM|PM|am|pm)\b")
MAX_DOSE_DENOMINATOR: Final = 4
_WEEKDAY_BEFORE: Final = re.compile(rf"{_WEEKDAY}[ \t]+$")
# A table column of dates ("Date", "Jour", "Date de prélèvement") and a day and month in
# one of its cells.
_DATE_HEADER: Final = re.compile(r"(?i:dates?|jour|day|date[ \t]+(?:de|du|of)[ \t]+[\w ]{2,20})")
_DATE_CELL: Final = re.compile(
    r"[ \t]*(?P<value>(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|[12]\d|3[01])(?:[/.-]\d{2,4})?)[ \t]*"
)
_NUMERIC_PAIR: Final = led_by_first_characters(
    re.compile(rf"(?<![\w/.,-])({_DAY}|{_MONTH_NUM})/({_DAY}|{_MONTH_NUM})(?![\w/]|[.,]\d)")
)
MIN_DATES_FOR_LIKENESS: Final = 2
# Dates with their year count as evidence too: a note that writes "03/14/2024" writes its
# other dates the same way.
_FULL_NUMERIC_DATE: Final = re.compile(
    r"(?<![\w/.])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d\d)(?![\w/])"
)
# "6/10", "4/5", "2/3": scores, power grades and fractions, never taken by likeness. Out
# of twenty or thirty, a score is written after its name ("MMSE 22/30"), caught above.
_SCALE_DENOMINATORS: Final = frozenset({2, 3, 4, 5, 6, 8, 10})
_RANGE_SECOND_PAIR: Final = re.compile(r"[ \t]*[-–][ \t]*(\d{1,2})/(\d{1,2})(?![\d/])")


# British clinical shorthand for durations: "5/7" five days, "3/12" three months, "2/52" two
# weeks ("Prednisolone 50 mg OD 10/7", "ache 2/7 before onset", "-2 kg in 1/12"); "24/7".
_DURATION_VALUE: Final = re.compile(r"(?:\d{1,2}/(?:7|12|52)|24/7)")
_DURATION_BEFORE: Final = re.compile(
    r"(?i:\b(?:in|for|x|over|past|last|within|od|bd|tds|qds|om|nocte|daily|since)[ \t]*)$"
)
_DURATION_AFTER: Final = re.compile(
    r"[ \t]*(?i:ago|hx|history|hist|post|before|after|prior|duration|of|course)\b"
)


def _is_duration(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    if not _DURATION_VALUE.fullmatch(value):
        return False
    if value == "24/7" or value.endswith("/52"):
        return True
    return (
        _DURATION_BEFORE.search(text, max(0, start - 12), start) is not None
        or _DURATION_AFTER.match(text, end) is not None
    )


def _pattern(name: str, body: str, score: float) -> ValuePattern:
    return ValuePattern(name, re.compile(body), score)


def _after(name: str, body: str, before: str, score: float) -> ValuePattern:
    """A pattern led by its value, kept only after the context `before` (see
    `ValuePattern.before`: the same matches, several times faster)."""
    return ValuePattern(name, re.compile(body), score, before=re.compile(before))


class ShortDateRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "DATE"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        # "du 3-4 mars", "3–4 March 2024": two days and their month, one date (first, so
        # that the days are not found alone and the second one left).
        _pattern(
            "range of days before a month",
            rf"(?<![\w/.,-])(?P<value>{_DAY}(?:er)?{_S}*[-–]{_S}*{_DAY}(?:er|{_ORDINAL})?{_S}+"
            rf"(?:{_FR_MONTH}|{_EN_MONTH})(?:{_S}+{_YEAR4})?)",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day, abbreviated month and two-digit year",
            # Not after a month: "Feb 19-Feb 23" is a range of two days, not 19 Feb 2023.
            rf"(?<![\w/.,-]){_NOT_AFTER_A_MONTH}"
            rf"(?P<value>{_DAY}[- ](?:{'|'.join(_MONTHS_EN_SHORT)}"
            rf"|{'|'.join(m.upper() for m in _MONTHS_EN_SHORT)})[- ]\d\d)(?![\w/.-]\d|\d)",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day and abbreviated english month",
            rf"(?<![\w/.,-])(?P<value>{_DAY}{_ORDINAL}?(?:[ \t]+of)?[ \t]+"
            rf"(?:{_EN_MONTH_SHORT}|{_EN_MONTH}))",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "abbreviated english month and day",
            rf"(?P<value>{_EN_MONTH_SHORT}{_S}*{_DAY}{_ORDINAL}?)(?![\w/.,:]\d|\w)",
            DAY_MONTH_SCORE,
        ),
        # "March 5th", "January 12": a month written whole, then its day.
        _pattern(
            "english month and day",
            rf"(?P<value>{_EN_MONTH}{_S}+{_DAY}{_ORDINAL}?)(?![\w/.,:]\d|\w)",
            DAY_MONTH_SCORE,
        ),
        # "since Sun (12th)": a day in brackets after its weekday.
        _pattern(
            "day in brackets after a weekday",
            rf"{_WEEKDAY}{_S}*\({_S}*(?P<value>{_DAY}{_ORDINAL}?){_S}*\)",
            DAY_ALONE_SCORE,
        ),
        _pattern(
            "day, month and two-digit year with dashes or dots",
            rf"(?<![\w/.,-])(?P<value>{_DAY}(?P<sep>[-.]){_MONTH_NUM}(?P=sep)\d\d)(?![\w/.,-]\d|\d)",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "numeric month and year",
            rf"(?<![\w/.,-])(?P<value>{_MONTH_NUM}[/.-]{_YEAR4})(?![\w/.-]\d|\d)",
            MONTH_YEAR_SCORE,
        ),
        _pattern(
            "birth year",
            # "née en 1929", "née MOREAU en 1929" (her birth name between).
            r"(?i:\b(?:n[ée]e?(?:\(e\))?(?-i:[ \t]+[A-ZÀ-Ý][A-ZÀ-Ý'’-]+)?|born(?:[ \t]+in)?"
            r"|year[ \t]+of[ \t]+birth|ann[ée]e"
            # "DOB / age: 1957 (67)": a form's joint field.
            r"[ \t]+de[ \t]+naissance|dob(?:[ \t]*/[ \t]*age)?)[ \t:]*(?:en[ \t]+)?)"
            rf"(?P<value>{_YEAR4})(?!\d)",
            BIRTH_YEAR_SCORE,
        ),
        _after(
            "day and month after a date word or a weekday",
            # "expected ~3/6": about that day.
            rf"(?<=[ \t\u00a0.~])(?P<value>{_DAY_MONTH})",
            rf"(?:{_CONTEXT_WORD}|{_WEEKDAY}):?{_S}*(?:the{_S}+)?~?$",
            DAY_MONTH_SCORE,
        ),
        _after(
            "day and month with a dot after a weekday or a date word",
            rf"(?<=[ \t\u00a0.])(?P<value>{_DAY}\.{_MONTH_NUM})(?![\d/]|\.\d|,\d)",
            # Only words of a plan: "today 2.6" is a value (INR), "Review 22.3" a date.
            rf"(?:{_WEEKDAY}|\b(?i:review|due|appt|appointment|booked|scheduled|until|till"
            rf"|dated|rdv|revu|revoir|contr[ôo]le)){_S}*$",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day and month opening a line or in a table cell",
            rf"(?:(?m:^)[ \t>*•·–-]*|\|[ \t]*|\([ \t]*)(?P<value>{_DAY_MONTH})"
            rf"(?=[ \t]*(?:$|\||\)|[–—:-]|\d{{1,2}}[h:]|{_S}(?:à|at|au|to|-)\b)|[ \t]+[a-zà-ÿ])",
            DAY_MONTH_SCORE,
        ),
        # A log's entry opened by its day and month with a dash: "06-11 – mail au Dr X".
        _pattern(
            "day and month with a dash opening a line before a dash",
            rf"(?m:^)[ \t>*•·]*(?P<value>{_DAY}-{_MONTH_NUM})(?=[ \t]+[–—-][ \t]|[ \t]*:[ \t])",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day and month before a time",
            rf"(?<![\w/.,-])(?P<value>{_DAY_MONTH})(?=[ \t]+(?:(?:at|@|à)[ \t]*)?"
            rf"(?:\d{{1,2}}[:h.]\d\d|\d{{4}}(?![/\d])"
            # "Lovenox 4/4 AM": the morning of that day.
            rf"|\d{{1,2}}[ \t]?(?:AM|PM|am|pm|h\b)|(?:AM|PM)\b))",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day and month closing a parenthesis or before a colon",
            rf"(?:,[ \t]*|\b[A-Z]{{2,5}}[ \t]+)(?P<value>{_DAY_MONTH})(?=[ \t]*[):])",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "day range across a slash before a month",
            rf"(?<![\w/.,-])(?P<value>{_DAY}/{_DAY}[ \t]+"
            rf"(?:{_EN_MONTH_SHORT}|{_EN_MONTH}|{_FR_MONTH}))",
            DAY_MONTH_SCORE,
        ),
        # "2/6-2/9", "12/3 - 15/3": a range of two day/month pairs (the second is taken as
        # listed after the first); a range of scores ("6/10-8/10") is left (`analyze`).
        _pattern(
            "day and month opening a range of two",
            rf"(?<![\w/.,-])(?P<value>{_DAY_MONTH})(?=[ \t]*[-–][ \t]*{_DAY_MONTH})",
            DAY_MONTH_SCORE,
        ),
        # "DOS: 041124", "Date of service 04112024": a compact US date after its label.
        _pattern(
            "compact month, day and year after a date-of-service label",
            r"(?:\b(?:DOS|D\.O\.S\.|(?i:date[ \t]+of[ \t]+service)))[ \t]*[:#]?[ \t]*"
            r"(?P<value>(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d\d){1,2})(?!\d)",
            DAY_MONTH_SCORE,
        ),
        _pattern(
            "zero-padded day and month",
            rf"(?<![\w/.,-])(?P<value>{_PADDED_DAY_MONTH})",
            DAY_MONTH_SCORE,
        ),
        _after(
            "us month and day after a date word",
            rf"(?<=[ \t\u00a0])(?P<value>{_US_MONTH_DAY})",
            rf"(?:{_WEEKDAY}|\b(?:on|On|ON|dated|from|until|since|by)){_S}+$",
            DAY_MONTH_SCORE,
        ),
        _after(
            "day alone after a date word",
            rf"(?<=[ \t\u00a0])(?P<value>{_DAY}(?:er)?)(?![\w/.,:-]\d|[\w/]|-\w)",
            rf"(?:{_FR_CONTEXT_WORD}|{_WEEKDAY}){_S}+$",
            DAY_ALONE_SCORE,
        ),
        _after(
            "ordinal day after a date word",
            rf"(?<=[ \t\u00a0])(?P<value>{_DAY}{_ORDINAL})(?!\w){_NO_NOUN_AFTER}",
            rf"(?:{_CONTEXT_WORD}|{_WEEKDAY}){_S}+(?:the{_S}+)?$",
            DAY_ALONE_SCORE,
        ),
        _after(
            "ordinal day after 'the'",
            rf"(?<=[ \t\u00a0])(?P<value>{_DAY}{_ORDINAL})(?![\w]){_NO_NOUN_AFTER}",
            rf"\b(?i:the){_S}+$",
            DAY_ALONE_SCORE,
        ),
        _after(
            "day range",
            rf"(?<=[ \t\u00a0])(?P<value>{_DAY})"
            rf"(?={_S}*(?:au|à|-|–|to|and|et){_S}*{_DAY}(?:[/.]{_MONTH_NUM}|{_S}+[^\W\d_]))",
            rf"(?:{_CONTEXT_WORD}){_S}+$",
            DAY_ALONE_SCORE,
        ),
        # "Dates du bilan : 4 et 11/12/2024", "Assessed: 4th & 11th March 2025": a day alone
        # before the date that gives its month.
        _pattern(
            "day before another date",
            rf"(?<![\w/.,:-])(?P<value>{_DAY}(?:er|{_ORDINAL})?)(?=[ \t]*(?:et|and|&)[ \t]*{_DAY}"
            rf"(?:[/.]{_MONTH_NUM}(?![\d.,]\d)|{_ORDINAL}?[ \t]+(?:{_EN_MONTH}|{_FR_MONTH})))",
            DAY_ALONE_SCORE,
        ),
        # "overnight 15th/16th": a night's two days ("L 3rd/4th fingernails" are digits).
        _after(
            "two ordinal days of a night",
            rf"(?<![\w/.-])(?P<value>{_DAY}{_ORDINAL}/{_DAY}{_ORDINAL})(?![\w/])",
            r"\b(?i:overnight|night|nights|weekend|nuit|week-end)"
            r"(?:[ \t]+of(?:[ \t]+the)?)?[ \t]+$",
            DAY_ALONE_SCORE,
        ),
        _pattern(
            "english month and short year",
            rf"(?P<value>(?:{_EN_MONTH_SHORT}|{_EN_MONTH})[ \t]*['’]\d\d)(?!\d)",
            MONTH_YEAR_SCORE,
        ),
        _pattern("french month", rf"(?P<value>{_FR_MONTH}(?:{_S}+{_YEAR4})?)", MONTH_ALONE_SCORE),
        _pattern(
            "french abbreviated month",
            rf"(?<![\w-])(?P<value>(?i:{'|'.join(_MONTHS_FR_SHORT)})(?:{_S}*{_YEAR4})?)",
            MONTH_ALONE_SCORE,
        ),
        _pattern(
            "english month", rf"(?P<value>{_EN_MONTH}(?:,?{_S}+{_YEAR4})?)", MONTH_ALONE_SCORE
        ),
        # "May" only where it cannot be the verb: "May 21", "in May", "May 2023", "14 May",
        # "mid-May"; with its day first ("since May 21" is the whole date).
        _pattern(
            "may, before a number",
            rf"(?<![\w'’-])(?P<value>(?:May|MAY)[ \t]+{_DAY}{_ORDINAL}?"
            rf"(?:,?[ \t]+{_YEAR4})?)(?!\d)",
            MONTH_ALONE_SCORE,
        ),
        _after(
            "may, after a preposition",
            r"(?P<value>May|MAY)(?![\w'’-])",
            r"\b(?i:in|of|early|late|mid|end|since|until|by|from|last|next|this)[ \t-]$",
            MONTH_ALONE_SCORE,
        ),
        # "since Feb", "in Sept", "mid-Jan": an abbreviated month for a specific time.
        _after(
            "abbreviated english month after a preposition",
            rf"(?P<value>{_EN_MONTH_SHORT_AFTER_A_DASH})",
            r"\b(?i:in|since|from|until|till|by|early|late|mid|end[ \t]+of|last|next|this)[ \t-]$",
            MONTH_ALONE_SCORE,
        ),
        _pattern("season and year", rf"(?P<value>{_SEASON_YEAR})", MONTH_YEAR_SCORE),
        _pattern("named day of the year", rf"(?P<value>{_NAMED_DAYS})", DAY_ALONE_SCORE),
    )

    def analyze(self, text, entities, nlp_artifacts=None):
        results = [
            result
            for result in super().analyze(text, entities, nlp_artifacts)
            if not self._is_measure(text, result.start, result.end)
            and not self._is_score_range(text, result.start, result.end)
        ]
        results += self._listed_after(text, results)
        results += self._like_the_others(text, results)
        if "|" in text or "\t" in text:
            # "Cycle | Date | ANC" then "C1 | 1/6 | 4.1": a date column's day and month.
            for start, end, _ in column_cells(text, _DATE_HEADER, _DATE_CELL):
                if not overlaps_any(results, start, end):
                    results.append(self.result(start, end, DATE_COLUMN_SCORE))
        for result in results:
            # "Fri 1/26", "lundi 13/01": the weekday goes with its date.
            weekday = _WEEKDAY_BEFORE.search(text, max(0, result.start - 12), result.start)
            if weekday is not None:
                result.start = weekday.start()
        return results

    def _like_the_others(self, text: str, found: list) -> list:
        """In a note that already wrote two numeric dates, another day/month pair is a date
        too ("Lovenox 4/9", "warfarin 4/2"), unless it reads as a score or a dose."""
        numeric = [r for r in found if _NUMERIC_PAIR.fullmatch(text[r.start : r.end])]
        full_dates = _FULL_NUMERIC_DATE.findall(text)
        if len(numeric) + len(full_dates) < MIN_DATES_FOR_LIKENESS:
            return []
        taken = [(r.start, r.end) for r in found]
        extra = []
        for match in _NUMERIC_PAIR.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            first, second = int(match.group(1)), int(match.group(2))
            if min(first, second) > MAX_MONTH:  # "26/30", "20/20": no month in it
                continue
            if second in _SCALE_DENOMINATORS and first <= second:
                continue
            if self._is_measure(text, start, end) or _UNIT_AFTER.match(text, end):
                continue
            extra.append(self.result(start, end, DAY_MONTH_SCORE))
        return extra

    def _listed_after(self, text: str, found: list) -> list:
        """Dates listed after a date: "visites le 12/8, 20/8, 2/9 et ce jour"."""
        extra = []
        ends = sorted(result.end for result in found)
        taken = {(result.start, result.end) for result in found}
        while ends:
            match = _NEXT_IN_LIST.match(text, ends.pop(0))
            if match is None or (match.start("value"), match.end("value")) in taken:
                continue
            start, end = match.span("value")
            taken.add((start, end))
            extra.append(self.result(start, end, DAY_MONTH_SCORE))
            ends.append(end)
        return extra

    @staticmethod
    def _is_score_range(text: str, start: int, end: int) -> bool:
        """ "6/10-8/10", "3/5 - 4/5": two scores out of the same scale, not two dates."""
        first = _FRACTION.fullmatch(text[start:end])
        second = _RANGE_SECOND_PAIR.match(text, end)
        if first is None or second is None:
            return False
        a, b = int(first.group(1)), int(first.group(2))
        c, d = int(second.group(1)), int(second.group(2))
        return b == d and b in _SCALE_DENOMINATORS and a <= b and c <= d

    @staticmethod
    def _is_measure(text: str, start: int, end: int) -> bool:
        value = text[start:end]
        if any(character.isalpha() for character in value):  # "MARS 2023" is no measure
            return False
        if _is_duration(text, start, end):
            return True
        fraction = _FRACTION.fullmatch(value)
        if (
            fraction
            and int(fraction.group(1)) < int(fraction.group(2))
            and _FRACTION_AFTER.match(text, end)
        ):
            return True  # "3/4 du repas", "1/2 tab"
        if (
            fraction
            and int(fraction.group(1)) < int(fraction.group(2)) <= MAX_DOSE_DENOMINATOR
            and _TIME_OF_DAY_AFTER.match(text, end)
        ):
            return True  # "1/2 AM": half a tablet in the morning
        if _MEASURE_BEFORE.search(text, max(0, start - 25), start):
            return True
        # A number followed by a unit is a quantity ("le 12 mg", "du 3 au 5 jours",
        # "started 2.5 mg").
        if re.fullmatch(r"\d{1,2}\.\d{1,2}", value) and _UNIT_AFTER.match(text, end):
            return True
        if not value.isdigit():
            return False
        if _UNIT_AFTER.match(text, end) is not None:
            return True
        quantity_range = _RANGE_THEN_UNIT.match(text, end)
        return (
            quantity_range is not None and _UNIT_AFTER.match(text, quantity_range.end()) is not None
        )
