from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.short_date_recognizer import (
    BIRTH_YEAR_SCORE,
    DAY_ALONE_SCORE,
    ShortDateRecognizer,
)


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


DATE = ShortDateRecognizer()


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("vu le 3/1.", ["3/1"]),
        ("entrée le 14/02", ["14/02"]),
        ("du 02/01 au 16/01", ["02/01", "16/01"]),
        ("seen on 2/12", ["2/12"]),
        ("on 12/31", ["12/31"]),  # US order after "on"
        ("contrôle (19/04)", ["19/04"]),
        ("| 07/11 | Hb 10 |", ["07/11"]),
        ("12/07 – Caroline IDE", ["12/07"]),
        ("13/02 6h", ["13/02"]),
        ("revu le 07/11", ["07/11"]),
        ("vu le 31/12", ["31/12"]),
        ("le 1/1", ["1/1"]),
        ("visites le 12/8, 20/8, 2/9 et ce jour", ["12/8", "20/8", "2/9"]),
    ],
)
def test_when_a_day_and_month_are_written_in_figures_with_context_then_they_are_a_date(
    text: str, dates: list[str]
) -> None:
    assert found(DATE, text) == dates


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("lundi 11/12 : bilan", "lundi 11/12"),
        ("Tues 6/4 clinic", "Tues 6/4"),
        ("dimanche 14", "dimanche 14"),
    ],
)
def test_when_a_weekday_precedes_a_date_then_it_goes_with_the_date(text: str, date: str) -> None:
    assert found(DATE, text) == [date]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("RDV le 16", "16"),
        ("RDV du 19 à 14h", "19"),
        ("jusqu'au 28", "28"),
        ("le 1er", "1er"),
        ("le 31", "31"),
        ("seen on the 11th", "11th"),
        ("the 28th", "28th"),
    ],
)
def test_when_a_day_alone_follows_a_date_word_then_it_is_a_date(text: str, day: str) -> None:
    results = DATE.analyze(text, ["DATE"], None)
    assert [text[r.start : r.end] for r in results] == [day]
    assert [r.score for r in results] == [DAY_ALONE_SCORE]


