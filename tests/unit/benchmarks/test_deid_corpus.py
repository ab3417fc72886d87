"""The labelled corpus: deterministic, split by template, and its gold spans are true."""

from __future__ import annotations

import re

import pytest
from stdnum import luhn

from anonymization.nir import is_valid_nir
from benchmarks.deid.corpus import (
    IDENTIFIER_TYPES,
    LANGUAGES,
    SPLITS,
    TRAP_TYPES,
    LabelledNote,
    generate_notes,
    slot_kind,
    template_slots,
    templates,
    templates_for_split,
)
from sovex.model.errors import InvalidInput

NOTES_PER_CHECK = 400
SEED = 7
MIN_TEMPLATES = {"fr": 30, "en": 16}
# Each split holds between a quarter and three quarters of the templates.
MIN_SPLIT_SHARE = 0.25

DIGITS_ONLY = re.compile(r"\d+")
PHONE_CHARACTERS = re.compile(r"[0-9 .()+-]+")
# "M." is left out: it is also an initial ("M. Price" for Mei Price).
TITLES = ("Dr", "Dr.", "Docteur", "Pr", "Prof.", "Mme", "Madame", "Monsieur", "Mr", "Mrs", "Ms")


def _notes(language: str, split: str) -> list[LabelledNote]:
    return generate_notes(language, NOTES_PER_CHECK, split, SEED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_seed_gives_the_same_notes(language: str) -> None:
    assert generate_notes(language, 50, "test", SEED) == generate_notes(language, 50, "test", SEED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_another_seed_gives_other_notes(language: str) -> None:
    first = [n.text for n in generate_notes(language, 20, "test", SEED)]
    second = [n.text for n in generate_notes(language, 20, "test", SEED + 1)]
    assert first != second


@pytest.mark.parametrize("language", LANGUAGES)
def test_there_are_enough_templates_and_both_splits_are_substantial(language: str) -> None:
    all_templates = templates(language)
    assert len(all_templates) >= MIN_TEMPLATES[language]
    assert len({t.name for t in all_templates}) == len(all_templates)
    for split in SPLITS:
        share = len(templates_for_split(language, split)) / len(all_templates)
        assert MIN_SPLIT_SHARE <= share <= 1 - MIN_SPLIT_SHARE


@pytest.mark.parametrize("language", LANGUAGES)
def test_train_and_test_notes_come_from_disjoint_templates(language: str) -> None:
    train = {note.template for note in _notes(language, "train")}
    test = {note.template for note in _notes(language, "test")}
    assert train == {t.name for t in templates_for_split(language, "train")}
    assert test == {t.name for t in templates_for_split(language, "test")}
    assert not train & test


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_slot_is_a_known_kind(language: str) -> None:
    for template in templates(language):
        for slot in template_slots(template.text):
            slot_kind(slot)


def test_an_unknown_slot_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="telefax"):
        slot_kind("telefax")


def test_an_unknown_language_or_split_is_refused() -> None:
    with pytest.raises(InvalidInput, match="language"):
        generate_notes("de", 1, "test", SEED)
    with pytest.raises(InvalidInput, match="split"):
        generate_notes("fr", 1, "dev", SEED)


def _check_span_text(type_: str, value: str) -> None:
    assert value == value.strip(), f"{type_} span has surrounding space: {value!r}"
    assert value, f"empty {type_} span"
    compact = value.replace(" ", "")
    if type_ in ("FR_NIR", "FR_INS"):
        assert is_valid_nir(value), value
    elif type_ == "FR_RPPS":
        assert DIGITS_ONLY.fullmatch(value) and len(value) == 11 and luhn.is_valid(value), value
    elif type_ in ("FR_ADELI", "FR_FINESS"):
        assert DIGITS_ONLY.fullmatch(value) and len(value) == 9 and luhn.is_valid(value), value
    elif type_ in ("FR_IPP", "FR_NDA"):
        assert DIGITS_ONLY.fullmatch(value), value
    elif type_ == "EMAIL_ADDRESS":
        local, _, domain = value.partition("@")
        assert local and "." in domain, value
    elif type_ == "PHONE_NUMBER":
        assert PHONE_CHARACTERS.fullmatch(value), value
        assert 9 <= sum(c.isdigit() for c in compact) <= 13, value
    elif type_ == "PERSON":
        assert value.split()[0] not in TITLES, f"title inside a PERSON span: {value!r}"
        assert not any(c.isdigit() for c in value), value
    elif type_ == "DATE":
        assert any(c.isdigit() for c in value), value
    elif type_ in ("ADDRESS", "LOCATION"):
        assert any(c.isalpha() for c in value), value


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("split", SPLITS)
def test_every_gold_span_is_the_identifier_it_claims(language: str, split: str) -> None:
    for note in _notes(language, split):
        for span in note.entities:
            assert span.type in IDENTIFIER_TYPES
            _check_span_text(span.type, note.text[span.start : span.end])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_note_names_a_person_and_carries_traps(language: str) -> None:
    for note in _notes(language, "test"):
        assert any(span.type == "PERSON" for span in note.entities), note.template
        assert note.traps, note.template
        assert all(trap.type in TRAP_TYPES for trap in note.traps)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("split", SPLITS)
def test_no_gold_span_overlaps_a_trap_span(language: str, split: str) -> None:
    for note in _notes(language, split):
        for span in note.entities:
            for trap in note.traps:
                assert span.end <= trap.start or trap.end <= span.start, note.id


def test_french_notes_cover_every_identifier_type_and_the_hard_nir_forms() -> None:
    notes = generate_notes("fr", 2000, "train", SEED) + generate_notes("fr", 2000, "test", SEED)
    types = {span.type for note in notes for span in note.entities}
    assert types == set(IDENTIFIER_TYPES)
    nirs = [
        note.text[s.start : s.end] for note in notes for s in note.entities if s.type == "FR_NIR"
    ]
    assert any("2A" in nir or "2B" in nir for nir in nirs), "no Corsican NIR"
    assert any(nir.replace(" ", "")[5:7] == "97" for nir in nirs), "no overseas NIR"
    assert any(nir[0] in "78" for nir in nirs), "no provisional NIR"
    assert any(" " in nir for nir in nirs) and any(" " not in nir for nir in nirs)


def test_french_traps_include_the_classic_eponyms() -> None:
    notes = generate_notes("fr", 2000, "train", SEED)
    traps = {note.text[t.start : t.end] for note in notes for t in note.traps}
    assert {"maladie de Parkinson", "signe de Babinski", "score de Glasgow"} <= traps
