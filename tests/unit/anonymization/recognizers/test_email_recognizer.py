from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.email_recognizer import FrEmailRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


EMAIL = FrEmailRecognizer()


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("mail: jean.dupont@chu-rennes.fr.", "jean.dupont@chu-rennes.fr"),
        ("(jean.dupont@chu.fr.uk)", "jean.dupont@chu.fr.uk"),
        ("J.Doe+rdv@NHS.NET", "J.Doe+rdv@NHS.NET"),
    ],
)
def test_when_an_address_is_written_plainly_then_it_is_found_without_punctuation_around(
    text: str, address: str
) -> None:
    assert found(EMAIL, text) == [address]


@pytest.mark.parametrize(
    "address",
    [
        "jean.dupont(at)gmail(dot)com",
        "x(at)y(dot)fr",
        "x [at] y [dot] fr",
        "x{at}y{dot}fr",
        "x <at> y <dot> fr",
        "marie.durand arobase orange point fr",
        "j.doe at nhs dot net",
        "j.doe at nhs.net",
        "J.DOE AT NHS DOT NET",
        "m.durand(@)wanadoo(.)fr",
    ],
)
def test_when_an_address_is_obfuscated_then_it_is_found_whole(address: str) -> None:
    assert found(EMAIL, f"Contact : {address}, merci.") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "margin at 0.3 cm",
        "tumour at 2 cm. from margin",
        "seen at 10.30",
        "look at this",
        "at the CHU dot",
        "Dr Martin at St Thomas",
        "jean@localhost",
        "a@b.c",
        "jean@@chu.fr",
    ],
)
def test_when_at_or_dot_are_ordinary_words_or_the_address_is_incomplete_then_nothing_is_found(
    text: str,
) -> None:
    assert found(EMAIL, text) == []


def test_an_obfuscated_address_of_another_country_is_found() -> None:
    text = "cover is dr.amit.bhosle(at)deccanheritage(dot)in, ph"
    assert found(EMAIL, text) == ["dr.amit.bhosle(at)deccanheritage(dot)in"]
    assert found(EMAIL, "we met at home dot in the diary") == []
