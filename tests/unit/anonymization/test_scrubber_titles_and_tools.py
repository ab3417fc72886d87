"""What stays beside a name and what stays in a clinical sentence (issue 14, sixth
session): titles and credentials are not the name; rules, scales and devices named
after places and people are vocabulary. Each on an invented sentence through the whole
scrubber."""

from __future__ import annotations

import pytest

from tests.scrubbing import scrubbed


@pytest.mark.parametrize(
    ("text", "expected", "language"),
    [
        # A title with its dot stays outside the name (it was read as an initial).
        ("Discussed with burn surgery, Dr. Okafor, who accepts.", "Dr. <PERSON>", "en"),
        ("HOSPITAL COURSE: Mr. Summer is a 67 y/o retired machinist", "Mr. <PERSON>", "en"),
        # A credential or a label in capitals after a name is not part of it.
        ("Kim Mahoney, RN | Tessa Ruiz, RN | Unit phone", "<PERSON>, RN | <PERSON>, RN", "en"),
        ("Tobias Lindqvist-Hale, MD - Emergency Medicine", "<PERSON>, MD", "en"),
        ("signed P. Moyo  RN  18/6/25", "<PERSON>  RN", "en"),
        ("Name: Kai-Jaden FERREIRA-WALSH   DOB 03/02/2022", "<PERSON>   DOB <DATE>", "en"),
    ],
)
def test_a_title_or_credential_beside_a_name_stays(text: str, expected: str, language: str) -> None:
    assert expected in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # Initials before a name still go with it.
        ("Relu par Th. Bourgeois, interne.", "Th.", "fr"),
        # A register's "SURNAME, GIVEN MD" is one name, credential included.
        ("Attending: PRZYBYLSKI, TOMASZ MD | Surgeon on call", "MD", "en"),
        # A roman numeral ends a name ("IV"), it is no credential.
        ("Cared for by John Harding IV since the spring.", "IV", "en"),
        # A saint's name opens the establishment named after it.
        ("Cell (360) 555-0174 | St. Agnes L&D charge desk", "St.", "en"),
        ("Plays bass in church band at St. Colette. No legal hx.", "St.", "en"),
        # A place before a score that is no rule: still a place.
        ("?APPENDICITIS 19F FROM PETERHEAD - ALVARADO SCORE 7", "PETERHEAD", "en"),
        ("He moved to Ottawa in 2019 with his wife.", "Ottawa", "en"),
        # Two people joined by "et" / "and": neither is an eponym.
        ("venue avec Paul et Martin hier", "Martin", "fr"),
        # An English son, named.
        ("Contacts: son Graham Brennan (NOK), daughter-in-law", "Graham", "en"),
    ],
)
def test_what_goes_with_a_name_or_place_is_redacted(text: str, secret: str, language: str) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "kept", "language"),
    [
        # The whole hyphenated word decides ("Semmes" alone is a town).
        (
            "Reduced sensation L great toe on Semmes-Weinstein monofilament.",
            "Semmes-Weinstein",
            "en",
        ),
        # Rules and scales named after a place, a few words before their head.
        ("Ottawa ankle rules -ve (R ankle also sore).", "Ottawa", "en"),
        ("midline tenderness C6 -> Canadian C-spine rule not low risk", "Canadian", "en"),
        ("Cincinnati Prehospital Stroke Scale: facial droop R +", "Cincinnati", "en"),
        ("CT head per NICE / Canadian CT Head Rule.", "Canadian", "en"),
        # Devices, assays and products written alone.
        ("Checks Amsler grid at home most mornings.", "Amsler", "en"),
        ("Tinetti 21/28, Berg 44/56. Barthel 80/100.", "Tinetti", "fr"),
        ("suitable for genomic assay (Oncotype DX) - cost", "Oncotype", "en"),
        ("Feeds: MBM fortified w Similac HMF to 24 kcal", "Similac", "en"),
        # A possessive eponym found without its "'s" is still one.
        ("?meniscal tear ?Baker's  Technique: Sag PD FS", "Baker's", "en"),
        ("apply to the Bowen's patch once daily", "Bowen's", "en"),
        # The second of two eponyms.
        ("Neer and Hawkins impingement signs positive R.", "Hawkins", "en"),
        ("grade II de Elston et Ellis, RE+ RP+", "Ellis", "fr"),
        # French "son" (his) before a drug is no English son.
        ("Par contre il a oublié son Kardégic ce matin.", "Kardégic", "fr"),
    ],
)
def test_a_rule_scale_or_device_named_after_a_place_or_person_stays(
    text: str, kept: str, language: str
) -> None:
    assert kept in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "acronym"),
    [
        ("-> 111 / ED at RUH Bath.", "RUH"),
        ("I have the DC summary from WGH, will upload it.", "WGH"),
        ("Plan: onco clinic HSU 27/2, then RT.", "HSU"),
    ],
)
def test_a_hospital_shaped_acronym_after_a_word_saying_where_is_hidden(
    text: str, acronym: str
) -> None:
    assert acronym not in scrubbed(text, "en")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Records in EHR, last visit 3/11.", "EHR"),
        ("To add him to the HIPAA release she will sign.", "HIPAA"),
        ("titrate to HR <110; avoid diltiazem", "HR"),
        ("Presumptive pulmonary TB in PLHIV, virally suppressed", "PLHIV"),
        ("Transferred to ICU overnight.", "ICU"),
    ],
)
def test_a_medical_or_administrative_acronym_after_a_word_saying_where_stays(
    text: str, kept: str
) -> None:
    assert kept in scrubbed(text, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A birth name and a married name, the marital word between them: one name.
        ("Mme HADDAD épouse FERREIRA Nadia, née le 23/06/1991", "Mme <PERSON>, née le"),
        ("Patient :\tGOURIOU épouse NDIAYE Rozenn\tDDN", "Patient :\t<PERSON>\tDDN"),
        # An initial written against the surname.
        ("baisse oxali\tA.Leclerc\nC7\t28/04/2025", "baisse oxali\t<PERSON>\n"),
    ],
)
def test_a_name_in_two_parts_or_with_an_attached_initial_is_one_span(
    text: str, expected: str
) -> None:
    assert expected in scrubbed(text, "fr")


