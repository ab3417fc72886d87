from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.organization_recognizer import OrganizationRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


ORGANIZATION = OrganizationRecognizer()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("travaille chez Thales", "Thales"),
        ("employée à la Poste", "Poste"),
        ("agent chez Securitas", "Securitas"),
        ("works for Tesco", "Tesco"),
        ("employer: Network Rail", "Network Rail"),
        ("mutuelle : Groupama", "Groupama"),
        ("complémentaire : MGEN", "MGEN"),
    ],
)
def test_when_a_word_introduces_an_employer_or_insurer_then_its_name_is_found(
    text: str, name: str
) -> None:
    assert found(ORGANIZATION, text) == [name]


@pytest.mark.parametrize(
    "name",
    [
        "école élémentaire Jean-Jaurès",
        "lycée Robert-Schuman",
        "Université de Bourgogne",
        "Tribunal judiciaire de Cahors",
        "CPAM de Paris",
        "association France Victimes 23",
        "St Mary's School",
        "Little Acorns Day Nursery",
        "Tyne Valley Home Care",
        "Northumberland Telecare",
        "Front Range Volleyball Club",
    ],
)
def test_when_an_organization_is_named_after_its_head_word_then_it_is_found_whole(
    name: str,
) -> None:
    assert found(ORGANIZATION, f"Courrier à {name}.") == [name]


@pytest.mark.parametrize("name", ["Michelin", "SNCF", "Crédit Agricole", "Royal Mail", "Age UK"])
def test_when_a_well_known_organization_is_named_then_it_is_found(name: str) -> None:
    assert found(ORGANIZATION, f"Ancien de {name}, retraité.") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "travaille",
        "il travaille à temps partiel",
        "travaille à domicile",
        "retraitée",
        "ancienne infirmière",
        "pas de mutuelle",
        "mutuelle : non",
        "pas d'employeur",
        "à l'école",
        "the school",
        "works for himself",
    ],
)
def test_when_no_name_follows_the_introducing_word_then_nothing_is_found(text: str) -> None:
    assert found(ORGANIZATION, text) == []


@pytest.mark.parametrize(
    "text",
    ["No drains. Hearing aid R in bag", "Remains: Stable overnight", "les écoles Jules Ferry"],
)
def test_an_introducing_word_inside_another_word_introduces_nothing(text: str) -> None:
    # "drains." ends like the abbreviation "ins." (insurer); "écoles" is not "école".
    assert found(ORGANIZATION, text) == []


def test_an_introducing_word_at_a_word_start_still_introduces() -> None:
    assert found(ORGANIZATION, "No drains. Ins. Aetna Plus") == ["Aetna Plus"]


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("chauffeur de bus à la Martinique Transport ; avis", "Martinique Transport"),
        ("Works as a dental nurse at Bilton Dental Care - worried", "Bilton Dental Care"),
        ("Return-to-work note for Idaho Power given", "Idaho Power"),
    ],
)
def test_when_a_job_introduces_its_employer_then_the_employer_is_found(
    text: str, organization: str
) -> None:
    assert organization in found(ORGANIZATION, text)


def test_when_the_workplace_is_not_named_then_nothing_is_found() -> None:
    assert found(ORGANIZATION, "he works as a teacher at the local school") == []


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("Ins: Blue Cross Blue Shield of Michigan member ID", "Blue Cross Blue Shield of Michigan"),
        ("Medical aid: Bonitas (BonCap), member no.", "Bonitas"),
        ("a mender at Taylor & Littlewood Ltd until retirement", "Taylor & Littlewood Ltd"),
        ("part time at Huron Valley Credit Union. Numbness", "Huron Valley Credit Union"),
    ],
)
def test_when_an_insurer_or_a_firm_is_named_then_it_is_found(text: str, organization: str) -> None:
    assert organization in found(ORGANIZATION, text)


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("Ancien ouvrier aux Chantiers de l'Atlantique.", "Chantiers de l'Atlantique"),
        ("Suivi par le SAVS de l'ADAPEI 29.", "ADAPEI 29"),
        ("curatelle renforcée, mandataire UDAF 35.", "UDAF 35"),
    ],
)
def test_french_employers_and_associations_are_known_with_their_departement(
    text: str, organization: str
) -> None:
    assert found(ORGANIZATION, text) == [organization]


def test_a_duration_after_an_insurer_is_not_its_departement() -> None:
    assert found(ORGANIZATION, "adhérent MGEN 12 mois") == ["MGEN"]


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("carrier Cumberland Mutual Ins., claim # WC-24-0088172", "Cumberland Mutual Ins."),
        ("Cresthaven Clinical Research | (416) 555-0173", "Cresthaven Clinical Research"),
        ("our REB (Niagara Regional REB, file #2023-0418)", "Niagara Regional REB"),
        (
            "a list w/ Kentucky River Area Development District for",
            "Kentucky River Area Development District",
        ),
    ],
)
def test_insurers_research_organisations_and_ethics_boards_are_organisations(
    text: str, organization: str
) -> None:
    assert found(ORGANIZATION, text) == [organization]


def test_an_ethics_board_or_an_insurance_named_by_common_words_is_no_organisation() -> None:
    text = "the Research Ethics Board approved; Clinical Research unit; Travel Insurance"
    assert found(ORGANIZATION, text) == []


@pytest.mark.parametrize(
    ("text", "organization"),
    [
        ("Ms Rachel Lavery (Lavery & Quinn Solicitors), informed", "Lavery & Quinn Solicitors"),
        ("released to Fahy & Sons Funeral Directors, Mountbellew", "Fahy & Sons Funeral Directors"),
        (
            "Mme Delpeuch, directrice\nÉcole primaire publique d'Allanche\n",
            "École primaire publique d'Allanche",
        ),
    ],
)
def test_solicitors_funeral_directors_and_public_schools_are_organisations(
    text: str, organization: str
) -> None:
    assert found(ORGANIZATION, text) == [organization]
