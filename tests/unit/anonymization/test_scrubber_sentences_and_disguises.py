"""A name inside an ordinary sentence, and identifiers written to slip past a scrubber
(issue 14, seventh session). Each on an invented sentence through the whole scrubber."""

from __future__ import annotations

import pytest

from tests.scrubbing import scrubbed


@pytest.mark.parametrize(
    ("text", "expected", "language"),
    [
        # A sentence's verb before a given name is not part of the name.
        ("Call John Smith on the ward tomorrow.", "Call <PERSON> on", "en"),
        ("Ask Mary Jones to call back", "Ask <PERSON> to", "en"),
        ("No answer. Rang Bob Turner, no answer again.", "Rang <PERSON>,", "en"),
        ("Rappeler Jean Dupont demain matin.", "Rappeler <PERSON> demain", "fr"),
    ],
)
def test_a_sentences_verb_before_a_name_stays(text: str, expected: str, language: str) -> None:
    assert expected in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # A given name that is also a word stays part of the name.
        ("Mark Jones seen in clinic today.", "Mark", "en"),
        # A particle or a building named after a person is part of what it names.
        ("406 | PHAM | Van Long | 14/02/1938", "Van", "fr"),
        ("Bâtiment Paul Castaigne\n61 boulevard de l'Hôpital", "Castaigne", "fr"),
        # Not at a sentence's start, a capitalised word before a given name is kept with it.
        ("Volunteers: Joan and Pat Curley (hospice volunteers) sat with family.", "Pat", "en"),
    ],
)
def test_what_leads_a_name_and_is_part_of_it_is_hidden(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "secret", "language"),
    [
        # A telephone number said in words, as a call transcript or dictation has it.
        (
            "APPELANT : Le zéro six... vingt et un, quarante-quatre, dix-neuf, zéro deux",
            "quarante-quatre",
            "fr",
        ),
        ("son épouse au zéro six 32 57 81 04 non pardon", "32 57 81", "fr"),
        ("Her number is oh seven seven zero zero, nine double oh, one two three", "nine", "en"),
        # An e-mail address with its "@" and dots set apart by spaces.
        ("email john.smith @ nhs . net for the results", "john.smith", "en"),
        ("Mail : jean.dupont @ gmail . com ; vu à domicile", "dupont", "fr"),
        # A name spelled out letter by letter.
        ("Surname spelled S-M-Y-T-H-E, first name Anne", "S-M-Y", "en"),
        ("Mr Dupont (D-U-P-O-N-T) called", "D-U-P", "en"),
        ("je vous épelle : L.E.F.E.V.R.E", "L.E.F", "fr"),
        # A day said as an ordinal.
        ("Seen on the third of April 2024 in clinic", "third", "en"),
        ("Reviewed on April the twenty-first.", "twenty-first", "en"),
        # Invisible characters inside a name or a number split it for every pattern.
        ("Mme LEFEVRE\u200bMartine, tél 06 12 34 5\u00ad6 78", "Martine", "fr"),
        ("NIR 1 84 05 29 0\u200b19 045 63", "045", "fr"),
        ("Seen by Dr Pa\u200btel\u2060son today", "tel", "en"),
    ],
)
def test_an_identifier_written_to_slip_past_is_hidden(
    text: str, secret: str, language: str
) -> None:
    assert secret not in scrubbed(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Number words that spell no telephone number.
        ("côtes six, sept, huit et neuf fracturées", "fr"),
        ("doses un 5 10 20 40 80 mg", "fr"),
        ("one or two tablets, three to four times a day", "en"),
        # Letters one by one that spell no name found, and no word saying it is spelled.
        ("A-B-C-D-E assessment done, no concerns", "en"),
        # Ordinals that are no day of a month.
        ("second of all, the first of many admissions", "en"),
    ],
)
def test_what_only_looks_like_a_disguised_identifier_stays(text: str, language: str) -> None:
    assert scrubbed(text, language) == text
