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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prescripteur : Docteur P. Rodrigues", ["P. Rodrigues"]),
        ("Demandeur : Dr L.-M. Dos Santos", ["L.-M. Dos Santos"]),
        ("Kind regards, Prof. A.-L. O'Connor (nhs)", ["A.-L. O'Connor"]),
        ("Adressée par le Pr de Montalembert pour", ["de Montalembert"]),
        ("Note de l'assistante sociale (M. Vasseur) –", ["M. Vasseur"]),
        ("Éducation thérapeutique avec L. Le Gall.", ["L. Le Gall"]),
    ],
)
def test_when_a_name_has_initials_then_they_are_part_of_it(text: str, expected: list[str]) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Relève assurée par B. Boucher. IDE : Rose.", ["B. Boucher", "Rose"]),
        ("Appel de sa fille Amadou à 22h, rassurée.", ["Amadou"]),
        ("Sa fille, NATIVEL Maïwenn, habite", ["NATIVEL Maïwenn"]),
        ("Opérée : Le Floch Yasmina – née le", ["Le Floch Yasmina"]),
        ("Kinésithérapeute : Bérénice Ferrandi, n° ADELI", ["Bérénice Ferrandi"]),
        ("message taken at 19:30 by Wei\nCaller:", ["Wei"]),
        ("The patient's son Deborah phoned.", ["Deborah"]),
        ("Next of kin: Olivia Mensah (Olivia), 0113", ["Olivia Mensah", "Olivia"]),
        ("Handover to S. Cook.", ["S. Cook"]),
    ],
)
def test_when_a_role_word_precedes_a_name_then_even_a_lone_given_name_is_found(
    text: str, expected: list[str]
) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chambre 12 – BENHAMOU Patrice\nPatient calme", ["BENHAMOU Patrice"]),
        ("Cordialement,\nGhislaine Perrot", ["Ghislaine Perrot"]),
        ("Bay 3, bed 2: CHAUDHRY, Stuart. Settled.", ["CHAUDHRY, Stuart"]),
        ("Bay 3, bed 2: Chen, Harry. Settled.", ["Chen, Harry"]),
        ("Patient: LLEWELLYN, Deborah   DOB", ["LLEWELLYN, Deborah"]),
        ("Clinic date: 2026-05-03 – Agnieszka Fisher", ["Agnieszka Fisher"]),
    ],
)
def test_untitled_names_in_any_order_are_found(text: str, expected: list[str]) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Contrôle FC 72/min dans 3 mois.",
        "Patient calme, créatinine 88 µmol/L. Douleur NYHA III, donépézil 10 mg.",
        "Carence en vitamine D. Traitement poursuivi.",
        "signe de Babinski absent. Signe de Lasègue positif.",
        "IDE : Pas de douleur cette nuit.",
        "Review BMI 31.2 in 3 months.",
    ],
)
def test_measurements_and_sentence_starts_are_not_names(text: str) -> None:
    assert found(PERSON, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("medication review with the pharmacist Farhana on the ward", ["Farhana"]),
        ("seen today with mum Tamsin waiting in the car", ["Tamsin"]),
        ("referred to social worker Deng for a carer assessment", ["Deng"]),
        ("End of dictation. AD/lmp", ["AD/lmp"]),
        ("N/Réf : JD/ms", ["JD/ms"]),
        ("No answer, left a voicemail. -KM", ["KM"]),
        ("Plan discussed with the family.\nKM\n", ["KM"]),
    ],
)
def test_english_roles_dictation_references_and_signed_initials(
    text: str, expected: list[str]
) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "INTERPRETER ROMANIAN - USE LANGUAGELINE",
        "Bilan fait, patient stable.\nRAS\n",  # an acronym closing a note is not a signature
        "IV/po switch tomorrow if afebrile",  # a route change, not dictation initials
        "LMP 2 weeks ago - pregnancy test negative",
    ],
)
def test_languages_closing_acronyms_and_routes_are_not_names(text: str) -> None:
    assert found(PERSON, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr Gareth Ashworth\nConsultant Neurologist\n", ["Gareth Ashworth"]),
        ("Dr Fionnuala Baird\nGP Principal\n", ["Fionnuala Baird"]),
        ("Specimens:\nA. Terminal ileum x4\nE. Rectum x2\n", []),  # a specimen list
        ("Relève :\nJ. Martin, IDE\n", ["J. Martin"]),
    ],
)
def test_job_titles_and_specimen_labels_are_not_names(text: str, expected: list[str]) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Plan as discussed. Dr W".\n', ["W"]),  # a title and the initial alone
        ("Dr Th. Bourgeois – MG – Vesoul", ["Th. Bourgeois"]),  # a two-letter abbreviation
        ("[Gen Med]\n\nIfe 01:17\nbit dry yes\n", ["Ife"]),  # a message log's speaker
        ("Tom (SHO) 01:14\nhi\n", ["Tom"]),
        ("Admission 14:00\nRepas 12h00\nDoliprane 08:00\n", []),  # words, not speakers
        ("Obs faites, Julie IDE\n", ["Julie"]),  # a name before a role's abbreviation
        ("Drépanocytose hétérozygote AS\n", []),  # a genotype, not a role
        ("fluids needed, not urgent - tracy\n21:30 ward 308", ["tracy"]),  # a dash signature
        ("bolus given - repeat\n", []),
        ("temps au sol ~ 7 h).\nClôture 03:31. G.\n", ["G."]),  # the closing initial
    ],
)
def test_initials_message_speakers_and_role_abbreviations(text: str, expected: list[str]) -> None:
    assert found(PERSON, text) == expected


