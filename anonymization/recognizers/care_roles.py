"""Names written beside a care role's abbreviation, in any case: "ollie fy1", "Julie IDE",
"mo (NIC)" before it; "Report to RN jess 22:15" after it (capitalised names after a role
are found by the person recognizer's role words); initials before a role in brackets
("TK (consultant), RB (SpR)"); names before a role, a specialty or a relation in brackets
("Nwosu (Path)", "Sung-min (pharmD)", "Thabo Mokoena (partner)", "Yvette Morel (fille)")
and a name in brackets after a relation or a role ("doula (Wren)", "sa fille (Nadège)");
a name before a clinician's credential ("Hyun-woo Baek, MD", "Jin-soo Park MD").

Before a role, a word is a name when it could speak in a message log
(`person_words.is_chat_speaker`) or, beside an English role, when it is a short informal
name (`person_words.is_informal_name`); a qualifier of the role ("ortho SHO", "night RN")
never is.
"""

from __future__ import annotations

import re
from typing import Final

from anonymization.lexicons import common_words, medical_words
from anonymization.recognizers.person_words import (
    ROLE_QUALIFIERS,
    is_acronym,
    is_chat_speaker,
    is_first_name,
    is_informal_name,
    is_stopword,
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

# Who someone is to the patient or the team, as brackets say it after or before a name.
_BRACKETED_WHO: Final = (
    r"(?i:partner|wife|husband|son|daughter|mother|mum|mom|father|dad|sister|brother|friend"
    r"|neighbou?r|carer|caregiver|niece|nephew|grandson|granddaughter|aunt|uncle|cousin"
    r"|spouse|guardian|nok|poa|doula|interpreter|fille|fils|[ée]pouse|mari|conjointe?"
    r"|compagne|compagnon|voisine?|s(?:œ|oe)ur|fr[èe]re|m[èe]re|p[èe]re|ni[èe]ce|neveu|tante"
    r"|oncle|amie?|tut(?:eur|rice)|curat(?:eur|rice)|aidante?|belle-fille|gendre"
    r"|pharmd|pharmacist|rads|rad[ \t]+onc|path|pathology|urology|surg|onc|ir|nurse"
    r"|navigator|coordinator|dietitian|physio|sw|social[ \t]+worker|chaplain|rn|rgn|rmn|hca"
    r"|dn|slt|band[ \t]+\d"
    # A specialty, in either language: "(neuroradiologie)", "(onco-radiothérapie)".
    r"|[\w-]*(?:logie|logue|ology|ologist|th[ée]rapie|therapy|chirurgie|iatrie|iatry|p[ée]die"
    r"|paedics|pedics))"
)
_CAPITALISED_NAME: Final = rf"[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}{_LOWER}][{_LOWER}'’]+)?"
_NAME_BEFORE_BRACKETED_WHO: Final = re.compile(
    # "Kasia B (RN)": a given name and an initial, as rosters write them.
    rf"(?<![\w'’.-])(?P<value>{_CAPITALISED_NAME}(?:[ \t]+{_CAPITALISED_NAME}|[ \t]+[A-Z]\.?)?)"
    # What follows the role in the brackets: "(onco-radiothérapie, Bergonié)".
    rf"[ \t]*\([ \t]*{_BRACKETED_WHO}(?:[ \t]*[,;/][^)\n]{{0,40}})?[ \t]*\)"
)
# The bracket first, then the relation before it (a scan led by "(" is quick).
_NAME_IN_BRACKETS_AFTER_WHO: Final = re.compile(
    rf"(?<=[ \t])\((?P<value>{_CAPITALISED_NAME}(?:[ \t]+{_CAPITALISED_NAME})?)\)"
)
_WHO_BEFORE: Final = re.compile(rf"(?<![\w'’-]){_BRACKETED_WHO}[ \t]+$")

_NAME_BEFORE_CREDENTIAL: Final = re.compile(
    rf"(?<![\w'’.-])(?P<value>{_CAPITALISED_NAME}(?:[ \t]+[A-Z]\.)?(?:[ \t]+{_CAPITALISED_NAME}))"
    r",?[ \t]+(?:MD|DO|RN|NP|PA-C|MBBS|MBChB|PhD|FNP(?:-[BC]{1,2})?|DNP|CNM|LCSW|PharmD|DPM"
    r"|DDS|DMD|FRCS|FRCP|FRACP|MRCP|CRNA|APRN|LPN|LVN|COA|OTR/L|DPT|MSW)(?![\w'’/-])"
)


def _could_be_named(text: str, start: int, end: int, after_who: bool) -> bool:
    """Words that brackets name as a person: neither stopwords, acronyms nor medical
    words, and, before a role ("Meeting (coordinator)"), not only common words unless a
    known given name ("Joy (nurse)"). After a relation, any will do: "doula (Wren)"."""
    words = text[start:end].split()
    if any(is_stopword(word) or is_acronym(word) for word in words):
        return False
    if any(word.lower() in medical_words(language) for word in words for language in ("en", "fr")):
        return False  # "Parkinson (neuro)": an eponym, whoever is called Parkinson
    return after_who or any(
        is_first_name(word)
        or (word.lower() not in common_words("en") and word.lower() not in common_words("fr"))
        for word in words
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
    for pattern in (
        _NAME_BEFORE_BRACKETED_WHO,
        _NAME_IN_BRACKETS_AFTER_WHO,
        _NAME_BEFORE_CREDENTIAL,
    ):
        after_who = pattern is _NAME_IN_BRACKETS_AFTER_WHO
        for match in pattern.finditer(text):
            start = match.start()
            if after_who and not _WHO_BEFORE.search(text, max(0, start - 30), start):
                continue
            if _could_be_named(text, *match.span("value"), after_who=after_who):
                found.append(match.span("value"))
    return found
