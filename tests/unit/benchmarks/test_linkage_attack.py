"""The declared adversary against time since the index and length-of-stay bands
(`benchmarks.linkage_attack`): matches what is compatible, and only that."""

from __future__ import annotations

from datetime import date, timedelta

from benchmarks.linkage_attack import PublishedPatient, Stay, Target, attack

DAY = date(2024, 3, 4)


def stays(admissions: list[date], lengths: list[int]) -> tuple[Stay, ...]:
    return tuple(
        Stay("cardio", day, day + timedelta(days=length))
        for day, length in zip(admissions, lengths, strict=True)
    )


def test_offsets_since_the_index_match_whatever_the_calendar() -> None:
    """Two known stays 30 days apart match the patient published at offsets 0 and 30,
    and also one published at 0 and 30 years later (the index is unknown), but not one
    at 0 and 31."""
    target = Target("a", 1950, "F", stays([DAY, DAY + timedelta(days=30)], [2, 5]))
    published = {
        "a": PublishedPatient("1950", "F", (Stay("cardio", 0, 2), Stay("cardio", 30, 35))),
        "b": PublishedPatient("1950", "F", (Stay("cardio", 0, 2), Stay("cardio", 30, 35))),
        "c": PublishedPatient("1950", "F", (Stay("cardio", 0, 2), Stay("cardio", 31, 36))),
    }
    result = attack([target], published, 2, 5, "days_since_index")
    assert result.not_found == 0
    assert result.max_risk == 1 / 2  # a and b, not c
    weeks = {
        "a": PublishedPatient("1950", "F", (Stay("cardio", 0, 0), Stay("cardio", 4, 5))),
        "c": PublishedPatient("1950", "F", (Stay("cardio", 0, 0), Stay("cardio", 6, 6))),
    }
    assert attack([target], weeks, 2, 5, "weeks_since_index").max_risk == 1.0


def test_a_length_of_stay_band_matches_the_known_length_only() -> None:
    target = Target("a", 1950, "F", stays([DAY], [4]))
    published = {
        "a": PublishedPatient("1950", "F", (Stay("cardio", None, "3-6"),)),
        "b": PublishedPatient("1950", "F", (Stay("cardio", None, "3-6"),)),
        "c": PublishedPatient("1950", "F", (Stay("cardio", None, "7-13"),)),
        "d": PublishedPatient("1950", "F", (Stay("cardio", None, "30+"),)),
    }
    result = attack([target], published, 1, 5, "*")
    assert (result.not_found, result.max_risk) == (0, 1 / 2)
