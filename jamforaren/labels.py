"""Interface names of the domain's fixed values, translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from jamforaren.models import ActionStatus, AuthorisationStatus, FollowUpMethod, Ownership

OWNERSHIP = {
    Ownership.MUNICIPAL: _l("Municipal"),
    Ownership.PRIVATE: _l("Private company"),
    Ownership.NON_PROFIT: _l("Non-profit"),
    Ownership.COOPERATIVE: _l("Cooperative"),
}

AUTHORISATION_STATUS = {
    AuthorisationStatus.APPLIED: _l("Applied"),
    AuthorisationStatus.AUTHORISED: _l("Authorised"),
    AuthorisationStatus.SUSPENDED: _l("Suspended"),
    AuthorisationStatus.REVOKED: _l("Revoked"),
    AuthorisationStatus.ENDED: _l("Ended"),
}

# Languages a unit may offer besides Swedish (ISO 639-1), named in the reader's language by Babel.
LANGUAGE_CODES = ("ar", "bs", "en", "es", "fa", "fi", "fr", "de", "pl", "so", "ti", "tr", "uk", "sgn")


def language_name(code: str, locale: str) -> str:
    from babel import Locale
    if code == "sgn":
        return str(_l("Swedish Sign Language"))
    try:
        return Locale.parse(locale).languages.get(code, code)
    except (ValueError, TypeError):
        return code

FOLLOW_UP_METHOD = {
    FollowUpMethod.DOCUMENTS: _l("document review"),
    FollowUpMethod.VISIT: _l("visit"),
    FollowUpMethod.INTERVIEW: _l("interviews"),
    FollowUpMethod.OBSERVATION: _l("observation"),
}

ACTION_STATUS = {
    ActionStatus.OPEN: _l("open"),
    ActionStatus.ANSWERED: _l("answered, awaiting review"),
    ActionStatus.ACCEPTED: _l("done"),
    ActionStatus.RETURNED: _l("returned to the provider"),
}


def method_label(value: str) -> str:
    try:
        return str(FOLLOW_UP_METHOD[FollowUpMethod(value)])
    except ValueError:
        return value
