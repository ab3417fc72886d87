"""HOSPITAL: named care establishments, by their head word and name, in any case.

"CHU de Rennes", "CHU Grenoble Alpes", "CH de Morlaix", "Centre Hospitalier Guillaume
Régnier", "CENTRE HOSPITALIER UNIVERSITAIRE DE MARTINIQUE", "Hôpital de la Cavale Blanche",
"Groupe Hospitalier Pellegrin", "Hôpitaux Universitaires de Strasbourg", "Clinique du Parc",
"Polyclinique de l'Atlantique", "EHPAD Les Jardins de Kercado", "Cabinet de radiologie des
Arènes", "Centre de Rééducation de Kerpape", "St Thomas' Hospital", "Leeds General
Infirmary", "Mayo Clinic", "Oakwood Care Home", and the short names everyone uses for
the large ones ("HEGP", "la Pitié", "Necker", "HCL", "AP-HM"; `KNOWN_ESTABLISHMENTS`).

A head word alone ("le CHU", "l'hôpital", "la clinique", "the hospital") is generic and
never reported: a name must follow it (or, in English, precede it). In lower case, the
name before the head must be a word no dictionary holds ("walgreens pharmacy").

One module, long on purpose: the French and English patterns share their name words,
heads and the checks that tell a department or a medical acronym from an establishment.
"""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar, Final

from anonymization.lexicons import common_words, medical_words, names_and_places
from anonymization.recognizers.base import RegexRecognizer, ValuePattern
from anonymization.recognizers.first_characters import led_by_first_characters
from anonymization.recognizers.person_words import is_acronym, is_drug, is_stopword

ESTABLISHMENT_SCORE: Final = 0.8
KNOWN_SCORE: Final = 0.75
HOSPITAL_SHAPED_ACRONYM_SCORE: Final = 0.5

