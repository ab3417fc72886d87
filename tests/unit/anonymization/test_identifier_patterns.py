from __future__ import annotations

import random
import re

import pytest

from anonymization.identifier_patterns import (
    COMPILED_IDENTIFIER_PATTERNS,
    EMAIL,
    FR_NIR,
    FR_PHONE,
    PSEUDONYM_PATTERN,
    RESIDUAL_IDENTIFIER_PATTERNS,
    find_identifiers,
    find_nirs,
)
from anonymization.nir import format_nir

# Fixed seed: the test must not touch the global random generator.
HEX_SAMPLES = 20_000
_rng = random.Random(20240301)


def _random_pseudonym() -> str:
    return f"{_rng.getrandbits(128):032x}"


# A NIR with a valid key, and the same body with a wrong key.
VALID_NIR = format_nir("1840375123456")
WRONG_KEY_NIR = VALID_NIR[:13] + f"{(int(VALID_NIR[13:]) % 97) + 1:02d}"


@pytest.mark.parametrize(
    "text",
    [
        "184037512345678",
        "1 84 03 75 123 456 78",
        "2 90 12 2A 123 456 78",
        "290122B12345678",
        "1 84 03 971 23 456 78",
        "3 84 03 99 123 456 78",
        "7 84 03 75 123 456 78",
        "8 84 03 75 123 456 78",
        "Patient NIR: 184037512345678.",
        "nir=1.84.03.75.123.456.78",
    ],
)
def test_nir_shaped_values_match_the_nir_pattern(text: str) -> None:
    assert re.search(FR_NIR, text)


@pytest.mark.parametrize(
    "text",
    [
        "5 84 03 75 123 456 78",  # 5 is not a valid first digit
        "18403751234567",  # 14 characters
        "18403751234567890",  # 17 digits: part of a longer number
        "A184037512345678",  # glued to a code
        "2024-03-01",
        "E11.9",
        "7.2",
    ],
)
def test_non_nir_values_do_not_match_the_nir_pattern(text: str) -> None:
    assert not re.search(FR_NIR, text)


@pytest.mark.parametrize(
    "text",
    [
        "jean.dupont@example.fr",
        "Écrire à marie-claire+suivi@chu-lyon.sante.fr svp",
        "J.DUPONT@EXAMPLE.COM",
    ],
)
def test_email_addresses_match_the_email_pattern(text: str) -> None:
    assert re.search(EMAIL, text)


@pytest.mark.parametrize("text", ["jean.dupont at example.fr", "@handle", "a@b", "x@y.1"])
def test_non_addresses_do_not_match_the_email_pattern(text: str) -> None:
    assert not re.search(EMAIL, text)


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "01.23.45.67.89",
        "06-12-34-56-78",
        "Rappeler au 06 12 34 56 78 demain",
    ],
)
def test_french_phone_numbers_match_the_phone_pattern(text: str) -> None:
    assert re.search(FR_PHONE, text)


@pytest.mark.parametrize(
    "text",
    [
        "00 12 34 56 78",  # no area digit
        "06 12 34 56",  # too short
        "061234567890",  # too long
        "2024-03-01",
        "7.2",
    ],
)
def test_non_phone_values_do_not_match_the_phone_pattern(text: str) -> None:
    assert not re.search(FR_PHONE, text)


@pytest.mark.parametrize(
    "text",
    [
        "E11.9",
        "I10",
        "C50.912",
        "Z00.00",
        "2024-03-01",
        "2024-03",
        "2024-03-01T10:11:12",
        "01/03/2024",
        "7.2",
        "-12.75",
        "120/80 mmHg",
        "HbA1c 7.2 %",
        "LOINC 4548-4",
        "2345-7",
        "75",
        "2A",
        "1984",
        "glycémie à jeun 1.26 g/L le 2024-03-01",
    ],
)
def test_clinical_codes_dates_and_measurements_match_no_identifier_pattern(text: str) -> None:
    assert find_identifiers(text) == []


def test_random_pseudonyms_match_no_identifier_pattern() -> None:
    for _ in range(HEX_SAMPLES):
        pseudonym = _random_pseudonym()
        assert re.search(PSEUDONYM_PATTERN, pseudonym)
        assert find_identifiers(pseudonym) == [], "a pseudonym matched an identifier pattern"


def test_digit_heavy_pseudonyms_match_no_identifier_pattern() -> None:
    # Hex strings made almost only of digits are the worst case for NIR and phone patterns.
    for _ in range(HEX_SAMPLES // 10):
        pseudonym = "".join(_rng.choice("0123456789a") for _ in range(32))
        assert find_identifiers(pseudonym) == []


@pytest.mark.parametrize(
    "value",
    [
        "0123456789abcdef0123456789abcde",  # 31 characters
        "0123456789abcdef0123456789abcdef0",  # 33 characters
        "0123456789ABCDEF0123456789ABCDEF",  # uppercase
        "0123456789abcdef0123456789abcdeg",  # not hex
        "0123456789abcdef0123456789abcdef\n",  # trailing newline
        " 0123456789abcdef0123456789abcdef",
    ],
)
def test_malformed_pseudonyms_do_not_match_the_pseudonym_pattern(value: str) -> None:
    assert not re.search(PSEUDONYM_PATTERN, value)


def test_every_identifier_pattern_is_named_and_compiled() -> None:
    assert set(RESIDUAL_IDENTIFIER_PATTERNS) == {"FR_NIR", "EMAIL", "FR_PHONE"}
    assert set(COMPILED_IDENTIFIER_PATTERNS) == set(RESIDUAL_IDENTIFIER_PATTERNS)


def test_find_identifiers_names_each_rule_found() -> None:
    text = f"NIR {VALID_NIR}, mail jean@example.fr, tel 06 12 34 56 78"
    assert find_identifiers(text) == ["FR_NIR", "EMAIL", "FR_PHONE"]


def test_find_nirs_keeps_only_nirs_whose_key_is_valid() -> None:
    text = f"vrai {VALID_NIR} faux {WRONG_KEY_NIR}"
    matches = find_nirs(text)
    assert [match.group() for match in matches] == [VALID_NIR]
    assert text[matches[0].start() : matches[0].end()] == VALID_NIR


def test_find_nirs_accepts_spaced_and_corsican_nirs() -> None:
    spaced = format_nir("1840375123456", spaced=True)
    corsican = format_nir("290122A123456")
    assert [match.group() for match in find_nirs(f"{spaced} / {corsican}")] == [spaced, corsican]
