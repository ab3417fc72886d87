"""Recognizers for free-text de-identification of French (and English) clinical notes.

Every recognizer works with `nlp_artifacts=None`: the context each type needs is in its
regex. Identifier recognizers (NIR, INS, RPPS…) run for both languages: a French
hospital's English notes still carry French identifiers.
"""

from __future__ import annotations

from typing import Final

from presidio_analyzer import EntityRecognizer

from anonymization.recognizers.address_recognizer import AddressRecognizer
from anonymization.recognizers.adeli_recognizer import FrAdeliRecognizer
from anonymization.recognizers.date_recognizer import FrDateRecognizer
from anonymization.recognizers.email_recognizer import FrEmailRecognizer
from anonymization.recognizers.finess_recognizer import FrFinessRecognizer
from anonymization.recognizers.ins_recognizer import FrInsRecognizer
from anonymization.recognizers.ipp_recognizer import FrIppRecognizer
from anonymization.recognizers.location_recognizer import LocationRecognizer
from anonymization.recognizers.nda_recognizer import FrNdaRecognizer
from anonymization.recognizers.nir_recognizer import FrNirRecognizer
from anonymization.recognizers.person_recognizer import PersonRecognizer
from anonymization.recognizers.phone_recognizer import FrPhoneRecognizer
from anonymization.recognizers.rpps_recognizer import FrRppsRecognizer
from sovex.errors import InvalidInput

SUPPORTED_LANGUAGES: Final = ("fr", "en")

# One class per entity type, in the order their results are most trusted.
RECOGNIZER_CLASSES: Final = (
    FrInsRecognizer,
    FrNirRecognizer,
    FrRppsRecognizer,
    FrAdeliRecognizer,
    FrFinessRecognizer,
    FrIppRecognizer,
    FrNdaRecognizer,
    FrEmailRecognizer,
    FrPhoneRecognizer,
    FrDateRecognizer,
    AddressRecognizer,
    LocationRecognizer,
    PersonRecognizer,
)
ENTITY_TYPES: Final[tuple[str, ...]] = tuple(cls.ENTITY for cls in RECOGNIZER_CLASSES)


def build_recognizers(language: str) -> list[EntityRecognizer]:
    """One instance of every recognizer, tagged with `language` ("fr" or "en")."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(SUPPORTED_LANGUAGES)}; provided {language!r}"
        )
    return [cls(supported_language=language) for cls in RECOGNIZER_CLASSES]


__all__ = ["ENTITY_TYPES", "RECOGNIZER_CLASSES", "SUPPORTED_LANGUAGES", "build_recognizers"]
