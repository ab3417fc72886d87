"""PERSON from the name lexicons, where no title or run of names frames it.

- A given name alone, capitalised or in capitals: "sa femme Yvonne", "Julie IDE",
  "Amitiés, Gaëtan", "Manip radio : Jessica", "| Monique |". Only names that are never
  common words (`anonymization.lexicons`): "Rose", "Pierre" and "Claude" need a frame.
- A surname in capitals (4 letters or more), as French notes write them: "NOM DE
  NAISSANCE : CARON", "| N'GUESSAN |", "MME LARRIEU"; on a line in capitals, not one that
  is also a word ("WARFARIN DOSE", "GROSS DESCRIPTION").
- A listed surname that is no word, opening a line before a comma: "Okafor, Review".
- Staff initials that a chart defines ("JT = Joanna Trewin"), wherever they appear.
- A name in lower case after a title, as dictated or typed in a hurry: "m. guillot",
  "mme lecomte odile", "dr le gall", "monsieur el amrani"; the word after the title is a
  name unless it is a function word, and a second word is taken when the lexicons know it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar, Final

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.lexicons import common_words, lexicon, unambiguous_names
from anonymization.recognizers.base import RegexRecognizer, ValuePattern
from anonymization.recognizers.date_recognizer import WEEKDAYS_AND_PLURALS
from anonymization.recognizers.first_characters import led_by_first_characters
from anonymization.recognizers.lexicon import NEVER_NAMES

LONE_FIRST_NAME_SCORE: Final = 0.6
UPPER_SURNAME_SCORE: Final = 0.55
LOWER_TITLED_SCORE: Final = 0.65
MIN_UPPER_SURNAME: Final = 4
MAX_ACRONYM_LIKE: Final = 3

_WORD: Final = re.compile(r"(?<![\w'’-])[^\W\d_][\w'’-]*(?<![-'’])")
_LOWER_TITLE: Final = led_by_first_characters(
    re.compile(
        r"(?<![\w.])(?:m\.|mme|mlle|mr\.?|mrs\.?|ms\.?|madame|monsieur|dr\.?|docteur|pr\.?"
        r"|professeur)[ \t]+(?P<particle>(?:le|la|de|du|van|von|el|al|ben|da|di|dos|des)[ \t]+)?"
        r"(?P<first>[a-zß-ÿœ][a-zß-ÿœ'’-]+)(?:[ \t]+(?P<second>[a-zß-ÿœ][a-zß-ÿœ'’-]+))?"
    )
)
_LOWER_NAME_AFTER_CARE_ROLE: Final = re.compile(
    r"(?<![\w'’-])(?i:interne|externe|ide|iade|ibode|kin[ée]|aide-soignante?|sage-femme)"
    r"(?:[ \t]+de[ \t]+garde)?[ \t]*:?[ \t]+(?P<value>[a-zß-ÿœ][a-zß-ÿœ'’-]{2,})(?![\w'’-])"
)
# Words after a lower-case title that are not names ("mme est sortie", "dr de garde").
_NOT_A_NAME: Final = frozenset(
    ("est", "a", "et", "ou", "qui", "que", "se", "sa", "son", "ses", "ne", "n", "en", "au",
     "aux", "pour", "par", "sur", "avec", "dans", "de", "du", "des", "le", "la", "les", "l",
     "un", "une", "y", "il", "elle", "ils", "elles", "on", "nous", "vous", "sans", "plus",
     "garde", "is", "was", "and", "or", "the", "to", "of", "in", "on", "at", "with", "has",
     "had", "will", "would", "x", "xx", "xxx")
)  # fmt: skip
_SKIP: Final = NEVER_NAMES
# A chart's key of staff initials: "JT = Joanna Trewin", "AK: Anil K.", "DO'B = Declan
# O'Brien" — then every "JT". The initials start as the name does: "TO: Copper State" and
# "RE: Terence" are a header's labels.
_STAFF_KEY: Final = led_by_first_characters(
    re.compile(
        r"(?<![\w'’-])(?P<initials>[A-Z]{2,3}|[A-Z]{1,2}['’][A-Z])[ \t]*[=:][ \t]*"
        # "CC: Dr N. Feeney" copies a letter to someone; it defines no initials.
        r"(?!(?:Dr|Mr|Mrs|Ms|Miss|Prof|Mme|Pr)\b)(?P<name>[A-Z][a-zà-ÿ]+)"
        r"(?:[ \t]+[A-Z](?:[\w'’-]+|\.))"
    )
)
STAFF_INITIALS_SCORE: Final = 0.6
# Words before a given name written in lower case ("sa fille murielle", "merci fanny").
_LOWER_NAME_CONTEXT: Final = re.compile(
    r"(?i:\b(?:fille|fils|femme|mari|épouse|époux|sœur|soeur|frère|frere|mère|mere|père|pere"
    r"|petite-fille|petit-fils|neveu|nièce|niece|c['’]est|merci|bcp|salut|bonjour|coucou|avec"
    r"|interne|ide|as|daughter|son|wife|husband|sister|brother|thanks|thx|hi|hey|dear|with)"
    r"[ \t]*[:,]?[ \t]*)$"
)


@cache
def _first_names(language: str) -> frozenset[str]:
    return unambiguous_names("first_names", language) - _SKIP


@cache
def _surnames(language: str) -> frozenset[str]:
    return unambiguous_names("surnames", language) - _SKIP


_LINE_START_BEFORE: Final = re.compile(r"(?:^|\n)[ \t>*•·-]*$")
_LABEL_BEFORE: Final = re.compile(r"(?:[:|]|\b(?:MME|MLLE|MR|MRS|MS|DR|PR|M\.))[ \t]*$")


def _line_in_capitals(text: str, match: re.Match[str]) -> bool:
    """Whether the word's line is written in capitals ("WARFARIN DOSE NOT PRESCRIBED",
    "GROSS DESCRIPTION"), or the word is a heading's label ("GROSS: Received…"): there a
    surname that is also a word ("DOSE", "GROSS", "CHASE") is the word; after a label, a
    bar or a title it stays a name ("NOM : CARON")."""
    if _LABEL_BEFORE.search(text, max(0, match.start() - 12), match.start()):
        return False  # "NOM DE NAISSANCE : CARON", "| DOSE |", "MME GROSS": a name's slot
    if text.startswith(":", match.end()) or text.startswith(" :", match.end()):
        return True  # "GROSS: Received in formalin", "BONES : normal": a heading's label
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line = text[line_start : line_end if line_end != -1 else len(text)]
    letters = [char for char in line if char.isalpha()]
    return sum(char.isupper() for char in letters) >= 0.8 * len(letters)


@cache
def _any_names(language: str) -> frozenset[str]:
    return lexicon("first_names", language).lower | lexicon("surnames", language).lower


class LexiconNameRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "PERSON"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        # A signature made of initials alone on its line: "V. Q.", "G.", "J.-M. R."
        # A title and an initial: "Mme V.", "M. F.", "Dr K." (not "Dr K. Martin": the name
        # goes on, and the person recognizer takes it whole).
        ValuePattern(
            "initial after a title",
            re.compile(
                r"(?<![\w.])(?:M\.|Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Pr\.?|Madame|Monsieur)[ \t]+"
                r"(?P<value>[A-ZÀ-Þ]\.(?:-?[A-ZÀ-Þ]\.)?)(?![ \t]*[A-ZÀ-Þ][a-zß-ÿ])"
            ),
            LONE_FIRST_NAME_SCORE,
        ),
        ValuePattern(
            "initials ending a line after a sentence",
            re.compile(r"(?m)(?<=[.!?][ \t])(?P<value>[A-ZÀ-Þ]\.(?:[ \t]?[A-ZÀ-Þ]\.)?)[ \t]*$"),
            LONE_FIRST_NAME_SCORE,
        ),
        # After an identity label, "Surname, Given M" is a person whatever the names:
        # "Pt: Oyelaran, Babatunde", "Patient: Sorensen, Dagny K.", "REQUESTING: HOLLOWAY, GRANT".
        ValuePattern(
            "surname, given after a label",
            re.compile(
                r"(?i:\b(?:pt(?:[ \t]+name)?|patient(?:[ \t]+name)?|name|nom|resident|requesting"
                r"|referring|ordering|attending|physician|requested[ \t]+by|surname|concerne|re)"
                r"[ \t]*:[ \t]*)"
                r"(?P<value>[A-ZÀ-Þ][\w'’-]+(?:[ \t][A-ZÀ-Þ][\w'’-]+)?,[ \t]*[A-ZÀ-Þ][\w'’-]+"
                r"(?:[ \t]+[A-ZÀ-Þ][\w'’-]+)?(?:[ \t]+[A-Z]\.?(?![\w'’-]))?)"
            ),
            LONE_FIRST_NAME_SCORE,
        ),
        ValuePattern(
            "initials alone on a line",
            re.compile(
                r"(?m)^[ \t]*(?P<value>[A-ZÀ-Þ]\.(?:-?[A-ZÀ-Þ]\.)?(?:[ \t]?[A-ZÀ-Þ]\.){0,2})[ \t]*$"
            ),
            LONE_FIRST_NAME_SCORE,
        ),
    )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        language = self.supported_language
        first_names, surnames = _first_names(language), _surnames(language)
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)
        for match in _WORD.finditer(text):
            word = match.group()
            lowered = word.lower()
            if not word[:1].isupper():
                if lowered in first_names and _LOWER_NAME_CONTEXT.search(
                    text, max(0, match.start() - 20), match.start()
                ):
                    results.append(self.result(*match.span(), LONE_FIRST_NAME_SCORE))
                continue
            if word.isupper() and len(word) <= MAX_ACRONYM_LIKE:
                continue  # "CC:", "ED", "AL": a heading or an acronym, not "Cc", "Ed", "Al"
            if lowered in WEEKDAYS_AND_PLURALS:
                continue  # "so Sunday isn't pill day": a Nigerian name, but the day first
            if lowered in first_names or all(p in first_names for p in lowered.split("-")):
                results.append(self.result(*match.span(), LONE_FIRST_NAME_SCORE))
            elif (
                word.isupper()
                and len(word) >= MIN_UPPER_SURNAME
                and lowered in surnames
                and not (lowered in common_words(language) and _line_in_capitals(text, match))
            ):
                results.append(self.result(*match.span(), UPPER_SURNAME_SCORE))
            elif (
                lowered in surnames
                and lowered not in common_words(language)
                and text.startswith(",", match.end())
                and _LINE_START_BEFORE.search(text, max(0, match.start() - 8), match.start())
            ):
                # "Okafor, Review  Bed 4": a list's line opened by a surname and a comma.
                results.append(self.result(*match.span(), UPPER_SURNAME_SCORE))
        for match in _STAFF_KEY.finditer(text):
            initials = match.group("initials")
            if initials[0] != match.group("name")[0]:
                continue  # "TO: Copper State Health Plan", "RE: Terence": a header's label
            for use in re.finditer(rf"(?<![\w'’-]){re.escape(initials)}(?![\w'’-])", text):
                results.append(self.result(*use.span(), STAFF_INITIALS_SCORE))
        names = _any_names(language)
        for match in _LOWER_TITLE.finditer(text):
            first = match.group("first")
            if first in _NOT_A_NAME or first in _SKIP:
                continue
            start = match.start("particle") if match.group("particle") else match.start("first")
            end = match.end("first")
            second = match.group("second")
            if (
                second
                and second not in _NOT_A_NAME
                and (second in names or second not in common_words(language))
            ):
                end = match.end("second")
            results.append(self.result(start, end, LOWER_TITLED_SCORE))
        # "interne guillot prévenu", "Interne de garde : guillot": a care role then a name
        # in lower case that the lexicons know and no dictionary holds.
        for match in _LOWER_NAME_AFTER_CARE_ROLE.finditer(text):
            word = match.group("value")
            if word in names and word not in common_words(language) and word not in _NOT_A_NAME:
                results.append(self.result(*match.span("value"), LOWER_TITLED_SCORE))
        return results
