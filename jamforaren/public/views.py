"""Thin views: read the request, ask a service, render."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from jamforaren.i18n import LANGUAGE_COOKIE
from jamforaren.labels import AUTHORISATION_STATUS, OWNERSHIP, language_name
from jamforaren.public import bp
from jamforaren.services import listing


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("sida", "1")))
    except ValueError:
        return 1


@bp.get("/")
def start() -> str:
    return render_template("public/start.html", processes=listing.processes_with_areas(),
                           counts=listing.listed_unit_counts())


@bp.get("/kundval/<slug>")
def area(slug: str) -> str:
    area = listing.area_by_slug(slug)
    if area is None:
        abort(404)
    page = listing.listed_units(area, _page_number(), current_app.config["PAGE_SIZE"])
    return render_template("public/area.html", area=area, page=page, ownership_labels=OWNERSHIP)


@bp.get("/enheter/<slug>")
def unit(slug: str) -> str:
    unit = listing.unit_by_slug(slug)
    if unit is None:
        abort(404)
    return render_template("public/unit.html", unit=unit, authorisations=listing.public_authorisations(unit),
                           ownership_labels=OWNERSHIP,
                           status_labels=AUTHORISATION_STATUS, language_name=language_name)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL or a scheme-relative one."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@bp.get("/sprak/<language>")
def set_language(language: str) -> Response:
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(_safe_next(request.args.get("next")), code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response
