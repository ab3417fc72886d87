"""A labelled corpus of synthetic clinical notes for scoring de-identification.

Each note is rendered from a template (`templates_fr`, `templates_en`) whose `{slot}`
fields are filled with invented values. A slot is either an identifier (a typed gold span
that must be redacted), a medical trap word (a typed trap span that must be kept: an
eponym, a drug with its dose, an ICD-10 code, a score or a lab value) or plain text
(titles, ages, gender agreement). Spans are recorded while the text is built, so they
cover exactly the identifier: "Dr Jean Martin" is the plain "Dr " then the PERSON
"Jean Martin".

Slots: the name without its trailing digits is the kind (`date2` is a `date`); the same
slot name gives the same value everywhere in one note, so a patient keeps one name.

Templates carry a fixed split label: tuning looks only at `train` notes; the benchmark
scores `test` notes, written from templates the tuning never saw.

Every value is drawn from a `random.Random` seeded from (seed, language, split): the same
arguments give the same notes, byte for byte.

One module, long on purpose: the renderer records each gold span while it draws the
value, so the value generators and the span bookkeeping cannot drift apart.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random

from stdnum import luhn

from anonymization.nir import format_nir
from benchmarks.deid import templates_en, templates_fr
from sovex.model.errors import InvalidInput

LANGUAGES = ("fr", "en")
SPLITS = ("train", "test")

# --- Types ------------------------------------------------------------------------------

PERSON = "PERSON"
FR_NIR = "FR_NIR"
FR_INS = "FR_INS"
PHONE_NUMBER = "PHONE_NUMBER"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
FR_IPP = "FR_IPP"
FR_NDA = "FR_NDA"
FR_RPPS = "FR_RPPS"
FR_ADELI = "FR_ADELI"
FR_FINESS = "FR_FINESS"
ADDRESS = "ADDRESS"
LOCATION = "LOCATION"
DATE = "DATE"
IDENTIFIER_TYPES = (
    PERSON, FR_NIR, FR_INS, PHONE_NUMBER, EMAIL_ADDRESS, FR_IPP, FR_NDA, FR_RPPS, FR_ADELI,
    FR_FINESS, ADDRESS, LOCATION, DATE,
)  # fmt: skip

EPONYM = "EPONYM"
DRUG = "DRUG"
ICD10 = "ICD10"
SCORE = "SCORE"
LAB_VALUE = "LAB_VALUE"
TRAP_TYPES = (EPONYM, DRUG, ICD10, SCORE, LAB_VALUE)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    type: str


@dataclass(frozen=True, slots=True)
class LabelledNote:
    id: str
    text: str
    entities: tuple[Span, ...]  # identifiers: must be redacted
    traps: tuple[Span, ...]  # medical words: must be kept
    template: str


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    split: str
    text: str


def templates(language: str) -> tuple[Template, ...]:
    """Every template of a language, as declared in its module."""
    _check_language(language)
    declared = templates_fr.TEMPLATES if language == "fr" else templates_en.TEMPLATES
    return tuple(Template(name, split, text) for name, split, text in declared)


def templates_for_split(language: str, split: str) -> tuple[Template, ...]:
    if split not in SPLITS:
        raise InvalidInput(f"split must be one of {', '.join(SPLITS)}; provided {split!r}")
    return tuple(template for template in templates(language) if template.split == split)


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}; provided {language!r}")


# --- Value lists (invented for this benchmark; independent of sovex.synth) -----------------------

FR_FEMALE_FIRST = (
    "Claire", "Anne", "Mathilde", "Juliette", "Bérénice", "Solène", "Maëlys", "Ophélie",
    "Gwenaëlle", "Annick", "Josiane", "Colette", "Lucienne", "Yvette", "Odile", "Ghislaine",
    "Pascale", "Corinne", "Murielle", "Laetitia", "Capucine", "Apolline", "Clémence",
    "Léonie", "Rose", "Alice", "Salomé", "Yasmina", "Samira", "Khadija", "Aïcha", "Thi Lan",
    "Mireille", "Éloïse", "Marine", "Perrine", "Soizic", "Maïwenn", "Anne-Marie",
    "Marie-Hélène", "Marie-José", "Anne-Claire", "Rose-Marie", "Paule", "Denise", "Bernadette",
    "Régine", "Fabienne", "Nadège", "Séverine",
)  # fmt: skip
FR_MALE_FIRST = (
    "Jean", "Yves", "Gérard", "Bernard", "Roland", "Marcel", "Gilles", "Hervé", "Didier",
    "Thierry", "Patrice", "Régis", "Cédric", "Mickaël", "Kévin", "Dylan", "Enzo", "Noah",
    "Timothée", "Baptiste", "Corentin", "Maël", "Erwan", "Gwendal", "Ange", "Dominique",
    "Toussaint", "Mathis", "Samir", "Rachid", "Moussa", "Amadou", "Quang", "Élie", "Aurélien",
    "Romain", "Félix", "Joseph", "Lucien", "Armand", "Jean-Pierre", "Jean-Claude",
    "Jean-Michel", "Pierre-Louis", "Paul-Henri", "Louis-Marie", "Marc", "Hugues", "Tanguy",
    "Fabrice",
)  # fmt: skip
# Surnames that are also common words or first names (Martin, Petit, Blanc, Boulanger…),
# particles (Le Gall, Da Silva, de La Tour), hyphenated and apostrophe names.
FR_SURNAMES = (
    "Martin", "Lebrun", "Petit", "Blanc", "Roux", "Marchand", "Boulanger", "Chevalier",
    "Dupont", "Lefort", "Leblanc", "Berger", "Boucher", "Fontaine", "Rivière", "Meunier",
    "Charpentier", "Lemoine", "Vasseur", "Carpentier", "Delattre", "Descamps", "Lecomte",
    "Poulain", "Tessier", "Cordier", "Gaillard", "Hamon", "Jacob", "Hoarau", "Payet",
    "Grondin", "Nativel", "Pierre-Louis", "Jean-Baptiste", "Ferrandi", "Luciani", "Mattei",
    "Orsini", "Peretti", "Le Gall", "Le Bihan", "Le Floch", "Kervella", "Tanguy", "Quéméner",
    "Le Gac", "Da Silva", "Dos Santos", "Pereira", "Ferreira", "Rodrigues", "Benhamou",
    "Bensaïd", "Cohen", "Amrani", "Belkacem", "Boumediene", "Traoré", "Coulibaly", "Diop",
    "N'Guyen", "Tran", "Pham", "Nguyen Van", "de La Tour", "de Montalembert", "d'Abzac",
    "Delacroix", "Desmoulins", "Dufresne", "Lacombe", "Vidal", "Fabre", "Rey", "Arnaud",
    "Bouvier", "Collet", "Guillot", "Perrot", "Royer", "Barre", "Lecoq", "Leclerc", "Hébert",
    "Pasquier", "Rolland", "Vallée", "Cousin", "Germain", "Renaud", "Moulin", "Bailly",
    "Laine", "Lemaître", "Caron", "Aubert", "Prévost", "Schneider", "Kieffer", "Wagner",
    "Grandjean", "Martin-Lagarde", "Lefèvre-Utile", "Dubois-Fontenay", "Saint-Pierre",
    "Sainte-Marie", "Hugon", "Ménard", "Besnard", "Couderc",
)  # fmt: skip
EN_FEMALE_FIRST = (
    "Amelia", "Olivia", "Siobhan", "Priya", "Aisha", "Grace", "Evelyn", "Margaret", "Joan",
    "Beverley", "Karen", "Deborah", "Niamh", "Catriona", "Bethan", "Zainab", "Chloe",
    "Harriet", "Imogen", "Rosalind", "Maya", "Ngozi", "Mei", "Agnieszka", "Mary-Kate",
    "Anna-Louise",
)  # fmt: skip
EN_MALE_FIRST = (
    "Oliver", "George", "Harry", "Callum", "Rhys", "Declan", "Mohammed", "Imran", "Arjun",
    "Kwame", "Tomasz", "Stuart", "Graham", "Nigel", "Derek", "Keith", "Trevor", "Alistair",
    "Hamish", "Ewan", "Dylan", "Jamal", "Wei", "Jean-Luc", "Patrick", "Frederick",
)  # fmt: skip
# Includes surnames that are eponyms (Bell, Graves, Murphy, Parkinson) or common words.
EN_SURNAMES = (
    "Smith", "Baker", "Cook", "Young", "White", "Green", "Hill", "Wood", "Price", "Hope",
    "May", "Bell", "Graves", "Murphy", "Parkinson", "Brown", "Taylor", "Walker", "Hughes",
    "Evans", "O'Brien", "O'Connor", "McAllister", "MacLeod", "Fitzgerald", "Okafor",
    "Adeyemi", "Mensah", "Patel", "Khan", "Chaudhry", "Begum", "Nowak", "Kowalski", "Chen",
    "Wong", "Nguyen", "Jones", "Llewellyn", "Pritchard", "Armstrong", "Fletcher", "Barker",
    "Shepherd", "Fisher", "Turner", "Mason", "Carter", "Wright", "Knight", "Ward-Jones",
    "Smith-Clarke", "Van der Berg", "De Souza", "Ashworth", "Whitfield", "Thornton",
)  # fmt: skip

FR_STREET_TYPES = (
    "rue", "rue", "rue", "avenue", "av.", "boulevard", "bd", "allée", "impasse", "chemin",
    "place", "quai", "route", "cours", "square", "résidence",
)  # fmt: skip
FR_STREET_NAMES = (
    "des Peupliers", "du Maréchal Foch", "Anatole France", "de la Paix", "des Martyrs",
    "Lamartine", "du 8 Mai 1945", "de Bretagne", "des Vignes", "du Four", "Saint-Exupéry",
    "Louis Blériot", "des Capucins", "de la Fontaine", "Clemenceau", "des Mimosas",
    "du Port", "Alsace-Lorraine", "Jean Moulin", "du Docteur Roux", "Marcel Pagnol",
    "des Cerisiers", "de la Croix Rouge", "du Vieux Marché", "Pierre Curie", "Lafayette",
    "de Kerléon", "Napoléon", "des Orangers", "Schœlcher", "des Hortensias", "Colbert",
    "de l'Abbaye", "Paul Valéry", "des Glycines", "du Lavoir", "Montaigne", "de la Mairie",
)  # fmt: skip
FR_STREET_SUFFIXES = ("", "", "", "", "", "", " bis", " ter")
FR_ADDRESS_EXTRAS = ("", "", "", "", "Bât. C, ", "Appt 14, ", "Résidence Les Pins, ")
FR_LIEUX_DITS = ("lieu-dit Kerhuel", "lieu-dit La Croix Blanche", "hameau des Granges")
# (postcode, city): cities large and small, Corsica (20xxx), overseas (97xxx).
FR_PLACES = (
    ("75012", "Paris"), ("75019", "Paris"), ("75014", "Paris"),
    ("92100", "Boulogne-Billancourt"), ("93200", "Saint-Denis"), ("94000", "Créteil"),
    ("69008", "Lyon"), ("69400", "Villefranche-sur-Saône"),
    ("13008", "Marseille"), ("13200", "Arles"), ("31400", "Toulouse"), ("33800", "Bordeaux"),
    ("44100", "Nantes"), ("35700", "Rennes"), ("29000", "Quimper"), ("29600", "Morlaix"),
    ("22300", "Lannion"), ("56100", "Lorient"), ("59800", "Lille"), ("62300", "Lens"),
    ("59140", "Dunkerque"), ("80100", "Abbeville"), ("67200", "Strasbourg"), ("68100", "Mulhouse"),
    ("57100", "Thionville"), ("54000", "Nancy"), ("21000", "Dijon"), ("71100", "Chalon-sur-Saône"),
    ("25200", "Montbéliard"), ("39000", "Lons-le-Saunier"), ("63100", "Clermont-Ferrand"),
    ("03100", "Montluçon"), ("15000", "Aurillac"), ("48000", "Mende"), ("12000", "Rodez"),
    ("46000", "Cahors"), ("65000", "Tarbes"), ("64100", "Bayonne"), ("40000", "Mont-de-Marsan"),
    ("17300", "Rochefort"), ("86000", "Poitiers"), ("87100", "Limoges"), ("18000", "Bourges"),
    ("41000", "Blois"), ("45000", "Orléans"), ("28000", "Chartres"), ("76200", "Dieppe"),
    ("14100", "Lisieux"), ("50100", "Cherbourg-en-Cotentin"), ("06300", "Nice"),
    ("83400", "Hyères"), ("84000", "Avignon"), ("30100", "Alès"), ("34500", "Béziers"),
    ("66000", "Perpignan"), ("11100", "Narbonne"), ("05000", "Gap"), ("73000", "Chambéry"),
    ("74100", "Annemasse"), ("38100", "Grenoble"), ("26000", "Valence"),
    ("01000", "Bourg-en-Bresse"),
    ("20000", "Ajaccio"), ("20200", "Bastia"), ("20220", "L'Île-Rousse"), ("20100", "Sartène"),
    ("20137", "Porto-Vecchio"), ("97110", "Pointe-à-Pitre"), ("97100", "Basse-Terre"),
    ("97200", "Fort-de-France"), ("97232", "Le Lamentin"), ("97300", "Cayenne"),
    ("97320", "Saint-Laurent-du-Maroni"), ("97400", "Saint-Denis"), ("97430", "Le Tampon"),
    ("97600", "Mamoudzou"),
)  # fmt: skip
FR_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
FR_EMAIL_PROVIDERS = (
    "orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "icloud.com",
    "outlook.fr", "yahoo.fr", "protonmail.com",
)  # fmt: skip
FR_HOSPITAL_DOMAINS = (
    "chu-rennes.fr", "aphp.fr", "chu-lille.fr", "ch-morlaix.fr", "chu-bordeaux.fr",
    "ch-bastia.fr", "chu-guadeloupe.fr", "hcl.fr", "ap-hm.fr", "chu-reunion.fr",
)  # fmt: skip
# National phone numbers: first digit after the 0 (1-5 landline, 6/7 mobile, 9 box).
FR_PHONE_FIRST_DIGITS = ("1", "2", "3", "4", "5", "6", "6", "6", "7", "9")

EN_STREET_TYPES = (
    "Street", "Road", "Road", "Avenue", "Lane", "Close", "Drive", "Crescent", "Terrace",
    "Way", "Gardens", "Grove", "Place",
)  # fmt: skip
EN_STREET_NAMES = (
    "Victoria", "Albert", "Church", "Station", "Mill", "Queen's", "Kingsway", "Elm", "Oak",
    "Beech", "Chestnut", "Windsor", "Highfield", "Park", "Manor", "Orchard", "Meadow",
    "Hawthorn", "Cromwell", "Nelson", "Canal", "Abbey", "St Mary's", "Granville", "Maple",
)  # fmt: skip
EN_ADDRESS_EXTRAS = ("", "", "", "Flat 3, ", "Flat 12B, ", "Apt 4, ", "Rose Cottage, ")
# (city, postcode outward code) for UK; (city, state, ZIP) for the US.
UK_PLACES = (
    ("London", "SE1"), ("London", "N19"), ("London", "E14"), ("Leeds", "LS6"),
    ("Manchester", "M13"), ("Birmingham", "B15"), ("Bristol", "BS8"), ("Cardiff", "CF14"),
    ("Swansea", "SA2"), ("Glasgow", "G12"), ("Edinburgh", "EH16"), ("Aberdeen", "AB25"),
    ("Belfast", "BT9"), ("Norwich", "NR4"), ("Exeter", "EX2"), ("Sheffield", "S10"),
    ("Newcastle upon Tyne", "NE1"), ("Nottingham", "NG7"), ("Oxford", "OX3"),
    ("Cambridge", "CB2"), ("Inverness", "IV2"), ("Truro", "TR1"),
)  # fmt: skip
US_PLACES = (
    ("Boston", "MA", "02118"), ("Chicago", "IL", "60612"), ("Houston", "TX", "77030"),
    ("Seattle", "WA", "98104"), ("Baltimore", "MD", "21287"), ("Rochester", "MN", "55905"),
    ("Cleveland", "OH", "44195"), ("Portland", "OR", "97239"),
)  # fmt: skip
UK_POSTCODE_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
EN_EMAIL_PROVIDERS = (
    "gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk", "hotmail.co.uk", "icloud.com",
    "sky.com", "aol.com",
)  # fmt: skip
EN_HOSPITAL_DOMAINS = ("nhs.net", "nhs.net", "uhbristol.nhs.uk", "mgh.harvard.edu")

# --- Trap lists: medical words that must survive scrubbing ------------------------------

FR_EPONYMS = (
    "maladie de Parkinson", "syndrome de Cushing", "signe de Babinski", "score de Glasgow",
    "maladie de Crohn", "thyroïdite de Hashimoto", "maladie d'Alzheimer",
    "syndrome de Guillain-Barré", "maladie de Basedow", "syndrome de Sjögren",
    "lymphome de Hodgkin", "maladie de Horton", "signe de Lasègue", "signe de Murphy",
    "manœuvre de Valsalva", "test de Romberg", "signe de Homans", "maladie de Verneuil",
    "syndrome de Raynaud", "maladie de Paget", "maladie de Wilson", "chorée de Huntington",
    "maladie de Charcot", "maladie de Lyme", "syndrome de Marfan", "maladie de Kahler",
    "maladie de Waldenström", "tétralogie de Fallot", "syndrome de Wolff-Parkinson-White",
    "maladie de Willebrand", "classification NYHA", "classification de Child-Pugh",
    "score de Gleason", "manœuvre de Heimlich", "signe de Kernig", "maladie de Ménière",
    "syndrome de Down", "maladie de Berger", "maladie de Still", "syndrome de Korsakoff",
)  # fmt: skip
# Bare eponyms as clinicians write them ("suivi pour un Parkinson").
FR_SHORT_EPONYMS = (
    "Parkinson", "Alzheimer", "Crohn", "Hashimoto", "Basedow", "Horton", "Charcot",
    "Guillain-Barré", "Cushing", "Verneuil", "Kahler", "Raynaud",
)  # fmt: skip
FR_DRUGS = (
    "metformine 1000 mg", "lévodopa 100 mg", "amlodipine 5 mg", "bisoprolol 2,5 mg",
    "furosémide 40 mg", "apixaban 5 mg", "atorvastatine 40 mg", "paracétamol 1 g",
    "insuline glargine 22 UI", "lévothyroxine 75 µg", "ramipril 5 mg", "sertraline 50 mg",
    "tramadol 50 mg", "amoxicilline 1 g", "prednisolone 20 mg", "méthotrexate 15 mg",
    "énoxaparine 4000 UI", "oméprazole 20 mg", "clopidogrel 75 mg", "Kardégic 75 mg",
    "Doliprane 1000 mg", "Lasilix 40 mg", "Levothyrox 50 µg", "ropinirole 2 mg",
    "azathioprine 100 mg", "hydrocortisone 20 mg", "tiotropium 18 µg", "salbutamol 100 µg",
    "prégabaline 75 mg", "morphine 10 mg", "ceftriaxone 1 g", "Modopar 125 mg",
    "donépézil 10 mg", "mésalazine 2 g", "carbimazole 20 mg", "Xarelto 20 mg",
    "spironolactone 25 mg", "alendronate 70 mg", "Eliquis 2,5 mg", "propranolol 40 mg",
)  # fmt: skip
FR_ICD10 = (
    "E11.9", "G20", "I10", "I48.0", "K50.9", "N18.3", "J44.1", "E05.0", "E06.3", "G30.9",
    "G61.0", "C50.9", "I21.4", "K74.6", "F32.1", "M81.0", "E24.0", "R07.4", "S72.0", "I63.9",
    "J18.9", "A41.9", "N39.0", "Z95.1", "I50.0", "M06.9", "G35", "L73.2",
)  # fmt: skip
FR_SCORES = (
    "Child-Pugh B", "Child-Pugh A5", "Child-Pugh C10", "NYHA III", "NYHA II", "Glasgow 15",
    "Glasgow à 13", "EVA 6/10", "MMSE 24/30", "CHA2DS2-VASc 4", "HAS-BLED 2", "ASA 2",
    "ASA 3", "Gleason 7 (3+4)", "Karnofsky 70 %", "Wells 4", "Apgar 9/10", "Braden 14",
    "MELD 18", "OMS 1", "Rankin 2", "NIHSS 6",
)  # fmt: skip
FR_LAB_VALUES = (
    "HbA1c à 7,2 %", "créatinine 88 µmol/L", "DFG 54 mL/min/1,73 m²", "TA 142/88 mmHg",
    "FC 72/min", "SpO2 96 %", "CRP 45 mg/L", "INR 2,4", "Hb 11,2 g/dL", "TSH 4,8 mUI/L",
    "kaliémie 4,1 mmol/L", "NT-proBNP 1250 pg/mL", "température 38,4 °C", "poids 72 kg",
    "IMC 31,2 kg/m²", "LDL 1,3 g/L", "plaquettes 245 G/L", "glycémie 1,86 g/L",
    "natrémie 131 mmol/L", "PSA 8,4 ng/mL", "ferritine 12 µg/L", "lactates 3,2 mmol/L",
)  # fmt: skip
EN_EPONYMS = (
    "Parkinson's disease", "Crohn's disease", "Babinski sign", "Glasgow Coma Scale",
    "Hashimoto's thyroiditis", "Alzheimer's disease", "Guillain-Barré syndrome",
    "Cushing's syndrome", "Graves' disease", "Addison's disease", "Hodgkin lymphoma",
    "Bell's palsy", "Murphy's sign", "Kernig's sign", "Raynaud's phenomenon",
    "Sjögren's syndrome", "Huntington's disease", "Wells score", "Barrett's oesophagus",
    "Paget's disease", "Ménière's disease", "Down syndrome", "Marfan syndrome",
    "Romberg's test", "Homans' sign", "Tinel's sign", "Still's disease", "Wilson's disease",
)  # fmt: skip
EN_SHORT_EPONYMS = ("Parkinson's", "Crohn's", "Alzheimer's", "Graves'", "Hashimoto's")
EN_DRUGS = (
    "metformin 500 mg", "levodopa 100 mg", "ramipril 5 mg", "apixaban 5 mg",
    "atorvastatin 20 mg", "co-codamol 30/500", "levothyroxine 50 micrograms",
    "amoxicillin 500 mg", "furosemide 40 mg", "bisoprolol 2.5 mg", "omeprazole 20 mg",
    "sertraline 50 mg", "prednisolone 30 mg", "insulin glargine 18 units",
    "salbutamol 100 micrograms", "warfarin 3 mg", "paracetamol 1 g", "morphine sulfate 10 mg",
    "enoxaparin 40 mg", "Sinemet 125 mg", "donepezil 10 mg", "mesalazine 800 mg",
    "lisinopril 10 mg", "Eliquis 5 mg",
)  # fmt: skip
EN_ICD10 = FR_ICD10
EN_SCORES = (
    "Child-Pugh B", "NYHA class III", "GCS 15/15", "GCS 13", "CHA2DS2-VASc 3", "MMSE 22/30",
    "qSOFA 2", "CURB-65 score 2", "Gleason 7", "NEWS2 5", "ASA II", "Waterlow 12",
    "pain score 6/10", "Rockwood 5", "mRS 2", "NIHSS 4",
)  # fmt: skip
EN_LAB_VALUES = (
    "HbA1c 58 mmol/mol", "eGFR 54 mL/min/1.73m2", "BP 142/88 mmHg", "HR 72 bpm",
    "SpO2 96%", "CRP 45 mg/L", "INR 2.4", "Hb 112 g/L", "TSH 4.8 mU/L",
    "potassium 4.1 mmol/L", "temperature 38.4°C", "weight 72 kg", "BMI 31.2",
    "sodium 131 mmol/L", "troponin 84 ng/L", "lactate 3.2 mmol/L", "PSA 8.4 ng/mL",
)  # fmt: skip

# --- NIR ---------------------------------------------------------------------------------

# Place of birth in the NIR: metropolitan, Corsica (2A/2B), overseas (97x), abroad (99).
NIR_PLACE_KINDS = ("metropolitan",) * 14 + ("corsica", "overseas", "abroad", "abroad")
NIR_OVERSEAS_DEPARTEMENTS = ("971", "972", "973", "974", "976")
# INSEE country codes: Maroc, Algérie, Tunisie, Portugal, Sénégal, Viêt Nam.
NIR_BIRTH_COUNTRIES = ("350", "352", "351", "139", "341", "243")
# First digit: 1/2 registered; 7/8 provisional (NIA); 3/4 older provisional numbers.
NIR_PROVISIONAL_RATE = 0.06
# Month 20-42 or 50-99: birth month unknown (INSEE's codes), kept rare.
NIR_UNKNOWN_MONTH_RATE = 0.03

# Identifier shapes.
RPPS_PREFIX = "10"
RPPS_LENGTH = 11
ADELI_LENGTH = 9
# ADELI profession codes: 60 nurse, 70 physiotherapist, 91 orthoptist, 80 podiatrist.
ADELI_PROFESSION_CODES = ("60", "70", "91", "80", "71")
FINESS_LENGTH = 9
IPP_LENGTHS = (8, 9, 10)
NDA_LENGTHS = (9, 10)

# Ages and dates.
REFERENCE_DATE = date(2026, 6, 30)
MIN_AGE_YEARS = 1
MAX_AGE_YEARS = 98
RECENT_DAYS = 3 * 365  # event dates fall in the three years before the reference date


# --- Small value generators ---------------------------------------------------------------


def _digits(rng: Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def _fold(name: str) -> str:
    """'Hélène' → 'helene', "N'Guyen" → 'nguyen', 'Le Gall' → 'legall'."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z-]", "", ascii_only)


