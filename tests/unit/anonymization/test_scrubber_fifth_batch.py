"""The rules the fifth batch of realistic documents taught (issue 14), each on an invented
sentence through the whole scrubber: what must be redacted, and what must stay."""

from __future__ import annotations

import pytest

from tests.scrubbing import scrubbed


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # Organisations named by what they are: a church, a mission, a plan, a firm.
        ("Spiritual: attends New Hope Missionary Baptist Church weekly.", "New Hope", "en"),
        ("staying at Cornerstone Rescue Mission most nights", "Cornerstone", "en"),
        ("managed care Sierra Crest Health Plan, member services", "Sierra Crest", "en"),
        ("ETA 1400 via Rio Star Medical Transport (wheelchair van)", "Rio Star", "en"),
        ("retired machinist (Tri-County Tractor Works, 31 yrs)", "Tri-County", "en"),
        ("l'employeur, Roch & Dufaux SA, a été informé", "Dufaux", "fr"),
        ("mesure exercée par l'ADSEA 72 depuis juin", "ADSEA 72", "fr"),
        # Establishments.
        ("refer to Northern Centre for Cancer Care for chemoradiotherapy", "Northern", "en"),
        ("WEST CORNWALL & PENWITH HOSPITAL    EMERGENCY DEPARTMENT", "PENWITH", "en"),
        ("BATHURST-BLOOR FAMILY HEALTH TEAM\n720 Bathurst St.", "BATHURST-BLOOR", "en"),
        ("Ordering MD: R. Achebe-Park, MD - Northshore Breast Center", "Northshore", "en"),
        ("Relais : SSIAD du Pays Mareuillais à partir du 23/3", "Mareuillais", "fr"),
        ("transfert à la Clinique de réadaptation Les Chênes demain", "Chênes", "fr"),
        # Staff initials, signatures and registers.
        ("Present: PB (surg), GW (onc), LT (coord)\nGW to see in clinic Fri.", "GW to", "en"),
        ("KM = Kayla Moreno, RN | DO'B = Declan O'Brien, RN\n0430 DO'B: labs drawn", "DO'B:", "en"),
        ("Entirely submitted in A1-A2. (JLW / mk)\n", "JLW", "en"),
        ("Final HER2: NEGATIVE. -- JLW\n", "JLW", "en"),
        ("Surgeon: Nakamura-Diaz, Ellen MD | POD #2", "Ellen MD", "en"),
        ("Contacts: dtr/POA Rosa Salinas-Ybarra cell 956-555-0191", "Salinas-Ybarra", "en"),
        ("held until Sat per case mgr Javi there.", "Javi", "en"),
        ("Interne de garde : guillot (bip 4718)", "guillot", "fr"),
        ("thyroïde en cours.\n\n15/01 16:05 – K.\nETO ok", "K.", "fr"),
        ("résultat attendu sous 15 jours. - M.R.\n", "M.R.", "fr"),
        # Ages, addresses, numbers and phones.
        ("DOB 22/01/1932  (92)\nNHS no", "(92)", "en"),
        ("RN J. Castillo\nMrs B. is 96, dementia", "is 96", "en"),
        ("Clinic, 2075 Lake Shore Blvd. W., Unit 3, Etobicoke", "Unit 3", "en"),
        ("shelter (412 F St, Fresno) some nights", "412 F St", "en"),
        ("Medicaid plan ID 97315402A, CIN 91873350F. Coverage active", "91873350F", "en"),
        ("B12 1mg IM given L deltoid, batch LK4417B exp 11/2026.", "LK4417B", "en"),
        ("PPSN 6218847TA    GMS medical card", "6218847TA", "en"),
        ("rehab office 091 555 270 - they will ring", "555 270", "en"),
        ("ligne directe secrétariat 021 923 41 87", "923 41 87", "fr"),
        ("technicien Yohann, astreinte 0 800 45 12 12", "45 12 12", "fr"),
        ("case mgr there ((559) 555-0148).", "(559)", "en"),
        # Nurses' signatures, meeting tables and short names.
        ("Obs stable. Rpt bloods (U&E on furosemide).   KM\n", "KM", "en"),
        ("DNACPR in line with ReSPECT, GP aware. BH / KM\n", "BH", "en"),
        ("2. Continue abx. Next visit Mon.   RA\n", "RA", "en"),
        ("Present: PB (surg), GW (surg)\nAudit at GW's request.", "GW's", "en"),
        ("3 | PIRIE, Margaret Ellen (Mrs) | N0220981 |", "PIRIE", "en"),
        ("3 | PIRIE, Margaret Ellen (Mrs) | N0220981 |", "Ellen", "en"),
        ("6 | McALLISTER, Ian James | N0390045 |", "McALLISTER", "en"),
        ("Deferred to next week: WHITTAKER, B - awaiting MRI", "WHITTAKER", "en"),
        ("Typed 22/06/2024  ÉMcD\nCC: Dr N. Feeney", "ÉMcD", "en"),
        ("Fri 07/06 09:40  Ros (Rosalind Achterberg RN)\nMuch brighter.", "Ros (", "en"),
        ("amoxicillin 500 mg q8h through 6/6 (UTI, day 5/7)", "6/6", "en"),
        ("commune : st jory de chalais (24800)", "jory", "fr"),
        ("Patient : Lucien M., la petite borie saint-jory-de-chalais\n", "saint-jory", "fr"),
        ("sur la commune, confusion avec nantheuil", "nantheuil", "fr"),
        ("rédigé pour l'assurance scolaire (MAE, contrat 5402 338 17).", "MAE", "fr"),
        ("sitting on the wall outside The Tinners Arms on Trelowarren St", "Tinners", "en"),
        ("church service from St Stephen's Anglican, Adamstown, sang along", "Stephen", "en"),
        ("also he got let go from asda last week. hes gutted", "asda", "en"),
        ("il bosse de nuit chez stellantis depuis mars", "stellantis", "fr"),
    ],
)
def test_an_identifier_of_the_fifth_batch_forms_is_redacted(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "kept", "language"),
    [
        ("Previous right Bell's palsy (2011), fully recovered", "Bell's palsy", "en"),
        ("Reed-Sternberg cells were not seen.", "Reed-Sternberg cells", "en"),
        ("The Health Plan covers it. Patient Transport booked.", "Patient Transport", "en"),
        ("BP 120/80 (95) on arrival", "(95)", "en"),
        ("interne prévenu à 3h", "interne prévenu", "fr"),
        ("mild MR - TR on echo", "MR - TR", "en"),
        ("Seen today.\nCC: Dr N. Feeney, GP", "CC:", "en"),
        ("amoxicillin 500 mg q8h through 6/6 (UTI, day 5/7)", "day 5/7", "en"),
        ("Creatinine rose (CKD 3b)", "Creatinine rose", "en"),
        # Clinical shorthand no name list holds is no person.
        ("RR 26  SpO2 92% BiPAP FiO2 40%", "BiPAP", "en"),
        ("Bed: Hall 6   Triage ESI 2 (Kayla RN)", "Triage ESI", "en"),
        ("found on floor by CNA at 0430", "by CNA", "en"),
    ],
)
def test_what_looks_like_those_forms_stays(text: str, kept: str, language: str) -> None:
    assert kept in scrubbed(text, language)
