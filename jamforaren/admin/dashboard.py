"""The officer's start page."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_login import current_user

from jamforaren.admin import bp
from jamforaren.services import dashboard as overview
from jamforaren.services.permissions import managed_areas


@bp.get("/")
def dashboard() -> str:  # endpoint admin.dashboard
    year = request.args.get("ar", type=int) or date.today().year
    today = date.today() if year == date.today().year else date(year, 12, 31)
    overviews = [overview.area_overview(a, year, today) for a in managed_areas(current_user)]
    return render_template("admin/dashboard.html", overviews=overviews, year=year)
