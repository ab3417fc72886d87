"""Recognizers for free-text de-identification of French (and English) clinical notes.

Every recognizer works with `nlp_artifacts=None`: the context each type needs is in its
regex. Identifier recognizers (NIR, INS, RPPS…) run for both languages: a French
hospital's English notes still carry French identifiers. English notes also get
Presidio's own predefined recognizers for other countries' identifiers (US SSN, UK NHS
and NI numbers, Medicare MBI, NPI) and both languages those for IBAN, payment cards, IP
and MAC addresses, each with its checksum where it has one.
"""

from __future__ import annotations

import re
from typing import Any, Final

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    MacAddressRecognizer,
    NhsRecognizer,
    UkNinoRecognizer,
    UsMbiRecognizer,
    UsNpiRecognizer,
    UsSsnRecognizer,
)

from anonymization.recognizers.address_recognizer import AddressRecognizer
from anonymization.recognizers.adeli_recognizer import FrAdeliRecognizer
from anonymization.recognizers.age_recognizer import AgeRecognizer
from anonymization.recognizers.date_recognizer import FrDateRecognizer
from anonymization.recognizers.email_recognizer import FrEmailRecognizer
from anonymization.recognizers.establishment_recognizer import EstablishmentRecognizer
from anonymization.recognizers.finess_recognizer import FrFinessRecognizer
from anonymization.recognizers.ins_recognizer import FrInsRecognizer
from anonymization.recognizers.ipp_recognizer import FrIppRecognizer
from anonymization.recognizers.lexicon_name_recognizer import LexiconNameRecognizer
from anonymization.recognizers.location_recognizer import LocationRecognizer
from anonymization.recognizers.nda_recognizer import FrNdaRecognizer
from anonymization.recognizers.nir_recognizer import FrNirRecognizer
from anonymization.recognizers.organization_recognizer import OrganizationRecognizer
from anonymization.recognizers.person_recognizer import PersonRecognizer
from anonymization.recognizers.phone_recognizer import FrPhoneRecognizer
from anonymization.recognizers.place_name_recognizer import PlaceNameRecognizer
from anonymization.recognizers.record_number_recognizer import RecordNumberRecognizer
from anonymization.recognizers.rpps_recognizer import FrRppsRecognizer
from anonymization.recognizers.short_date_recognizer import ShortDateRecognizer
from anonymization.recognizers.spoken_number_recognizer import SpokenNumberRecognizer
from anonymization.recognizers.url_recognizer import FrUrlRecognizer
from sovex.model.errors import InvalidInput

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
    FrUrlRecognizer,
    FrPhoneRecognizer,
    SpokenNumberRecognizer,
    FrDateRecognizer,
    ShortDateRecognizer,
    AgeRecognizer,
    RecordNumberRecognizer,
    AddressRecognizer,
    EstablishmentRecognizer,
    LocationRecognizer,
    PlaceNameRecognizer,
    OrganizationRecognizer,
    PersonRecognizer,
    LexiconNameRecognizer,
)
# Presidio's predefined recognizers: every language, then English only.
PRESIDIO_CLASSES: Final = (IbanRecognizer, CreditCardRecognizer, IpRecognizer, MacAddressRecognizer)
PRESIDIO_ENGLISH_CLASSES: Final = (
    UsSsnRecognizer,
    NhsRecognizer,
    UkNinoRecognizer,
    UsMbiRecognizer,
    UsNpiRecognizer,
)
ENTITY_TYPES: Final[tuple[str, ...]] = tuple(
    dict.fromkeys(cls.ENTITY for cls in RECOGNIZER_CLASSES)
)


# Presidio's regexes are slow on long notes (the IPv6 one above all); each runs only on a
# text where a cheap pattern its values always contain is present (the digits and letters
# of every one of its patterns, without their boundaries).
PRESIDIO_PREFILTERS: Final[dict[str, re.Pattern[str]]] = {
    "IbanRecognizer": re.compile(r"[A-Z]{2}\d{2}"),
    "CreditCardRecognizer": re.compile(r"\d{4}[ -]?\d{4}"),
    "IpRecognizer": re.compile(
        r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]{0,4}::?[0-9A-Fa-f]{1,4}:"
    ),
    "MacAddressRecognizer": re.compile(r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]"),
    "UsSsnRecognizer": re.compile(r"[0-9]{3}[- .]?[0-9]{2}[- .]?[0-9]{4}"),
    "NhsRecognizer": re.compile(r"[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}"),
    # Presidio compiles its patterns case-insensitive: so is this one.
    "UkNinoRecognizer": re.compile(r"[a-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[a-d]", re.I),
    "UsMbiRecognizer": re.compile(r"\d[A-Za-z]"),
    "UsNpiRecognizer": re.compile(r"[12]\d{9}|[12]\d{3}[ -]\d{3}[ -]\d{3}"),
}


class _Prefiltered(EntityRecognizer):
    """A Presidio recognizer that runs only where its prefilter matches."""

    def __init__(self, inner: EntityRecognizer, prefilter: re.Pattern[str]) -> None:
        self.inner = inner
        self.prefilter = prefilter
        super().__init__(
            supported_entities=list(inner.supported_entities),
            supported_language=inner.supported_language,
            name=type(inner).__name__,
        )

    def load(self) -> None:
        """The inner recognizer is loaded already."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.prefilter.search(text) is None:
            return []
        return self.inner.analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]


def _presidio(cls: Any, language: str) -> EntityRecognizer:
    recognizer = cls(supported_language=language)
    prefilter = PRESIDIO_PREFILTERS.get(cls.__name__)
    return recognizer if prefilter is None else _Prefiltered(recognizer, prefilter)


def build_recognizers(language: str) -> list[EntityRecognizer]:
    """One instance of every recognizer, tagged with `language` ("fr" or "en")."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(
            f"Language must be one of {', '.join(SUPPORTED_LANGUAGES)}; provided {language!r}"
        )
    recognizers: list[EntityRecognizer] = [
        cls(supported_language=language) for cls in RECOGNIZER_CLASSES
    ]
    presidio = PRESIDIO_CLASSES + (PRESIDIO_ENGLISH_CLASSES if language == "en" else ())
    recognizers += [_presidio(cls, language) for cls in presidio]
    return recognizers


__all__ = ["ENTITY_TYPES", "RECOGNIZER_CLASSES", "SUPPORTED_LANGUAGES", "build_recognizers"]
