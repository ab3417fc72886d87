from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.record_number_recognizer import (
    LABELLED_SCORE,
    RecordNumberRecognizer,
)


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


RECORD = RecordNumberRecognizer()


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("N° dossier C-0419-2287", "C-0419-2287"),
        ("examen n° PL-24-041877", "PL-24-041877"),
        ("prélèvement H23-58117", "H23-58117"),
        ("Accession: LIL7734190", "LIL7734190"),
        ("patient n° 04-017", "04-017"),
        ("fiche EI-2024-058", "EI-2024-058"),
        ("AM 23 1 04517 6", "23 1 04517 6"),
        ("specimen S24-11873", "S24-11873"),
        ("ID 884512", "884512"),
        ("N° dossier : 123456", "123456"),
        ("numéro de dossier 123456", "123456"),
        ("ref. 21/04417", "21/04417"),
        ("lame 12A", "12A"),
    ],
)
def test_when_a_label_introduces_a_number_then_the_number_is_found_without_the_label(
    text: str, number: str
) -> None:
    assert found(RECORD, text) == [number]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("IPC0271466", "IPC0271466"),
        ("CT-2024-118406", "CT-2024-118406"),
        ("2024-CH-0137", "2024-CH-0137"),
        ("RCP-DIG-2024-0031", "RCP-DIG-2024-0031"),
        ("2022-004512", "2022-004512"),
        ("1234567", "1234567"),
    ],
)
def test_when_a_code_has_the_shape_of_an_identifier_then_it_is_found_without_label(
    text: str, number: str
) -> None:
    results = RECORD.analyze(f"Transmis {text}.", ["RECORD_NUMBER"], None)
    assert [f"Transmis {text}."[r.start : r.end] for r in results] == [number]
    assert all(r.score < LABELLED_SCORE for r in results)


@pytest.mark.parametrize(
    "text",
    [
        "COVID-19",
        "CHA2DS2-VASc 4",
        "score CHA2DS2-VASc à 4",
        "E11.9",
        "diagnostic E11.9",
        "L4-L5",
        "hernie L4-L5",
        "SARS-CoV-2",
        "C5-C6",
        "HLA-B27",
        "BRCA1",
        "CYP2D6",
        "T2N0M0",
        "HbA1c 7.4",
        "ICD-10 I10",
        "Kt/V 1.2",
    ],
)
def test_when_a_medical_code_looks_like_an_identifier_then_it_is_kept(text: str) -> None:
    assert found(RECORD, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "2019-2021",
        "de 2019-2021",
        "10-12",
        "12/03/2024",
        "1954-03-12",
        "COVID-19 en 2020",
        "ref 12-05-24",
    ],
)
def test_when_a_year_range_or_a_date_has_digits_in_groups_then_it_is_not_a_record_number(
    text: str,
) -> None:
    assert found(RECORD, text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("123456", []),
        ("1234567", ["1234567"]),
        ("dossier 12", []),
        ("dossier 123", ["123"]),
        ("n° 5", []),
        ("Lloyds account (sort code 30-94-57)", ["30-94-57"]),  # no day and month in it
    ],
)
def test_a_bare_number_needs_seven_digits_and_a_labelled_one_three_characters(
    text: str, number: list[str]
) -> None:
    assert found(RECORD, text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Medicare 2953 41827 1   IHI 8003 6081 6745 2213", "8003 6081 6745 2213"),
        ("e-RS UBRN: 0004 5521 8830", "0004 5521 8830"),
        ("HADLEY PHARMACY (ODS FQ482)", "FQ482"),
    ],
)
def test_when_other_health_identifiers_follow_their_label_then_they_are_found(
    text: str, number: str
) -> None:
    assert number in found(RECORD, text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Pt: HOHAIA, Tamati Rewi   NHI ZAC4418   DOB", "ZAC4418"),
        ("HPI-CPN: 19KQTZ\n", "19KQTZ"),
        ("Aadhaar      : 4821 7734 0956       Mobile", "4821 7734 0956"),
    ],
)
def test_when_new_zealand_or_indian_identifiers_follow_their_label_then_they_are_found(
    text: str, number: str
) -> None:
    assert number in found(RECORD, text)


