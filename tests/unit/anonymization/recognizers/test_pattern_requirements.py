from __future__ import annotations

from anonymization.recognizers import (
    PRESIDIO_PREFILTERS,
    RECOGNIZER_CLASSES,
    _Prefiltered,
    build_recognizers,
)
from anonymization.recognizers.email_recognizer import FrEmailRecognizer
from benchmarks.deid import realistic

OBFUSCATED = "Écrire à jean.dupont(at)gmail(dot)com ou marie point durand arobase orange point fr."


def _notes() -> list[str]:
    notes = [
        document.as_note().text
        for language in realistic.LANGUAGES
        for split in realistic.SPLITS
        for document in realistic.load_corpus(language, split)
    ]
    return [*notes, OBFUSCATED, "j.doe at nhs dot net", "x [at] y [dot] fr, a@b.co.uk"]


def test_every_match_of_a_pattern_holds_what_the_pattern_requires() -> None:
    patterns = [p for cls in RECOGNIZER_CLASSES for p in cls.PATTERNS if p.requires is not None]
    assert patterns
    for text in _notes():
        for pattern in patterns:
            for match in pattern.regex.finditer(text):
                assert pattern.requires.search(match.group()), (pattern.name, match.group())  # type: ignore[union-attr]


def test_obfuscated_addresses_are_still_found() -> None:
    recognizer = FrEmailRecognizer()
    found = {OBFUSCATED[r.start : r.end] for r in recognizer.analyze(OBFUSCATED, ["EMAIL_ADDRESS"])}
    assert found == {"jean.dupont(at)gmail(dot)com", "marie point durand arobase orange point fr"}


def test_a_text_without_what_a_pattern_requires_skips_it_and_finds_nothing() -> None:
    for recognizer in build_recognizers("fr"):
        if isinstance(recognizer, FrEmailRecognizer):
            assert recognizer.analyze("Patient vu à 10 h, sans adresse.", ["EMAIL_ADDRESS"]) == []


PRESIDIO_VALUES = [
    "NINO QQ 12 34 56 C, qq123456c",
    "SSN 123-45-6789, 123456789, 12345-6789, 123-456789, 123 45 6789, 123.45.6789",
    "NHS 943 476 5919, 9434765919, 943-476-5919",
    "NPI 1234567893, 1234 567 893, 1234-567-893",
    "MBI 1EG4-TE5-MK73, IBAN FR76 3000 6000 0112 3456 7890 189, IP 192.168.1.20, fe80::1:2",
    "card 4111 1111 1111 1111, MAC 00:1A:2B:3C:4D:5E",
]


def test_presidio_recognizers_behind_a_prefilter_find_what_they_find_without_it() -> None:
    texts = [*_notes(), *PRESIDIO_VALUES]
    prefiltered = [r for r in build_recognizers("en") if isinstance(r, _Prefiltered)]
    assert {type(r.inner).__name__ for r in prefiltered} == set(PRESIDIO_PREFILTERS)
    for recognizer in prefiltered:
        entities = recognizer.supported_entities
        for text in texts:
            expected = [(r.start, r.end) for r in recognizer.inner.analyze(text, entities, None)]
            found = [(r.start, r.end) for r in recognizer.analyze(text, entities, None)]
            assert found == expected, (recognizer.name, text[:60])
    assert any(r.inner.analyze(PRESIDIO_VALUES[3], r.supported_entities, None) for r in prefiltered)