def nir_body(rng: Random, female: bool, birth: date) -> str:
    """The first 13 characters of a NIR consistent with sex and birth date."""
    if rng.random() < NIR_PROVISIONAL_RATE:
        sex = rng.choice(("8", "4")) if female else rng.choice(("7", "3"))
    else:
        sex = "2" if female else "1"
    month = f"{birth.month:02d}"
    if rng.random() < NIR_UNKNOWN_MONTH_RATE:
        month = str(rng.choice((rng.randint(20, 42), rng.randint(50, 99))))
    kind = rng.choice(NIR_PLACE_KINDS)
    if kind == "corsica":
        place = rng.choice(("2A", "2B")) + f"{rng.randint(1, 366):03d}"
    elif kind == "overseas":
        place = rng.choice(NIR_OVERSEAS_DEPARTEMENTS) + f"{rng.randint(1, 34):02d}"
    elif kind == "abroad":
        place = "99" + rng.choice(NIR_BIRTH_COUNTRIES)
    else:
        departement = rng.choice([d for d in range(1, 96) if d != 20])
        place = f"{departement:02d}{rng.randint(1, 899):03d}"
    return f"{sex}{birth.year % 100:02d}{month}{place}{rng.randint(1, 999):03d}"


def nir_text(rng: Random, body: str) -> str:
    """A NIR as written in a note: compact, spaced as on a carte Vitale, or key apart."""
    style = rng.randrange(4)
    if style == 0:
        return format_nir(body)
    if style == 1:
        compact = format_nir(body)
        return f"{compact[:13]} {compact[13:]}"
    return format_nir(body, spaced=True)


