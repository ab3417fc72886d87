from __future__ import annotations

import pytest

from anonymization.nir import format_nir, nir_key
from anonymization.scrubber import (
    WORKER_CHUNK_SIZE,
    Entity,
    Scrubber,
    _chunks,
    _merge,
    replace_spans,
    scrub_texts,
)


@pytest.fixture(scope="module")
def french() -> Scrubber:
    return Scrubber("fr")


def test_overlapping_spans_merge_into_one_with_the_best_scored_type() -> None:
    merged = _merge(
        [Entity(0, 5, "PERSON", 0.6), Entity(3, 9, "ADDRESS", 0.9), Entity(12, 14, "DATE", 1.0)]
    )
    assert merged == (Entity(0, 9, "ADDRESS", 0.9), Entity(12, 14, "DATE", 1.0))


def test_placeholders_replace_exactly_the_spans() -> None:
    text = "Mme DUPONT, tél 06 12 34 56 78."
    entities = (Entity(4, 10, "PERSON", 1.0), Entity(16, 30, "PHONE_NUMBER", 1.0))
    assert replace_spans(text, entities) == "Mme <PERSON>, tél <PHONE_NUMBER>."


def _nir(first13: str) -> str:
    return format_nir(first13, spaced=True)


NOTE = (
    "Compte rendu de consultation du 12 mars 2024.\n"
    "Patiente : Mme Claire DUPONT, née le 03/07/1954, NIR {nir}, IPP 123456789.\n"
    "Adresse : 12 rue des Lilas, 75012 Paris. Tél. 06 12 34 56 78, claire.dupont@orange.fr.\n"
    "Suivie pour une maladie de Parkinson et un syndrome de Cushing (E24.9), "
    "signe de Babinski négatif, score de Glasgow à 15. Metformine 1000 mg.\n"
    "Dr Jean Martin, RPPS 10003456786."
)


def test_a_note_with_every_identifier_type_comes_out_with_none_of_them(french: Scrubber) -> None:
    nir = _nir("2540775123456")
    text = NOTE.format(nir=nir)
    [result] = french.scrub([text])
    for identifier in (
        "DUPONT",
        "Claire",
        "03/07/1954",
        nir,
        "123456789",
        "12 rue des Lilas",
        "75012 Paris",
        "06 12 34 56 78",
        "claire.dupont@orange.fr",
        "Jean Martin",
        "10003456786",
        "12 mars 2024",
    ):
        assert identifier not in result.text, identifier
    for entity in result.entities:
        assert 0 <= entity.start < entity.end <= len(text)


def test_medical_eponyms_drugs_and_codes_survive(french: Scrubber) -> None:
    [result] = french.scrub([NOTE.format(nir=_nir("2540775123456"))])
    for kept in (
        "maladie de Parkinson",
        "syndrome de Cushing",
        "signe de Babinski",
        "score de Glasgow",
        "E24.9",
        "Metformine 1000 mg",
    ):
        assert kept in result.text, kept


def test_offsets_point_into_the_original_text(french: Scrubber) -> None:
    text = NOTE.format(nir=_nir("1840375123456"))
    [result] = french.scrub([text])
    kinds = {text[e.start : e.end]: e.type for e in result.entities}
    assert kinds.get("claire.dupont@orange.fr") == "EMAIL_ADDRESS"
    assert any(t == "FR_NIR" for t in kinds.values())


def test_english_notes_are_scrubbed_too() -> None:
    text = "Seen by Dr John Smith on March 12, 2024. Call +44 20 7946 0958. Parkinson's disease."
    [result] = scrub_texts([text], "en")
    assert "John Smith" not in result.text and "7946" not in result.text
    assert "Parkinson's disease" in result.text


def test_the_parallel_path_gives_the_same_result_as_one_process() -> None:
    texts = [NOTE.format(nir=_nir(f"2540775123{n:03d}")) for n in range(1, 551)] * 2
    assert nir_key("2540775123001") >= 1
    assert scrub_texts(texts, "fr", processes=2) == scrub_texts(texts, "fr", processes=1)


