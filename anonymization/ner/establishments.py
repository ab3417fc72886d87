"""Invented (or public) names of care establishments, employers and street addresses for
the NER training corpus, French and English, in the forms people write them."""

from __future__ import annotations

from random import Random

from anonymization.lexicons import drug_names
from anonymization.ner import values

SAINTS = (
    "Saint-Joseph", "Saint-Louis", "Sainte-Anne", "Saint-Antoine", "Saint-Vincent-de-Paul",
    "Sainte-Marguerite", "Saint-Martin", "Saint-Jacques", "Sainte-Marie", "Saint-Roch",
    "Saint-Luc", "Saint-Jean", "Saint-Michel", "Sainte-Thérèse", "Saint-Camille", "Saint-Pierre",
)  # fmt: skip
FR_FAMOUS = (
    "Georges-Pompidou", "Édouard-Herriot", "Henri-Mondor", "Ambroise-Paré", "Jean-Verdier",
    "Robert-Debré", "Louis-Mourier", "Antoine-Béclère", "Paul-Brousse", "Albert-Chenevier",
    "Raymond-Poincaré", "Charles-Foix", "René-Muret", "Émile-Roux", "Pasteur", "Jean-Minjoz",
    "Roger-Salengro", "Claude-Huriez", "Gabriel-Montpied", "Pierre-Paul-Riquet", "Lapeyronie",
    "Guy-de-Chauliac", "Arnaud-de-Villeneuve", "Félix-Guyon", "Pierre-Zobda-Quitman",
    "Jacques-Monod", "Louis-Pasteur", "Simone-Veil", "Marie-Curie", "Xavier-Arnozan",
    "Nord", "Sud", "Est", "de la Croix-Rousse", "Lyon-Sud", "Femme-Mère-Enfant",
)  # fmt: skip
FR_KNOWN = (
    "Pitié-Salpêtrière", "la Pitié", "HEGP", "Necker", "Necker-Enfants malades", "Bichat",
    "Lariboisière", "Cochin", "Tenon", "Avicenne", "Beaujon", "Bicêtre", "Kremlin-Bicêtre",
    "Hôtel-Dieu", "Saint-Louis", "Trousseau", "Rothschild", "Fondation Rothschild",
    "Quinze-Vingts", "Sainte-Anne", "GHU Paris", "Institut Curie", "Gustave Roussy",
    "Institut Paoli-Calmettes", "Centre Léon Bérard", "Institut Bergonié", "Centre Oscar Lambret",
    "Centre Eugène Marquis", "ICO", "IUCT Oncopole", "la Timone", "Pellegrin", "Haut-Lévêque",
    "Purpan", "Rangueil", "Pontchaillou", "la Cavale Blanche", "Morvan", "Bretonneau",
    "Trousseau", "Hautepierre", "Brabois", "Michallon", "HCL", "AP-HM", "AP-HP", "CHUGA",
    "CHRU", "HIA Bégin", "HIA Percy", "Foch", "Hôpital américain", "IMM", "la Miséricorde",
)  # fmt: skip
FR_GARDEN = (
    "les Tilleuls", "les Glycines", "les Lilas", "les Mimosas", "le Clos Fleuri", "les Jardins",
    "la Roseraie", "les Oliviers", "les Charmilles", "le Bois Joli", "les Hortensias",
    "la Source", "les Pins", "l'Orangerie", "les Cèdres", "Bel Air", "les Magnolias",
    "le Parc", "les Érables", "la Chênaie", "Ker Anna", "Ty Maria", "les Capucines",
)  # fmt: skip
FR_ORGS = (
    "Renault", "SNCF", "La Poste", "Airbus", "Michelin", "Carrefour", "EDF", "Engie",
    "Peugeot", "Stellantis", "Leclerc", "Intermarché", "Auchan", "Thales", "Safran",
    "Dassault", "Decathlon", "Leroy Merlin", "Bouygues", "Vinci", "Lactalis", "Danone",
    "Crédit Agricole", "BNP Paribas", "Société Générale", "la CPAM", "Pôle emploi",
    "France Travail", "l'Éducation nationale", "la RATP", "Veolia", "Suez", "Sodexo",
    "Doux", "Bigard", "Le Gaulois", "Total", "Naval Group", "Chantiers de l'Atlantique",
    "ArcelorMittal", "Alstom", "Manpower", "Adecco", "ADMR", "l'UDAF", "Emmaüs",
)  # fmt: skip
FR_STREETS = (
    "rue", "rue", "rue", "avenue", "av.", "boulevard", "bd", "allée", "impasse", "chemin",
    "place", "quai", "route", "cours", "square", "résidence", "lotissement", "cité", "voie",
)  # fmt: skip
EN_HOSPITAL_PATTERNS = (
    "{town} General Hospital", "{town} Royal Infirmary", "Royal {town} Hospital",
    "{town} Community Hospital", "St {saint}'s Hospital", "St {saint}'s", "{town} Medical Center",
    "{surname} Memorial Hospital", "{town} Regional Medical Center", "{surname} Clinic",
    "{town} Health Centre", "{town} Surgery", "{surname} House Care Home",
    "{garden} Nursing Home", "{garden} Care Home", "{town} University Hospital",
    "University Hospital of {town}", "{surname} Hospice", "{town} Children's Hospital",
    "{town} Women's Hospital", "{surname} Medical Practice", "{town} Pharmacy",
    "Boots {town}", "{town} Walk-in Centre", "{surname} Cancer Center", "{town} VA Medical Center",
)  # fmt: skip
EN_KNOWN = (
    "Massachusetts General Hospital", "MGH", "Brigham and Women's", "Mayo Clinic",
    "Johns Hopkins", "Cleveland Clinic", "Mount Sinai", "NYU Langone", "Cedars-Sinai",
    "UCSF Medical Center", "Kaiser Permanente", "St Thomas' Hospital", "Guy's Hospital",
    "King's College Hospital", "Royal London", "Addenbrooke's", "John Radcliffe",
    "Royal Free", "Great Ormond Street", "GOSH", "UCLH", "Queen Elizabeth",
    "Ninewells", "Royal Infirmary of Edinburgh", "Southmead", "Royal Victoria",
    "Beaumont Hospital", "Mater", "St James's", "Tallaght", "Alder Hey", "Christie",
    "Royal Marsden", "Moorfields", "Papworth", "Broadmoor", "Maudsley", "MD Anderson",
    "Dana-Farber", "Sloan Kettering", "Bellevue", "Parkland", "Grady", "Barnes-Jewish",
)  # fmt: skip
EN_SAINTS = ("Mary", "Thomas", "George", "James", "Luke", "Michael", "Richard", "Peter", "John")
EN_GARDEN = (
    "Oakwood", "Elmwood", "Meadowbank", "Rosemount", "Beechwood", "Willow Lodge", "Fernlea",
    "Hillcrest", "Lakeside", "Ashgrove", "Maple Court", "Cedar House", "Birchwood",
)  # fmt: skip
EN_ORGS = (
    "Tesco", "Sainsbury's", "Royal Mail", "the council", "Network Rail", "Walmart", "Amazon",
    "Costco", "Target", "UPS", "FedEx", "Home Depot", "Ford", "General Motors", "Boeing",
    "BAE Systems", "Rolls-Royce", "Jaguar Land Rover", "Barclays", "HSBC", "Lloyds",
    "Starbucks", "McDonald's", "the Post Office", "Greggs", "Asda", "Morrisons", "Aldi",
    "Deloitte", "Accenture", "IBM", "Google", "Microsoft", "the Army", "the NHS trust",
)  # fmt: skip
EN_STREETS = (
    "Street", "Road", "Avenue", "Lane", "Close", "Drive", "Crescent", "Terrace", "Way",
    "Gardens", "Grove", "Place", "St", "Rd", "Ave", "Blvd", "Court", "Ct", "Hill", "Row",
)  # fmt: skip