@pytest.mark.parametrize(
    "text",
    [
        "le 32",
        "le 0",
        "le 00",
        "vu le 32/12",
        "vu le 13/13",
        "vu le 0/12",
        "on 13/31",
        "le 3/1.5",  # a decimal
        "le 3/1,5",
        "revu le 3/1/2024",  # a full date: left to the full-date recognizer
    ],
)
def test_when_the_numbers_cannot_be_a_day_and_month_then_no_short_date_is_found(
    text: str,
) -> None:
    assert found(DATE, text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("21-07-05", "21-07-05"),
        ("12.02.24", "12.02.24"),
        ("depuis 10/2020", "10/2020"),
        ("MARS 2023", "MARS 2023"),
        ("en septembre", "septembre"),
        ("depuis novembre", "novembre"),
        ("fin décembre", "décembre"),
        ("in March", "March"),
        ("in May", "May"),
        ("Aug 14", "Aug 14"),
        ("Fri Feb 9", "Fri Feb 9"),
        ("13 Oct", "13 Oct"),
        ("3rd January", "3rd January"),
        ("printemps 2021", "printemps 2021"),
        ("Boxing Day", "Boxing Day"),
        ("Christmas Day", "Christmas Day"),
        ("Easter Monday", "Easter Monday"),
    ],
)
def test_when_a_date_lacks_its_year_or_its_day_then_it_is_still_found(text: str, date: str) -> None:
    assert found(DATE, text) == [date]


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("née en 1966", "1966"),
        ("Né en 1966", "1966"),
        ("born in 1975", "1975"),
        ("DOB: 1952", "1952"),
    ],
)
def test_when_a_birth_year_is_written_then_the_year_is_found_with_its_score(
    text: str, year: str
) -> None:
    results = DATE.analyze(text, ["DATE"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(year, BIRTH_YEAR_SCORE)]


@pytest.mark.parametrize(
    "text",
    [
        "EVA 6/10",
        "EN 4/10",
        "MMSE 22/30",
        "MoCA 26/30",
        "Glasgow 13/15",
        "acuité 10/10",
        "TA 12/8",
        "ta 12/8",
        "PA 13/7",
        "TA 135/80",
        "force 4/5",
        "score 4/5",
        "3/4 du repas",
        "mange 3/4 du plateau",
        "1/2 cp",
    ],
)
def test_when_a_score_ratio_or_measure_is_written_like_a_date_then_it_is_kept(text: str) -> None:
    assert found(DATE, text) == []


@pytest.mark.parametrize(
    "text",
    ["le 12 mg", "le 12mg", "le 12 ans", "le 12 %", "le 3 jours", "depuis 3 jours", "Sat 98%"],
)
def test_when_a_unit_follows_a_number_then_it_is_not_a_day(text: str) -> None:
    assert found(DATE, text) == []


@pytest.mark.parametrize(
    "text", ["the 4th floor", "the 5th metatarsal", "May I help", "may be", "né en 1899"]
)
def test_when_words_only_look_like_a_date_then_nothing_is_found(text: str) -> None:
    assert found(DATE, text) == []


def test_when_a_note_already_has_two_dates_then_a_bare_pair_is_a_date_but_not_a_score() -> None:
    text = "vu le 3/1 et le 5/2, Lovenox 4/9, EVA 6/10, 3/4 du repas, 4/5"
    assert found(DATE, text) == ["3/1", "5/2", "4/9"]


def test_when_a_note_has_only_one_date_then_a_bare_pair_is_left_alone() -> None:
    assert found(DATE, "vu le 3/1, puis 7/9") == ["3/1"]
    assert found(DATE, "vu le 3/1 et le 5/2, puis 7/9") == ["3/1", "5/2", "7/9"]


def test_when_dates_are_not_asked_for_then_nothing_is_found() -> None:
    assert DATE.analyze("vu le 3/1", ["PERSON"], None) == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("INR today 2.6 (target 2-3)", []),
        ("Hgb 9.6 (10.1 pre-op), K 4.2", []),
        ("| 1/3 | 2.4 | 35 | 5 mg daily |", ["1/3"]),
        ("Prednisolone 50mg OD 10/7 then stop", []),  # ten days
        ("Ache behind the ear 2/7 before onset", []),  # two days
        ("Weight 41.0 kg (-2.1 kg in 1/12)", []),  # one month
        ("Review in 6/52", []),  # six weeks
        ("Call the nurse line 24/7", []),
        ("Foley due to be changed on 3/7", ["3/7"]),  # a US date, not a duration
    ],
)
def test_values_and_british_durations_are_not_dates(text: str, dates: list[str]) -> None:
    assert found(DATE, text) == dates


@pytest.mark.parametrize(
    ("text", "date"),
    [("Mon 15.4 - seen by the GP", "Mon 15.4"), ("revu le 12.02 en consultation", "12.02")],
)
def test_a_dotted_date_needs_a_weekday_or_zero_padding(text: str, date: str) -> None:
    assert found(DATE, text) == [date]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("start Lovenox 4/4 AM, last dose at noon", ["4/4"]),  # the morning of that day
        ("Take 1/2 AM and 1/2 PM", []),  # half a tablet, morning and evening
        ("resume warfarin evening of 4/8 if no bleed", ["4/8"]),
        ("repeat bloods week of 7/15", ["7/15"]),
        ("Letter dated Aug '23", ["Aug '23"]),
        ("Xmas day fall at home", ["Xmas day"]),
        ("F/u 11/20 at 1030 in clinic", ["11/20"]),
    ],
)
def test_time_of_day_periods_of_a_day_short_years_and_xmas_make_a_date(
    text: str, expected: list[str]
) -> None:
    assert found(DATE, text) == expected


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # What is done on a day, and the tests named by it (US month/day order too).
        ("drain removed 2/10, pain controlled", ["2/10"]),
        ("PET-CT 4/22 with anterior mediastinal mass", ["4/22"]),
        ("CBC at the outpatient lab 2/16", ["2/16"]),
        ("PROCEDURE: 2/3 - pylorus-preserving", ["2/3"]),
        ("presented to the ED 4/10 with RUQ pain", ["4/10"]),
        # A range of two day/month pairs, in either order.
        ("delayed gastric emptying 2/6-2/9: NGT replaced", ["2/6", "2/9"]),
        ("admitted 12/3 - 15/3 for rehab", ["12/3", "15/3"]),
        # A compact date after its date-of-service label.
        ("Job #: 5521907   DOS: 041124", ["041124"]),
        # A day alone that closes a list: "le 7 et 8".
        ("il prend le relais le 7 et 8.", ["7", "8"]),
        ("booked for Weds 20th", ["Weds 20th"]),
        # An abbreviated month after a preposition, a birth year after a birth name.
        ("NEW since Feb (NMS)", ["Feb"]),
        ("née MOREAU en 1929", ["1929"]),
        ("FEVG 35 % EN MARS 2023", ["MARS 2023"]),
    ],
)
def test_when_clinicians_write_dates_in_these_forms_then_they_are_found(
    text: str, dates: list[str]
) -> None:
    assert found(DATE, text) == dates


