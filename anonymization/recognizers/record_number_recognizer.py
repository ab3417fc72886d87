"""RECORD_NUMBER: identifying numbers and codes with letters, hyphens or separators that
the labelled recognizers (IPP, NDA, RPPS…) do not cover.

1. After a label: "N° dossier C-0419-2287", "examen n° PL-24-041877", "prélèvement
   H23-58117", "Accession: LIL7734190", "patient n° 04-017", "fiche EI-2024-058",
   "AM 23 1 04517 6", "specimen S24-11873", "member ID XQH884512", "ref. 21/04417".
2. By its shape alone, where nothing medical looks like it: letters glued to five or more
   digits ("IPC0271466"), letter groups and digit groups joined by hyphens with at least
   five digits in all ("CT-2024-118406", "2024-CH-0137", "RCP-DIG-2024-0031"), a year and
   a serial ("2022-004512"), a French or Indian licence plate ("FG-482-TR", "MH12 EQ
   5531"), twelve digits in fours (India's Aadhaar), and any run of seven or more digits.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, word_alternation

LABELLED_SCORE: Final = 0.8
SHAPE_SCORE: Final = 0.6
LONG_NUMBER_SCORE: Final = 0.55
MIN_SHAPE_DIGITS: Final = 5
MIN_LABELLED_DIGITS: Final = 2
# "COVID-19", "PHQ-9", "HER2": a word and a small number are a code, not an id.
_MEDICAL_CODE: Final = re.compile(r"[A-Za-z]{3,}[- ]?\d{1,2}")

# Labels in any case, and short ones ("AM", "ID", "CR") only as written.
_LABELS: Final = (
    "n°", "nº", "numéro", "numero", "number", "dossier", "séjour", "sejour", "examen",
    "accession", "prélèvement", "prelevement", "bloc", "lame", "fiche", "inclusion",
    "identifiant", "ipp", "nda", "nip", "mrn", "nhs", "specimen", "sample", "échantillon",
    "echantillon", "référence", "reference", "adeli", "rpps", "finess", "siret", "member",
    "policy", "insurance", "account", "medicare", "medicaid", "claim", "episode", "encounter",
    "requisition", "barcode", "matricule", "contrat", "immatriculation", "licence", "license",
    "passport", "passeport", "serial", "série", "study", "subject", "participant", "patient",
    "hospital", "demande", "rapport", "plaque", "carte", "card", "case", "visit",
    "sort code", "ending", "a/c", "compte", "aadhaar", "aadhar", "digicode", "interphone",
    # A vaccine's batch ties a person to a day and a place ("batch LK4417B", "lot n° X2").
    "batch", "lot",
)  # fmt: skip
_SHORT_LABELS: Final = (
    "#", "AM", "ID", "Id", "CR", "NO", "No", "SN", "S/N", "FIN", "CHI", "H&C", "HAR", "CSN",
    "INS", "MBI", "Ref", "Réf", "ref", "réf", "REF", "Acc", "acc", "Lab", "lab", "Exam",
    "exam", "Code", "code", "num", "Num", "RG", "MR", "Pt", "pt", "EMIS", "CLIA", "group",
    "Group", "NPI", "DEA",
    # Health identifiers and registrations elsewhere: Australia's IHI, the NHS e-Referral
    # UBRN, an ODS site code, the GMC, NMC and HCPC registers.
    "IHI", "UBRN", "ODS", "GMC", "NMC", "HCPC", "Datix", "DATIX",
    # New Zealand's NHI and HPI, India's UHID, South Africa's HPCSA register.
    "NHI", "HPI-CPN", "HPI", "UHID", "HPCSA",
    # Canada's provincial health numbers (PHN, OHIP, RAMQ, HCN, ULI), India's PAN,
    # Australia's tax file, Centrelink and veterans' numbers, the UK's National Insurance
    # number, New Zealand's IRD number, the European health card.
    "PHN", "OHIP", "RAMQ", "HCN", "ULI", "PAN", "TFN", "CRN", "DVA", "NINO", "IRD", "EHIC",
    # Ireland's PPSN and Medical Council number, New York's Medicaid CIN, Switzerland's AVS.
    "PPSN", "PPS", "MCRN", "CIN", "AVS",
    # Malaysia's medical register, Australia's practitioner register, Ireland's council.
    "MMC", "AHPRA", "IMC",
)  # fmt: skip
# "Job no. 88213", "Reg no 84321": "no" after a noun and before a number is a label
# (alone, "no" is a negation: "no 2nd dose").
_NO_AFTER_A_NOUN: Final = r"(?<=[A-Za-z][ \t])no(?![\w])(?=\.?[ \t]*[:#]?[ \t]*[A-Z]?-?\d)"
_LABEL: Final = (
    f"(?:{word_alternation(_LABELS)}"
    f"|(?<![\\w])(?:{'|'.join(re.escape(x) for x in _SHORT_LABELS)})(?![\\w])"
    f"|{_NO_AFTER_A_NOUN})"
)
# A value: chunks of letters and digits joined by -, /, ., _ or single spaces, with at
# least one digit, three characters at least.
# A chunk starts with a capital or a digit, or holds a digit: "dossier", "de" never start one.
_CHUNK: Final = r"(?:[A-Z0-9][A-Za-z0-9]*|[a-z]+[0-9][A-Za-z0-9]*)"
_VALUE: Final = rf"(?=[A-Za-z0-9./_ -]*\d){_CHUNK}(?:(?:[-/._]|[ ](?=\d)){_CHUNK}){{0,6}}"
_LABEL_GAP: Final = r"[ \t\u00a0]*(?:[:#=]|n°|no\.?|nº)?[ \t\u00a0]*(?:[:#=])?[ \t\u00a0]*"
_LABELLED: Final = rf"{_LABEL}\.?{_LABEL_GAP}(?P<value>{_VALUE})(?![\w-])"
# "N° de télétransmission 000123", "numéro d'allocataire 1234567", "bracelet : 004512": a
# number named by what it numbers.
_NUMBERED_THING: Final = (
    r"(?<![\w])(?:(?i:n°|nº|numéro|numero)[ \t]+(?:de[ \t]+|d['’][ \t]*|du[ \t]+)"
    r"(?:la[ \t]+|l['’])?[^\W\d_][\w'’-]{1,24}|(?i:bracelet))"
    rf"{_LABEL_GAP}(?P<value>{_VALUE})(?![\w-])"
)
_LABELLED_PATTERNS: Final = ("after a label", "after what it numbers")
_GLUED: Final = r"(?<![\w-])(?P<value>[A-Z]{1,5}\d{5,}[A-Z0-9]*)(?![\w-])"
_HYPHENATED: Final = (
    r"(?<![\w./-])(?P<value>[A-Z0-9]{1,10}(?:[-/.][A-Z0-9]{1,10}){1,4})(?![\w-]|[./]\w)"
)
# The UK's National Insurance number, spaced or not: "AB 12 34 56 C", "AB123456D".
_NATIONAL_INSURANCE: Final = (
    r"(?<![\w-])(?P<value>(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ ]?\d\d[ ]?\d\d[ ]?\d\d[ ]?[A-D])(?![\w-])"
)
# A French licence plate (SIV, since 2009: no I, O or U): "Clio grise FG-482-TR"; with
# hyphens only ("HR 102 ST" is a heart rate and its rhythm).
_FRENCH_PLATE: Final = r"(?<![\w-])(?P<value>[A-HJ-NP-TV-Z]{2}-\d{3}-[A-HJ-NP-TV-Z]{2})(?![\w-])"
# India's vehicle registration (state, district, series, number): "MH12 EQ 5531",
# "KA-05-MN-1234".
_INDIAN_PLATE: Final = (
    r"(?<![\w-])(?P<value>[A-Z]{2}[ -]?\d{1,2}[ -]?[A-Z]{1,3}[ -]?\d{4})(?![\w-])"
)
# Twelve digits in three groups of four, as India's Aadhaar number is written: no
# telephone number of the countries here is grouped so.
_FOUR_FOUR_FOUR: Final = r"(?<![\w.,/-])(?P<value>\d{4} \d{4} \d{4})(?![\w.,/-]\w|\w| \d)"
# A pathology or batch number led by its year: "24H08812", "24C1187".
_YEAR_LETTERS_SERIAL: Final = r"(?<![\w-])(?P<value>\d{2}[A-Z]{1,2}\d{4,})(?![\w-])"
_LONG_NUMBER: Final = r"(?<![\w.,/-])(?P<value>\d{7,})(?![\w.,/-]\w|\w)"


# "Exam: BP 164/86", "Lab HbA1c 66", "T 36.2": a measurement after a label, not an id.
_MEASUREMENT: Final = re.compile(
    r"(?:BP|T|HR|RR|P|Wt|Ht|BMI|SpO2|SaO2|Sats?|GCS|TA|FC|FR|Temp|Hb|Hgb|HbA1c|WCC|WBC|Plt|"
    r"Na|K|Cr|CRP|INR|eGFR|TSH|PSA|Glc|BM|BGL|LDL|HDL|EVA|EN)"
    r"[ \t]\d{1,3}(?:[.,]\d{1,2})?(?:/\d{1,3})?"
)
# "HPI: 52M", "34 F": an age and a sex.
_AGE_AND_SEX: Final = re.compile(r"(?:\d{1,2}|1[01]\d)[ ]?[MFmf]")
# Clinical classifications name a disease or an act, never a person: "SNOMED: T-65200
# M-43000", "Read code: S5401", "CCAM : JQGD010". The codes may be listed.
_CODING_BEFORE: Final = re.compile(
    r"(?<![\w-])(?:SNOMED(?:[ -]CT)?|Read[ \t]+codes?|ICD-?(?:9|10|11)?(?:-CM)?|CPT|LOINC|"
    r"OPCS(?:-4)?|CCAM|CIM-?10|HCPCS|ATC)[ \t]*(?:codes?)?[ \t]*[:#]?[ \t]*"
    r"(?:[A-Z0-9][A-Z0-9.-]*[ \t]*[;,]?[ \t]*)*$"
)
CODING_WINDOW: Final = 80


def _digits(value: str) -> int:
    return sum(char.isdigit() for char in value)


# "Cst Niamh Quigley 7741", "Custody Sgt Paul O'Hagan (1876)": an officer's collar number
# after the officer's rank and name.
_COLLAR_NUMBER: Final = r"(?<![\d.,])(?P<value>\d{3,5})(?!\d|[.,:]\d|[ \t]*(?:mg|ml|kg|%|h\b))"
_OFFICER_BEFORE: Final = (
    r"\b(?:Cst|Const|Constable|PC|DC|DS|Sgt|Sergeant|Insp|Inspector|Officer|Ofc|Deputy|Trooper)"
    r"\.?(?:[ \t]+[A-Z][\w'’.-]*){1,3}[ \t]*(?:\(|#)?$"
)


class RecordNumberRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "RECORD_NUMBER"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("national insurance number", re.compile(_NATIONAL_INSURANCE), SHAPE_SCORE),
        ValuePattern("after a label", re.compile(_LABELLED), LABELLED_SCORE),
        ValuePattern("after what it numbers", re.compile(_NUMBERED_THING), LABELLED_SCORE),
        ValuePattern("letters glued to digits", re.compile(_GLUED), SHAPE_SCORE),
        ValuePattern("hyphenated code", re.compile(_HYPHENATED), SHAPE_SCORE),
        ValuePattern("french licence plate", re.compile(_FRENCH_PLATE), SHAPE_SCORE),
        ValuePattern("indian licence plate", re.compile(_INDIAN_PLATE), SHAPE_SCORE),
        ValuePattern("twelve digits in fours", re.compile(_FOUR_FOUR_FOUR), SHAPE_SCORE),
        ValuePattern("year, letters and serial", re.compile(_YEAR_LETTERS_SERIAL), SHAPE_SCORE),
        ValuePattern(
            "collar number after an officer",
            re.compile(_COLLAR_NUMBER),
            LABELLED_SCORE,
            before=re.compile(_OFFICER_BEFORE),
        ),
        ValuePattern("long number", re.compile(_LONG_NUMBER), LONG_NUMBER_SCORE),
    )

    def analyze(self, text, entities, nlp_artifacts=None):
        results = super().analyze(text, entities, nlp_artifacts)
        for result in results:
            # "interpreter ID #201844", "file #2023-0418": the sign goes with the number.
            if result.start > 0 and text[result.start - 1] == "#":
                result.start -= 1
        return results

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        digits = _digits(value)
        line_start = text.rfind("\n", max(0, start - CODING_WINDOW), start) + 1
        if _CODING_BEFORE.search(text, max(line_start, start - CODING_WINDOW), start):
            return None
        if pattern.name in _LABELLED_PATTERNS:
            if _MEASUREMENT.fullmatch(value) or _AGE_AND_SEX.fullmatch(value):
                return None
            # A short number after a label is a count or a code ("COVID-19"), not an id.
            if digits < MIN_LABELLED_DIGITS or len(value.replace(" ", "")) < 3:
                return None
            if _is_date_or_range(value):
                return None
            if _MEDICAL_CODE.fullmatch(value):
                return None
            return pattern.score
        if pattern.name == "hyphenated code" and (
            digits < MIN_SHAPE_DIGITS or _is_date_or_range(value)
        ):
            return None
        return pattern.score


_DATE_OR_RANGE: Final = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|(?:19|20)\d\d[-/](?:19|20)?\d\d|\d{1,3}[-/][1-9]\d{0,2}"
)


_SAME_SEPARATORS: Final = re.compile(r"\d+([-/.])\d+\1\d+")
_THREE_NUMBERS: Final = re.compile(r"(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,4})")
MAX_DAY: Final = 31
MAX_MONTH: Final = 12


def _is_date_or_range(value: str) -> bool:
    """Dates, year ranges and small ranges are other things ("2019-2021", "10-12"). Three
    numbers are a date only when a day and a month can be read in them: "30-94-57" (a
    bank sort code) is not one."""
    if _DATE_OR_RANGE.fullmatch(value) is None:
        return False
    three = _THREE_NUMBERS.fullmatch(value)
    if three is None:
        return True
    if len(three.group(1)) == 4:  # a year first: its day has two digits at most
        return len(three.group(3)) <= 2  # "2004/07/2218" is a registration number
    if (
        len(three.group(3)) == 4
        and not three.group(3).startswith(("19", "20"))
        and _SAME_SEPARATORS.fullmatch(value)  # "0.08/1000" is a rate
    ):
        return False
    first, second = int(three.group(1)), int(three.group(2))
    return (first <= MAX_DAY and 1 <= second <= MAX_MONTH) or (
        1 <= first <= MAX_MONTH and second <= MAX_DAY
    )
