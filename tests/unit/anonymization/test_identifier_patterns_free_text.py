"""`residual_rules`: the identifier rules plus URL and DATE_WITH_DAY, for scrubbed free text."""

from __future__ import annotations

import pytest

from anonymization.identifier_patterns import (
    FREE_TEXT_RESIDUAL_PATTERNS,
    RESIDUAL_IDENTIFIER_PATTERNS,
    residual_rules,
)


def test_the_free_text_rules_are_the_identifier_rules_plus_url_and_full_dates() -> None:
    assert set(FREE_TEXT_RESIDUAL_PATTERNS) == set(RESIDUAL_IDENTIFIER_PATTERNS) | {
        "URL",
        "DATE_WITH_DAY",
    }


@pytest.mark.parametrize(
    "text",
    [
        "voir https://x.fr/a",
        "HTTP://X.FR",
        "ftp://files.chu.fr/a",
        "www.doctolib.fr/rdv",
        "(www.chu.fr)",
    ],
)
def test_when_a_web_address_is_left_in_a_note_then_the_url_rule_fails(text: str) -> None:
    assert residual_rules(text) == ["URL"]


@pytest.mark.parametrize(
    "text",
    [
        "le 12/03/2024",
        "12-03-24",
        "12.03.2024",
        "1/3/2024",
        "2024-03-12",
        "12 mars 2024",
        "1er janvier 2020",
        "3 sept. 2021",
        "12 May 2024",
        "12th March 2024",
        "12th of March 2024",
        "March 12, 2024",
        "May 12 2024",
        "Sept 3, 2021",
    ],
)
def test_when_a_date_with_its_day_is_left_in_a_note_then_the_date_rule_fails(text: str) -> None:
    assert residual_rules(text) == ["DATE_WITH_DAY"]


@pytest.mark.parametrize(
    "text",
    [
        "le <DATE>, voir <URL>",
        "mars 2024",  # no day
        "11/2024",
        "le 3/1",  # no year
        "1954",
        "en 2019-2021",
        "TA 12/8",
        "EVA 6/10",
        "version 1.2.3",
        "doctolib.fr",  # no scheme nor www
        "32/01/2024",
        "2024-13-01",
        "112/03/2024",
    ],
)
def test_when_a_scrubbed_note_holds_no_link_or_full_date_then_no_rule_fails(text: str) -> None:
    assert residual_rules(text) == []


def test_every_rule_a_note_fails_is_named_once() -> None:
    text = "Vu le 12/03/2024, jean@x.fr, 06 12 34 56 78, https://x.fr, le 13/03/2024"
    assert sorted(residual_rules(text)) == ["DATE_WITH_DAY", "EMAIL", "FR_PHONE", "URL"]


def test_an_identifier_split_by_an_invisible_character_still_fails_the_gate() -> None:
    assert residual_rules("rappeler au 06 12 34\u200b 56 78") == ["FR_PHONE"]
    assert residual_rules("vu le 12/03\u00ad/2024") == ["DATE_WITH_DAY"]
