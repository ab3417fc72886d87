"""Places no list holds, named after a word that says where someone goes, lives or is
seen: "her key worker from Fernbank", "will telephone Fernbank", "pharmacy tech at
Walgreens", "pt lives Amble", "sent to Labtests", "transféré à Kerbrat".

Care homes, day centres, pharmacies, small hospitals and villages are often written
without a head word, and no gazetteer holds them all. After such a cue, one to three
capitalised words are taken when none is a word of either language, a drug, a medical
word or an acronym ("referral to the Parkinson's nurse", "switch to Vabysmo", "moved via
Stryker chair" stay): what is left is a name, and a name there is a place (or a person,
which is as identifying).
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.lexicons import common_words, drug_vocabulary, medical_words
from anonymization.recognizers.date_recognizer import WEEKDAYS_AND_PLURALS
from anonymization.recognizers.person_words import is_acronym

_CUE: Final = re.compile(
    r"(?i:\b(?:transfer(?:red)?|admitted|discharged|referred|moved|returned|attends?|attended"
    r"|follow(?:ed)?[- ]?up|f/u|seen|telephone|ring|rang|phone|call(?:ed)?|sent|faxed|booked"
    r"|lives|living|resides|staying|collected|visit(?:ed|s)?|from|to|at|via"
    r"|transf[ée]r[ée]e?|hospitalis[ée]e?|adress[ée]e?|suivie?|vit|habite|rentre|retour"
    r"|depuis|chez|vers)\b)"
    r"[ \t]+(?:(?i:to|at|from|in|à|au|sur|de)[ \t]+)?(?:(?i:the)[ \t]+)?"
    r"(?P<value>[A-ZÀ-Þ][a-zß-ÿ'’]+(?:[ -][A-ZÀ-Þ][a-zß-ÿ'’]+){0,2})(?![\w'’-])"
)
_WORD_SPLIT: Final = re.compile(r"[ -]")


def _is_unknown(word: str) -> bool:
    lowered = word.lower().removesuffix("'s").removesuffix("’s")
    return not (
        lowered in common_words("en")
        or lowered in common_words("fr")
        or lowered in medical_words("en")
        or lowered in medical_words("fr")
        or lowered in drug_vocabulary()
        or is_acronym(word)
        or lowered in WEEKDAYS_AND_PLURALS  # "moved to Wednesdays"
    )


def names_after_place_cues(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each unknown name right after a place cue."""
    return [
        match.span("value")
        for match in _CUE.finditer(text)
        if all(_is_unknown(word) for word in _WORD_SPLIT.split(match.group("value")))
    ]
