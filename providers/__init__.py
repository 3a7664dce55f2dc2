"""The providers' self-service portal: a provider's editors sign in, edit their own units' profiles and
answer the actions of their follow-ups; officers approve before anything is published.

Every view runs behind ``require_editor`` (signed in, and an editor of some provider). What a view may
touch within that is checked with ``services.permissions``: a unit, revision or action of another provider
is answered with 404, as if it did not exist. The officers' side (reviewing) is in the back office,
``jamforaren/admin/reviews.py``.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from jamforaren.services.permissions import is_editor, require

bp = Blueprint("providers", __name__, url_prefix="/anordnare-portal")


@bp.before_request
@login_required
def require_editor() -> None:
    require(is_editor(current_user))


from providers import actions, views  # noqa: E402,F401
