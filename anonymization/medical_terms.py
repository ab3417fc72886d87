"""Medical vocabulary that a name or place detector must not scrub.

Eponymous diseases, signs, scores and manoeuvres ("maladie de Parkinson", "signe de
Babinski", "score de Child-Pugh") look like surnames; drug names, ICD-10 codes and doses
can look like names or places to an NER model. `is_medical_term_span` says whether a
detected PERSON/LOCATION span is such vocabulary, so the scrubber can keep it.

A span ending in a measurement ("créatinine 88 µmol/L", "Child-Pugh C10", "Rockwood 5")
is a lab value or a score, and a postcode with its city ("06300 NICE") is a place.
Then two rules, in order: a courtesy title just before the span ("Mme Parkinson") means a
person whatever the word; otherwise an eponym context just before ("maladie de",
"syndrome d'", "score de") or just after ("'s disease", " syndrome") means vocabulary,
and so does a span made only of known eponyms, drugs, medical words and acronyms.

One module, long on purpose: most of it is the vocabulary itself; the few functions that
read it sit beside it.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from anonymization.lexicons import (
    LANGUAGES,
    drug_vocabulary,
    lexicon,
    names_and_places,
    unambiguous_names,
    words_not_names,
)
from anonymization.lexicons import fold as _fold
from anonymization.recognizers.lexicon import ACRONYMS, ROMAN_NUMERALS

# Surnames used as medical eponyms (lowercase, accents kept; compared accent-folded).
# Eponyms that are also common names (Fournier, Roux, Marie, Smith, Bell…) are left out:
# alone they are more often a person; the context rules still keep "gangrène de Fournier".
EPONYMS: Final = (
    # Devices, tests and scales named after people that notes write alone ("Foley out
    # POD2", "19 Fr Blake", "Mohs", "Hoehn and Yahr"): a titled "Dr Foley" stays a person.
    "foley", "blake", "jackson-pratt", "semmes-weinstein", "schmitt-thompson", "mohs",
    "hoehn", "yahr", "mds-updrs", "updrs", "cockcroft-gault", "goldmann", "parinaud",
    "monoyer", "snellen", "leopold",
    "parkinson", "alzheimer", "crohn", "cushing", "babinski", "glasgow", "child-pugh",
    "nyha", "hashimoto", "murphy", "valsalva", "romberg", "wells", "apgar", "gleason",
    "breslow", "charcot", "horton", "raynaud", "guillain-barré", "kaposi", "hodgkin",
    "wilson", "addison", "basedow", "paget", "lyme", "down", "epstein-barr", "sjögren",
    "lasègue", "homans", "huntington", "creutzfeldt-jakob", "duchenne", "marfan",
    "klinefelter", "kawasaki", "behçet", "takayasu", "wegener", "willebrand", "dupuytren",
    "quincke", "buerger", "bouveret", "brugada", "wolff-parkinson-white", "fallot",
    "eisenmenger", "barrett", "zollinger-ellison", "whipple", "hirschsprung", "meckel",
    "ménière", "tourette", "asperger", "korsakoff", "wernicke", "broca", "lewy",
    "friedreich", "charcot-marie-tooth", "lennox", "dravet", "lhermitte", "tinel", "phalen",
    "trendelenburg", "lachman", "mcmurray", "kernig", "brudzinski", "chvostek", "trousseau",
    "grey-turner", "rovsing", "mcburney", "blumberg", "courvoisier", "virchow", "troisier",
    "korotkoff", "cheyne-stokes", "kussmaul", "laplace", "fick", "ranson",
    "glasgow-blatchford", "blatchford", "rockall", "killip", "cha2ds2-vasc", "has-bled",
    "hasbled", "caprini", "karnofsky", "folstein", "mini-mental", "åsberg", "asberg",
    "braden", "waterlow", "barthel", "spetzler", "fuhrman", "bosniak", "sokolow", "doppler",
    "swan-ganz", "seldinger", "heimlich", "sellick", "mallampati", "cormack", "lehane",
    "apfel", "aldrete", "pfannenstiel", "kocher", "hartmann", "nissen", "billroth",
    "bricker", "wertheim", "halsted", "patey", "lichtenstein", "shouldice", "bassini",
    "ilizarov", "küntscher", "kirschner", "pouteau", "monteggia", "galeazzi", "pauwels",
    "gustilo", "schatzker", "pipkin", "letournel", "volkmann", "sudeck", "osgood-schlatter",
    "legg-calvé-perthes", "perthes", "scheuermann", "kienböck", "de quervain", "ledderhose",
    "peyronie", "bartholin", "fallope", "graaf", "krukenberg", "meigs", "stein-leventhal",
    "asherman", "sheehan", "simmonds", "bartter", "gitelman", "liddle", "fanconi",
    "goodpasture", "schönlein", "churg-strauss", "sézary", "burkitt", "waldenström",
    "kahler", "hurler", "gaucher", "fabry", "tay-sachs", "niemann-pick", "lesch-nyhan",
    "prader-willi", "angelman", "patau", "noonan", "digeorge", "kartagener",
    "bernard-soulier", "glanzmann", "minkowski-chauffard", "biermer", "vaquez", "leriche",
    "tako-tsubo", "takotsubo", "dressler", "prinzmetal", "lown-ganong-levine",
    "adams-stokes", "mobitz", "wenckebach", "lutembacher", "ebstein", "kommerell",
    "mönckeberg", "rendu-osler", "osler", "libman-sacks", "gougerot-sjögren", "gougerot",
    "heberden", "forestier", "bechterew", "reiter", "fiessinger-leroy-reiter", "tietze",
    "hoffa", "yergason", "finkelstein", "lasegue", "léri", "wassermann", "coombs",
    "schilling", "ziehl-neelsen", "papanicolaou", "guthrie", "mantoux", "hba1c", "koplik",
    "kérandel", "verneuil", "still", "rockwood", "meld", "nihss", "news2", "mohs",
    "lund", "browder", "lund-browder", "house-brackmann", "brackmann", "tyrer-cuzick", "cuzick",
    "sunnybrook",
    "alvarado", "gartland", "lagrange", "rigault", "pouteau-colles", "pouteau", "colles",
    "hoehn", "yahr", "epworth", "killip", "cimino", "allen", "pigassou", "timed", "lsvt",
)  # fmt: skip

# Common INN drug names (French spelling, and the English where it differs).
DRUGS: Final = (
    "metformine", "metformin", "insuline", "insulin", "glargine", "detemir", "asparte",
    "lispro", "gliclazide", "sitagliptine", "dapagliflozine", "empagliflozine",
    "liraglutide", "sémaglutide", "semaglutide", "dulaglutide", "amlodipine", "ramipril",
    "périndopril", "perindopril", "énalapril", "enalapril", "lisinopril", "losartan",
    "valsartan", "irbésartan", "candésartan", "bisoprolol", "aténolol", "atenolol",
    "métoprolol", "metoprolol", "nébivolol", "propranolol", "carvédilol", "furosémide",
    "furosemide", "hydrochlorothiazide", "indapamide", "spironolactone", "éplérénone",
    "aspirine", "aspirin", "clopidogrel", "ticagrélor", "prasugrel", "apixaban",
    "rivaroxaban", "dabigatran", "edoxaban", "warfarine", "warfarin", "fluindione",
    "acénocoumarol", "héparine", "heparin", "énoxaparine", "enoxaparin", "tinzaparine",
    "atorvastatine", "atorvastatin", "rosuvastatine", "rosuvastatin", "simvastatine",
    "pravastatine", "ézétimibe", "ezetimibe", "lévothyroxine", "levothyroxine",
    "lévodopa", "levodopa", "bensérazide", "carbidopa", "pramipexole", "ropinirole",
    "rasagiline", "donépézil", "donepezil", "mémantine", "memantine", "rivastigmine",
    "galantamine", "sertraline", "escitalopram", "citalopram", "fluoxétine", "fluoxetine",
    "paroxétine", "venlafaxine", "duloxétine", "mirtazapine", "amitriptyline",
    "clomipramine", "lithium", "valproate", "lamotrigine", "lévétiracétam",
    "levetiracetam", "carbamazépine", "carbamazepine", "prégabaline", "pregabalin",
    "gabapentine", "gabapentin", "olanzapine", "rispéridone", "risperidone", "quétiapine",
    "aripiprazole", "halopéridol", "haloperidol", "clozapine", "diazépam", "diazepam",
    "alprazolam", "oxazépam", "lorazépam", "lorazepam", "zolpidem", "zopiclone",
    "paracétamol", "paracetamol", "acetaminophen", "ibuprofène", "ibuprofen",
    "kétoprofène", "naproxène", "naproxen", "diclofénac", "diclofenac", "tramadol",
    "codéine", "codeine", "morphine", "oxycodone", "fentanyl", "buprénorphine",
    "méthadone", "methadone", "naloxone", "amoxicilline", "amoxicillin",
    "amoxicilline-acide", "clavulanique", "ceftriaxone", "céfotaxime", "céfuroxime",
    "cefuroxime", "pipéracilline", "tazobactam", "vancomycine", "vancomycin",
    "gentamicine", "amikacine", "ciprofloxacine", "ciprofloxacin", "lévofloxacine",
    "ofloxacine", "azithromycine", "azithromycin", "clarithromycine", "doxycycline",
    "métronidazole", "metronidazole", "cotrimoxazole", "sulfaméthoxazole",
    "triméthoprime", "fosfomycine", "nitrofurantoïne", "linézolide", "méropénème",
    "imipénème", "fluconazole", "voriconazole", "aciclovir", "valaciclovir",
    "oseltamivir", "ténofovir", "emtricitabine", "dolutégravir", "oméprazole",
    "omeprazole", "ésoméprazole", "esomeprazole", "pantoprazole", "lansoprazole",
    "rabéprazole", "dompéridone", "métoclopramide", "metoclopramide", "ondansétron",
    "lopéramide", "macrogol", "lactulose", "salbutamol", "albuterol", "terbutaline",
    "ipratropium", "tiotropium", "formotérol", "salmétérol", "budésonide", "budesonide",
    "fluticasone", "béclométasone", "montélukast", "montelukast", "prednisone",
    "prednisolone", "méthylprednisolone", "methylprednisolone", "hydrocortisone",
    "dexaméthasone", "dexamethasone", "méthotrexate", "methotrexate", "azathioprine",
    "mycophénolate", "ciclosporine", "tacrolimus", "hydroxychloroquine", "sulfasalazine",
    "léflunomide", "adalimumab", "infliximab", "étanercept", "etanercept", "rituximab",
    "tocilizumab", "ustékinumab", "védolizumab", "pembrolizumab", "nivolumab",
    "trastuzumab", "bévacizumab", "bevacizumab", "cétuximab", "tamoxifène", "tamoxifen",
    "létrozole", "letrozole", "anastrozole", "exémestane", "cisplatine", "carboplatine",
    "oxaliplatine", "5-fluorouracile", "fluorouracile", "capécitabine", "irinotécan",
    "docétaxel", "paclitaxel", "doxorubicine", "cyclophosphamide", "gemcitabine",
    "interféron", "interferon", "natalizumab", "ocrélizumab", "fingolimod",
    "tériflunomide", "diméthylfumarate", "allopurinol", "fébuxostat", "colchicine",
    "alendronate", "zolédronate", "denosumab", "calcium", "cholécalciférol",
    "colécalciférol", "vitamine", "fer", "ferreux", "acide", "folique", "potassium",
    "magnésium", "sodium", "digoxine", "digoxin", "amiodarone", "flécaïnide",
    "dronédarone", "diltiazem", "vérapamil", "verapamil", "nicardipine", "urapidil",
    "clonidine", "trinitrine", "isosorbide", "ivabradine", "sacubitril", "métyrapone",
    "metyrapone", "kétoconazole", "cabergoline", "bromocriptine", "desmopressine",
    "sildénafil", "sildenafil", "tadalafil", "finastéride", "tamsulosine", "alfuzosine",
    "oxybutynine", "solifénacine", "glucagon", "naltrexone", "acamprosate", "baclofène",
    "nicotine", "varénicline", "folfox", "folfiri", "folfirinox", "doliprane", "dafalgan",
    "efferalgan", "kardégic", "kardegic", "lantus", "levemir", "novorapid", "humalog",
    "glucophage", "stagid", "januvia", "ozempic", "trulicity", "victoza", "eliquis",
    "xarelto", "pradaxa", "préviscan", "previscan", "coumadine", "lovenox", "innohep",
    "tahor", "crestor", "levothyrox", "modopar", "sinemet", "ventoline", "spiriva",
    "seretide", "symbicort", "inexium", "mopral", "lasilix", "spasfon", "smecta",
    "augmentin", "clamoxyl", "rocéphine", "lyrica", "neurontin", "deroxat", "zoloft",
    "seroplex", "prozac", "effexor", "xanax", "lexomil", "stilnox", "imovane",
    "tramadol", "topalgic", "contramal", "skenan", "oxycontin", "durogesic",
    # Brands and devices of English-speaking countries (the French list comes from edsnlp).
    "lipitor", "zocor", "norvasc", "synthroid", "lasix", "coumadin", "plavix", "nexium",
    "prilosec", "zantac", "tylenol", "advil", "motrin", "aleve", "fosamax", "lexapro",
    "ativan", "ambien", "seroquel", "abilify", "humalog", "novolog", "jardiance",
    "farxiga", "entresto", "flomax", "proscar", "singulair", "proair", "advair", "keppra",
    "lamictal", "depakote", "cymbalta", "wellbutrin", "percocet", "norco", "dilaudid",
    "narcan", "movicol", "laxido", "adcal", "mepilex", "cavilon", "steri-strips",
    "steri-strip", "lacri-lube", "omnipaque", "visipaque", "gadovist", "preservision",
    "glooko", "dexcom", "freestyle", "libre", "compex", "carelink", "genexpert", "ensure",
    "fortisip", "fresubin", "oramorph", "oxynorm", "zomorph", "co-codamol", "co-amoxiclav",
    "tazocin", "augmentin", "clexane", "fragmin", "sando-k", "sandocal",
    # Recent brands the ATC list above predates (oncology, immunology, diabetes, lungs).
    "opdivo", "keytruda", "tagrisso", "rybrevant", "imfinzi", "tecentriq", "herceptin",
    "avastin", "revlimid", "imbruvica", "venclyxto", "xtandi", "zytiga", "ibrance", "kisqali",
    "verzenios", "lynparza", "mounjaro", "trelegy", "ellipta", "relvar", "anoro", "ultibro",
    "dupixent", "humira", "stelara", "entyvio", "remicade", "enbrel", "cimzia", "simponi",
    "cosentyx", "taltz", "skyrizi", "tremfya", "rinvoq", "olumiant", "xeljanz", "ocrevus",
    "kesimpta", "tysabri", "gilenya", "aubagio", "tecfidera", "vumerity", "mavenclad",
    "lemtrada", "baqsimi", "glooko", "genexpert", "mammotome", "fibroscan", "medtronic",
    "biotronik", "abbott", "micro-fine", "freestyle", "dexcom", "omnipod", "carelink",
    "dermabond", "fostair", "adcal", "adcal-d3", "dermovate", "omnipaque", "algoplus",
    "infanrix", "bladderscan", "adderall", "voltaren", "telma", "metpure", "xience",
    "glidesheath", "eylea", "xalatan", "vicryl", "monocryl", "prolene",
)  # fmt: skip

# Heads of eponymous phrases and other medical words that may sit inside a detected span.
MEDICAL_WORDS: Final = (
    "maladie", "syndrome", "signe", "score", "classification", "test", "manœuvre",
    "manoeuvre", "triade", "critères", "critère", "échelle", "stade", "grade", "type",
    "thyroïdite", "lymphome", "sarcome", "tumeur", "ulcère", "fracture", "phénomène",
    "réflexe", "loi", "point", "disease", "syndrome", "sign", "scale", "criteria",
    "lymphoma", "sarcoma", "palsy", "reflex", "maneuver", "manoeuvre", "index",
    "indice", "cirrhose", "diabète", "insuffisance", "cardiaque", "rénale", "virus",
    "bacille", "gangrène", "hernie", "de", "du", "des", "d", "l", "la", "le", "von",
    "van", "s", "mg", "g",
    "µg", "ui", "ml", "jour", "matin", "soir",
)  # fmt: skip

# Examples the evaluation uses as traps: every one must survive scrubbing.
MEDICAL_TRAP_TERMS: Final = (
    "maladie de Parkinson", "syndrome de Cushing", "signe de Babinski", "score de Glasgow",
    "score de Child-Pugh", "classification de NYHA", "maladie de Crohn",
    "thyroïdite de Hashimoto", "maladie d'Alzheimer", "signe de Murphy",
    "manœuvre de Valsalva", "test de Romberg", "score de Wells", "score d'Apgar",
    "score de Gleason", "indice de Breslow", "maladie de Charcot", "maladie de Horton",
    "syndrome de Raynaud", "syndrome de Guillain-Barré", "sarcome de Kaposi",
    "lymphome de Hodgkin", "maladie de Wilson", "maladie d'Addison", "maladie de Basedow",
    "maladie de Paget", "maladie de Lyme", "syndrome de Down", "virus d'Epstein-Barr",
    "syndrome de Sjögren", "signe de Lasègue", "signe de Homans",
    "Parkinson's disease", "Crohn's disease", "Cushing's syndrome", "Babinski sign",
    "metformine 1000 mg", "insuline glargine 22 UI", "amlodipine 5 mg", "ramipril 5 mg",
    "lévodopa/bensérazide 100 mg", "apixaban 5 mg", "E11.9", "I10", "G20", "K50.9",
)  # fmt: skip

_PERSON_TITLE_BEFORE: Final = re.compile(
    r"(?:\b(?:Dr|Dre|Pr|Prof|Mme|Mlle|Mr|Mrs|Ms|Miss|M)\.?|\b(?i:docteur|professeur|monsieur"
    r"|madame|mademoiselle)|\b(?i:patiente?|n[ée]e|[ée]pouse))[ \t]+$"
    # Family: "fille Sylviane", "sa femme Yvonne", "wife Carla" (a brand may share the name).
    r"|\b(?i:fille|fils|[ée]poux|mari|femme|s(?:œ|oe)ur|fr[èe]re|m[èe]re|p[èe]re|petite?-fille"
    r"|petit-fils|niece|nièce|neveu|daughter|son|wife|husband|sister|brother|mother|father"
    r"|mum|mom|dad|grandson|granddaughter"
    # The care team: "pharmacist Femi", "IDE Julie" (Femi is a pill too).
    r"|pharmacist|nurse|physio|midwife|carer|dietitian|registrar|consultant|pharmacienne?"
    r"|infirmi[eè]re?|ide|kin[ée]|sage-femme|aide-soignante?|interne)[ \t]+$"
)
_EPONYM_CONTEXT_BEFORE: Final = re.compile(
    r"\b(?i:maladies?|syndromes?|signes?|scores?|classifications?|tests?|man(?:œ|oe)uvres?"
    r"|triades?|crit[èe]res?|[ée]chelles?|stades?|thyro[ïi]dite|lymphomes?|sarcomes?"
    r"|tumeurs?|ulc[èe]res?|fractures?|ph[ée]nom[èe]nes?|r[ée]flexes?|indices?|index"
    r"|virus|bacille|polypes?|diverticules?|kystes?|n[ée]vralgie|paralysie|chor[ée]e"
    r"|angor|an[ée]vrisme|cellules?|corps|classification|type|loi|point|opération"
    r"|intervention|technique|incision|gangr[èe]ne|hernies?|canal|art[èe]re|ligne|m[ée]thode"
    r"|membrane|ganglions?|nodules?|nodosit[ée]s?|taches?|stries|vaccin|bacille|proth[èe]ses?"
    r"|clous?|plaques?|vis|lames?|sondes?|drains?|canules?|pinces?|attelles?|ballons?"
    r"|cath[ée]ters?|voies?|incisions?|positions?|greffes?|lambeaux?|anastomoses?|triangles?"
    r"|espaces?|fosses?|ligaments?|tendons?|muscles?|nerfs?|veines?|plexus|[îi]lots?|faisceaux?"
    r"|classe|(?:stade|type|grade|classe)[ \t]+[IVX0-9]+[a-c]?|selon|crit[èe]res)"
    r"[ \t]+(?:de[ \t]+|du[ \t]+|des[ \t]+|d['’][ \t]*|von[ \t]+)$"
)
# A treatment's name after the words that introduce one: "traité par Opdivo", "sous
# Coversyl", "relais par Eliquis", "started on Keytruda".
_TREATMENT_BEFORE: Final = re.compile(
    r"(?i:\b(?:trait[ée]e?s?|traitement|introduction|relais|switch|passage|mise|sous|started"
    r"|start|treated|treatment|switched)(?:[ \t]+(?:par|de|du|d['’]|au|à|sous|on|with|to))?"
    r"[ \t]*(?:l['’]|le[ \t]+|la[ \t]+)?)$"
)
# A drug's dose or form right after it: "Movicol sachet", "Xarelto 15 mg", "Dermovate cream".
_DRUG_FORM_AFTER: Final = re.compile(
    r"[ \t]*(?:\d+(?:[.,]\d+)?[ \t]*(?i:mg|mcg|µg|g|ml|%|units?|iu|ui)\b"
    r"|(?i:sachets?|tabs?|tablets?|capsules?|caps|cream|ointment|gel|drops|inhaler|patch(?:es)?"
    r"|injection|spray|suppositor(?:y|ies)|comprim[ée]s?|g[ée]lules?|cr[èe]me|pommade|collyre"
    r"|ampoules?|sirop|syrup|suspension|pessar(?:y|ies)|lotion|shampoo)\b)"
)
# A dose or volume just before: "100 mL Omnipaque", "2 cp de Doliprane".
_DOSE_BEFORE: Final = re.compile(
    r"\d+(?:[.,]\d+)?[ \t]*(?i:mg|mcg|µg|g|ml|cp|comprim[ée]s?|g[ée]lules?)\b"
    r"(?:[ \t]+(?:de|d['’]|of))?[ \t]*$"
)
# A dose form written before the drug, as prescriptions in India and South Africa do:
# "Tab Telma 40 mg", "Cap. Amoxil", "Inj Clexane", "Syp Crocin".
_DOSE_FORM: Final = re.compile(
    r"(?:Tab|TAB|tab|Tabs|TABS|Cap|CAP|cap|Caps|CAPS|Inj|INJ|inj|Syp|SYP|syp|Syr|Susp|Oint"
    r"|Neb|Supp|Amp)\.?"
)
_DOSE_FORM_BEFORE: Final = re.compile(rf"(?<![\w-]){_DOSE_FORM.pattern}[ \t]+$")
_DRUG_NAME_AFTER: Final = re.compile(r"[ \t]+[A-Za-z][\w-]+")
# A brand with its generic in brackets: "Xarelto (rivaroxaban)", "Cordarone (amiodarone)".
_GENERIC_IN_BRACKETS_AFTER: Final = re.compile(r"[ \t]*\([ \t]*(?P<generic>[a-zA-Z-]{4,})")
# A score or a grade is followed by its value: "Grade Group 2", "MDS-UPDRS Part III".
_VALUE_AFTER: Final = re.compile(r"[ \t]+(?:\d{1,3}\b|[IVX]{1,4}\b)")
# A dose, a posology or a device's size right after a word no list holds: a brand ("Zapain
# 30/500 2 tabs", "Fortimel 2/j", "Xience Sierra 3.0 x 23mm"), whatever its name sounds like.
_DOSE_OR_SIZE_AFTER: Final = re.compile(
    r"[ \t]+\d+(?:[.,]\d+)?(?:/\d+)?(?:[ \t]*x[ \t]*\d+(?:[.,]\d+)?[ \t]*mm\b|[ \t]*(?:\d+[ \t]+)?"
    r"(?:mg|mcg|µg|mL|ml|UI|IU|units?|tabs?|caps?|cp|cps|g[ée]l(?:ules?)?|sachets?|kcal|puffs?)"
    r"\b|[ \t]*(?:/j\b|/jour\b|/24[ \t]*h\b|x/j\b|fois/j\b))"
)
_EPONYM_CONTEXT_AFTER: Final = re.compile(
    r"(?:['’]s)?[ \t]+(?i:disease|syndrome|sign|test|score|scale|classification|criteria"
    r"|lymphoma|sarcoma|palsy|reflex|maneuver|manoeuvre|phenomenon|triad|ulcer|index"
    r"|fracture|virus|procedure|operation|grade|stage)\b|['’]s\b"
)
# A possessive or a name followed by one of these heads is an eponym whatever the name:
# "Baker's cyst", "Smith's fracture", "Hampton's hump", "Foley catheter", "Gleason score",
# "Parkland formula", "Bristol stool chart", "Lund and Browder chart".
_EPONYM_HEAD_AFTER: Final = re.compile(
    r"(?:['’]s?)?[ \t]+"
    r"(?:(?i:knee|hip|shoulder|stool|coma|depression|anxiety|standards|pain)[ \t]+)?"
    r"(?i:cysts?|fractures?|catheters?|formula|chart|hump|phenomenon|palsy|score|scale|grade"
    r"|grading|index|sign|test|procedure|operation|manoeuvre|maneuver|position|incision|nodes?"
    r"|tears?|contracture|disease|syndrome|triad|law|criteria|classification|stage|staging"
    # "Rosa Salinas cell 956-555-0191": a mobile phone, not "Reed-Sternberg cells".
    r"|bod(?:y|ies)|cells?(?![ \t]*(?:[:#]|ph(?:one)?\.?)?[ \t]*[\d(+])"
    r"|tubes?|drains?|needles?|clamps?|forceps|retractor|splint|airway"
    r"|questionnaire|inventory|rule|rules|method|technique|surgery|repair|flap|diverticulum"
    r"|oesophagus|esophagus|lymphoma|sarcoma|ulcers?|dementia|ataxia|dystrophy|reflex"
    r"|calculator|framework|protocol|pathway|tool|band|needles?)\b"
)
_ICD10: Final = re.compile(r"[A-TV-Z]\d{2}(?:\.\d{1,2})?")
_DOSE: Final = re.compile(
    r"\d+(?:[.,]\d+)?[ \t]*(?i:mg|g|µg|mcg|ug|ui|iu|ml|l|mmol|µmol|meq|mg/kg|mg/j|ui/j|%)"
    r"(?:/(?:j|jour|kg|h|day))?"
)
# Words, hyphenated compounds kept whole ("Guillain-Barré", "Child-Pugh").
_WORDS: Final = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_WINDOW: Final = 40
# A value at the end of a span, with its unit: "88 µmol/L", "11,2 g/dL", "C10", "5", "6/10".
_MEASUREMENT_END: Final = re.compile(
    r"(?:^|[ \t\u00a0])[A-Z]?\d{1,3}(?:[.,]\d+)?(?:/\d+)?"
    r"(?:[ \t\u00a0]*%|[ \t\u00a0]+[^\W\d_]{1,6}(?:/[\w.²]+)*)?$"
)
_POSTCODE_START: Final = re.compile(r"\d{5}[ \t\u00a0]")
# A name led by the head of an organisation or a place of care ends in its own number, not
# a measurement: "association France Victimes 23", "Aide et Soins 14", "CLAT 93".
_ORGANIZATION_HEAD_START: Final = re.compile(
    r"(?i:association|asso|club|foyer|ehpad|cmpp?|cattp|[ée]cole|coll[èe]ge|lyc[ée]e"
    r"|cr[èe]che|centre|center|clinique|r[ée]sidence|maison|ssiad|had|admr|clat|cpam|caf"
    r"|udaf|mdph|secteur|aide|soins|school|academy|trust)\b"
)
# "Net Services 93", "Transports Martin 56": two capitalised words and a number name a
# firm and its département; a measurement is one word and its value ("Sat 93", "Hb 9.1").
_NAME_AND_NUMBER: Final = re.compile(r"(?:[A-ZÀ-Þ][\w'’&-]*[ \t]+){2,}\d{1,3}")
# "Graves' disease": a plural possessive is an eponym, not a person.
_PLURAL_POSSESSIVE_END: Final = re.compile(r"[sS]['’]$")
_POSSESSIVE_S: Final = re.compile(r"['’]s$")
# "Baker's cyst" found whole: a possessive, then a head.
_POSSESSIVE_HEAD_END: Final = re.compile(r"['’]s?[ \t]+[^\W\d_]+$")
# A span that ends with its own eponym head: "Graves' disease", "Tinel sign".
_MEDICAL_HEAD_END: Final = re.compile(
    r"[ \t](?i:disease|syndrome|sign|palsy|phenomenon|reflex|maneuver|manoeuvre|test|score"
    r"|scale|criteria|classification)$"
)


def _folded_set(*groups: tuple[str, ...]) -> frozenset[str]:
    words: set[str] = set()
    for group in groups:
        for entry in group:
            words.add(_fold(entry))
            # Multi-word entries ("de quervain") add their words; hyphenated ones stay
            # whole, so "Bernard-Soulier" never makes "Bernard" medical on its own.
            words.update(_fold(part) for part in entry.split() if part)
    return frozenset(words)


# Genera of the micro-organisms clinical notes name ("Staphylococcus epidermidis",
# "Klebsiella pneumoniae BLSE", "Candida spp."): a capitalised Latin word and a lower-case
# species read like a given name and a surname to a model.
MICROBE_GENERA: Final = (
    "staphylococcus", "streptococcus", "enterococcus", "escherichia", "klebsiella",
    "pseudomonas", "acinetobacter", "enterobacter", "proteus", "serratia", "citrobacter",
    "morganella", "providencia", "haemophilus", "neisseria", "moraxella", "listeria",
    "clostridium", "clostridioides", "bacteroides", "salmonella", "shigella",
    "campylobacter", "helicobacter", "legionella", "mycoplasma", "chlamydia",
    "chlamydophila", "mycobacterium", "treponema", "borrelia", "candida", "aspergillus",
    "cryptococcus", "pneumocystis", "toxoplasma", "plasmodium", "giardia", "cutibacterium",
    "propionibacterium", "corynebacterium", "bordetella", "brucella", "coxiella",
    "rickettsia", "nocardia", "actinomyces", "fusobacterium", "prevotella", "veillonella",
    "peptostreptococcus", "stenotrophomonas", "burkholderia", "achromobacter",
    "gardnerella", "ureaplasma", "trichomonas", "entamoeba", "schistosoma", "leishmania",
    "trypanosoma", "mucor", "rhizopus", "histoplasma", "tropheryma", "bartonella",
    "pasteurella", "capnocytophaga", "kingella", "eikenella", "aggregatibacter",
    "lactobacillus", "bacillus", "vibrio", "yersinia", "francisella", "leptospira",
    "streptomyces", "micrococcus", "aerococcus", "gemella", "granulicatella",
    "abiotrophia", "finegoldia", "parvimonas", "sarcoptes", "pediculus", "taenia",
    "echinococcus", "strongyloides", "ascaris", "enterobius", "toxocara", "trichophyton",
    "microsporum", "malassezia", "fusarium", "scedosporium", "cyclospora",
    "cryptosporidium", "blastocystis", "babesia", "hafnia", "raoultella", "pantoea",
)  # fmt: skip
_MICROBE_GENERA: Final = frozenset(MICROBE_GENERA)
# Species that notes write after the genus's initial ("S. aureus", "E.Coli", "K.pneumoniae").
MICROBE_SPECIES: Final = frozenset(
    ("aureus", "epidermidis", "coli", "pneumoniae", "faecalis", "faecium", "aeruginosa",
     "albicans", "glabrata", "pyogenes", "agalactiae", "influenzae", "difficile", "cloacae",
     "mirabilis", "marcescens", "baumannii", "maltophilia", "fumigatus", "tuberculosis",
     "trachomatis", "gonorrhoeae", "meningitidis", "monocytogenes", "pylori", "jejuni",
     "typhi", "enteritidis", "catarrhalis", "oxytoca", "freundii", "morganii", "capitis",
     "hominis", "haemolyticus", "lugdunensis", "saprophyticus", "mutans", "mitis", "oralis",
     "anginosus", "constellatus", "intermedius", "dysgalactiae", "bovis", "gallolyticus",
     "acnes", "avium", "kansasii", "abscessus", "neoformans", "jirovecii", "gondii",
     "falciparum", "vivax", "ovale", "malariae", "lamblia", "histolytica", "vaginalis",
     "perfringens", "fragilis", "nucleatum", "necrophorum", "aerogenes", "lactis",
     "burgdorferi", "pallidum", "pertussis", "legionella", "pneumophila", "auris", "krusei")
)  # fmt: skip
_ABBREVIATED_MICROBE: Final = re.compile(r"[A-Z]\.[ \t]?(?P<species>[A-Za-z]+)")
# "Staphylococcus aureus", "Candida spp.": a genus and a lower-case species, or "sp(p)."
_SPECIES: Final = re.compile(r"[a-zé]+\.?")
# Words built on a medical suffix: "Antibioprophylaxie", "Cholécystectomie", "Colitis".
# At least this long, and never a word the name and place lexicons hold ("Jérémie").
_MEDICAL_SUFFIX: Final = re.compile(
    r"(?i:.*(?:ectomie|otomie|ostomie|plastie|scopie|graphie|pathie|th[ée]rapie|phylaxie"
    r"|algie|pl[ée]gie|cardie|[ée]mie|ectomy|otomy|ostomy|plasty|scopy|graphy|pathy|therapy"
    r"|phylaxis|algia|plegia|cardia|aemia|itis))"
)
MIN_SUFFIXED_LENGTH: Final = 8

# Devices, tests, assays and products written alone in notes ("Amsler grid", "IJ Tesio
# line", "Oncotype DX", "Similac HMF", "Tinetti 21/28"): kept apart from EPONYMS, which
# the NER generator draws from, so that adding one does not change the trained model.
NAMED_TOOLS: Final = (
    "amsler", "tesio", "oncotype", "similac", "optune", "cordiax", "tinetti", "diff-quik",
    "neer", "semmes", "weinstein", "dafne", "caspar", "cobb", "lachman", "enfamil",
    "aptamil", "mammaprint", "foundationone", "genexpert", "lucentis", "vabysmo",
    "redon", "salem", "ryle", "bonanno", "bair", "hugger", "picc", "hickman",
    "groshong", "portacath", "mckinley", "graseby", "alaris", "baxter", "ambu",
    "guedel", "igel", "i-gel", "yankauer", "sengstaken", "minnesota", "swan",
    "mallinckrodt", "tenckhoff", "quinton", "permcath", "luer", "venflon",
)  # fmt: skip
_EPONYM_WORDS: Final = _folded_set(EPONYMS, NAMED_TOOLS)
# Drug names and brands (edsnlp's ATC list and English generics and brands, see
# anonymization/lexicons/SOURCES.md): one word each, so "Requip LP" or "Levothyrox 75"
# is still recognised word by word.
_DRUG_WORDS: Final = _folded_set(
    tuple(name for name in drug_vocabulary() if " " not in name and name.isalpha())
)
_PRODUCT_WORDS: Final = _folded_set(NAMED_TOOLS) | _DRUG_WORDS
_VOCABULARY: Final = _folded_set(EPONYMS, NAMED_TOOLS, DRUGS, MEDICAL_WORDS) | _DRUG_WORDS
# Acronyms count only when written in capitals: "EVA 3/10" is a pain scale, "Eva" a name.
_ACRONYMS: Final = frozenset(ACRONYMS | ROMAN_NUMERALS)


# The scrubber asks about the same span of a note several times (the model's segments,
# the spans it keeps, the name words it propagates): answers are kept for the last ones.
MEDICAL_SPAN_CACHE_SIZE: Final = 4096


@functools.lru_cache(maxsize=MEDICAL_SPAN_CACHE_SIZE)
def _starts_with_given_name(span: str) -> bool:
    """ "Tom Baxter 10 mg", "avec Kevin 2/j": a person before a dose is still a person."""
    first = span.split()[0].lower()
    return any(first in unambiguous_names("first_names", language) for language in LANGUAGES)


def is_medical_term_span(text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` is (part of) medical vocabulary to keep."""
    span = text[start:end].strip()
    if not span:
        return False
    if _ICD10.fullmatch(span) or _DOSE.fullmatch(span) or _is_microbe(span):
        return True
    if _POSTCODE_START.match(span):
        return False
    if text[start - 1 : start] == "/":
        return True  # the end of a unit ("mmol/L. Critical"), never a name
    if (
        _MEASUREMENT_END.search(span)
        and not _ORGANIZATION_HEAD_START.match(span)
        and not _NAME_AND_NUMBER.fullmatch(span)
    ):
        return True
    window_start = max(0, start - _WINDOW)
    title = _PERSON_TITLE_BEFORE.search(text, window_start, start)
    if title is not None and not (
        # "son Kardégic": French "his" before a drug, not an English son
        title.group().lower().startswith("son") and _is_all_vocabulary(span, _DRUG_WORDS)
    ):
        return False
    if _NAMED_TOOL_AFTER.match(text, end) and (_is_known_place(span) or " " not in span):
        # "Ottawa ankle rules", "Canadian C-spine rule", "Kaiser sepsis calculator": a rule
        # named after a place or a person, a few words before its head.
        return True
    second = _SECOND_EPONYM_BEFORE.search(text, window_start, start)
    if (
        second is not None
        and " " not in span
        and is_medical_term_span(text, second.start("first"), second.end("first"))
    ):
        return True  # "Elston et Ellis", "Neer and Hawkins": the second of two eponyms
    if (
        _DOSE_OR_SIZE_AFTER.match(text, end)
        and len(span.split()) <= 2
        and not span.isupper()
        and not _starts_with_given_name(span)
    ):
        return True
    if _EPONYM_CONTEXT_BEFORE.search(text, window_start, start):
        return True
    if _TREATMENT_BEFORE.search(text, window_start, start) and len(span.split()) <= 2:
        return True
    if _PLURAL_POSSESSIVE_END.search(span) or _MEDICAL_HEAD_END.search(span):
        return True
    if _is_drug_in_context(text, span, start, end):
        return True
    if _is_possessive_eponym(span):
        return True  # "ruptured Baker's", "Ongoing Parkinson's": the head is implied
    if len(span.split()) > 1 and _VALUE_AFTER.match(text, end) and _is_all_common(span):
        return True  # "Grade Group 2"; one word before a number is left to the others
    if _EPONYM_CONTEXT_AFTER.match(text, end) and _is_all_vocabulary(span, _EPONYM_WORDS):
        return True
    if _GP_SURGERY_AFTER.match(text, end) and _is_known_place(span):
        return False  # "at Conwy surgery": a British GP practice named after its town
    if _EPONYM_HEAD_AFTER.match(text, end) and not span.isupper() and len(span.split()) <= 3:
        return True
    # "Ramsay Hunt syndrome", "Hoehn and Yahr stage": a second eponym, then the head.
    second = _SECOND_EPONYM_AFTER.match(text, end)
    if (
        second is not None
        and _EPONYM_HEAD_AFTER.match(text, second.end())
        and not span.isupper()
        and len(span.split()) <= 2
    ):
        return True
    head = _POSSESSIVE_HEAD_END.search(span)
    if head is not None and _EPONYM_HEAD_AFTER.fullmatch(head.group()):
        return True
    if _is_all_vocabulary(span, _VOCABULARY):
        return True
    if _is_product_and_code(span):
        return True
    return _is_vocabulary_with_common_words(span)


