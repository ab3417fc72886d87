"""The rules the sixth (and seventh) batch of realistic documents taught (issue 14), each on
an invented sentence through the whole scrubber: what must be redacted, and what must stay."""

from __future__ import annotations

import pytest

from tests.scrubbing import scrubbed


@pytest.mark.parametrize(
    ("text", "secret", "tag", "language"),
    [
        # Practices named by their trade or their specialty's partnership.
        ("PT x 12 visits at Summit Physical Therapy, last in May.", "Summit", "<HOSPITAL>", "en"),
        ("BRCA panel sent (Pioneer Labs req #RQ5510230)", "Pioneer", "<HOSPITAL>", "en"),
        ("Prenatal care: Harbor Women's Health, 9 visits", "Harbor", "<HOSPITAL>", "en"),
        ("Destination: Butler County General bypassed", "Butler", "<HOSPITAL>", "en"),
        ("Mrs Dolores Hatchard 68 kg, 160 cm", "Hatchard", "<PERSON>", "en"),
        ("TO: South Shore Neurology Group   ATTN: referrals", "South", "<HOSPITAL>", "en"),
        # The same heads in capitals.
        ("SILVER LAKE KIDNEY CENTER - WEST    CCN 12-0044", "SILVER", "<HOSPITAL>", "en"),
        ("GRAND CANYON DIGESTIVE HEALTH ASSOCIATES\n8725 N. Hayden Rd", "GRAND", "<HOSPITAL>",
         "en"),
        # Employers, insurers and firms.
        ("Referral source: Westfield Community College", "Westfield", "<ORGANIZATION>", "en"),
        ("cc: Farrow & Brandt PLLC (claimant's attorney)", "Brandt", "<ORGANIZATION>", "en"),
        ("Senior Accountant, Kwara State Water Corporation", "Kwara", "<ORGANIZATION>", "en"),
        ("security guard - Imbali Guarding Services, nights", "Imbali", "<ORGANIZATION>", "en"),
        ("keeps the books for Dorrigan & Sons Marine", "Dorrigan", "<ORGANIZATION>", "en"),
        ("ref to Barbados Kidney Association (Speightstown branch)", "Barbados Kidney",
         "<ORGANIZATION>", "en"),
        ("retired (worked 31 yrs at Cascade Bay Seafood Co.)", "Cascade Bay", "<ORGANIZATION>",
         "en"),
        ("club season w/ Cedar Valley FC in August", "Cedar Valley", "<ORGANIZATION>", "en"),
        ("works as a chef at The Lamb and Flag in Oxford", "Lamb and Flag", "<ORGANIZATION>",
         "en"),
        ("Social: driver for Zippa since 2019, two children", "Zippa", "<ORGANIZATION>", "en"),
        ("Mode de garde : micro-crèche Les Petits Loups, 4 j/sem", "Petits Loups",
         "<ORGANIZATION>", "fr"),
        ("per her plan (Sagebrush Health Alliance Medicare Advantage)", "Sagebrush",
         "<HOSPITAL>", "en"),
        # An establishment's legal form and site go with it.
        ("Employer:  Tri-County Steel Fabricators, Inc., Ypsilanti", "Inc.", "<ORGANIZATION>",
         "en"),
        ("GREAT LAKES ORTHOPAEDICS, P.C.\n3300 Washtenaw Ave", "P.C.", "<HOSPITAL>", "en"),
        ("Report faxed to Ochsner Urology Clinic - Elmwood at 9:40", "Elmwood", "<HOSPITAL>",
         "en"),
        ("RIVERBEND KIDNEY CENTER - EAST     Facility CCN 34-2617", "EAST", "<HOSPITAL>", "en"),
        # Places no list holds, after a word that says where someone goes or lives.
        ("Mother (46, pharmacy tech at Quikmart) - depression", "Quikmart", "<ORGANIZATION>",
         "en"),
        ("transport to arrange (pt lives Glenwhilly, no car)", "Glenwhilly", "<LOCATION>",
         "en"),
        # Who wrote and typed a letter, who validated a dispensing line, who printed it.
        ("Réf. : GHL/NT - IPP 220418637 - Consultation du 14/02", "GHL", "<PERSON>", "fr"),
        ("N/Réf : CARDIO/PV/AB - séjour du 19/02", "PV", "<PERSON>", "fr"),
        ("Produit | Qté | Prescripteur | Valid. | Obs.\n--------\n"
         "KARDEGIC 75 | 7 | Dr Hamon | JPQ | ok\nLASILIX 40 | 3 | Dr Hamon | RD |",
         "JPQ", "<PERSON>", "fr"),
        ("Time | Drug | Dose | Init\n0800 | metoprolol | 25 mg | KLB\n", "KLB", "<PERSON>", "en"),
        ("Utilisateur : mtanguy   Période : 18/11/2024", "mtanguy", "<PERSON>", "fr"),
        # Names that brackets or a credential say are people.
        ("Present: Okafor-Lyle (Rads), Adebayo (Path), Ji-hoon (pharmD)", "Adebayo",
         "<PERSON>", "en"),
        ("Present: Okafor-Lyle (Rads), Adebayo (Path), Ji-hoon (pharmD)", "Ji-hoon",
         "<PERSON>", "en"),
        ("Alt contact: Lwazi Ndlovu (partner) 082 301 7745", "Ndlovu", "<PERSON>", "en"),
        ("FOB present, doula (Lark) present.", "Lark", "<PERSON>", "en"),
        ("Provider: Seo-yeon Baek, MD   Tech: on leave", "Seo-yeon", "<PERSON>", "en"),
        ("Seen with Mr Sunday Adeyemi, his son.", "Sunday", "<PERSON>", "en"),
        ("joint au téléphone, Nadège Quéré (fille), d'accord", "Quéré", "<PERSON>", "fr"),
        ("Présents : Pouyanne (onco-radiothérapie, CHU), Etcheverry (neuroradiologie)",
         "Pouyanne", "<PERSON>", "fr"),
        ("Présents : Pouyanne (onco-radiothérapie, CHU), Etcheverry (neuroradiologie)",
         "Etcheverry", "<PERSON>", "fr"),
        ("Mme LE BIHAN Gwenola, épouse KERGOAT'H, sœur du patient", "KERGOAT", "<PERSON>",
         "fr"),
        ("has been off work since May 14 (claim not filed)", "14", "<DATE>", "en"),
        # Given names that are words, in a name's context; a roster's "Given I (RN)".
        ("Taking abx - carer Blessing (BrightHome) prompting", "Blessing", "<PERSON>", "en"),
        ("NIC nights: Precious (band 6) -> Day NIC: Gareth", "Precious", "<PERSON>", "en"),
        ("Wed 16/4 0945  Kasia B (RN)\nNobody answered", "Kasia", "<PERSON>", "en"),
        # Belgian and Swiss numbers and addresses.
        ("Secrétariat : 067 48 21 90 – Fax : 067/48.21.99", "48 21 90", "<PHONE", "fr"),
        ("joignable au 0472 18 55 03 ou à Lausanne au 021 314 11 11", "314 11", "<PHONE",
         "fr"),
        ("Chaussée de Mons 49 – 7060 Soignies", "Soignies", "<ADDRESS>", "fr"),
        ("Mme Dewalque\nRue des Tanneurs 18\n     7090 BRAINE-LE-COMTE\n", "BRAINE",
         "<ADDRESS>", "fr"),
    ],
)  # fmt: skip
def test_an_identifier_of_the_sixth_batch_forms_is_redacted(
    text: str, secret: str, tag: str, language: str
) -> None:
    result = scrubbed(text, language)
    assert secret not in result
    assert tag in result  # what was hidden is named as what it is


