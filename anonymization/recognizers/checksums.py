"""Check-digit algorithms used by French health identifiers (pure functions)."""

from __future__ import annotations

LUHN_MODULUS = 10


def luhn_is_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Luhn check digit of the others."""
    if not digits.isdigit():
        return False
    total = 0
    # From the right, every second digit is doubled (9 subtracted when it exceeds 9).
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % LUHN_MODULUS == 0


def luhn_check_digit(body: str) -> int:
    """The digit that makes `body + digit` pass `luhn_is_valid` (used to build examples)."""
    if not body.isdigit():
        raise ValueError("Luhn body must be digits only")
    for digit in range(LUHN_MODULUS):
        if luhn_is_valid(f"{body}{digit}"):
            return digit
    raise AssertionError("unreachable: one Luhn digit always exists")
