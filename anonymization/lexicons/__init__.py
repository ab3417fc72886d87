"""Committed word lists (given names, surnames, places, drugs) read once, at first use.

Their sources, versions and licences are in `SOURCES.md`; `make lexicons` rebuilds them.
Each list is a `Lexicon`: the names as written, and the lower-case forms of those that
are *not* very frequent words of the language (`ambiguous_words`: a name such as "Rose"
or a town such as "Tours" needs context before it is taken for an identifier; "Benoît"
or "Caron", rarer words too, do not).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

LEXICON_DIR: Final = Path(__file__).parent
LANGUAGES: Final = ("fr", "en")
# French notes name the communes of France and the large cities abroad patients come from
# or go to ("née à Dakar"); English notes, the towns of the English-speaking countries.
FILES: Final = {
    ("first_names", "fr"): ("first_names_fr.tsv",),
    ("first_names", "en"): ("first_names_en.tsv",),
    ("surnames", "fr"): ("surnames_fr.tsv",),
    ("surnames", "en"): ("surnames_en.tsv",),
    ("places", "fr"): ("communes_fr.tsv", "world_cities.tsv"),
    ("places", "en"): ("places_en.tsv",),
    # France's communes alone: what the NER model's training corpus draws its towns from.
    ("communes", "fr"): ("communes_fr.tsv",),
}


def fold(text: str) -> str:
    """Lower case without accents: "NERAC" finds "Nérac", "Sjogren" equals "Sjögren"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class Lexicon:
    names: tuple[str, ...]  # as written in the source, sorted
    weights: tuple[int, ...]  # holders or inhabitants (0 when the source gives none)
    lower: frozenset[str]  # every name, lower case
    unambiguous: frozenset[str]  # lower-case names that are not common words


def _read(file_names: tuple[str, ...], language: str) -> Lexicon:
    rows = []
    for file_name in file_names:
        with (LEXICON_DIR / file_name).open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    rows.sort(key=lambda row: row["name"])
    names = tuple(row["name"] for row in rows)
    count_column = "count" if rows and "count" in rows[0] else "population"
    weights = tuple(int(row.get(count_column) or 0) for row in rows)
    lower = frozenset(name.lower() for name in names)
    return Lexicon(names, weights, lower, lower - ambiguous_words(language))


@cache
def lexicon(kind: str, language: str) -> Lexicon:
    """One of `first_names`, `surnames`, `places` for "fr" or "en", or the French
    `communes` (the places without the cities abroad)."""
    if (kind, language) not in FILES:
        raise ValueError(f"no lexicon {kind!r} for language {language!r}")
    return _read(FILES[(kind, language)], language)


@cache
def drug_names() -> frozenset[str]:
    """Drug names (brands and molecules), lower case."""
    lines = (LEXICON_DIR / "drugs.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return frozenset(line.strip() for line in lines if line.strip())


@cache
def drug_vocabulary() -> frozenset[str]:
    """Every drug name known: `drug_names` and the English generic and brand names
    (`drugs_en.tsv`, which holds no name, place or common word of the other lists)."""
    lines = (LEXICON_DIR / "drugs_en.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return drug_names() | frozenset(line.strip() for line in lines if line.strip())


@cache
def training_text(kind: str, language: str) -> tuple[str, ...]:
    """Training material for the NER model: `phrases` (medical, from ICD-10 labels) or
    `words` (common words of the language); see SOURCES.md."""
    if kind not in ("phrases", "words") or language not in LANGUAGES:
        raise ValueError(f"no training text {kind!r} for language {language!r}")
    path = LEXICON_DIR / f"training_{kind}_{language}.tsv"
    return tuple(line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line)


@cache
def common_words(language: str) -> frozenset[str]:
    """Frequent lower-case words of the language that are dictionary words, not names."""
    if language not in LANGUAGES:
        raise ValueError(f"no common words for language {language!r}")
    path = LEXICON_DIR / f"common_words_{language}.tsv"
    return frozenset(line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line)


@cache
def dictionary_words() -> frozenset[str]:
    """The common words of both languages, lower case."""
    return frozenset().union(*(common_words(language) for language in LANGUAGES))


@cache
def words_not_names(kinds: tuple[str, ...] = ("first_names", "surnames")) -> frozenset[str]:
    """Common words of either language that none of these lexicons (of either language)
    holds: "rectum", "terminal", "ongoing" are never anyone's name."""
    names = frozenset().union(
        *(lexicon(kind, language).lower for kind in kinds for language in LANGUAGES)
    )
    return dictionary_words() - names


@cache
def unambiguous_names(kind: str, language: str) -> frozenset[str]:
    """Lower-case names of `kind` to trust in a text of `language`: the language's own
    unambiguous names, and the other language's that are not ambiguous words here (a
    French hospital treats Kevin and Jessica, a London one Yvonne and Gaëtan)."""
    own = lexicon(kind, language).unambiguous
    others = frozenset().union(
        *(lexicon(kind, other).unambiguous for other in LANGUAGES if other != language)
    )
    return own | (others - ambiguous_words(language))


@cache
def ambiguous_words(language: str) -> frozenset[str]:
    """Dictionary words so frequent that a name spelled like them is ambiguous."""
    if language not in LANGUAGES:
        raise ValueError(f"no ambiguous words for language {language!r}")
    path = LEXICON_DIR / f"ambiguous_words_{language}.tsv"
    return frozenset(line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line)


def is_unknown_acronym(span: str) -> bool:
    """A span that is one all-capitals word of 2 to 5 letters that no lexicon knows as a
    name or a place: an acronym or a gene ("BRAF", "TIMI", "BLSE"), not "ROUX" or "REIMS";
    or such acronyms joined by hyphens ("MDS-UPDRS", "BI-RADS", "TEP-TDM")."""
    parts = span.split("-")
    return all(
        _ACRONYM_PART.fullmatch(part) is not None
        and (len(parts) > 1 or len(part) >= 2)
        and part.lower() not in names_and_places()
        for part in parts
    )


# An acronym part: capitals, and maybe a number ("MSH6", "FLAURA2", "L1").
_ACRONYM_PART: Final = re.compile(r"[A-Z]{1,5}\d{0,2}")


@cache
def names_and_places() -> frozenset[str]:
    """Every name and place the lexicons know, lower case ("ROUX", "REIMS" are not acronyms)."""
    return frozenset().union(
        *(
            lexicon(kind, language).lower
            for kind in ("first_names", "surnames", "places")
            for language in ("fr", "en")
        )
    )


# A dictionary word this short may be a nickname ("Dot", "Win", "Bear"); a longer one a
# name detector took by mistake ("Medical", "Office").
MAX_NICKNAME_LENGTH: Final = 4

_LETTERS: Final = re.compile(r"[^\W\d_]{3,}")


@cache
def medical_words(language: str) -> frozenset[str]:
    """Words of the ICD-10 labels (`training_text("phrases", …)`), lower case, that no name
    or place lexicon holds: "knee", "cardiac", "gastrointestinal" (not "parkinson")."""
    words = {
        match.group().lower()
        for phrase in training_text("phrases", language)
        for match in _LETTERS.finditer(phrase)
    }
    return frozenset(words - names_and_places())