def fr_phone(rng: Random, mobile: bool | None = None) -> str:
    if mobile is None:
        first = rng.choice(FR_PHONE_FIRST_DIGITS)
    else:
        first = rng.choice(("6", "7")) if mobile else rng.choice(("1", "2", "3", "4", "5"))
    pairs = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    style = rng.randrange(9)
    if style <= 2:
        return f"0{first} " + " ".join(pairs)
    if style == 3:
        return f"0{first}" + "".join(pairs)
    if style == 4:
        return f"0{first}." + ".".join(pairs)
    if style == 5:
        return f"0{first}-" + "-".join(pairs)
    if style == 6:
        return f"+33 {first} " + " ".join(pairs)
    if style == 7:
        return f"+33 (0){first} " + " ".join(pairs)
    return f"+33{first}" + "".join(pairs)


def en_phone(rng: Random) -> str:
    style = rng.randrange(7)
    if style == 0:
        return f"020 7{_digits(rng, 3)} {_digits(rng, 4)}"
    if style == 1:
        return f"+44 20 7{_digits(rng, 3)} {_digits(rng, 4)}"
    if style == 2:
        return f"07{_digits(rng, 3)} {_digits(rng, 6)}"
    if style == 3:
        return f"+44 7{_digits(rng, 3)} {_digits(rng, 6)}"
    if style == 4:
        return f"0113 {_digits(rng, 3)} {_digits(rng, 4)}"
    area = rng.choice(("617", "312", "713", "206", "410"))
    if style == 5:
        return f"({area}) 555-{_digits(rng, 4)}"
    return f"{area}-555-{_digits(rng, 4)}"