@pytest.mark.parametrize(
    "text",
    [
        "Exam: BP 164/86, HR 78 reg",
        "Exam: T 36.2 HR 92",
        "Lab HbA1c 66 mmol/mol",
        "HPI: 52M w/ HTN",
        "HPI: 34 F, brought in",
        "SNOMED: T-65200 M-43000; T-67400 M-44000",
        "Read code: S5401",
        "ICD-10-CM: S83.511A",
        "CCAM : JQGD010",
    ],
)
def test_when_a_label_is_followed_by_a_measurement_an_age_or_a_clinical_code_then_no_id(
    text: str,
) -> None:
    assert found(RECORD, text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # A letter and a long serial is an id, even when the letter reads like a vital sign.
        ("Ref: T 1234567", "T 1234567"),
        ("ID: 520M", "520M"),
        # A code list ends with its line: the next line's number is found.
        ("SNOMED: T-65200\nAccession: LIL7734190", "LIL7734190"),
        # Coded after the id, not before it: the id is found.
        ("MRN GM00417 ICD-10 I63.9", "GM00417"),
    ],
)
def test_ids_beside_measurements_and_codes_are_still_found(text: str, number: str) -> None:
    assert number in found(RECORD, text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("PHN 9876 543 210", "9876 543 210"),
        ("OHIP 1234-567-890", "1234-567-890"),
        ("PAN ABCDE1234F", "ABCDE1234F"),
        ("TFN 123 456 782", "123 456 782"),
        ("NINO: AB 12 34 56 C", "AB 12 34 56 C"),
    ],
)
def test_health_and_tax_numbers_of_other_english_speaking_countries_follow_their_label(
    text: str, number: str
) -> None:
    assert found(RECORD, text) == [number]


@pytest.mark.parametrize(
    ("text", "number"),
    [("MMC Reg. No. 2004/07/2218", "2004/07/2218"), ("ref 12/03/3456", "12/03/3456")],
)
def test_three_numbers_that_no_calendar_holds_are_a_record_number(text: str, number: str) -> None:
    assert found(RECORD, text) == [number]


def test_a_rate_written_with_two_separators_is_no_record_number() -> None:
    assert found(RECORD, "sepsis calculator (risk 0.08/1000)") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Job no. 88213", "88213"),
        ("Incident no. W-2231", "W-2231"),
        ("Reg no 84321", "84321"),
        ("Datix 445120", "445120"),
    ],
)
def test_no_after_a_noun_and_an_incident_system_are_labels(text: str, number: str) -> None:
    assert found(RECORD, text) == [number]


def test_no_as_a_negation_is_no_label() -> None:
    assert found(RECORD, "no 2nd dose given; no 5 mg tabs; pain no 3/10; yes no 12 hours") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("N° de télétransmission 000123", "000123"),
        ("numéro d'allocataire 1234567", "1234567"),
        ("n° de série RNB418227S", "RNB418227S"),
        ("Bracelet : 004512", "004512"),
    ],
)
def test_a_number_named_by_what_it_numbers_is_found(text: str, number: str) -> None:
    assert found(RECORD, text) == [number]


def test_what_is_numbered_without_a_number_or_with_a_count_is_no_record_number() -> None:
    assert (
        found(RECORD, "nombre de selles 3 ; numéro de téléphone à rappeler ; n° de la rue 12") == []
    )


def test_a_french_licence_plate_is_an_identifier_and_a_score_code_is_not() -> None:
    assert found(RECORD, "véhicule perso (Clio grise FG-482-TR) dans la grange") == ["FG-482-TR"]
    assert found(RECORD, "classe HAS-123-AB ; grade IO-123-AB") == []


def test_a_number_sign_goes_with_the_number_it_introduces() -> None:
    assert found(RECORD, "interpreter ID #201844. Pt speaks") == ["#201844"]
    assert found(RECORD, "(Niagara Regional REB, file #2023-0418)") == ["#2023-0418"]
    assert found(RECORD, "Exam: T 99.9  HR 102 ST  BP 108/64") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Arresting officer: Cst Niamh Quigley 7741; also", "7741"),
        ("handover to Custody Sgt Paul O'Hagan (1876).", "1876"),
        ("Anapath cf. ci-dessus (24H08812).", "24H08812"),
        ("Dr Kavitha a/p Subramaniam, MBBS, MPath (MMC 48812)", "48812"),
    ],
)
def test_collar_numbers_year_led_accessions_and_malaysian_registrations_are_ids(
    text: str, number: str
) -> None:
    assert found(RECORD, text) == [number]


def test_a_dose_or_a_count_after_an_officer_is_no_collar_number() -> None:
    assert found(RECORD, "Sgt Smith gave 100 mg; PC Jones 2.500 steps") == []
