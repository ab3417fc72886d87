from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from anonymization.surrogates import (
    GREAT_AGE_SURROGATE,
    PatientContext,
    apply_surrogates,
    month_first_order,
    patient_secret,
    shift_date_text,
    surrogate_name,
)

PROJECT_KEY = b"k" * 32
SECRET = patient_secret(PROJECT_KEY, "patient-1")
OTHER_SECRET = patient_secret(PROJECT_KEY, "patient-2")
# A note written on 10 March 2024: dates without their year are placed around it.
NOTE_DAY = date(2024, 3, 10)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def spans_of(text: str, *marked: tuple[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, type) of each (substring, type), in text order."""
    spans = []
    for value, kind in marked:
        start = text.index(value)
        spans.append((start, start + len(value), kind))
    return sorted(spans)


# --- patient_secret ------------------------------------------------------------------


def test_when_the_same_key_and_pseudonym_are_given_then_the_secret_is_the_same() -> None:
    assert patient_secret(PROJECT_KEY, "patient-1") == SECRET


@pytest.mark.parametrize(
    ("key", "pseudonym"),
    [(PROJECT_KEY, "patient-2"), (b"j" * 32, "patient-1"), (PROJECT_KEY, "patient-1 ")],
)
def test_when_the_key_or_the_pseudonym_changes_then_the_secret_changes(
    key: bytes, pseudonym: str
) -> None:
    assert patient_secret(key, pseudonym) != SECRET


def test_the_secret_never_contains_the_pseudonym() -> None:
    assert b"patient-1" not in SECRET
    assert len(SECRET) == 32


# --- shift_date_text: every written form, moved and written the same way ---------------


@pytest.mark.parametrize(
    ("value", "shift", "expected"),
    [
        ("12/03/2024", 10, "22/03/2024"),
        ("12-03-24", 10, "22-03-24"),
        ("12.03.2024", 10, "22.03.2024"),
        ("2024-03-12", 10, "2024-03-22"),
        ("2023-12-25", 10, "2024-01-04"),  # into the next year
        ("2024-1-5", 1, "2024-01-06"),  # ISO is always written zero-padded
        ("28/02/2024", 1, "29/02/2024"),  # a leap year
        ("03/02/2024", 27, "01/03/2024"),
        ("01/01/2000", -1, "31/12/1999"),  # backwards, across a century
        ("03/2024", 30, "04/2024"),  # month and year: the middle of the month moves
        ("03/01", 10, "13/01"),  # zero-padded stays zero-padded
        ("3/1", 10, "13/1"),  # not padded stays not padded
        ("03/01", -2, "01/01"),
        ("3/1", -2, "1/1"),
        ("3/1", 0, "3/1"),
        ("12 mars 2024", 10, "22 mars 2024"),
        ("25 décembre 2023", 10, "4 janvier 2024"),
        ("1er mars 2024", 0, "1er mars 2024"),
        ("1er mars 2024", 1, "2 mars 2024"),  # "er" is only for the first
        ("3 Janvier", 0, "3 Janvier"),
        ("3 JANVIER", 31, "3 FÉVRIER"),
        ("5 mai", 30, "4 juin"),
        ("mai 2024", 30, "juin 2024"),
        ("Mai 2024", 30, "Juin 2024"),
        ("MARS 2023", 30, "AVRIL 2023"),
        ("12 mars 2024", -3650, "15 mars 2014"),
    ],
)
def test_when_a_french_date_is_shifted_then_it_moves_by_the_days_in_the_same_form(
    value: str, shift: int, expected: str
) -> None:
    assert shift_date_text(value, shift, NOTE_DAY, "fr", month_first=False) == expected


@pytest.mark.parametrize(
    ("value", "shift", "expected"),
    [
        ("12 March 2024", 10, "22 March 2024"),
        ("March 12, 2024", 10, "March 22, 2024"),
        ("March 12 2024", 10, "March 22 2024"),
        ("12th of March 2024", 10, "22nd of March 2024"),
        ("3rd January", 10, "13th January"),
        ("21ST", 1, "22ND"),
        ("11th", 1, "12th"),
        ("Mar 12", 10, "Mar 22"),
        ("Dec 30", 32, "Jan 31"),  # 30 December 2023, the nearest
        ("19-Jul-23", 10, "29-Jul-23"),
        ("May 5", 30, "June 4"),
        ("March", 30, "April"),
        ("22nd", 10, "1st"),  # a day alone is in the note's month
    ],
)
def test_when_an_english_date_is_shifted_then_it_moves_by_the_days_in_the_same_form(
    value: str, shift: int, expected: str
) -> None:
    assert shift_date_text(value, shift, NOTE_DAY, "en", month_first=True) == expected


@pytest.mark.parametrize(
    ("value", "month_first", "shift", "expected"),
    [
        ("03/12/2024", True, 10, "03/22/2024"),  # 12 March, US order
        ("03/12/2024", False, 10, "13/12/2024"),  # 3 December, French order
        # A number above 12 decides whatever the text's order.
        ("03/25/2024", False, 1, "03/26/2024"),
        ("25/03/2024", True, 1, "26/03/2024"),
        ("12/13/2024", False, 1, "12/14/2024"),
        ("13/12/2024", True, 1, "14/12/2024"),
    ],
)
def test_when_a_numeric_date_is_shifted_then_its_day_and_month_keep_their_places(
    value: str, month_first: bool, shift: int, expected: str
) -> None:
    assert shift_date_text(value, shift, NOTE_DAY, "en", month_first) == expected


@pytest.mark.parametrize(
    ("value", "reference", "shift", "expected"),
    [
        # Placed in the year that puts it nearest the note: 30 December 2024, then +5.
        ("30/12", date(2025, 1, 2), 5, "4/1"),
        ("3/1", date(2024, 12, 28), -3, "31/12"),
        # A leap day with no year goes to the nearest leap year.
        ("29/02", date(2025, 1, 10), 1, "01/03"),
        # Without a note date, the fallback year still reads the day and the month.
        ("3/1", None, 0, "3/1"),
    ],
)
def test_when_a_date_has_no_year_then_it_is_placed_near_the_note_before_it_moves(
    value: str, reference: date | None, shift: int, expected: str
) -> None:
    assert shift_date_text(value, shift, reference, "fr", month_first=False) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "foo",
        "2024",  # a year alone
        "le 3/1",  # a word around the date
        "31/02/2024",
        "13/13/2024",
        "00/01/2024",
        "32 mars 2024",
        "Blorp 12",  # not a month
    ],
)
def test_when_a_date_cannot_be_placed_then_there_is_no_shifted_text(value: str) -> None:
    assert shift_date_text(value, 10, NOTE_DAY, "fr", month_first=False) is None


def test_when_a_day_alone_does_not_exist_in_the_notes_month_then_there_is_no_shifted_text() -> None:
    assert shift_date_text("31", 0, date(2024, 4, 10), "fr", month_first=False) is None
    assert shift_date_text("30", 0, date(2024, 4, 10), "fr", month_first=False) == "30"


def test_surrounding_spaces_do_not_prevent_a_date_from_being_shifted() -> None:
    assert shift_date_text(" 12/03/2024 ", 1, NOTE_DAY, "fr", month_first=False) == "13/03/2024"


@pytest.mark.parametrize(
    "value", ["12/03/2024", "12-03-24", "12 mars 2024", "2024-02-28", "03/2024", "March 12, 2024"]
)
@pytest.mark.parametrize("shift", [-400, -31, 1, 45, 366])
def test_when_a_dated_text_is_shifted_back_by_the_same_days_then_the_original_returns(
    value: str, shift: int
) -> None:
    moved = shift_date_text(value, shift, NOTE_DAY, "fr", month_first=False)
    assert moved is not None
    assert shift_date_text(moved, -shift, NOTE_DAY, "fr", month_first=False) == value


@pytest.mark.parametrize("value", ["3/1", "14/02", "Mar 12", "12 mars", "3rd January"])
@pytest.mark.parametrize("shift", [-31, -1, 1, 45])
def test_when_a_date_without_year_is_shifted_back_then_the_original_returns(
    value: str, shift: int
) -> None:
    moved = shift_date_text(value, shift, NOTE_DAY, "fr", month_first=False)
    assert moved is not None and moved != value
    assert shift_date_text(moved, -shift, NOTE_DAY, "fr", month_first=False) == value


@pytest.mark.parametrize(("shift", "expected"), [(-1, "15"), (1, "17"), (-15, "1"), (15, "31")])
def test_when_a_day_alone_is_shifted_then_it_stays_a_day_alone(shift: int, expected: str) -> None:
    assert shift_date_text("16", shift, NOTE_DAY, "fr", month_first=False) == expected


# --- surrogate_name ---------------------------------------------------------------------

NAMES = (
    "Yvonne", "Lapierre", "Martin", "Dupont", "Kevin", "Smith", "Nguyen", "Bernard",
    "Le Goff", "Morvan", "Gaëtan", "Jessica", "Petit", "Robert", "Thomas", "Garcia",
)  # fmt: skip


@pytest.mark.parametrize("language", ["fr", "en"])
def test_when_the_same_name_is_replaced_twice_then_the_surrogate_is_the_same(
    language: str,
) -> None:
    assert surrogate_name("Yvonne LAPIERRE", language, SECRET) == surrogate_name(
        "Yvonne LAPIERRE", language, SECRET
    )


def test_when_a_name_is_written_in_other_frames_then_each_word_keeps_its_surrogate() -> None:
    full = surrogate_name("Yvonne LAPIERRE", "fr", SECRET).split()
    assert surrogate_name("Yvonne", "fr", SECRET) == full[0]
    assert surrogate_name("Lapierre", "fr", SECRET).lower() == full[1].lower()
    assert surrogate_name("lapierre", "fr", SECRET) == full[1].lower()


def test_when_the_patient_secret_differs_then_the_surrogates_usually_differ() -> None:
    differing = [
        name
        for name in NAMES
        if surrogate_name(name, "fr", SECRET) != surrogate_name(name, "fr", OTHER_SECRET)
    ]
    assert len(differing) >= len(NAMES) - 1


@pytest.mark.parametrize(
    ("name", "is_case"),
    [
        ("LAPIERRE", str.isupper),
        ("lapierre", str.islower),
        ("Lapierre", str.istitle),
        ("YVONNE", str.isupper),
        ("yvonne", str.islower),
        ("Yvonne", str.istitle),
    ],
)
def test_when_a_name_is_replaced_then_its_case_is_kept(
    name: str, is_case: Callable[[str], bool]
) -> None:
    fake = surrogate_name(name, "fr", SECRET)
    assert is_case(fake)
    assert fake.isalpha()


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("Le Gall", "Le "),
        ("de La Tour", "de La "),
        ("van der Berg", "van der "),
        ("DU PONT", "DU "),
    ],
)
def test_when_a_name_has_particles_then_they_are_kept_as_written(name: str, kept: str) -> None:
    fake = surrogate_name(name, "fr", SECRET)
    assert fake.startswith(kept)
    assert fake != name


def test_when_a_name_is_hyphenated_then_each_part_is_replaced_and_the_hyphen_kept() -> None:
    fake = surrogate_name("Jean-Pierre", "fr", SECRET)
    first, _, second = fake.partition("-")
    assert first.isalpha() and second.isalpha()
    assert first.lower() != "jean" and second.lower() != "pierre"


def test_when_a_name_has_an_initial_then_the_initial_stays_one_capital_letter() -> None:
    fake = surrogate_name("J. Martin", "fr", SECRET)
    assert re.fullmatch(r"[A-Z]\. \w+", fake)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("pseudonym", [f"patient-{i}" for i in range(8)])
def test_a_name_word_is_never_its_own_surrogate(language: str, pseudonym: str) -> None:
    secret = patient_secret(PROJECT_KEY, pseudonym)
    for name in NAMES:
        fake = surrogate_name(name, language, secret)
        for original, replaced in zip(_WORD.findall(name), _WORD.findall(fake), strict=True):
            if original.lower() not in ("le", "la", "de"):
                assert replaced.lower() != original.lower(), (name, fake)


# --- month_first_order -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dates", "language", "expected"),
    [
        ("on 3/14/2024", ["3/14/2024"], "en", True),  # 14 cannot be a month
        ("le 3/14", ["3/14"], "fr", True),
        ("le 14/3/2024", ["14/3/2024"], "en", False),  # 14 cannot be a month
        ("le 13/12", ["13/12"], "en", False),
        ("le 12/13", ["12/13"], "fr", True),
        ("le 12/12", ["12/12"], "fr", False),  # undecided: the language decides
        ("on 12/12", ["12/12"], "en", True),
        ("le 3/4", ["3/4"], "fr", False),
        ("on 3/4", ["3/4"], "en", True),
        ("3/4 then 14/3", ["3/4", "14/3"], "en", False),  # any deciding date decides
        ("3/4 then 3/14", ["3/4", "3/14"], "fr", True),
        ("on 12 March", ["12 March"], "en", True),  # no numeric date
        ("le 12 mars", ["12 mars"], "fr", False),
    ],
)
def test_the_numeric_date_order_is_decided_by_a_date_that_can_only_be_read_one_way(
    text: str, dates: list[str], language: str, expected: bool
) -> None:
    spans = [(s, e) for s, e, _ in spans_of(text, *((d, "DATE") for d in dates))]
    assert month_first_order(text, spans, language) is expected


# --- apply_surrogates --------------------------------------------------------------------

NOTE = (
    "Mme Lapierre, 94 ans, vue le 3/1 et le 12 mars 2024. IPP 123456. Née en 1930. "
    "Tél 06 12 34 56 78. Adresse : 3 rue des Lilas."
)
NOTE_ENTITIES = spans_of(
    NOTE,
    ("Lapierre", "PERSON"),
    ("94", "AGE"),
    ("3/1", "DATE"),
    ("12 mars 2024", "DATE"),
    ("123456", "IPP"),
    ("1930", "DATE"),
    ("06 12 34 56 78", "PHONE_NUMBER"),
    ("3 rue des Lilas", "ADDRESS"),
)
PATIENT = PatientContext(SECRET, shift_days=10, reference=NOTE_DAY)


def test_when_surrogates_are_applied_then_each_replacement_points_at_its_text_in_the_output() -> (
    None
):
    out, replacements = apply_surrogates(NOTE, NOTE_ENTITIES, "fr", PATIENT)
    assert [r.type for r in replacements] == [kind for _, _, kind in NOTE_ENTITIES]
    # Outside the replacements, the output is the original text, piece for piece.
    kept_out, kept_in, position_out, position_in = [], [], 0, 0
    for replacement, (start, end, _) in zip(replacements, NOTE_ENTITIES, strict=True):
        kept_out.append(out[position_out : replacement.start])
        kept_in.append(NOTE[position_in:start])
        position_out, position_in = replacement.end, end
    assert kept_out == kept_in
    assert out[position_out:] == NOTE[position_in:]


def test_when_surrogates_are_applied_then_names_dates_and_ages_are_fakes_and_the_rest_tags() -> (
    None
):
    out, replacements = apply_surrogates(NOTE, NOTE_ENTITIES, "fr", PATIENT)
    written = [(out[r.start : r.end], r.type, r.surrogate) for r in replacements]
    assert written == [
        (surrogate_name("Lapierre", "fr", SECRET), "PERSON", True),
        (GREAT_AGE_SURROGATE, "AGE", True),
        ("13/1", "DATE", True),
        ("22 mars 2024", "DATE", True),
        ("<IPP>", "IPP", False),
        ("<DATE>", "DATE", False),  # a year alone cannot be placed
        ("<PHONE_NUMBER>", "PHONE_NUMBER", False),
        ("<ADDRESS>", "ADDRESS", False),
    ]
    assert GREAT_AGE_SURROGATE == "90+"
    assert "Lapierre" not in out and "94" not in out and "123456" not in out


def test_when_there_is_nothing_to_replace_then_the_text_is_unchanged() -> None:
    assert apply_surrogates(NOTE, [], "fr", PATIENT) == (NOTE, [])
    assert apply_surrogates("", [], "fr", PATIENT) == ("", [])


@pytest.mark.parametrize(
    ("text", "dates", "expected"),
    [
        # 14/3 shows the note is day first: 3/4 is 3 April.
        ("Seen 3/4/2024 and 14/3/2024", ["3/4/2024", "14/3/2024"], "Seen 13/4/2024 and 24/3/2024"),
        # Nothing decides: an English note is month first, 3/4 is 4 March.
        ("Seen 3/4/2024 only", ["3/4/2024"], "Seen 3/14/2024 only"),
    ],
)
def test_when_a_note_shows_its_date_order_then_every_numeric_date_is_read_that_way(
    text: str, dates: list[str], expected: str
) -> None:
    entities = spans_of(text, *((d, "DATE") for d in dates))
    out, _ = apply_surrogates(text, entities, "en", PATIENT)
    assert out == expected


def test_when_two_notes_of_a_patient_name_them_then_both_get_the_same_surrogate() -> None:
    first, _ = apply_surrogates("Vu Mme Lapierre.", [(7, 15, "PERSON")], "fr", PATIENT)
    second, _ = apply_surrogates("Lapierre, sortie.", [(0, 8, "PERSON")], "fr", PATIENT)
    other, _ = apply_surrogates(
        "Lapierre, sortie.", [(0, 8, "PERSON")], "fr", PatientContext(OTHER_SECRET, 10)
    )
    assert first[7:-1] == second[: second.index(",")]
    assert other != second


@pytest.mark.parametrize("patronymic", ["a/p", "a/l", "A/P"])
def test_a_malaysian_patronymic_stays_between_the_surrogate_names(patronymic: str) -> None:
    name = f"Kavitha {patronymic} Subramaniam"
    words = surrogate_name(name, "en", SECRET).split()
    assert words[1] == patronymic
    assert "Kavitha" not in words and "Subramaniam" not in words


def test_a_marital_word_stays_between_a_birth_name_and_a_married_name() -> None:
    words = surrogate_name("HADDAD épouse FERREIRA Nadia", "fr", SECRET).split()
    assert words[1] == "épouse"
    assert not {"HADDAD", "FERREIRA", "Nadia"} & set(words)