_UP: Final = "A-ZÀ-ÖØ-ÞŒ"
_LO: Final = "a-zß-öø-ÿœ"
# French heads, longest first; matched case-insensitively at a word start.
_FR_HEADS: Final = (
    r"centre[ \t]+hospitalier(?:[ \t]+(?:universitaire|r[ée]gional(?:[ \t]+universitaire)?"
    r"|intercommunal|sp[ée]cialis[ée]|g[ée]n[ée]ral|d[ée]partemental))?",
    r"groupe(?:ment)?[ \t]+hospitalier(?:[ \t]+(?:universitaire|de[ \t]+territoire))?",
    r"h[ôo]pitaux[ \t]+universitaires", r"hospices[ \t]+civils", r"h[ôo]pital[ \t]+priv[ée]",
    r"h[ôo]pital[ \t]+d['’]instruction[ \t]+des[ \t]+arm[ée]es", r"h[ôo]pital", r"hop\.",
    r"polyclinique", r"clinique(?:[ \t]+(?:mutualiste|priv[ée]e))?", r"ehpad(?:[ \t]+public)?",
    r"r[ée]sidence", r"maison[ \t]+de[ \t]+(?:sant[ée]|retraite)(?:[ \t]+pluriprofessionnelle)?",
    r"centre[ \t]+(?:m[ée]dical|municipal[ \t]+de[ \t]+sant[ée]|de[ \t]+sant[ée]"
    r"|de[ \t]+r[ée][ée]ducation(?:[ \t]+fonctionnelle)?|de[ \t]+soins|cardiologique"
    r"|m[ée]dico-psychologique|de[ \t]+dialyse|de[ \t]+radioth[ée]rapie|de[ \t]+lutte"
    r"[ \t]+contre[ \t]+le[ \t]+cancer|anticanc[ée]reux|d['’]imagerie)",
    # Heads with lower-case qualifiers before the name: "Institut de réadaptation
    # Clemenceau", "Centre de lutte contre le cancer Léon Bérard".
    r"(?:institut|centre|maison|p[ôo]le|clinique)"
    r"(?:[ \t]+(?:de|d['’]|du|des)?[ \t]*[a-zà-ÿ-]{3,}){1,3}"
    r"(?=[ \t]+[A-ZÀ-Þ])",
    r"institut", r"fondation", r"(?-i:Centre|CENTRE)(?=[ \t]+[A-Z])", r"iml", r"clat",
    r"cabinet(?:[ \t]+(?:m[ée]dical|infirmier|dentaire|param[ée]dical|de[ \t]+[a-zà-ÿ-]+))?",
    # Where people live or spend the day: "foyer Adoma Pleyel", "accueil de jour aux
    # Hespérides", "auberge Le Vieux Tilleul", "site des Carmes" (an employer's site).
    r"foyer(?:[ \t]+(?:de[ \t]+vie|logement|d['’]accueil(?:[ \t]+m[ée]dicalis[ée])?))?",
    r"accueil[ \t]+de[ \t]+jour", r"auberge", r"site(?=[ \t]+(?:des|du|de)[ \t]+[A-ZÀ-Þ])",
    r"laboratoire(?:[ \t]+d['’]analyses(?:[ \t]+m[ée]dicales)?)?", r"pharmacie",
    # "labo BioAlsace", "Labo Bio-Armor", "maternité des Glycines", "dispensaire de Wé".
    r"labo", r"maternit[ée]", r"dispensaire",
    r"p[ôo]le[ \t]+sant[ée]", r"unit[ée][ \t]+de[ \t]+m[ée]decine[ \t]+l[ée]gale",
)  # fmt: skip
# Acronyms only in capitals: "ch", "had", "ime" are words too.
_FR_ACRONYM_HEADS: Final = (
    "CHRU", "CHU", "CHR", "CHI", "CHS", "CHG", "CHIC", "CHD", "CH", "GHU", "GHT", "GH", "EPSM",
    "SSR", "USLD", "HAD", "MSP", "CMPP", "CMP", "CRF", "IME", "EHPAD", "Ehpad", "HIA",
    # Care and prevention structures that head a name: occupational health services, the
    # cancer screening centres, addiction and early-childhood centres, care coordination.
    "SPST", "SPSTI", "SIST", "CRCDC", "CSAPA", "CAMSP", "SESSAD", "CPTS", "DAC", "CeGIDD",
    "CLAT", "ESAT", "SSIAD", "CATTP", "CMP-CATTP", "SAMSAH", "SAVS", "FAM", "MAS",
)  # fmt: skip
_FR_HEAD: Final = "(?:(?i:" + "|".join(_FR_HEADS) + ")|(?:" + "|".join(_FR_ACRONYM_HEADS) + "))"
# A name: capitalised (or all-capitals) words, with particles, hyphens and apostrophes.
# No full stop inside: "CHU de Rennes. Retour" ends at "Rennes".
_NAME_WORD: Final = rf"(?:[dlDL]['’])?[{_UP}][{_UP}{_LO}'’-]*[{_UP}{_LO}]"
_NEXT_WORD: Final = _NAME_WORD
_PARTICLE: Final = (
    r"(?:de|du|des|de[ \t]+la|de[ \t]+l['’]|d['’]|la|le|les|l['’]|et|sur|en|lès|les|à|au|aux"
    r"|DE|DU|DES|LA|LE|LES|D['’]|L['’]|ET|SUR|EN)"
)
_FR_NAME: Final = (
    rf"(?:[ \t]*[«\"][ \t]*)?(?:{_PARTICLE}[ \t]*)?{_NAME_WORD}"
    rf"(?:(?:[ \t]+{_PARTICLE})?[ \t]*(?:[ \t]|-|–[ \t]){_NEXT_WORD}){{0,4}}"
    r"(?:[ \t]*[»\"])?"
)
_FR_ESTABLISHMENT: Final = (
    rf"(?<![\w-])(?P<value>{_FR_HEAD}(?![{_LO}{_UP}])(?:[ \t]+|[ \t]*[-–][ \t]*|(?=\d))"
    rf"(?:(?i:{_PARTICLE})[ \t]*)?{_FR_NAME})"
)
# English: a name then a head ("Leeds General Infirmary", "St Thomas' Hospital"), or a
# head then "of" and a name ("Royal Infirmary of Edinburgh", "University Hospital of Wales").
_EN_HEADS: Final = (
    r"(?:General[ \t]+|Community[ \t]+|Memorial[ \t]+|University[ \t]+|Children['’]s[ \t]+"
    r"|Women['’]s[ \t]+|Regional[ \t]+|District[ \t]+|Royal[ \t]+|County[ \t]+|Teaching[ \t]+)*"
    r"(?:Hospital|Infirmary|Medical[ \t]+Cent(?:er|re)|Health[ \t]+Cent(?:er|re)|Clinic"
    r"|Care[ \t]+Home|Nursing[ \t]+Home|Hospice|Surgery|Medical[ \t]+Practice|Practice"
    r"|Pharmacy|Health[ \t]+System|Healthcare|Cancer[ \t]+Cent(?:er|re)|Rehabilitation"
    r"[ \t]+Cent(?:er|re)|Walk-in[ \t]+Cent(?:er|re)|NHS[ \t]+(?:Foundation[ \t]+)?Trust"
    r"|Health[ \t]+Board|Laborator(?:y|ies)|Imaging[ \t]+Cent(?:er|re)|Family[ \t]+Medicine"
    r"|Hospitals(?:[ \t]+NHS(?:[ \t]+(?:Foundation[ \t]+)?(?:Trust|FT))?)?|NHS[ \t]+FT"
    r"|Internal[ \t]+Medicine|Pediatrics|Paediatrics|Orthopedics|Orthopaedics|Rheumatology"
    r"|Senior[ \t]+Living|Medical[ \t]+Group|Pathology"
    r"|Diagnostics|Residential[ \t]+Home|Urgent[ \t]+Care|Surgical[ \t]+Cent(?:er|re)"
    r"|Medical[ \t]+Cent(?:er|re)|Health[ \t]+Partners|Primary[ \t]+Care|Group[ \t]+Practice"
    # Practices named by their trade: "Harbour Radiology", "Ogden Family Dentistry",
    # "Kilbirnie Physio & Sports Med", "Newtown Union Health Service", "Prairie Hearth Home
    # Health", "Riverbend OB/GYN Associates", "St. Brendan's Women's Pavilion".
    r"|Radiology|Dentistry|Dental(?:[ \t]+(?:Care|Practice|Surgery|Centre|Center))?"
    r"|Physio(?:therapy)?(?:[ \t]+(?:&|and)[ \t]+Sports[ \t]+Med(?:icine)?)?"
    r"|Health[ \t]+Services?|Home[ \t]+Health(?:[ \t]*,?[ \t]+LLC)?|Pavilion|Institute"
    # A specialty's partnership: "Southwest Digestive Health Associates", "South Shore
    # Neurology Group", "Riverbend OB/GYN Associates".
    r"|(?:OB/GYN|Ob/Gyn|Pediatric|Paediatric|Medical|Family|Women['’]s|Surgical|Eye|ENT"
    r"|Dermatology|Orthop(?:a)?edics?|Cardiology|Neurology|Oncology|Hematology|Urology"
    r"|Gastroenterology|Digestive[ \t]+Health|Pulmonary|Kidney|Renal|Nephrology|Vascular"
    r"|Retina|Ophthalmology|Spine|Pain|Allergy|Endocrinology|Psychiatric|Behavioral[ \t]+Health"
    r")[ \t]+(?:Associates|Group|Partners|Specialists|Consultants)"
    r"|Optometrists?|Opticians?|Chemists?"
    # "ProMotion Physical Therapy", "GeneSure Labs", "Harbor Women's Health", "Butler County
    # General", "Zia Health Alliance".
    r"|Physical[ \t]+Therap(?:y|ists)|Occupational[ \t]+Therapy|Sports[ \t]+Medicine|Labs"
    r"|Women['’]s[ \t]+Health|County[ \t]+(?:General|Memorial)|Health[ \t]+Alliance"
    # "Bathurst-Bloor Family Health Team" (Ontario), "Northshore Breast Center".
    r"|Family[ \t]+Health[ \t]+Team|(?:Breast|Heart|Eye|Kidney|Dialysis|Wound|Sleep|Vein|Spine"
    r"|Birth|Diabetes|Memory|Arthritis|Fertility|Cancer[ \t]+Care)[ \t]+Cent(?:er|re)"
    # Primary care as the Philippines, Nigeria and India name it: "San Isidro Rural Health
    # Unit", "Barangay Health Station", "Igbogbo Primary Health Centre", "Health Post".
    r"|(?:Rural[ \t]+)?Health[ \t]+(?:Unit|Station|Post)|Primary[ \t]+Health[ \t]+Cent(?:er|re)"
    r"|Polyclinic|Dispensary"
    # Australia's residential care and a rehabilitation centre by its short name:
    # "Banksia Grove Aged Care", "Lakeshore Rehab".
    r"|Aged[ \t]+Care|Rehab)"
)
_EN_NAME_WORD: Final = r"(?:St\.?|Saint|Mount|Mt\.?|[A-Z][A-Za-z'’.-]*[a-z'’])"
_EN_ESTABLISHMENT: Final = (
    rf"(?<![\w'’-])(?P<value>{_EN_NAME_WORD}"
    rf"(?:[ \t]+(?:and|&|of|the|upon|on)?[ \t]*{_EN_NAME_WORD}){{0,4}}"
    # A chain's branch number goes with it: "Albertsons Pharmacy #187".
    rf"[ \t]+{_EN_HEADS}(?:[ \t]+#\d{{1,5}})?)(?![\w-])"
)
# In capitals: "JOHNS HOPKINS BAYVIEW MEDICAL CENTER", "ROYAL DERBY HOSPITAL".
# The same heads as in mixed case ("RIVERBEND KIDNEY CENTER", "SOUTHWEST DIGESTIVE HEALTH
# ASSOCIATES"), but "LABS", which heads a section ("MONTHLY LABS").
_EN_UPPER_HEADS: Final = _EN_HEADS.upper().replace("\\T", "\\t").replace("|LABS", "")
_EN_UPPER_ESTABLISHMENT: Final = (
    r"(?<![\w'’-])(?P<value>(?:[A-Z][A-Z'’.-]+[ \t]+(?:&[ \t]+)?){1,4}"
    rf"(?:PATHOLOGY[ \t]+ALLIANCE|{_EN_UPPER_HEADS}))"
    r"(?![\w'’-])"
)
# A head then its name: "Children's Hospital Colorado", "Memorial Hospital Jacksonville".
_EN_HEAD_THEN_NAME: Final = (
    r"(?<![\w'’-])(?P<value>(?:Children['’]s|Women['’]s|University|General|Memorial|Community"
    r"|Regional)[ \t]+Hospital[ \t]+(?:of[ \t]+)?[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)(?![\w'’-])"
)
# In lower case, as messages write: "walgreens pharmacy says", "picked up from oakwood
# surgery". The name's words must be no word of either language (`_score`): "the eye
# clinic", "community pharmacy" are no establishment.
_EN_LOWER_ESTABLISHMENT: Final = (
    r"(?<![\w'’-])(?P<value>[a-z][a-z'’-]{2,}[ \t]+"
    r"(?:pharmacy|clinic|surgery|hospital|hospice|(?:medical|health|day)[ \t]+cent(?:er|re)"
    r"|(?:care|nursing)[ \t]+home|adult[ \t]+day|medical[ \t]+practice))(?![\w'’-])"
)
# Welsh "Ysbyty" (hospital) leads its name; "Northern General", "Cheltenham General".
_EN_LED: Final = (
    r"(?<![\w'’-])(?P<value>Ysbyty(?:[ \t]+[A-Z][\w'’-]+){1,3}"
    r"|(?!(?:Surgeon|Attorney|Secretary|Consultant|Department|Medicine|Surgery|Overall|Good"
    r"|Poor|Past|Review|Patient|Nursing|Senior|Junior|Acute|Adult|Paediatric|Pediatric)\b)"
    r"[A-Z][a-z]+[ \t]+General(?=[ \t]*(?:[,.;:)\n(]|$"
    r"|[ \t]+(?:Hospital|Infirmary|on|in|at|for|and|ED|A&E)\b"
    # "Cheltenham General Ambulatory Emergency Care": a unit of it follows.
    r"|[ \t]+(?:Ambulatory|Emergency|Outpatients?|Maternity|Ward|Site|Campus)\b)))"
)
# Heads that lead the name in other languages, as English notes from abroad write them:
# "Hospital Pakar Seri Kembangan" (Malay), "Clinica Familiar del Valle", "Klinik Kesihatan
# Seksyen 7"; the name's first word must be no common word ("Hospital Day 3").
_OUR_BEFORE_LADY: Final = re.compile(r"(?<![\w'’-])(?i:our)[ \t]+$")
_FOREIGN_HEAD_FIRST: Final = (
    r"(?<![\w'’-])(?P<value>(?P<head>Hospital|Cl[ií]nica|Klinik(?:[ \t]+Kesihatan)?"
    r"|Rumah[ \t]+Sakit|Centro[ \t]+de[ \t]+Salud)"
    r"(?P<name>(?:[ \t]+(?:de[ \t]+|del[ \t]+|la[ \t]+|los[ \t]+)?[A-Z][a-zà-ÿ'’-]+){1,4}))"
    r"(?![\w'’-])"
)
_EN_OF: Final = (
    rf"(?<![\w'’-])(?P<value>(?:Royal[ \t]+|University[ \t]+|General[ \t]+)*(?:Hospital|Infirmary"
    rf"|Hospitals)[ \t]+of[ \t]+(?:the[ \t]+)?{_EN_NAME_WORD}"
    rf"(?:[ \t]+{_EN_NAME_WORD}){{0,2}})(?![\w-])"
)
# "Northern Centre for Cancer Care", "Manchester Centre for Genomic Medicine".
_EN_CENTRE_FOR: Final = (
    rf"(?<![\w'’-])(?P<value>{_EN_NAME_WORD}(?:[ \t]+{_EN_NAME_WORD}){{0,2}}[ \t]+Cent(?:re|er)"
    rf"[ \t]+for[ \t]+(?:the[ \t]+)?{_EN_NAME_WORD}"
    rf"(?:[ \t]+(?:and[ \t]+|&[ \t]+)?{_EN_NAME_WORD}){{0,3}})"
    r"(?![\w-])"
)

