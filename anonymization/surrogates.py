"""Surrogates instead of tags: what the scrubber found, replaced by realistic fakes.

- A name becomes a fake name, the same one every time for the same patient ("Yvonne
  LAPIERRE" → "Gisèle MORVAN" in all of that patient's notes, "Mme Lapierre" → "Mme
  Morvan"), drawn from the lexicons by a keyed hash: without the project key nobody can
  tell which real name a surrogate stands for, and a name the scrubber missed hides
  among surrogates ("hiding in plain sight").
- A birth date becomes `<DATE>`: even shifted, a day-precise birth date says more than
  the age band the release gate allows in the structured tables.
- Any other date moves by the patient's own date shift, the one applied to the structured tables,
  so the note's timeline still matches its encounters; it keeps its written form ("le
  3/1" stays a day and a month, "12 mars 2024" stays written out). A date the parser
  cannot place, or a year alone, becomes `<DATE>`.
- An age of 90 or more becomes "90+".
- Everything else (ids, contacts, places, establishments) becomes its `<TYPE>` tag.

Pure functions: the caller passes each text's `PatientContext`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Final

from anonymization.lexicons import lexicon

SURROGATE_CONTEXT: Final = b"sovex/surrogate/v1/"
GREAT_AGE_SURROGATE: Final = "90+"
# Without a reference date, a date without its year is placed in this (leap) year.
FALLBACK_YEAR: Final = 2000
TWO_DIGIT_PIVOT: Final = 30  # "24" → 2024, "31" → 1931
MAX_MONTH: Final = 12


@dataclass(frozen=True)
class PatientContext:
    secret: bytes  # keyed per project and patient (`patient_secret`); never published
    shift_days: int  # the patient's date shift, as in the structured tables
    reference: date | None = None  # the note's own (unshifted) date, for years left out


@dataclass(frozen=True)
class Replacement:
    start: int  # offsets into the *output* text
    end: int
    type: str
    surrogate: bool  # True: a realistic fake (name, date, age); False: a `<TYPE>` tag


def patient_secret(project_key: bytes, pseudonym: str) -> bytes:
    """The per-patient key surrogates are drawn with (from the project key: a surrogate
    cannot be traced back to a real name without it)."""
    return hmac.digest(project_key, SURROGATE_CONTEXT + pseudonym.encode(), "sha256")


def _pick(secret: bytes, purpose: str, value: str, choices: Sequence[str]) -> str:
    digest = hmac.digest(secret, f"{purpose}\x00{value}".encode(), "sha256")
    return choices[int.from_bytes(digest[:8], "big") % len(choices)]


@cache
def _name_choices(kind: str, language: str) -> tuple[str, ...]:
    """Plain names only (no space, hyphen or apostrophe): they read as one word."""
    lex = lexicon(kind, language)
    return tuple(
        name
        for name, weight in zip(lex.names, lex.weights, strict=True)
        if name.isalpha() and (weight >= 5 or language == "en") and name.lower() in lex.unambiguous
    )


def same_case(model: str, value: str) -> str:
    """`value` cased as `model` is: capitals, lower case, or a capital first."""
    if model.isupper() and len(model) > 1:
        return value.upper()
    if model.islower():
        return value.lower()
    return value[:1].upper() + value[1:].lower()


# Kept as written: "Le Gall" → "Le Morvan", "de La Tour" → "de La Garde", "Abu Bakr" → "Abu
# Karim" (also by the training variants of `ner.handwritten`).
PARTICLES: Final = frozenset(
    ("de", "du", "des", "d", "le", "la", "les", "l", "van", "von", "der", "den", "da", "das",
     "do", "dos", "di", "del", "della", "ben", "bin", "ibn", "abu", "el", "al", "ter", "ten",
     "mc", "mac", "st", "saint")
)  # fmt: skip
# "HADDAD épouse FERREIRA": what joins a birth name and a married name stays as written.
MARITAL_WORDS: Final = frozenset(("épouse", "epouse", "née", "nee", "veuve", "vve", "divorcée"))
# A name's words, and Malaysian "a/p", "a/l" (daughter, son of) read whole: they stay as
# particles do, rather than becoming two initials.
_NAME_PART: Final = re.compile(r"(?<![\w/])[aA]/[pPlL](?![\w/])|[^\W\d_]+(?:['’][^\W\d_]+)*")
_INITIAL: Final = re.compile(r"[^\W\d_]\.?")
# What an initial becomes (no I, O, Q, U, X, Y, Z: letters few names start with).
INITIAL_LETTERS: Final = "ABCDEFGHJKLMNPRSTVW"


def surrogate_name(span: str, language: str, secret: bytes) -> str:
    """Each word of a name replaced by a fake given name or surname, keyed on the word,
    so a name keeps its surrogate wherever and however it is written."""
    first_names = lexicon("first_names", language).lower

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        lowered = word.lower()
        if lowered in PARTICLES or lowered in MARITAL_WORDS or "/" in word:
            return word
        if len(word) == 1 or (len(word) == 2 and word.endswith(".")):
            others = [letter for letter in INITIAL_LETTERS if letter != word[0].upper()]
            return _pick(secret, "initial", lowered, others)
        kind = "first_names" if lowered in first_names else "surnames"
        choices = _name_choices(kind, language)
        fake = _pick(secret, kind, lowered, choices)
        if fake.lower() == lowered:
            fake = _pick(secret, kind + "+", lowered, choices)
        return same_case(word, fake)

    return _NAME_PART.sub(replace, span)


# --- dates ---------------------------------------------------------------------------

FR_MONTHS: Final = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
EN_MONTHS: Final = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_INDEX: Final = {
    **{name: i for i, name in enumerate(FR_MONTHS, start=1)},
    **{name: i for i, name in enumerate(EN_MONTHS, start=1)},
    "fevrier": 2, "aout": 8, "decembre": 12, "janv": 1, "févr": 2, "fevr": 2, "fév": 2,
    "fev": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "déc": 12, "dec": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
}  # fmt: skip
# The usual abbreviations, without their dot (the original's dot is written back).
FR_ABBREVIATIONS: Final = {
    1: "janv", 2: "févr", 3: "mars", 4: "avr", 5: "mai", 6: "juin", 7: "juil", 8: "août",
    9: "sept", 10: "oct", 11: "nov", 12: "déc",
}  # fmt: skip
EN_SHORT: Final = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
EN_ABBREVIATIONS: Final = {
    1: "jan", 2: "feb", 3: "mar", 4: "apr", 5: "may", 6: "june", 7: "july", 8: "aug",
    9: "sept", 10: "oct", 11: "nov", 12: "dec",
}  # fmt: skip
_MONTH_WORD: Final = r"(?P<month>[^\W\d_]+)\.?"
_ORD: Final = r"(?P<ord>er|st|nd|rd|th|ST|ND|RD|TH)?"
_FORMS: Final = (
    ("dmy", re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})")),
    ("iso", re.compile(r"(?P<year>\d{4})-(?P<b>\d{1,2})-(?P<a>\d{1,2})")),
    ("dm", re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})")),
    ("my", re.compile(r"(?P<b>\d{1,2})(?P<sep>[/.-])(?P<year>\d{4})")),
    (
        "d-mon-y",
        re.compile(rf"(?P<a>\d{{1,2}})(?P<sep>[- ]){_MONTH_WORD}(?P=sep)(?P<year>\d{{2}})"),
    ),
    (
        "d month",
        re.compile(
            rf"(?P<a>\d{{1,2}}){_ORD}(?P<of>[ \t]+of)?[ \t]+{_MONTH_WORD}"
            rf"(?:,?[ \t]+(?P<year>\d{{4}}))?"
        ),
    ),
    (
        "month d",
        re.compile(rf"{_MONTH_WORD}[ \t]*(?P<a>\d{{1,2}}){_ORD}(?:,?[ \t]+(?P<year>\d{{4}}))?"),
    ),
    ("month", re.compile(rf"{_MONTH_WORD}(?:,?[ \t]+(?P<year>\d{{4}}))?")),
    ("day", re.compile(rf"(?P<a>\d{{1,2}}){_ORD}")),
)  # fmt: skip


def _full_year(text: str) -> int:
    value = int(text)
    if len(text) == 4:
        return value
    return 2000 + value if value < TWO_DIGIT_PIVOT else 1900 + value


def _month_name(number: int, model: str, language: str) -> str:
    """Month `number` named like `model`: the model's own language, full or abbreviated
    the usual way ("sept." → "oct.", "Jul" → "Aug"), same case."""
    bare = model.rstrip(".").lower()
    if bare in FR_MONTHS or bare in EN_MONTHS:
        names = EN_MONTHS if bare in EN_MONTHS and bare not in FR_MONTHS else FR_MONTHS
        if bare in EN_MONTHS and bare in FR_MONTHS:  # "mars"/"march" never collide; "mai"
            names = FR_MONTHS if language == "fr" else EN_MONTHS
        name = names[number - 1]
    elif bare in FR_ABBREVIATIONS.values() or (language == "fr" and bare not in EN_SHORT):
        name = FR_ABBREVIATIONS[number]
    else:
        name = EN_SHORT[number - 1] if len(bare) <= 3 else EN_ABBREVIATIONS[number]
    return same_case(model, name) if model[:1].isupper() else name


def _padded(value: int, model: str, padded_style: bool = False) -> str:
    """Two digits in a padded date ("03/12" → "03/01", "31/12/2023" → "01/01/2024"), or
    where the original field had a leading zero; else as few as needed ("3/1", "4 mars")."""
    return f"{value:02d}" if padded_style or model.startswith("0") else str(value)


def _closest_year(month: int, day: int, reference: date) -> date | None:
    best = None
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs(candidate - reference) < abs(best - reference):
            best = candidate
    return best


def shift_date_text(
    value: str, shift_days: int, reference: date | None, language: str, month_first: bool
) -> str | None:
    """The date written in `value`, moved by `shift_days` and written the same way; None
    when it cannot be placed (the caller writes `<DATE>`)."""
    reference = reference or date(FALLBACK_YEAR, 7, 1)
    for form, pattern in _FORMS:
        match = pattern.fullmatch(value.strip())
        if match is None:
            continue
        groups = match.groupdict()
        month_word = groups.get("month")
        if month_word is not None:
            month = _MONTH_INDEX.get(month_word.lower())
            if month is None:
                return None
        elif form in ("dmy", "dm"):
            first, second = int(groups["a"]), int(groups["b"])
            if (month_first and first <= MAX_MONTH) or second > MAX_MONTH >= first:
                groups["a"], groups["b"] = groups["b"], groups["a"]
            month = int(groups["b"])
        elif form in ("iso", "my"):
            month = int(groups["b"])
        else:
            month = reference.month
        day = int(groups["a"]) if groups.get("a") else 15
        try:
            if groups.get("year"):
                original: date | None = date(_full_year(groups["year"]), month, day)
            else:
                original = _closest_year(month, day, reference)
        except ValueError:
            return None
        if original is None:
            return None
        moved = original + timedelta(days=shift_days)
        return _render(form, match, groups, moved, language, month_first)
    return None


def _render(
    form: str,
    match: re.Match[str],
    groups: dict[str, str | None],
    moved: date,
    language: str,
    month_first: bool,
) -> str:
    a, b = groups.get("a") or "", groups.get("b") or ""
    year = groups.get("year") or ""
    year_text = str(moved.year) if len(year) == 4 else f"{moved.year % 100:02d}"
    # A numeric date is padded when a field has a leading zero, or when it has its full
    # year and two-digit day and month ("31/12/2023").
    numeric = form in ("dmy", "dm", "my", "iso")
    padded_style = numeric and (
        a.startswith("0") or b.startswith("0") or (len(year) == 4 and len(a) == len(b) == 2)
    )
    day_text = _padded(moved.day, a, padded_style)
    month_text = _padded(moved.month, b, padded_style)
    sep = groups.get("sep") or "/"
    if form in ("dmy", "dm"):
        swapped = match.group("a") != a
        first, second = (month_text, day_text) if swapped else (day_text, month_text)
        return f"{first}{sep}{second}{sep}{year_text}" if form == "dmy" else f"{first}{sep}{second}"
    if form == "iso":
        return f"{moved.year}-{moved.month:02d}-{moved.day:02d}"
    if form == "my":
        return f"{month_text}{sep}{moved.year}"
    month_model = groups.get("month") or ""
    month_name = _month_name(moved.month, month_model, language)
    dot = (
        "." if match.group(0).rstrip().endswith(".") or f"{month_model}." in match.group(0) else ""
    )
    ordinal = _ordinal(moved.day, groups.get("ord"), language)
    if form == "d-mon-y":
        return f"{day_text}{sep}{month_name}{sep}{year_text}"
    if form == "d month":
        of = groups.get("of") or ""
        text = f"{day_text}{ordinal}{of} {month_name}{dot}"
        return f"{text} {moved.year}" if year else text
    if form == "month d":
        text = f"{month_name}{dot} {day_text}{ordinal}"
        return (
            f"{text}, {moved.year}"
            if year and "," in match.group(0)
            else (f"{text} {moved.year}" if year else text)
        )
    if form == "month":
        return f"{month_name}{dot} {moved.year}" if year else f"{month_name}{dot}"
    return f"{day_text}{ordinal}"


def _ordinal(day: int, model: str | None, language: str) -> str:
    if not model:
        return ""
    if model.lower() == "er":
        return "er" if day == 1 else ""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if model.isupper() else suffix


_NUMERIC_DATE: Final = re.compile(r"(\d{1,2})[/.](\d{1,2})")


def month_first_order(text: str, date_spans: Sequence[tuple[int, int]], language: str) -> bool:
    """Are this text's numeric dates month first (US)? Decided by any date whose first
    number cannot be a month (then no) or whose second cannot (then yes); otherwise
    English texts are taken as US, French ones as day first."""
    for start, end in date_spans:
        match = _NUMERIC_DATE.match(text, start, end)
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > MAX_MONTH:
            return False
        if second > MAX_MONTH:
            return True
    return language == "en"


# A birth date stays a tag: shifted by a few months it would still say far more than the
# age band the release gate allows for the structured birth date.
_BIRTH_BEFORE: Final = re.compile(
    r"(?i:\bn[ée]e?(?:\(e\))?(?:[ \t]+le)?|\bddn|\bdate[ \t]+de[ \t]+naissance|\bdob|\bd\.o\.b\.?"
    r"|\bdate[ \t]+of[ \t]+birth|\bborn(?:[ \t]+on)?|\bbirth[ \t]*date)[ \t]*:?[ \t]*(?:le[ \t]+)?$"
)


def apply_surrogates(
    text: str,
    entities: Sequence[tuple[int, int, str]],
    language: str,
    patient: PatientContext,
) -> tuple[str, list[Replacement]]:
    """`text` with each (sorted, non-overlapping) entity replaced; the replacements'
    offsets refer to the output."""
    date_spans = [(s, e) for s, e, kind in entities if kind == "DATE"]
    month_first = month_first_order(text, date_spans, language)
    pieces: list[str] = []
    replacements: list[Replacement] = []
    position = 0
    length = 0
    for start, end, kind in entities:
        before = text[position:start]
        pieces.append(before)
        length += len(before)
        original = text[start:end]
        surrogate: str | None = None
        if kind == "PERSON":
            surrogate = surrogate_name(original, language, patient.secret)
        elif kind == "DATE" and not _BIRTH_BEFORE.search(text, max(0, start - 30), start):
            surrogate = shift_date_text(
                original, patient.shift_days, patient.reference, language, month_first
            )
        elif kind == "AGE":
            surrogate = GREAT_AGE_SURROGATE
        written = surrogate if surrogate is not None else f"<{kind}>"
        replacements.append(Replacement(length, length + len(written), kind, surrogate is not None))
        pieces.append(written)
        length += len(written)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), replacements