# "Oncotype DX", "Similac HMF", "Requip LP": a product and its variant's code.
_PRODUCT_CODE: Final = re.compile(r"[A-Z0-9]{1,4}")


def _is_product_and_code(span: str) -> bool:
    words = span.split()
    return (
        len(words) == 2
        and _fold(words[0]) in _PRODUCT_WORDS
        and _PRODUCT_CODE.fullmatch(words[1]) is not None
    )


_GP_SURGERY_AFTER: Final = re.compile(r"[ \t]+(?i:surgery)\b")
_SECOND_EPONYM_BEFORE: Final = re.compile(
    r"(?<![\w'’-])(?P<first>[A-Z][a-zà-ÿ'’-]+)[ \t]+(?:and|&|et)[ \t]+$"
)
# A place's name, up to three words, then what names a clinical rule, a scale or a device:
# "Ottawa ankle rules", "Cincinnati Prehospital Stroke Scale", "Canadian CT Head Rule",
# "Philadelphia collar", "Boston brace".
# Words that head an establishment ("Leeds General Infirmary") end no such run.
_NAMED_TOOL_AFTER: Final = re.compile(
    r"(?:[ \t]+(?!(?i:hospital|clinic|infirmary|cent(?:re|er)|university|school|health"
    r"|medical|practice|surgery|trust|college|county|city|road|street)\b)[^\W_][\w-]*){0,3}"
    r"[ \t]+(?i:rules?|scale|score|criteria|classification|calculator|questionnaire"
    r"|assessment|grading|collar|splint|brace)\b"
)
_SECOND_EPONYM_AFTER: Final = re.compile(r"(?:[ \t]+(?:and|&|et)|-)?[ \t]*[A-Z][a-zà-ÿ'’]+")