def fr_date(rng: Random, day: date, with_year: bool = True) -> str:
    style = rng.randrange(8)
    written_day = "1er" if day.day == 1 else str(day.day)
    if not with_year:
        return f"{written_day} {FR_MONTHS[day.month - 1]}"
    if style <= 2:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == 3:
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if style == 4:
        return f"{day.day:02d}-{day.month:02d}-{day.year}"
    if style == 5:
        return day.isoformat()
    if style == 6:
        return f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}"
    return f"{written_day} {FR_MONTHS[day.month - 1]} {day.year}"


def en_date(rng: Random, day: date, with_year: bool = True) -> str:
    month = EN_MONTHS[day.month - 1]
    if not with_year:
        return f"{day.day} {month}"
    style = rng.randrange(7)
    if style == 0:
        return f"{month} {day.day}, {day.year}"
    if style == 1:
        return f"{day.day} {month} {day.year}"
    if style == 2:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == 3:
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    if style == 4:
        return day.isoformat()
    if style == 5:
        return f"{day.day:02d}-{month[:3]}-{day.year}"
    return f"{month[:3]} {day.day} {day.year}"


def fr_address(rng: Random) -> str:
    if rng.random() < 0.04:
        return rng.choice(FR_LIEUX_DITS)
    number = f"{rng.randint(1, 180)}{rng.choice(FR_STREET_SUFFIXES)}"
    street = f"{rng.choice(FR_STREET_TYPES)} {rng.choice(FR_STREET_NAMES)}"
    separator = rng.choice((" ", " ", " ", ", "))
    return f"{rng.choice(FR_ADDRESS_EXTRAS)}{number}{separator}{street}"


