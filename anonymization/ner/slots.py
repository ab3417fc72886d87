"""Fill `{SLOT}` templates into a `Writer`: entity slots become labelled pieces, the rest
plain text. The same slot key gives the same value throughout one document ("{PL}" is
the patient's surname everywhere), so a name comes back as it does in real notes;
unlabelled slots (dates, numbers, words) are drawn afresh each time.

Slot kinds (the key's letters before any digit):
- PERSON: `F` given name, `L` surname, `FL` full name (any order and casing), `I` an
  initial ("D."), `PF`/`PL` the patient's given name and surname, `DR` a doctor's name in
  any form (the title outside the span), `TL` a courtesy title then a name;
- LOCATION: `T` a town, `CP` a postcode; HOSPITAL: `H`; ORGANIZATION: `O`; ADDRESS: `A`;
- unlabelled: `PH` a medical phrase (ICD-10 label), `W` a run of common words, `D` a date,
  `TEL` a phone, `NUM` a record number, `DRUG`, `EPO` an eponym phrase, `SC` a score,
  `ACR` an acronym, `N` a small number, `AGE` an age, `HH` a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from random import Random

from anonymization.lexicons import training_text
from anonymization.ner import establishments, values
from anonymization.ner.writer import Writer

PERSON = "PERSON"
LOCATION = "LOCATION"
HOSPITAL = "HOSPITAL"
ORGANIZATION = "ORGANIZATION"
ADDRESS = "ADDRESS"
LABELS = (PERSON, LOCATION, HOSPITAL, ORGANIZATION, ADDRESS)

_SLOT = re.compile(r"\{([A-Z]+)(\d*)\}")

FR_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
FR_TITLES = ("Mme", "Madame", "M.", "Monsieur", "Mlle", "Mme", "Mr", "MME", "madame")
EN_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mr.", "Mrs.", "Ms.", "Mx")
FR_DOCTOR_TITLES = ("Dr", "Dr", "Dr.", "Docteur", "docteur", "Pr", "Professeur", "dr", "DR")
EN_DOCTOR_TITLES = ("Dr", "Dr", "Dr.", "Doctor", "Prof.", "Professor", "dr", "DR")


class DocumentValues:
    """One document's slot values, drawn once per key."""

    def __init__(self, rng: Random, language: str) -> None:
        self.rng = rng
        self.language = language
        self.values: dict[str, tuple[str, str | None]] = {}
        self.titled: dict[str, tuple[str, str]] = {}  # "DR1" → ("Dr", "Martin")
        # Per document: are surnames written in capitals (a French habit)?
        self.upper_surnames = rng.random() < (0.55 if language == "fr" else 0.15)

    def get(self, kind: str, key: str) -> tuple[str, str | None]:
        if kind in _PLAIN:
            # Unlabelled values are drawn afresh: a note repeats its names, not its words.
            return _PLAIN[kind](self.rng, self.language), None
        if key not in self.values:
            self.values[key] = self._draw(kind)
        return self.values[key]

    # -- names --------------------------------------------------------------------------

    def _surname(self) -> str:
        name = values.surname(self.rng, self.language)
        roll = self.rng.random()
        if (self.upper_surnames and roll < 0.8) or roll < 0.1:
            return name.upper()
        return name

    def _full_name(self) -> str:
        rng, lang = self.rng, self.language
        given, family = values.first_name(rng, lang), self._surname()
        roll = rng.random()
        if roll < 0.5:
            return f"{given} {family}"
        if roll < 0.75:
            return f"{family} {given}"
        if roll < 0.85:
            return f"{given[0]}. {family}"
        if roll < 0.92:
            return f"{family}, {given}"
        return f"{given} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {family}"

    def _draw(self, kind: str) -> tuple[str, str | None]:
        rng, lang = self.rng, self.language
        if kind in ("F", "PF"):
            return values.first_name(rng, lang), PERSON
        if kind in ("L", "PL"):
            return self._surname(), PERSON
        if kind == "FL":
            return self._full_name(), PERSON
        if kind == "I":
            return f"{rng.choice('ABCDEFGHIJKLMNOPRSTVWY')}.", PERSON
        if kind == "T":
            return values.cased(rng, values.place(rng, lang), upper=0.15, lower=0.05), LOCATION
        if kind == "CP":
            return (values.fr_postcode(rng) if lang == "fr" else _en_postcode(rng)), LOCATION
        if kind == "H":
            return establishments.hospital(rng, lang), HOSPITAL
        if kind == "O":
            return establishments.organization(rng, lang), ORGANIZATION
        if kind == "A":
            return establishments.street_address(rng, lang), ADDRESS
        plain = _PLAIN.get(kind)
        if plain is None:
            raise ValueError(f"unknown slot kind {kind!r}")
        return plain(rng, lang), None