@functools.cache
def _known_places() -> frozenset[str]:
    return frozenset().union(*(lexicon("places", language).unambiguous for language in LANGUAGES))


def _is_known_place(span: str) -> bool:
    return span.lower() in _known_places()


def _is_vocabulary_with_common_words(span: str) -> bool:
    """ "Ongoing Parkinson": a word of vocabulary beside a dictionary word that no name
    lexicon holds is still vocabulary."""
    words = _WORDS.findall(span)
    if len(words) != 2:  # longer spans are names built on vocabulary: "Cabinet de radiologie"
        return False
    common = _common_not_names()
    vocabulary = [word for word in words if _is_vocabulary(word, _VOCABULARY)]
    return bool(vocabulary) and all(word in vocabulary or word.lower() in common for word in words)


def _is_drug_in_context(text: str, span: str, start: int, end: int) -> bool:
    """A one- or two-word span written as a drug is: a dose or a form after it, a dose or
    a form before it, or its generic name in brackets after it."""
    words = span.split()
    if len(words) > 2:
        return False
    if _DRUG_FORM_AFTER.match(text, end) or _DOSE_BEFORE.search(text, max(0, start - 20), start):
        return True
    if _DOSE_FORM_BEFORE.search(text, max(0, start - 8), start) or (
        len(words) == 2 and _DOSE_FORM.fullmatch(words[0])
    ):
        return True  # "Tab Telma", "Cap Amoxil": a form, then the drug
    if len(words) == 1 and _DOSE_FORM.fullmatch(span) and _DRUG_NAME_AFTER.match(text, end):
        return True  # the form itself: "Tab" of "Tab Ecosprin 75 mg"
    if len(words) == 2 and _DRUG_FORM_AFTER.fullmatch(" " + words[1]):
        return True  # the form inside the span: "Movicol sachet"
    generic = _GENERIC_IN_BRACKETS_AFTER.match(text, end)
    return generic is not None and generic.group("generic").lower() in drug_vocabulary()


