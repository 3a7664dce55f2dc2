"""Swedish organisation numbers (organisationsnummer): NNNNNN-NNNN with a Luhn check digit."""

from __future__ import annotations

import re

PATTERN = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_digit(digits: str) -> int:
    """The check digit for nine digits (the Luhn algorithm, weights 2,1,2,1,…)."""
    total = 0
    for i, char in enumerate(digits):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def with_check_digit(nine_digits: str) -> str:
    number = nine_digits + str(luhn_digit(nine_digits))
    return f"{number[:6]}-{number[6:]}"


def normalise(value: str) -> str | None:
    """``5561234567`` or ``556123-4567`` → ``556123-4567`` if the check digit is right, else None."""
    match = PATTERN.match(value.strip())
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2 or luhn_digit(digits[:9]) != int(digits[9]):
        return None  # the third digit of an organisation number is always 2 or more
    return f"{digits[:6]}-{digits[6:]}"
