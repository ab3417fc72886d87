from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from anonymization.recognizers.date_recognizer import (
    BIRTH_DATE_SCORE,
    FrDateRecognizer,
    date_is_plausible,
)
from anonymization.recognizers.phone_recognizer import FrPhoneRecognizer


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


PHONE = FrPhoneRecognizer()
DATE = FrDateRecognizer()


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "01 23 45 67 89",
        "09 87 65 43 21",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "+44 20 7946 0958",
        "020 7075 6712",
        "0113 104 9646",
        "07699 475887",
        "(555) 123-4567",
        "555-123-4567",
    ],
)
def test_when_a_phone_number_is_written_in_any_layout_then_it_is_found_whole(phone: str) -> None:
    assert found(PHONE, f"Tél. : {phone}.") == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "00 12 34 56 78",  # 0 then 0: no such French number
        "06 12 34 56",  # 8 digits
        "061234567890",  # 12 digits
        "IPP 1061234567",  # inside a longer number
        "TA 120/80, FC 72",
        "HbA1c 7,4 %",
    ],
)
def test_when_digits_are_not_a_phone_number_then_nothing_is_found(text: str) -> None:
    assert found(PHONE, text) == []


@pytest.mark.parametrize(
    "date",
    [
        "12/03/1954",
        "12-03-1954",
        "12.03.1954",
        "1/3/1954",
        "12/03/54",
        "1954-03-12",
        "03/31/2021",  # US month/day
        "12 mars 1954",
        "1er mars 1954",
        "31 décembre 2020",
        "mars 1954",
        "3 févr. 2021",
        "14 juillet",
        "March 12, 1954",
        "12 March 1954",
        "Mar 12 2021",
        "12th of March 1954",
        "September 2020",
        "19-Jul-2023",
        "3 July",
    ],
)
def test_when_a_date_is_written_in_any_format_then_it_is_found_whole(date: str) -> None:
    assert found(DATE, f"Vu le {date}, revu.") == [date]


@pytest.mark.parametrize(
    "text",
    [
        "32/03/1954",
        "31/13/1954",
        "1954-13-01",
        "Glasgow 13/15",
        "TA 120/80",
        "version 1.2.3",
        "score 2.5",
        "sept jours",
        "May I help",
        "Jars 2020",
    ],
)
def test_when_text_only_looks_like_a_date_then_nothing_is_found(text: str) -> None:
    assert found(DATE, text) == []


@pytest.mark.parametrize(
    "prefix", ["né le", "née le", "Né(e) le", "DDN :", "date de naissance :", "born", "DOB:"]
)
def test_when_birth_context_precedes_a_date_then_it_scores_highest(prefix: str) -> None:
    text = f"{prefix} 12/03/1954"
    results = DATE.analyze(text, ["DATE"], None)
    assert [r.score for r in results] == [BIRTH_DATE_SCORE]


@pytest.mark.parametrize(
    ("value", "plausible"),
    [("31/12/2020", True), ("32/12/2020", False), ("12/31/2020", True), ("0/1/2020", False)],
)
def test_numeric_dates_are_checked_for_day_and_month_ranges(value: str, plausible: bool) -> None:
    assert date_is_plausible(value) is plausible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lorient le trente et un janvier", ["trente et un janvier"]),
        (
            "vu du premier mars deux mille vingt-deux au dix mars",
            ["premier mars deux mille vingt-deux", "dix mars"],
        ),
        ("RDV depuis le douze octobre 2023", ["douze octobre 2023"]),
    ],
)
def test_a_dictated_day_in_words_with_its_month_is_a_date(text: str, expected: list[str]) -> None:
    assert found(DATE, text) == expected


@pytest.mark.parametrize(
    "text", ["prendre deux mars en sachet", "les trois mois suivants", "cinq avril"]
)
def test_number_words_without_their_article_or_before_no_month_are_not_dates(text: str) -> None:
    assert found(DATE, text) == []