# Short names and acronyms of establishments everyone names without a head word.
KNOWN_ESTABLISHMENTS: Final = (
    "HEGP", "Pitié-Salpêtrière", "Pitié Salpêtrière", "la Pitié", "Necker", "Bichat",
    "Lariboisière",
    "Cochin", "Avicenne", "Beaujon", "Bicêtre", "Kremlin-Bicêtre", "Hôtel-Dieu", "Rothschild",
    "Quinze-Vingts", "Gustave Roussy", "Gustave-Roussy", "Institut Curie", "Paoli-Calmettes",
    "Léon Bérard", "Léon-Bérard", "Oscar Lambret", "Bergonié", "la Timone", "Pellegrin",
    "Haut-Lévêque", "Purpan", "Rangueil", "Pontchaillou", "Cavale Blanche", "Hautepierre",
    "Brabois", "Michallon", "Hospices Civils de Lyon", "HCL", "AP-HM", "AP-HP", "APHP", "APHM",
    "CHUGA", "HFME", "IUCT", "Oncopole", "Foch", "Percy", "Bégin", "Sainte-Anne", "Trousseau",
    "Robert-Debré", "Robert Debré", "Ambroise-Paré", "Henri-Mondor", "Henri Mondor",
    "Saint-Antoine", "Tenon", "Lapeyronie", "Guy de Chauliac", "Nouvel Hôpital Civil",
    "Édouard-Herriot", "Edouard Herriot", "Lyon-Sud", "Croix-Rousse", "Pierre-Wertheimer",
    "Gabriel-Montpied", "Estaing", "Dupuytren", "Bretonneau", "Morvan", "Charles-Nicolle",
    "Jean-Minjoz", "Claude-Huriez", "Roger-Salengro", "Kerpape", "Pasteur 2",
    "Assistance Publique", "ASSISTANCE PUBLIQUE", "Hôpitaux de Paris", "Hôpitaux de Marseille",
    "Mass General", "MGH", "Brigham", "Mayo Clinic", "Johns Hopkins", "Cleveland Clinic",
    "Mount Sinai", "Cedars-Sinai", "Kaiser Permanente", "Addenbrooke's", "John Radcliffe",
    "Royal Free", "Great Ormond Street", "GOSH", "UCLH", "Ninewells", "Southmead",
    "Alder Hey", "Royal Marsden", "Moorfields", "Papworth", "Maudsley", "MD Anderson",
    "Dana-Farber", "Sloan Kettering", "Bellevue", "NYU Langone", "Guy's", "St Thomas'",
    "LabCorp", "Labcorp", "Quest Diagnostics", "Cerballiance", "Biogroup", "BIOGROUP", "Synlab",
    "Eurofins", "Unilabs",
)  # fmt: skip
_KNOWN: Final = (
    r"(?<![\w-])(?P<value>"
    + "|".join(re.escape(name) for name in sorted(KNOWN_ESTABLISHMENTS, key=len, reverse=True))
    + r")(?![\w-])"
)
_KNOWN_UPPER: Final = (
    r"(?<![\w-])(?P<value>"
    + "|".join(
        re.escape(name.upper()) for name in sorted(KNOWN_ESTABLISHMENTS, key=len, reverse=True)
    )
    + r")(?![\w-])"
)
# "CHBA", "GHBS", "CHRU", "CHIC": the acronyms of French hospitals and hospital groups.
_HOSPITAL_ACRONYM: Final = (
    r"(?<![\w-])(?!(?:CHRU|CHU|CHR|CHI|CHS|CHG|CHD|CHIC|GHU|GHT|HIA|HAD)(?![\w-]))"
    # "HP" (a private hospital: "HPGM") takes two letters at least: "HPI", "HPC" are a
    # note's history headings.
    # A group named by its département alone: "GH70", "GHT29".
    r"(?P<value>(?:(?:CHU|CHR|CHI|CHS|CH|GHU|GHT|GH|HIA)[A-Z]{1,4}|HP[A-Z]{2,4})(?:\d{1,3})?"
    r"|GHT?\d{2,3})"
    r"(?![\w-])"
)
_KNOWN_RE: Final = led_by_first_characters(re.compile(_KNOWN))
# Name words that end a French establishment's name: what follows is not part of it.
_TRAILING_STOP: Final = re.compile(
    # ("Newtown Union Health Service" keeps its head: "Health Service" is one.)
    r"(?:(?<!Health)[ \t]+(?i:service|pôle|pole|unité|unite|site|département|departement"
    r"|secteur|bâtiment|batiment|aile|pour|avec|par|dr|pr|mme|mr|tél|tel|fax)\b.*"
    r"|[ \t]+M\..*"
    r"|[ \t]+(?i:le|la|les|du|de|des|et|en|sur|à|au|d['’]|l['’])"
    r"|[ \t]*[–-][ \t]*(?i:service|pôle|unité|site|secteur|département)\b.*)$",
    re.DOTALL,
)


