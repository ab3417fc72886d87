from __future__ import annotations

import pytest

from anonymization.recognizers.message_signoffs import message_signoffs


def found(text: str) -> list[str]:
    return [text[start:end] for start, end in message_signoffs(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("can u send the script to the pharmacy. thx deb", "deb"),
        ("Thanks, Jess!", "Jess"),
        ("see you at 3, cheers mo", "mo"),
        ("hi dr patel this is deb, yvette's daughter", "deb"),
        ("it's jess from the ward", "jess"),
        ("ok pour demain 14h, merci gaëtan", "gaëtan"),
    ],
)
def test_when_a_message_is_signed_or_introduced_with_a_name_then_the_name_is_found(
    text: str, name: str
) -> None:
    assert found(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "thanks all",
        "cheers again",
        "Many thanks team",
        "this is urgent, please call",
        "it's fine, thanks so much",
        "merci beaucoup",
        "merci encore",
        "thanks for the referral, it was helpful",  # not at the end of the line
    ],
)
def test_when_thanks_or_this_is_lead_to_an_ordinary_word_then_no_name(text: str) -> None:
    assert found(text) == []
