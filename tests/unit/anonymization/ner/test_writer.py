from __future__ import annotations

from collections.abc import Callable

import pytest

from anonymization.ner.writer import LOWER, UPPER, Writer, strip_accents


def document() -> Writer:
    return (
        Writer()
        .text("Patiente ")
        .ent("Hélène STRAßE", "PERSON")
        .text(" née à ")
        .ent(" Quimperlé ", "LOCATION")  # spaces around: never part of the span
        .text(", vue à l'")
        .ent("Hôpital Œuvre", "HOSPITAL")
        .text(". ")
        .ent("", "PERSON")  # nothing written, no span
        .text("")
        .ent("İstanbul", "LOCATION")  # "İ".lower() is two characters
    )


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        (None, ["Hélène STRAßE", "Quimperlé", "Hôpital Œuvre", "İstanbul"]),
        (LOWER, ["hélène straße", "quimperlé", "hôpital œuvre", "İstanbul"]),
        (UPPER, ["HÉLÈNE STRAßE", "QUIMPERLÉ", "HÔPITAL ŒUVRE", "İSTANBUL"]),
        (strip_accents, ["Helene STRAßE", "Quimperle", "Hopital Œuvre", "Istanbul"]),
    ],
)
def test_when_a_document_is_rendered_with_a_transform_then_every_span_is_still_exact(
    transform: Callable[[str], str] | None,
    expected: list[str],
) -> None:
    text, spans = document().render(transform)
    assert [text[start:end] for start, end, _ in spans] == expected
    assert [label for _, _, label in spans] == ["PERSON", "LOCATION", "HOSPITAL", "LOCATION"]


@pytest.mark.parametrize("transform", [None, LOWER, UPPER, strip_accents])
def test_a_transform_keeps_the_length_of_the_document(
    transform: Callable[[str], str] | None,
) -> None:
    plain, _ = document().render()
    text, _ = document().render(transform)
    assert len(text) == len(plain)


@pytest.mark.parametrize(
    ("transform", "value", "expected"),
    [
        (UPPER, "straße", "STRAßE"),  # "ß".upper() is "SS"
        (LOWER, "İzmir", "İzmir"),  # "İ".lower() is two characters
        (UPPER, "Éloïse", "ÉLOÏSE"),
        (LOWER, "ÉLOÏSE", "éloïse"),
        (strip_accents, "Hélène Ça Noël", "Helene Ca Noel"),
        (strip_accents, "Œuvre ß æ", "Œuvre ß æ"),
    ],
)
def test_each_transform_writes_one_character_for_one(
    transform: Callable[[str], str],
    value: str,
    expected: str,
) -> None:
    assert transform(value) == expected


def test_an_extended_writer_keeps_the_pieces_of_both() -> None:
    first = Writer().text("Vu par ").ent("Dr Durand", "PERSON")
    second = Writer().text(" à ").ent("Brest", "LOCATION")
    text, spans = first.extend(second).render()
    assert text == "Vu par Dr Durand à Brest"
    assert [(text[s:e], label) for s, e, label in spans] == [
        ("Dr Durand", "PERSON"),
        ("Brest", "LOCATION"),
    ]