def test_workers_get_the_texts_in_order_in_runs_of_about_the_same_length() -> None:
    texts = [("x" * (10 + 90 * (n % 3))) for n in range(40)]
    chunks = list(_chunks(texts, 8))
    assert [text for chunk in chunks for text in chunk] == texts
    assert len(chunks) == 8
    lengths = [sum(len(text) for text in chunk) for chunk in chunks]
    assert max(lengths) - min(lengths) <= 190


def test_no_worker_task_holds_more_than_the_maximum_number_of_texts() -> None:
    chunks = list(_chunks(["note"] * (3 * WORKER_CHUNK_SIZE), 2))
    assert max(len(chunk) for chunk in chunks) <= WORKER_CHUNK_SIZE
    assert sum(len(chunk) for chunk in chunks) == 3 * WORKER_CHUNK_SIZE


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        Scrubber("de")


@pytest.mark.parametrize(
    ("text", "nickname"),
    [
        ('Name: Archibald "Archie" Robson\nArchie lives alone since his wife died.', "Archie"),
        ('Resident: Dorothy ELLWOOD ("Dot"), room 14.\nDot was tired today.', "Dot"),
    ],
)
def test_a_quoted_nickname_beside_a_name_is_redacted_wherever_it_comes_back(
    text: str, nickname: str
) -> None:
    [result] = scrub_texts([text], "en")
    assert nickname not in result.text


def test_dictation_and_signature_initials_are_redacted() -> None:
    letter = "Our ref: GA/kt/J2208411\nDear Dr Shaw,\nThank you for seeing him.\n"
    note = "Called back, no answer. Sent a portal message as well. -MR\n"
    results = scrub_texts([letter, note], "en")
    assert "GA/kt" not in results[0].text and "J2208411" in letter
    assert results[1].text.rstrip().endswith("-<PERSON>")


def test_initials_defined_for_a_name_are_redacted_wherever_they_are_used() -> None:
    chart = (
        "Staff key: JT = Joanna Trewin (RN), NB = Nicola Braund (senior carer)\n"
        "| Bisoprolol 2.5mg | 1 | PO | 08:00 | JT | NB |\n"
        "BP 118/70 checked."
    )
    [result] = scrub_texts([chart], "en")
    assert "JT" not in result.text and "NB" not in result.text
    assert "BP 118/70" in result.text  # initials nobody defined stay


def test_an_initial_after_a_surname_in_capitals_and_a_great_age_after_a_name_are_redacted() -> None:
    [requested, visit] = scrub_texts(
        ["REQUESTED BY: Dr PATEL R\nLAB NO: 24.77", "Seen with Joan Smith (92) today."], "en"
    )
    assert "PATEL" not in requested.text and " R\n" not in requested.text
    assert "92" not in visit.text and "<AGE>" in visit.text
    [between_commas] = scrub_texts(["Mr Arthur Smith, 91, lives alone."], "en")
    assert "91" not in between_commas.text


def test_a_given_name_after_a_surname_and_a_comma_at_a_line_start_is_part_of_the_name() -> None:
    # "Will" is a word, but the given-name lists hold it; "Review" is only a word.
    [given, word] = scrub_texts(
        ["Ward round\nOKAFOR, Will  Bed 4", "Ward round\nOkafor, Review  Bed 4"], "en"
    )
    assert given.text == "Ward round\n<PERSON>  Bed 4"
    assert word.text == "Ward round\n<PERSON>, Review  Bed 4"


