from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from anonymization.nir import format_nir, nir_key
from anonymization.recognizers.ins_recognizer import FrInsRecognizer
from anonymization.recognizers.nir_recognizer import (
    NIR_INVALID_KEY_WITH_CONTEXT_SCORE,
    FrNirRecognizer,
)


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


def scores(recognizer: EntityRecognizer, text: str) -> list[float]:
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [r.score for r in sorted(results, key=lambda r: r.start)]


NIR = FrNirRecognizer()
INS = FrInsRecognizer()


def _body_with_key(target_key: int) -> str:
    """A metropolitan NIR body whose key is `target_key` (order number varied)."""
    for order in range(1, 1000):
        body = f"1840375123{order:03d}"
        if nir_key(body) == target_key:
            return body
    raise AssertionError("no body found")


@pytest.mark.parametrize("key", [1, 2, 96, 97])
def test_when_key_is_at_its_boundaries_then_nir_is_found(key: int) -> None:
    compact = format_nir(_body_with_key(key))
    assert compact.endswith(f"{key:02d}")
    assert found(NIR, f"Assuré {compact}.") == [compact]


@pytest.mark.parametrize(
    "written",
    [
        format_nir("1840375123456"),
        format_nir("1840375123456", spaced=True),
        format_nir("1840375123456", spaced=True).replace(" ", "."),
        format_nir("1840375123456", spaced=True).replace(" ", "-"),
        format_nir("2850797123456"),  # overseas birth place (97x)
        format_nir("2850797123456", spaced=True),
        format_nir("185022A123456"),  # Corsica 2A read as 19
        format_nir("185022B123456", spaced=True),
        format_nir("3850399123456"),  # provisional, born abroad (99)
        format_nir("7850375123456"),
        format_nir("8850375123456"),
    ],
)
def test_when_nir_is_written_in_any_layout_then_it_is_found_whole(written: str) -> None:
    assert found(NIR, f"Patient {written} admis.") == [written]


def test_when_key_is_wrong_and_no_context_then_nothing_is_reported() -> None:
    compact = format_nir("1840375123456")
    wrong = compact[:-2] + f"{(int(compact[-2:]) % 97) + 1:02d}"
    assert found(NIR, f"Référence {wrong}.") == []


def test_when_key_is_wrong_after_strong_context_then_it_is_reported_with_a_low_score() -> None:
    compact = format_nir("1840375123456")
    wrong = compact[:-2] + f"{(int(compact[-2:]) % 97) + 1:02d}"
    text = f"N° de sécurité sociale : {wrong}."
    assert found(NIR, text) == [wrong]
    assert scores(NIR, text) == [NIR_INVALID_KEY_WITH_CONTEXT_SCORE]
    assert NIR_INVALID_KEY_WITH_CONTEXT_SCORE < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Code 51840375123456789 interne",  # embedded in a longer number
        "pseudonyme a1840375123456ff",
        "Glasgow 15, HbA1c 7,4 %",
    ],
)
def test_when_digits_are_not_a_standalone_nir_then_nothing_is_found(text: str) -> None:
    assert found(NIR, text) == []


def test_when_context_precedes_a_valid_nir_then_score_is_highest() -> None:
    compact = format_nir("1840375123456")
    assert scores(NIR, f"NIR {compact}") > scores(NIR, f"Assuré {compact}")


@pytest.mark.parametrize(
    "label", ["INS", "INS :", "matricule INS", "Matricule INS n°", "INS-NIR", "INS NIR"]
)
def test_when_a_nir_follows_an_ins_label_then_it_is_typed_ins(label: str) -> None:
    spaced = format_nir("2850797123456", spaced=True)
    assert found(INS, f"{label} {spaced} (qualifiée)") == [spaced]


def test_when_a_nir_has_no_ins_label_then_it_is_not_an_ins() -> None:
    assert found(INS, f"NIR {format_nir('1840375123456')}") == []


def test_when_ins_key_is_wrong_then_it_is_dropped() -> None:
    compact = format_nir("1840375123456")
    wrong = compact[:-2] + f"{(int(compact[-2:]) % 97) + 1:02d}"
    assert found(INS, f"INS {wrong}") == []


def test_when_ins_and_nir_overlap_then_ins_scores_at_least_as_high() -> None:
    text = f"matricule INS {format_nir('1840375123456')}"
    assert scores(INS, text)[0] >= scores(NIR, text)[0]
