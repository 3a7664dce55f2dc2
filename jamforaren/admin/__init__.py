"""The back office of the huvudmannaenheter: officers and administrators only.

Every view here runs behind ``require_officer`` (signed in, and an officer of some area or an
administrator); what a view may touch within that is checked with ``services.permissions``.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from jamforaren.services.permissions import is_officer, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_officer() -> None:
    require(is_officer(current_user))


from jamforaren.admin import dashboard  # noqa: E402,F401
from jamforaren.admin import areas, audit_log  # noqa: E402,F401
from jamforaren.admin import authorisations, providers  # noqa: E402,F401
from jamforaren.admin import followups, imports  # noqa: E402,F401
from jamforaren.admin import reviews  # noqa: E402,F401
