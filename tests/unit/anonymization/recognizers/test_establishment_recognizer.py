from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.establishment_recognizer import EstablishmentRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


HOSPITAL = EstablishmentRecognizer()


@pytest.mark.parametrize(
    "name",
    [
        "CHU de Rennes",
        "CHU Grenoble Alpes",
        "CH de Morlaix",
        "Centre Hospitalier Guillaume Régnier",
        "CENTRE HOSPITALIER UNIVERSITAIRE DE MARTINIQUE",
        "Hôpital de la Cavale Blanche",
        "HOPITAL NECKER",
        "Groupe Hospitalier Pellegrin",
        "Hôpitaux Universitaires de Strasbourg",
        "Clinique du Parc",
        "Polyclinique de l'Atlantique",
        "EHPAD Les Jardins de Kercado",
        "Centre de Rééducation de Kerpape",
    ],
)
def test_when_a_french_establishment_is_named_after_its_head_word_then_it_is_found_whole(
    name: str,
) -> None:
    assert found(HOSPITAL, f"Transférée au {name}, retour prévu.") == [name]


@pytest.mark.parametrize(
    "name",
    [
        "St Thomas' Hospital",
        "Leeds General Infirmary",
        "Mayo Clinic",
        "Oakwood Care Home",
        "Hospital of St John",
        "Albertsons Pharmacy #187",
    ],
)
def test_when_an_english_establishment_is_named_then_it_is_found_whole(name: str) -> None:
    assert found(HOSPITAL, f"Transferred to {name} today.") == [name]


@pytest.mark.parametrize(
    "name", ["HEGP", "Necker", "AP-HM", "Pitié-Salpêtrière", "Hospices Civils de Lyon"]
)
def test_when_a_well_known_establishment_is_named_without_head_word_then_it_is_found(
    name: str,
) -> None:
    assert found(HOSPITAL, f"Suivi à {name} depuis 2019.") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "adressé par le CHU.",
        "hospitalisé au CHU ce jour",
        "HDJ du CHU",
        "au CH",
        "retour à l'hôpital",
        "l'hôpital de jour",
        "Hôpital de jour",
        "en hôpital de semaine",
        "un hôpital privé",
        "la clinique",
        "clinique psychiatrique",
        "centre de dialyse",
        "institut",
        "the hospital",
        "the Hospital",
        "the clinic",
        "admitted to hospital",
    ],
)
def test_when_a_head_word_stands_alone_then_it_is_generic_and_not_reported(text: str) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "CHU de Rennes service de cardiologie",
        "CHU de Rennes - service de neurologie",
        "CHU de Rennes, Dr Martin",
        "CHU de Rennes le 12 mars",
    ],
)
def test_when_a_service_or_a_person_follows_the_name_then_the_name_ends_before_it(
    text: str,
) -> None:
    assert found(HOSPITAL, text) == ["CHU de Rennes"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Requesting loc: Cheltenham General Ambulatory Emergency Care", ["Cheltenham General"]),
        ("Seen by the Consultant General Surgeon", []),
        ("Overall General Appearance: well", []),
    ],
)
def test_a_town_and_general_name_a_hospital_before_one_of_its_units(
    text: str, expected: list[str]
) -> None:
    assert found(HOSPITAL, text) == expected


@pytest.mark.parametrize(
    ("text", "acronym"),
    [
        ("no LVO so not transferred to UHW for thrombectomy", "UHW"),
        ("If unable to come, go to PVWH ED.", "PVWH"),
        ("admitted to SGH overnight", "SGH"),
    ],
)
def test_when_an_acronym_names_where_care_is_given_then_it_is_an_establishment(
    text: str, acronym: str
) -> None:
    assert found(HOSPITAL, text) == [acronym]


@pytest.mark.parametrize(
    "text",
    ["admitted to ICU overnight", "sent to A&E", "22:15 FALL ward 305", "transferred to CT"],
)
def test_when_the_acronym_is_a_department_or_a_word_then_no_establishment_is_found(
    text: str,
) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    ("text", "establishment"),
    [
        ("referred to Lakeside Radiology, Lenasia", "Lakeside Radiology"),
        ("Dr. Anita Vu, DDS (Ogden Family Dentistry)", "Ogden Family Dentistry"),
        ("First seen at Newtown Union Health Service\n", "Newtown Union Health Service"),
        ("Prenatal care: Riverbend OB/GYN Associates, Dr. Gray", "Riverbend OB/GYN Associates"),
    ],
)
def test_when_a_practice_is_named_by_its_trade_then_it_is_an_establishment(
    text: str, establishment: str
) -> None:
    assert found(HOSPITAL, text) == [establishment]


