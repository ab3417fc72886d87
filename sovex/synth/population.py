"""The synthetic French population behind `sovex synth` and `sovex demo`.

Every identity is invented: names, NIR (with a valid key), addresses, phones, e-mails,
clinical notes that embed those identifiers, diagnoses, measurements and consents. The
point is to exercise every gate of the pipeline (pseudonymisation, free-text scrubbing,
consent, k-anonymity) on data shaped like a hospital's, never on real patients.

Generation is seeded (same seed and size → byte-identical Parquet files), vectorised
with numpy, and written atomically: the tables are written to a temporary sibling
folder that is renamed into place, so a failure never leaves a half-written source.

One module, long on purpose: every table is drawn from one seeded random stream in a
fixed order, so byte-identical output for a seed depends on the draws staying together;
most of its length is the invented vocabularies (names, streets, note phrases).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from anonymization.nir import CORSICA_KEY_DIGITS, NIR_MODULUS, format_nir
from sovex.model.errors import InvalidInput
from sovex.synth.fhir import write_consents_ndjson

DEFAULT_SEED = 20261129
# The consents as FHIR NDJSON, inside the source folder (the default consent inbox).
FHIR_CONSENTS_FILE = "fhir/consents.ndjson"
FHIR_SEED_STREAM = 7  # its own random stream: the Parquet tables do not change with it
DEFAULT_REFERENCE_DATE = date(2026, 11, 1)

# Row groups as a warehouse export has them (many per table, here small ones so that
# even the synthetic tables split into several partitions: see transforms.source).
SOURCE_ROW_GROUP_ROWS = 2048

SOURCE_TABLES = ("patients", "encounters", "diagnoses", "measurements", "notes", "consents")
PURPOSES = ("chronic-disease-research", "cancer-research", "public-health-surveillance")
CONSENT_STATUSES = ("active", "withdrawn", "refused")

# Written beside the tables; its presence is what allows a re-run to replace the folder
# (we never delete a folder we did not write).
MARKER_FILE = "_sovex_synth.json"
# "P" + 8 digits bounds the population size.
MAX_PATIENTS = 99_999_999

SCHEMAS: dict[str, pa.Schema] = {
    "patients": pa.schema(
        [
            ("patient_id", pa.string()),
            ("last_name", pa.string()),
            ("first_name", pa.string()),
            ("nir", pa.string()),
            ("birth_date", pa.date32()),
            ("sex", pa.string()),
            ("address", pa.string()),
            ("postcode", pa.string()),
            ("city", pa.string()),
            ("phone", pa.string()),
            ("email", pa.string()),
        ]
    ),
    "encounters": pa.schema(
        [
            ("encounter_id", pa.string()),
            ("patient_id", pa.string()),
            ("admission_date", pa.date32()),
            ("discharge_date", pa.date32()),
            ("unit", pa.string()),
        ]
    ),
    "diagnoses": pa.schema(
        [
            ("diagnosis_id", pa.string()),
            ("patient_id", pa.string()),
            ("encounter_id", pa.string()),
            ("icd10_code", pa.string()),
            ("diagnosis_date", pa.date32()),
        ]
    ),
    "measurements": pa.schema(
        [
            ("measurement_id", pa.string()),
            ("patient_id", pa.string()),
            ("measured_on", pa.date32()),
            ("code", pa.string()),
            ("value", pa.float64()),
            ("unit", pa.string()),
        ]
    ),
    "notes": pa.schema(
        [
            ("note_id", pa.string()),
            ("patient_id", pa.string()),
            ("written_on", pa.date32()),
            ("author", pa.string()),
            ("text", pa.string()),
        ]
    ),
    "consents": pa.schema(
        [
            ("consent_id", pa.string()),
            ("patient_id", pa.string()),
            ("purpose", pa.string()),
            ("status", pa.string()),
            ("given_on", pa.date32()),
            ("withdrawn_on", pa.date32()),
            ("valid_until", pa.date32()),
        ]
    ),
}

# --- Population shape -------------------------------------------------------------------

MIN_AGE_DAYS = 30  # a newborn still has room for an encounter and a consent before D
MAX_AGE_DAYS = 100 * 365
HISTORY_DAYS = 10 * 365  # encounters happen in the 10 years before the reference date
CONSENT_HISTORY_DAYS = 8 * 365  # the research consent portal is younger than the records
ENCOUNTERS_PER_PATIENT = (1, 5)
MEASUREMENTS_PER_PATIENT = (3, 8)
NOTES_PER_PATIENT = (1, 2)
SECONDARY_DIAGNOSIS_RATE = 0.35
EMERGENCY_ADMISSION_RATE = 0.2
EMERGENCY_UNIT = "urgences"
MEAN_LENGTH_OF_STAY_DAYS = 4.0

# Place of birth in the NIR: metropolitan, Corsica (2A/2B), overseas (97x), abroad (99).
BIRTHPLACE_WEIGHTS = {"metropolitan": 0.935, "corsica": 0.015, "overseas": 0.02, "abroad": 0.03}
# Share of provisional numbers (NIA: 7 man, 8 woman; older 3 man, 4 woman).
PROVISIONAL_NIA_RATE = 0.015
PROVISIONAL_OLD_RATE = 0.005
METROPOLITAN_DEPARTEMENTS = tuple(f"{d:02d}" for d in range(1, 96) if d != 20)
OVERSEAS_DEPARTEMENTS = ("971", "972", "973", "974", "976")
# INSEE country codes: Maroc, Algérie, Tunisie, Portugal, Italie, Espagne, Allemagne.
BIRTH_COUNTRIES = ("350", "352", "351", "139", "127", "134", "109")

FEMALE_FIRST_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Christine",
    "Monique", "Sophie", "Claire", "Hélène", "Camille", "Léa", "Manon", "Chloé", "Emma",
    "Inès", "Jade", "Zoé", "Océane", "Gaëlle", "Céline", "Valérie", "Sandrine", "Aurélie",
    "Élodie", "Jeanne", "Louise", "Margaux", "Noémie", "Agnès", "Geneviève", "Béatrice",
    "Nadia", "Fatima", "Anne-Sophie", "Marie-Claire", "Marie-Thérèse", "Anne-Laure",
    "Marie-Christine",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Laurent",
    "Frédéric", "Stéphane", "David", "Julien", "Thomas", "Antoine", "Hugo", "Lucas", "Louis",
    "Gabriel", "Arthur", "Théo", "Raphaël", "Jérôme", "François", "Sébastien", "Guillaume",
    "Olivier", "Benoît", "Grégoire", "Mohamed", "Karim", "Yanis", "Rémi", "Loïc",
    "Jean-Pierre", "Jean-Luc", "Jean-François", "Pierre-Yves", "Jean-Baptiste",
    "Marc-Antoine", "Jean-Marc",
)  # fmt: skip
# Includes surnames that are also first names (Martin, Thomas, Laurent…), particles
# (Le Gall, Da Silva, N'Diaye) and hyphenated names: the hard cases for a scrubber.
SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre",
    "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine",
    "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis",
    "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer",
    "Lucas", "Meunier", "Pérez", "Marchand", "Dufour", "Blanchard", "Barbier", "Brun",
    "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Le Gall", "Le Goff", "Kerbrat",
    "Santoni", "Casanova", "Paoli", "Benali", "Haddad", "Diallo", "Da Silva", "N'Diaye",
    "Martin-Dupont", "Lefebvre-Morel", "Durand-Roussel", "Saint-Martin", "Bonnet-Lambert",
)  # fmt: skip

STREET_TYPES = ("rue", "avenue", "boulevard", "allée", "impasse", "chemin", "place", "quai")
STREET_NAMES = (
    "des Lilas", "Jean Jaurès", "Victor Hugo", "de la République", "Pasteur",
    "du Général de Gaulle", "des Écoles", "de la Gare", "Gambetta", "Voltaire",
    "des Tilleuls", "du Moulin", "de l'Église", "Émile Zola", "Jules Ferry", "des Roses",
    "Sainte-Catherine", "de Verdun", "Carnot", "du Stade", "des Acacias", "Molière",
    "Paul Bert", "de la Liberté", "du Château",
)  # fmt: skip
STREET_NUMBER_SUFFIXES = ("", " bis", " ter")
STREET_NUMBER_SUFFIX_WEIGHTS = (0.93, 0.05, 0.02)
MAX_STREET_NUMBER = 150

# (postcode, city, relative weight): big cities, small towns (small cells for the
# k-anonymity gate), Corsica (20xxx) and overseas (97xxx).
RESIDENCES = (
    ("75011", "Paris", 3.0), ("75015", "Paris", 3.0), ("75018", "Paris", 3.0),
    ("75005", "Paris", 1.5), ("75020", "Paris", 2.5), ("69003", "Lyon", 2.5),
    ("69007", "Lyon", 1.5), ("13005", "Marseille", 2.5), ("13013", "Marseille", 2.0),
    ("31000", "Toulouse", 2.5), ("06000", "Nice", 2.0), ("44000", "Nantes", 2.0),
    ("67000", "Strasbourg", 2.0), ("34000", "Montpellier", 2.0), ("33000", "Bordeaux", 2.0),
    ("59000", "Lille", 2.0), ("35000", "Rennes", 1.5), ("51100", "Reims", 1.2),
    ("76600", "Le Havre", 1.0), ("42000", "Saint-Étienne", 1.0), ("83000", "Toulon", 1.0),
    ("38000", "Grenoble", 1.0), ("21000", "Dijon", 1.0), ("49000", "Angers", 1.0),
    ("30000", "Nîmes", 1.0), ("69100", "Villeurbanne", 1.0), ("63000", "Clermont-Ferrand", 1.0),
    ("72000", "Le Mans", 0.8), ("13100", "Aix-en-Provence", 0.8), ("29200", "Brest", 0.8),
    ("37000", "Tours", 0.8), ("80000", "Amiens", 0.8), ("87000", "Limoges", 0.8),
    ("74000", "Annecy", 0.8), ("66000", "Perpignan", 0.8), ("57000", "Metz", 0.8),
    ("25000", "Besançon", 0.8), ("45000", "Orléans", 0.8), ("76000", "Rouen", 0.8),
    ("14000", "Caen", 0.8), ("54000", "Nancy", 0.8), ("93100", "Montreuil", 0.8),
    ("95100", "Argenteuil", 0.8), ("84000", "Avignon", 0.6), ("86000", "Poitiers", 0.6),
    ("64000", "Pau", 0.6), ("17000", "La Rochelle", 0.6), ("56000", "Vannes", 0.5),
    ("15000", "Aurillac", 0.2), ("48000", "Mende", 0.1), ("23000", "Guéret", 0.1),
    ("20000", "Ajaccio", 0.35), ("20090", "Ajaccio", 0.2), ("20200", "Bastia", 0.3),
    ("20137", "Porto-Vecchio", 0.1), ("20250", "Corte", 0.05),
    ("97400", "Saint-Denis", 0.6), ("97410", "Saint-Pierre", 0.3),
    ("97200", "Fort-de-France", 0.4), ("97110", "Pointe-à-Pitre", 0.3),
    ("97300", "Cayenne", 0.3), ("97600", "Mamoudzou", 0.2),
)  # fmt: skip

# Phone styles: (what replaces the leading 0, separator between digit pairs).
PHONE_STYLES = (("0", " "), ("0", ""), ("+33 ", " "), ("0", "."))
PHONE_STYLE_WEIGHTS = (0.5, 0.25, 0.1, 0.15)
# First national digit: 6/7 mobile, 1-5 landline by region, 9 internet box.
PHONE_FIRST_DIGITS = ("6", "7", "1", "2", "3", "4", "5", "9")
PHONE_FIRST_DIGIT_WEIGHTS = (0.45, 0.15, 0.1, 0.07, 0.07, 0.07, 0.04, 0.05)
EMAIL_PROVIDERS = (
    "orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "hotmail.fr",
    "yahoo.fr",
)  # fmt: skip
EMAIL_WITH_BIRTH_YEAR_RATE = 0.3


@dataclass(frozen=True)
class Condition:
    icd10_code: str
    label: str  # as written in a French note
    unit: str
    treatment: str  # drug and dose, as written in a note
    weight: float  # how often it is a patient's main condition


# A patient's main condition is coded at every encounter; type 2 diabetes (E11) ends up
# in ~15-20% of patients once secondary diagnoses are added.
CONDITIONS = (
    Condition(
        "E11.9", "diabète de type 2", "endocrinologie", "metformine 1000 mg matin et soir", 0.14
    ),
    Condition(
        "E10.9", "diabète de type 1", "endocrinologie", "insuline glargine 22 UI le soir", 0.01
    ),
    Condition(
        "I10",
        "hypertension artérielle essentielle",
        "cardiologie",
        "amlodipine 5 mg par jour",
        0.14,
    ),
    Condition(
        "I21.9",
        "infarctus du myocarde",
        "cardiologie",
        "aspirine 75 mg et bisoprolol 2,5 mg par jour",
        0.03,
    ),
    Condition("I50.9", "insuffisance cardiaque", "cardiologie", "furosémide 40 mg par jour", 0.04),
    Condition(
        "I63.9",
        "accident vasculaire cérébral ischémique",
        "neurologie",
        "clopidogrel 75 mg par jour",
        0.02,
    ),
    Condition(
        "J44.9",
        "bronchopneumopathie chronique obstructive",
        "pneumologie",
        "tiotropium 18 µg une inhalation par jour",
        0.05,
    ),
    Condition("J45.9", "asthme", "pneumologie", "salbutamol 100 µg à la demande", 0.04),
    Condition(
        "J18.9",
        "pneumopathie",
        "pneumologie",
        "amoxicilline 1 g trois fois par jour pendant 7 jours",
        0.05,
    ),
    Condition("C50.9", "cancer du sein", "oncologie", "tamoxifène 20 mg par jour", 0.03),
    Condition(
        "C34.9",
        "cancer bronchique",
        "oncologie",
        "pembrolizumab 200 mg toutes les 3 semaines",
        0.02,
    ),
    Condition("C18.9", "cancer du côlon", "oncologie", "FOLFOX, 6 cures", 0.02),
    Condition(
        "G20",
        "maladie de Parkinson",
        "neurologie",
        "lévodopa/bensérazide 100 mg trois fois par jour",
        0.02,
    ),
    Condition(
        "G35",
        "sclérose en plaques",
        "neurologie",
        "interféron bêta-1a 44 µg trois fois par semaine",
        0.01,
    ),
    Condition("K50.9", "maladie de Crohn", "gastro-entérologie", "azathioprine 2 mg/kg/j", 0.01),
    Condition(
        "K74.6",
        "cirrhose, score de Child-Pugh B",
        "gastro-entérologie",
        "propranolol 40 mg par jour",
        0.01,
    ),
    Condition(
        "E24.9",
        "syndrome de Cushing",
        "endocrinologie",
        "métyrapone 250 mg trois fois par jour",
        0.005,
    ),
    Condition("F32.9", "épisode dépressif", "psychiatrie", "sertraline 50 mg par jour", 0.06),
    Condition(
        "N18.3", "maladie rénale chronique stade 3", "néphrologie", "ramipril 5 mg par jour", 0.04
    ),
    Condition(
        "E66.9",
        "obésité",
        "endocrinologie",
        "règles hygiéno-diététiques et activité physique",
        0.06,
    ),
    Condition(
        "S72.0",
        "fracture du col du fémur",
        "orthopédie",
        "paracétamol 1 g toutes les 6 heures",
        0.03,
    ),
    Condition("R07.4", "douleur thoracique", EMERGENCY_UNIT, "paracétamol 1 g si besoin", 0.05),
    Condition("Z00.0", "bilan de santé", "médecine interne", "pas de traitement", 0.135),
)


@dataclass(frozen=True)
class Measure:
    code: str
    unit: str
    mean: float
    sd: float
    low: float
    high: float
    decimals: int
    # Patients whose main condition is one of these get `shifted_mean` instead.
    shifted_by: tuple[str, ...] = ()
    shifted_mean: float = 0.0


MEASURES = (
    Measure("HBA1C", "%", 5.5, 0.4, 4.0, 14.0, 1, ("E11.9", "E10.9"), 7.6),
    Measure("BMI", "kg/m2", 25.0, 4.0, 14.0, 55.0, 1, ("E66.9",), 35.0),
    Measure("SBP", "mmHg", 126.0, 14.0, 85.0, 220.0, 0, ("I10",), 148.0),
    Measure("DBP", "mmHg", 77.0, 8.0, 45.0, 130.0, 0, ("I10",), 90.0),
    Measure("CREAT", "µmol/L", 78.0, 15.0, 35.0, 600.0, 0, ("N18.3",), 155.0),
    Measure("LDL", "mmol/L", 3.0, 0.7, 0.8, 7.0, 2, ("I21.9",), 2.0),
)

CONSENT_CATEGORIES = ("active", "withdrawn", "refused", "expired")
# Per purpose, share of patients per category; the rest have no consent for it.
CONSENT_RATES = {
    "chronic-disease-research": (0.70, 0.06, 0.04, 0.03),
    "cancer-research": (0.25, 0.02, 0.03, 0.01),
    "public-health-surveillance": (0.40, 0.02, 0.02, 0.02),
}
OPEN_ENDED_CONSENT_RATE = 0.5  # valid_until is null; otherwise some date after D
MAX_FUTURE_VALIDITY_DAYS = 5 * 365

# --- Notes --------------------------------------------------------------------------------

DOCTORS = 40
FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
HISTORY_PHRASES = (
    "maladie de Parkinson", "syndrome de Cushing opéré en 2015", "maladie de Crohn iléale",
    "appendicectomie dans l'enfance", "fibrillation atriale sous apixaban 5 mg deux fois par jour",
    "maladie d'Alzheimer débutante", "syndrome de Sjögren", "thyroïdite de Hashimoto",
    "lymphome de Hodgkin en rémission", "maladie de Basedow", "tabagisme sevré",
    "diabète de type 2 (E11.9)", "syndrome de Guillain-Barré en 2009",
)  # fmt: skip
EXAM_PHRASES = (
    "Signe de Babinski absent des deux côtés.", "Score de Glasgow à 15.",
    "Signe de Murphy négatif.", "Manœuvre de Valsalva sans particularité.",
    "Score de Child-Pugh A5.", "Pas de signe de Lasègue.", "Test de Romberg négatif.",
    "Signe de Homans négatif.",
)  # fmt: skip

# Every template names the patient and carries at least one of NIR, phone or e-mail.
NOTE_TEMPLATES = (
    "Compte rendu d'hospitalisation – service de {unit}\n"
    "Patient{e} : {name}, né{e} le {dob}. IPP {ipp} – NDA {nda}.\n"
    "N° de sécurité sociale : {nir}.\n"
    "Adresse : {address}. Tél. : {phone}.\n"
    "Motif d'admission : {label} ({icd}). {exam}\n"
    "Traitement de sortie : {treatment}.\n"
    "{doctor} – RPPS {rpps}",
    "Cher confrère,\n"
    "Je vous adresse {name}, {age} ans, né{e} le {dob}, domicilié{e} {address}, "
    "joignable au {phone} ou par courriel à {email}, suivi{e} pour {label} (CIM-10 {icd}). "
    "{exam} Je vous propose de poursuivre : {treatment}.\n"
    "Bien confraternellement,\n{doctor} (RPPS {rpps})",
    "Consultation du {written}. {name} (IPP {ipp}, NIR {nir}) revu{e} en {unit}. "
    "Antécédents : {history}. {exam} Dernière HbA1c à {hba1c} %. "
    "Poursuite du traitement : {treatment}. Prochain rendez-vous à fixer au {phone}.",
    "Passage aux urgences le {written} (NDA {nda}). {name}, {age} ans, né{e} le {dob}. "
    "Score de Glasgow à {glasgow}/15. Signe de Babinski {babinski}. "
    "Diagnostic retenu : {label} ({icd}). Joignable au {phone}. "
    "Sécurité sociale {nir}. Vu par {doctor}.",
    "Courriel reçu de {email} le {written} : {name} signale une majoration des symptômes. "
    "Antécédents de {history}. Pas de signe de Babinski. Rappel prévu par {doctor}.",
    "RCP du {written} – {name} (né{e} le {dob}, {address}). NIR {nir}. "
    "Antécédents : {history}. Child-Pugh A, score ASA 2. Codage : {icd}. "
    "Traitement : {treatment}. Référent : {doctor}, RPPS {rpps}.",
)


ProgressCallback = Callable[[str, int], None]


# --- Small vectorised helpers ---------------------------------------------------------


def _ids(prefix: str, count: int, width: int) -> np.ndarray:
    """Sequential identifiers: prefix + zero-padded 1..count."""
    numbers = np.arange(1, count + 1).astype(str)
    return np.strings.add(prefix, np.strings.zfill(numbers, width))


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(values.astype(str), width)


def _concat(*parts: np.ndarray | str) -> np.ndarray:
    result = parts[0]
    for part in parts[1:]:
        result = np.strings.add(result, part)
    return np.asarray(result)


def _pick(
    rng: np.random.Generator, values: Sequence[str], size: int, p: Sequence[float] | None = None
) -> np.ndarray:
    """Random draws from a list of strings, as a numpy string array."""
    weights = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return np.asarray(values)[rng.choice(len(values), size=size, p=weights)]


def _uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One day drawn uniformly in [low, high] (inclusive) per row."""
    return low + np.floor(rng.random(low.shape[0]) * (high - low + 1)).astype(np.int64)


