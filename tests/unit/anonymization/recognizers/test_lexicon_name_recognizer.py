from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.lexicon_name_recognizer import (
    LONE_FIRST_NAME_SCORE,
    LexiconNameRecognizer,
)


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


FRENCH = LexiconNameRecognizer()
ENGLISH = LexiconNameRecognizer(supported_language="en")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("sa femme Yvonne", "Yvonne"),
        ("Julie IDE", "Julie"),
        ("Amitiés, Gaëtan", "Gaëtan"),
        ("Manip radio : Jessica", "Jessica"),
        ("| Monique |", "Monique"),
        ("vu avec Kevin", "Kevin"),
        ("vu avec KEVIN", "KEVIN"),
    ],
)
def test_when_a_given_name_that_is_never_a_word_stands_alone_then_it_is_found(
    text: str, name: str
) -> None:
    results = FRENCH.analyze(text, ["PERSON"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(name, LONE_FIRST_NAME_SCORE)]


@pytest.mark.parametrize(
    "text", ["Rose", "sa fille Rose", "Pierre", "Claude", "Marie", "Blanc", "BLANC"]
)
def test_when_a_name_is_also_a_common_word_then_alone_it_is_not_taken(text: str) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize("text", ["yvonne", "kevin est venu", "HTA", "IRM", "ECG"])
def test_when_a_name_is_in_lower_case_without_context_or_is_an_acronym_then_it_is_not_taken(
    text: str,
) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("sa fille yvonne", ["yvonne"]),
        ("merci fanny", ["fanny"]),
        ("vu avec kevin", ["kevin"]),
        ("sa fille rose", []),  # a common word stays one
        ("sa fille est venue", []),
    ],
)
def test_when_a_lower_case_given_name_follows_a_relative_or_a_greeting_then_it_is_found(
    text: str, names: list[str]
) -> None:
    assert found(FRENCH, text) == names


@pytest.mark.parametrize(("text", "name"), [("MME LARRIEU", "LARRIEU"), ("| CARO |", "CARO")])
def test_when_a_surname_is_in_capitals_then_it_is_found(text: str, name: str) -> None:
    assert found(FRENCH, text) == [name]


@pytest.mark.parametrize(
    ("text", "found_names"),
    [
        (
            "JT = Joanna Trewin\nvu par JT ce matin. JT ok",
            ["JT", "Joanna", "JT", "JT"],
        ),
        ("AK: Anil Kumar\nvu par AK", ["AK", "Anil", "Kumar", "AK"]),
        ("vu par JT ce matin", []),  # no key: two capitals are not a name
        ("JT = Joanna Trewin. JTX", ["JT", "Joanna"]),  # only the whole initials
    ],
)
def test_when_a_chart_defines_staff_initials_then_every_use_of_them_is_found(
    text: str, found_names: list[str]
) -> None:
    assert found(FRENCH, text) == found_names


def test_when_an_english_chart_defines_staff_initials_then_every_use_is_found() -> None:
    assert found(ENGLISH, "JT = Joanna Trewin. JT reviewed.") == ["JT", "Joanna", "JT"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("m. guillot", "guillot"),
        ("mme lecomte odile", "lecomte odile"),
        ("dr le gall", "le gall"),
        ("monsieur el amrani", "el amrani"),
        ("mr smith", "smith"),
    ],
)
def test_when_a_lower_case_name_follows_a_lower_case_title_then_it_is_found(
    text: str, name: str
) -> None:
    assert found(FRENCH, text) == [name]


@pytest.mark.parametrize("text", ["mme est sortie", "dr de garde", "mme a mangé", "dr x"])
def test_when_a_function_word_follows_a_lower_case_title_then_nothing_is_found(
    text: str,
) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("seen by Kevin", ["Kevin"]),
        ("Joanna", ["Joanna"]),
        ("Rose", []),
        ("dr jones", ["jones"]),
        ("dr is here", []),
    ],
)
def test_english_notes_follow_the_same_rules(text: str, names: list[str]) -> None:
    assert found(ENGLISH, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "GORDON W 71M - WARFARIN DOSE NOT PRESCRIBED, INR TODAY 2.6",
        "GROSS DESCRIPTION: RECEIVED FRESH, LABELLED WITH THE NAME",
    ],
)
def test_when_a_line_is_in_capitals_then_a_surname_that_is_a_word_is_the_word(text: str) -> None:
    assert [name for name in found(ENGLISH, text) if name in {"DOSE", "GROSS"}] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("NOM DE NAISSANCE : CARON\nPRENOM : GINETTE", "CARON"),
        ("| DUPONT | GROSS | 12/03/1950 |", "GROSS"),
    ],
)
def test_when_a_label_or_a_bar_comes_before_a_surname_in_capitals_it_stays_a_name(
    text: str, name: str
) -> None:
    assert name in found(FRENCH, text)
