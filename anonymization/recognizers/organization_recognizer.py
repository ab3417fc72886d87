"""ORGANIZATION: employers, schools, insurers, associations, courts: where a patient works
or studies, who pays or protects them.

1. After the words that introduce one: "travaille chez Thales", "employé(e) à la Poste",
   "agent chez Securitas", "works for Tesco", "employer: Network Rail", "mutuelle :
   Groupama", "complémentaire : MGEN".
2. By their head and name: "école élémentaire Jean-Jaurès", "lycée Robert-Schuman",
   "Université de Bourgogne", "Tribunal judiciaire de Cahors", "CPAM de Paris",
   "association France Victimes 23", "ADMR du pays des Abers", "St Mary's School",
   "Little Acorns Day Nursery", "Tyne Valley Home Care", "Northumberland Telecare".
3. Names everyone writes without a head (`KNOWN_ORGANIZATIONS`): large employers,
   insurers and associations of France and the English-speaking countries.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from anonymization.lexicons import common_words
from anonymization.recognizers.base import RegexRecognizer, ValuePattern

INTRODUCED_SCORE: Final = 0.7
HEADED_SCORE: Final = 0.75
KNOWN_SCORE: Final = 0.6

_UP: Final = "A-ZÀ-ÖØ-ÞŒ"
_LO: Final = "a-zß-öø-ÿœ"
_NAME_WORD: Final = rf"(?:(?:[dlDL]['’])?[{_UP}][{_UP}{_LO}0-9'’&.-]*[{_UP}{_LO}0-9]|[{_UP}]{{2,}})"
_JOIN: Final = r"(?:[ \t]+(?:de|du|des|de[ \t]+la|d['’]|la|le|les|et|&|sur|en|of|the|and)?[ \t]*|-)"
_NAME: Final = rf"{_NAME_WORD}(?:{_JOIN}(?:{_NAME_WORD}|\d{{1,3}}(?!\d))){{0,4}}"
_INTRODUCERS: Final = (
    r"(?:travaill(?:e|ait|é)|employée?|agent|ouvri[eè]re?|cadre|technicien(?:ne)?|salariée?"
    r"|retraitée?|ancien(?:ne)?[ \t]+\w+|stagiaire|apprentie?|chauffeur|facteur|infirmi[eè]re?"
    r"|ingénieure?|vendeuse|vendeur|caissi[eè]re|comptable|secr[ée]taire|magasini[eè]re?)"
    r"[ \t]+(?:\w+[ \t]+){0,2}(?:chez|[àa][ \t]+la|[àa]|au|pour)"
    r"|(?i:employeur|employer|mutuelle|compl[ée]mentaire|assureur|insurer|insurance|caisse"
    r"|organisme|prestataire|school|[ée]cole|works?[ \t]+(?:for|at)|worked[ \t]+(?:for|at)"
    r"|employed[ \t]+(?:by|at)|job[ \t]+at|ins\.|ins(?=[ \t]*:)|medical[ \t]+aid"
    r"|secondary[ \t]+insurance"
    # "works as a chef at …", "worked as a driver for …", "return-to-work note for …".
    r"|(?:works?|worked|working)[ \t]+as[ \t]+(?:an?[ \t]+)?\w+(?:[ \t]+\w+)?[ \t]+(?:at|for|with)"
    r"|return[ -]to[ -]work[ \t]+(?:note|letter|plan)[ \t]+for"
    # A trade then where it is practised: "cashier at Kasi Fresh", "driver for Uber".
    r"|(?:cashier|driver|teacher|clerk|guard|cleaner|chef|cook|mechanic|accountant|engineer"
    r"|electrician|plumber|carpenter|labou?rer|porter|receptionist|barista|waiter|waitress"
    r"|bartender|supervisor|foreman|machinist|welder|packer|picker|courier|janitor|custodian"
    r"|bookkeeper|salesman|saleswoman|shop[ \t]+assistant|warehouse[ \t]+worker|care[ \t]+worker"
    r"|(?:pharmacy|lab|vet)[ \t]+tech(?:nician)?)[ \t]+(?:at|for|with))[ \t]*:?"
)
_HEADS: Final = (
    r"(?i:[ée]cole(?:[ \t]+(?:maternelle|[ée]l[ée]mentaire|primaire|priv[ée]e))?"
    r"(?:[ \t]+(?:publique|priv[ée]e))?|coll[èe]ge"
    r"|lyc[ée]e(?:[ \t]+(?:professionnel|agricole|technique))?|universit[ée]|facult[ée]"
    r"|tribunal(?:[ \t]+(?:judiciaire|de[ \t]+grande[ \t]+instance|de[ \t]+proximit[ée]))?"
    r"|association|mutuelle|entreprise|soci[ée]t[ée]|groupe|transports|ambulances|garage"
    r"|boulangerie|(?:micro-)?cr[èe]che|esat|mairie)"
    r"|CPAM|CAF|CARSAT|UDAF|ADMR|SARL"
)
_HEADED: Final = (
    rf"(?<![\w-])(?P<value>(?:{_HEADS})"
    rf"(?:[ \t]+(?:de|du|des|de[ \t]+la|d['’]|l['’]))?[ \t]*{_NAME})"
    # "association Rybrevant + lazertinib" is a drug combination.
    r"(?![\w'’-])(?![ \t]*(?:\+|±))"
)
_EN_SCHOOL: Final = (
    rf"(?<![\w-])(?P<value>(?:{_NAME_WORD}[ \t]+){{1,4}}(?:Primary|Secondary|High|Middle|Elementary"
    r"|Grammar|Academy|College|University|School|Council|Ltd|Limited|Inc\.?|plc|LLC|Corp\.?"
    # Companies of other countries: "PATHLAB DIAGNOSTIK SDN BHD", "Medilab Pte Ltd".
    r"|(?i:Sdn\.?[ \t]+Bhd\.?)|Bhd|BHD|Pte\.?[ \t]+Ltd|PTE[ \t]+LTD|GmbH|SARL"
    r"|Construction|Logistics|Nursery|Club|Home[ \t]+Care|Homecare|Telecare|Care[ \t]+Services"
    r"|Housing(?:[ \t]+Association)?|Credit[ \t]+Union|Building[ \t]+Society|Bank"
    r"|Supermarket|Pty(?:[ \t]+Ltd)?"
    # Where a patient prays, sleeps rough, is insured or driven: "New Hope Missionary
    # Baptist Church", "Cornerstone Rescue Mission", "Sierra Crest Health Plan", "Rio Star
    # Medical Transport", "Tri-County Tractor Works", "Central Valley Recovery Services".
    r"|Church|Chapel|Parish|Mosque|Synagogue|Temple|Ministries|Mission|Health[ \t]+Plan"
    r"|Recovery[ \t]+Services|(?:Medical[ \t]+)?Transport(?:ation)?|Works|Funeral[ \t]+Home"
    r"|Mortuary|Food[ \t]+Bank|Shelter"
    # Pubs and churches: "The Tinners Arms", "the Plough Inn", "St Stephen's Anglican".
    r"|Arms|Inn|Tavern|Anglican|Methodist|Baptist|Catholic|Presbyterian|Uniting|Lutheran"
    r"|Pentecostal|Congregational"
    # "Ogun State Water Corporation", "Ubuntu Guarding Services", "Ochoa & Brandt PLLC".
    r"|Corporation|Services|PLLC|LLP|P\.C\."
    # "Jamaica Diabetes Association", "Pacific Rim Seafood Co.", "Iowa Rush FC", "Anytime
    # Fitness" ("FC 72/min" is a heart rate).
    r"|Association|Co\.|Company|(?:A|R)?FC(?![ \t]*\d)|Fitness|Gym"
    # Who insures, runs a trial or reviews it, and the districts that fund home works:
    # "Cumberland Mutual Ins.", "Cresthaven Clinical Research", "Niagara Regional REB",
    # "Kentucky River Area Development District".
    r"|Mutual(?:[ \t]+(?:Ins\.|Insurance))?|Insurance|Assurance|Clinical[ \t]+Research"
    r"|REB|IRB|REC|Ethics[ \t]+(?:Committee|Board)|Development[ \t]+District)"
    r"(?:[ \t]+School)?"
    # A company's legal form after a comma: "Tri-County Steel Fabricators, Inc.".
    r"(?:,[ \t]*(?:Inc\.?|LLC|Ltd\.?|Corp\.?|P\.C\.|PLLC))?)(?![\w-])"
)
# "Taylor & Littlewood Ltd", "Smith and Jones LLP": an ampersand joins a firm's names.
_FIRM: Final = (
    r"(?<![\w-])(?P<value>[A-Z][A-Za-z'’-]+[ \t]+(?:&|and)[ \t]+(?:[A-Z][A-Za-z'’-]+[ \t]+){1,2}"
    r"(?:Ltd|Limited|Inc\.?|plc|LLC|LLP|PLLC|Pty(?:[ \t]+Ltd)?|& Co\.?|and Sons|& Sons|SA|SAS"
    r"|SARL|GmbH|AG|Sàrl|Solicitors|Accountants|Funeral[ \t]+Directors)"
    # A family firm and its trade: "Hennessy & Sons Marine", "Patel and Sons Pharmacy".
    # "Fahy & Sons Funeral Directors".
    r"|[A-Z][A-Za-z'’-]+[ \t]+(?:&|and)[ \t]+Sons(?:[ \t]+[A-Z][a-z]+){0,2})(?![\w-])"
)
# Public schemes everyone of a country is in name no one, even after "Ins:" or "mutuelle :";
# insurers and employers, which narrow a patient down, are organisations.
PUBLIC_SCHEMES: Final = frozenset(
    ("Medicare", "Medicaid", "Tricare", "TRICARE", "Medicare Advantage", "Medi-Cal", "NHS",
     "HSE", "CMU", "CMU-C", "CSS", "AME", "Sécurité sociale", "Sécu", "Assurance maladie")
)  # fmt: skip
KNOWN_ORGANIZATIONS: Final = (
    "Thales", "Michelin", "Renault", "Peugeot", "Stellantis", "Airbus", "Safran", "Dassault",
    "SNCF", "RATP", "La Poste", "EDF", "Engie", "TotalEnergies", "Orange SA", "Bouygues",
    "Vinci", "Eiffage", "Securitas", "Carrefour", "Auchan", "Leclerc", "Intermarché",
    "Lidl", "Decathlon", "Leroy Merlin", "Castorama", "Lactalis", "Danone", "Sodexo",
    "Veolia", "Suez", "Alstom", "Naval Group", "ArcelorMittal", "Schneider Electric", "Sanofi",
    "Servier", "L'Oréal", "Crédit Agricole", "BNP Paribas", "Société Générale", "Groupama",
    "MGEN", "MAIF", "MACIF", "MAAF", "MMA", "MAE", "AXA", "Harmonie Mutuelle", "Malakoff Humanis",
    "AG2R", "Pôle emploi", "France Travail", "Manpower", "Adecco", "Randstad", "ADMR",
    "Présence Verte", "France Parkinson", "France Alzheimer", "Alcooliques Anonymes",
    "Emmaüs", "Secours populaire", "Restos du Cœur", "Croix-Rouge", "VitalAire", "Linde",
    "Air Liquide", "Bastide", "Eurotransplant", "Tesco", "Sainsbury's", "Asda", "Morrisons",
    "Royal Mail", "Network Rail", "Walmart", "Amazon", "Costco", "Home Depot", "UPS",
    "FedEx", "Boeing", "General Motors", "Ford", "Starbucks", "McDonald's", "Aldi",
    "Barclays", "HSBC", "Lloyds", "Deloitte", "Accenture", "Greggs", "Aetna", "Cigna",
    "Humana", "Kaiser", "Blue Cross", "BlueCross BlueShield", "UnitedHealthcare",
    "Alzheimer's Society", "Age UK", "Macmillan", "BCBS", "Blue Shield", "Anthem",
    # Charities and services notes refer patients to, insurers and schemes of the other
    # English-speaking countries.
    "Age Cymru", "Age Scotland", "Age NI", "Change Grow Live", "Turning Point",
    "Citizens Advice", "British Red Cross", "Red Cross", "Salvation Army", "Carers UK",
    "Mencap", "Macmillan Cancer Support", "Marie Curie", "Samaritans", "Barnardo's", "NSPCC",
    "Women's Aid", "St John Ambulance", "Sue Ryder", "Cruse Bereavement Care",
    "Rethink Mental Illness", "RNIB", "Parkinson's UK", "Diabetes UK", "Stroke Association",
    "British Heart Foundation", "Asthma + Lung UK", "Alcoholics Anonymous", "Narcotics Anonymous",
    "We Are With You", "Blue Cross Blue Shield", "Blue Cross and Blue Shield", "Molina Healthcare",
    "Centene", "WellCare", "Mutual of Omaha", "Bupa", "AXA Health",
    "Aviva", "Vitality Health", "Discovery Health", "Bonitas", "Momentum Health", "Medihelp",
    "Fedhealth", "Star Health", "ICICI Lombard", "HDFC Ergo", "Niva Bupa", "Southern Cross",
    "Medibank", "HCF", "Bupa Australia", "Beyond Blue",
    # French employers and associations written without a head word.
    "Chantiers de l'Atlantique", "Marine nationale", "Armée de terre", "Armée de l'air",
    "Gendarmerie nationale", "Police nationale", "Éducation nationale", "ADAPEI", "UDAF",
    "UNAFAM", "APF France handicap", "AFTC", "Secours catholique", "ADSEA", "AEMO", "APAJH",
    "Cap Emploi",
    "Petits Frères des Pauvres",
    # Contract research organisations that run trials and write to the sites.
    "IQVIA", "Parexel", "Syneos Health", "Covance", "Labcorp Drug Development", "Medpace",
    "PSI CRO", "Fortrea",
)  # fmt: skip
_KNOWN_SET: Final = frozenset(KNOWN_ORGANIZATIONS)


# Heads that common words often precede ("Social Services", "Community Mental Health
# Services"): the name must hold a word that is no common word.
_WEAK_HEADS: Final = frozenset({"Services", "Corporation"})
_LEGAL_FORM_AFTER_COMMA: Final = re.compile(r",[ \t]*\S+$")
_POSSESSIVE: Final = re.compile(r"['’]s?$")
# Services named by their trade are headed enough: "Central Valley Recovery Services".
_TRADE_SERVICES: Final = re.compile(r"(?:Recovery|Care)[ \t]+Services$")


# Heads whose common-word names are generic ("the Research Ethics Board", "Travel
# Insurance"): a word that is no common word must name them.
_GENERIC_HEAD: Final = re.compile(
    r"[ \t]+(?:Ethics[ \t]+(?:Committee|Board)|REB|IRB|REC|Insurance|Assurance"
    r"|Clinical[ \t]+Research|Development[ \t]+District|Mutual(?:[ \t]+(?:Ins\.|Insurance))?)$"
)


def _is_unusual(word: str) -> bool:
    return _POSSESSIVE.sub("", word.lower()) not in common_words("en")


def _names_something(value: str) -> bool:
    """A name before its head is two words or more, or one that is no common word: "Tri-
    County Tractor Works", "Ashfield Academy"; not "The Works", "Patient Transport"."""
    generic = _GENERIC_HEAD.search(value)
    if generic is not None:
        return any(_is_unusual(word) for word in value[: generic.start()].split())
    words = _LEGAL_FORM_AFTER_COMMA.sub("", value).split()
    head = words.pop() if words else ""
    if words and words[0] == "The":
        words = words[1:]
    unusual = any(_is_unusual(word) for word in words)
    if head in _WEAK_HEADS and not _TRADE_SERVICES.search(value):
        return unusual
    return len(words) >= 2 or unusual