@pytest.mark.parametrize("text", ["Interventional Radiology consulted", "Paediatric Dentistry"])
def test_when_a_specialty_names_a_department_then_no_establishment_is_found(text: str) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a short admission to Fernbank in January", "Fernbank"),
        ("no wee for 12h -> 999 or A&E Darent Valley. Otherwise", "Darent Valley"),
        ("a UTI and a short admission to HRI in January", "HRI"),
    ],
)
def test_when_a_name_follows_where_care_is_given_then_it_is_an_establishment(
    text: str, name: str
) -> None:
    assert found(HOSPITAL, text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "transferred to Cardiology today",
        "transferred to Ward 7",
        "transferred to Orthopaedics",
        "transferred to Mr Smith",
        "returned to Resus",
        "discharged to Home",
    ],
)
def test_when_a_department_or_a_person_follows_then_no_establishment_is_found(text: str) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Suivi par le Cabinet infirmier Les Tilleuls, passage matin.",
            "Cabinet infirmier Les Tilleuls",
        ),
        ("Hébergé au foyer Adoma Lamartine depuis mars.", "foyer Adoma Lamartine"),
        ("Inscrite en accueil de jour aux Glycines le mardi.", "accueil de jour aux Glycines"),
        ("Trouvé 100 m après l'auberge Le Grand Chêne.", "auberge Le Grand Chêne"),
        ("Cariste chez Renault, site des Forges.", "site des Forges"),
    ],
)
def test_where_people_live_work_or_spend_the_day_is_found_after_its_head(
    text: str, expected: str
) -> None:
    assert found(HOSPITAL, text) == [expected]


@pytest.mark.parametrize(
    "text", ["site opératoire propre", "Site Internet de la HAS", "site de ponction"]
)
def test_a_site_without_a_named_place_is_no_establishment(text: str) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HPI: 77 y/o retired machinist", []),
        ("HPC: fell at home this morning", []),
        ("transférée à l'HPGM hier soir", ["HPGM"]),
        ("Dr Benali, HGE, GH70", ["GH70"]),
        # Words of a note in capitals, not "CH" and letters.
        ("TO DO: CHECK AXR, CHASE CXR. ?CHEST ?COLLECTION", []),
    ],
)
def test_history_headings_are_no_hospital_acronym_but_a_group_named_by_its_departement_is(
    text: str, expected: list[str]
) -> None:
    assert found(HOSPITAL, text) == expected


@pytest.mark.parametrize(
    ("text", "establishment"),
    [
        ("ran out of eliquis and walgreens pharmacy says no refills", "walgreens pharmacy"),
        ("can u call morrison pharmacy for me", "morrison pharmacy"),
        ("she was at hollister clinic yesterday", "hollister clinic"),
    ],
)
def test_when_a_message_names_an_establishment_in_lower_case_then_it_is_found(
    text: str, establishment: str
) -> None:
    assert found(HOSPITAL, text) == [establishment]


@pytest.mark.parametrize(
    "text",
    [
        "she goes to the eye clinic and the local pharmacy",
        "then the gp surgery",
        "review in the nurse-led clinic",
        "booked at the diabetes clinic; community pharmacy; warfarin clinic",
        "can u call the pharmacy",
    ],
)
def test_when_a_lower_case_clinic_is_named_by_ordinary_words_then_it_is_no_establishment(
    text: str,
) -> None:
    assert found(HOSPITAL, text) == []


@pytest.mark.parametrize(
    ("text", "establishment"),
    [("Attended Wansbeck ED overnight.", "Wansbeck"), ("Taken to Darenth A&E by car.", "Darenth")],
)
def test_a_name_before_its_emergency_department_is_an_establishment(
    text: str, establishment: str
) -> None:
    assert found(HOSPITAL, text) == [establishment]


def test_a_specialty_or_an_adjective_before_a_department_is_no_establishment() -> None:
    assert found(HOSPITAL, "Seen in Paediatric ED, then Surgical AMU and Cardiac ICU.") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Invitation CRCDC-BFC du 08/03/2024", "CRCDC-BFC"),
        ("SPST Armor Santé Travail, centre de Lannion", "SPST Armor Santé Travail"),
        ("suivi au CSAPA Le Trait d'Union", "CSAPA Le Trait d'Union"),
    ],
)
def test_when_a_french_care_structure_acronym_heads_a_name_then_it_is_found(
    text: str, name: str
) -> None:
    assert name in found(HOSPITAL, text)


ENGLISH_HOSPITAL = EstablishmentRecognizer(supported_language="en")


@pytest.mark.parametrize(
    "text",
    [
        "Trauma & Orthopaedics (Knee Clinic)\nLocation: OP",
        "Electronically signed by: R. S., MD, Gastrointestinal Pathology, 06/07/2024",
        "SURGICAL PATHOLOGY REPORT\n",
        "CARDIAC CATHETERIZATION LABORATORY REPORT\n",
        "HISTOPATHOLOGY REPORT\nDepartment of Cellular Pathology, St James's",
    ],
)
def test_when_an_english_name_holds_only_medical_words_then_it_is_a_department(text: str) -> None:
    assert [name for name in found(ENGLISH_HOSPITAL, text) if "James" not in name] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Clinic: Desert Sky Rheumatology, Mesa AZ", "Desert Sky Rheumatology"),
        ("admitted to Leeds General Infirmary on", "Leeds General Infirmary"),
        ("referred to Eye Clinic Newtown\n", "Eye Clinic"),
    ],
)
def test_when_an_english_name_holds_a_name_or_a_place_then_it_is_an_establishment(
    text: str, name: str
) -> None:
    assert any(name in found_name for found_name in found(ENGLISH_HOSPITAL, text))