def _elide(preposition: str, word: str) -> str:
    """'de' + 'Angers' → "d'Angers"; 'de' + 'Le Mans' → 'du Mans'."""
    if preposition == "de":
        if word[:1].lower() in "aeiouyhéèêâîôû":
            return f"d'{word}"
        if word.startswith("Le "):
            return f"du {word[3:]}"
        if word.startswith("Les "):
            return f"des {word[4:]}"
    return f"{preposition} {word}"


def hospital(rng: Random, language: str) -> str:
    if language == "en":
        if rng.random() < 0.3:
            return rng.choice(EN_KNOWN)
        pattern = rng.choice(EN_HOSPITAL_PATTERNS)
        return pattern.format(
            town=values.place(rng, "en"),
            saint=rng.choice(EN_SAINTS),
            surname=values.surname(rng, "en"),
            garden=rng.choice(EN_GARDEN),
        )
    town = values.place(rng, "fr")
    big = rng.choice(values.big_places("fr"))
    roll = rng.random()
    if roll < 0.18:
        return rng.choice(FR_KNOWN)
    forms = (
        f"CHU {_elide('de', big)}", f"CHU {big}", f"CH {_elide('de', town)}", f"CH {town}",
        f"Centre Hospitalier {_elide('de', town)}", f"centre hospitalier {_elide('de', town)}",
        f"CHR {_elide('de', big)}", f"CHI {_elide('de', town)}", f"CHRU {_elide('de', big)}",
        f"Hôpital {rng.choice(SAINTS)}", f"hôpital {rng.choice(FR_FAMOUS)}",
        f"Hôpital {rng.choice(FR_FAMOUS)}", f"hôpital {_elide('de', town)}",
        f"Clinique {rng.choice(SAINTS)}", f"Clinique {rng.choice(FR_GARDEN)}",
        f"clinique {_elide('de', town)}", f"Polyclinique {_elide('de', town)}",
        f"Clinique {values.surname(rng, 'fr')}", f"EHPAD {rng.choice(FR_GARDEN)}",
        f"Ehpad {rng.choice(FR_GARDEN)}", f"EHPAD {_elide('de', town)}",
        f"Résidence {rng.choice(FR_GARDEN)}", f"EPSM {_elide('de', town)}",
        f"EPSM {values.surname(rng, 'fr')}", f"CHS {rng.choice(FR_FAMOUS)}",
        f"SSR {rng.choice(FR_GARDEN)}", f"HAD {_elide('de', town)}",
        f"Centre de rééducation {rng.choice(FR_GARDEN)}", f"Maison de santé {_elide('de', town)}",
        f"MSP {_elide('de', town)}",
        f"Pharmacie {rng.choice(('du Centre', 'de la Gare', 'du Marché', 'des Halles'))}",
        f"Pharmacie {values.surname(rng, 'fr')}", f"Laboratoire {values.surname(rng, 'fr')}",
        f"Cabinet médical {rng.choice(FR_GARDEN)}", f"Centre de santé {rng.choice(SAINTS)}",
        f"CMP {_elide('de', town)}", f"CMPP {_elide('de', town)}", f"IME {rng.choice(FR_GARDEN)}",
        f"Hôpital privé {_elide('de', town)}", f"Clinique mutualiste {_elide('de', town)}",
        f"GHT {_elide('de', town)}", f"USLD {rng.choice(FR_GARDEN)}",
        (
            f"Hôpital de la "
            f"{rng.choice(('Cavale', 'Conception', 'Source', 'Croix', 'Miséricorde'))} "
            f"{rng.choice(('Blanche', 'Rousse', 'Saint-Simon', ''))}"
        ).strip(),
        f"Groupe Hospitalier {rng.choice(FR_FAMOUS)}",
        f"Hôpitaux Universitaires {_elide('de', big)}",
        f"Cabinet de radiologie {rng.choice(('des Arènes', 'du Centre', 'de la Gare', 'du Parc'))}",
        f"Centre de rééducation {_elide('de', town)}",
        f"CENTRE HOSPITALIER {_elide('de', town).upper()}",
        f"Groupement Hospitalier {rng.choice(FR_GARDEN)}",
        f"Centre municipal de santé {rng.choice(FR_FAMOUS)}",
        f"Clinique {rng.choice(FR_GARDEN)} {town}", f"CHU {big} – Hôpital {rng.choice(FR_FAMOUS)}",
    )  # fmt: skip
    return rng.choice(forms)


