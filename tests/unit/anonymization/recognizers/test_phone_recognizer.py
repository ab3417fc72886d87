from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.phone_recognizer import EXTENSION_SCORE, FrPhoneRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


PHONE = FrPhoneRecognizer()


@pytest.mark.parametrize(
    ("text", "extension"),
    [
        ("bip 4417", "4417"),
        ("Bip: 4417", "4417"),
        ("BIP 441", "441"),
        ("poste 52 318", "52 318"),
        ("DECT 4455", "4455"),
        ("ext. 2231", "2231"),
        ("pager #3471", "3471"),
        ("ligne directe 5566", "5566"),
        ("bleep 2231 if concerned", "2231"),
        ("vocera x4417", "4417"),
        ("call mo (NIC) on 85540", "85540"),  # an internal number to call
    ],
)
def test_when_an_extension_follows_its_label_then_the_number_is_found(
    text: str, extension: str
) -> None:
    results = PHONE.analyze(text, ["PHONE_NUMBER"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(extension, EXTENSION_SCORE)]


@pytest.mark.parametrize(
    ("text", "found_numbers"),
    [
        ("023 9228 6000 ext 4417", ["023 9228 6000", "ext 4417"]),
        ("023 9228 6000 ext4417", ["023 9228 6000", "ext4417"]),
        ("01 23 45 67 89 poste 1234", ["01 23 45 67 89", "poste 1234"]),
        ("Call (617) 555-0134 x2231 for results", ["(617) 555-0134", "x2231"]),
    ],
)
def test_when_an_extension_is_glued_to_a_number_then_both_are_found(
    text: str, found_numbers: list[str]
) -> None:
    assert found(PHONE, text) == found_numbers


@pytest.mark.parametrize(
    "text",
    [
        "bip 12",  # too short for an extension
        "BIP 44",
        "ext 12345678",  # too long
        "poste de soins",
        "poste 12",
        "x 3",
        "Rx 2 cp",
        "HTA x 3 ans",
        "WBC >100 x10^6/L, SLR x3x10",  # multiplications
        "started on 2024 guidance",  # nobody is called
        "ring binder on 1000 sheets",
    ],
)
def test_when_a_label_has_no_extension_after_it_then_nothing_is_found(text: str) -> None:
    assert found(PHONE, text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("SMS reminder to 0412 345 678 sent", "0412 345 678"),  # Australian mobile
        ("Marrickville NSW 2204  Ph (02) 9876 5432", "(02) 9876 5432"),
        ("Ward OT office 017687 60213 ext 4", "017687 60213"),  # five-digit area code
        ("A. Petrosyan MD PGY-1 p6610", "6610"),  # a pager after the clinician's grade
        ("Dr. Whitfield paged 2214. Bolus given", "2214"),
    ],
)
def test_when_other_countries_numbers_and_pagers_are_written_then_they_are_found(
    text: str, number: str
) -> None:
    assert number in found(PHONE, text)


@pytest.mark.parametrize("text", ["p53 mutation", "Hgb 10.1 p 0.05", "NSW 2204", "p < 0.001"])
def test_when_a_p_or_a_postcode_is_no_pager_then_no_phone_is_found(text: str) -> None:
    assert found(PHONE, text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call Lifeline 13 11 14 any time.", "13 11 14"),
        ("Interpreter via TIS National (131 450).", "131 450"),
        ("Beyond Blue 1300 22 4636", "1300 22 4636"),
        ("Healthdirect 1800 022 222.", "1800 022 222"),
        ("Samaritans 116 123, or the team line.", "116 123"),
        ("Childline 0800 1111", "0800 1111"),
    ],
)
def test_when_a_service_number_is_written_then_it_is_found(text: str, number: str) -> None:
    assert found(PHONE, text) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "HR 116 123 110 overnight",  # a series of readings
        "Plt 131 450 9",
        "Given 13 11 14 units",
        "Cr 116 123 mg",
        "ratio 13 11/14",
        "v1.13 11 14",
    ],
)
def test_when_numbers_are_readings_or_doses_then_no_service_number(text: str) -> None:
    assert found(PHONE, text) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Daughter on +1 (617) 555-0134", "+1 (617) 555-0134"),
        ("ring 9876 5432 after 5", "9876 5432"),
        ("text 0412 345 678 when ready", "0412 345 678"),
    ],
)
def test_a_country_code_goes_with_its_number_and_a_number_to_ring_is_a_phone(
    text: str, number: str
) -> None:
    assert found(PHONE, text) == [number]


def test_calling_times_and_counts_are_no_phone_numbers() -> None:
    assert found(PHONE, "Call at 10:30, ring 2019-2021, 2 units given") == []


def test_six_digits_in_pairs_after_a_phone_label_are_a_new_caledonian_number() -> None:
    assert found(PHONE, "Tél. 20 80 00 – Fax 20 80 16") == ["20 80 00", "20 80 16"]
    assert found(PHONE, "Tél. 12.10.24 (rappel)") == []  # a date after the label
    assert found(PHONE, "HR 20 80 00 in the chart") == []  # no label, no number


def test_an_x_extension_spaced_from_its_digits_goes_with_the_number() -> None:
    assert found(PHONE, "| (416) 555-0173 x 2210 | mobile") == ["(416) 555-0173", "x 2210"]
    assert found(PHONE, "WBC 4.5 x 1000 per uL") == []
