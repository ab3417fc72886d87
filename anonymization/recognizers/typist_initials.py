"""The initials a typist, a secretary or a reporter leaves at the end of a report's line:
"Typed 13/08/2024 jh", "one cassette per container (A1-G1). tlb", "mkj 5/6/24", and the
reporter's with them in brackets: "(JLW / mk)"; the author's and typist's in a letter's
reference ("Réf. : SLG/MK", "N/Réf : MIT/LH/FB", where three groups start with the
department's, "Réf. interne VAS/FK"); who typed a letter ("frappé le 23/10 par C.L."); and
the login a print-out's header names ("Utilisateur : lgoarnisson", "Printed by: jsmith2").
A table's column of initials is read by `person_tables`.

Two or three lower-case letters are initials when they stand alone at the end of a line,
right after a date, a number or a finished sentence, or before a date that ends the line,
and are no word, unit, dose or clinical abbreviation ("at 10 am", "20 mg bd", "2 cp",
"Sat 96% ra" are not initials).
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.lexicons import common_words, drug_vocabulary
from anonymization.recognizers.person_words import is_acronym, is_stopword

_AT_LINE_END: Final = re.compile(
    r"(?:(?<=[.;)])|(?<=\d))[ \t]+(?P<value>[a-z]{2,3})[ \t]*$", re.MULTILINE
)
_BEFORE_A_DATE: Final = re.compile(
    r"(?:^[ \t]*|(?<=[.;)])[ \t]+)(?P<value>[a-z]{2,3})[ \t]+\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?"
    r"[ \t]*$",
    re.MULTILINE,
)
# Who cut and who typed, in brackets after a pathology report's paragraph: "(JLW / mk)".
_AUTHOR_AND_TYPIST: Final = re.compile(
    r"\((?P<author>[A-Z]{2,4})[ \t]*/[ \t]*(?P<value>[a-z]{2,3})\)"
)
# "Réf. : SLG/MK", "N/Réf : MIT/LH/FB - IPP …", "Our ref: JT/ab".
_REFERENCE: Final = re.compile(
    r"(?:\b[NV]/[ \t]?R[ée]f|\bR[ée]f(?:[ée]rences?)?|\b(?:Our|Your)[ \t]+ref|\bRef)\.?"
    # "Réf. interne VAS/FK": a qualifier stands for the colon.
    r"(?:[ \t]*:|[ \t]+(?:internes?|internal|externes?)[ \t]*:?)"
    r"[ \t]*(?P<chain>[A-Za-z]{2,8}(?:[ \t]*/[ \t]*[A-Za-z]{2,4})+)(?![\w/])",
    re.IGNORECASE,
)
_REFERENCE_GROUP: Final = re.compile(r"[A-Za-z]{2,8}")
# "frappé le 23/10/2024 par C.L.", "typed 12/3 by J.K.": who typed, as dotted initials.
_TYPED_BY: Final = re.compile(
    r"(?i:frapp[ée]e?|dactylographi[ée]e?|tap[ée]e?|typed|transcribed)\b[^\n]{0,25}?"
    r"\b(?i:par|by)[ \t]+(?P<value>(?:[A-Z]\.-?){2,3})(?![\w])"
)
_LOGIN: Final = re.compile(
    r"(?i:utilisateur|user(?:name)?|login|identifiant|op[ée]rat(?:eur|or)|imprim[ée][ \t]+par"
    r"|printed[ \t]+by|edited[ \t]+by|saisie?[ \t]+par)[ \t]*:[ \t]*"
    r"(?P<value>[a-z][a-z0-9._-]{2,30}[a-z0-9])(?![\w@.-])"
)
_LOGIN_LABELS: Final = (
    "utilisateur", "user", "login", "identifiant", "opérat", "operat", "imprimé", "imprime",
    "printed", "edited", "saisi",
)  # fmt: skip
# Units, times, doses, routes and frequencies written in lower case after a number.
NOT_INITIALS: Final = frozenset(
    (
        "am", "pm", "hrs", "hr", "min", "mins", "mn", "sec", "yrs", "yr", "yo", "wks", "wk",
        "mo", "mos", "kg", "mg", "ml", "cm", "mm", "mcg", "ug", "iu", "ui", "mui", "ra", "od",
        "bd", "tds", "qds", "prn", "qid", "tid", "bid", "qd", "qhs", "nad", "sc", "iv", "im",
        "po", "pr", "sl", "neb", "inh", "top", "bpm", "nil", "tbc", "tba", "etc", "ok", "wnl",
        "cp", "cps", "gel", "amp", "gtt", "cpr", "sach", "sup", "inj", "tab", "cap", "caps",
        "lpm", "kpa", "ans", "mois", "jrs", "sem", "env", "max", "avg", "mmol", "fyi", "pls",
        "plz", "thx", "tho", "lol", "np", "ty", "asap", "btw", "tbh", "imo", "eta", "obs",
    )
)  # fmt: skip


def is_initials(word: str) -> bool:
    lowered = word.lower()
    return not (
        lowered in NOT_INITIALS
        or is_stopword(word)
        or is_acronym(word)
        or lowered in common_words("en")
        or lowered in common_words("fr")
        or lowered in drug_vocabulary()
    )


def typist_initials(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each typist's or reporter's initials in `text`."""
    found = []
    for pattern in (_AT_LINE_END, _BEFORE_A_DATE):
        for match in pattern.finditer(text):
            if is_initials(match.group("value")):
                found.append(match.span("value"))
    for match in _AUTHOR_AND_TYPIST.finditer(text):
        # The brackets say what they are: only a unit or a dose is refused ("(IV / im)").
        if match.group("value") not in NOT_INITIALS and not is_acronym(match.group("author")):
            found += [match.span("author"), match.span("value")]
    lowered = text.lower()
    # Cheap first tests: the labels' letters, in C, before any case-insensitive scan.
    if any(label in lowered for label in _LOGIN_LABELS):
        found += _logins(text)
    if "ref" in lowered or "réf" in lowered:
        found += _reference_initials(text)
    if "par" in lowered or "by" in lowered:
        found += [match.span("value") for match in _TYPED_BY.finditer(text)]
    return found


def _logins(text: str) -> list[tuple[int, int]]:
    return [
        match.span("value")
        for match in _LOGIN.finditer(text)
        if match.group("value") not in common_words("en")
        and match.group("value") not in common_words("fr")
        and not is_acronym(match.group("value"))
    ]


def _reference_initials(text: str) -> list[tuple[int, int]]:
    found = []
    for match in _REFERENCE.finditer(text):
        groups = list(_REFERENCE_GROUP.finditer(text, *match.span("chain")))
        if len(groups) >= 3 or len(groups[0].group()) > 4:
            groups = groups[1:]  # "MIT/LH/FB": the department, then who wrote and typed
        found += [group.span() for group in groups if group.group().lower() not in NOT_INITIALS]
    return found
