from __future__ import annotations

import pytest

from anonymization.recognizers.typist_initials import typist_initials


def found(text: str) -> list[str]:
    return [text[start:end] for start, end in typist_initials(text)]


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("Dictated 07/08/2024   Typed 13/08/2024 rk\n\nDr M. Moss", "rk"),
        ("One cassette per block (A1-C2). ejb\n\nSigned", "ejb"),
        ("Portion sent to cytogenetics. pdq 4/5/24\n", "pdq"),
        ("pdq 4/5/24", "pdq"),
        ("Frappé le 12/03/2024 jl\n", "jl"),
    ],
)
def test_when_lower_case_initials_close_a_report_line_then_they_are_found(
    text: str, initials: str
) -> None:
    assert found(text) == [initials]


@pytest.mark.parametrize(
    "text",
    [
        "Paracetamol 1 g at 10 am",
        "Furosemide 40 mg od",
        "Doliprane 2 cp\n",
        "Sats 96% on ra",
        "family number 07401 558 126 fyi",
        "Seen today. Will review in clinic\n",  # a word, not initials
        "Warfarin 3 mg. prn",
        "Admitted 12/03 via ED\n",  # capitals: an acronym, not initials
        "10 tds 4/5/24",  # no sentence ends before the letters
    ],
)
def test_when_letters_are_a_unit_a_dose_a_word_or_an_abbreviation_then_no_initials(
    text: str,
) -> None:
    assert found(text) == []
