"""The human-readable documentation of the API, a page of the portal (server-rendered, no scripts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, url_for

from jamforaren.api import docs_bp
from jamforaren.api.endpoints import Endpoint, ordered_endpoints
from jamforaren.api.problems import PROBLEM_TYPES
from jamforaren.i18n import current_language
from jamforaren.models import MIN_RESPONDENTS
from jamforaren.page_cache import cached_page
from jamforaren.services import open_data

def example_values() -> dict[str, Any]:
    """Real path values from this installation for the examples: a process, an area (preschool when there
    is one) with its rulebook in force, and a unit of that area."""
    processes = open_data.process_slugs()
    areas = open_data.area_slugs()
    area = "forskola" if "forskola" in areas else (areas[0] if areas else "forskola")
    details = open_data.area(area) if areas else None
    version = (details or {}).get("rulebook_in_force") or {"version": 1}
    first = open_data.units(open_data.UnitFilter(areas=[area] if areas else []), 1, 1).items
    unit = open_data.public_unit(first[0]["slug"]) if first else None
    results = open_data.unit_survey_results(unit) if unit is not None else []
    name = (details or {}).get("name") or {"sv": area, "en": None}
    return {"process": processes[0] if processes else "utbildning", "area": area, "version": version["version"],
            "unit": unit.slug if unit is not None else "enhet",
            "year": results[0]["year"] if results else date.today().year,
            "area_name": name.get(current_language()) or name["sv"]}


def example_url(endpoint: Endpoint, values: dict[str, Any], csv: bool = False) -> str:
    path_values = {p.name: values[p.name] for p in endpoint.path_params}
    return url_for(f"api.{endpoint.name}{'_csv' if csv else ''}", _external=True, **path_values)


@docs_bp.get("/oppna-data")
@cached_page(shown=None)
def page() -> str:
    values = example_values()
    endpoints = ordered_endpoints()
    return render_template(
        "api/docs.html", endpoints=endpoints, values=values,
        examples={e.name: example_url(e, values) for e in endpoints},
        csv_examples={e.name: example_url(e, values, csv=True) for e in endpoints if e.has_csv},
        problems=PROBLEM_TYPES, min_respondents=MIN_RESPONDENTS,
        base_url=url_for("api.index", _external=True),
        openapi_url=url_for("api.openapi", _external=True),
    )
