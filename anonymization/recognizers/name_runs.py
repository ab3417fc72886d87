"""Untitled names in a run of capitalised words: "Claire Martin", "DUPONT Claire",
"Jean-Pierre Le Gall", "Claire DUPONT", "Anne DA SILVA".

A run is a name when it holds a known first name, or one word in capitals beside one that
is not. Acronyms, drugs, stop words and dictionary words beside an acronym ("Denies SI",
"Pulmonary TB") make no name; in a note written in capitals, the dictionary words at the
edges of a run are cut off ("ANNA GRANT NEEDS CONSENT" gives "ANNA GRANT").
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Final

from anonymization.recognizers.person_words import (
    PARTICLES,
    dictionary_words_not_names,
    is_drug,
    is_edge_noise,
    is_first_name,
    is_stopword,
    is_upper_surname,
    is_word_and_acronym,
)

FIRST_NAME_AND_UPPER_SURNAME_SCORE: Final = 0.85
KNOWN_FIRST_NAME_SCORE: Final = 0.75
UPPER_SURNAME_SCORE: Final = 0.6

_RUN_WORD: Final = re.compile(r"[^ \t\u00a0]+")
_LAB_VALUE_NEXT: Final = re.compile(r"[ \t\u00a0]*[<>=:]?[ \t\u00a0]*\d")


def name_in_run(text: str, start: int, end: int) -> tuple[int, int, float] | None:
    """The name in a run of capitalised words, with its score, or None."""
    words = [(m.start(), m.end(), m.group()) for m in _RUN_WORD.finditer(text, start, end)]
    while words and is_edge_noise(words[0][2]):
        words.pop(0)
    while words and is_edge_noise(words[-1][2]):
        words.pop()
    names = [word for _, _, word in words if word not in PARTICLES]
    if len(names) < 2:
        return None
    if all(word.isupper() for _, _, word in words):
        # A note in capitals: its dictionary words border names, they are not names
        # ("ANNA GRANT NEEDS CONSENT FORM"; "SAID IT WAS FINE", "VITAL SIGNS": nobody).
        dictionary = dictionary_words_not_names()
        while words and words[-1][2].lower() in dictionary:
            words.pop()
        while words and words[0][2].lower() in dictionary:
            words.pop(0)
        names = [word for _, _, word in words if word not in PARTICLES]
        if len(names) < 2:
            return None
    score = None
    for first, second in pairwise(names):
        if (
            is_first_name(first)
            and is_upper_surname(second)
            and not is_word_and_acronym(first, second)
        ):
            score = FIRST_NAME_AND_UPPER_SURNAME_SCORE
            break
        if is_first_name(first) or is_first_name(second):
            score = KNOWN_FIRST_NAME_SCORE
        elif score is None and is_upper_surname(first) != is_upper_surname(second):
            # "Claire DUPONT" or "DUPONT Claire": one word in capitals, one not.
            other = second if first.isupper() else first
            # "Requip LP", "Xalatan OG": a drug and its form or eye, not "Claire DUPONT";
            # "Denies SI", "Pulmonary TB": a dictionary word and an acronym.
            if (
                not other.isupper()
                and not is_stopword(other)
                and not is_drug(other)
                and not is_word_and_acronym(other, second if other is first else first)
            ):
                score = UPPER_SURNAME_SCORE
    if score is None:
        return None
    if (
        score == UPPER_SURNAME_SCORE
        and words[-1][2].isupper()
        and _LAB_VALUE_NEXT.match(text, words[-1][1])
    ):
        # "Contrôle FC 72/min", "Douleur MELD 18": an unknown acronym and its value.
        return None
    return words[0][0], words[-1][1], score