def test_names_are_completed_from_how_names_are_written() -> None:
    [comma, initial, middle, sentence] = scrub_texts(
        [
            "MEDICINE NOTE   HD#2\nPham, Thu  MRN 4410923  Rm 210\n\nS: no events",
            "Ref: KL/mp\n\nDr A Rahman\nHillside Surgery",
            "Patient: Mason J. Harbor      DOB 03/04/1970",
            "Reviewed with Anna K. Patient settled overnight.",
        ],
        "en",
    )
    # Surname, comma, given name: one name, the comma included.
    assert "Pham" not in comma.text and "Thu" not in comma.text
    assert "\n<PERSON>  MRN" in comma.text
    # A bare initial between a title and a name ("A" is also a word).
    assert "Dr <PERSON>\n" in initial.text
    # A surname that is a dictionary word, after a given name and a middle initial.
    assert "Harbor" not in middle.text
    # A frequent word after the initial starts the next sentence.
    assert "Patient settled overnight" in sentence.text


def test_a_british_gp_surgery_named_after_its_town_is_a_place_but_a_surgeons_eponym_is_not() -> (
    None
):
    [practice, eponym] = scrub_texts(
        [
            "Bloods taken at Llandudno surgery on Monday.",
            "Basal cell carcinoma removed by Mohs surgery in 2019.",
        ],
        "en",
    )
    assert "Llandudno" not in practice.text
    assert "Mohs surgery" in eponym.text


@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("ADHD, takes Vyvanse 30mg in the morning (held today).", "Vyvanse"),
        ("Plan: continue Jardiance XR, review in 3 months.", "Jardiance"),
        ("Switched to Lyrica CR at night.", "Lyrica"),
    ],
)
def test_english_brand_names_of_drugs_are_kept(text: str, drug: str) -> None:
    [result] = scrub_texts([text], "en")
    assert drug in result.text


def test_informal_names_beside_an_english_care_role_are_redacted_not_its_qualifiers() -> None:
    [bleep, handover, qualifiers, french] = scrub_texts(
        [
            "02:10 bed 4 pain 8/10, oramorph given - kez fy2\n02:40 bed 9 settled",
            "Handed over to RN bex 07:30, obs stable overnight.",
            "d/w ortho SHO, bleep FY1 re bloods, night RN aware.",
            "Passage d'une IDE libérale matin et soir.",
        ],
        "en",
    )
    assert "kez" not in bleep.text and "<PERSON> fy2" in bleep.text
    assert "bex" not in handover.text
    assert qualifiers.text == "d/w ortho SHO, bleep FY1 re bloods, night RN aware."
    assert "libérale" in french.text


def test_establishments_and_places_are_completed_from_how_they_are_written() -> None:
    [unit, linked, hyphenated, dated] = scrub_texts(
        [
            "Old Age Psychiatry\nOtley Unit, Kingsway Hospital",
            "Transferred from Larkspur Heart Institute at Tamsin Memorial yesterday.",
            "Returned to Westbourne-Fairleigh on Kettering Bay by ambulance.",
            "Discharged from Harrogate District Hospital on Monday.",
        ],
        "en",
    )
    assert "Unit" not in unit.text and "Otley" not in unit.text
    assert "Tamsin" not in linked.text and "Memorial" not in linked.text
    assert "Kettering" not in hyphenated.text and "Bay" not in hyphenated.text
    assert "-" not in hyphenated.text.split("to ")[1].split(" by")[0]
    # A day after "on" is not part of the place.
    assert dated.text.endswith("on Monday.")


def test_lower_case_names_door_codes_and_double_barrelled_surnames_are_redacted(
    french: Scrubber,
) -> None:
    [wife, code, child] = french.scrub(
        [
            "aussi ma femme ana paula a besoin d'un rdv",
            "Portail : digicode 4417C. Chien dans la cour.",
            "Enfant : MARTIN--DIALLO Noé, 6 ans",
        ]
    )
    assert "paula" not in wife.text and "a besoin d'un rdv" in wife.text
    assert "4417C" not in code.text
    assert "DIALLO" not in child.text and "MARTIN" not in child.text


def test_a_name_in_a_message_in_capitals_stops_before_the_pronoun_that_follows_it() -> None:
    [message] = scrub_texts(
        ["HI THIS IS HIS SON DEREK HE CANT LOG IN. HE SAYS THE PAIN IS WORSE, HE IS 93."],
        "en",
    )
    assert "DEREK" not in message.text
    assert "HE CANT LOG IN. HE SAYS THE PAIN IS WORSE" in message.text


