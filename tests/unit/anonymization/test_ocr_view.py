"""Scanned notes read by OCR: the look-alike characters undone for the recognizers, the
offsets kept, and typed notes left alone."""

from __future__ import annotations

import pytest

from anonymization.ocr_view import looks_ocr, ocr_view
from anonymization.scrubber import Scrubber

OCR_LETTER = (
    "CENTRE HOSPlTALIER - Service de Rhumato1ogie\n"
    "B1ois, le 21 octobre 2O24\n"
    "Secretariat : O2 54 55 61 12\n"
    "Bio1ogie du 14/1O : CRP 18 mg/l. Polyarthrite diagnostiquee en mai 2O19.\n"
    "Dr C1aire LEFEBVRE, rhumato1ogue\n"
)
OCR_FAX = (
    "FROM: CAPE C0D FAMlLY MED   FAX: 5O8-555-0174     O3/O2/2024\n"
    "Referring Provider: Samue1 Whit1ock, MD\n"
    "TSH O2/2O/24: 2.1 (nl). Phone (H): 508 555-Ol88\n"
)


@pytest.mark.parametrize(
    "typed",
    [
        "HbA1c 7.2 %, HbA1c cible < 7, HbA1c de contrôle dans 3 mois. O2 2 L/min.",
        "T1DM since 2009, q1h neuro obs, C1D1 on 3/4, T1DM education, T1DM clinic.",
        "Specimen S24-1187: pT2N0M0. FiO2 40 %, O2 sat 94 %, 2O min de marche.",
        "Semicolons; everywhere;but no scan here; 12 mg",
    ],
)
def test_typed_notes_are_read_as_written(typed: str) -> None:
    assert not looks_ocr(typed)
    assert ocr_view(typed) == typed


@pytest.mark.parametrize(
    ("scanned", "corrected"),
    [
        ("2O24", "2024"),
        ("O2 54 55 61 12", "02 54 55 61 12"),
        ("14/1O", "14/10"),
        ("B1ois", "Blois"),
        ("C1aire LEFEBVRE", "Claire LEFEBVRE"),
        ("HOSPlTALIER", "HOSPITALIER"),
        ("Rhumato1ogie", "Rhumatologie"),
    ],
)
def test_an_ocr_letter_is_read_corrected_character_for_character(
    scanned: str, corrected: str
) -> None:
    view = ocr_view(OCR_LETTER)
    assert len(view) == len(OCR_LETTER)
    start = OCR_LETTER.index(scanned)
    assert view[start : start + len(scanned)] == corrected


@pytest.mark.parametrize(
    ("scanned", "corrected"),
    [
        ("C0D FAMlLY", "COD FAMILY"),
        ("5O8-555", "508-555"),
        ("O2/2O/24", "02/20/24"),  # as many look-alikes as digits: only inside a date
        ("555-Ol88", "555-0188"),
        ("Samue1 Whit1ock", "Samuel Whitlock"),
    ],
)
def test_an_ocr_fax_is_read_corrected(scanned: str, corrected: str) -> None:
    view = ocr_view(OCR_FAX)
    start = OCR_FAX.index(scanned)
    assert view[start : start + len(scanned)] == corrected


@pytest.mark.parametrize(
    ("text", "secrets", "language", "kept"),
    [
        (OCR_LETTER, ["B1ois", "2O24", "O2 54 55", "14/1O", "2O19", "C1aire", "LEFEBVRE"], "fr",
         "Bio1ogie du"),
        (OCR_FAX, ["O3/O2/2024", "Samue1", "Whit1ock", "O2/2O/24", "555-Ol88"], "en",
         "TSH"),
    ],
)  # fmt: skip
def test_the_scrubber_redacts_what_ocr_garbled_and_leaves_the_rest_as_scanned(
    text: str, secrets: list[str], language: str, kept: str
) -> None:
    scrubbed = Scrubber(language).scrub([text])[0].text
    for secret in secrets:
        assert secret not in scrubbed
    assert kept in scrubbed  # the note is redacted, never rewritten