# An acronym where a place of care is named: "not transferred to UHW", "go to PVWH ED",
# "admitted to SGH", "seen at QEUH"; a known medical acronym there stays ("to ICU").
_ACRONYM: Final = r"(?P<value>[A-Z][A-Z&]{1,5})(?![\w&'’-])"
_PLACE_OF_CARE_BEFORE: Final = (
    r"\b(?i:transferred|transfer|admitted|admission|returned|return|sent|taken|moved|brought|referred"
    r"|go|went|attend|attended|seen|discharged|conveyed|transported)"
    r"[ \t]+(?:back[ \t]+)?(?i:to|at|from|into)[ \t]+(?:the[ \t]+)?$"
)
_ACRONYM_BEFORE_A_DEPARTMENT: Final = (
    r"(?<![\w&-])(?P<value>[A-Z][A-Z&]{1,5})(?=[ \t]+(?:ED|A&E|AMU|MAU|ICU|ITU|HDU|SDEC|CCU"
    r"|resus|Resus|ward|Ward|theatres?|outpatients|OPD|ER)\b)"
)
# "at RUH", "from WGH", "eye clinic SRI", "admission to HRI": after a word saying where, an
# acronym of three to five capitals with the H of a hospital or ending as an infirmary's
# does ("SRI", "LGI", "RVI"), that no list of medical acronyms holds.
_HOSPITAL_SHAPED_ACRONYM: Final = (
    r"(?P<value>(?=[A-Z]{3,5}(?![\w&'’-]))(?![A-Z]*HIV)(?:[A-Z]*H[A-Z]*|[A-Z]+[RGV]I))"
    r"(?![\w&'’-])"
)
# Records, laws and schemes with an H, which notes also write after "in", "to": not places.
_ADMINISTRATIVE_ACRONYMS: Final = frozenset(
    ("EHR", "EPR", "EMR", "HIPAA", "PHI", "HMO", "HHS", "HSA", "HCP", "HCPC", "HSE", "NHS")
)
_WHERE_BEFORE: Final = r"\b(?i:at|from|to|clinic|in)[ \t]+(?:the[ \t]+)?$"
_ACRONYM_PATTERNS: Final = (
    "acronym where care is given",
    "acronym before a department",
    "hospital-shaped acronym after a word saying where",
)
# A name where care is given: "a short admission to Fernbank", "A&E Darent Valley",
# "started TB treatment at Bara"; a department or a common word there is not one ("to
# Cardiology", "to Ward 7", "to Orthopaedics", "to Mr Smith").
_NAME_OF_PLACE: Final = r"(?P<value>[A-Z][a-z'’-]{2,}(?:[ \t]+[A-Z][a-z'’-]{2,}){0,2})(?![\w'’-])"
_NAMED_PLACE_OF_CARE_BEFORE: Final = (
    r"(?:\b(?i:admission|admitted|transferred|transfer|returned|return|discharged|conveyed"
    r"|transported|attended|started[ \t]+\w+[ \t]+\w+)[ \t]+(?:back[ \t]+)?(?i:to|at|from|into)"
    r"|\b(?:A&E|ED|ER|casualty)(?:[ \t]+at)?)[ \t]+(?:the[ \t]+)?$"
)
# A one-word name before the department it has: "attended Sunnybrook ED", "Wansbeck A&E"
# (the words before it may be a verb: "Attended").
_NAME_BEFORE_A_DEPARTMENT: Final = (
    r"(?<![\w'’-])(?P<value>[A-Z][a-z'’-]{2,})"
    r"(?=[ \t]+(?:ED|A&E|AMU|MAU|ICU|ITU|HDU|SDEC|CCU|OPD|ER)\b)"
)
_NAMED_PLACE_PATTERNS: Final = ("name where care is given", "name before a department")
_SPECIALTY_SUFFIX: Final = re.compile(r"(?i:.*(?:ology|ics|ery|try|apy|osis|itis|ward|unit))")
_PERSON_TITLES: Final = frozenset({"Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sister", "Nurse"})
_DEPARTMENT_WORDS: Final = frozenset({"resus", "majors", "minors", "recovery", "theatres"})
# Departments and services every hospital has: "sent to A&E", "back to GP".
_GENERIC_PLACES: Final = frozenset(
    {
        "A&E",
        "ED",
        "ER",
        "OR",
        "ICU",
        "ITU",
        "HDU",
        "AMU",
        "MAU",
        "SDEC",
        "CCU",
        "OPD",
        "GP",
        "PT",
        "OT",
        "SLT",
        "SALT",
        "DN",
        "MDT",
        "CT",
        "MRI",
        "XR",
        "US",
        "IR",
        "NICU",
        "PICU",
        "SCBU",
        "EAU",
        "CDU",
        "OPAT",
        "HAH",
        "NHS",
        "UK",
        "USA",
        "SNF",
        "LTC",
        "ALF",
        "CMP",
        "SMUR",
        "SAU",
        "EPAU",
        "MIU",
        "UTC",
        "WIC",
        "OOH",
        "PACU",
        "TCU",
        "LTAC",
        "IRF",
    }
)


