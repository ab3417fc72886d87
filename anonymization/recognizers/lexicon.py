"""Word lists shared by the name recognizer and `anonymization.medical_terms`.

Data only. Lowercase entries; callers compare with `str.lower()`.
"""

from __future__ import annotations

from typing import Final

# Common French given names (INSEE's most frequent over the last decades) and English
# ones. Names that are also everyday capitalised words at the start of a sentence
# ("France", "Marine", "Constant", "Victoire", "Ange") or medical eponyms ("Addison")
# are left out on purpose.
FRENCH_FIRST_NAMES: Final = (
    "marie", "jeanne", "françoise", "monique", "catherine", "nathalie", "isabelle",
    "jacqueline", "anne", "sylvie", "martine", "madeleine", "nicole", "suzanne", "hélène",
    "christine", "marguerite", "denise", "louise", "christiane", "yvonne", "valérie",
    "sophie", "sandrine", "stéphanie", "céline", "véronique", "nathalie", "chantal",
    "patricia", "brigitte", "josiane", "colette", "simone", "odette", "paulette",
    "germaine", "andrée", "danielle", "michèle", "michelle", "annie", "évelyne", "eveline",
    "dominique", "claude", "claudine", "bernadette", "geneviève", "béatrice", "agnès",
    "corinne", "laurence", "florence", "pascale", "élisabeth", "elisabeth", "sabine",
    "karine", "aurélie", "émilie", "emilie", "julie", "laura", "camille", "léa", "manon",
    "chloé", "emma", "inès", "jade", "zoé", "océane", "gaëlle", "élodie", "elodie",
    "margaux", "noémie", "sarah", "clara", "lucie", "mathilde", "pauline", "marion",
    "charlotte", "juliette", "alice", "lina", "rose", "anna", "ambre", "louna", "mila",
    "léna", "lola", "eva", "romane", "nina", "agathe", "victoria", "capucine", "clémence",
    "justine", "morgane", "audrey", "mélanie", "virginie", "delphine", "caroline",
    "carole", "cécile", "claire", "fanny", "laetitia", "lætitia", "ophélie", "amandine",
    "jessica", "vanessa", "élise", "elise", "solène", "maëlle", "anaïs", "marine",
    "nadia", "fatima", "samira", "leïla", "leila", "yasmine", "amina", "aïcha", "khadija",
    "myriam", "sonia", "naïma", "hélèna", "gisèle", "huguette", "lucienne", "raymonde",
    "thérèse", "renée", "marcelle", "henriette", "jeannine", "ginette", "josette",
    "arlette", "liliane", "éliane", "eliane", "mireille", "muriel", "joëlle", "nadine",
    "annick", "maryse", "régine", "solange", "yvette", "lucette", "emmanuelle", "estelle",
    "séverine", "alexandra", "angélique", "sandra", "christelle", "marina", "éloïse",
    "adèle", "margot", "jeanine", "berthe", "irène", "léonie", "lise", "nelly",
    "paule", "yolande", "gabrielle", "axelle", "axel", "maëva", "lou", "iris", "héloïse",
    "jean", "pierre", "michel", "philippe", "alain", "nicolas", "christophe", "laurent",
    "frédéric", "stéphane", "david", "julien", "thomas", "antoine", "hugo", "lucas",
    "louis", "gabriel", "arthur", "théo", "raphaël", "jérôme", "françois", "sébastien",
    "guillaume", "olivier", "benoît", "benoit", "grégoire", "mohamed", "mohammed", "karim",
    "yanis", "rémi", "remi", "loïc", "loic", "jacques", "andré", "bernard", "daniel",
    "patrick", "éric", "eric", "gérard", "henri", "robert", "roger", "marcel", "rené",
    "paul", "claude", "georges", "christian", "joseph", "maurice", "raymond", "lucien",
    "yves", "serge", "bruno", "didier", "thierry", "pascal", "francis", "gilles",
    "jean-claude", "marc", "vincent", "fabrice", "franck", "cédric", "mickaël", "michael",
    "jonathan", "kevin", "kévin", "anthony", "romain", "maxime", "alexandre", "mathieu",
    "matthieu", "florian", "adrien", "quentin", "clément", "valentin", "baptiste",
    "alexis", "damien", "jérémy", "jeremy", "ludovic", "arnaud", "emmanuel", "sylvain",
    "xavier", "yannick", "hervé", "herve", "denis", "dominique", "joël", "joel", "gilbert",
    "guy", "albert", "émile", "emile", "fernand", "gaston", "léon", "marius", "roland",
    "jules", "adam", "nathan", "ethan", "noah", "léo", "leo", "mathis", "timéo", "enzo",
    "tom", "nolan", "sacha", "mael", "maël", "liam", "aaron", "samuel", "victor", "martin",
    "noé", "axel", "paul", "marius", "tristan", "bastien", "benjamin", "simon", "étienne",
    "etienne", "dylan", "kylian", "corentin", "erwan", "gaël", "gael", "yann", "ronan",
    "tanguy", "brice", "cyril", "cyrille", "lionel", "gauthier", "hugues", "jean-marie",
    "ahmed", "ali", "rachid", "karim", "mehdi", "samir", "nabil", "farid", "hamid",
    "youssef", "omar", "ibrahim", "moussa", "mamadou", "amadou", "abdel", "sofiane",
    "bilal", "ilyes", "rayan", "adama", "ousmane", "pierre-yves", "jean-luc",
    "marc-antoine", "jean-baptiste", "jean-françois", "jean-pierre", "jean-marc",
    # Second parts of compound first names ("Jean-Luc", "Anne-Laure", "Marie-Noëlle").
    "luc", "laure", "noëlle", "noël", "charles", "aimé", "andrée", "josé", "eudes",
)  # fmt: skip
ENGLISH_FIRST_NAMES: Final = (
    "james", "john", "robert", "michael", "william", "david", "richard", "joseph",
    "thomas", "charles", "christopher", "daniel", "matthew", "anthony", "mark", "donald",
    "steven", "paul", "andrew", "joshua", "kenneth", "kevin", "brian", "george", "timothy",
    "ronald", "edward", "jason", "jeffrey", "ryan", "jacob", "gary", "nicholas", "eric",
    "jonathan", "stephen", "larry", "justin", "scott", "brandon", "benjamin", "samuel",
    "gregory", "alexander", "frank", "patrick", "raymond", "jack", "dennis", "jerry",
    "tyler", "aaron", "jose", "henry", "adam", "douglas", "nathan", "peter", "zachary",
    "kyle", "walter", "harold", "jeremy", "ethan", "carl", "keith", "roger", "gerald",
    "christian", "terry", "sean", "arthur", "austin", "noah", "lawrence", "jesse", "joe",
    "bryan", "billy", "jordan", "albert", "dylan", "bruce", "willie", "gabriel", "alan",
    "juan", "logan", "wayne", "ralph", "roy", "eugene", "randy", "vincent", "russell",
    "louis", "philip", "bobby", "johnny", "bradley", "oliver", "harry", "charlie", "alfie",
    "freddie", "archie", "leo", "oscar", "mary", "patricia", "jennifer", "linda",
    "elizabeth", "barbara", "susan", "jessica", "sarah", "karen", "nancy", "lisa",
    "betty", "margaret", "sandra", "ashley", "kimberly", "emily", "donna", "michelle",
    "dorothy", "carol", "amanda", "melissa", "deborah", "stephanie", "rebecca", "sharon",
    "laura", "cynthia", "kathleen", "amy", "shirley", "angela", "helen", "anna", "brenda",
    "pamela", "nicole", "emma", "samantha", "katherine", "christine", "debra", "rachel",
    "catherine", "carolyn", "janet", "ruth", "maria", "heather", "diane", "virginia",
    "julie", "joyce", "victoria", "olivia", "kelly", "christina", "lauren", "joan",
    "evelyn", "judith", "megan", "cheryl", "andrea", "hannah", "martha", "jacqueline",
    "frances", "gloria", "ann", "teresa", "kathryn", "sara", "janice", "jean", "alice",
    "madison", "doris", "abigail", "julia", "judy", "grace", "denise", "amber", "marilyn",
    "beverly", "danielle", "theresa", "sophia", "marie", "diana", "brittany", "natalie",
    "isabella", "charlotte", "rose", "alexis", "kayla", "amelia", "isla", "ava", "mia",
    "ivy", "lily", "freya", "poppy", "ella", "jane", "claire", "lucy", "sophie", "kate",
)  # fmt: skip
FIRST_NAMES: Final[frozenset[str]] = frozenset(FRENCH_FIRST_NAMES + ENGLISH_FIRST_NAMES)

