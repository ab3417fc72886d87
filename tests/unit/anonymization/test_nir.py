from __future__ import annotations

import pytest

from anonymization.nir import compact_nir, format_nir, is_valid_nir, nir_key
from sovex.model.errors import InvalidInput


@pytest.mark.parametrize(
    ("first13", "key"),
    [
        ("1840375123456", 90),
        # Corsica: 2A is read as 19 and 2B as 18 for the key, so the keys differ.
        ("269052A004012", 28),
        ("269052B004012", 55),
        # Overseas: 3-digit département (971) + 2-digit commune.
        ("1551297105003", 17),
        # Born abroad (99) with a country code, and a provisional (NIA) number.
        ("2840199350021", 66),
        ("7900113055123", 19),
        # Boundaries of the key range: n mod 97 == 96 gives 01, n mod 97 == 0 gives 97.
        ("1840375123060", 1),
        ("1840375123061", 97),
    ],
)
def test_nir_key_is_97_minus_the_body_modulo_97(first13: str, key: int) -> None:
    assert nir_key(first13) == key


def test_corsica_letters_are_read_as_19_and_18_for_the_key() -> None:
    assert nir_key("269052A004012") == 97 - 2690519004012 % 97
    assert nir_key("269052B004012") == 97 - 2690518004012 % 97


@pytest.mark.parametrize(
    "nir",
    [
        "184037512345690",
        "1 84 03 75 123 456 90",
        "2 69 05 2A 004 012 28",
        "269052B00401255",
        "2 69 05 2b 004 012 55",
        "1 55 12 971 05 003 17",
        "284019935002166",
        "790011305512319",
        "184037512306001",
        "184037512306197",
        "3 62 07 99 139 004 " + f"{nir_key('3620799139004'):02d}",
        "4 01 02 99 350 010 " + f"{nir_key('4010299350010'):02d}",
    ],
)
def test_when_key_matches_then_nir_is_valid_compact_or_spaced(nir: str) -> None:
    assert is_valid_nir(nir)


@pytest.mark.parametrize(
    "nir",
    [
        "184037512345691",  # key off by one
        "184037512345689",
        "184037512306000",  # key 00 never exists
        "184037512306198",  # key above 97
        "269052A00401255",  # the 2B key on a 2A body
        "269052B00401228",  # the 2A key on a 2B body
        "584037512345690",  # sex digit 5 does not exist
        "184137512345690",  # month 13
        "184000512345690",  # month 00
        "18403751234569",  # 14 characters
        "1840375123456900",  # 16 characters
        "269052C00401228",  # only 2A and 2B are letters
        "1 84 03 75 123 456 9O",  # letter O instead of zero
        "1  84 03 75 123 456 90",  # double space
        "1-84-03-75-123-456-90",
        "",
    ],
)
def test_when_nir_is_malformed_or_key_is_wrong_then_it_is_invalid(nir: str) -> None:
    assert not is_valid_nir(nir)


def test_every_key_from_1_to_97_is_accepted_for_its_own_body() -> None:
    keys = {nir_key(f"1840375123{order:03d}") for order in range(1, 1000)}
    assert keys == set(range(1, 98))


def test_format_nir_appends_a_two_digit_key() -> None:
    assert format_nir("1840375123060") == "184037512306001"
    assert format_nir("1840375123060", spaced=True) == "1 84 03 75 123 060 01"


def test_format_nir_groups_overseas_numbers_by_three_digit_departement() -> None:
    assert format_nir("1551297105003", spaced=True) == "1 55 12 971 05 003 17"
    assert format_nir("269052A004012", spaced=True) == "2 69 05 2A 004 012 28"


def test_formatted_nirs_are_valid_and_compact_back_to_the_same_digits() -> None:
    spaced = format_nir("269052B004012", spaced=True)
    assert is_valid_nir(spaced)
    assert compact_nir(spaced) == format_nir("269052B004012")


@pytest.mark.parametrize("first13", ["184037512345", "18403751234567", "584037512345"])
def test_key_of_a_malformed_body_is_refused_without_echoing_it(first13: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        nir_key(first13)
    assert first13 not in str(raised.value)
