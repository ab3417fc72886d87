from __future__ import annotations

import pytest

from anonymization.medical_terms import MEDICAL_TRAP_TERMS, is_medical_term_span


def _span_of(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Antécédents : maladie de Parkinson.", "Parkinson"),
        ("syndrome de Cushing opéré", "Cushing"),
        ("Signe de Babinski absent", "Babinski"),
        ("Score de Glasgow à 15", "Glasgow"),
        ("score de Child-Pugh B", "Child-Pugh"),
        ("classification de NYHA", "NYHA"),
        ("maladie d'Alzheimer débutante", "Alzheimer"),
        ("maladie d’Alzheimer débutante", "Alzheimer"),
        ("Manœuvre de Valsalva", "Valsalva"),
        ("critères de Duke modifiés", "Duke"),  # not in the deny-list: context decides
        ("gangrène de Fournier", "Fournier"),
        ("triade de Charcot", "Charcot"),
        ("échelle de Rankin", "Rankin"),
        ("lymphome de Hodgkin", "Hodgkin"),
        ("virus d'Epstein-Barr", "Epstein-Barr"),
    ],
)
def test_when_a_name_follows_an_eponym_head_then_it_is_medical(text: str, word: str) -> None:
    assert is_medical_term_span(text, *_span_of(text, word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Parkinson's disease since 2015", "Parkinson"),
        ("Crohn's disease", "Crohn"),
        ("a positive Babinski sign", "Babinski"),
        ("Cushing syndrome", "Cushing"),
    ],
)
def test_when_an_english_eponym_phrase_follows_then_it_is_medical(text: str, word: str) -> None:
    assert is_medical_term_span(text, *_span_of(text, word))


@pytest.mark.parametrize(
    "word",
    ["Parkinson", "Apgar", "Gleason", "Breslow", "Horton", "Raynaud", "Guillain-Barré",
     "Kaposi", "Hodgkin", "Basedow", "Paget", "Lyme", "Epstein-Barr", "SJÖGREN", "Sjogren"],
)  # fmt: skip
def test_when_a_span_is_a_known_eponym_alone_then_it_is_medical(word: str) -> None:
    text = f"Suivi : {word}, stable."
    assert is_medical_term_span(text, *_span_of(text, word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("metformine 1000 mg matin et soir", "metformine"),
        ("Lévodopa/bensérazide", "Lévodopa"),
        ("insuline glargine 22 UI", "22 UI"),
        ("dose 1000 mg", "1000 mg"),
        ("codage E11.9", "E11.9"),
        ("codage I10", "I10"),
        ("Bilan : HTA, IRM", "HTA"),
    ],
)
def test_drugs_doses_codes_and_acronyms_are_medical(text: str, word: str) -> None:
    assert is_medical_term_span(text, *_span_of(text, word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Mme Claire Parkinson, 54 ans", "Claire Parkinson"),
        ("Mme Parkinson revue", "Parkinson"),
        ("Dr Wilson, cardiologue", "Wilson"),
        ("Patiente Alzheimer revue", "Alzheimer"),
        ("Je vous adresse Claire Martin", "Claire Martin"),
        ("vu par Fournier", "Fournier"),  # an ambiguous eponym is not in the deny-list
        ("Je vous adresse Eva Martin", "Eva"),  # "EVA" is an acronym, "Eva" is a name
        ("75012 Paris", "75012 Paris"),
        ("confort, fille Sylviane à prévenir", "Sylviane"),  # also a brand's name
        ("lives with his wife Carla", "Carla"),
    ],
)
def test_people_and_places_are_not_medical(text: str, word: str) -> None:
    assert not is_medical_term_span(text, *_span_of(text, word))


def test_an_empty_span_is_not_medical() -> None:
    assert not is_medical_term_span("maladie de  ", 11, 12)


