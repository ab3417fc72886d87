"""Which words may be a person's name, for the person recognizer: given names the lexicons
know, surname particles, acronyms, job titles and dictionary words that are never names.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from anonymization.lexicons import (
    ambiguous_words,
    common_words,
    drug_vocabulary,
    is_unknown_acronym,
    unambiguous_names,
    words_not_names,
)
from anonymization.recognizers.lexicon import (
    ACRONYMS,
    CAPITALS_ONLY_ACRONYMS,
    FIRST_NAMES,
    NAME_STOPWORDS,
    ROMAN_NUMERALS,
)

PARTICLES: Final = frozenset(
    ("de", "du", "des", "le", "la", "les", "da", "das", "do", "dos", "di", "del", "della",
     "van", "von", "der", "den", "ten", "ter", "ben", "bin", "el", "al",
     # Malaysian: "Kavitha a/p Subramaniam" (daughter of), "Ravi a/l Muthu", "Siti binti Ali".
     "a/p", "a/l", "binti")
)  # fmt: skip


def is_acronym(word: str) -> bool:
    lowered = word.lower()
    return any(part in ACRONYMS or part in ROMAN_NUMERALS for part in lowered.split("-"))


def is_first_name(word: str) -> bool:
    lowered = word.lower()
    if lowered in lexicon_first_names():
        return True
    return all(part in FIRST_NAMES for part in lowered.split("-"))


@cache
def lexicon_first_names() -> frozenset[str]:
    return unambiguous_names("first_names", "fr") | unambiguous_names("first_names", "en")


def is_upper_surname(word: str) -> bool:
    return word.isupper() and not is_acronym(word)


def is_edge_noise(word: str) -> bool:
    """Words that may border a run of capitalised words without being part of the name
    ("Prior TIA": a clinical acronym in capitals)."""
    return (
        word in PARTICLES
        or word.lower() in NAME_STOPWORDS
        or is_acronym(word)
        or (word.isupper() and word.lower() in CAPITALS_ONLY_ACRONYMS)
    )


# Job titles after "Consultant", "GP", "Senior": "Consultant Neurologist", "GP Principal".
_PROFESSION: Final = re.compile(
    r"(?i:\w+(?:ologist|iatrist|ician|ographer|therapist|macist|ntist|thetist)s?|surgeon"
    r"|physician|practitioner|principal|partner|specialist|matron|trainee|midwife|carer"
    r"|registrar|consultant|coordinator|manager|officer|worker|assistant|fellow|advisor"
    r"|adviser|hospitalist|secretary|secretaries|sonographer|resident|intern)"
)


def is_job_title(word: str) -> bool:
    """ "Registrar", "Hospitalist", "Radiologist": a job, never a name or a place."""
    return _PROFESSION.fullmatch(word) is not None


def is_stopword(word: str) -> bool:
    return word.lower() in NAME_STOPWORDS or _PROFESSION.fullmatch(word) is not None


def dictionary_words_not_names() -> frozenset[str]:
    """Dictionary words no name lexicon holds: after a lone initial they are a list's
    label ("A. Terminal ileum"), not a name."""
    return words_not_names()


def is_given(word: str) -> bool:
    """A known given name that is not also a common word ("Tracy", not "Rose")."""
    lowered = word.lower()
    return (
        lowered in lexicon_first_names()
        and lowered not in common_words("fr")
        and lowered not in common_words("en")
        and not is_stopword(word)
    )


def is_drug(word: str) -> bool:
    """A drug's name or brand ("Xalatan", "Adderall"): the drug lexicons hold no name."""
    return word.lower() in drug_vocabulary()


# Words written before a care role's abbreviation that say which one, not who: "ortho
# SHO", "night RN", "bleep FY1".
ROLE_QUALIFIERS: Final = frozenset(
    ("ortho", "orthos", "surgical", "surg", "medical", "med", "meds", "gen", "renal", "cardio",
     "cardiac", "resp", "paeds", "peds", "obs", "gynae", "gyn", "psych", "neuro", "onc",
     "haem", "gastro", "gi", "uro", "ent", "ed", "ae", "icu", "itu", "hdu", "ccu", "amu",
     "mau", "sau", "oncall", "on-call", "night", "nights", "day", "days", "late", "early",
     "bleep", "bleeped", "covering", "duty", "locum", "senior", "junior", "ward", "bank",
     "agency", "student", "trainee", "nurse", "charge", "lead", "acute", "rotating")
)  # fmt: skip


# Informal names written beside an English care role are short ("mo", "deb", "ollie").
MAX_INFORMAL_NAME_LENGTH: Final = 6