def en_address(rng: Random) -> str:
    number = rng.randint(1, 250)
    street = f"{rng.choice(EN_STREET_NAMES)} {rng.choice(EN_STREET_TYPES)}"
    return f"{rng.choice(EN_ADDRESS_EXTRAS)}{number} {street}"


def fr_location(rng: Random) -> str:
    postcode, city = rng.choice(FR_PLACES)
    if rng.random() < 0.15:
        city = city.upper()
    return f"{postcode} {city}"


def en_location(rng: Random) -> str:
    if rng.random() < 0.25:
        city, state, zip_code = rng.choice(US_PLACES)
        return f"{city}, {state} {zip_code}"
    city, outward = rng.choice(UK_PLACES)
    letters = rng.choice(UK_POSTCODE_INWARD_LETTERS) + rng.choice(UK_POSTCODE_INWARD_LETTERS)
    return f"{city} {outward} {rng.randint(0, 9)}{letters}"


# --- People -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Person:
    first: str
    last: str
    female: bool
    style: int  # how the full name is cased and ordered in this note

    def full(self) -> str:
        if self.style == 0:
            return f"{self.first} {self.last}"
        if self.style == 1:
            return f"{self.first} {self.last.upper()}"
        if self.style == 2:
            return f"{self.last.upper()} {self.first}"
        initials = "-".join(part[0] + "." for part in self.first.split("-"))
        return f"{initials} {self.last}"

    def surname(self) -> str:
        return self.last.upper() if self.style in (1, 2) else self.last


