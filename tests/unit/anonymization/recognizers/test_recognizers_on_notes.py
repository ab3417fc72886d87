"""All recognizers together, on whole notes: what the scrubber relies on."""

from __future__ import annotations

import socket

import pytest
from presidio_analyzer import RecognizerResult
from stdnum import luhn

from anonymization.medical_terms import is_medical_term_span
from anonymization.nir import format_nir
from anonymization.recognizers import ENTITY_TYPES, RECOGNIZER_CLASSES, build_recognizers
from sovex.model.errors import InvalidInput

NIR = format_nir("2850797123456", spaced=True)
INS = format_nir("1840375123456")
RPPS = "1000123456" + luhn.calc_check_digit("1000123456")

# Every identifier type once, each value distinct so the test can find it.
FRENCH_NOTE = (
    "Compte rendu d'hospitalisation – service de cardiologie, CHU de Rennes\n"
    "Patiente : Mme Claire DUPONT, née le 12/03/1954, âgée de 94 ans. IPP 123456789 – "
    "NDA 000123456.\nAncienne ouvrière chez Michelin. Scanner n° CT-2024-118406, images sur "
    "https://pacs.chu-exemple.fr/viewer?acc=77341.\n"
    f"N° de sécurité sociale : {NIR}. Matricule INS {INS}.\n"
    "Adresse : 3 bis avenue Jean Jaurès, 69007 Lyon. Tél. : 06 12 34 56 78.\n"
    "Courriel : claire.dupont54@orange.fr.\n"
    "Motif : infarctus du myocarde (I21.9). Score de Glasgow à 15.\n"
    f"Dr Jean-Pierre Le Gall – RPPS {RPPS} – ADELI 751234567 – FINESS 690781810\n"
)
EXPECTED_FRENCH = {
    "PERSON": ["Claire DUPONT", "Jean-Pierre Le Gall"],
    "DATE": ["12/03/1954"],
    "AGE": ["94"],
    "HOSPITAL": ["CHU de Rennes"],
    "ORGANIZATION": ["Michelin"],
    "RECORD_NUMBER": ["CT-2024-118406"],
    "URL": ["https://pacs.chu-exemple.fr/viewer?acc=77341"],
    "FR_IPP": ["123456789"],
    "FR_NDA": ["000123456"],
    "FR_NIR": [NIR],
    "FR_INS": [INS],
    "ADDRESS": ["3 bis avenue Jean Jaurès, 69007 Lyon"],  # the town goes with it
    "LOCATION": ["69007 Lyon"],
    "PHONE_NUMBER": ["06 12 34 56 78"],
    "EMAIL_ADDRESS": ["claire.dupont54@orange.fr"],
    "FR_RPPS": [RPPS],
    "FR_ADELI": ["751234567"],
    "FR_FINESS": ["690781810"],
}

ENGLISH_NOTE = (
    "Discharge summary. Patient: Mr John Smith, DOB: March 12, 1954, MRN: 00123456.\n"
    "Address: Flat 3, 10 Downing Road, London SW1A 1AA. Phone +44 20 7946 0958.\n"
    "Email john.smith@example.co.uk. Seen by Dr. Sarah Connor.\n"
)

# Eponyms, drugs, doses and ICD-10 codes only: nothing here identifies anyone.
MEDICAL_NOTE = (
    "Antécédents : maladie de Parkinson, syndrome de Cushing opéré, maladie de Crohn "
    "iléale, thyroïdite de Hashimoto, lymphome de Hodgkin en rémission, maladie de Basedow, "
    "syndrome de Guillain-Barré, maladie d'Alzheimer débutante, syndrome de Sjögren.\n"
    "Examen : Signe de Babinski absent des deux côtés. Score de Glasgow à 15. Signe de "
    "Murphy négatif. Manœuvre de Valsalva sans particularité. Score de Child-Pugh A5. "
    "Pas de signe de Lasègue. Test de Romberg négatif. Signe de Homans négatif.\n"
    "Bilan : HTA, BPCO stade III, FEVG 45 %, HbA1c 7,4 %, DFG 54 mL/min, TSH normale, "
    "IRM cérébrale et ECG normaux, classification NYHA II, score ASA 2.\n"
    "Traitement : metformine 1000 mg matin et soir, insuline glargine 22 UI le soir, "
    "amlodipine 5 mg, ramipril 5 mg, lévodopa/bensérazide 100 mg trois fois par jour, "
    "apixaban 5 mg deux fois par jour. Codage : E11.9, I10, G20, K50.9.\n"
)