_DEPARTMENT_NUMBER: Final = re.compile(r"[ \t]+(?:\d{2}|2[AB]|97\d)$")


def is_known_organization(span: str) -> bool:
    """One of `KNOWN_ORGANIZATIONS`, as written, with its département if any: a name,
    however ordinary its words ("Age UK", "Turning Point", "UDAF 35")."""
    return _DEPARTMENT_NUMBER.sub("", span) in _KNOWN_SET


_KNOWN: Final = (
    r"(?<![\w-])(?P<value>(?:"
    + "|".join(re.escape(name) for name in sorted(KNOWN_ORGANIZATIONS, key=len, reverse=True))
    # An association's département goes with its acronym: "UDAF 35", "ADAPEI 29".
    + r")(?:(?<=[A-Z])[ \t]+(?:\d{2}|2[AB]|97\d)(?![\w-])"
    + r"(?![ \t]*(?i:mois|ans?|jours?|semaines?|h|heures?|%|mg|years?|months?|days?)\b))?)"
    + r"(?![\w-])"
)


def _known_in_lower_case() -> str:
    """The known one-word names that are no word of either language, in lower case, as
    messages write them ("got let go from asda", "bosse chez stellantis")."""
    words = sorted(
        name.lower()
        for name in KNOWN_ORGANIZATIONS
        if name.isalpha()
        and len(name) >= 4
        and name.lower() not in common_words("en")
        and name.lower() not in common_words("fr")
    )
    return r"(?<![\w-])(?P<value>" + "|".join(words) + r")(?![\w-])"


class OrganizationRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "ORGANIZATION"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        # English names before their head come first: "Westbrook Community College
        # Counseling Center" is a college's service, not a French "collège Counseling".
        ValuePattern("firm of partners", re.compile(_FIRM), HEADED_SCORE),
        ValuePattern("english school or company", re.compile(_EN_SCHOOL), HEADED_SCORE),
        ValuePattern("head and name", re.compile(_HEADED), HEADED_SCORE),
        ValuePattern(
            "after an introducing word",
            re.compile(
                # At a word's start: the engine then tries the introducers at word
                # starts only (a tenth of the English rules' time otherwise).
                rf"(?<!\w)(?:{_INTRODUCERS})[ \t]*(?:l['’]|la[ \t]+|le[ \t]+|the[ \t]+)?"
                rf"(?P<value>{_NAME})"
            ),
            INTRODUCED_SCORE,
        ),
        ValuePattern("known organization", re.compile(_KNOWN), KNOWN_SCORE),
        ValuePattern(
            "known organization in lower case", re.compile(_known_in_lower_case()), KNOWN_SCORE
        ),
    )

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if value in PUBLIC_SCHEMES:
            return None  # "Ins: Medicare", "mutuelle : CSS": a scheme, not who pays
        if pattern.name == "english school or company" and not _names_something(value):
            return None  # "The Works", "Patient Transport", "The Health Plan": words
        return super()._score(text, value, start, pattern)
