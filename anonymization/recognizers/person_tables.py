"""Who a pipe table names: the initials of its staff column ("| RN |", "| Init. |") and
the names of its name columns or keys ("| Nom | Prénom |", "| Prénom | Marie |")."""

from __future__ import annotations

import re
from typing import Final

from anonymization.recognizers.person_words import is_acronym, is_stopword
from anonymization.recognizers.tables import column_cells

UPPER: Final = "A-ZÀ-ÖØ-ÞŒ"
LOWER: Final = "a-zß-öø-ÿœ"

# Headers of a table's column of who did it: "| RN |", "| Init. |", "| IDE |", "| Visa |",
# "| Valid. |" (who validated a dispensing line).
_STAFF_HEADER: Final = re.compile(
    r"(?i:rn|lpn|nurse|ide|as|init\.?|initials?|initiales?|by|sign(?:ature|ed)?|sign\.|sig\.?"
    r"|staff|visa|par|who|valid(?:ation|[ée])?\.?)"
)
_STAFF_CELL: Final = re.compile(r"[ \t]*(?P<value>[A-Z]{2,3}|[A-Z]\.[ \t]?[A-Z]\.)[ \t]*")
# Headers of a table's name columns: "| Nom | Prénom | DDN |", "| Patient name |".
_NAME_HEADER: Final = re.compile(
    r"(?i:nom|pr[ée]noms?|nom[ \t]+(?:de[ \t]+naissance|d['’]usage|de[ \t]+famille)|name"
    r"|surname|last[ \t]+name|first[ \t]+name|given[ \t]+names?|patient(?:[ \t]+name)?"
    r"|r[ée]sident(?:e)?|family[ \t]+name)"
)
# A name in a cell: letters, spaces, hyphens and apostrophes ("MOREAU-LE ROUX", "Jean").
_NAME_CELL: Final = re.compile(
    rf"[ \t]*(?P<value>[{UPPER}][{UPPER}{LOWER}'’.-]*"
    rf"(?:[ \t-]+[{UPPER}{LOWER}][{UPPER}{LOWER}'’.-]*){{0,4}})[ \t]*"
)


def staff_column_initials(text: str) -> list[tuple[int, int]]:
    """The initials in the cells of a pipe table's staff column ("RN", "Init."): who
    recorded each row."""
    return [
        (start, end)
        for start, end, value in column_cells(text, _STAFF_HEADER, _STAFF_CELL)
        if not is_acronym(value.replace(".", ""))
    ]


def name_column_cells(text: str) -> list[tuple[int, int]]:
    """The names in a pipe table's name columns ("Nom", "Prénom", "Patient name")."""
    return [
        (start, end)
        for start, end, value in column_cells(text, _NAME_HEADER, _NAME_CELL)
        if not is_stopword(value.split()[0]) and not is_acronym(value)
    ]