@pytest.mark.parametrize("text", ["Cultures: K.Pneumoniae BLSE", "Prélèvement : S. aureus"])
def test_a_microbe_written_with_its_genus_initial_stays(text: str) -> None:
    assert scrubbed(text, "fr") == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("prise de sang faite par le labo BioAlsace à 7h", "BioAlsace"),
        ("contrôle NFS au Labo Bio-Armor Lamballe", "Bio-Armor"),
        ("née à terme à la maternité des Glycines, PN 3,310 kg", "Glycines"),
        ("administrée au dispensaire de Wé puis au lycée", "Wé"),
    ],
)
def test_a_laboratory_maternity_or_dispensary_named_after_its_head_is_hidden(
    text: str, secret: str
) -> None:
    assert secret not in scrubbed(text, "fr")


def test_a_generic_maternity_or_laboratory_stays() -> None:
    text = "Accouchement à la maternité, bilan au labo."
    assert scrubbed(text, "fr") == text


def test_a_postcode_after_a_dash_ending_an_address_is_hidden() -> None:
    assert "44800" not in scrubbed("Saint-Herblain – 3 rue de la Garde-Côte – 44800\nDr X", "fr")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # A head leading its name, as other languages write it.
        ("Clinic/Hospital: Hospital Pakar Seri Kembangan (HPSK)", "Pakar"),
        ("PCP: Dr. Moises Garza-Leal, Clinica Familiar del Valle, San Benito", "Familiar"),
        # "Our Lady of ...".
        ("OUR LADY OF THE WELLS HOSPICE\nSpecialist Palliative Care", "OUR"),
        # Companies of other countries by their legal form.
        ("PATHLAB DIAGNOSTIK SDN BHD (Co. No. 201401022817)", "DIAGNOSTIK"),
    ],
)
def test_an_establishment_written_as_other_countries_do_is_hidden(text: str, secret: str) -> None:
    assert secret not in scrubbed(text, "en")


def test_hospital_before_a_common_word_stays() -> None:
    text = "Hospital Course: uneventful. Hospital Day 3."
    assert scrubbed(text, "en") == text


_PASTED_SHEET = (
    "Cycle\tDate\tWt (kg)\tANC\tComments\tRN\n"
    "C1\t1/6\t85.2\t4.1\tpump d/c\tCB\n"
    "C2\t1/20\t84.0\t3.1\tok\tRQ\n"
)


def test_a_pasted_sheets_date_and_staff_columns_are_read_as_a_pipe_tables() -> None:
    result = scrubbed(_PASTED_SHEET, "en")
    assert "1/6" not in result and "1/20" not in result
    assert "\tRQ" not in result and "\tCB" not in result
    assert "85.2" in result and "4.1" in result  # the values stay


def test_a_blood_pressure_outside_a_date_column_stays() -> None:
    text = "Cycle\tBP\tANC\nC1\t120/80\t4.1\nC2\t110/70\t3.9\n"
    assert scrubbed(text, "en") == text


@pytest.mark.parametrize(
    "text",
    ["Clinical Biochemistry – 46 Beech Place", "Haematology Day Unit: bloods at 9."],
)
def test_a_department_named_after_its_specialty_stays(text: str) -> None:
    assert text.split(" ")[0] in scrubbed(text, "en")


@pytest.mark.parametrize(
    ("text", "initials"),
    [
        ("Dossier UMJ : UMJ24-13-05521 - Réf. interne VAS/FK\n", "VAS"),
        ("dicté le 21/10/2024, frappé le 23/10/2024 par C.L.\n\nCopie : Dr X", "C.L."),
    ],
)
def test_who_wrote_or_typed_a_letter_is_hidden(text: str, initials: str) -> None:
    assert initials not in scrubbed(text, "fr")


def test_a_date_written_as_about_that_day_is_hidden() -> None:
    assert "3/6" not in scrubbed("Will follow when HER2 FISH resulted (expected ~3/6).", "en")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # A title and an initial alone, a roman numeral's letter or hyphenated.
        ("discussed neuropathy w/ Dr V - dose reduction to 80%", "Dr V"),
        ("discuss w/ Dr R-P at MDT (Friday 7th)", "R-P"),
        # A given name and its surname's initial.
        ("Thurs 17/4 09:00 Sam H\nMuch brighter!!", "Sam H"),
    ],
)
def test_an_initial_standing_for_a_name_is_hidden(text: str, secret: str) -> None:
    assert secret not in scrubbed(text, "en")


def test_hyphenated_capitals_of_a_clinical_term_stay() -> None:
    text = "bloc A-V du 2e degré, onde P-R allongée"
    assert scrubbed(text, "fr") == text
