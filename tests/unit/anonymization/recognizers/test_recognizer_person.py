from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from anonymization.recognizers.person_recognizer import PersonRecognizer


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


PERSON = PersonRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vu par Dr X.", []),  # a single capital letter is not a name
        ("Vu par Dr Martin.", ["Martin"]),
        ("Dr. Jean Martin, cardiologue", ["Jean Martin"]),
        ("avis du Pr MARTIN", ["MARTIN"]),
        ("Mme Claire DUPONT, 64 ans", ["Claire DUPONT"]),
        ("M. Jean-Pierre Le Gall est revu", ["Jean-Pierre Le Gall"]),
        ("Monsieur Roussel revu", ["Roussel"]),
        ("Madame Da Silva", ["Da Silva"]),
        ("Mlle Zoé N'Diaye", ["Zoé N'Diaye"]),
        ("Mr John Smith", ["John Smith"]),
        ("Mrs O'Brien", ["O'Brien"]),
        ("Prof. McDonald", ["McDonald"]),
        ("Monsieur le Professeur Durand", ["Durand"]),
        ("Patiente : Claire Dupont, née Martin", ["Claire Dupont", "Martin"]),
        ("épouse Lefebvre-Morel", ["Lefebvre-Morel"]),
        ("nom de naissance : DURAND", ["DURAND"]),
        ("signé : Paul Henry", ["Paul Henry"]),
        ("Claire DUPONT, 64 ans", ["Claire DUPONT"]),
        ("Je vous adresse Jean-Pierre N'DIAYE pour avis", ["Jean-Pierre N'DIAYE"]),
        ("revue de Anne DA SILVA", ["Anne DA SILVA"]),
        ("DUPONT Claire signale", ["DUPONT Claire"]),
        ("LE GOFF Marie signale", ["LE GOFF Marie"]),
        ("Je vous adresse Aurélie Simon, 34 ans", ["Aurélie Simon"]),
        ("Claire de la Fontaine", ["Claire de la Fontaine"]),
    ],
)
def test_names_with_titles_roles_particles_and_hyphens_are_found(
    text: str, expected: list[str]
) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Bilan HTA et IRM cérébrale, ECG normal.",
        "Dernière HbA1c à 7,4 %. BPCO stade III, FEVG 45 %.",
        "Transfert SAMU vers le CHU, IPP et NDA notés, RPPS du médecin.",
        "Score de Glasgow à 15. Signe de Babinski absent.",
        "Antécédents : maladie de Parkinson, syndrome de Cushing.",
        "Traitement FOLFOX, 6 cures. AINS contre-indiqués, ALD 30.",
        "Score ASA 2, Child-Pugh A, NYHA II.",
        "Le patient est diabétique. Patient HTA.",
        "COMPTE RENDU D'HOSPITALISATION",
    ],
)
def test_acronyms_and_medical_text_are_not_names(text: str) -> None:
    assert found(PERSON, text) == []