# Full-name styles: 0 "Claire Dupont", 1 "Claire DUPONT", 2 "DUPONT Claire", 3 "C. Dupont".
PATIENT_NAME_STYLES = (0, 1, 1, 2, 2, 0)
CLINICIAN_NAME_STYLES = (0, 1, 1, 3)


@dataclass(frozen=True, slots=True)
class _Locale:
    female_first: tuple[str, ...]
    male_first: tuple[str, ...]
    surnames: tuple[str, ...]
    date: Callable[[Random, date, bool], str]
    phone: Callable[[Random], str]
    address: Callable[[Random], str]
    location: Callable[[Random], str]
    email_providers: tuple[str, ...]
    hospital_domains: tuple[str, ...]
    female_titles: tuple[str, ...]
    male_titles: tuple[str, ...]
    doctor_titles: tuple[str, ...]
    eponyms: tuple[str, ...]
    short_eponyms: tuple[str, ...]
    drugs: tuple[str, ...]
    icd10: tuple[str, ...]
    scores: tuple[str, ...]
    lab_values: tuple[str, ...]
    pronouns: tuple[str, str]  # (female, male)
    possessives: tuple[str, str]


def _fr_phone_any(rng: Random) -> str:
    return fr_phone(rng)


LOCALES = {
    "fr": _Locale(
        FR_FEMALE_FIRST, FR_MALE_FIRST, FR_SURNAMES, fr_date, _fr_phone_any, fr_address,
        fr_location, FR_EMAIL_PROVIDERS, FR_HOSPITAL_DOMAINS, ("Mme", "Mme", "Madame"),
        ("M.", "M.", "Monsieur"), ("Dr", "Dr", "Dr.", "Docteur", "Pr"), FR_EPONYMS,
        FR_SHORT_EPONYMS, FR_DRUGS, FR_ICD10, FR_SCORES, FR_LAB_VALUES, ("Elle", "Il"),
        ("sa", "son"),
    ),
    "en": _Locale(
        EN_FEMALE_FIRST, EN_MALE_FIRST, EN_SURNAMES, en_date, en_phone, en_address,
        en_location, EN_EMAIL_PROVIDERS, EN_HOSPITAL_DOMAINS, ("Mrs", "Ms", "Miss"),
        ("Mr", "Mr"), ("Dr", "Dr", "Dr.", "Prof."), EN_EPONYMS, EN_SHORT_EPONYMS, EN_DRUGS,
        EN_ICD10, EN_SCORES, EN_LAB_VALUES, ("She", "He"), ("her", "his"),
    ),
}  # fmt: skip


# --- Rendering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    type: str | None = None  # an identifier type, a trap type, or None for plain text
    trap: bool = False


def _identifier(text: str, type_: str) -> list[_Piece]:
    return [_Piece(text, type_)]


def _trap(text: str, type_: str) -> list[_Piece]:
    return [_Piece(text, type_, trap=True)]


