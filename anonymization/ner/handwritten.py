"""Hand-annotated documents as training material, each turned into many variants.

The generated corpus teaches the model its templates' sentences; hand-written documents
carry what templates lack (headers, tables, messages, the order real people write in).
So that the model learns the *contexts* and not the few names these documents hold, each
variant replaces every name, town, postcode, establishment, organisation and street
with invented values (the lexicons and the generators of `establishments`), the same
value for the same original within a variant, in the original's casing; some variants
are then made noisy the way the generated corpus is (lower case, capitals, no accents).

Only the labels the model predicts are kept as spans; dates, numbers and contacts stay
as written and unlabelled (the rules find them). Deterministic: same documents, count
and seed, same variants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from random import Random

from anonymization.lexicons import fold, lexicon
from anonymization.ner import establishments, values
from anonymization.ner.slots import HOSPITAL, LABELS, LOCATION, ORGANIZATION, PERSON
from anonymization.ner.training_corpus import Example
from anonymization.ner.writer import CaseNoise, Writer
from anonymization.surrogates import INITIAL_LETTERS, PARTICLES, same_case

# One variant in this many keeps the document's own values (the rest are swapped).
ORIGINAL_EVERY = 8
_ELIDED = re.compile(r"^([dlDLoO]['’])(.{2,})$")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _cased_like(original: str, value: str) -> str:
    """An establishment or a place in the original's capitals or lower case; otherwise as
    drawn, its inner capitals kept ("Clinique Saint-Jean"; `same_case` would lower them)."""
    if original.isupper() and len(original) > 1:
        return value.upper()
    if original.islower():
        return value.lower()
    return value


def _shape_like(rng: Random, original: str) -> str:
    """A postcode or code of the same shape: digits for digits, capitals for capitals."""
    out = []
    for char in original:
        if char.isdigit():
            out.append(rng.choice("0123456789"))
        elif char.isalpha():
            letter = rng.choice("ABCDEFGHJKLMNPRSTUWXYZ")
            out.append(letter if char.isupper() else letter.lower())
        else:
            out.append(char)
    return "".join(out)


@cache
def _given_names(language: str) -> frozenset[str]:
    return frozenset(fold(name) for name in lexicon("first_names", language).names)


class _Swapper:
    """One variant's replacements, remembered so that a value repeated in the document is
    replaced the same way each time (names by word, so 'MARTIN' and 'Martin' agree)."""

    def __init__(self, rng: Random, language: str) -> None:
        self.rng = rng
        self.language = language
        self.words: dict[str, str] = {}
        self.values: dict[tuple[str, str], str] = {}

    def _name_word(self, word: str) -> str:
        key = fold(word)
        if key not in self.words:
            if key in _given_names(self.language) and self.rng.random() < 0.8:
                self.words[key] = values.first_name(self.rng, self.language)
            else:
                self.words[key] = values.surname(self.rng, self.language)
        return same_case(word, self.words[key])

    def person(self, original: str) -> str:
        def swap(match: re.Match[str]) -> str:
            word = match.group()
            if len(word) == 1:  # an initial
                key = f"initial:{word.upper()}"
                if key not in self.words:
                    self.words[key] = self.rng.choice(INITIAL_LETTERS)
                return same_case(word, self.words[key])
            if fold(word) in PARTICLES:
                return word
            elided = _ELIDED.match(word)
            if elided:  # "d'Arc", "O'Brien": the particle stays, the name is swapped
                return elided.group(1) + self._name_word(elided.group(2))
            return self._name_word(word)

        return _WORD.sub(swap, original)

    def other(self, label: str, original: str) -> str:
        key = (label, fold(original))
        if key not in self.values:
            self.values[key] = self._draw(label, original)
        return _cased_like(original, self.values[key])

    def _draw(self, label: str, original: str) -> str:
        rng, language = self.rng, self.language
        if label == LOCATION:
            if any(char.isdigit() for char in original):
                return _shape_like(rng, original)
            return values.place(rng, language)
        if label == HOSPITAL:
            return establishments.hospital(rng, language)
        if label == ORGANIZATION:
            return establishments.organization(rng, language)
        return establishments.street_address(rng, language)


# Less noise than the generated corpus: these documents already vary as people write.
VARIANT_NOISE = CaseNoise(lower=0.08, upper=0.04, no_accents=0.06)


def variant(
    text: str, spans: Iterable[tuple[int, int, str]], language: str, rng: Random, swap: bool
) -> Example:
    """One variant of a document: its model-label spans swapped (or kept when `swap` is
    false), the other spans left as plain text."""
    swapper = _Swapper(rng, language)
    writer = Writer()
    position = 0
    for start, end, label in sorted(s for s in spans if s[2] in LABELS):
        if start < position:  # overlapping gold: keep the first
            continue
        writer.text(text[position:start])
        original = text[start:end]
        if not swap:
            replacement = original
        elif label == PERSON:
            replacement = swapper.person(original)
        else:
            replacement = swapper.other(label, original)
        writer.ent(replacement, label)
        position = end
    writer.text(text[position:])
    rendered, rendered_spans = writer.render(VARIANT_NOISE.draw(rng, language) if swap else None)
    return Example(rendered, tuple(rendered_spans), "handwritten")


def variants(
    documents: Sequence[tuple[str, Sequence[tuple[int, int, str]]]],
    language: str,
    per_document: int,
    seed: int,
) -> list[Example]:
    """`per_document` variants of each (text, spans) document, the first of every
    `ORIGINAL_EVERY` with the document's own values."""
    rng = Random(f"ner-handwritten:{seed}:{language}")
    examples = []
    for text, spans in documents:
        for number in range(per_document):
            examples.append(variant(text, spans, language, rng, swap=number % ORIGINAL_EVERY != 0))
    return examples