def test_when_dictation_initials_stand_alone_mid_document_then_they_are_found() -> None:
    text = "The patient tolerated the procedure.\n\nAK/jls\nD: 04/11/2024 14:22"
    assert found(PERSON, text) == ["AK/jls"]


def test_when_a_nursing_entry_starts_with_its_time_and_initials_then_they_are_found() -> None:
    assert found(PERSON, "03/21 0215 KM: SBP 88. MD paged.") == ["KM"]
    assert found(PERSON, "0800 BP: 120/80") == []


def test_when_a_table_has_a_staff_column_then_its_initials_are_found() -> None:
    text = (
        "Date/Time | Temp | HR | Pain | RN\n"
        "03/20 2000 | 38.1 | 104 | 2 | TR\n"
        "03/21 0000 | 37.6 | 96 | 0 | KM\n"
        "03/21 0200 | 37.4 | 92 | 0 | IV\n"
    )
    assert found(PERSON, text) == ["TR", "KM"]


def test_when_a_table_has_name_columns_then_their_cells_are_names() -> None:
    text = (
        "Lit | Nom | Prénom | DDN | IPP\n"
        "402 | MOREAU-LE ROUX | Jean | 19/08/1936 | 442101928\n"
        "403 | — | — | — | —\n"
    )
    assert found(PERSON, text) == ["MOREAU-LE ROUX", "Jean"]


def test_when_a_table_pairs_keys_and_values_then_the_name_keys_values_are_names() -> None:
    text = "| Nom | DUPONT | Prénom | Jean |\n| Contact | conjoint | Date de naissance | 1958 |\n"
    assert found(PERSON, text) == ["DUPONT", "Jean"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Dictated by P.R. / transcribed by jmk\n", ["P.R.", "jmk"]),
        ("Dr. Hollis          transcribed: tlw 3.14.24\n", ["Hollis", "tlw"]),
        ("pillbox filled weekly by daughter-in-law Deb).", ["Deb"]),
        ("hold written by Sgt. Paulsen, Oakland PD", ["Paulsen"]),
    ],
)
def test_when_a_role_or_a_typist_is_named_then_the_name_is_found(
    text: str, names: list[str]
) -> None:
    assert set(names) <= set(found(PERSON, text))