# A specialty before a trade head names a department, not a practice: "Interventional
# Radiology", "Paediatric Dentistry", "Sports Physio".
_SPECIALTY_WORDS: Final = frozenset(
    {
        "interventional",
        "diagnostic",
        "pediatric",
        "paediatric",
        "musculoskeletal",
        "neuro",
        "breast",
        "cardiac",
        "thoracic",
        "abdominal",
        "emergency",
        "oral",
        "general",
        "community",
        "restorative",
        "cosmetic",
        "sports",
        "vascular",
        "nuclear",
        "women's",
        "children's",
        "hospital",
        "dental",
        "special",
        "care",
        "acute",
        "outpatient",
        "inpatient",
        "the",
    }
)
_TRADE_HEAD_END: Final = re.compile(
    r"(?i:radiology|dentistry|dental|physio|physiotherapy|health[ \t]+services?|pavilion"
    r"|institute)$"
)


# Words of a department's name besides the medical ones: "Department of Cellular
# Pathology", "Knee Clinic", "Cardiac Catheterization Laboratory".
_DEPARTMENT_NAME_WORDS: Final = frozenset(
    {"department", "clinic", "pathology", "radiology", "surgery", "laboratory", "laboratories",
     "unit", "service", "services", "centre", "center", "of", "and", "the", "for", "anatomic",
     "anatomical", "cellular", "molecular", "clinical", "surgical", "medical", "medicine",
     # The specialties a department is named after: "Clinical Biochemistry".
     "biochemistry", "haematology", "hematology", "oncology", "cardiology", "neurology",
     "microbiology", "virology", "immunology", "pharmacy", "pharmacology", "gastroenterology",
     "endocrinology", "nephrology", "urology", "dermatology", "rheumatology", "psychiatry",
     "paediatrics", "pediatrics", "obstetrics", "gynaecology", "gynecology", "orthopaedics",
     "orthopedics", "ophthalmology", "geriatrics", "anaesthetics", "anesthesiology",
     "respiratory", "genetics", "histopathology", "cytology", "imaging", "day", "outpatient",
     "outpatients", "inpatient", "emergency", "intensive", "care", "renal", "vascular", "rehab"}
)  # fmt: skip


