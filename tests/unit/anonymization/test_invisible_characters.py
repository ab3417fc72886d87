from __future__ import annotations

from anonymization.invisible_characters import visible


def test_a_note_without_invisible_characters_is_read_as_it_is() -> None:
    view = visible("Mme Dupont, 06 12 34 56 78")
    assert view.text == "Mme Dupont, 06 12 34 56 78"
    assert view.original_span(4, 10) == (4, 10)


def test_invisible_characters_are_taken_out_and_spans_map_back_over_them() -> None:
    text = "Mme Du\u200bpont\u00ad, tél"
    view = visible(text)
    assert view.text == "Mme Dupont, tél"
    start, end = view.original_span(4, 10)  # "Dupont" in the view
    assert text[start:end] == "Du\u200bpont"


def test_direction_marks_and_a_byte_order_mark_are_invisible_too() -> None:
    assert visible("\ufeffNIR\u202e 1 84\u200e").text == "NIR 1 84"
