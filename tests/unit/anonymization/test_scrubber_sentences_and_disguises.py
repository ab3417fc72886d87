"""A name inside an ordinary sentence, and identifiers written to slip past a scrubber
(issue 14, seventh session). Each on an invented sentence through the whole scrubber."""

from __future__ import annotations

import pytest

from tests.scrubbing import scrubbed


@pytest.mark.parametrize(
    ("text", "expected", "language"),
    [
        # A sentence's verb before a given name is not part of the name.
        ("Call John Smith on the ward tomorrow.", "Call <PERSON> on", "en"),
        ("Ask Mary Jones to call back", "Ask <PERSON> to", "en"),
        ("No answer. Rang Bob Turner, no answer again.", "Rang <PERSON>,", "en"),
        ("Rappeler Jean Dupont demain matin.", "Rappeler <PERSON> demain", "fr"),
    ],
)
def test_a_sentences_verb_before_a_name_stays(text: str, expected: str, language: str) -> None:
    assert expected in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # A given name that is also a word stays part of the name.
        ("Mark Jones seen in clinic today.", "Mark", "en"),
        # A particle or a building named after a person is part of what it names.
        ("406 | PHAM | Van Long | 14/02/1938", "Van", "fr"),
        ("Bâtiment Paul Castaigne\n61 boulevard de l'Hôpital", "Castaigne", "fr"),
        # A capitalised word before anything but a given name stays part of the name.
        ("Seen with Dr Pat Curley today.", "Pat", "en"),
    ],
)
def test_what_leads_a_name_and_is_part_of_it_is_hidden(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # A telephone number said in words, as a call transcript or dictation has it.
        (
            "APPELANT : Le zéro six... vingt et un, quarante-quatre, dix-neuf, zéro deux",
            "quarante-quatre",
            "fr",
        ),
        ("son épouse au zéro six 32 57 81 04 non pardon", "32 57 81", "fr"),
        ("Her number is oh seven seven zero zero, nine double oh, one two three", "nine", "en"),
        # An e-mail address with its "@" and dots set apart by spaces.
        ("email john.smith @ nhs . net for the results", "john.smith", "en"),
        ("Mail : jean.dupont @ gmail . com ; vu à domicile", "dupont", "fr"),
        # A name spelled out letter by letter.
        ("Surname spelled S-M-Y-T-H-E, first name Anne", "S-M-Y", "en"),
        ("Mr Dupont (D-U-P-O-N-T) called", "D-U-P", "en"),
        ("je vous épelle : L.E.F.E.V.R.E", "L.E.F", "fr"),
        # A day said as an ordinal.
        ("Seen on the third of April 2024 in clinic", "third", "en"),
        ("Reviewed on April the twenty-first.", "twenty-first", "en"),
        # Invisible characters inside a name or a number split it for every pattern.
        ("Mme LEFEVRE\u200bMartine, tél 06 12 34 5\u00ad6 78", "Martine", "fr"),
        ("NIR 1 84 05 29 0\u200b19 045 63", "045", "fr"),
        ("Seen by Dr Pa\u200btel\u2060son today", "tel", "en"),
    ],
)
def test_an_identifier_written_to_slip_past_is_hidden(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Number words that spell no telephone number.
        ("côtes six, sept, huit et neuf fracturées", "fr"),
        ("doses un 5 10 20 40 80 mg", "fr"),
        ("one or two tablets, three to four times a day", "en"),
        # Letters one by one that spell no name found, and no word saying it is spelled.
        ("A-B-C-D-E assessment done, no concerns", "en"),
        # Ordinals that are no day of a month.
        ("second of all, the first of many admissions", "en"),
    ],
)
def test_what_only_looks_like_a_disguised_identifier_stays(text: str, language: str) -> None:
    assert scrubbed(text, language) == text


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # An address after "Add:" / "Adr :" (before a number or a dwelling), town included.
        ("Add: Flat 302, Shree Ganesh Apts, Lane 7, Hadapsar, Pune 411028", "Hadapsar", "en"),
        ("Adr : rés. Les Palétuviers, bât C, appt 12, Les Abymes", "Palétuviers", "fr"),
        # A floor as Manila writes it, and a building named as a tower.
        ("3/F Valero Tower, 1420 Taft Avenue, Ermita", "3/F", "en"),
        # A postcode after its town, on the line or alone on the next.
        ("Lane 7, Hadapsar, Pune 411028\nTel. 020 2681 4417", "411028", "en"),
        ("14 Jacaranda Crescent\nLyttelton Manor\nCenturion\n0157\n\n19 March 2024", "0157", "en"),
        # The locality between a street address and its postcode.
        ("12 chemin Badamier, Ravine des Cabris – 97432", "Ravine", "fr"),
        # A second town after a slash.
        ("SAU – CHU de Pointe-à-Pitre/Abymes – FICHE IOA", "Abymes", "fr"),
        # India's Aadhaar number and a vehicle's registration.
        ("Aadhaar (as per bro): 5738 2214 0965", "2214", "en"),
        ("BIB 108 amb (veh MH12 EQ 5531), h/o given by EMT", "5531", "en"),
        # Primary care as the Philippines names it.
        ("treated for TB at the San Isidro Rural Health Unit in 2016", "Isidro", "en"),
        # A name in capitals with its particles, and a birth name after "born".
        ("MY FATHER, MR JOHANNES PETRUS VAN DER MERWE", "MERWE", "en"),
        ("Marietjie du Plessis (born van der Merwe)", "Merwe", "en"),
        # An employer of ordinary words and its département, after "travaille … chez".
        ("Moussa travaille de nuit chez Net Services 93. Dossier CAF", "Net Services", "fr"),
        # A log's entry opened by its day and month with a dash.
        ("5/11 – pansement.\n06-11 – mail au médecin scolaire", "06-11", "fr"),
    ],
)
def test_an_address_place_or_number_as_other_countries_write_it_is_hidden(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "kept", "language"),
    [
        ("Add: amlodipine 5 mg od", "Add: amlodipine 5 mg od", "en"),
        ("Dear Sir / Madam", "Dear Sir / Madam", "en"),
        ("Dear Colleague,", "Dear Colleague,", "en"),
        ("C-spine: Philadelphia collar in situ", "Philadelphia collar", "en"),
        ("Sat 93, FC 88", "Sat 93, FC 88", "fr"),
        ("3-4 fois par jour", "3-4 fois par jour", "fr"),
        # A dash between spaces ends a name: "SH - ABPI" is initials, then a test.
        (
            "R. Pryce-Jenkins\n\n22/04/25 SH - ABPI booked w/ leg ulcer clinic Weds 30th",
            "ABPI booked",
            "en",
        ),
    ],
)
def test_what_only_looks_like_an_address_a_name_or_a_place_stays(
    text: str, kept: str, language: str
) -> None:
    assert kept in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # A given name that is also a pill, after a care role.
        ("DOAC counselling done - pharmacist Femi said he'd come first thing.", "Femi"),
        # A given name that is a word of another language only ("mai" is French).
        ("PROGRESS NOTE - Med 4W\nTran, Mai  MRN 5512078  Rm 412B", "Mai"),
    ],
)
def test_a_given_name_that_is_a_word_elsewhere_is_hidden_in_its_frame(
    text: str, secret: str
) -> None:
    assert secret not in scrubbed(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "Case 4: age verified 92 (DOB 02/11/1932 per registration).",
        "Age now 91, frail, lives alone.",
        "Her sister? she is ninety-one and lives alone.",
        "Bed 5  JONES, Mair 91 - wait, name alert on both boards",
    ],
)
def test_an_age_of_ninety_or_more_said_another_way_is_hidden(text: str) -> None:
    assert "91" not in scrubbed(text, "en") and "92" not in scrubbed(text, "en")
    assert "ninety-one" not in scrubbed(text, "en")