def _en_postcode(rng: Random) -> str:
    if rng.random() < 0.5:
        return values.digits(rng, 5)
    letters = "ABCDEFGHJKLMNOPRSTUWYZ"
    return (
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 29)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def date_text(rng: Random, language: str) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1925, 2026)
    months = FR_MONTHS if language == "fr" else EN_MONTHS
    forms = (
        f"{day:02d}/{month:02d}/{year}",
        f"{day}/{month}/{year % 100:02d}",
        f"{day:02d}-{month:02d}-{year % 100:02d}",
        f"{day}/{month}",
        f"{day:02d}.{month:02d}.{year}",
        f"{day} {months[month - 1]} {year}",
        f"{day} {months[month - 1]}",
        f"{months[month - 1]} {year}",
        f"{month:02d}/{year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{month}/{day}/{year}" if language == "en" else f"{day}/{month}/{year}",
    )
    return rng.choice(forms)


def _phone(rng: Random, language: str) -> str:
    if language == "fr":
        groups = ["0" + rng.choice("1234567")] + [values.digits(rng, 2) for _ in range(4)]
        return rng.choice((" ", ".", "", "-")).join(groups)
    return rng.choice(
        (
            f"({values.digits(rng, 3)}) {values.digits(rng, 3)}-{values.digits(rng, 4)}",
            f"0{values.digits(rng, 4)} {values.digits(rng, 6)}",
            f"07{values.digits(rng, 3)} {values.digits(rng, 6)}",
        )
    )


def _number(rng: Random, language: str) -> str:
    letters = "ABCDEFGHKMNPRSTXZ"
    return rng.choice(
        (
            values.digits(rng, rng.randint(6, 10)),
            f"{rng.choice(letters)}{values.digits(rng, 7)}",
            f"{rng.randint(2015, 2026)}-{values.digits(rng, 6)}",
            f"{rng.choice(letters)}{rng.randint(10, 26)}-{values.digits(rng, 5)}",
            f"{values.digits(rng, 2)}-{values.digits(rng, 3)}",
        )
    )


_SPECIALTIES = {
    "fr": (
        "cardiologie", "gériatrie", "médecine interne", "neurologie", "pneumologie",
        "chirurgie viscérale", "orthopédie", "oncologie", "néphrologie", "psychiatrie",
        "gastro-entérologie", "pédiatrie", "rhumatologie", "urologie", "soins de suite",
    ),
    "en": (
        "Cardiology", "Elderly Care", "General Medicine", "Neurology", "Respiratory Medicine",
        "General Surgery", "Orthopaedics", "Oncology", "Renal Medicine", "Psychiatry",
        "Gastroenterology", "Paediatrics", "Rheumatology", "Urology", "Emergency Medicine",
    ),
}  # fmt: skip