def is_informal_name(word: str) -> bool:
    """A short word written, in any case, right beside an English care role's abbreviation
    ("ollie fy1", "mo (NIC)", "RN jess") is the person unless it is a frequent word of
    either language, a French word, a qualifier of the role, an acronym, a stopword or a
    drug. Such names are often dictionary words too ("jess", "mo"), so the test is
    frequency and length, not the dictionary."""
    lowered = word.lower()
    if lowered in ROLE_QUALIFIERS or is_stopword(word) or is_acronym(word) or is_drug(word):
        return False
    if is_first_name(word):
        return True
    return (
        len(word) <= MAX_INFORMAL_NAME_LENGTH
        and lowered not in ambiguous_words("en")
        and lowered not in common_words("fr")
    )


def is_chat_speaker(word: str) -> bool:
    """A word opening a message line is a name unless it is a dictionary word, a drug or
    an acronym ("Admission 14:00", "Repas 12h00", "Doliprane 08:00" are not speakers)."""
    if is_first_name(word):
        return True
    lowered = word.lower()
    return not (
        is_stopword(word)
        or is_acronym(word)
        or lowered in common_words("fr")
        or lowered in common_words("en")
        or lowered in drug_vocabulary()
    )


def is_surname_comma_given(surname: str, given: str) -> bool:
    if is_stopword(given) or is_edge_noise(surname.split()[0]):
        return False
    # "HCTZ, Fosamax" is a list of drugs, not "SURNAME, Given".
    if given.lower() in drug_vocabulary():
        return False
    if is_unknown_acronym(surname) and not is_first_name(given):
        return False  # "PIRIE, Margaret" stays a name
    if given.isupper():
        # "SMITH, JOHN": both in capitals, the second must be a known given name.
        return surname.isupper() and is_first_name(given)
    if is_upper_surname(surname.replace(" ", "")):
        return True
    return is_first_name(given) and not surname.isupper()


# Pronouns and auxiliaries, which a text written in capitals runs into a name: "DAUGHTER
# MILDRED SHE CANT WORK THE COMPUTER" names Mildred only.
FUNCTION_WORDS: Final = frozenset(
    ("she", "he", "her", "hers", "his", "him", "they", "them", "their", "it", "its", "is",
     "was", "were", "are", "be", "been", "has", "have", "had", "can", "cant", "could",
     "would", "should", "did", "does", "dont", "doesnt", "didnt", "i", "me", "my", "we",
     "our", "you", "your", "this", "that", "who", "what", "when", "where", "why", "how",
     "if", "but", "so", "then", "also", "very", "too", "says", "told", "asked")
)  # fmt: skip
_SPAN_WORD: Final = re.compile(r"[^\s]+")


def name_end_before_function_word(text: str, start: int, end: int) -> int:
    """Where a name found in `text[start:end]` ends: before the first pronoun or auxiliary
    written in capitals after its first word."""
    previous_end = None
    for word in _SPAN_WORD.finditer(text, start, end):
        value = word.group().strip(",.;:")
        if previous_end is not None and value.isupper() and value.lower() in FUNCTION_WORDS:
            return previous_end
        previous_end = word.end()
    return end


def is_word_and_acronym(word: str, capitals: str) -> bool:
    """ "Lungs CTA", "Triage ESI", "Pulmonary TB": a dictionary word and an acronym no name
    or place lexicon knows, where "Counties Manukau DHB" is a name (of something)."""
    lowered = word.lower()
    is_word = lowered in common_words("en") or lowered in common_words("fr")
    return is_word and is_unknown_acronym(capitals)


def may_follow_role_word(value: str) -> bool:
    """What follows a role word may be a name unless it is only dictionary words ("Patient
    Name", "Dear Colleague"), ends with a job ("Consultant Stroke Physician") or is only
    acronyms, one of three letters or more ("found by CNA", "Apgar by NICU RN")."""
    words = [word for word in value.split() if word not in PARTICLES]
    if not words or is_job_title(words[-1].strip(".,")):
        return False
    # "Dear Colleague", "PATIENT DECLARATION"; a short one may be a nickname ("wife Deb").
    if all(word.strip(".,").lower() in dictionary_words_not_names() for word in words) and (
        len(words) > 1 or len(words[0]) > 3
    ):
        return False
    acronyms = [word for word in words if is_acronym(word) or is_unknown_acronym(word)]
    return len(acronyms) < len(words) or all(len(word) < 3 for word in acronyms)


