"""ADDRESS: street addresses, French first ("12 rue des Lilas", "3 bis avenue Jean Jaurès",
"12, bd de la République", "lieu-dit Les Granges", "BP 123") and English ("221B Baker
Street", "12 Main St", "Flat 3, 10 Downing Road"), and, as India and South Africa write
them, led by a plot, flat, house or shop number ("Plot No. 14, Sector 9, Near Bus Depot");
Belgian and Swiss addresses, number after the street and a four-digit postcode ("Avenue
Louise 120, 1050 Bruxelles"); farms and houses named instead of numbered ("Mas des
Oliviers").

The street name runs to the first natural stop: comma, semicolon, bracket, newline, a
full stop followed by a space, a digit (the postcode), " à ", a dash between spaces, or
the end of the text. The postcode and city are LOCATION.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from anonymization.recognizers.base import RegexRecognizer, ValuePattern, led_by

NUMBERED_SCORE: Final = 0.85
UNNUMBERED_SCORE: Final = 0.6
POST_BOX_SCORE: Final = 0.7
ENGLISH_SCORE: Final = 0.8

# Street types, full words and the usual abbreviations (matched case-insensitively).
_FR_STREET_TYPE: Final = (
    r"(?i:rue|avenue|boulevard|all[ée]es?|impasse|chemin|place|quai|cours|route|r[ée]sidence"
    r"|lieu-dit|lieudit|square|passage|villa|cit[ée]|hameau|faubourg|promenade|esplanade"
    r"|parvis|rond-point|voie|sentier|mont[ée]e|traverse|ruelle|venelle|lotissement"
    r"|domaine|sente|clos|carrefour|galerie|mail"
    r"|av|bd|blvd|boul|pl|chem|imp|rte|r[ée]s|sq|fg|fbg|prom|crs)"
)
# Types that are also everyday words ("mise en place", "au cours de") are left out here.
_FR_UNNUMBERED_TYPE: Final = (
    r"(?i:rue|avenue|boulevard|bd|all[ée]es?|impasse|quai|chemin|r[ée]sidence|lieu-dit"
    r"|lieudit|hameau|square"
    # Farms and houses named instead of numbered: "Mas des Oliviers", "Ferme de la Vallée".
    r"|mas|ferme|moulin|bastide|manoir|long[èe]re|m[ée]tairie)"
)
_NUMBER: Final = led_by(r"\d", r"[\w,.]") + r"\d{0,3}(?:[ \t]?(?i:bis|ter|quater)\b|[A-Da-d]\b)?"
# Lazy name, ending on a non-space, stopped by the lookahead below.
_NAME: Final = r"[^\n,;()\d]{0,59}?[^\s,;()\d.]"
_STOP: Final = r"(?=[ \t]*(?:[,;()\n]|\.(?:\s|$)|\d|$|[ \t]à[ \t]|[–—-][ \t]))"
_FR_NUMBERED: Final = (
    rf"(?P<value>{_NUMBER},?[ \t\u00a0]+{_FR_STREET_TYPE}\.?[ \t\u00a0]+{_NAME}){_STOP}"
)
# Without a number the name must start with a capital (after an optional article).
_FR_UNNUMBERED: Final = (
    rf"(?<!\w)(?P<value>{_FR_UNNUMBERED_TYPE}[ \t\u00a0]+"
    r"(?=(?:(?:de|du|des|la|le|les)[ \t]+|[dl]['’])*[A-ZÀ-ÖØ-ÞŒ])"
    rf"{_NAME}){_STOP}"
)
_POST_BOX: Final = (
    r"(?P<value>" + led_by("[Bb]", r"\w")
    # A comma may follow before a postcode ("BP 45, 97300 Cayenne"), never a decimal, a
    # fraction ("BP 12/8") or another reading ("BP 140, HR 88").
    + r"(?:(?<=B)P|(?<=B)\.P\.|o[iî]te[ \t]+postale)[ \t]*\d{1,5})"
    + r"(?![\d/.]|,(?![ \t]*\d{5}[ \t]))"
)  # fmt: skip
# A business mail route ("CS 80217 – 97261 Fort-de-France Cedex", "TSA 40111"): always
# five digits before a postcode and "Cedex".
_MAIL_ROUTE: Final = r"(?<![\w-])(?P<value>(?:CS|TSA)[ \t\u00a0]*\d{5})(?![\d/]|[.,]\d)"
_EN_STREET_TYPE: Final = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl"
    r"|Square|Sq|Terrace|Way|Close|Crescent|Gardens|Grove|Row|Mews|Parkway|Highway|Hwy"
    # British closes and estates: "7 Orchard Rise", "3 Mill View", "14 Beech Croft".
    r"|Rise|View|Walk|Green|Vale|Chase|Croft|Parade|Wynd|Brae|Approach|Meadows"
    # Australian and New Zealand types and abbreviations: "14 Wattle Cres", "9 Banksia Cct".
    r"|Cres|Cct|Circuit|Pde|Tce|Esplanade|Promenade|Quay|Gdns|Cl|Gr|Pkwy|Ter"
    r"|STREET|ST|ROAD|RD|AVENUE|AVE|LANE|LN|DRIVE|DR|BOULEVARD|BLVD|COURT|CT|PLACE|WAY)"
)
# After the first digit of the number: "221B Baker Street", "12 Main St".
# Street words: "Baker", "St Mary's", "Queen's".
_EN_STREET: Final = (
    # An optional direction ("3277 E Lanark St"), then the street's words, capitalised or
    # in capitals ("45 OVERLOOK RD").
    r"\d{0,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?[ \t]+(?:[NSEW]\.?[ \t]+)?"
    # A lettered street: "412 F St", "1200 K Street".
    # A numbered street: "811 W. 4th St", "300 E 52nd Street".
    r"(?:(?:St\.?|[A-Z][a-z]+(?:['’]s)?|[A-Z]{3,}|[A-Z](?=[ \t]+(?:St|Street|Ave|Avenue)\b)"
    r"|\d{1,3}(?:st|nd|rd|th))"
    r"[ \t]+){1,3}" + _EN_STREET_TYPE + r"\b\.?"
    # A direction and a unit after it: "2075 Lake Shore Blvd. W., Unit 3".
    r"(?:[ \t]+(?:[NSEW]|NW|NE|SW|SE)\b\.?)?"
    r"(?:,?[ \t]+(?:Unit|Suite|Ste|Apt)\.?[ \t]*\d{1,5}[A-Za-z]?\b)?"
)
_EN_ADDRESS: Final = (
    r"(?P<value>(?:(?i:unit|lot|apt|flat)[ \t]+(?=\d+/\d))?"
    + led_by(r"\d", r"[\w,./]")
    + _EN_STREET
    + ")"
)
# Belgium, Switzerland and Luxembourg write the number after the street and a four-digit
# postcode: "Avenue Louise 120, 1050 Bruxelles", "Rue de Lausanne 14, 1201 Genève",
# "Chaussée de Wavre 45 bte 3, 1040 Etterbeek", "Rue du Fort 5, L-2419 Luxembourg".
_NUMBER_AFTER_STREET: Final = (
    r"(?<![\w'’-])(?P<value>(?:Rue|Avenue|Boulevard|Chaussée|Place|Chemin|Route|Quai|Drève"
    r"|Allée|Clos|Square|Impasse|Sentier|Rempart|Passage|Galerie)[ \t]+[^\n,;()\d]{1,50}?"
    r"[ \t]+\d{1,4}(?:[A-Za-z]\b|[ \t]*(?:bte|boîte|bus)[ \t]*\d{1,4})?"
    # then the postcode after a comma, a dash or on the next line ("Chaussée de Braine 49 –
    # 7060 Soignies", "Rue du Onze Novembre 18⏎7090 BRAINE-LE-COMTE").
    # "L-2419 Luxembourg", "CH-1800 Vevey": the country's letters before the postcode.
    # or in the next cell of a table ("Rue de la Maladière 45 | 2000 Neuchâtel").
    r"[ \t]*(?:[,–|-][ \t]*|\n[ \t]*)(?:[A-Z]{1,2}-)?\d{4}[ \t]+[A-ZÀ-Þ][\w'’-]*"
    r"(?:[ \t-]+[A-ZÀ-Þ][\w'’-]*){0,2})"
    r"(?![\w'’-])"
)
# A British street named "The …" after its number: "1 The Paddock", "12 The Green".
_EN_THE_STREET: Final = (
    r"(?<![\w,./-])(?P<value>\d{1,4}[A-Za-z]?[ \t]+The[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)"
    r"(?=[ \t]*(?:,|\n|$))"
)
# Post boxes and rural routes: "PO Box 1234", "P.O. Box 88", "Private Bag X3", "Locked Bag
# 7", "RR 2 Box 45".
_EN_POST_BOX: Final = (
    r"(?<![\w-])(?P<value>(?:P\.?[ \t]?O\.?[ \t]+Box|POB|(?:Private|Locked)[ \t]+Bag"
    r"|(?:RR|R\.R\.|Rural[ \t]+Route)[ \t]*\d{1,3}[ \t]+Box)[ \t]*[A-Z]?\d{1,6})(?![\w/-])"
)
# A British house name before its numbered street, at a line's start or after a label:
# "Sunnybrae, 12 Pettycur Road", "Home: Meadowbank, 7 Orchard Rise".
_EN_HOUSE_NAME_AND_STREET: Final = (
    r"(?:^|(?<=\n)|(?<=:)|(?<=:[ \t]))[ \t]*(?P<value>[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)?,"
    r"[ \t]+\d" + _EN_STREET + ")"
)
# A French business zone: "ZI n°2", "ZA du Moulin", "ZAC de la Plaine".
_FR_BUSINESS_ZONE: Final = (
    r"(?<![\w-])(?P<value>(?:ZI|ZA|ZAC|ZAE)[ \t\u00a0]+(?:n°[ \t]*\d{1,3}"
    r"|(?:de[ \t]+la|de[ \t]+l['’]|du|des|de)[ \t]*[A-ZÀ-Þ][\w'’-]+(?:[ \t]+[A-ZÀ-Þ][\w'’-]+)?))"
    r"(?![\w-])"
)
_EN_FLAT_ADDRESS: Final = (
    r"(?P<value>" + led_by("[FASU]", r"\w")
    + r"(?:lat|pt|partment|uite|nit)\.?[ \t]+\w{1,5},?[ \t]+\d" + _EN_STREET + ")"
)  # fmt: skip


# What may follow the street and still belong to it: ", escalier B, 6e étage", ", esc. C",
# ", bât. C, apt 312", ", Unit 12", ", Ste 140", ", 2nd fl".
_COMPLEMENT_AFTER: Final = re.compile(
    r"(?:,?[ \t]+|,[ \t]*)(?:(?i:esc(?:alier)?\.?|b[âa]t(?:iment)?\.?|apt|appt|appartement|porte"
    r"|entr[ée]e|unit|suite|ste\.?|apt\.?|flat|fl\.?|floor|room|rm|bldg\.?|building)"
    r"[ \t]*[A-Z0-9]{1,4}\b"
    r"|\d{1,2}(?:e|er|ème|eme|st|nd|rd|th)[ \t]+(?i:étage|etage|fl(?:oor)?\.?)"
    r"(?:[ \t]+(?:sans|avec|with|without)[ \t]+(?i:ascenseur|lift|elevator))?){1}"
    r"(?:,?[ \t]*(?:(?i:esc(?:alier)?\.?|b[âa]t(?:iment)?\.?|apt|appt|porte|unit|suite|ste\.?"
    r"|fl\.?|floor)[ \t]*[A-Z0-9]{1,4}\b|\d{1,2}(?:e|er|ème|eme|st|nd|rd|th)[ \t]+(?i:étage"
    r"|etage|fl(?:oor)?\.?)(?:[ \t]+(?:sans|avec|with|without)[ \t]+"
    r"(?i:ascenseur|lift|elevator))?)){0,3}"
)
# What may come before the street on the same line and belongs to the address: a flat,
# building or staircase ("Appt 14", "Bât. C", "Flat 12B") or a named residence or house
# ("Résidence Les Pins", "Rose Cottage"), each followed by an optional comma.
_COMPLEMENT: Final = (
    r"(?:(?i:appt|appart(?:ement)?|apt|apartment|flat|suite|unit|b[âa]t(?:iment)?|bldg"
    r"|building|esc(?:alier)?|[ée]tage|floor|porte|entr[ée]e|lot)\.?[ \t]*(?:n°[ \t]*)?"
    r"[\w-]{1,5}"
    r"|(?:(?i:r[ée]sidence|r[ée]s\.|immeuble|imm\.|domaine|villa|hameau|cit[ée]|lotissement"
    r"|tour)[ \t]+[^\n,;()\d]{1,40}?)"
    r"|[A-Z][\w'’-]+(?:[ \t]+[A-Z][\w'’-]+)?[ \t]+(?:Cottage|House|Farm|Lodge|Hall|Barn"
    r"|Manor|Court|Mansions|Tower|Towers|Apts|Apartments|Heights|Residency)"
    # A floor as Manila and Hong Kong write it: "3/F".
    r"|\d{1,3}/F)"
)
_COMPLEMENT_BEFORE: Final = re.compile(rf"(?<![\w'’-])(?:{_COMPLEMENT}[ \t]*,?[ \t]*)+$")
_UNIT_WORD_BEFORE: Final = re.compile(r"(?<![\w'’-])(?i:flat|apt|apartment|unit)[ \t]+$")
# How far before a street its complement may start (characters).
COMPLEMENT_WINDOW: Final = 60


# "Glossop Road", "Mostyn Street", "Main St", "Gunbarrel Rd", "Lower Greenville Ave": a
# capitalised name and a street type, without a number ("Dr" is a title, never a type).
_EN_NAMED_STREET: Final = (
    r"(?<![\w'’-])(?P<value>(?:[A-Z][a-z'’-]+[ \t]+){1,3}(?:Road|Street|Lane|Avenue|Close"
    r"|Crescent|Terrace|Gardens|Grove|Place|Way|Drive|Boulevard|Court|Row|Walk|Mews|Parade"
    r"|Rd|St|Ave|Blvd|Ln|Pl|Ct|Hwy|Highway|Pike|Parkway|Pkwy)\.?"
    r"(?:[ \t]+(?:East|West|North|South|[NSEW]\.(?!\w)|[NSEW](?![\w'’-])))?)"
    r"(?![\w'’-])"
)


# Two streets that cross: "Cross st: Bellwood Dr & Pleasant Run Rd", "cnr Main St and Elm
# Ave" ("Dr" is a street type only here, between two street names).
_EN_STREET_WORDS: Final = (
    r"(?:[A-Z][a-z'’-]+[ \t]+){1,3}(?:Road|Street|Lane|Avenue|Drive|Boulevard|Way|Court"
    r"|Rd|St|Ave|Blvd|Ln|Dr|Hwy|Pike|Pkwy)\.?"
)
_EN_CROSS_STREETS: Final = (
    rf"(?<![\w'’-])(?P<value>{_EN_STREET_WORDS}[ \t]*(?:&|and|/|@)[ \t]*{_EN_STREET_WORDS})"
    r"(?![\w'’-])"
)


# A house or farm named instead of numbered: "Manor Farm Cottage", "Rose Cottage".
_EN_HOUSE_NAME: Final = (
    r"(?<![\w'’-])(?P<value>(?:[A-Z][a-z'’-]+[ \t]+){1,2}(?:Cottage|Farmhouse|Farm|Lodge|Barn"
    r"|Grange|Bungalow|Manor)(?:[ \t]+(?:Cottage|Farm|House))?)(?![\w'’-])"
)


# Addresses led by a plot, flat, house or shop number, as written in India and South
# Africa: "Plot No. 14, Sector 9, Near Bus Depot", "House No. 12, Street 5, Sector 21",
# "Shop 12, Protea Glen Mall, cnr Koma Rd & Ndamane St", "Stand 1123, Zone 5". The parts
# after the number are sector-like numbers, landmarks ("Near …", "cnr …") and named
# roads, buildings or malls; the town and its PIN are left to LOCATION.
_UNIT_LED_PART: Final = (
    r"(?:(?:Sector|Street|Phase|Block|Zone|Extension|Ext\.?|Lane|Road|Gali|Ward)[ \t]+"
    r"(?:No\.?[ \t]*)?\d{1,4}[A-Z]?"
    r"|(?:Near|Opp\.?|Opposite|Behind|Beside|cnr|Cnr|Corner[ \t]+of)[ \t]+[^\n,;()]{2,50}?"
    r"|(?:[A-Z][\w'’.-]*[ \t]+){1,3}(?:Road|Rd|Street|St|Marg|Nagar|Colony|Apartments?"
    r"|Society|Complex|Mall|Lane|Chowk|Layout|Enclave|Residency|Towers?|Heights|Plaza"
    r"|Estate|Court|Centre|Center|House|Building|Park|Mansions|Chambers)\b\.?)"
)
_UNIT_LED_ADDRESS: Final = (
    r"(?<![\w'’-])(?P<value>(?:Plot|Flat|House|Shop|Stand|Erf|Door|Gala|Unit|Suite|No\.?)"
    r"[ \t]+"
    r"(?:(?:No\.?|Number|#)[ \t]*)?\d{1,5}[A-Z]?(?:/\d{1,4})?"
    r"(?:,[ \t]*" + _UNIT_LED_PART + r"(?=[ \t]*(?:[,;()\n]|$|[–—-][ \t]))){0,5})"
)
UNIT_LED_NUMBER: Final = re.compile(r"(?:No\.?|Number|#)")


# Abbreviations inside an address, whose dot ends no sentence: "12 St. Mary's Rd",
# "27 bis rue X, esc. C", "Résidence Les Iris, bât. C, apt. 312".
_ADDRESS_ABBREVIATIONS: Final = (
    "st", "rd", "av", "ave", "bd", "bld", "bât", "bat", "apt", "app", "appt", "esc", "ét",
    "res", "rés", "imm", "mt", "ste", "dr", "ch", "pl", "lot", "qu", "sq", "n°",
)  # fmt: skip
# Whatever follows an address label up to the line's end or a wide gap, a town and its
# postcode included: "Addr: Unit 5/14 Wardell Rd, Dulwich Hill NSW 2203", "Address: Ty
# Coch, Heol y Bryn, Penclawdd SA4 3LP", "Adresse : La Métairie, 35500 Vitré".
_LABELLED_ADDRESS: Final = (
    # "Domicile :" as a label, not "soins à domicile :".
    r"(?<![\w'’-])(?i:addr\.?|address|home[ \t]+address|adresse|(?<!à )(?<!a )domicile"
    # "Add:", "Adr :" only before a number or a dwelling's word ("Add: amlodipine" is a plan).
    r"|(?:add|adr)\.?(?=[ \t]*:[ \t]*(?:\d|(?:flat|apt|appt|house|plot|unit|room|r[ée]s|b[âa]t"
    r"|villa|lot|lieu-dit|chez|c/o)\b)))"
    r"[ \t]*:[ \t]*"
    # A number or a capital in it: "Address: see above" is no address.
    r"(?=[^\n|]*[A-Z0-9])(?P<value>[^\s:|](?:[^\n|:]*?[^\s,;|:])?)"
    # It ends at the line's end, a cell, a wide gap, the next label ("Tel:") or the end of
    # its sentence ("… SW1A 1AA. Phone +44 …", "… 75012 Paris. Tél. …"), not at the dot of
    # an abbreviation ("12 St. Mary's Rd").
    r"(?=[ \t]*(?:\n|\||[ \t]{2,}|$|[A-Z][a-z]+:)"
    r"|"
    + "".join(rf"(?<!\b(?i:{abbreviation}))" for abbreviation in _ADDRESS_ABBREVIATIONS)
    + r"\.(?:[ \t]+[A-ZÀ-Ý]|[ \t]*$))"
)


class AddressRecognizer(RegexRecognizer):
    ENTITY: ClassVar[str] = "ADDRESS"
    PATTERNS: ClassVar[tuple[ValuePattern, ...]] = (
        # First: the whole labelled address wins over the street inside it.
        ValuePattern("after an address label", re.compile(_LABELLED_ADDRESS), ENGLISH_SCORE),
        ValuePattern("english flat and street", re.compile(_EN_FLAT_ADDRESS), ENGLISH_SCORE),
        ValuePattern("number after the street", re.compile(_NUMBER_AFTER_STREET), ENGLISH_SCORE),
        ValuePattern("address led by its unit", re.compile(_UNIT_LED_ADDRESS), ENGLISH_SCORE),
        ValuePattern(
            "english house name and street", re.compile(_EN_HOUSE_NAME_AND_STREET), ENGLISH_SCORE
        ),
        ValuePattern("english street address", re.compile(_EN_ADDRESS), ENGLISH_SCORE),
        ValuePattern("french business zone", re.compile(_FR_BUSINESS_ZONE), UNNUMBERED_SCORE),
        ValuePattern("french numbered street", re.compile(_FR_NUMBERED), NUMBERED_SCORE),
        ValuePattern("french street without number", re.compile(_FR_UNNUMBERED), UNNUMBERED_SCORE),
        ValuePattern("post office box", re.compile(_POST_BOX), POST_BOX_SCORE),
        ValuePattern("english post box", re.compile(_EN_POST_BOX), POST_BOX_SCORE),
        ValuePattern("english street named the", re.compile(_EN_THE_STREET), UNNUMBERED_SCORE),
        ValuePattern("business mail route", re.compile(_MAIL_ROUTE), POST_BOX_SCORE),
        ValuePattern("english cross streets", re.compile(_EN_CROSS_STREETS), UNNUMBERED_SCORE),
        ValuePattern("english named street", re.compile(_EN_NAMED_STREET), UNNUMBERED_SCORE),
        ValuePattern("english house name", re.compile(_EN_HOUSE_NAME), UNNUMBERED_SCORE),
    )
    CONTEXT: ClassVar[tuple[str, ...]] = ("adresse", "domicilié", "demeurant", "address")

    def _score(self, text: str, value: str, start: int, pattern: ValuePattern) -> float | None:
        if pattern.name == "address led by its unit" and not (
            "," in value or (UNIT_LED_NUMBER.search(value) and not value.startswith("No"))
        ):
            return None  # "House 3", "Door 2", "No. 14" alone: no address
        return super()._score(text, value, start, pattern)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        extended = [self._with_complement(text, result) for result in results]
        # A residence name found on its own is now inside the street it precedes.
        return [
            result
            for result in extended
            if not any(
                other is not result and other.start <= result.start and result.end <= other.end
                for other in extended
            )
        ]

    def _with_complement(self, text: str, result: RecognizerResult) -> RecognizerResult:
        after = _COMPLEMENT_AFTER.match(text, result.end)
        if after is not None:
            result = self.result(result.start, after.end(), result.score)
        if not text[result.start : result.start + 1].isdigit():
            return result
        # "flat 6 Cherryfield Drive": the flat's number is the street's.
        unit_word = _UNIT_WORD_BEFORE.search(text, max(0, result.start - 12), result.start)
        if unit_word is not None:
            return self.result(unit_word.start(), result.end, result.score)
        line_start = text.rfind("\n", 0, result.start) + 1
        window_start = max(line_start, result.start - COMPLEMENT_WINDOW)
        before = _COMPLEMENT_BEFORE.search(text, window_start, result.start)
        if before is None:
            return result
        return self.result(before.start(), result.end, result.score)
