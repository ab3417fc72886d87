from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from random import Random

import pytest

from anonymization.ner.writer import LOWER, UPPER, CaseNoise, Writer, strip_accents


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


def test_case_noise_draws_each_transform_at_its_rate_and_accents_stay_in_english() -> None:
    noise = CaseNoise(lower=0.2, upper=0.1, no_accents=0.3, lower_no_accents=0.1)
    rng = Random(3)
    shown = Counter(
        (t("Hélène") if t else "Hélène") for t in (noise.draw(rng, "fr") for _ in range(4000))
    )
    assert set(shown) == {"hélène", "HÉLÈNE", "Helene", "helene", "Hélène"}
    for value, rate in (("hélène", 0.2), ("HÉLÈNE", 0.1), ("Helene", 0.3), ("helene", 0.1)):
        assert abs(shown[value] / 4000 - rate) < 0.03, (value, shown)
    english = {noise.draw(rng, "en") for _ in range(500)}
    assert english == {LOWER, UPPER, None}


def test_case_noise_takes_one_draw_whatever_the_outcome() -> None:
    first, second = Random(5), Random(5)
    CaseNoise(lower=1.0, upper=0.0).draw(first, "fr")
    CaseNoise(lower=0.0, upper=0.0).draw(second, "en")
    assert first.random() == second.random()
