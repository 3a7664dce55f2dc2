"""The back office's main menu: each feature module adds its entry page here."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# (endpoint, label, administrators only): the order of the menu.
MENU: list[tuple[str, Any, bool]] = [
    ("admin.followups", _l("Follow-ups"), False),
    ("admin.areas", _l("Customer choices"), False),
    ("admin.providers", _l("Providers and units"), False),
    ("admin.imports", _l("Import"), False),
    ("admin.profile_changes", _l("Profile changes"), False),
    ("admin.action_answers", _l("Answered actions"), False),
    ("admin.audit_log", _l("Audit log"), True),
]


def admin_menu() -> list[tuple[str, Any]]:
    """The entries the signed-in user may open, whose pages exist."""
    from flask import current_app
    from flask_login import current_user
    return [(endpoint, label) for endpoint, label, admin_only in MENU
            if endpoint in current_app.view_functions and (current_user.is_admin or not admin_only)]
