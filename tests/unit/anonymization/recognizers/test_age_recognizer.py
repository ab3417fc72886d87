from __future__ import annotations

import pytest

from anonymization.recognizers.age_recognizer import AgeRecognizer
from anonymization.recognizers.base import RegexRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


AGE = AgeRecognizer()


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("âgée de 94 ans", "94"),
        ("94 ans.", "94"),
        ("AGE : 95 ANS", "95"),
        ("Âge : 91", "91"),
        ("(F, 92 a)", "92"),
        ("a 97-year-old man", "97"),
        ("92 yo", "92"),
        ("91yo", "91"),
        ("aged 94", "94"),
        ("94 y/o", "94"),
        ("quatre-vingt-douze ans", "quatre-vingt-douze"),
        ("quatre-vingt-dix ans", "quatre-vingt-dix"),
        ("cent deux ans", "cent deux"),
        ("ninety-two years", "ninety-two"),
        ("one hundred years", "one hundred"),
    ],
)
def test_when_an_age_of_ninety_or_more_is_written_then_only_the_number_is_found(
    text: str, age: str
) -> None:
    assert found(AGE, text) == [age]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("90 ans", ["90"]),
        ("aged 90", ["90"]),
        ("ninety years", ["ninety"]),
        ("119 ans", ["119"]),
        ("89 ans", []),
        ("âgée de 89 ans", []),
        ("89-year-old", []),
        ("aged 89", []),
        ("89 yo", []),
        ("quatre-vingt-neuf ans", []),
        ("eighty-nine years", []),
        ("120 ans", []),
        ("Message: Mum (92) has been more breathless", ["92"]),  # after a relative
        ("sa mère (94) vit seule", ["94"]),
        ("bed (92), son (45)", []),  # a bed number, a younger relative
        ("nonagenarian, aged ninety-three", ["ninety-three"]),
        ("She turned 100 last week", ["100"]),
        ("F 93 admitted from home", ["93"]),  # a sex then an age
        ("Dose M 90 mg", []),
        ("Sats 92% on RA, HR 96", []),
    ],
)
def test_ages_from_ninety_are_found_and_younger_ones_are_not(text: str, age: list[str]) -> None:
    assert found(AGE, text) == age


@pytest.mark.parametrize(
    "text",
    [
        "94 mg",
        "TA 94/60",
        "poids 94 kg",
        "FC 92",
        "sat 94 %",
        "depuis 90 jours",
        "92,5 ans",
        "1994 ans",
    ],
)
def test_when_a_number_from_ninety_is_not_an_age_then_nothing_is_found(text: str) -> None:
    assert found(AGE, text) == []


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("started the new bp med. she's 91 so i worry", "91"),
        ("he is now 94 and lives alone", "94"),
        ("a party for when she turns ninety-eight in September", "ninety-eight"),
    ],
)
def test_when_an_age_is_said_of_a_person_then_it_is_found(text: str, age: str) -> None:
    assert found(AGE, text) == [age]


@pytest.mark.parametrize("text", ["she's 95% sure", "he is 92 kg", "she is 90 lbs now"])
def test_when_a_number_after_she_is_is_a_measure_then_it_is_no_age(text: str) -> None:
    assert found(AGE, text) == []


def test_when_an_age_is_reached_in_words_then_it_is_found() -> None:
    assert found(AGE, "a sister in Scarborough, is now ninety-four.") == ["ninety-four"]
    assert found(AGE, "sats is now 94%") == []


def test_when_a_table_has_an_age_column_or_key_then_great_ages_in_it_are_found() -> None:
    column = "| Nom | Âge | Ch |\n| X | 94 ans | 3 |\n| Y | 88 | 4 |\n"
    assert "94" in found(AGE, column) and "88" not in found(AGE, column)
    assert found(AGE, "| Âge | 96 |\n") == ["96"]


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("Female, 94, lives alone", "94"),
        ("male 92 with falls", "92"),
        ("family planning her 98th birthday party", "98"),
        ("pour son 100e anniversaire", "100"),
    ],
)
def test_a_great_age_after_a_sex_word_or_as_a_birthday_is_found(text: str, age: str) -> None:
    assert found(AGE, text) == [age]


@pytest.mark.parametrize(
    "text", ["Female 95% sats on air", "woman 92 kg", "the 95th centile", "male 91 lbs"]
)
def test_a_measure_after_a_sex_word_or_a_centile_is_no_age(text: str) -> None:
    assert found(AGE, text) == []


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("10. Mr Winston Clarke, 90 - had Lasix 40mg IV", "90"),
        ("SR4  Mr Alun Gruffydd  94 - EOL, on syringe driver", "94"),
        ('2. Mrs Gwendoline Page ("Gwen"), 101. Unsettled', "101"),
        ("4 | Begay, Wilma | PV-1140005 | 92 F | HCC", "92"),
    ],
)
def test_a_great_age_after_a_titled_name_in_a_list_or_with_a_sex_in_a_cell_is_found(
    text: str, age: str
) -> None:
    assert found(AGE, text) == [age]


@pytest.mark.parametrize(
    "text", ["Mr Smith, 95 kg", "Mr Smith, 92% on air", "Mrs Page 98.6 F", "| Temp | 99 F |"]
)
def test_a_measure_after_a_titled_name_or_a_temperature_in_a_cell_is_no_age(text: str) -> None:
    assert found(AGE, text) == []