_NAME_NEXT: Final = re.compile(r"[ \t]+[A-Z][a-z]")


@cache
def _department_vocabulary() -> frozenset[str]:
    return medical_words("en") | _SPECIALTY_WORDS | _DEPARTMENT_NAME_WORDS


def is_department(name: str) -> bool:
    """An English name made only of medical words and department heads is a department,
    not an establishment: "Knee Clinic", "Gastrointestinal Pathology", "SURGICAL
    PATHOLOGY" (ICD-10's words, `medical_words`); "Desert Sky Rheumatology" and "Leeds
    General Infirmary" are establishments."""
    words = [word.lower() for word in re.findall(r"[^\W\d_][\w'’]*", name)]
    known = _department_vocabulary()
    return all(word in known and word not in names_and_places() for word in words)


def _is_proper_lower_word(word: str) -> bool:
    """A lower-case word that can only be a name: neither it nor a part of it is a word of
    either language, an acronym, a stopword or a drug ("walgreens", "hollister"; not
    "eye", "gp", "local", "nurse-led")."""
    lowered = word.lower()
    if lowered.endswith(("'s", "’s")):
        lowered = lowered[:-2]
    return not any(
        part in common_words("en")
        or part in common_words("fr")
        or is_acronym(part)
        or is_stopword(part)
        or is_drug(part)
        for part in [lowered, *lowered.split("-")]
    )


