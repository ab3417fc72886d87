"""Names written beside a care role's abbreviation, in any case: "ollie fy1", "Julie IDE",
"mo (NIC)" before it; "Report to RN jess 22:15" after it (capitalised names after a role
are found by the person recognizer's role words); initials before a role in brackets
("TK (consultant), RB (SpR)").

Before a role, a word is a name when it could speak in a message log
(`person_words.is_chat_speaker`) or, beside an English role, when it is a short informal
name (`person_words.is_informal_name`); a qualifier of the role ("ortho SHO", "night RN")
never is.
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.recognizers.person_words import (
    ROLE_QUALIFIERS,
    is_acronym,
    is_chat_speaker,
    is_informal_name,
)

_UPPER: Final = "A-ZÀ-ÖØ-ÞŒ"
_LOWER: Final = "a-zß-öø-ÿœ"
_NAME_BEFORE_ROLE: Final = re.compile(
    rf"(?<![\w'’-])(?P<value>[{_UPPER}{_LOWER}][{_LOWER}'’-]{{1,15}})(?:[ \t]+\(?|\()[ \t]*"
    r"(?P<role>fy[12]|FY[12]|SHO|sho|[Rr]eg|REG|SpR|IDE|ide|IDEL|NIC|nic|ASH|ash|HCA|hca|RN"
    r"|IAO|iao|CCA|cca|interne|externe"
    # More care roles written after a name: "SBE (BMS)", "Amir CPN" ("SC", "AS" are also
    # genotypes and routes: "hétérozygote AS").
    r"|BMS|CPN|SN|HCSW|AMHP|ANP|ACP|CNS|ASD|AVS)[ \t]*\)?(?![\w'’-])"
)
# A name in lower case right after a care role's abbreviation: "Report to RN jess 22:15",
# "HCA tom aware" (capitalised names there are found by the role words).
_ENGLISH_ROLES: Final = frozenset(
    ("fy1", "fy2", "sho", "reg", "spr", "nic", "hca", "rn", "cpn", "hcsw", "sn", "anp", "acp")
)
_LOWER_NAME_AFTER_ROLE: Final = re.compile(
    r"(?<![\w'’-])(?:RN|HCA|NIC|SHO|FY[12]|CPN|HCSW)[ \t]*:?[ \t]+"
    rf"(?P<value>[{_LOWER}][{_LOWER}'’-]{{1,15}})(?![\w'’-])"
)


# Initials before a role in brackets, as meeting lists write them: "TK (consultant), RB
# (SpR), JW (OT)".
_INITIALS_BEFORE_ROLE: Final = re.compile(
    r"(?<![\w'’.-])(?P<value>[A-Z]{2,3})[ \t]*\([ \t]*(?i:consultant|registrar|spr|sho|fy[12]"
    r"|ct[12]|st[1-8]|ot|pt|physio|physiotherapist|slt|salt|dietitian|pharmacist|rn|hca|cns|cpn"
    r"|sw|social[ \t]+worker|nurse|gp|psychologist|psychiatrist|matron|ward[ \t]+manager"
    # A multidisciplinary meeting's specialties: "PB (surg), GW (surg), LT (coord)".
    r"|surg|surgeon|onc|oncologist|path|pathologist|rad|radiologist|radiology|coord"
    r"|coordinator|chair|gastro|haem|resp|cardio|anaes|mdt[ \t]+coord)"
    r"[ \t]*\)"
)


def names_beside_care_roles(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each name written beside a care role's abbreviation."""
    found = []
    for match in _NAME_BEFORE_ROLE.finditer(text):
        name = match.group("value")
        if name.lower() in ROLE_QUALIFIERS:
            continue  # "ortho SHO", "night RN": which one, not who
        english = match.group("role").lower() in _ENGLISH_ROLES
        if is_chat_speaker(name) or (english and is_informal_name(name)):
            found.append(match.span("value"))
    for match in _LOWER_NAME_AFTER_ROLE.finditer(text):
        if is_informal_name(match.group("value")):
            found.append(match.span("value"))
    for match in _INITIALS_BEFORE_ROLE.finditer(text):
        if not is_acronym(match.group("value")):
            found.append(match.span("value"))
    return found