@pytest.mark.parametrize("term", MEDICAL_TRAP_TERMS)
def test_every_trap_term_is_medical_as_a_whole(term: str) -> None:
    text = f"Antécédents : {term}."
    assert is_medical_term_span(text, *_span_of(text, term))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Patient calme, créatinine 88 µmol/L. Douleur", "créatinine 88 µmol/L"),
        ("Douleur Child-Pugh C10, furosémide", "Child-Pugh C10"),
        ("sodium 131 mmol/L. Rockwood 5. amoxicillin", "Rockwood 5"),
        ("consistent with early Graves' disease (I48.0)", "Graves' disease"),
        ("PMH: Crohn's disease, Graves'. pain score", "Graves'"),
        ("potassium 4.1 mmol/L. Critical result phoned", "L. Critical"),
        ("| Movicol sachet | 1 | PO |", "Movicol"),  # a form after it
        ("| Movicol sachet | 1 | PO |", "Movicol sachet"),  # the form inside the span
        ("Complete course. Ongoing Parkinson's - on Sinemet", "Ongoing Parkinson"),
        ("portal phases after 100 mL Omnipaque 350 IV", "Omnipaque"),  # a dose before it
        ("- Take Xarelto (rivaroxaban) 15 mg twice a day", "Xarelto"),  # its generic after it
        ("clinically consider ruptured Baker's vs DVT", "Baker's"),  # the head implied
        ("Gleason score 3+4=7 (Grade Group 2), 1 of 2 cores", "Grade Group"),  # and its value
    ],
)
def test_when_a_span_is_a_measurement_or_an_eponym_then_it_is_medical(text: str, span: str) -> None:
    assert is_medical_term_span(text, *_span_of(text, span))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("(109 ter, allée Schœlcher, 06300 NICE).", "06300 NICE"),
        ("Birmingham B15 9NQ", "Birmingham B15 9NQ"),
        ("Mr Graves' wife called", "Graves'"),
        ("Mrs Baker's daughter phoned", "Baker's"),
        ("Kinésithérapie : Cabinet de radiologie de l'Esplanade", "Cabinet de radiologie"),
        ("Dictated 07/08/2024 Typed 13/08/2024 jh", "Typed"),  # one word before a number
    ],
)
def test_when_a_span_is_a_place_or_a_titled_person_then_it_is_not_medical(
    text: str, span: str
) -> None:
    assert not is_medical_term_span(text, *_span_of(text, span))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (
            "Hémocultures sur KT : Staphylococcus epidermidis, vancomycine.",
            "Staphylococcus epidermidis",
        ),
        ("ECBU : Klebsiella pneumoniae BLSE", "Klebsiella pneumoniae BLSE"),
        ("Sputum grew Pseudomonas aeruginosa and Candida spp.", "Candida spp."),
        ("Sérologie Chlamydia négative", "Chlamydia"),
    ],
)
def test_micro_organisms_are_medical(text: str, word: str) -> None:
    assert is_medical_term_span(text, *_span_of(text, word))


@pytest.mark.parametrize(
    ("text", "word", "medical"),
    [
        ("Antibioprophylaxie Céfazoline 2 g à H-30", "Antibioprophylaxie Céfazoline", True),
        ("Post-op day 2 after Cholecystectomy", "Cholecystectomy", True),
        ("Vu avec Jérémie, son fils", "Jérémie", False),  # a given name, whatever its ending
        ("Staphylococcus Martin", "Staphylococcus Martin", False),  # a genus needs a species
    ],
)
def test_words_on_a_medical_suffix_are_vocabulary_but_names_are_not(
    text: str, word: str, medical: bool
) -> None:
    assert is_medical_term_span(text, *_span_of(text, word)) is medical


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Extubated in OR, Foley out POD2.", "Foley"),
        ("DRAINS: 19 Fr Blake drain", "Blake"),
        ("Apgars 8 and 9, uncomplicated SVD", "Apgars"),
        ("Abbey Pain Scale 9 (mild)", "Abbey"),
        ("skin closed with Dermabond", "Dermabond"),
        ("Fostair 100/6 2 puffs BD", "Fostair"),
        ("Hoehn and Yahr stage 2", "Hoehn"),
    ],
)
def test_when_a_device_scale_or_brand_is_named_alone_then_it_is_medical(
    text: str, word: str
) -> None:
    assert is_medical_term_span(text, *_span_of(text, word))


def test_when_a_title_precedes_an_eponym_then_it_is_a_person() -> None:
    text = "Discussed with Dr Foley on call"
    assert not is_medical_term_span(text, *_span_of(text, "Foley"))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("suivi par l'association France Victimes 23.", "association France Victimes 23"),
        ("service Aide et Soins 14 contacté", "Aide et Soins 14"),
    ],
)
def test_when_an_organisation_ends_in_its_number_then_it_is_no_measurement(
    text: str, span: str
) -> None:
    assert not is_medical_term_span(text, *_span_of(text, span))


def test_when_a_word_ends_in_a_value_then_it_is_still_a_measurement() -> None:
    text = "Rockwood 5, créatinine 88 µmol/L"
    assert is_medical_term_span(text, *_span_of(text, "Rockwood 5"))
