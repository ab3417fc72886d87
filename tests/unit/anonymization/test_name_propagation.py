from __future__ import annotations

import pytest

from anonymization.name_propagation import name_words, propagate


def spans_of(text: str, *names: str) -> list[tuple[int, int]]:
    spans = []
    for name in names:
        start = text.index(name)
        spans.append((start, start + len(name)))
    return spans


def propagated(text: str, *names: str, language: str = "fr") -> list[str]:
    return [text[s:e] for s, e in propagate(text, spans_of(text, *names), language)]


def test_when_a_name_is_found_once_then_its_words_are_found_again_in_other_frames() -> None:
    text = "Mme Yvonne LAPIERRE. Yvonne va bien. Mme Lapierre sortie. | LAPIERRE |"
    assert propagated(text, "Yvonne LAPIERRE") == ["Yvonne", "Lapierre", "LAPIERRE"]


def test_the_spans_found_again_point_at_the_name_and_never_at_the_first_one() -> None:
    text = "Dr Kevin Trewin. Revu avec Trewin."
    spans = propagate(text, spans_of(text, "Kevin Trewin"), "fr")
    assert spans == [(text.rindex("Trewin"), text.rindex("Trewin") + len("Trewin"))]


def test_when_a_name_is_a_common_word_then_it_is_taken_again_only_when_capitalised() -> None:
    text = "Mme Blanc vue ce jour. Mise en place d'un drap blanc. Mme BLANC d'accord. Blanc."
    assert propagated(text, "Blanc") == ["BLANC", "Blanc"]


def test_when_a_given_name_is_a_common_word_then_the_common_word_stays() -> None:
    text = "Mme Rose Martin. Pose d'une rose. Rose vient demain."
    assert propagated(text, "Rose Martin") == ["Rose"]


def test_when_a_name_is_never_a_common_word_then_it_is_taken_again_in_lower_case() -> None:
    assert propagated("Dr Kevin Trewin. vu avec kevin ce matin.", "Kevin Trewin") == ["kevin"]


def test_when_a_surname_no_lexicon_knows_is_found_then_only_its_capitalised_form_is_taken() -> None:
    text = "Mme J. Xyzzor. xyzzor. Xyzzor."
    assert propagated(text, "J. Xyzzor") == ["Xyzzor"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dr Le Gall. Le patient va bien.", "Le Gall"),  # a particle
        ("Mme de Villiers. Prise de sang.", "de Villiers"),
        ("Mme J. Xyzzor. J. Jour.", "J. Xyzzor"),  # an initial
        ("Dr Martin. Dr Durand.", "Dr Martin"),  # a title
        ("Mme Parkinson. Maladie de Parkinson connue.", "Parkinson"),  # medical vocabulary
    ],
)
def test_titles_particles_initials_and_medical_words_are_never_taken_again(
    text: str, name: str
) -> None:
    assert propagated(text, name) == []


def test_when_a_name_word_is_inside_a_longer_word_then_it_is_not_taken() -> None:
    text = "Yvonne LAPIERRE. LAPIERRE-DUPONT. Lapierres."
    assert propagated(text, "Yvonne LAPIERRE") == []


def test_when_a_name_is_followed_by_a_possessive_then_the_name_is_taken() -> None:
    assert propagated("Dr Trewin. Trewin's notes.", "Trewin", language="en") == ["Trewin"]


def test_when_no_name_was_found_then_nothing_is_propagated() -> None:
    assert propagate("Mme Lapierre vue.", [], "fr") == []


def test_the_words_worth_looking_for_are_lower_case_and_skip_short_words_and_titles() -> None:
    text = "Dr Jo Le Gall-Morvan"
    assert name_words(text, [(0, len(text))]) == {"gall-morvan"}


def test_a_long_dictionary_word_no_name_list_holds_is_not_taken_again() -> None:
    text = "Dr Medical Okafor. Medical aid: Bonitas. Okafor on call."
    assert propagated(text, "Medical Okafor", language="en") == ["Okafor"]


def test_a_short_dictionary_word_may_be_a_nickname_and_is_taken_again() -> None:
    text = 'Resident: Dorothy "Dot" Palmer. Dot more tired this afternoon.'
    assert "Dot" in propagated(text, "Dot", language="en")
