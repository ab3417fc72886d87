"""Metrics on hand-made notes: what counts as redacted, kept and precise."""

from __future__ import annotations

import pytest

from benchmarks.deid.corpus import LabelledNote, Span
from benchmarks.deid.metrics import Prediction, Ratio, score

# "Mme Claire DUPONT, tél 06 12 34 56 78, maladie de Parkinson."
TEXT = "Mme Claire DUPONT, tél 06 12 34 56 78, maladie de Parkinson."
NAME = Span(4, 17, "PERSON")
PHONE = Span(23, 37, "PHONE_NUMBER")
TRAP = Span(39, 59, "EPONYM")
NOTE = LabelledNote("n1", TEXT, (NAME, PHONE), (TRAP,), "hand-made")


def test_the_hand_made_spans_cover_the_identifiers() -> None:
    assert TEXT[NAME.start : NAME.end] == "Claire DUPONT"
    assert TEXT[PHONE.start : PHONE.end] == "06 12 34 56 78"
    assert TEXT[TRAP.start : TRAP.end] == "maladie de Parkinson"


def test_when_prediction_is_perfect_then_recall_precision_and_retention_are_one() -> None:
    predictions: list[Prediction] = [(4, 17, "PERSON"), (23, 37, "PHONE_NUMBER")]
    scores = score([NOTE], [predictions], seconds=2.0)
    assert scores.recall == Ratio(2, 2)
    assert scores.precision == Ratio(2, 2)
    assert scores.fully_redacted == Ratio(1, 1)
    assert scores.trap_retention == Ratio(1, 1)
    assert scores.notes_per_second == 0.5


def test_when_one_span_is_missed_then_its_recall_drops_and_the_note_is_not_fully_redacted() -> None:
    scores = score([NOTE], [[(4, 17, "PERSON")]])
    assert scores.recall_by_type["PERSON"] == Ratio(1, 1)
    assert scores.recall_by_type["PHONE_NUMBER"] == Ratio(0, 1)
    assert scores.recall == Ratio(1, 2)
    assert scores.fully_redacted == Ratio(0, 1)


def test_when_a_trap_is_over_redacted_then_retention_is_below_one_and_precision_counts_it() -> None:
    predictions: list[Prediction] = [
        (4, 17, "PERSON"),
        (23, 37, "PHONE_NUMBER"),
        (50, 59, "PERSON"),  # "Parkinson"
    ]
    scores = score([NOTE], [predictions])
    assert scores.trap_retention == Ratio(0, 1)
    assert scores.trap_retention_by_type["EPONYM"].value == 0.0
    assert scores.precision_by_type["PERSON"] == Ratio(1, 2)
    assert scores.precision == Ratio(2, 3)
    assert scores.recall == Ratio(2, 2)


def test_when_a_span_is_partly_covered_then_it_is_not_redacted() -> None:
    scores = score([NOTE], [[(4, 10, "PERSON"), (23, 37, "PHONE_NUMBER")]])  # "Claire" only
    assert scores.recall_by_type["PERSON"] == Ratio(0, 1)
    assert scores.precision_by_type["PERSON"] == Ratio(1, 1)  # it overlaps the gold name


def test_when_predictions_of_any_type_together_cover_a_span_then_it_is_redacted() -> None:
    # "Claire" + "DUPONT" as two predictions of different types; the space between is free.
    predictions: list[Prediction] = [(4, 10, "PERSON"), (11, 17, "LOCATION")]
    scores = score([NOTE], [predictions])
    assert scores.recall_by_type["PERSON"] == Ratio(1, 1)


def test_when_a_prediction_overlaps_no_identifier_then_it_is_a_false_positive() -> None:
    scores = score([NOTE], [[(0, 3, "PERSON")]])  # "Mme"
    assert scores.precision == Ratio(0, 1)
    assert scores.trap_retention == Ratio(1, 1)


def test_when_there_are_no_predictions_then_precision_is_undefined() -> None:
    scores = score([NOTE], [[]])
    assert scores.precision.value is None
    assert scores.recall == Ratio(0, 2)


def test_when_prediction_lists_and_notes_differ_in_number_then_scoring_refuses() -> None:
    with pytest.raises(ValueError, match="one prediction list per note"):
        score([NOTE], [])


def test_scores_export_as_plain_numbers() -> None:
    exported = score([NOTE], [[(4, 17, "PERSON")]], seconds=1.0).as_dict()
    assert exported["recall"] == 0.5
    assert exported["recall_by_type"] == {"PERSON": 1.0, "PHONE_NUMBER": 0.0}
    assert exported["notes_per_second"] == 1.0
