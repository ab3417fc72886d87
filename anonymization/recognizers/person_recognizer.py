"""PERSON (pattern part; the scrubber adds spaCy's NER): names after a title or a role
word, and untitled "Prénom NOM" / "NOM Prénom" / "Prénom Nom" runs.

1. After a title: "Dr X", "Dr. Jean Martin", "Pr MARTIN", "Mme Claire DUPONT",
   "M. Jean-Pierre Le Gall", "Monsieur/Madame X", "Mlle", "Mr/Mrs/Ms/Miss/Prof. X".
2. After a role word: "patient(e) X", "née X", "épouse X", "nom de naissance : X",
   "signé : X", "vu par X".
3. A run of capitalised words with a known first name ("Claire Martin", "DUPONT Claire",
   "Jean-Pierre Le Gall"), or a capitalised word followed by an uppercase surname that is
   not an acronym ("Claire DUPONT", "Anne DA SILVA", "Jean-Pierre N'DIAYE"):
   `anonymization.recognizers.name_runs`.

Surname particles (de, du, le, la, da, van, N', D'…) and hyphens are part of names;
uppercase acronyms (HTA, IRM, ECG…) are never surnames.

One module, long on purpose: the name patterns and the initials patterns (dictation,
signatures, forms, trial subjects) share their scores and one order, in which an earlier
pattern wins an overlap; split, that order would be spread over two files.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.lexicons import MAX_NICKNAME_LENGTH, common_words
from anonymization.recognizers.base import (
    VALUE_GROUP,
    RegexRecognizer,
    ValuePattern,
    led_by,
    overlaps_any,
    word_alternation,
)
from anonymization.recognizers.care_roles import names_beside_care_roles
from anonymization.recognizers.first_characters import led_by_first_characters
from anonymization.recognizers.lexicon import ROMAN_NUMERALS
from anonymization.recognizers.message_signoffs import message_signoffs
from anonymization.recognizers.name_runs import name_in_run
from anonymization.recognizers.person_tables import name_column_cells, staff_column_initials
from anonymization.recognizers.person_words import (
    PARTICLES,
    ROLE_WORDS,
    dictionary_words_not_names,
    is_acronym,
    is_chat_speaker,
    is_drug,
    is_edge_noise,
    is_first_name,
    is_given,
    is_stopword,
    is_surname_comma_given,
    may_follow_role_word,
    name_end_before_function_word,
)
from anonymization.recognizers.typist_initials import typist_initials

TITLE_SCORE: Final = 0.85
ROLE_SCORE: Final = 0.7
# Initials that sign a note ("-MR", "-- JLW", "HTW" closing it, "(JLW / mk)"): the scrubber
# keeps them even when they read like an acronym (`Scrubber._keep`).
SIGNATURE_SCORE: Final = 0.72
INITIAL_SCORE: Final = 0.7
SURNAME_COMMA_GIVEN_SCORE: Final = 0.7
REPEATED_NAME_SCORE: Final = 0.6
# A name is at most this many words (particles excluded) after its first one.
MAX_EXTRA_NAME_WORDS: Final = 3

_UPPER: Final = "A-ZÀ-ÖØ-ÞŒ"
_LOWER: Final = "a-zß-öø-ÿœ"
_SPACE: Final = r"[ \t\u00a0]+"
# "Martin", "N'Diaye", "d'Estaing", "McDonald", "Hellegouarc'h"; "DUPONT", "N'DIAYE".
# "Martin", "McDonald", "N'Diaye", "Prud'homme".
_CAPITALISED: Final = (
    rf"(?:[DLNOdl]['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+|['’](?:[{_LOWER}]{{2,}}|h))?"
)
# "DUPONT", "N'DIAYE", "McALLISTER", "MacDONALD", "HELLEGOUARC'H" (Breton c'h).
_ALL_CAPS: Final = rf"(?:[DLNO]['’]|Ma?c)?[{_UPPER}]{{2,}}(?:['’]H(?![\w]))?"
_PART: Final = rf"(?:{_CAPITALISED}|{_ALL_CAPS})"
_WORD: Final = rf"{_PART}(?:--?{_PART})*(?!\w)"  # "COHEN--AYDIN": a double name
# In any case: "VAN DER MERWE" is "van der Merwe" in capitals.
_PARTICLE: Final = "(?i:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + ")"
_NAME: Final = rf"{_WORD}(?:{_SPACE}(?:{_PARTICLE}{_SPACE})*{_WORD}){{0,{MAX_EXTRA_NAME_WORDS}}}"

# "M." needs its dot ("M Dupont" is too ambiguous); "Monsieur le Docteur X" is one title.
_TITLE_WORD: Final = (
    r"(?:(?:Dr|Dre|Docteur|docteur|Pr|Pre|Professeur|professeur|Prof|Mme|Mmes|Mlle|Mlles"
    r"|Madame|madame|Mademoiselle|mademoiselle|Monsieur|monsieur|Mr|Mrs|Ms|Miss|Mx|DR|MME"
    r"|MR|MRS|Sgt|Det|Capt|Rev|Cllr|Insp|Cpl|Sr"
    # Malaysian forms of address: "Puan Rosmah", "Encik Faizal", "Dato' Seri".
    r"|Puan|Encik|Cik|Datin|Dato['’]?|Datuk)\.?|MM?\.)"
)
_TITLE: Final = rf"(?<![\w.]){_TITLE_WORD}(?:{_SPACE}(?:le|la){_SPACE}{_TITLE_WORD})?{_SPACE}"
# "J. Martin", "J.-M. Rey", "A.-L. O'Connor": initials before a surname;
# "Th. Bourgeois", "Ch. Martin", "J.-Ph. Rey": French given names shortened to two letters.
_INITIAL: Final = rf"[{_UPPER}]h?\.(?:-?[{_UPPER}]h?\.)?"
_GIVEN: Final = rf"(?:{_INITIAL}{_SPACE})?(?:{_PARTICLE}{_SPACE})*{_NAME}"
_ROLE: Final = word_alternation(ROLE_WORDS) + r"[ \t]*[:,]?[ \t]*"
_MAX_RUN_EXTRA_WORDS: Final = MAX_EXTRA_NAME_WORDS + 1
_RUN: Final = led_by_first_characters(
    re.compile(
        rf"(?<![\w'’-]){_WORD}(?:{_SPACE}(?:{_PARTICLE}{_SPACE})*{_WORD}){{1,{_MAX_RUN_EXTRA_WORDS}}}"
    )
)
# An initial and a surname without a title ("(B. Blanc)", "Relève : É. N'Guyen"); the
# text before it is checked by `_initial_context_ok`.
_INITIAL_NAME: Final = re.compile(
    "(?P<value>" + led_by(f"[{_UPPER}]", r"[^\s(\[]") + rf"\.(?:-?[{_UPPER}]\.)?{_SPACE}{_NAME})"
)
# "A.Leclerc", "J.-M.Rey": an initial written against the surname, as table cells and
# signatures do; the surname is checked as after a spaced initial.
_ATTACHED_INITIAL_NAME: Final = re.compile(
    "(?P<value>"
    + led_by(f"[{_UPPER}]", r"[\w.'’-]")
    + rf"\.(?:-?[{_UPPER}]\.)?(?P<surname>[{_UPPER}][{_LOWER}]{{2,}}(?:-[{_UPPER}][{_LOWER}]+)?))"
    r"(?![\w.'’-])"
)
# "MARTIN, Claire", "Chen, Harry": a surname, a comma, a given name (registers, lists).
_SURNAME_COMMA_GIVEN: Final = led_by_first_characters(
    re.compile(
        rf"(?<![\w'’-])(?P<surname>(?:{_WORD}{_SPACE}){{0,2}}{_WORD}),{_SPACE}(?P<given>{_WORD})"
        # Middle names, initials and suffixes go with it: "SMITH, JOHN A", "Boudreaux, Claude J Jr".
        rf"(?P<rest>(?:[ \t]+{_WORD}(?=[ \t]+[A-Z]\.?(?![\w'’-])))?"
        rf"(?:[ \t]+[A-Z]\.?(?![\w'’-])){{0,2}}"
        r"(?:[ \t]+(?:JR|SR|Jr\.?|Sr\.?|II|III|IV)(?![\w'’-]))?"
        r")"
        # A credential written with it, as a register does: "JONES, MARIA MD" (in the span:
        # a register writes the three as one name).
        r"(?P<credential>[ \t]+(?:MD|DO|RN|NP|PA-C|DDS|DMD|PhD|MBBS)(?![\w'’-]))?"
        r"(?![\w'’-])"
    )
)
_NEXT_WORD: Final = re.compile(rf"[ \t]+(?P<word>{_CAPITALISED})(?![\w'’-])")
# "WHITTAKER, B": a surname in capitals and an initial, as meeting lists write them.
_SURNAME_COMMA_INITIAL: Final = re.compile(
    rf"(?<![\w'’-])(?P<surname>[{_UPPER}]{{4,}}(?:-[{_UPPER}]{{2,}})?),[ \t]*[A-Z]\.?(?![\w'’-])"
)
# What may come just before an untitled initial: nothing on the line, punctuation, or a
# linking word ("avec", "par", "and").
_INITIAL_LEFT: Final = re.compile(
    r"(?:^|[\n:;,(\[|–—-]|(?<![\w'’-])(?i:par|avec|et|de|pour|chez|à|by|with|and|to|from|of"
    r"|cc))[ \t\u00a0]*$"
)
# Words of a name found once that are looked for again in the same note ("Salomé Martin
# (Salomé)"); shorter words are too ambiguous.
MIN_PROPAGATED_LENGTH: Final = 3
# A message log's speaker: "Ife 01:17", "Julie (IDE) 14h02", a name alone on its line
# before the time.
_CHAT_SPEAKER: Final = re.compile(
    rf"(?m)^[ \t]*(?P<value>[{_UPPER}][{_LOWER}'’-]{{1,15}})(?:[ \t]*\([^()\n]{{1,15}}\))?"
    r"[ \t]*[-–:]?[ \t]*\d{1,2}[:h]\d\d(?:[ \t]*(?:AM|PM|am|pm))?[ \t]*$"
)
# A given name signing a message line after a dash: "… - tracy".
_SIGNING_DASH: Final = re.compile(
    rf"(?m)[ \t][-–—][ \t]*(?P<value>[{_UPPER}{_LOWER}][{_LOWER}'’-]{{2,15}})[ \t]*$"
)
_LAST_WORD: Final = re.compile(r"[ \t\u00a0]+(?P<word>[^ \t\u00a0]+)$")
_M_BEFORE: Final = re.compile(r"(?<![\w.])M\.[ \t\u00a0]+$")
_NAME_PART: Final = re.compile(led_by(f"[{_UPPER}]", r"[\w'’-]") + r"\w+(?:['’-]\w+)*(?![\w'’-])")


def _cut_at_function_word(text: str, result: RecognizerResult) -> RecognizerResult:
    end = name_end_before_function_word(text, result.start, result.end)
    if end == result.end:
        return result
    return RecognizerResult(result.entity_type, result.start, end, result.score)


def _cut_trailing_acronyms(result: RecognizerResult, text: str) -> RecognizerResult:
    """ "Kai-Jaden FERREIRA-WALSH   DOB 03/02/2022", "P. Moyo  RN": a label or a credential
    in capitals after a name is not part of it."""
    end = result.end
    while (last := _LAST_WORD.search(text, result.start, end)) is not None:
        word = last.group("word")
        if (
            not (word.isupper() and is_edge_noise(word))
            or word.lower() in ROMAN_NUMERALS  # "Sud-Est IV", "John Smith III"
            or last.start() <= result.start
        ):
            break
        end = last.start()
    if end == result.end:
        return result
    return RecognizerResult(result.entity_type, result.start, end, result.score)


def _initial_context_ok(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return _INITIAL_LEFT.search(text, max(line_start, start - 12), start) is not None or (
        not text[line_start:start].strip()
    )


class PersonRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "PERSON"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        ValuePattern("after a title", re.compile(rf"{_TITLE}(?P<value>{_GIVEN})"), TITLE_SCORE),
        ValuePattern("after a role word", re.compile(rf"{_ROLE}(?P<value>{_GIVEN})"), ROLE_SCORE),
        # "Dr W", "per Dr W.", "Dr R-P": a title and the initial alone (a roman numeral's
        # letter too: "Dr V").
        ValuePattern(
            "initial alone after a title",
            re.compile(rf"{_TITLE}(?P<value>[{_UPPER}](?:-[{_UPPER}])?)(?![\w'’-])"),
            INITIAL_SCORE,
        ),
        # "Initials: J.T.", "(initials R.K.)", "initiales : MD": what a trial or an adverse
        # reaction form gives instead of the name.
        ValuePattern(
            "initials after their label",
            re.compile(
                r"(?i:\binitial(?:e)?s)[ \t]*[:=]?[ \t]*"
                r"(?P<value>[A-Z]\.?(?:[ \t]?-?[A-Z]\.?){1,2}|[A-Z]{2,3})(?![\w'’-])"
            ),
            ROLE_SCORE,
            invalid_score=ROLE_SCORE,  # after the label, "MD" is someone's initials
        ),
        # A dictated letter's reference: the author's then the typist's initials.
        ValuePattern(
            "dictation initials after a reference label",
            re.compile(r"(?P<value>[A-Z]{2,3}/[a-z]{2,4})(?![\w])"),
            TITLE_SCORE,
            before=re.compile(
                r"(?i:\b(?:(?:our|your|n/|v/|notre|votre)[ \t]*)?r[ée]f(?:[ée]rence)?\.?"
                r"|\bend[ \t]+of[ \t]+dictation\.?|\bdict[ée]{1,2}[ \t]+par)[ \t]*:?[ \t]*$"
            ),
        ),
        # "ASK/TG - dicté le 03/10": the author's and the typist's initials, both capitals,
        # before the dictation's date.
        ValuePattern(
            "dictation initials before the dictation",
            re.compile(
                r"(?m:^)[ \t]*(?P<value>[A-Z]{2,3}/[A-Z]{2,3})(?=[ \t]*[-–—,:]?[ \t]*"
                r"(?i:dict[ée]e?|tap[ée]e?|typed|transcribed|frapp[ée]e?)[ \t]+(?i:le|on|\d))"
            ),
            TITLE_SCORE,
        ),
        # "012-0035 (F.K.) randomisée", "Subj 104-0027 (J-P.M.)": a trial subject's initials
        # after the subject's number.
        ValuePattern(
            "initials in brackets after a subject number",
            re.compile(r"\((?P<value>[A-Z]\.?(?:-?[A-Z]\.?){1,2})\)"),
            ROLE_SCORE,
            invalid_score=ROLE_SCORE,
            # Not after a date: "placed 12/19/24 (IR)" names who placed it.
            before=re.compile(r"(?<![\d/.-])\d{2,4}[-/]\d{2,5}[ \t]*$"),
        ),
        ValuePattern(
            "dictation initials alone on a line",
            re.compile(r"(?m:^)[ \t]*(?P<value>[A-Z]{2,3}/[a-z]{2,4})[ \t]*(?=(?m:$)|/)"),
            TITLE_SCORE,
        ),
        # Who typed a dictated letter: "transcribed by jmk", "transcribed: tlw 3.14.24",
        # "Dictated by P.R.", "typed by SB".
        ValuePattern(
            "initials of who dictated or typed",
            re.compile(
                r"(?i:\b(?:dictated|transcribed|typed)(?:[ \t]+by)?)[ \t]*:?[ \t]*"
                # "Typed 22/06/2024  ÉMcD": the day it was typed may come first.
                r"(?:\d{1,2}[/.]\d{1,2}[/.]\d{2,4}[ \t]+)?"
                rf"(?P<value>[A-Za-zÀ-ÖØ-öø-ÿ]{{2,5}}|{_INITIAL})(?![\w'’-])"
            ),
            ROLE_SCORE,
        ),
        # Nursing notes by the hour: "03/21 0215 KM: SBP 88", "14:30 JD : vu" (an acronym
        # there is a heading, "0800 BP: 120/80", and is refused by validate_result).
        ValuePattern(
            "initials after the time of an entry",
            re.compile(
                r"(?m:^)[ \t]*(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?[ \t]+)?(?:[01]\d|2[0-3])[:h]?[0-5]\d"
                r"[ \t]+(?P<value>[A-Z]{2,3})[ \t]*:"
            ),
            ROLE_SCORE,
        ),
        # A note signed with initials: "…sent MyChart msg as well. -MR", or "KM" alone on
        # the note's last line (an acronym there is not a signature: "RAS", "FIN").
        ValuePattern(
            "signature initials after a dash",
            # "-MR", "-- JLW" (not "… - MR": a diagnosis may close a line).
            re.compile(r"(?m)(?:(?<=[ \t])|^)(?:[-–—]|--[ \t])(?P<value>[A-Z]{2,3})[ \t]*$"),
            SIGNATURE_SCORE,
            invalid_score=SIGNATURE_SCORE,  # "-MR" signs a note even if MR is also an acronym
        ),
        ValuePattern(
            "signature initials closing the note",
            re.compile(r"(?:^|\n)[ \t]*(?P<value>[A-Z]{2,3})[ \t]*\s*\Z"),
            SIGNATURE_SCORE,
        ),
        # "Clôture 03:31. G.": one initial with its dot on the last line, alone or after
        # the time the note was closed.
        ValuePattern(
            "signature initial closing the note",
            re.compile(r"(?P<value>[A-Z]\.(?:-?[A-Z]\.)?)[ \t]*\s*\Z"),
            ROLE_SCORE,
            invalid_score=ROLE_SCORE,
            # "… sous 15 jours. - M.R." signs after a dash too.
            before=re.compile(r"(?:(?:^|\n)[ \t]*|\d{1,2}[:h]\d\d\.?[ \t]+|[ \t][-–—][ \t]*)$"),
        ),
        # A nurse's entry signed at the end of its last line: "…(U&E on furosemide).   KM",
        # "…GP aware. BH / KM".
        ValuePattern(
            "initials signing a line",
            re.compile(
                r"(?m)(?<=[.)!])[ \t]{2,}(?P<value>[A-Z]{2,3}(?:[ \t]*/[ \t]*[A-Z]{2,3})?)[ \t]*$"
            ),
            SIGNATURE_SCORE,
            invalid_score=SIGNATURE_SCORE,  # "… Next visit Mon.   RA" signs, whatever RA means
        ),
        ValuePattern(
            "initials signing a line after a sentence",
            re.compile(r"(?m)(?<=\.)[ \t](?P<value>[A-Z]{2,3}[ \t]*/[ \t]*[A-Z]{2,3})[ \t]*$"),
            SIGNATURE_SCORE,
        ),
        # A message thread's header: "15/01 16:05 – K." (who wrote the lines below).
        ValuePattern(
            "initial heading a message",
            re.compile(
                r"(?m:^)[ \t]*\d{1,2}/\d{1,2}(?:/\d{2,4})?,?[ \t]+\d{1,2}[:h]\d\d[ \t]*[-–—:][ \t]*"
                r"(?P<value>[A-Z]\.(?:-?[A-Z]\.)?)[ \t]*(?m:$)"
            ),
            ROLE_SCORE,
            invalid_score=ROLE_SCORE,
        ),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "Dr", "Pr", "Mme", "M.", "Monsieur", "Madame", "patient", "née", "épouse", "Mr", "Mrs",
        "IDE", "fille", "fils", "épouse", "nurse", "daughter", "son", "wife", "next of kin",
    )  # fmt: skip

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if pattern.name == "initial alone after a title":
            # A title says who: no acronym check ("Dr V"); "Dr X" is a name withheld.
            return None if value == "X" else pattern.score
        if pattern.name == "initials of who dictated or typed":
            # "P.R." always; "jmk" unless it is a word: "typed by the secretary".
            if "." in value:
                return pattern.score
            lowered = value.lower()
            if is_stopword(value) or lowered in common_words("en") or lowered in common_words("fr"):
                return None
            return pattern.score
        if pattern.name == "after a role word" and not may_follow_role_word(value):
            return None
        return super()._score(text, value, start, pattern)

    def validate_result(self, pattern_text: str) -> bool | None:
        # "Dr IRM", "patient HTA", "IDE : Pas de douleur": an acronym or a common word
        # right after a title or role word is not a name.
        words = [word for word in pattern_text.split() if not word.endswith(".")]
        if not words or is_stopword(words[0]):
            return False
        return False if all(is_acronym(word) for word in words) else None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = [
            self._with_initial_m(
                text, _cut_at_function_word(text, _cut_trailing_acronyms(result, text))
            )
            for result in super().analyze(text, entities, nlp_artifacts)
        ]
        if self.ENTITY not in entities:
            return results
        for match in _INITIAL_NAME.finditer(text):
            start, end = match.span(VALUE_GROUP)
            surname = match.group(VALUE_GROUP).split()[1]
            if (
                not is_stopword(surname)
                and not is_acronym(surname)
                # "A. Terminal ileum", "E. Rectum x2": a specimen list, not "J. Martin"
                and surname.lower() not in dictionary_words_not_names()
                and _initial_context_ok(text, start)
                and not overlaps_any(results, start, end)
            ):
                results.append(_cut_trailing_acronyms(self.result(start, end, INITIAL_SCORE), text))
        for match in _ATTACHED_INITIAL_NAME.finditer(text):
            start, end = match.span(VALUE_GROUP)
            surname = match.group("surname")
            if (
                not is_stopword(surname)
                and surname.lower() not in dictionary_words_not_names()
                and not is_drug(surname)
                and not overlaps_any(results, start, end)
            ):
                results.append(self.result(start, end, INITIAL_SCORE))
        for match in _CHAT_SPEAKER.finditer(text):
            start, end = match.span(VALUE_GROUP)
            if is_chat_speaker(match.group(VALUE_GROUP)) and not overlaps_any(results, start, end):
                results.append(self.result(start, end, ROLE_SCORE))
        for start, end in [*names_beside_care_roles(text), *message_signoffs(text)]:
            if not overlaps_any(results, start, end):
                results.append(self.result(start, end, ROLE_SCORE))
        for start, end in typist_initials(text):
            if not overlaps_any(results, start, end):
                results.append(self.result(start, end, SIGNATURE_SCORE))
        for match in _SIGNING_DASH.finditer(text):
            start, end = match.span(VALUE_GROUP)
            if is_given(match.group(VALUE_GROUP)) and not overlaps_any(results, start, end):
                results.append(self.result(start, end, ROLE_SCORE))
        for match in _SURNAME_COMMA_GIVEN.finditer(text):
            if is_surname_comma_given(match.group("surname"), match.group("given")):
                end = match.end()
                # "PIRIE, Margaret Ellen": a second given name goes with the first.
                middle = _NEXT_WORD.match(text, end)
                if (
                    match.group("credential") is None
                    and middle is not None
                    and is_first_name(middle.group("word"))
                ):
                    end = middle.end()
                self._add_or_widen(results, match.start(), end, SURNAME_COMMA_GIVEN_SCORE)
        for match in _SURNAME_COMMA_INITIAL.finditer(text):
            surname = match.group("surname")
            if surname.lower() not in common_words("en") and not is_acronym(surname):
                self._add_or_widen(results, *match.span(), SURNAME_COMMA_GIVEN_SCORE)
        for run in _RUN.finditer(text):
            found = name_in_run(text, run.start(), run.end())
            if found is not None and not overlaps_any(results, found[0], found[1]):
                results.append(self.result(*found))
        if "|" in text or "\t" in text:
            # A staff column's header says its cells are initials, as a signature does:
            # "| Init. | KLB |" is someone, whatever acronym it spells.
            for start, end in staff_column_initials(text):
                if not overlaps_any(results, start, end):
                    results.append(self.result(start, end, SIGNATURE_SCORE))
            for start, end in name_column_cells(text):
                if not overlaps_any(results, start, end):
                    results.append(self.result(start, end, ROLE_SCORE))
        self._add_repeated_name_parts(text, results)
        return results

    def _add_or_widen(
        self, results: list[RecognizerResult], start: int, end: int, score: float
    ) -> None:
        """A new span, or the union with the one it overlaps ("Patient: MARTIN" found by
        its role word becomes "MARTIN, Claire")."""
        for index, found in enumerate(results):
            if start < found.end and found.start < end:
                union = (min(start, found.start), max(end, found.end))
                results[index] = self.result(*union, max(score, found.score))
                return
        results.append(self.result(start, end, score))

    def _with_initial_m(self, text: str, result: RecognizerResult) -> RecognizerResult:
        """ "M. Bailly" is "Monsieur Bailly" or an initial: both are kept in the span, unless
        a given name follows ("M. Jean Bailly": the "M." is a title)."""
        start = result.start
        before = _M_BEFORE.search(text, max(0, start - len("M. ") - 1), start)
        first_word = text[start : result.end].split()[0]
        if before is None or is_first_name(first_word):
            return result
        return self.result(before.start(), result.end, result.score)

    def _add_repeated_name_parts(self, text: str, results: list[RecognizerResult]) -> None:
        """A word of a name found in this note is a name wherever else it appears."""
        parts = {
            part
            for found in results
            for part in _NAME_PART.findall(text, found.start, found.end)
            if len(part) >= MIN_PROPAGATED_LENGTH
            and part not in PARTICLES
            and not is_edge_noise(part)
            # "Called", "Office": a dictionary word no name lexicon knows, not a nickname.
            and not (
                len(part) > MAX_NICKNAME_LENGTH and part.lower() in dictionary_words_not_names()
            )
        }
        if not parts:
            return
        for match in _NAME_PART.finditer(text):
            if match.group() in parts and not overlaps_any(results, *match.span()):
                results.append(self.result(*match.span(), REPEATED_NAME_SCORE))