def organization(rng: Random, language: str) -> str:
    surname = values.surname(rng, language)
    if language == "en":
        if rng.random() < 0.6:
            return rng.choice(EN_ORGS)
        return rng.choice(
            (
                f"{surname} & Sons", f"{surname} Ltd", f"{surname} Construction",
                f"{values.place(rng, 'en')} High School",
                f"{values.place(rng, 'en')} Primary School",
                f"St {rng.choice(EN_SAINTS)}'s School", f"{surname} Elementary",
                f"{values.place(rng, 'en')} County Council", f"{surname} Logistics",
            )
        )  # fmt: skip
    if rng.random() < 0.55:
        return rng.choice(FR_ORGS)
    town = values.place(rng, "fr")
    return rng.choice(
        (
            f"mairie {_elide('de', town)}", f"école {values.first_name(rng, 'fr')} {surname}",
            f"école {rng.choice(FR_GARDEN)}", f"collège {rng.choice(FR_FAMOUS)}",
            f"lycée {values.first_name(rng, 'fr')} {surname}", f"crèche {rng.choice(FR_GARDEN)}",
            f"entreprise {surname}", f"{surname} BTP", f"{surname} et Fils", f"SARL {surname}",
            f"Boulangerie {surname}", f"Garage {surname}", f"ESAT {rng.choice(FR_GARDEN)}",
            f"Transports {surname}", f"Ambulances {surname}",
            f"lycée agricole {_elide('de', town)}",
        )
    )  # fmt: skip