def _analyze(language: str, text: str) -> list[RecognizerResult]:
    results = []
    for recognizer in build_recognizers(language):
        results += recognizer.analyze(text, recognizer.supported_entities, None)
    return results


def _found(results: list[RecognizerResult], text: str) -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {}
    for result in sorted(results, key=lambda r: r.start):
        by_type.setdefault(result.entity_type, []).append(text[result.start : result.end])
    return by_type


@pytest.mark.parametrize(("entity_type", "values"), sorted(EXPECTED_FRENCH.items()))
def test_a_french_note_with_every_identifier_yields_each_of_them(
    entity_type: str, values: list[str]
) -> None:
    found = _found(_analyze("fr", FRENCH_NOTE), FRENCH_NOTE)
    for value in values:
        assert value in found.get(entity_type, []), entity_type


def test_the_sample_note_covers_every_entity_type() -> None:
    assert set(EXPECTED_FRENCH) == set(ENTITY_TYPES)


@pytest.mark.parametrize(
    ("entity_type", "value"),
    [
        ("PERSON", "John Smith"),
        ("PERSON", "Sarah Connor"),
        ("DATE", "March 12, 1954"),
        ("FR_IPP", "00123456"),
        # Whatever follows "Address:" goes, the town and postcode with the street.
        ("ADDRESS", "Flat 3, 10 Downing Road, London SW1A 1AA"),
        ("LOCATION", "London SW1A 1AA"),
        ("PHONE_NUMBER", "+44 20 7946 0958"),
        ("EMAIL_ADDRESS", "john.smith@example.co.uk"),
    ],
)
def test_an_english_note_yields_its_identifiers(entity_type: str, value: str) -> None:
    assert value in _found(_analyze("en", ENGLISH_NOTE), ENGLISH_NOTE).get(entity_type, [])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pure_medical_text_yields_no_person_place_or_address(language: str) -> None:
    kept_types = {"PERSON", "LOCATION", "ADDRESS"}
    leaks = [
        MEDICAL_NOTE[r.start : r.end]
        for r in _analyze(language, MEDICAL_NOTE)
        if r.entity_type in kept_types and not is_medical_term_span(MEDICAL_NOTE, r.start, r.end)
    ]
    assert leaks == []


def test_pure_medical_text_yields_no_identifier_at_all() -> None:
    identifiers = [r for r in _analyze("fr", MEDICAL_NOTE) if r.entity_type.startswith("FR_")]
    assert identifiers == []


def test_recognizers_never_touch_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert _found(_analyze("fr", FRENCH_NOTE), FRENCH_NOTE)["EMAIL_ADDRESS"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_build_recognizers_gives_every_entity_type_in_the_language(language: str) -> None:
    recognizers = build_recognizers(language)
    own = recognizers[: len(RECOGNIZER_CLASSES)]
    assert {e for r in own for e in r.supported_entities} == set(ENTITY_TYPES)
    assert {r.supported_language for r in recognizers} == {language}


def test_english_notes_also_get_presidio_recognizers_for_other_countries() -> None:
    english = {e for r in build_recognizers("en") for e in r.supported_entities}
    french = {e for r in build_recognizers("fr") for e in r.supported_entities}
    assert {"US_SSN", "UK_NHS", "IBAN_CODE", "CREDIT_CARD", "IP_ADDRESS"} <= english
    assert "US_SSN" not in french and "IBAN_CODE" in french


def test_when_language_is_unsupported_then_build_recognizers_refuses_it() -> None:
    with pytest.raises(InvalidInput, match="fr, en"):
        build_recognizers("de")


def test_results_cover_only_the_value_not_its_label() -> None:
    found = _found(_analyze("fr", FRENCH_NOTE), FRENCH_NOTE)
    assert all(not value.startswith(("IPP", "NDA", "RPPS")) for values in found.values()
               for value in values)  # fmt: skip


def test_no_recognizer_of_ours_shadows_one_of_presidio_by_name() -> None:
    # Presidio's registry finds its predefined recognizers by class name among every
    # EntityRecognizer subclass: one of ours with the same name would be taken instead.
    import presidio_analyzer.predefined_recognizers as predefined

    presidio_names = {name for name in dir(predefined) if name.endswith("Recognizer")}
    ours = {type(r).__name__ for r in build_recognizers("en")} - presidio_names
    assert {cls.__name__ for cls in RECOGNIZER_CLASSES} <= ours