def _plain(text: str) -> list[_Piece]:
    return [_Piece(text)]


@dataclass
class _Note:
    """One note being written: its people and dates, and the values already used."""

    rng: Random
    locale: _Locale
    patient: _Person
    birth: date
    nir_body: str
    people: dict[str, _Person] = field(default_factory=dict)
    cache: dict[str, list[_Piece]] = field(default_factory=dict)

    def person(self, slot: str, styles: tuple[int, ...]) -> _Person:
        if slot not in self.people:
            self.people[slot] = _draw_person(self.rng, self.locale, styles)
        return self.people[slot]

    def email_for(self, person: _Person, professional: bool) -> str:
        first, last = _fold(person.first), _fold(person.last)
        if professional:
            local = self.rng.choice((f"{first}.{last}", f"{first[0]}{last}", last))
            return f"{local}@{self.rng.choice(self.locale.hospital_domains)}"
        local = self.rng.choice(
            (
                f"{first}.{last}",
                f"{first}{last}{self.birth.year % 100:02d}",
                f"{first[0]}.{last}",
                f"{last}.{first}{self.rng.randint(1, 99)}",
                f"{first}_{last}",
            ),
        )
        return f"{local}@{self.rng.choice(self.locale.email_providers)}"


def _draw_person(rng: Random, locale: _Locale, styles: tuple[int, ...]) -> _Person:
    female = rng.random() < 0.5
    first = rng.choice(locale.female_first if female else locale.male_first)
    return _Person(first, rng.choice(locale.surnames), female, rng.choice(styles))


def _recent_date(rng: Random) -> date:
    return REFERENCE_DATE - timedelta(days=rng.randint(0, RECENT_DAYS))


def _person_slot(base: str, part: str) -> Callable[[_Note, str], list[_Piece]]:
    """Slots about a clinician or relative: `doctor`, `doctor_surname`, `doctor_first`…"""

    def render(note: _Note, slot: str) -> list[_Piece]:
        styles = PATIENT_NAME_STYLES if base.startswith("relative") else CLINICIAN_NAME_STYLES
        person = note.person(base + slot.removeprefix(base).split("_")[0], styles)
        if part == "surname":
            return _identifier(person.surname(), PERSON)
        if part == "first":
            return _identifier(person.first, PERSON)
        if part == "email":
            return _identifier(note.email_for(person, professional=True), EMAIL_ADDRESS)
        return _identifier(person.full(), PERSON)

    return render


def _patient(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.patient.full(), PERSON)


def _patient_surname(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.patient.surname(), PERSON)


def _patient_first(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.patient.first, PERSON)


def _title(note: _Note, slot: str) -> list[_Piece]:
    titles = note.locale.female_titles if note.patient.female else note.locale.male_titles
    return _plain(note.rng.choice(titles))


def _relative_title(note: _Note, slot: str) -> list[_Piece]:
    key = "relative" + slot.removeprefix("relative").split("_")[0]
    relative = note.person(key, PATIENT_NAME_STYLES)
    titles = note.locale.female_titles if relative.female else note.locale.male_titles
    return _plain(note.rng.choice(titles))


def _dr(note: _Note, slot: str) -> list[_Piece]:
    return _plain(note.rng.choice(note.locale.doctor_titles))


def _e(note: _Note, slot: str) -> list[_Piece]:
    return _plain("e" if note.patient.female else "")


def _pronoun(note: _Note, slot: str) -> list[_Piece]:
    return _plain(note.locale.pronouns[0 if note.patient.female else 1])


def _possessive(note: _Note, slot: str) -> list[_Piece]:
    return _plain(note.locale.possessives[0 if note.patient.female else 1])


def _age(note: _Note, slot: str) -> list[_Piece]:
    years = (REFERENCE_DATE - note.birth).days // 365
    return _plain(str(years))


def _dob(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.locale.date(note.rng, note.birth, True), DATE)


def _event_date(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.locale.date(note.rng, _recent_date(note.rng), True), DATE)


def _short_date(note: _Note, slot: str) -> list[_Piece]:
    """A date without its year ("12 mars", "3 May")."""
    return _identifier(note.locale.date(note.rng, _recent_date(note.rng), False), DATE)


def _numeric_date(note: _Note, slot: str) -> list[_Piece]:
    day = _recent_date(note.rng)
    return _identifier(f"{day.day:02d}/{day.month:02d}/{day.year}", DATE)


def _time(note: _Note, slot: str) -> list[_Piece]:
    hour, minute = note.rng.randint(0, 23), note.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
    if note.locale is LOCALES["fr"]:
        return _plain(f"{hour}h{minute:02d}")
    return _plain(f"{hour:02d}:{minute:02d}")


