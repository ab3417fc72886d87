"""A spaCy component that tells the NER which tokens are known names or places.

It rewrites a token's NORM (one of the features the model's token encoder reads) to a
class marker when the word, in any casing, is an unambiguous entry of the lexicons: a
given name, a surname, a town, or several of these. The model then learns how such
words behave in context once, rather than memorising thousands of spellings, and a name
it never saw in training is still recognised when the lexicon knows it. Words that are
also common words of the language ("Rose", "Marchand", "Sens") keep their own norm: for
them, context decides.

The component must be registered (this module imported) before the model is loaded.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from spacy.language import Language
from spacy.tokens import Doc

from anonymization.lexicons import lexicon, unambiguous_names

FACTORY: Final = "sovex_lexicon_norms"
FIRST: Final = "⟨prénom⟩"
SURNAME: Final = "⟨nom⟩"
PLACE: Final = "⟨lieu⟩"
NAME: Final = "⟨prénom|nom⟩"
NAME_OR_PLACE: Final = "⟨nom|lieu⟩"


@cache
def lexicon_classes(language: str) -> dict[str, str]:
    """Lower-case word → its class marker, for every unambiguous lexicon entry."""
    first = unambiguous_names("first_names", language)
    surnames = unambiguous_names("surnames", language)
    places = {p for p in lexicon("places", language).unambiguous if " " not in p}
    classes: dict[str, str] = {}
    for word in first | surnames | places:
        is_first, is_surname, is_place = word in first, word in surnames, word in places
        if is_place and (is_first or is_surname):
            classes[word] = NAME_OR_PLACE
        elif is_place:
            classes[word] = PLACE
        elif is_first and is_surname:
            classes[word] = NAME
        else:
            classes[word] = FIRST if is_first else SURNAME
    return classes


class LexiconNorms:
    def __init__(self, language: str) -> None:
        self.language = language
        self.classes = lexicon_classes(language)

    def __call__(self, doc: Doc) -> Doc:
        classes = self.classes
        for token in doc:
            marker = classes.get(token.lower_)
            if marker is not None:
                token.norm_ = marker
        return doc


@Language.factory(FACTORY, default_config={"language": "fr"})
def make_lexicon_norms(nlp: Language, name: str, language: str) -> LexiconNorms:
    return LexiconNorms(language)