# Eponyms written as a possessive whose head clinicians leave out ("ruptured Baker's",
# "?Bell's", "Colles'"): kept apart from EPONYMS, which the NER generator draws from.
POSSESSIVE_EPONYMS: Final = frozenset(
    ("baker", "bell", "colles", "barrett", "bowen", "dupuytren", "hashimoto", "meckel",
     "perthes", "sjogren", "sjögren", "tourette", "hirschsprung", "kaposi", "wernicke",
     "korsakoff", "alzheimer", "huntington", "parkinson", "crohn", "hodgkin", "addison",
     "cushing", "graves", "raynaud", "paget", "osgood", "bright")
)  # fmt: skip


def _is_possessive_eponym(span: str) -> bool:
    words = span.split()
    if len(words) != 1 or not _POSSESSIVE_S.search(span):
        return False
    word = _fold(_POSSESSIVE_S.sub("", span))
    return word in _EPONYM_WORDS or word in POSSESSIVE_EPONYMS


def _is_all_common(span: str) -> bool:
    """Every word of the span is a dictionary word no name lexicon holds."""
    words = _WORDS.findall(span)
    common = _common_not_names()
    return bool(words) and all(word.lower() in common for word in words)


def _common_not_names() -> frozenset[str]:
    return words_not_names(("first_names", "surnames", "places"))