def _nir(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(nir_text(note.rng, note.nir_body), FR_NIR)


def _ins(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(nir_text(note.rng, note.nir_body), FR_INS)


def _phone(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.locale.phone(note.rng), PHONE_NUMBER)


def _mobile(note: _Note, slot: str) -> list[_Piece]:
    if note.locale is LOCALES["fr"]:
        return _identifier(fr_phone(note.rng, mobile=True), PHONE_NUMBER)
    return _identifier(note.locale.phone(note.rng), PHONE_NUMBER)


def _email(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.email_for(note.patient, professional=False), EMAIL_ADDRESS)


def _ipp(note: _Note, slot: str) -> list[_Piece]:
    number = str(note.rng.randint(1, 9)) + _digits(note.rng, note.rng.choice(IPP_LENGTHS) - 1)
    return _identifier(number, FR_IPP)


def _nda(note: _Note, slot: str) -> list[_Piece]:
    year = f"{REFERENCE_DATE.year % 100 - note.rng.randint(0, 3):02d}"
    number = year + _digits(note.rng, note.rng.choice(NDA_LENGTHS) - 2)
    return _identifier(number, FR_NDA)


def _rpps(note: _Note, slot: str) -> list[_Piece]:
    payload = RPPS_PREFIX + _digits(note.rng, RPPS_LENGTH - len(RPPS_PREFIX) - 1)
    return _identifier(payload + luhn.calc_check_digit(payload), FR_RPPS)


def _adeli(note: _Note, slot: str) -> list[_Piece]:
    departement = f"{note.rng.randint(1, 95):02d}"
    payload = departement + note.rng.choice(ADELI_PROFESSION_CODES) + _digits(note.rng, 4)
    return _identifier(payload + luhn.calc_check_digit(payload), FR_ADELI)


def _finess(note: _Note, slot: str) -> list[_Piece]:
    departement = f"{note.rng.randint(1, 95):02d}"
    payload = departement + _digits(note.rng, FINESS_LENGTH - 3)
    return _identifier(payload + luhn.calc_check_digit(payload), FR_FINESS)


def _address(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.locale.address(note.rng), ADDRESS)


def _city(note: _Note, slot: str) -> list[_Piece]:
    return _identifier(note.locale.location(note.rng), LOCATION)


def _town(note: _Note, slot: str) -> list[_Piece]:
    """A city name alone ("né à Quimper", "lives in Leeds")."""
    if note.locale is LOCALES["fr"]:
        return _identifier(note.rng.choice(FR_PLACES)[1], LOCATION)
    return _identifier(note.rng.choice(UK_PLACES)[0], LOCATION)


def _trap_from(attribute: str, type_: str) -> Callable[[_Note, str], list[_Piece]]:
    def render(note: _Note, slot: str) -> list[_Piece]:
        return _trap(note.rng.choice(getattr(note.locale, attribute)), type_)

    return render


# Slot kind → how to write it. The kind is the slot name without trailing digits.
SLOT_KINDS: dict[str, Callable[[_Note, str], list[_Piece]]] = {
    "patient": _patient,
    "patient_surname": _patient_surname,
    "patient_first": _patient_first,
    "title": _title,
    "e": _e,
    "pronoun": _pronoun,
    "possessive": _possessive,
    "age": _age,
    "dob": _dob,
    "date": _event_date,
    "short_date": _short_date,
    "numeric_date": _numeric_date,
    "time": _time,
    "nir": _nir,
    "ins": _ins,
    "phone": _phone,
    "mobile": _mobile,
    "email": _email,
    "ipp": _ipp,
    "nda": _nda,
    "rpps": _rpps,
    "adeli": _adeli,
    "finess": _finess,
    "address": _address,
    "city": _city,
    "town": _town,
    "dr": _dr,
    "doctor": _person_slot("doctor", "full"),
    "doctor_surname": _person_slot("doctor", "surname"),
    "doctor_email": _person_slot("doctor", "email"),
    "nurse": _person_slot("nurse", "full"),
    "nurse_first": _person_slot("nurse", "first"),
    "relative": _person_slot("relative", "full"),
    "relative_first": _person_slot("relative", "first"),
    "relative_surname": _person_slot("relative", "surname"),
    "relative_title": _relative_title,
    "eponym": _trap_from("eponyms", EPONYM),
    "short_eponym": _trap_from("short_eponyms", EPONYM),
    "drug": _trap_from("drugs", DRUG),
    "icd": _trap_from("icd10", ICD10),
    "score": _trap_from("scores", SCORE),
    "lab": _trap_from("lab_values", LAB_VALUE),
}

# `doctor2_surname` → kind `doctor_surname`, person `doctor2`.
_SLOT_PATTERN = re.compile(r"(?P<base>[a-z_]+?)(?P<number>\d*)(?P<part>_[a-z]+)?")


def slot_kind(slot: str) -> str:
    """`date2` → `date`; `doctor2_surname` → `doctor_surname`; `patient_surname` unchanged."""
    if slot in SLOT_KINDS:
        return slot
    match = _SLOT_PATTERN.fullmatch(slot)
    if match is None:
        raise InvalidInput(f"template slot {slot!r} is not a known slot kind")
    kind = match["base"] + (match["part"] or "")
    if kind not in SLOT_KINDS:
        raise InvalidInput(f"template slot {slot!r} is not a known slot kind ({kind!r})")
    return kind


def template_slots(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def render(template: Template, language: str, rng: Random, note_id: str) -> LabelledNote:
    """Write one note from a template, recording the span of every slot it fills."""
    locale = LOCALES[language]
    patient = _draw_person(rng, locale, PATIENT_NAME_STYLES)
    birth = REFERENCE_DATE - timedelta(days=rng.randint(MIN_AGE_YEARS * 365, MAX_AGE_YEARS * 365))
    note = _Note(rng, locale, patient, birth, nir_body(rng, patient.female, birth))
    parts: list[str] = []
    entities: list[Span] = []
    traps: list[Span] = []
    offset = 0
    for literal, slot, _, _ in string.Formatter().parse(template.text):
        parts.append(literal)
        offset += len(literal)
        if not slot:
            continue
        if slot not in note.cache:
            note.cache[slot] = SLOT_KINDS[slot_kind(slot)](note, slot)
        for piece in note.cache[slot]:
            if piece.type is not None:
                span = Span(offset, offset + len(piece.text), piece.type)
                (traps if piece.trap else entities).append(span)
            parts.append(piece.text)
            offset += len(piece.text)
    return LabelledNote(note_id, "".join(parts), tuple(entities), tuple(traps), template.name)


def generate_notes(language: str, count: int, split: str, seed: int) -> list[LabelledNote]:
    """`count` notes written from the `split` templates of `language`, deterministic per
    seed. Templates are drawn in turn from a seeded shuffle so each is used evenly."""
    _check_language(language)
    chosen = templates_for_split(language, split)
    rng = Random(f"{seed}:{language}:{split}")
    notes: list[LabelledNote] = []
    order: list[Template] = []
    for index in range(count):
        if not order:
            order = list(chosen)
            rng.shuffle(order)
        notes.append(render(order.pop(), language, rng, f"{language}-{split}-{index:05d}"))
    return notes