@pytest.mark.parametrize(
    ("text", "kept", "language"),
    [
        ("Referred to Social Services today.", "Social Services", "en"),
        ("Not known to Children's Services per MASH check.", "Children's Services", "en"),
        ("MONTHLY LABS (drawn 3/3)\nHgb 10.4", "MONTHLY LABS", "en"),
        ("Follow-up with Internal Medicine Associates next week", "Internal Medicine", "en"),
        ("glycémies 05 10 15 20 puis 0,5 12 24 48", "05 10 15 20", "fr"),
        ("Biopsy (path) pending; Meeting (coordinator) at 3", "Meeting (coordinator)", "en"),
        ("Internal Medicine MD on call", "Internal Medicine MD", "en"),
        ("Parkinson (neuro) stable", "Parkinson", "en"),
        ("ANTICOAGULATION CLINIC - WARFARIN FLOWSHEET", "WARFARIN FLOWSHEET", "en"),
        ("discussed switch to Vabysmo (faricimab) next visit", "Vabysmo", "en"),
        ("Also moved Trulicity to Wednesdays so it is not pill day", "Wednesdays", "en"),
        ("Referral to the Parkinson's nurse specialist", "Parkinson's", "en"),
        ("Parkinson (neurologie) stable, HTA (cardiologie) équilibrée", "Parkinson", "fr"),
        ("A precious gift of time; no hope of cure, patience and comfort", "precious gift", "en"),
        ("Aspirin (RN) given at 08:00", "Aspirin", "en"),
        ("Contrôle FC 72/min dans 3 mois.", "Contrôle FC 72/min", "fr"),
        ("Seen by the nurse at A&E at 14:00", "nurse at A&E", "en"),
        # An eponym the model reads as a street, without a number of its own.
        ("Col à 3 cm, centré, mou, score de Bishop 7, poche des eaux intacte", "Bishop", "fr"),
        ("DRAINS: 19 Fr Blake drain in Morison's pouch", "Blake drain", "en"),
        # A brand no list holds, known by its dose or size.
        ("Analgesia: Dolocalm 30/500 2 tabs 00:25, Oramorph 5mg", "Dolocalm", "en"),
        ("Stent: Xience Skypoint 3.5 x 28 mm @ 14 atm", "Xience Skypoint", "en"),
        ("seen with Kevin 2/j this week", "<PERSON> 2/j", "en"),
        ("CNO Nutrimel 2/j + Renutryl, poids 46 kg", "Nutrimel", "fr"),
        ("19F FROM PETERHEAD - ALVARADO SCORE 7 - SEEN BY ED", "ALVARADO SCORE", "en"),
        # Headings' labels and days, whatever the name lexicons hold.
        ("GROSS: Received in formalin, labelled with the name.", "GROSS:", "en"),
        ("BONES : normal. LUNG BASES: clear.", "BONES", "en"),
        ("--- fax cover ---\nTO: Copper State Health Plan appeals", "TO:", "en"),
        ("moved it to Wednesdays so Sunday isn't pill day", "Sunday", "en"),
        ("(visiting MO, Mondays)", "Mondays", "en"),
        ("Ins: Medicare + Medicaid, ID on file", "Medicare + Medicaid", "en"),
        ("Réf. : H24/03871 - prélèvement du 19/06", "Réf. :", "fr"),
        ("Heure | Soin | Par\n08h | pansement | fait\n", "fait", "fr"),
        ("Utilisateur : admin", "admin", "fr"),
    ],
)
def test_what_looks_like_those_forms_stays(text: str, kept: str, language: str) -> None:
    assert kept in scrubbed(text, language)


@pytest.mark.parametrize(
    "text",
    [
        "memory nurse will telephone Brackenlea in 6 weeks",
        "her key worker from Brackenlea rang on Monday",
    ],
)
def test_a_word_that_may_be_a_person_a_place_or_a_care_home_is_hidden(text: str) -> None:
    # "telephone Brackenlea", "key worker from Brackenlea": a person, a place or a care
    # home, the text cannot say which; the model's tag has flipped between retrains (the
    # place cue's score is below the model's), what matters is that the word is hidden.
    result = scrubbed(text, "en")
    assert "Brackenlea" not in result
    assert "<PERSON>" in result or "<LOCATION>" in result or "<HOSPITAL>" in result