def _date_array(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 as date32; rows where `valid` is False are null."""
    mask = None if valid is None else ~valid
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def _string_array(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string())


def _epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _ascii_fold(name: str) -> str:
    """'Hélène' → 'helene', "N'Diaye" → 'ndiaye', 'Le Gall' → 'legall' (e-mail local part)."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return ascii_only.replace(" ", "").replace("'", "")


def _format_phone(first_digit: str, pairs: Sequence[str], style: int) -> str:
    lead, separator = PHONE_STYLES[style]
    return f"{lead}{first_digit}{separator}" + separator.join(pairs)


# --- Tables ---------------------------------------------------------------------------


@dataclass
class _Patients:
    """Per-patient arrays later tables and the notes draw from."""

    table: pa.Table
    ids: np.ndarray
    birth_days: np.ndarray
    sex: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    nir: np.ndarray
    address: np.ndarray
    postcode: np.ndarray
    city: np.ndarray
    email: np.ndarray
    phone_first_digit: np.ndarray
    phone_pairs: np.ndarray  # shape (n, 4)
    ipp: np.ndarray
    condition: np.ndarray  # index into CONDITIONS


def _birth_places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Place of birth as printed in the NIR (5 chars) and as digits for the key."""
    kinds = _pick(rng, list(BIRTHPLACE_WEIGHTS), n, list(BIRTHPLACE_WEIGHTS.values()))
    metropolitan = _concat(
        _pick(rng, METROPOLITAN_DEPARTEMENTS, n), _digits(rng.integers(1, 900, n), 3)
    )
    corsica = _concat(_pick(rng, ("2A", "2B"), n), _digits(rng.integers(1, 367, n), 3))
    overseas = _concat(_pick(rng, OVERSEAS_DEPARTEMENTS, n), _digits(rng.integers(1, 35, n), 2))
    abroad = _concat("99", _pick(rng, BIRTH_COUNTRIES, n))
    printed = np.select(
        [kinds == "corsica", kinds == "overseas", kinds == "abroad"],
        [corsica, overseas, abroad],
        metropolitan,
    )
    # Only Corsican places contain letters, so a plain replace is safe.
    key_place = printed
    for letters, digits in CORSICA_KEY_DIGITS.items():
        key_place = np.strings.replace(key_place, letters, digits)
    return printed, key_place


def _nirs(rng: np.random.Generator, sex: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """Valid NIRs consistent with sex and birth year/month (some provisional)."""
    n = sex.shape[0]
    male = sex == "M"
    draw = rng.random(n)
    first = np.where(male, 1, 2)
    first = np.where(draw < PROVISIONAL_NIA_RATE, np.where(male, 7, 8), first)
    provisional_old = (draw >= PROVISIONAL_NIA_RATE) & (
        draw < PROVISIONAL_NIA_RATE + PROVISIONAL_OLD_RATE
    )
    first = np.where(provisional_old, np.where(male, 3, 4), first)
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    place, key_place = _birth_places(rng, n)
    order = np.asarray(rng.integers(1, 1000, n))
    head = _concat(first.astype(str), _digits(year % 100, 2), _digits(month, 2))
    tail = _digits(order, 3)
    body_numbers = np.strings.add(np.strings.add(head, key_place), tail).astype(np.int64)
    key = np.asarray(NIR_MODULUS - body_numbers % NIR_MODULUS)
    return _concat(head, place, tail, _digits(key, 2))


FOLDED_FEMALE_FIRST_NAMES = tuple(_ascii_fold(name) for name in FEMALE_FIRST_NAMES)
FOLDED_MALE_FIRST_NAMES = tuple(_ascii_fold(name) for name in MALE_FIRST_NAMES)
FOLDED_SURNAMES = tuple(_ascii_fold(name) for name in SURNAMES)


def _names(
    rng: np.random.Generator, sex: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First and last names, plus their ASCII-folded forms for e-mail addresses."""
    n = sex.shape[0]
    female = sex == "F"
    female_pick = rng.integers(0, len(FEMALE_FIRST_NAMES), n)
    male_pick = rng.integers(0, len(MALE_FIRST_NAMES), n)
    surname_pick = rng.integers(0, len(SURNAMES), n)
    first = np.where(
        female, np.asarray(FEMALE_FIRST_NAMES)[female_pick], np.asarray(MALE_FIRST_NAMES)[male_pick]
    )
    folded_first = np.where(
        female,
        np.asarray(FOLDED_FEMALE_FIRST_NAMES)[female_pick],
        np.asarray(FOLDED_MALE_FIRST_NAMES)[male_pick],
    )
    last = np.asarray(SURNAMES)[surname_pick]
    folded_last = np.asarray(FOLDED_SURNAMES)[surname_pick]
    return first, last, folded_first, folded_last


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    """'12 rue des Lilas', '3 bis avenue Jean Jaurès', …"""
    number = rng.integers(1, MAX_STREET_NUMBER + 1, n).astype(str)
    suffix = _pick(rng, STREET_NUMBER_SUFFIXES, n, STREET_NUMBER_SUFFIX_WEIGHTS)
    return _concat(
        number, suffix, " ", _pick(rng, STREET_TYPES, n), " ", _pick(rng, STREET_NAMES, n)
    )


def _patients(rng: np.random.Generator, n: int, reference_day: int) -> _Patients:
    ids = _ids("P", n, 8)
    sex = _pick(rng, ("F", "M"), n)
    birth_days = reference_day - rng.integers(MIN_AGE_DAYS, MAX_AGE_DAYS + 1, n)
    first, last, folded_first, folded_last = _names(rng, sex)
    nir = _nirs(rng, sex, birth_days.astype("datetime64[D]"))
    address = _addresses(rng, n)
    residence = rng.choice(
        len(RESIDENCES), n, p=np.asarray([r[2] for r in RESIDENCES]) / sum(r[2] for r in RESIDENCES)
    )
    postcode = np.asarray([r[0] for r in RESIDENCES])[residence]
    city = np.asarray([r[1] for r in RESIDENCES])[residence]

    phone_first_digit = _pick(rng, PHONE_FIRST_DIGITS, n, PHONE_FIRST_DIGIT_WEIGHTS)
    phone_pairs = _digits(rng.integers(0, 100, (n, 4)), 2)
    style = rng.choice(len(PHONE_STYLES), n, p=PHONE_STYLE_WEIGHTS)
    lead = np.asarray([s[0] for s in PHONE_STYLES])[style]
    separator = np.asarray([s[1] for s in PHONE_STYLES])[style]
    phone = _concat(lead, phone_first_digit)
    for column in range(phone_pairs.shape[1]):
        phone = _concat(phone, separator, phone_pairs[:, column])

    birth_year = birth_days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    year_suffix = np.where(
        rng.random(n) < EMAIL_WITH_BIRTH_YEAR_RATE, _digits(birth_year % 100, 2), ""
    )
    email = _concat(
        folded_first, ".", folded_last, year_suffix, "@", _pick(rng, EMAIL_PROVIDERS, n)
    )
    ipp = rng.choice(900_000_000, n, replace=False) + 100_000_000
    condition = rng.choice(
        len(CONDITIONS),
        n,
        p=np.asarray([c.weight for c in CONDITIONS]) / sum(c.weight for c in CONDITIONS),
    )

    table = pa.Table.from_arrays(
        [
            _string_array(ids),
            _string_array(last),
            _string_array(first),
            _string_array(nir),
            _date_array(birth_days),
            _string_array(sex),
            _string_array(address),
            _string_array(postcode),
            _string_array(city),
            _string_array(phone),
            _string_array(email),
        ],
        schema=SCHEMAS["patients"],
    )
    return _Patients(
        table=table,
        ids=ids,
        birth_days=birth_days,
        sex=sex,
        first_name=first,
        last_name=last,
        nir=nir,
        address=address,
        postcode=postcode,
        city=city,
        email=email,
        phone_first_digit=phone_first_digit,
        phone_pairs=phone_pairs,
        ipp=ipp,
        condition=condition,
    )


@dataclass
class _Encounters:
    table: pa.Table
    ids: np.ndarray
    owner: np.ndarray  # patient index per encounter
    admission: np.ndarray
    discharge: np.ndarray
    unit: np.ndarray
    first: np.ndarray  # per patient: index of their first encounter
    count: np.ndarray  # per patient: how many encounters


def _encounters(rng: np.random.Generator, people: _Patients, reference_day: int) -> _Encounters:
    n = people.ids.shape[0]
    count = np.asarray(rng.integers(ENCOUNTERS_PER_PATIENT[0], ENCOUNTERS_PER_PATIENT[1] + 1, n))
    owner = np.repeat(np.arange(n), count)
    m = owner.shape[0]
    earliest = np.maximum(people.birth_days[owner], reference_day - HISTORY_DAYS)
    admission = _uniform_days(rng, earliest, np.full(m, reference_day - 1))
    stay = rng.geometric(1.0 / (MEAN_LENGTH_OF_STAY_DAYS + 1.0), m) - 1
    discharge = np.minimum(admission + stay, reference_day)
    emergency = rng.random(m) < EMERGENCY_ADMISSION_RATE
    condition_unit = np.asarray([c.unit for c in CONDITIONS])[people.condition[owner]]
    unit = np.where(emergency, EMERGENCY_UNIT, condition_unit)

    # Within a patient, stays are numbered in chronological order.
    order = np.lexsort((admission, owner))
    owner, admission, discharge, unit = (
        owner[order],
        admission[order],
        discharge[order],
        unit[order],
    )
    ids = _ids("NDA", m, 9)
    table = pa.Table.from_arrays(
        [
            _string_array(ids),
            _string_array(people.ids[owner]),
            _date_array(admission),
            _date_array(discharge),
            _string_array(unit),
        ],
        schema=SCHEMAS["encounters"],
    )
    first = np.asarray(np.cumsum(count) - count)
    return _Encounters(table, ids, owner, admission, discharge, unit, first, count)


def _pick_encounters(rng: np.random.Generator, stays: _Encounters, owner: np.ndarray) -> np.ndarray:
    """For each row owned by a patient, one of that patient's encounters."""
    offset = np.floor(rng.random(owner.shape[0]) * stays.count[owner]).astype(np.int64)
    return stays.first[owner] + offset


def _diagnoses(rng: np.random.Generator, people: _Patients, stays: _Encounters) -> pa.Table:
    m = stays.owner.shape[0]
    main = people.condition[stays.owner]
    # A secondary diagnosis, always different from the main one.
    secondary_rows = np.flatnonzero(rng.random(m) < SECONDARY_DIAGNOSIS_RATE)
    shift = rng.integers(1, len(CONDITIONS), secondary_rows.shape[0])
    secondary = (main[secondary_rows] + shift) % len(CONDITIONS)

    encounter = np.concatenate([np.arange(m), secondary_rows])
    condition = np.concatenate([main, secondary])
    rank = np.concatenate([np.zeros(m, np.int64), np.ones(secondary_rows.shape[0], np.int64)])
    order = np.lexsort((rank, encounter))
    encounter, condition = encounter[order], condition[order]
    diagnosis_day = _uniform_days(rng, stays.admission[encounter], stays.discharge[encounter])
    codes = np.asarray([c.icd10_code for c in CONDITIONS])[condition]
    return pa.Table.from_arrays(
        [
            _string_array(_ids("DG", encounter.shape[0], 9)),
            _string_array(people.ids[stays.owner[encounter]]),
            _string_array(stays.ids[encounter]),
            _string_array(codes),
            _date_array(diagnosis_day),
        ],
        schema=SCHEMAS["diagnoses"],
    )


def _measurements(rng: np.random.Generator, people: _Patients, stays: _Encounters) -> pa.Table:
    n = people.ids.shape[0]
    count = rng.integers(MEASUREMENTS_PER_PATIENT[0], MEASUREMENTS_PER_PATIENT[1] + 1, n)
    owner = np.repeat(np.arange(n), count)
    encounter = _pick_encounters(rng, stays, owner)
    measured_on = _uniform_days(rng, stays.admission[encounter], stays.discharge[encounter])
    measure = rng.integers(0, len(MEASURES), owner.shape[0])
    noise = rng.standard_normal(owner.shape[0])
    main_code = np.asarray([c.icd10_code for c in CONDITIONS])[people.condition[owner]]

    value = np.zeros(owner.shape[0])
    for index, spec in enumerate(MEASURES):
        rows = measure == index
        mean = np.where(np.isin(main_code[rows], spec.shifted_by), spec.shifted_mean, spec.mean)
        raw = np.clip(mean + spec.sd * noise[rows], spec.low, spec.high)
        value[rows] = np.round(raw, spec.decimals)

    order = np.lexsort((measure, measured_on, owner))
    owner, measured_on, measure, value = (
        owner[order],
        measured_on[order],
        measure[order],
        value[order],
    )
    return pa.Table.from_arrays(
        [
            _string_array(_ids("M", owner.shape[0], 10)),
            _string_array(people.ids[owner]),
            _date_array(measured_on),
            _string_array(np.asarray([s.code for s in MEASURES])[measure]),
            pa.array(value, type=pa.float64()),
            _string_array(np.asarray([s.unit for s in MEASURES])[measure]),
        ],
        schema=SCHEMAS["measurements"],
    )


def _doctors(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A pool of clinicians: 'Dr Prénom Nom' and an 11-digit RPPS number."""
    first = np.where(
        rng.random(DOCTORS) < 0.5,
        _pick(rng, FEMALE_FIRST_NAMES, DOCTORS),
        _pick(rng, MALE_FIRST_NAMES, DOCTORS),
    )
    names = _concat("Dr ", first, " ", _pick(rng, SURNAMES, DOCTORS))
    # RPPS numbers start with 10.
    rpps = _concat("10", _digits(rng.integers(0, 1_000_000_000, DOCTORS), 9))
    return names, rpps


def _written_name(style: int, first: str, last: str, female: bool) -> str:
    if style == 0:
        return f"{'Mme' if female else 'M.'} {first} {last.upper()}"
    if style == 1:
        return f"{first} {last}"
    if style == 2:
        return f"{last.upper()} {first}"
    return f"{'Madame' if female else 'Monsieur'} {last}"


def _written_date(day: date, long_form: bool) -> str:
    if not long_form:
        return day.strftime("%d/%m/%Y")
    day_text = "1er" if day.day == 1 else str(day.day)
    return f"{day_text} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _notes(rng: np.random.Generator, people: _Patients, stays: _Encounters) -> pa.Table:
    n = people.ids.shape[0]
    count = rng.integers(NOTES_PER_PATIENT[0], NOTES_PER_PATIENT[1] + 1, n)
    owner = np.repeat(np.arange(n), count)
    k = owner.shape[0]
    encounter = _pick_encounters(rng, stays, owner)
    written_on = stays.discharge[encounter]
    doctor_names, doctor_rpps = _doctors(rng)
    author = rng.integers(0, DOCTORS, k)
    # Every random choice is drawn up front, vectorised; the loop below only formats.
    template = rng.integers(0, len(NOTE_TEMPLATES), k)
    name_style = rng.integers(0, 4, k)
    nir_spaced = rng.random(k) < 0.5
    phone_style = rng.integers(0, len(PHONE_STYLES), k)
    dob_long = rng.random(k) < 0.5
    history = rng.integers(0, len(HISTORY_PHRASES), k)
    exam = rng.integers(0, len(EXAM_PHRASES), k)
    glasgow = rng.integers(13, 16, k)
    babinski = _pick(rng, ("absent", "négatif", "présent à droite"), k)
    hba1c = np.round(rng.normal(6.8, 1.1, k).clip(4.5, 13.0), 1)

    epoch = date(1970, 1, 1)
    texts = []
    for row in range(k):
        p, e = int(owner[row]), int(encounter[row])
        female = bool(people.sex[p] == "F")
        birth = epoch + timedelta(days=int(people.birth_days[p]))
        written = epoch + timedelta(days=int(written_on[row]))
        condition = CONDITIONS[int(people.condition[p])]
        nir = str(people.nir[p])
        fields = {
            "e": "e" if female else "",
            "name": _written_name(
                int(name_style[row]), str(people.first_name[p]), str(people.last_name[p]), female
            ),
            "dob": _written_date(birth, bool(dob_long[row])),
            "age": _age(birth, written),
            "written": _written_date(written, long_form=False),
            "ipp": int(people.ipp[p]),
            "nda": str(stays.ids[e])[len("NDA") :],
            "nir": format_nir(nir[:13], spaced=True) if nir_spaced[row] else nir,
            "phone": _format_phone(
                str(people.phone_first_digit[p]),
                people.phone_pairs[p].tolist(),
                int(phone_style[row]),
            ),
            "email": str(people.email[p]),
            "address": f"{people.address[p]}, {people.postcode[p]} {people.city[p]}",
            "unit": str(stays.unit[e]),
            "label": condition.label,
            "icd": condition.icd10_code,
            "treatment": condition.treatment,
            "history": HISTORY_PHRASES[int(history[row])],
            "exam": EXAM_PHRASES[int(exam[row])],
            "glasgow": int(glasgow[row]),
            "babinski": str(babinski[row]),
            "hba1c": f"{hba1c[row]:.1f}".replace(".", ","),
            "doctor": str(doctor_names[author[row]]),
            "rpps": str(doctor_rpps[author[row]]),
        }
        texts.append(NOTE_TEMPLATES[int(template[row])].format(**fields))

    order = np.lexsort((written_on, owner))
    return pa.Table.from_arrays(
        [
            _string_array(_ids("NOTE", k, 9)),
            _string_array(people.ids[owner[order]]),
            _date_array(written_on[order]),
            _string_array(doctor_names[author[order]]),
            pa.array([texts[i] for i in order], type=pa.string()),
        ],
        schema=SCHEMAS["notes"],
    )


def _consents_for_purpose(
    rng: np.random.Generator, purpose: str, people: _Patients, reference_day: int
) -> dict[str, np.ndarray]:
    n = people.ids.shape[0]
    cumulative = np.cumsum(CONSENT_RATES[purpose])
    # Index into CONSENT_CATEGORIES; len(CONSENT_CATEGORIES) means no consent.
    category = np.asarray(np.searchsorted(cumulative, rng.random(n), side="right"))
    has_consent = category < len(CONSENT_CATEGORIES)
    owner = np.flatnonzero(has_consent)
    category = category[has_consent]
    m = owner.shape[0]
    label = np.asarray(CONSENT_CATEGORIES)[category]

    # given_on <= D - 2 leaves room for a withdrawal or an expiry strictly before D.
    earliest = np.maximum(people.birth_days[owner], reference_day - CONSENT_HISTORY_DAYS)
    latest = np.full(m, reference_day - 2)
    given = _uniform_days(rng, np.minimum(earliest, latest), latest)
    before_reference = _uniform_days(rng, given + 1, np.full(m, reference_day - 1))

    withdrawn = label == "withdrawn"
    expired = label == "expired"
    open_ended = rng.random(m) < OPEN_ENDED_CONSENT_RATE
    future = reference_day + rng.integers(1, MAX_FUTURE_VALIDITY_DAYS + 1, m)
    valid_until = np.where(expired, before_reference, future)
    has_valid_until = expired | (~open_ended & (label != "refused"))
    status = np.where(expired, "active", label)
    return {
        "owner": owner,
        "purpose_rank": np.full(m, PURPOSES.index(purpose)),
        "purpose": np.full(m, purpose),
        "status": status,
        "given_on": given,
        "withdrawn_on": before_reference,
        "has_withdrawn_on": withdrawn,
        "valid_until": valid_until,
        "has_valid_until": has_valid_until,
    }


def _consents(rng: np.random.Generator, people: _Patients, reference_day: int) -> pa.Table:
    parts = [_consents_for_purpose(rng, p, people, reference_day) for p in PURPOSES]
    rows = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.lexsort((rows["purpose_rank"], rows["owner"]))
    rows = {key: values[order] for key, values in rows.items()}
    return pa.Table.from_arrays(
        [
            _string_array(_ids("C", order.shape[0], 9)),
            _string_array(people.ids[rows["owner"]]),
            _string_array(rows["purpose"]),
            _string_array(rows["status"]),
            _date_array(rows["given_on"]),
            _date_array(rows["withdrawn_on"], valid=rows["has_withdrawn_on"]),
            _date_array(rows["valid_until"], valid=rows["has_valid_until"]),
        ],
        schema=SCHEMAS["consents"],
    )


# --- Entry points ---------------------------------------------------------------------


def build_tables(
    patients: int,
    seed: int = DEFAULT_SEED,
    reference_date: date = DEFAULT_REFERENCE_DATE,
) -> dict[str, pa.Table]:
    """The synthetic population in memory, one Arrow table per name in SOURCE_TABLES."""
    _check_size(patients)
    rng = np.random.default_rng(seed)
    reference_day = _epoch_day(reference_date)
    people = _patients(rng, patients, reference_day)
    stays = _encounters(rng, people, reference_day)
    return {
        "patients": people.table,
        "encounters": stays.table,
        "diagnoses": _diagnoses(rng, people, stays),
        "measurements": _measurements(rng, people, stays),
        "notes": _notes(rng, people, stays),
        "consents": _consents(rng, people, reference_day),
    }


def generate_population(
    out_dir: Path,
    patients: int,
    seed: int = DEFAULT_SEED,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Write one Parquet file per table into `out_dir`, atomically; rows per table.

    `progress(table, rows)` is called after each table is written (to the staging
    folder). An existing `out_dir` written by a previous run is replaced as a whole;
    any other non-empty folder is refused rather than deleted.
    """
    _check_size(patients)
    _check_replaceable(out_dir)
    tables = build_tables(patients, seed, reference_date)
    marker = {
        "generator": "sovex.synth.population",
        "patients": patients,
        "seed": seed,
        "reference_date": reference_date.isoformat(),
    }
    source = {name: tables[name] for name in SOURCE_TABLES}
    return write_source_folder(out_dir, source, tables["consents"], seed, marker, progress)


def write_source_folder(
    out_dir: Path,
    tables: Mapping[str, pa.Table],
    consents: pa.Table,
    seed: int,
    marker: dict[str, Any],
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """One Parquet file per table, the consents as the portal exports them and the
    generator's marker (`marker` plus rows and consent-file counts), written to a staging
    folder beside `out_dir` and moved into place whole; a failure leaves no partial folder.
    Rows per table."""
    rows = {name: table.num_rows for name, table in tables.items()}
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        for name, table in tables.items():
            pq.write_table(
                table,
                staging / f"{name}.parquet",
                compression="zstd",
                row_group_size=SOURCE_ROW_GROUP_ROWS,
            )
            if progress is not None:
                progress(name, rows[name])
        # The patients' choices as the consent portal exports them (FHIR Bulk Data
        # NDJSON): what `sovex consent sync` loads into the consent registry.
        fhir = write_consents_ndjson(
            consents,
            staging / FHIR_CONSENTS_FILE,
            np.random.default_rng([seed, FHIR_SEED_STREAM]),
        )
        if progress is not None:
            progress(FHIR_CONSENTS_FILE, fhir.lines)
        written = {
            **marker,
            "rows": rows,
            "fhir_consents": {
                "file": FHIR_CONSENTS_FILE,
                "lines": fhir.lines,
                "versions": fhir.versions,
                "malformed": fhir.malformed,
            },
        }
        (staging / MARKER_FILE).write_text(json.dumps(written, indent=2, sort_keys=True) + "\n")
        _move_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return rows


def _check_size(patients: int) -> None:
    if not 1 <= patients <= MAX_PATIENTS:
        raise InvalidInput(
            f"patients must be between 1 and {MAX_PATIENTS}; provided value is {patients}"
        )


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace anything `sovex synth` did not write (we delete what we replace)."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InvalidInput(f"{out_dir}: synthetic source folder is a file; choose a folder")
    if (out_dir / MARKER_FILE).is_file() or not any(out_dir.iterdir()):
        return
    raise InvalidInput(
        f"{out_dir}: folder is not empty and was not written by `sovex synth` "
        f"(no {MARKER_FILE}); choose a new or empty folder"
    )


def _move_into_place(staging: Path, out_dir: Path) -> None:
    """Swap the fully written staging folder in; the previous source goes only after."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = staging.with_name(staging.name.replace(".partial-", ".old-"))
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    shutil.rmtree(retired)