@pytest.mark.parametrize(
    "text",
    ["Aged care home 94 beds, all full.", "Age group 90 and over: 12 residents.", "Age: 45, HR 95"],
)
def test_a_number_near_the_word_age_that_is_no_great_age_stays(text: str) -> None:
    assert scrubbed(text, "en") == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Crisis team - Hartwood Unit, Openshaw", "Hartwood"),
        ("Banksia Grove Aged Care - progress notes", "Banksia"),
        ("Referred to PT (Lakeshore Rehab - Evanston).", "Lakeshore"),
    ],
)
def test_a_unit_care_home_or_rehab_named_by_a_rare_word_is_hidden(text: str, secret: str) -> None:
    assert secret not in scrubbed(text, "en")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("admitted to Stroke Unit then Renal Ward", "Stroke Unit then Renal Ward"),
        ("Penrith Community Hospital, Inpatient Rehab", "Inpatient Rehab"),
    ],
)
def test_a_unit_named_by_its_specialty_stays(text: str, kept: str) -> None:
    assert kept in scrubbed(text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "NIR 1 84 05 29 019 045 / 45",
        "N° de sécurité sociale : 1 84 05 29 019 045 clé 45",
        "n° SS : 1840529019045 - 45",
        "NIR 1 84 05 29 019 045 (clé 45)",
        # After its label, the body without its key is still the person's number.
        "carte vitale, sécu 1 84 05 29 019 045",
    ],
)
def test_a_nir_with_its_key_set_apart_or_without_it_is_hidden(text: str) -> None:
    assert "019 045" not in scrubbed(text, "fr") and "9019045" not in scrubbed(text, "fr")
