from __future__ import annotations

import pytest

from anonymization.recognizers.base import RegexRecognizer
from anonymization.recognizers.url_recognizer import DOMAIN_SCORE, URL_SCORE, FrUrlRecognizer


def found(recognizer: RegexRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


URL = FrUrlRecognizer()


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("voir https://monespace.chu-x.fr/p/972004581.", "https://monespace.chu-x.fr/p/972004581"),
        ("www.doctolib.fr/medecin/x, puis", "www.doctolib.fr/medecin/x"),
        ("(https://a.b.fr/x)", "https://a.b.fr/x"),
        ("http://x.org", "http://x.org"),
        ("ftp://files.chu.fr/a", "ftp://files.chu.fr/a"),
        ("HTTPS://EXAMPLE.COM/A", "HTTPS://EXAMPLE.COM/A"),
        (
            "lien : https://pacs.chu.fr/viewer?study=1.2.3&id=9 !",
            "https://pacs.chu.fr/viewer?study=1.2.3&id=9",
        ),
    ],
)
def test_when_a_link_ends_with_punctuation_then_the_link_is_found_without_it(
    text: str, url: str
) -> None:
    results = URL.analyze(text, ["URL"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(url, URL_SCORE)]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("portail.ght.fr/rdv?id=3", "portail.ght.fr/rdv?id=3"),
        ("doctolib.fr", "doctolib.fr"),
        ("site chu-rennes.fr.", "chu-rennes.fr"),
    ],
)
def test_when_a_bare_domain_has_a_known_suffix_then_it_is_found(text: str, url: str) -> None:
    results = URL.analyze(text, ["URL"], None)
    assert [(text[r.start : r.end], r.score) for r in results] == [(url, DOMAIN_SCORE)]


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3",
        "score 2.5",
        "Dr. Martin",
        "e.g. this",
        "T.A. 12/8",
        "ordonnance.pdf",
        "fichier rapport.doc",
        "jean.dupont@chu.fr",  # an e-mail address, not a link
        "pas de point ici",
    ],
)
def test_when_dotted_words_are_not_a_web_address_then_nothing_is_found(text: str) -> None:
    assert found(URL, text) == []
