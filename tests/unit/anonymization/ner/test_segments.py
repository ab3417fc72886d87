from __future__ import annotations

import pytest

from anonymization.ner.segments import model_segments


def segments(text: str, language: str = "fr", found: tuple[str, ...] = ()) -> list[str]:
    spans = []
    for value in found:
        start = text.index(value)
        spans.append((start, start + len(value)))
    return [text[s:e] for s, e in model_segments(text, spans, language)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("TA 135/80, FC 72.", "fr"),
        ("ATCD : HTA, diabète", "fr"),
        ("Bilan : HTA.\nRAS.", "fr"),
        ("Traitement par Kardegic.", "fr"),
        ("Examen clinique sans particularité.", "fr"),
        ("BP 135/80, HR 72.", "en"),
        ("", "fr"),
    ],
)
def test_when_a_note_holds_no_possible_name_then_the_model_reads_nothing(
    text: str, language: str
) -> None:
    assert segments(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("vu avec kevin", "fr"),
        ("rentre sur lorient", "fr"),
        ("MME LE GOFF", "fr"),
        ("dr marchand", "fr"),
        ("ide julie", "fr"),
        ("Vu ce matin par Martin.", "fr"),
        ("seen with kevin", "en"),
        ("Seen by Dr Smith.", "en"),
    ],
)
def test_when_a_line_may_hold_a_name_then_the_model_reads_the_whole_line(
    text: str, language: str
) -> None:
    assert segments(text, language) == [text]


def test_only_the_lines_that_may_hold_a_name_go_to_the_model() -> None:
    assert segments("TA 135/80.\nvu avec kevin.\nFC 72") == ["vu avec kevin."]


def test_sentences_are_segments_but_a_title_with_a_dot_does_not_end_one() -> None:
    text = "Dr. Martin est venu. TA 12/8. Traitement par Kardegic."
    assert segments(text) == ["Dr. Martin est venu."]


def test_when_the_rules_already_found_the_name_then_the_model_does_not_read_the_line() -> None:
    assert segments("vu avec kevin", found=("kevin",)) == []
    assert segments("Vu ce matin par Martin.", found=("Martin",)) == []
