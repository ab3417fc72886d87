from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.place_name_recognizer import (
    LOWER_CASE_PLACE_SCORE,
    PLACE_NAME_SCORE,
    PlaceNameRecognizer,
)


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


FRENCH = PlaceNameRecognizer()
ENGLISH = PlaceNameRecognizer(supported_language="en")


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Quimperlé", ["Quimperlé"]),
        ("habite Quimperlé", ["Quimperlé"]),
        ("né à SAINT-BRIEUC", ["SAINT-BRIEUC"]),
        ("BREST", ["BREST"]),
        ("Brest.", ["Brest"]),
        ("Saint-Malo", ["Saint-Malo"]),
        ("Quimperlé, Brest", ["Quimperlé", "Brest"]),
        ("Lorient est loin", ["Lorient"]),
    ],
)
def test_when_a_commune_is_capitalised_then_it_is_found_anywhere(
    text: str, places: list[str]
) -> None:
    results = FRENCH.analyze(text, ["LOCATION"], None)
    assert sorted(text[r.start : r.end] for r in results) == sorted(places)
    assert {r.score for r in results} == {PLACE_NAME_SCORE}


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("rentre sur lorient", "lorient"),
        ("vit à quimperlé", "quimperlé"),
        ("de brest", "brest"),
        ("né le 3 à brest", "brest"),
        ("vers saint-malo", "saint-malo"),
    ],
)
def test_when_a_commune_is_in_lower_case_after_a_preposition_then_it_is_found(
    text: str, place: str
) -> None:
    results = FRENCH.analyze(text, ["LOCATION"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(place, LOWER_CASE_PLACE_SCORE)]


@pytest.mark.parametrize("text", ["lorient", "brest", "quimperlé est loin", "saint-malo"])
def test_when_a_commune_is_in_lower_case_without_a_preposition_then_it_is_not_found(
    text: str,
) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize("text", ["Sens", "Orange", "Tours", "à tours", "sens"])
def test_when_a_commune_name_is_also_a_common_word_then_it_is_not_found(text: str) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize(
    ("text", "places"), [("Ur", []), ("UR", []), ("à Ur", ["Ur"]), ("né à Ur", ["Ur"])]
)
def test_when_a_commune_name_is_very_short_then_it_needs_a_preposition(
    text: str, places: list[str]
) -> None:
    assert found(FRENCH, text) == places


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("Lorient (56100)", "56100"),
        ("( 75014 )", "75014"),
        ("Code postal : 56000", "56000"),
        ("CP 29200", "29200"),
        ("apt 312, 33310", "33310"),
        ("3 rue de la Paix, 75002", "75002"),
    ],
)
def test_when_a_postcode_stands_in_parentheses_or_after_its_label_then_it_is_found(
    text: str, postcode: str
) -> None:
    assert postcode in found(FRENCH, text)


@pytest.mark.parametrize(
    "text", ["(99999)", "(00100)", "(750140)", "en 75014 cas", "dosage 56000 UI"]
)
def test_when_five_digits_cannot_be_a_postcode_or_have_no_frame_then_they_are_not_found(
    text: str,
) -> None:
    assert found(FRENCH, text) == []


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("lives in Leeds", ["Leeds"]),
        ("Manchester", ["Manchester"]),
        ("from leeds", ["leeds"]),
        ("leeds", []),
        ("Reading", []),  # also a word
        ("reading", []),
    ],
)
def test_english_towns_follow_the_same_rules(text: str, places: list[str]) -> None:
    assert found(ENGLISH, text) == places
