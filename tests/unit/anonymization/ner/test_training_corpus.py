from __future__ import annotations

import pytest

from anonymization.ner.slots import LABELS
from anonymization.ner.training_corpus import GENRES, Example, generate

Corpus = tuple[str, list[Example]]

COUNT = 120


@pytest.fixture(scope="module", params=["fr", "en"])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    return request.param, generate(request.param, COUNT, seed=1)


def test_when_the_seed_is_the_same_then_the_corpus_is_the_same(corpus: Corpus) -> None:
    language, examples = corpus
    assert generate(language, COUNT, seed=1) == examples


def test_when_the_seed_differs_then_the_corpus_differs(corpus: Corpus) -> None:
    language, examples = corpus
    other = generate(language, COUNT, seed=2)
    assert [e.text for e in other] != [e.text for e in examples]
    # Not a shuffle of the same documents either.
    assert len({e.text for e in other} & {e.text for e in examples}) < COUNT // 10


def test_every_span_is_exactly_an_entity_with_one_of_the_five_labels(corpus: Corpus) -> None:
    _, examples = corpus
    assert set(LABELS) == {"PERSON", "LOCATION", "HOSPITAL", "ORGANIZATION", "ADDRESS"}
    for example in examples:
        for start, end, label in example.spans:
            value = example.text[start:end]
            assert 0 <= start < end <= len(example.text), example
            assert value == value.strip(), (value, example.genre)
            assert label in LABELS


def test_spans_are_in_order_and_never_overlap(corpus: Corpus) -> None:
    _, examples = corpus
    for example in examples:
        ends = [0]
        for start, end, _ in example.spans:
            assert start >= ends[-1], example.spans
            ends.append(end)


def test_the_corpus_has_every_label_and_every_genre(corpus: Corpus) -> None:
    _, examples = corpus
    assert {label for e in examples for _, _, label in e.spans} == set(LABELS)
    assert {e.genre for e in examples} == set(GENRES)


def test_clinical_only_documents_hold_no_entity(corpus: Corpus) -> None:
    _, examples = corpus
    clinical = [e for e in examples if e.genre == "clinical"]
    assert clinical
    assert all(e.spans == () for e in clinical)


def test_some_documents_are_all_lower_case_or_all_capitals(corpus: Corpus) -> None:
    _, examples = corpus
    assert any(e.text == e.text.lower() and e.spans for e in examples)
    assert any(e.text == e.text.upper() and e.spans for e in examples)


@pytest.mark.parametrize("language", ["de", "", "FR"])
def test_when_the_language_is_not_supported_then_generation_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language must be one of fr, en"):
        generate(language, 1, seed=1)


def test_when_no_document_is_asked_for_then_the_corpus_is_empty() -> None:
    assert generate("fr", 0, seed=1) == []
