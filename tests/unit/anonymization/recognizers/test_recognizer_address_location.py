from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from anonymization.recognizers.address_recognizer import AddressRecognizer
from anonymization.recognizers.location_recognizer import LocationRecognizer


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The matched substrings, in text order (what a reviewer reads in a failure)."""
    results = recognizer.analyze(text, recognizer.supported_entities, None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


ADDRESS = AddressRecognizer()
LOCATION = LocationRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domicilié 12 rue des Lilas, 75012 Paris", "12 rue des Lilas"),
        ("3 bis avenue Jean Jaurès, 69007 Lyon", "3 bis avenue Jean Jaurès"),
        ("12, bd de la République 13008 Marseille", "12, bd de la République"),
        ("5 allée des Tilleuls. Tél. : 06 12 34 56 78", "5 allée des Tilleuls"),
        ("7 impasse du Moulin\n44000 Nantes", "7 impasse du Moulin"),
        ("41 chemin de l'Église à Rennes", "41 chemin de l'Église"),
        ("1 place Molière", "1 place Molière"),
        ("18 quai de Verdun – 2e étage", "18 quai de Verdun"),
        ("9 av. Victor Hugo; bât. B", "9 av. Victor Hugo"),
        ("2 rte de la Gare", "2 rte de la Gare"),
        ("vit lieu-dit Les Granges", "lieu-dit Les Granges"),
        # The building and flat that follow a street belong to the address.
        ("résidence Les Pins, bât. C", "résidence Les Pins, bât. C"),
        ("BP 123", "BP 123"),
        ("221B Baker Street, London", "221B Baker Street"),
        ("lives at 12 Main St.", "12 Main St."),
        ("Flat 3, 10 Downing Road", "Flat 3, 10 Downing Road"),
    ],
)
def test_when_a_street_address_is_written_then_it_is_found_up_to_a_natural_stop(
    text: str, expected: str
) -> None:
    assert found(ADDRESS, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "mise en place d'une sonde",
        "au cours de l'hospitalisation",
        "3 comprimés par jour",
        "la rue est calme",
    ],
)
def test_when_street_words_are_ordinary_words_then_no_address_is_found(text: str) -> None:
    assert found(ADDRESS, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 rue X, 75012 Paris.", ["75012 Paris"]),
        ("13008 Marseille", ["13008 Marseille"]),
        ("20000 Ajaccio", ["20000 Ajaccio"]),
        ("97110 Pointe-à-Pitre", ["97110 Pointe-à-Pitre"]),
        ("69003 LYON", ["69003 LYON"]),
        ("76600 Le Havre", ["76600 Le Havre"]),
        ("13100 Aix-en-Provence", ["13100 Aix-en-Provence"]),
        ("42000 Saint-Étienne", ["42000 Saint-Étienne"]),
        ("75015 Paris Cedex 15", ["75015 Paris Cedex 15"]),
        ("CS 12345", ["CS 12345"]),
        ("London SW1A 1AA", ["London SW1A 1AA"]),
        ("New York, NY 10001", ["New York, NY 10001"]),
        ("ZIP code 90210", ["90210"]),
        ("héparine 50000 UI par jour", []),
        ("00123 Paris", []),  # département 00 does not exist
        ("99123 Paris", []),  # 99 means abroad in the NIR, never a postcode
        ("123456 Paris", []),
    ],
)
def test_postcodes_with_their_city_are_locations(text: str, expected: list[str]) -> None:
    assert found(LOCATION, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appt 14, 10 chemin Schœlcher\n11100 Narbonne", ["Appt 14, 10 chemin Schœlcher"]),
        ("domiciliée Bât. C, 143 square de Bretagne, 26000", ["Bât. C, 143 square de Bretagne"]),
        (
            "vit au Résidence Les Pins, 158 bis résidence Marcel Pagnol, 13008 Marseille",
            ["Résidence Les Pins, 158 bis résidence Marcel Pagnol"],
        ),
        ("Rose Cottage, 87 Chestnut Street, Leeds", ["Rose Cottage, 87 Chestnut Street"]),
        ("Lives at Flat 12B, 68 St Mary's Way, Leeds", ["Flat 12B, 68 St Mary's Way"]),
        ("Review BP 142/88 mmHg in 3 months", []),
    ],
)
def test_when_a_flat_or_residence_precedes_the_street_then_it_is_part_of_the_address(
    text: str, expected: list[str]
) -> None:
    assert found(ADDRESS, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M. HAMON, né le 15/04/1965 à Paris, demeurant", ["Paris"]),
        ("née le 16 janvier 1940 à Saint-Laurent-du-Maroni.", ["Saint-Laurent-du-Maroni"]),
        ("domiciliée à Créteil depuis 2010", ["Créteil"]),
        ("Créteil, le 07.04.2026\n\nCher confrère", ["Créteil"]),
        ("L'Île-Rousse, le 19/06/26", ["L'Île-Rousse"]),
        ("Le Tampon, le 5 juin 2025", ["Le Tampon"]),
        ("Newcastle upon Tyne NE1 4UY", ["Newcastle upon Tyne NE1 4UY"]),
        ("Portland, OR 97239", ["Portland, OR 97239"]),
        ("Patient, 45 ans, né à terme.", []),
    ],
)
def test_when_context_says_a_bare_name_is_a_place_then_it_is_a_location(
    text: str, expected: list[str]
) -> None:
    assert found(LOCATION, text) == expected


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "IHI 8003\nAddr: Unit 5/14 Wardell Rd, Dulwich Hill NSW 2203   Mob 0412 345 678\n",
            "Unit 5/14 Wardell Rd, Dulwich Hill NSW 2203",
        ),
        (
            "DOB: 05.03.1944   Addr: Ty Coch, Heol y Bryn, Penclawdd SA4 3LP\nAdmitted",
            "Ty Coch, Heol y Bryn, Penclawdd SA4 3LP",
        ),
        ("Adresse : La Métairie, 35500 Vitré. Tél. 02 99", "La Métairie, 35500 Vitré"),
        ("Address: 12 St. Mary's Rd, Bath BA1 2AB\n", "12 St. Mary's Rd, Bath BA1 2AB"),
    ],
)
def test_when_an_address_follows_its_label_then_all_of_it_is_found(text: str, address: str) -> None:
    assert found(ADDRESS, text) == [address]


def test_when_an_address_label_is_followed_by_no_address_then_nothing_is_found() -> None:
    assert found(ADDRESS, "Address: see above\n") == []


def test_when_an_australian_state_precedes_four_digits_then_they_are_a_postcode() -> None:
    assert found(LOCATION, "Marrickville NSW 2204  Ph (02) 9876 5432") == ["2204"]
    assert found(LOCATION, "MENTAL HEALTH ACT 1983 ASSESSMENT") == []


@pytest.mark.parametrize(
    ("text", "pin"),
    [
        ("Kharghar, Navi Mumbai - 410210, Maharashtra\nPh", "410210"),
        ("12 MG Road, Bengaluru, PIN: 560034", "560034"),
    ],
)
def test_when_an_indian_pin_code_is_written_then_it_is_a_location(text: str, pin: str) -> None:
    assert pin in found(LOCATION, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 allées Victor-Hugo – 46100 Figeac", ["12 allées Victor-Hugo"]),
        ("Service de cardiologie\nCS 80217 – 97261 Fort-de-France Cedex", ["CS 80217"]),
        ("TSA 40111, 75000 Paris", ["TSA 40111"]),
    ],
)
def test_plural_street_types_and_business_mail_routes_are_addresses(
    text: str, expected: list[str]
) -> None:
    assert found(ADDRESS, text) == expected


def test_a_short_cs_count_is_no_mail_route() -> None:
    assert found(ADDRESS, "CS 40 mg per day, then CS 20") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Address\nRosehaven, 4 Quarry Rise, Alnwick NE66 1AB", ["Rosehaven, 4 Quarry Rise"]),
        ("Home: Hillcrest, 22 Mill View", ["Hillcrest, 22 Mill View"]),
        ("Société Leblanc, ZI n°3, Saint-Pierre", ["ZI n°3"]),
        ("entrepôt ZAC de la Plaine, 97420", ["ZAC de la Plaine"]),
    ],
)
def test_british_house_names_closes_and_french_business_zones_are_addresses(
    text: str, expected: list[str]
) -> None:
    assert found(ADDRESS, text) == expected


@pytest.mark.parametrize("text", ["Bloods: Hb, Creatinine, 12 Green tubes", "Dr Roy, 3 Walk tests"])
def test_a_count_before_a_capitalised_word_is_no_british_close(text: str) -> None:
    assert found(ADDRESS, text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Plot No. 14, Sector 9, Near Bus Depot, Kharghar",
            "Plot No. 14, Sector 9, Near Bus Depot",
        ),
        (
            "Resides at Flat No. 3B, Shanti Apartments, MG Road, Pune",
            "Flat No. 3B, Shanti Apartments, MG Road",
        ),
        ("House No. 12, Street 5, Sector 21, Gurgaon", "House No. 12, Street 5, Sector 21"),
        (
            "Shop 12, Protea Glen Mall, cnr Koma Rd & Ndamane St, Soweto",
            "Shop 12, Protea Glen Mall, cnr Koma Rd & Ndamane St",
        ),
        ("Stand 1123, Zone 5, Soweto", "Stand 1123, Zone 5"),
    ],
)
def test_when_an_address_is_led_by_its_plot_flat_or_shop_then_it_is_found_without_the_town(
    text: str, address: str
) -> None:
    assert found(ADDRESS, text) == [address]


@pytest.mark.parametrize("text", ["Went to House 3 for the party.", "Door 2 was locked."])
def test_when_a_house_or_door_number_stands_alone_then_it_is_no_address(text: str) -> None:
    assert found(ADDRESS, text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Lives at 14 Wattle Cres, Ngunnawal ACT 2913.", "14 Wattle Cres"),
        ("Unit 3/45 Smith Street, Fitzroy", "Unit 3/45 Smith Street"),
        ("Resides 1 The Paddock, Ballymore Eustace", "1 The Paddock"),
        ("PO Box 1234, Gaborone", "PO Box 1234"),
        ("P.O. Box 88, Suva", "P.O. Box 88"),
        ("Private Bag X3, Pretoria", "Private Bag X3"),
        ("RR 2 Box 45, Millville", "RR 2 Box 45"),
    ],
)
def test_australian_streets_slash_units_the_streets_and_post_boxes_are_addresses(
    text: str, address: str
) -> None:
    assert found(ADDRESS, text) == [address]


@pytest.mark.parametrize(
    ("text", "postcode"),
    [("Montréal QC H2X 1K4", "H2X 1K4"), ("Co. Kildare, W91 X2Y3", "W91 X2Y3")],
)
def test_canadian_postcodes_and_irish_eircodes_are_locations(text: str, postcode: str) -> None:
    assert postcode in found(LOCATION, text)


@pytest.mark.parametrize(
    "text",
    [
        "She gave 1 The other day.",
        "Tumour T2N0M0, restaged T2N 0M0",
        "Dx C50 2019. E11 2020 review.",
        "vitamin D 3/45 units",
    ],
)
def test_stages_codes_and_numbers_are_neither_postcodes_nor_addresses(text: str) -> None:
    assert found(ADDRESS, text) == [] and found(LOCATION, text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Avenue Louise 120, 1050 Bruxelles", "Avenue Louise 120, 1050 Bruxelles"),
        (
            "Chaussée de Wavre 45 bte 3, 1040 Etterbeek",
            "Chaussée de Wavre 45 bte 3, 1040 Etterbeek",
        ),
        ("Rue du Fort 5, L-2419 Luxembourg", "Rue du Fort 5, L-2419 Luxembourg"),
        ("Boîte postale 45, 97300 Cayenne", "Boîte postale 45"),
        ("Mas des Oliviers, route d'Uzès", "Mas des Oliviers"),
        ("Ferme de la Vallée, 61000 Alençon", "Ferme de la Vallée"),
    ],
)
def test_belgian_and_swiss_addresses_post_boxes_and_named_farms_are_addresses(
    text: str, address: str
) -> None:
    assert address in found(ADDRESS, text)


@pytest.mark.parametrize(
    "text",
    [
        "BP 140, HR 88, BP 12.5",
        "selles ferme, abdomen souple ; la ferme de son fils ; moulin à café",
    ],
)
def test_blood_pressures_and_farm_words_are_no_addresses(text: str) -> None:
    assert found(ADDRESS, text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Housing Association\nUnit 4, Finnieston Business Centre\nGlasgow",
            "Unit 4, Finnieston Business Centre",
        ),
        ("The family resides at No. 14, Oke-Ilewo Road, Abeokuta", "No. 14, Oke-Ilewo Road"),
        ("office\n2250 E. Lohman Ave, Bldg C, Las Cruces NM", "2250 E. Lohman Ave, Bldg C"),
        ("clinic\n811 W. 4th St, Ste B, Cedar Falls, IA 50613", "811 W. 4th St, Ste B"),
        ("Are you at flat 6 Cherryfield Drive or is he at yours?", "flat 6 Cherryfield Drive"),
        ("works at a dental studio on Queen St. W.), with a", "Queen St. W."),
        (
            "Cross st: Bellwood Dr & Pleasant Run Rd, near the school",
            "Bellwood Dr & Pleasant Run Rd",
        ),
        ("Avenue de la Prairie 12 - CH-1800 Vevey", "Avenue de la Prairie 12 - CH-1800 Vevey"),
    ],
)
def test_units_numbered_streets_cross_streets_and_swiss_postcodes_are_addresses(
    text: str, address: str
) -> None:
    assert found(ADDRESS, text) == [address]


@pytest.mark.parametrize(
    "text", ["Bed No. 14, stable overnight", "moved to Unit 4, Ward B", "Suite 2, then home"]
)
def test_a_bed_unit_or_suite_number_without_a_named_place_is_no_address(text: str) -> None:
    assert found(ADDRESS, text) == []


def test_a_swiss_street_then_its_postcode_in_the_next_cell_is_an_address() -> None:
    text = "Site de Pourtalès | Rue de la Maladière 45 | 2000 Neuchâtel\nT +41 32"
    assert found(ADDRESS, text) == ["Rue de la Maladière 45 | 2000 Neuchâtel"]