def street_address(rng: Random, language: str) -> str:
    number = str(rng.randint(1, 180))
    surname = values.surname(rng, language)
    if language == "en":
        name = rng.choice(
            (
                surname,
                rng.choice(EN_GARDEN),
                values.first_name(rng, "en"),
                "Church",
                "Station",
                "High",
                "Mill",
                "Victoria",
            )
        )
        flat = rng.choice(
            ("", "", "", f"Flat {rng.randint(1, 30)}, ", f"Apt {rng.randint(1, 30)}B, ")
        )
        return f"{flat}{number} {name} {rng.choice(EN_STREETS)}"
    street = rng.choice(FR_STREETS)
    name = rng.choice(
        (
            f"{values.first_name(rng, 'fr')} {surname}", surname,
            f"des {rng.choice(('Lilas', 'Tilleuls', 'Peupliers', 'Écoles', 'Vignes', 'Acacias'))}",
            f"de la {rng.choice(('Gare', 'République', 'Paix', 'Liberté', 'Fontaine', 'Mairie'))}",
            "du " + rng.choice(
                ("Général de Gaulle", "Maréchal Leclerc", "8 Mai 1945", "11 Novembre", "Moulin",
                 "Stade")
            ),
            f"{_elide('de', values.place(rng, 'fr'))}",
        )
    )  # fmt: skip
    suffix = rng.choice(("", "", "", "", " bis", " ter", "B"))
    extra = rng.choice(
        (
            "",
            "",
            "",
            f", Bât. {rng.choice('ABCDE')}",
            f", appt {rng.randint(1, 60)}",
            f", {rng.randint(1, 9)}e étage",
        )
    )
    if rng.random() < 0.08:
        return "lieu-dit " + rng.choice(
            ("Kerhuel", "La Croix Blanche", "Le Bourg", "Les Granges", "La Métairie")
        )
    return f"{number}{suffix} {street} {name}{extra}"


def drug(rng: Random) -> str:
    names = _drug_list()
    name = rng.choice(names)
    return name.capitalize() if rng.random() < 0.5 else name.upper()


_DRUGS: list[str] = []


def _drug_list() -> list[str]:
    if not _DRUGS:
        _DRUGS.extend(sorted(n for n in drug_names() if " " not in n and n.isalpha()))
    return _DRUGS