@pytest.mark.parametrize("text", ["typed by the secretary", "it was transcribed by mistake"])
def test_when_a_word_follows_typed_by_then_no_name_is_found(text: str) -> None:
    assert found(PERSON, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Paranoia. Denies SI. Passive HI toward coworker.",
        "A: ?Pulmonary TB in PLHIV.",
        "RRR, no murmur. Lungs CTA b/l.",
        "placed supine. After GA induction, abdomen prepped",
        "Cycle dates: Recommend CTPA if clinically indicated.",
    ],
)
def test_when_a_dictionary_word_stands_before_an_acronym_then_no_name_is_found(text: str) -> None:
    assert found(PERSON, text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Claire DUPONT, 64 ans", "Claire DUPONT"),
        ("letter to Counties Manukau DHB DRS", "Manukau DHB"),
        ("Dx per Anne LY, consultant", "Anne LY"),
    ],
)
def test_when_a_word_is_no_dictionary_word_then_a_capitals_word_beside_it_is_a_name(
    text: str, name: str
) -> None:
    assert name in " ".join(found(PERSON, text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SHE SAYS IT DOESNT HURT. I WAS AT SHUL.", []),
        ("LUNG BASES CLEAR.\nVITAL SIGNS\n", []),
        ("6) ERCP LIST TOMORROW - ANNA GRANT NEEDS CONSENT FORM CHECKED", ["ANNA GRANT"]),
    ],
)
def test_when_a_note_is_in_capitals_then_its_dictionary_words_are_not_names(
    text: str, expected: list[str]
) -> None:
    assert found(PERSON, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Dear Colleague,\n\nI saw",
        "PATIENT DECLARATION\nI authorise",
        "Patient Name: see label",
        "Mandla Zungu, Consultant Vascular Sonographer\n",
        "hematoma, found on floor by CNA at 0430",
        "Apgar by NICU RN prn",
    ],
)
def test_when_a_role_word_is_followed_by_words_or_acronyms_then_they_are_no_name(
    text: str,
) -> None:
    assert [name for name in found(PERSON, text) if name != "Mandla Zungu"] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("pillbox filled weekly by daughter-in-law Deb).", "Deb"),
        ("seen by JT at 14:00", "JT"),
    ],
)
def test_when_a_role_word_is_followed_by_a_short_word_or_a_name_then_it_is_found(
    text: str, name: str
) -> None:
    assert name in found(PERSON, text)


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("1. PATIENT\nInitials: J.T.     Sex: M", "J.T."),
        ("Subj 104-0027 (initials R.K.) called", "R.K."),
        ("Patient : initiales M.-L. D., née", "M.-L. D."),
        ("Initials: MD   Age: 67", "MD"),
    ],
)
def test_initials_after_their_label_are_a_person(text: str, initials: str) -> None:
    assert initials in found(PERSON, text)


def test_the_word_initials_without_initials_after_it_is_no_person() -> None:
    assert found(PERSON, "initials of the nurse in the chart; initials: none") == []


def test_a_given_name_after_an_allied_role_is_a_person() -> None:
    assert "Carys" in found(PERSON, "renal dietitian Carys to see Thurs.")
    assert "Huw" in found(PERSON, "countersigned by Huw at 13:05")


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("29290 Saint-Renan\nASK/TG - dicté le 03/10, tapé le 08/10", "ASK/TG"),
        ("- 012-0035 (F.K.) randomisée le 14/05/2024", "F.K."),
        ("- 012-0036 (J-P.M.) screen failure", "J-P.M."),
    ],
)
def test_dictation_initials_and_a_trial_subjects_initials_are_a_person(
    text: str, initials: str
) -> None:
    assert initials in found(PERSON, text)


def test_a_bracketed_acronym_after_a_date_is_no_subjects_initials() -> None:
    assert found(PERSON, "PowerPort R chest placed 12/19/24 (IR)") == []
    assert found(PERSON, "ECG/TTE - dicté hier") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [("[14:32:33] APPELANT : Da Costa.", "Da Costa"), ("née ABIVEN (ép. LE BRAS)", "LE BRAS")],
)
def test_a_caller_and_a_married_name_after_its_abbreviation_are_a_person(
    text: str, name: str
) -> None:
    assert name in found(PERSON, text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Reported by: Dr Kavitha a/p Subramaniam, MBBS", "Kavitha a/p Subramaniam"),
        ("insurance (policy - Puan Rosmah to check coverage)", "Rosmah"),
    ],
)
def test_malaysian_particles_and_forms_of_address_frame_a_name(text: str, name: str) -> None:
    assert name in found(PERSON, text)