@pytest.mark.parametrize(
    "text",
    [
        "pain 6/10-8/10 on movement",  # a range of scores, not of dates
        "TA couchée 14/8, debout 12/7",  # blood pressure lying and standing
        "Score EIFEL à 8/24",
        "HADS 8/6",
        "stress-dose HC taper to 20/10 today",
        "| Glasgow | 15 | EVA | 6/10 |",
    ],
)
def test_when_a_measure_is_one_word_away_from_its_value_then_it_is_no_date(text: str) -> None:
    assert found(DATE, text) == []


def test_in_a_note_of_dates_a_pair_without_a_month_or_a_count_out_of_a_total_stays() -> None:
    text = "Seen 03/14/2024, reviewed 3/15. MoCA was 26/30, K 4.9 -> 20/20, 2/17 LN positive."
    assert found(DATE, text) == ["3/15"]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("CT chest March 5th (acc CT-2024-0031927)", ["March 5th"]),
        ("swollen since Sun (12th) after a tangi", ["12th"]),
        ("Off work. Review 22.3 - likely selected duties", ["22.3"]),
    ],
)
def test_when_a_month_is_written_whole_or_a_day_is_bracketed_then_the_date_is_found(
    text: str, dates: list[str]
) -> None:
    assert found(DATE, text) == dates


@pytest.mark.parametrize("text", ["INR today 2.6 (target 2-3)", "started 2.5 mg daily"])
def test_when_a_decimal_follows_a_date_word_then_it_stays_a_value(text: str) -> None:
    assert found(DATE, text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Consultation du 3-4 mars.", "3-4 mars"),
        ("Séjour 12–15 janvier 2024.", "12–15 janvier 2024"),
        ("Admitted 3-4 March, home later.", "3-4 March"),
    ],
)
def test_a_range_of_days_before_its_month_is_one_date(text: str, date: str) -> None:
    assert date in found(DATE, text)


def test_a_range_of_months_is_no_range_of_days() -> None:
    assert found(DATE, "Score 3-4 mois plus tard.") == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Surgery planned for w/c 25/3.", "25/3"),
        ("Review week commencing 4/11", "4/11"),
        ("Worse since Xmas 2023.", "Xmas 2023"),
        ("Depuis Pâques 2022, fatigue.", "Pâques 2022"),
        ("In Dec '23 had a fall.", "Dec '23"),
        ("Stopped mid-Feb.", "Feb."),
    ],
)
def test_week_commencing_feasts_with_a_year_short_years_and_mid_month_are_dates(
    text: str, date: str
) -> None:
    assert date in found(DATE, text)


def test_a_month_inside_a_hyphenated_word_is_no_date() -> None:
    assert found(DATE, "a Feb-ruary joke, the Mar-tin file") == []


def test_a_range_of_two_month_and_day_dates_is_two_dates_not_a_two_digit_year() -> None:
    assert found(DATE, "(hospitalisation Feb 19-Feb 23 at Welland)") == ["Feb 19", "Feb 23"]
    assert found(DATE, "seen 19-Feb-23 in clinic") == ["19-Feb-23"]


def test_a_birth_year_in_a_joint_dob_and_age_field_is_found() -> None:
    assert found(DATE, "Sex: M     DOB / age: 1957 (67)     Wt: 94 kg") == ["1957"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Dates du bilan : 4 et 11/12/2024   N° dossier", "4"),
        ("Assessed: 4th & 11th March 2025 (clinic + school)", "4th"),
        ("volunteers sat with family overnight 15th/16th; tea", "15th/16th"),
    ],
)
def test_a_day_before_another_date_and_a_nights_two_days_are_dates(text: str, day: str) -> None:
    assert found(DATE, text)[0] == day  # the date after it is the full-date recognizer's


def test_ordinal_fingers_and_a_score_before_a_fraction_are_no_dates() -> None:
    assert found(DATE, "Pitting L 3rd/4th, R 2nd/4th fingernails") == []
    assert found(DATE, "EVA 4 et 6/10 au repos") == []