# Uppercase words of clinical notes that are not surnames: acronyms, abbreviations,
# regimens, units, institutions, Roman numerals (stages, NYHA classes).
ACRONYMS: Final[frozenset[str]] = frozenset(
    (
        "hta", "irm", "ecg", "hba1c", "bpco", "avc", "samu", "smur", "chu", "chr", "chru",
        "ipp", "nda", "rpps", "adeli", "finess", "ins", "nir", "tsh", "ldl", "hdl", "dfg",
        "ains", "ald", "fevg", "efr", "asa", "cim", "rcp", "tdm", "tep", "pet", "ett", "eto",
        "eeg", "emg", "idm", "sca", "fa", "acfa", "ait", "irc", "ira", "ic", "oap", "ep",
        "tvp", "mtev", "bk", "vih", "vhb", "vhc", "hiv", "covid", "sars", "crp", "pct",
        "nfs", "vs", "inr", "tp", "tca", "asat", "alat", "ggt", "pal", "bnp", "iec", "ara",
        "avk", "aod", "hbpm", "isrs", "ppc", "vni", "saos", "dt1", "dt2", "dnid", "did",
        "mrc", "irct", "htap", "aomi", "sep", "sla", "tc", "tce", "lcr", "ecbu", "bu",
        "atcd", "atb", "ras", "cat", "ttt", "sau", "usic", "rea", "sspi", "uhcd", "ehpad",
        "ssr", "had", "mpr", "cmu", "ame", "cpam", "msa", "mdph", "apa", "gir", "has",
        "ansm", "ars", "oms", "who", "cdc", "nice", "nhs", "gp", "icu", "er", "ed", "mri",
        "ct", "cxr", "ekg", "bp", "hr", "rr", "copd", "chf", "ckd", "dm", "mi", "cad",
        "pe", "dvt", "uti", "uri", "gerd", "ibd", "ibs", "ra", "sle", "ms", "als", "nsaid",
        "ace", "arb", "ppi", "ssri", "prn", "bid", "tid", "qid", "po", "iv", "im", "sc",
        "npo", "dnr", "dob", "ddn", "mrn", "ssn", "folfox", "folfiri", "folfirinox", "rch",
        "nyha", "gcs", "eva", "en", "mms", "mmse", "moca", "adl", "iadl", "icd", "ui", "mg",
        "ml", "ok", "nb", "ps", "rdv", "cr", "crh", "cro", "suv", "usa", "uk", "fr", "eu",
        "ue", "cedex", "bp", "cs", "dr", "pr", "mme", "mlle", "md", "phd", "rn", "ide",
        "as", "sos", "tel", "tél", "fax", "ddr", "sa", "ivg", "img", "pma", "fiv", "hpv",
        "psa", "ca", "ace", "afp", "hcg", "lh", "fsh", "pth", "acth", "gh", "igf", "t3",
        "t4", "anca", "aan", "fr", "pcr", "ag", "ac", "igg", "igm", "ige", "iga", "vgm",
        "tgmh", "ccmh", "pnn", "pne", "pnb", "ldh", "cpk", "ck", "ptt", "tca", "tqc",
        "aa", "aad", "rx", "cfr", "abcd", "ecmo", "iot", "vvc", "vvp", "picc", "sng",
        "pac", "dai", "pm", "ccv", "cv", "sdra", "hsa", "hsd", "hed", "tvc", "vpp", "vpn",
        "aeg", "ead", "tnm", "ecog", "oms", "recist", "rt", "ct", "rtc", "chimio",
        "ald30", "icd10", "ccam", "ngap", "ghm", "pmsi", "rss", "rum", "dim", "dmp",
        "ens", "mss", "mssante", "cnil", "rgpd", "gdpr", "hds", "eds",
    )
)  # fmt: skip
ROMAN_NUMERALS: Final[frozenset[str]] = frozenset(
    ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
)