def test_clinical_acronyms_in_capitals_are_not_people_but_the_same_names_written_as_names_are() -> (
    None
):
    [acronyms, name] = scrub_texts(
        [
            "PCI of the proximal LAD. Prior TIA in 2019. RUL nodule stable. PEG in situ.",
            "Seen today with her daughter Tia, who drove her in.",
        ],
        "en",
    )
    assert "proximal LAD" in acronyms.text and "Prior TIA" in acronyms.text
    assert "RUL nodule" in acronyms.text and "PEG in situ" in acronyms.text
    assert "Tia" not in name.text


def test_a_known_organization_made_of_ordinary_words_is_redacted_but_the_words_alone_are_not() -> (
    None
):
    [known, words] = scrub_texts(
        [
            "Grab rails fitted by the Age UK handyperson; referral to Change Grow Live.",
            "Age: 84. UK resident. A change in mood; will grow in confidence; lives alone.",
        ],
        "en",
    )
    assert "Age UK" not in known.text and "Change Grow Live" not in known.text
    assert words.text.startswith("Age: 84. UK resident. A change in mood; will grow")


def test_a_drug_after_its_dose_form_is_kept_even_when_it_is_also_a_given_name() -> None:
    [prescription] = scrub_texts(
        [
            "ADVICE ON DISCHARGE\n1. Tab Ecosprin 75 mg 0-1-0\n2. Tab Telma 40 mg 1-0-0\n"
            "Cap Amoxil 500 mg TDS\nHis wife Telma will collect the medicines."
        ],
        "en",
    )
    assert "Tab Telma 40 mg" in prescription.text and "Tab Ecosprin" in prescription.text
    assert "Cap Amoxil" in prescription.text
    assert "wife Telma" not in prescription.text


def test_initials_before_a_role_in_brackets_and_a_sister_with_her_dotted_title_are_redacted() -> (
    None
):
    [meeting, acronyms] = scrub_texts(
        [
            "MDT: TK (consultant), RB (SpR) and JW (OT). Seen with Sr. Mbeki.",
            "ED (registrar) busy; CT (consultant request) done.",
        ],
        "en",
    )
    for name in ("TK", "RB", "JW", "Mbeki"):
        assert name not in meeting.text
    assert acronyms.text == "ED (registrar) busy; CT (consultant request) done."


def test_an_acronym_spelled_out_in_brackets_after_it_is_redacted_wherever_it_is_used() -> None:
    [letter, vitals] = scrub_texts(
        [
            "Follow up at RPA (Royal Prince Alfred) in June. RPA clinic letter sent.",
            "BP (Blood Pressure) fine; CRP (C-reactive protein) 12.",
        ],
        "en",
    )
    assert "RPA" not in letter.text and "Royal Prince Alfred" not in letter.text
    assert vitals.text == "BP (Blood Pressure) fine; CRP (C-reactive protein) 12."


def test_a_two_surname_eponym_before_its_head_is_kept_but_a_titled_name_is_not() -> None:
    [eponyms, person] = scrub_texts(
        [
            "No features of Ramsay Hunt syndrome. Hoehn and Yahr stage 2.",
            "Mrs Ramsay Hunt attended with her son.",
        ],
        "en",
    )
    assert eponyms.text == "No features of Ramsay Hunt syndrome. Hoehn and Yahr stage 2."
    assert "Ramsay" not in person.text and "Hunt" not in person.text


def test_birth_years_in_brackets_after_the_names_of_a_family_tree_are_dates() -> None:
    text = "- tante pat : Annaïg (1947), K colon à 69a\n- enfants : Inès (2006) et Yanis (2010)"
    found = {text[e.start : e.end]: e.type for e in Scrubber("fr").analyze([text])[0]}
    assert {found.get(year) for year in ("1947", "2006", "2010")} == {"DATE"}
