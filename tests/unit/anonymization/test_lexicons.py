from __future__ import annotations

import pytest

from anonymization.lexicons import common_words, fold, lexicon
from anonymization.medical_terms import EPONYMS
from anonymization.scrubber import scrub_texts


def _world_cities() -> set[str]:
    return set(lexicon("places", "fr").lower - lexicon("communes", "fr").lower)


def test_french_places_are_the_communes_and_the_large_cities_abroad() -> None:
    places = lexicon("places", "fr").lower
    communes = lexicon("communes", "fr").lower
    assert {"dakar", "abidjan", "kinshasa", "ouagadougou", "alger", "bruxelles"} <= places
    assert not {"dakar", "abidjan"} & communes
    assert communes <= places
    assert len(_world_cities()) > 3000


def test_no_city_abroad_is_a_given_name_a_surname_a_word_or_an_eponym() -> None:
    cities = _world_cities()
    people = set().union(
        *(
            lexicon(kind, language).lower
            for kind in ("first_names", "surnames")
            for language in ("fr", "en")
        )
    )
    words = {fold(word) for word in common_words("fr") | common_words("en")}
    assert not cities & people
    assert not {fold(city) for city in cities} & words
    assert not cities & {eponym.lower() for eponym in EPONYMS}


@pytest.mark.parametrize("unknown", ["de", "places_en", "communes"])
def test_an_unknown_lexicon_is_refused(unknown: str) -> None:
    with pytest.raises(ValueError, match="no lexicon"):
        lexicon(unknown, "en")


def test_a_city_abroad_is_redacted_but_a_score_named_after_a_city_is_kept() -> None:
    [journey, score] = scrub_texts(
        [
            "Retour de Dakar il y a 10 jours, fièvre. Née à Ouagadougou.",
            "Score de Glasgow à 15. Maladie de Kawasaki dans l'enfance.",
        ],
        "fr",
    )
    assert "Dakar" not in journey.text and "Ouagadougou" not in journey.text
    assert score.text == "Score de Glasgow à 15. Maladie de Kawasaki dans l'enfance."


@pytest.mark.parametrize("language", ["fr", "en"])
def test_given_names_of_many_origins_are_known_in_both_languages(language: str) -> None:
    given = lexicon("first_names", language).lower
    surnames = lexicon("surnames", language).lower
    # Algerian, Yoruba, Finnish, Vietnamese, Polish, Turkish: the world's names.
    assert {"abdelkader", "aanuoluwapo", "aleksanteri", "abdulkadir"} <= given
    assert {"kaddour", "kadlec", "yılmaz", "nguyễn"} <= surnames
    # A large city or a drug keeps its own list; no common word is added.
    assert "madrid" not in given | surnames
    assert not {"toledo", "titin"} & (given | surnames)


def test_a_given_name_of_another_origin_alone_is_redacted() -> None:
    [french, english] = [
        scrub_texts([text], language)[0].text
        for text, language in (
            ("Vu ce jour avec Abdelkader, son fils, qui traduit.", "fr"),
            ("Seen with Aanuoluwapo, her daughter, who interprets.", "en"),
        )
    ]
    assert "Abdelkader" not in french
    assert "Aanuoluwapo" not in english