# Capitalised words that start a sentence or a heading and are followed by a name-like
# word without being part of a name ("Antécédents", "Traitement"…), plus courtesy titles.
NAME_STOPWORDS: Final[frozenset[str]] = frozenset(
    (
        "antécédents", "antecedents", "traitement", "motif", "diagnostic", "examen",
        "bilan", "conclusion", "score", "signe", "test", "service", "hôpital", "hopital",
        "clinique", "centre", "compte", "consultation", "courrier", "courriel", "patient",
        "patiente", "docteur", "professeur", "cher", "chère", "chers", "madame",
        "monsieur", "mademoiselle", "dr", "pr", "prof", "mme", "mlle", "mr", "mrs", "ms",
        "miss", "mmes", "mm", "né", "née", "nee", "un",
        "une", "vu", "vue", "par", "pour", "avec", "sans", "sous", "chez", "dans",
        "et", "ou", "à", "au", "aux", "en", "sur", "je", "nous", "il", "elle", "on",
        "ce", "cette", "mon", "ma", "mes", "son", "sa", "ses", "rappel", "référent",
        "referent", "adresse", "tél", "tel", "nom", "prénom", "prenom", "signé", "signe",
        "dernière", "derniere", "dernier", "prochain", "prochaine", "passage", "urgences",
        "maladie", "syndrome", "classification", "manœuvre", "manoeuvre", "triade",
        "critères", "échelle", "stade", "grade", "type", "the", "a", "an", "dear", "mr.",
        "patient's", "seen", "by", "of", "and", "or", "for", "with", "from", "to", "at",
        "in", "on", "saint", "sainte", "st", "ste", "rue", "avenue", "boulevard", "place",
        "hospital", "clinic", "department", "unit", "ward", "institut", "institute",
        "université", "university", "faculté", "laboratoire", "cabinet", "pharmacie",
        "groupe", "hospitalier", "hospitalière", "cedex", "france", "paris",
    )
)  # fmt: skip
