"""Invented values for the NER training corpus: names, places, establishments, employers,
addresses, and the medical vocabulary that must stay unlabelled.

Names and places are drawn from the committed lexicons (`anonymization.lexicons`), so the
model sees tens of thousands of real-world spellings, never the short lists of the
benchmark's templates. Everything is drawn from the `Random` passed in: same seed, same
corpus.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from random import Random

from anonymization.lexicons import Lexicon, lexicon
from anonymization.medical_terms import EPONYMS


@dataclass(frozen=True)
class WeightedList:
    values: tuple[str, ...]
    cumulative: tuple[float, ...]

    def draw(self, rng: Random) -> str:
        point = rng.random() * self.cumulative[-1]
        return self.values[bisect.bisect_right(self.cumulative, point)]


def _weighted(values: Sequence[str], weights: Sequence[float]) -> WeightedList:
    return WeightedList(tuple(values), tuple(itertools.accumulate(weights)))


@cache
def first_names(language: str) -> WeightedList:
    # Flattened frequencies (square root) so that rarer names are seen often enough.
    lex = lexicon("first_names", language)
    return _weighted(lex.names, [max(w, 1) ** 0.5 for w in lex.weights])


@cache
def surnames(language: str) -> WeightedList:
    lex = lexicon("surnames", language)
    return _weighted(lex.names, [max(w, 1) ** 0.3 for w in lex.weights])


def _town_lexicon(language: str) -> Lexicon:
    # French notes are generated with France's communes: the cities abroad the scrubber
    # also knows reach the model through the lexicon markers, not through training.
    return lexicon("communes" if language == "fr" else "places", language)


@cache
def places(language: str) -> WeightedList:
    lex = _town_lexicon(language)
    return _weighted(lex.names, [max(w, 100) ** 0.35 for w in lex.weights])


@cache
def big_places(language: str) -> tuple[str, ...]:
    lex = _town_lexicon(language)
    threshold = 60_000 if language == "fr" else 150_000
    return tuple(n for n, w in zip(lex.names, lex.weights, strict=True) if w >= threshold)


# Notes name people of every origin: a share of names comes from the other language's lists.
OTHER_LANGUAGE_SHARE = 0.25


def _source(rng: Random, language: str) -> str:
    if rng.random() < OTHER_LANGUAGE_SHARE:
        return "en" if language == "fr" else "fr"
    return language


def first_name(rng: Random, language: str) -> str:
    name = first_names(_source(rng, language)).draw(rng)
    if language == "fr" and rng.random() < 0.06:
        name = f"{name}-{first_names(language).draw(rng)}"
    return name


def surname(rng: Random, language: str) -> str:
    name = surnames(_source(rng, language)).draw(rng)
    if rng.random() < 0.04:
        name = f"{name}-{surnames(language).draw(rng)}"
    return name


def place(rng: Random, language: str) -> str:
    if rng.random() < 0.3:
        return rng.choice(big_places(language))
    return places(language).draw(rng)


def cased(rng: Random, value: str, upper: float = 0.0, lower: float = 0.0) -> str:
    roll = rng.random()
    if roll < upper:
        return value.upper()
    if roll < upper + lower:
        return value.lower()
    return value


def digits(rng: Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def fr_postcode(rng: Random) -> str:
    department = rng.choice([f"{d:02d}" for d in range(1, 96) if d != 20] + ["20", "97"])
    return department + digits(rng, 3)


# --- medical vocabulary that looks like names (must stay unlabelled) --------------------

EPONYM_WORDS: tuple[str, ...] = tuple(
    e[:1].upper() + e[1:] for e in EPONYMS if e.replace("-", "").isalpha()
)
FR_EPONYM_HEADS = (
    "maladie de", "syndrome de", "signe de", "score de", "test de", "manœuvre de",
    "classification de", "stade de", "triade de", "critères de", "échelle de", "réflexe de",
)  # fmt: skip
FR_DEVICE_EPONYMS = (
    "sonde de Foley", "drain de Redon", "lame de Delbet", "pince de Kocher", "triangle de Calot",
    "canule de Mayo", "canule de Guedel", "aiguille de Huber", "sonde de Swan-Ganz",
    "liquide de Dakin", "position de Trendelenburg", "incision de Pfannenstiel",
    "angle de Treitz", "cul-de-sac de Douglas", "ampoule de Vater", "canal de Wirsung",
    "sphincter d'Oddi", "trompe d'Eustache", "tendon d'Achille", "faisceau de His",
    "triangle de Scarpa", "espace de Retzius", "fosse de Morison", "ligament de Cooper",
    "plaque de Peyer", "cellules de Langerhans", "îlots de Langerhans", "corps de Lewy",
    "cercle de Willis", "polygone de Willis", "sonde de Blakemore", "attelle de Zimmer",
    "test de Schirmer", "manœuvre de Jendrassik", "signe de Lhermitte", "sonde de Bakri",
    "ballon de Bakri", "forceps de Tarnier", "spatules de Thierry", "ventouse de Kiwi",
    "score d'Apgar", "score de Bishop", "classification de Hoehn et Yahr", "stade de Hoehn et Yahr",
    "score de Rankin", "score de Lawton", "grille AGGIR", "GIR 2", "score de Norton",
)  # fmt: skip
EN_DEVICE_EPONYMS = (
    "Foley catheter", "Redon drain", "Kocher clamp", "Calot's triangle", "Guedel airway",
    "Huber needle", "Swan-Ganz catheter", "Dakin's solution", "Trendelenburg position",
    "Pfannenstiel incision", "ligament of Treitz", "pouch of Douglas", "ampulla of Vater",
    "Achilles tendon", "bundle of His", "Scarpa's fascia", "Baker's cyst", "Smith's fracture",
    "Colles' fracture", "Hoehn and Yahr stage", "Bell's palsy", "Whipple procedure",
    "Glasgow Coma Scale", "Apgar score", "Bishop score", "modified Rankin scale",
    "Barthel index", "Waterlow score", "Braden score", "Wells score", "CURB-65",
    "Murphy's sign", "McBurney's point", "Romberg's test", "Lachman test", "Phalen's test",
    "Tinel's sign", "Kernig's sign", "Brudzinski's sign", "Babinski sign", "Cushing's triad",
    "Virchow's node", "Sister Mary Joseph nodule", "Heberden's nodes", "Bouchard's nodes",
    "Dupuytren's contracture", "Raynaud's phenomenon", "Parkinson's disease",
    "Alzheimer's disease", "Crohn's disease", "Hashimoto's thyroiditis", "Graves' disease",
    "Addison's disease", "Cushing's syndrome", "Guillain-Barré syndrome", "Hodgkin lymphoma",
    "Paget's disease", "Wilson's disease", "Still's disease", "Lewy body dementia",
    "Barrett's oesophagus", "Mallory-Weiss tear", "Meckel's diverticulum", "Osgood-Schlatter",
)  # fmt: skip
FR_SCORES = (
    "DAS28", "RASS", "BCLC", "ASIA A", "ASIA C", "NYHA III", "NYHA II", "MMSE 22/30",
    "MoCA 24/30", "CHA2DS2-VASc 4", "HAS-BLED 2", "Child-Pugh B7", "MELD 14", "NIHSS 6",
    "Glasgow 15", "GCS 13", "EVA 6/10", "EN 4/10", "Karnofsky 70 %", "OMS 1", "ECOG 2",
    "PS 1", "Rockwood 5", "ADL 4/6", "IADL 3/8", "GIR 3", "Braden 14", "Norton 12",
    "Gleason 3+4", "ISUP 2", "TNM pT2N0M0", "Breslow 1,2 mm", "SCORE2", "Wells 3",
    "Apgar 9/10", "Silverman 2", "CURB-65 2", "qSOFA 2", "SOFA 6", "IGS II 38",
)  # fmt: skip
FR_ACRONYMS = (
    "HTA", "AVC", "AIT", "IDM", "SCA", "ACFA", "FA", "BPCO", "IRC", "IRA", "DT2", "DNID",
    "SAOS", "TVP", "EP", "IC", "ICD", "HBP", "PTH", "PTG", "TDM", "IRM", "ETT", "ETO",
    "ECG", "EEG", "EMG", "EFR", "NFS", "CRP", "PCT", "BNP", "TSH", "HbA1c", "DFG", "INR",
    "TP", "TCA", "ASAT", "ALAT", "GGT", "PAL", "LDH", "CPK", "VS", "ECBU", "PL", "LCR",
    "SAU", "SMUR", "SAMU", "UHCD", "USIC", "REA", "SSR", "USLD", "HDJ", "HAD", "MCO",
    "IDE", "AS", "ASH", "IBODE", "IADE", "MK", "CCA", "PH", "PU-PH", "DES", "FFI",
)  # fmt: skip


def eponym_phrase(rng: Random, language: str) -> str:
    if language == "fr":
        if rng.random() < 0.5:
            return rng.choice(FR_DEVICE_EPONYMS)
        return f"{rng.choice(FR_EPONYM_HEADS)} {rng.choice(EPONYM_WORDS)}".replace("de A", "d'A")
    if rng.random() < 0.6:
        return rng.choice(EN_DEVICE_EPONYMS)
    word = rng.choice(EPONYM_WORDS)
    return f"{word}'s {rng.choice(('disease', 'syndrome', 'sign', 'test'))}"