# "Hartwood Unit", "Brackenlea Ward": a unit named by a word that is no word of either
# language, no medical word and no specialty ("Stroke Unit", "Renal Ward" are departments).
_NAMED_UNIT: Final = (
    r"(?<![\w'’-])(?P<value>[A-Z][a-z]{2,}(?:[- ][A-Z][a-z]{2,})?[ \t]+(?:Unit|Ward|Wing|Suite))"
    r"(?![\w-])"
)


def _is_rare_name(words: str) -> bool:
    """Every word could only be a name (`_is_proper_lower_word`) and is no medical or
    department word."""
    vocabulary = _department_vocabulary()
    return all(
        _is_proper_lower_word(word) and word.lower() not in vocabulary for word in words.split()
    )


class EstablishmentRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "HOSPITAL"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        # Before the French heads, which would take "Centre for Cancer Care" alone.
        ValuePattern("english centre for", re.compile(_EN_CENTRE_FOR), ESTABLISHMENT_SCORE),
        ValuePattern("french head and name", re.compile(_FR_ESTABLISHMENT), ESTABLISHMENT_SCORE),
        ValuePattern("english head of a place", re.compile(_EN_OF), ESTABLISHMENT_SCORE),
        ValuePattern("english name and head", re.compile(_EN_ESTABLISHMENT), ESTABLISHMENT_SCORE),
        ValuePattern("english name led by its head", re.compile(_EN_LED), ESTABLISHMENT_SCORE),
        ValuePattern(
            "english establishment in capitals",
            re.compile(_EN_UPPER_ESTABLISHMENT),
            ESTABLISHMENT_SCORE,
        ),
        ValuePattern("english head then name", re.compile(_EN_HEAD_THEN_NAME), ESTABLISHMENT_SCORE),
        ValuePattern(
            "head of another language, then name",
            re.compile(_FOREIGN_HEAD_FIRST),
            ESTABLISHMENT_SCORE,
        ),
        ValuePattern(
            "english name and head, lower case",
            re.compile(_EN_LOWER_ESTABLISHMENT),
            ESTABLISHMENT_SCORE,
        ),
        ValuePattern("unit named by a rare word", re.compile(_NAMED_UNIT), ESTABLISHMENT_SCORE),
        ValuePattern("known establishment", re.compile(_KNOWN), KNOWN_SCORE),
        ValuePattern("hospital acronym", re.compile(_HOSPITAL_ACRONYM), KNOWN_SCORE),
        ValuePattern("known establishment, capitals", re.compile(_KNOWN_UPPER), KNOWN_SCORE),
        ValuePattern(
            _ACRONYM_PATTERNS[0],
            re.compile(_ACRONYM),
            ESTABLISHMENT_SCORE,
            before=re.compile(_PLACE_OF_CARE_BEFORE),
        ),
        ValuePattern(_ACRONYM_PATTERNS[1], re.compile(_ACRONYM_BEFORE_A_DEPARTMENT), KNOWN_SCORE),
        ValuePattern(
            _ACRONYM_PATTERNS[2],
            re.compile(_HOSPITAL_SHAPED_ACRONYM),
            HOSPITAL_SHAPED_ACRONYM_SCORE,
            before=re.compile(_WHERE_BEFORE),
        ),
        ValuePattern(
            "name where care is given",
            re.compile(_NAME_OF_PLACE),
            ESTABLISHMENT_SCORE,
            before=re.compile(_NAMED_PLACE_OF_CARE_BEFORE),
        ),
        ValuePattern(
            _NAMED_PLACE_PATTERNS[1], re.compile(_NAME_BEFORE_A_DEPARTMENT), ESTABLISHMENT_SCORE
        ),
    )

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if pattern.name == "unit named by a rare word" and not _is_rare_name(
            value.rsplit(maxsplit=1)[0]
        ):
            return None  # "Stroke Unit", "Cedar Ward": a department, a common word
        if pattern.name == "head of another language, then name" and value.startswith("Hospital"):
            first = value.split()[1].lower()
            if (
                first in common_words("en")
                or first in common_words("fr")
                or first in _DEPARTMENT_WORDS
            ):
                return None  # "Hospital Day 3", "Hospital Course": no name follows
        if pattern.name == "hospital acronym" and (
            value.lower() in common_words("en") or value.lower() in common_words("fr")
        ):
            return None  # "CHECK", "CHEST", "CHAIR" in a note in capitals: words, not CH + ECK
        if pattern.name in _ACRONYM_PATTERNS and (
            is_acronym(value)
            or value in _GENERIC_PLACES
            or value in _ADMINISTRATIVE_ACRONYMS
            or value.lower() in common_words("en")
            or value.lower() in common_words("fr")
        ):
            return None  # "to ICU", "the CT ward": medical acronyms, not establishments
        if (
            pattern.name.startswith("english")
            and is_department(value)
            and not _NAME_NEXT.match(text, start + len(value))
        ):
            return None  # "Knee Clinic", "SURGICAL PATHOLOGY"; not "Eye Clinic Newtown"
        if pattern.name == "english name and head, lower case" and not _is_proper_lower_word(
            value.split()[0]
        ):
            return None
        if pattern.name in _NAMED_PLACE_PATTERNS:
            first = value.split()[0]
            if (
                first in _PERSON_TITLES
                or first.lower() in _DEPARTMENT_WORDS
                or first.lower() in common_words("en")
                or first.lower() in common_words("fr")
                or _SPECIALTY_SUFFIX.fullmatch(first)
            ):
                return None
        return super()._score(text, value, start, pattern)

    def analyze(self, text, entities, nlp_artifacts=None):
        results = []
        for result in super().analyze(text, entities, nlp_artifacts):
            value = text[result.start : result.end]
            trimmed = value
            while (shorter := _TRAILING_STOP.sub("", trimmed).rstrip(" \t-–,.;:")) != trimmed:
                trimmed = shorter
            if len(trimmed) < 3:
                continue
            head = _TRADE_HEAD_END.search(trimmed)
            if head is not None and all(
                word.lower() in _SPECIALTY_WORDS for word in trimmed[: head.start()].split()
            ):
                continue  # "Interventional Radiology": a department
            result.end = result.start + len(trimmed)
            our = _OUR_BEFORE_LADY.search(text, max(0, result.start - 4), result.start)
            if our is not None and trimmed[:4].lower() == "lady":
                result.start = our.start()  # "Our Lady of the Wells Hospice"
            results.append(result)
        # A known name overlapping a found one widens it: "Nouvel Hôpital Civil" is found
        # as "Hôpital Civil" by its head, and whole by the list.
        for match in _KNOWN_RE.finditer(text):
            for result in results:
                if match.start() < result.end and result.start < match.end():
                    result.start = min(result.start, match.start())
                    result.end = max(result.end, match.end())
        return results
