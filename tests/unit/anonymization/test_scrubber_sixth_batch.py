"""The rules the sixth batch of realistic documents taught (issue 14), each on an invented
sentence through the whole scrubber: what must be redacted, and what must stay."""

from __future__ import annotations

import pytest

from anonymization.scrubber import Scrubber

SCRUBBERS: dict[str, Scrubber] = {}


def scrubbed(text: str, language: str) -> str:
    if language not in SCRUBBERS:
        SCRUBBERS[language] = Scrubber(language)
    return SCRUBBERS[language].scrub([text])[0].text


@pytest.mark.parametrize(
    ("text", "secret", "tag", "language"),
    [
        # Practices named by their trade or their specialty's partnership.
        ("PT x 12 visits at Summit Physical Therapy, last in May.", "Summit", "<HOSPITAL>", "en"),
        ("BRCA panel sent (Pioneer Labs req #RQ5510230)", "Pioneer", "<HOSPITAL>", "en"),
        ("Prenatal care: Harbor Women's Health, 9 visits", "Harbor", "<HOSPITAL>", "en"),
        ("Destination: Butler County General bypassed", "Butler", "<HOSPITAL>", "en"),
        ("TO: South Shore Neurology Group   ATTN: referrals", "South", "<HOSPITAL>", "en"),
        # The same heads in capitals.
        ("SILVER LAKE KIDNEY CENTER - WEST    CCN 12-0044", "SILVER", "<HOSPITAL>", "en"),
        ("GRAND CANYON DIGESTIVE HEALTH ASSOCIATES\n8725 N. Hayden Rd", "GRAND", "<HOSPITAL>",
         "en"),
        # Employers, insurers and firms.
        ("Referral source: Westfield Community College", "Westfield", "<ORGANIZATION>", "en"),
        ("cc: Farrow & Brandt PLLC (claimant's attorney)", "Brandt", "<ORGANIZATION>", "en"),
        ("Senior Accountant, Kwara State Water Corporation", "Kwara", "<ORGANIZATION>", "en"),
        ("security guard - Imbali Guarding Services, nights", "Imbali", "<ORGANIZATION>", "en"),
        ("keeps the books for Dorrigan & Sons Marine", "Dorrigan", "<ORGANIZATION>", "en"),
        ("per her plan (Sagebrush Health Alliance Medicare Advantage)", "Sagebrush",
         "<HOSPITAL>", "en"),
    ],
)  # fmt: skip
def test_an_identifier_of_the_sixth_batch_forms_is_redacted(
    text: str, secret: str, tag: str, language: str
) -> None:
    result = scrubbed(text, language)
    assert secret not in result
    assert tag in result  # what was hidden is named as what it is


@pytest.mark.parametrize(
    ("text", "kept", "language"),
    [
        ("Referred to Social Services today.", "Social Services", "en"),
        ("Not known to Children's Services per MASH check.", "Children's Services", "en"),
        ("MONTHLY LABS (drawn 3/3)\nHgb 10.4", "MONTHLY LABS", "en"),
        ("Follow-up with Internal Medicine Associates next week", "Internal Medicine", "en"),
    ],
)
def test_what_looks_like_those_forms_stays(text: str, kept: str, language: str) -> None:
    assert kept in scrubbed(text, language)
