"""The rules a new password must follow, wherever it is set (``users create``, ``users set-password``, the
password page): at least 12 and at most 128 characters, not the account's e-mail address, not one of the most
common passwords (``jamforaren/common_passwords.py``).

``problems`` returns the broken rules as lazy translations: shown in the reader's language on a page, and in
English on the command line (``in_english``).
"""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from jamforaren.common_passwords import COMMON_PASSWORDS

MIN_LENGTH = 12
MAX_LENGTH = 128
_ENDS = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def problems(password: str, email: str | None = None) -> list[object]:
    """The rules ``password`` breaks (empty when it may be used)."""
    if len(password) > MAX_LENGTH:
        return [_l("The password may have at most %(count)d characters.", count=MAX_LENGTH)]
    found: list[object] = []
    if len(password) < MIN_LENGTH:
        found.append(_l("The password must have at least %(count)d characters.", count=MIN_LENGTH))
    plain = password.strip().casefold()
    if email and plain in _forms_of_email(email):
        found.append(_l("The password must not be your e-mail address or its part before the @."))
    elif is_common(plain):
        found.append(_l("The password is one of the most common ones and easy to guess. Choose another."))
    return found


def is_common(password: str) -> bool:
    """A listed password, a listed word with digits or signs around it ("Sommar2024!"), or one short piece
    or listed word repeated ("aaaaaaaaaaaa", "abcabcabcabc", "sommarsommar")."""
    plain = password.strip().casefold()
    if plain in COMMON_PASSWORDS or _ENDS.sub("", plain) in COMMON_PASSWORDS:
        return True
    for size in range(1, len(plain) // 2 + 1):
        piece = plain[:size]
        if len(plain) % size == 0 and piece * (len(plain) // size) == plain:
            return size <= 3 or piece in COMMON_PASSWORDS
    return False


def _forms_of_email(email: str) -> set[str]:
    address = email.strip().casefold()
    return {address, address.split("@", 1)[0]}


def in_english(messages: list[object]) -> str:
    """The messages as one English sentence after another, for the command line and logs."""
    with force_locale("en"):
        return " ".join(str(message) for message in messages)
