"""The back office's main menu: each feature module adds its entry page here."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# (endpoint, label): the order of the menu.
MENU: list[tuple[str, Any]] = [
    ("admin.followups", _l("Follow-ups")),
    ("admin.areas", _l("Customer choices")),
    ("admin.providers", _l("Providers and units")),
    ("admin.audit_log", _l("Audit log")),
]


def admin_menu() -> list[tuple[str, Any]]:
    """The entries whose pages exist (a feature not yet built has no entry)."""
    from flask import current_app
    return [(endpoint, label) for endpoint, label in MENU if endpoint in current_app.view_functions]
