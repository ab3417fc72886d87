"""How an establishment, an organisation or a place found in part is completed from the
way such names are written, on the same line:

- a head noun after it: "Elmwood Unit", "Maponya Mall", "Malvern Hills";
- a link and capitalised words after it: "Mutual of Omaha", "Heart Institute at Greer
  Memorial", "Westminster-Canterbury on Chesapeake Bay", "Ashton-on-Ribble", "ADMR du
  pays des Abers"; the second half of a double name: "Westbourne-Fairleigh"; a second
  town after a slash: "CHU de Pointe-à-Pitre/Abymes";
- the words between two such spans: "Age UK Shropshire [Telford] & Wrekin";
- a possessive or a district number: "Fiorentini's", "CLAT 93", "IAM Local 31";
- a company's legal form: "Tri-County Steel Fabricators, Inc.", "Great Lakes Orthopaedics,
  P.C.";
- a site after a dash: "Ochsner Urology - Elmwood", "RIVERBEND KIDNEY CENTER - EAST";
- a town's postcode after it, on its line or alone on the next: "Manila 1000", "Pune
  411028", "Centurion⏎0157" (`postcodes_after`);
- the locality between a street address and its postcode: "12 chemin Badamier, Ravine des
  Cabris – 97432" (`localities_after`).

A capitalised word is taken only when it is no frequent word of the language ("Monday",
"Discharge" are not), unless it is a head noun.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import cache
from typing import Final

from anonymization.lexicons import (
    LANGUAGES,
    ambiguous_words,
    common_words,
    drug_vocabulary,
    medical_words,
)
from anonymization.recognizers.date_recognizer import MONTH_WORDS, WEEKDAY_WORDS

PLACE_TYPES: Final = frozenset({"HOSPITAL", "ORGANIZATION", "LOCATION"})
_HEADS: Final = (
    "Unit", "Ward", "Wing", "House", "Lodge", "Centre", "Center", "Clinic", "Mall", "Hills",
    "Bay", "Park", "Valley", "Campus", "Memorial", "Institute", "Practice", "Pharmacy",
    "Surgery", "Hospice", "Village", "Estate", "Gardens", "Court", "Manor",
)  # fmt: skip
_HEAD_AFTER: Final = re.compile(r"[ \t]+(?:" + "|".join(_HEADS) + r")(?![\w'’-])")
_CAPITALISED: Final = r"[A-ZÀ-Þ][\w'’]*(?:-[A-ZÀ-Þ][\w'’]*)*"
_LINKED_AFTER: Final = re.compile(
    r"(?:[ \t]+(?:of|&|and|du|de|des|de[ \t]+la|d['’])[ \t]*"
    r"|-(?:on|upon|in|under|le|la|sur|en|lès|les)-)"
    r"(?:(?:pays|la|le|les)[ \t]+(?:de[ \t]+|des[ \t]+|du[ \t]+)?)?"
    rf"(?P<words>{_CAPITALISED}(?:[ \t]+{_CAPITALISED}){{0,2}})"
    # "at" and "on" only before a name ending in a head noun: "at Greer Memorial",
    # "on Chesapeake Bay" (not "on Monday", "at Christmas").
    rf"|[ \t]+(?:at|on)[ \t]+(?P<headed>(?:{_CAPITALISED}[ \t]+){{1,2}}(?:"
    + "|".join(_HEADS)
    + r"))(?![\w'’-])"
)
# "Westbourne-Fairleigh": the second half of a double name.
_HYPHENATED_AFTER: Final = re.compile(rf"-(?P<words>{_CAPITALISED})(?![\w'’-])")
# "CHU de Pointe-à-Pitre/Abymes": a second town joined by a slash.
# In title case: "GHL/NT" is an establishment and a typist's initials.
_SLASHED_AFTER: Final = re.compile(
    r"/(?P<words>[A-ZÀ-Þ][a-zà-ÿ][\w'’]*(?:-[A-ZÀ-Þ]?[\w'’]+)*)(?![\w'’/-])"
)
_BETWEEN: Final = re.compile(
    rf"-|[ \t]+(?:(?:{_CAPITALISED}|&|and|of|on|at|de|du|des)[ \t]+){{0,3}}"
    rf"(?:{_CAPITALISED}|&|and|of|on|at|de|du|des)?[ \t]*"
)
_POSSESSIVE_OR_NUMBER_AFTER: Final = re.compile(r"['’]s(?![\w])|[ \t]+\d{1,3}(?![\w.,/:])")
_LEGAL_FORM_AFTER: Final = re.compile(
    r",?[ \t]*(?:Inc\.?|INC\.?|LLC|L\.L\.C\.|Ltd\.?|LTD\.?|P\.C\.|PLLC|LLP|P\.A\.|Corp\.?"
    r"|GmbH|SARL|SAS)(?![\w])"
)
_SITE_AFTER_DASH: Final = re.compile(
    rf"[ \t]+[-–][ \t]+(?P<words>{_CAPITALISED}(?:[ \t]+{_CAPITALISED}){{0,3}})(?![\w'’-])"
)
# A site's compass point, frequent word as it is: "- EAST", "- North Campus".
_SITE_WORDS: Final = frozenset(
    ("north", "south", "east", "west", "central", "downtown", "uptown", "main", "campus")
)

Span = tuple[int, int]


# Days and months are capitalised in English without being names.
_CALENDAR_WORDS: Final = WEEKDAY_WORDS | MONTH_WORDS | {"christmas", "easter"}


@cache
def _frequent() -> frozenset[str]:
    return _CALENDAR_WORDS.union(*(ambiguous_words(language) for language in LANGUAGES))


def _all_rare(words: str) -> bool:
    """Every capitalised word is a head noun or no frequent word."""
    frequent = _frequent()
    for word in re.findall(_CAPITALISED, words):
        if word in _HEADS:
            continue
        if any(part.lower() in frequent for part in word.split("-")):
            return False
    return True


def _names_a_site(words: str) -> bool:
    """ "Elmwood", "EAST", "North Campus": its first word is a compass point, or no word
    of either language, drug or medical word ("- WARFARIN FLOWSHEET", "- CONSULTATION
    RECORD", "- ALVARADO SCORE" are no site)."""
    first = words.split()[0].lower()
    if first in _SITE_WORDS:
        return True
    return (
        not any(
            first in common_words(language) or first in medical_words(language)
            for language in LANGUAGES
        )
        and first not in drug_vocabulary()
    )


def completed(
    text: str, spans: Sequence[Span], establishments: frozenset[Span] = frozenset()
) -> list[Span]:
    """The place-like spans given, each extended as far as the rules above reach; a site
    after a dash only for `establishments` (a town's dash starts a list: "PETERHEAD -
    ALVARADO SCORE 7")."""
    found = []
    for start, end in spans:
        new_end = end
        while True:
            head = _HEAD_AFTER.match(text, new_end)
            linked = _LINKED_AFTER.match(text, new_end)
            tail = _POSSESSIVE_OR_NUMBER_AFTER.match(text, new_end)
            legal = _LEGAL_FORM_AFTER.match(text, new_end)
            site = _SITE_AFTER_DASH.match(text, new_end)
            if legal is not None:
                new_end = legal.end()
                break
            if (
                site is not None
                and (start, end) in establishments
                and _names_a_site(site.group("words"))
            ):
                new_end = site.end()
                break
            if head is not None:
                new_end = head.end()
            elif linked is not None and _all_rare(linked.group("words") or linked.group("headed")):
                new_end = linked.end()
            elif (hyphenated := _HYPHENATED_AFTER.match(text, new_end)) is not None and _all_rare(
                hyphenated.group("words")
            ):
                new_end = hyphenated.end()
            elif (slashed := _SLASHED_AFTER.match(text, new_end)) is not None and _all_rare(
                slashed.group("words")
            ):
                new_end = slashed.end()
            elif tail is not None:
                new_end = tail.end()
                break
            else:
                break
        if new_end > end:
            found.append((start, new_end))
    return found


def bridged(text: str, spans: Sequence[Span]) -> list[Span]:
    """Two place-like spans on one line with only capitalised or linking words between
    them, as one."""
    return [
        (left[0], right[1])
        for left, right in itertools.pairwise(sorted(spans))
        if right[0] > left[1]
        and _BETWEEN.fullmatch(text, left[1], right[0])
        and _all_rare(text[left[1] : right[0]])
    ]


# A postcode of four to six digits after a town, or alone on the next line; a year-shaped
# one only at the line's end ("Paris 2024 Olympics" holds no postcode).
_POSTCODE_AFTER: Final = re.compile(
    r"(?:[ \t]+|[ \t]*\n[ \t]*(?=\d+[ \t]*(?:\n|$)))"
    r"(?:(?!(?:19|20)\d\d(?![ \t]*(?:\n|$)))\d{4}|\d{5,6})(?![\w.,/:-])"
)


def postcodes_after(text: str, towns: Sequence[Span]) -> list[Span]:
    """Each town span with the postcode after it."""
    found = []
    for start, end in towns:
        postcode = _POSTCODE_AFTER.match(text, end)
        if postcode is not None:
            found.append((start, postcode.end()))
    return found


# After a street address: a comma, capitalised words (with the small words of place
# names), then a postcode: "12 chemin Badamier, Ravine des Cabris – 97432".
_LOCALITY_AFTER: Final = re.compile(
    rf"[ \t]*,[ \t]*(?P<place>{_CAPITALISED}(?:[ \t]+(?:{_CAPITALISED}|de|des|du|la|le|les"
    rf"|sur|en|lès|d['’]{_CAPITALISED}|l['’]{_CAPITALISED})){{0,5}})"
    r"(?=[ \t]*(?:[–—,-][ \t]*)?\d{4,5}(?![\w.,/:-]))"
)


def localities_after(text: str, addresses: Sequence[Span]) -> list[Span]:
    """The locality named between each street address and its postcode."""
    found = []
    for _, end in addresses:
        locality = _LOCALITY_AFTER.match(text, end)
        if locality is not None:
            found.append(locality.span("place"))
    return found
