from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer
from stdnum import luhn

from anonymization.recognizers.adeli_recognizer import FrAdeliRecognizer
from anonymization.recognizers.email_recognizer import FrEmailRecognizer
from anonymization.recognizers.finess_recognizer import FrFinessRecognizer
from anonymization.recognizers.ipp_recognizer import FrIppRecognizer
from anonymization.recognizers.nda_recognizer import FrNdaRecognizer
from anonymization.recognizers.rpps_recognizer import (
    RPPS_BAD_KEY_SCORE,
    RPPS_SCORE,
    FrRppsRecognizer,
)


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


def scores(recognizer: EntityRecognizer, text: str) -> list[float]:
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [r.score for r in sorted(results, key=lambda r: r.start)]


RPPS_BODY = "1000123456"
RPPS_VALID = RPPS_BODY + luhn.calc_check_digit(RPPS_BODY)
RPPS_INVALID = RPPS_BODY + str((int(luhn.calc_check_digit(RPPS_BODY)) + 1) % 10)


@pytest.mark.parametrize(
    ("text", "expected_score"),
    [
        (f"RPPS {RPPS_VALID}", RPPS_SCORE),
        (f"Dr X, RPPS : {RPPS_VALID}.", RPPS_SCORE),
        (f"(RPPS {RPPS_INVALID})", RPPS_BAD_KEY_SCORE),
        (f"n° RPPS {RPPS_INVALID}", RPPS_BAD_KEY_SCORE),
    ],
)
def test_when_rpps_label_precedes_11_digits_then_they_are_found(
    text: str, expected_score: float
) -> None:
    recognizer = FrRppsRecognizer()
    assert found(recognizer, text) == [text.split()[-1].strip("().:")]
    assert scores(recognizer, text) == [expected_score]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"prescripteur {RPPS_VALID}", [RPPS_VALID]),  # Luhn-valid without label: weak
        (f"prescripteur {RPPS_INVALID}", []),  # Luhn-invalid without label: nothing
        (f"RPPS {RPPS_VALID}1", []),  # 12 digits
        (f"RPPS {RPPS_VALID[:-1]}", []),  # 10 digits
    ],
)
def test_rpps_without_label_needs_its_luhn_key(text: str, expected: list[str]) -> None:
    assert found(FrRppsRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IPP 123456789", ["123456789"]),
        ("n° IPP : 123456", ["123456"]),
        ("IPP: PAT00123456", ["PAT00123456"]),
        ("identifiant patient 00123456", ["00123456"]),
        ("MRN: 1234567", ["1234567"]),
        ("patient ID 987654", ["987654"]),
        ("IPP 12345", []),  # 5 digits: too short
        ("IPP 1234567890123", []),  # 13 digits: too long
        ("Poids 123456789 g", []),  # no label
        ("123456789", []),
        ("Hospital no: 960550910   Date of exam", ["960550910"]),
    ],
)
def test_ipp_is_found_only_after_its_label(text: str, expected: list[str]) -> None:
    assert found(FrIppRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NDA 000123456", ["000123456"]),
        ("NDA000123456", ["000123456"]),
        ("n° de séjour : 654321", ["654321"]),
        ("numéro de dossier 1234567", ["1234567"]),
        ("n° d'admission 123456", ["123456"]),
        ("stay number 123456", ["123456"]),
        ("encounter 20240001", ["20240001"]),
        ("Dossier 2348123199 – Mme Marchand", ["2348123199"]),
        ("séjour de 123456 jours", []),
        ("000123456", []),
    ],
)
def test_nda_is_found_only_after_its_label(text: str, expected: list[str]) -> None:
    assert found(FrNdaRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ADELI 751234567", ["751234567"]),
        ("n° Adeli : 751234567", ["751234567"]),
        ("ADELI 75123456", []),
        ("751234567", []),
    ],
)
def test_adeli_needs_its_label_and_9_digits(text: str, expected: list[str]) -> None:
    assert found(FrAdeliRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FINESS 750712184", ["750712184"]),
        ("FINESS ET : 2A0000123", ["2A0000123"]),
        ("finess géographique 130786049", ["130786049"]),
        ("FINESS 75071218", []),
        ("750712184", []),
    ],
)
def test_finess_needs_its_label(text: str, expected: list[str]) -> None:
    assert found(FrFinessRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("écrire à jean.dupont@orange.fr.", ["jean.dupont@orange.fr"]),
        ("<claire_martin+sante@chu-lyon.fr>", ["claire_martin+sante@chu-lyon.fr"]),
        ("mail: j.doe@example.co.uk", ["j.doe@example.co.uk"]),
        ("a@b", []),
        ("HbA1c @ 7 %", []),
        ("no address here", []),
    ],
)
def test_email_addresses_are_found_without_network(text: str, expected: list[str]) -> None:
    assert found(FrEmailRecognizer(), text) == expected