# Words after which a capitalised word is a person: the patient's identity fields, the
# family, the care team (French and English), and "par"/"by" (a message taken by X).
ROLE_WORDS: Final = (
    r"patient(?:e|\(e\))?", r"n[ée]e", r"[ée]pouse", r"veuve", r"pr[ée]nom", r"surname",
    r"maiden[ \t]+name", r"name",
    r"nom(?:[ \t]+(?:de[ \t]+naissance|d['’]usage|de[ \t]+jeune[ \t]+fille|marital))?",
    # "signé" needs its accent: "signe de Babinski" is a sign, not a signature.
    r"signée?(?:[ \t]+par)?", r"sign[ée](?=[ \t]*:)", r"signed(?:[ \t]+by)?",
    r"vue?[ \t]+par", r"seen[ \t]+by", r"r[ée]f[ée]rente?",
    r"ide(?:[ \t]+lib[ée]rale?)?", r"ibode", r"iade", r"infirmi[eè]re?", r"aide-soignante?",
    r"interne", r"externe", r"m[ée]decin(?:[ \t]+(?:traitant|r[ée]f[ée]rent))?",
    r"urgentiste", r"chirurgien(?:ne)?", r"anesth[ée]siste", r"radiologue", r"prescripteur",
    r"demandeur", r"kin[ée]sith[ée]rapeute", r"kin[ée]", r"orthophoniste",
    r"ergoth[ée]rapeute", r"psychologue", r"di[ée]t[ée]ticienne?", r"secr[ée]taire",
    r"assistante?[ \t]+sociale?", r"sage-femme", r"cadre(?:[ \t]+de[ \t]+sant[ée])?",
    r"pharmacienne?", r"op[ée]r[ée]e?", r"assur[ée]e?", r"concerne",
    r"personne[ \t]+[àa][ \t]+pr[ée]venir", r"personne[ \t]+de[ \t]+confiance",
    r"accompagn[ée]e?[ \t]+(?:de|par)", r"fille", r"fils", r"[ée]poux", r"mari",
    r"fr[èe]re", r"s(?:œ|oe)ur", r"m[èe]re", r"p[èe]re", r"conjointe?", r"compagnon",
    r"compagne", r"tut(?:eur|rice)", r"curat(?:eur|rice)", r"neveu", r"ni[èe]ce",
    r"petite?-(?:fils|fille)", r"par",
    r"nurse", r"daughter", r"son", r"wife", r"husband", r"partner", r"brother", r"sister",
    r"mother", r"father", r"next[ \t]+of[ \t]+kin", r"gp", r"consultant", r"registrar",
    r"surgeon", r"ana?esthe?tist", r"prescriber", r"physiotherapist", r"radiologist",
    r"caller", r"handover[ \t]+to", r"handed[ \t]+over[ \t]+to", r"by", r"re", r"dear",
    r"carer", r"pharmacist", r"interpreter", r"mum", r"mom", r"dad", r"grandson",
    r"granddaughter", r"grandmother", r"grandfather", r"nephew", r"niece", r"neighbou?r",
    r"friend", r"key[ \t-]?worker", r"social[ \t]+worker", r"case[ \t]+worker",
    r"intake[ \t]+worker", r"midwife",
    r"chaplain", r"physio", r"sho", r"fy[12]", r"intern", r"health[ \t]+visitor",
    r"rn", r"lpn", r"np", r"assistant", r"dictated[ \t]+by", r"transcribed(?:[ \t]+by)?",
    r"daughter-in-law", r"son-in-law", r"mother-in-law", r"father-in-law", r"brother-in-law",
    r"sister-in-law", r"stepson", r"stepdaughter", r"stepmother", r"stepfather",
    r"kids", r"children", r"grandchildren",
    r"typed[ \t]+by",
    # Chart shorthand: "dtr/POA Rosa Salinas-Ybarra", "case mgr Javi".
    r"dtr", r"poa", r"hcpoa", r"mgr", r"case[ \t]+manager",
    # Allied staff, advocates and signers: "renal dietitian Carys", "countersigned: A Jones".
    r"dietitian", r"dietician", r"podiatrist", r"psychologist", r"psychiatrist",
    r"counsell?or", r"paramedic", r"support[ \t]+worker", r"care[ \t]+coordinator",
    r"advocate", r"solicitor", r"guardian", r"countersigned(?:[ \t]+by)?",
    # "APPELANT : Da Costa", "(ép. LE BRAS)".
    r"appelante?", r"[ée]p\.",
    # A birth name: "Marietjie du Plessis (born van der Merwe)"; an ambulance's crew.
    r"born", r"emt",
)  # fmt: skip