_PLAIN: dict[str, Callable[[Random, str], str]] = {
    "D": date_text,
    "TEL": _phone,
    "NUM": _number,
    "DRUG": lambda rng, lang: establishments.drug(rng),
    "EPO": values.eponym_phrase,
    "SC": lambda rng, lang: rng.choice(values.FR_SCORES),
    "ACR": lambda rng, lang: rng.choice(values.FR_ACRONYMS),
    "N": lambda rng, lang: str(rng.randint(1, 40)),
    "AGE": lambda rng, lang: str(rng.randint(18, 89)),
    "SPEC": lambda rng, lang: rng.choice(_SPECIALTIES[lang]),
    "YEAR": lambda rng, lang: str(rng.randint(1950, 2025)),
    "SEX": lambda rng, lang: rng.choice(("F", "M")),
    "EPOWORD": lambda rng, lang: rng.choice(values.EPONYM_WORDS),
    "PH": lambda rng, lang: rng.choice(training_text("phrases", lang)),
    "W": lambda rng, lang: " ".join(
        rng.choice(training_text("words", lang)) for _ in range(rng.randint(2, 7))
    ),
    "HH": lambda rng, lang: rng.choice(("8h", "14h30", "22h", "10:15", "03h00", "midi", "16h")),
}


# "{XPL}" is the patient's surname in lower case, "{UT3}" town 3 in capitals.
_CASES: dict[str, Callable[[str], str]] = {"X": str.lower, "U": str.upper}
_KINDS = frozenset(
    {"F", "PF", "L", "PL", "FL", "I", "T", "CP", "H", "O", "A", "SPEC"} | set(_PLAIN)
)


def fill(template: str, doc: DocumentValues, writer: Writer | None = None) -> Writer:
    """Append `template` with its slots filled to `writer` (a new one if None)."""
    writer = writer if writer is not None else Writer()
    position = 0
    for match in _SLOT.finditer(template):
        writer.text(template[position : match.start()])
        kind, number = match.group(1), match.group(2)
        if kind == "DR":
            _titled(doc, f"DR{number}", writer, _draw_doctor)
        elif kind == "TL":
            _titled(doc, f"TL{number}", writer, _draw_courtesy)
        else:
            case = None
            if kind[:1] in _CASES and kind[1:] in _KINDS:
                case, kind = _CASES[kind[0]], kind[1:]
            value, label = doc.get(kind, kind + number)
            if case is not None:
                value = case(value)
            if label is None:
                writer.text(value)
            else:
                writer.ent(value, label)
        position = match.end()
    writer.text(template[position:])
    return writer


def _draw_doctor(doc: DocumentValues) -> tuple[str, str]:
    """A doctor's title and name form ("Dr", "C. ALBERT")."""
    roll = doc.rng.random()
    if roll < 0.45:
        name = doc._surname()
    elif roll < 0.8:
        name = f"{values.first_name(doc.rng, doc.language)} {doc._surname()}"
    else:
        name = f"{values.first_name(doc.rng, doc.language)[0]}. {doc._surname()}"
    if doc.rng.random() < 0.1:
        name = name.lower()
    titles = FR_DOCTOR_TITLES if doc.language == "fr" else EN_DOCTOR_TITLES
    return doc.rng.choice(titles), name


def _draw_courtesy(doc: DocumentValues) -> tuple[str, str]:
    """A courtesy title and a name form ("Mme", "LAPIERRE")."""
    roll = doc.rng.random()
    if roll < 0.55:
        name = doc._surname()
    elif roll < 0.85:
        name = f"{values.first_name(doc.rng, doc.language)} {doc._surname()}"
    else:
        name = f"{doc.rng.choice('ABCDEFGHJKLMNPRSTV')}."
    titles = FR_TITLES if doc.language == "fr" else EN_TITLES
    return doc.rng.choice(titles), name


def _titled(
    doc: DocumentValues,
    key: str,
    writer: Writer,
    draw: Callable[[DocumentValues], tuple[str, str]],
) -> None:
    """A title (outside the span) and a name, drawn once per key."""
    if key not in doc.titled:
        doc.titled[key] = draw(doc)
    title, name = doc.titled[key]
    writer.text(f"{title} ").ent(name, PERSON)