def _is_all_vocabulary(span: str, vocabulary: frozenset[str]) -> bool:
    words = _WORDS.findall(span)
    return bool(words) and all(_is_vocabulary(word, vocabulary) for word in words)


# An all-capitals word this short that is nobody's surname is an acronym or a gene
# ("BRAF", "TIMI", "BLSE", "MSH6"); "ROUX" and "PETIT" are surnames and stay names.
MAX_ACRONYM_LENGTH: Final = 5


def _is_vocabulary(word: str, vocabulary: frozenset[str]) -> bool:
    if word.isdigit() or _fold(word) in vocabulary:
        return True
    # "Apgars 8 and 9": a plural of the vocabulary.
    if len(word) > 4 and word[-1] in "sS" and _fold(word[:-1]) in vocabulary:
        return True
    if (
        len(word) >= MIN_SUFFIXED_LENGTH
        and _MEDICAL_SUFFIX.fullmatch(word)
        and word.lower() not in names_and_places()
    ):
        return True
    return word.isupper() and word.lower() in _ACRONYMS


def _is_microbe(span: str) -> bool:
    """ "Staphylococcus epidermidis", "Candida albicans", "Klebsiella spp.", "Listeria",
    "S. aureus", "E.Coli"."""
    abbreviated = _ABBREVIATED_MICROBE.fullmatch(span)
    if abbreviated is not None:
        return abbreviated.group("species").lower() in MICROBE_SPECIES
    words = span.split()
    if not words or words[0].lower() not in _MICROBE_GENERA or not words[0][:1].isupper():
        return False
    return all(_SPECIES.fullmatch(word) or word.isupper() for word in words[1:])
