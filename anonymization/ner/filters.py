"""What the NER model proposes, checked before it is trusted.

A model trained on generated notes over-reads the ordinary words of real ones ("à
tester", "Entrée", "RESPIRATION", "BRAF"). A span it tags is dropped when it holds no
letter, when it is one all-capitals word of 2 to 5 letters no lexicon knows (an acronym), or
when every word of it is a frequent dictionary word of the language
(`anonymization.lexicons.common_words`) that no name lexicon knows, unless a title or a
role word stands just before it ("dr marchand", "sa fille rose" stay names).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from anonymization.lexicons import LANGUAGES, common_words, lexicon
from anonymization.medical_terms import is_unknown_acronym

_WORD: Final = re.compile(r"[^\W\d_]+")
_TITLE_BEFORE: Final = re.compile(
    r"(?i:\b(?:dr|docteur|doctor|pr|professeur|mme|madame|mlle|mademoiselle|m|monsieur|mr|mrs"
    r"|ms|miss|sister|sr|ide|as|interne|fille|fils|femme|mari|épouse|epoux|époux|sœur|soeur"
    r"|frère|frere|mère|mere|père|pere|wife|husband|daughter|son|brother|mother|father)"
    r"\.?[ \t]*[:,]?[ \t]*)$"
)


@cache
def _name_words(language: str) -> frozenset[str]:
    """Every name any lexicon knows, whatever the language ("Rose", "Marchand" included)."""
    return frozenset().union(
        *(lexicon(kind, lang).lower for kind in ("first_names", "surnames") for lang in LANGUAGES)
    )


def model_span_is_plausible(text: str, start: int, end: int, language: str) -> bool:
    words = _WORD.findall(text[start:end])
    if not words or is_unknown_acronym(text[start:end]):
        return False
    common = common_words(language)
    names = _name_words(language)
    if any(w.lower() not in common or w.lower() in names for w in words):
        return True
    return _TITLE_BEFORE.search(text, max(0, start - 25), start) is not None
