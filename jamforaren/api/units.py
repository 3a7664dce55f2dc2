"""Units, a unit with its latest results, and a unit's survey results, key figures and follow-ups per year."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from jamforaren.api import bp
from jamforaren.api.catalogue import check_known, found
from jamforaren.api.csvfiles import Column, at, both
from jamforaren.api.endpoints import Endpoint, Paged, register
from jamforaren.api.params import Param, Parsed, PathParam
from jamforaren.labels import LANGUAGE_CODES
from jamforaren.models import MIN_RESPONDENTS, AuthorisationStatus, Ownership, Rating, Unit
from jamforaren.services import open_data

UNIT_PATH = PathParam("unit", _l("The unit's slug, as in the address of its page in the portal."))

AREA_FILTER = Param("area", _l("Only units authorised in one of these areas."),
                    kind="slug", many=True, example="forskola")
DISTRICT_FILTER = Param("district", _l("Only units in one of these districts (by name; case does not matter)."),
                        many=True, example="Boo")
OWNERSHIP_FILTER = Param("ownership", _l("Only units whose provider has one of these ownership forms."),
                         many=True, choices=tuple(o.value for o in Ownership), example="kooperativ")
LANGUAGE_FILTER = Param("language", _l("Only units that offer one of these languages besides Swedish (ISO 639 "
                                       "codes; sgn is Swedish Sign Language)."),
                        many=True, choices=LANGUAGE_CODES, example="fi")
STATUS_FILTER = Param("status", _l("Only units with an authorisation in one of these statuses (in the areas "
                                   "given by area, if any). Without it, every unit the portal shows: "
                                   "authorised, suspended, revoked or ended."),
                      many=True, choices=tuple(s.value for s in open_data.PUBLIC_STATUSES), example="auktoriserad")
FIELDS = Param("fields", _l("Only these fields of each unit; id, slug and links always come along."), many=True,
               choices=tuple(f for f in open_data.UNIT_FIELDS if f not in open_data.ALWAYS_FIELDS),
               example="name,district,provider")
YEAR_FILTER = Param("year", _l("Only these years."), kind="integer", many=True, minimum=2000,
                    maximum=2100, example=2026)
UNIT_AREA_FILTER = Param("area", _l("Only the unit's results in these areas."),
                         kind="slug", many=True, example="forskola")

AREA_CHECK = check_known(open_data.area_slugs, _l("Unknown area: %(names)s."))


def unit_links(item: dict[str, Any]) -> dict[str, str]:
    slug = item["slug"]
    return {
        "self": url_for("api.unit", unit=slug, _external=True),
        "html": url_for("public.unit", slug=slug, _external=True),
        "survey_results": url_for("api.unit_survey_results", unit=slug, _external=True),
        "key_figures": url_for("api.unit_key_figures", unit=slug, _external=True),
        "follow_ups": url_for("api.unit_follow_ups", unit=slug, _external=True),
    }


def fetch_units(args: Parsed, csv: bool) -> list[dict[str, Any]] | Paged:
    wanted = open_data.UnitFilter(areas=args["area"], districts=args["district"], ownerships=[
        Ownership(o) for o in args["ownership"]], languages=args["language"], statuses=[
        AuthorisationStatus(s) for s in args["status"]])
    if csv:
        return open_data.all_units(wanted)
    page = open_data.units(wanted, args["page"], args["per_page"], args["fields"])
    return Paged(page.items, page.total, page.page, page.per_page)


register(bp, Endpoint(
    name="units", path="/units", tag="units", schema="Unit", is_list=True,
    summary=_l("Units"),
    description=_l("The units (enheter) that the portal shows, with their provider, address, contact details, "
                   "languages and authorisations, sorted by name. Filters combine: a unit must match every "
                   "filter given, and one of the values given in each."),
    params=(AREA_FILTER, DISTRICT_FILTER, OWNERSHIP_FILTER, LANGUAGE_FILTER, STATUS_FILTER),
    json_only_params=(FIELDS,),
    checks={"area": AREA_CHECK},
    fetch=fetch_units,
    links=unit_links,
    columns=(at("id"), at("slug"), at("name"), at("provider", "id"), at("provider", "slug"), at("provider", "name"),
             at("provider", "org_number"), at("provider", "ownership"), *both("description"), at("street_address"),
             at("postal_code"), at("city"), at("district"), at("latitude"), at("longitude"), at("capacity"),
             at("free_places"), at("languages"), *both("opening_hours"), at("email"), at("phone"), at("website"),
             at("kolada_ou"),
             Column("authorisations", lambda item: [f"{a['area']['slug']}:{a['status']}"
                                                    for a in item["authorisations"]]),
             at("updated_at")),
    csv_name=lambda: "units.csv",
))


def _unit(slug: str) -> Unit:
    return found(open_data.public_unit(slug), _l("There is no unit %(slug)s.", slug=slug))


register(bp, Endpoint(
    name="unit", path="/units/{unit}", tag="units", schema="UnitDetail",
    summary=_l("One unit with its latest results"),
    description=_l("A unit with, for each area it is in, its authorisation, its profile, its latest published "
                   "quality follow-up, and its latest survey results and key figures with the municipality's "
                   "values, as on the unit's page."),
    path_params=(UNIT_PATH,),
    fetch=lambda args, csv, unit: open_data.unit_detail(_unit(unit)),
    links=unit_links,
))

YEAR_AREA_CHECKS = {"area": AREA_CHECK}

register(bp, Endpoint(
    name="unit_survey_results", path="/units/{unit}/survey-results", tag="results", schema="SurveyResult",
    is_list=True,
    summary=_l("A unit's survey results"),
    description=_l("Every survey result of a unit, per year, newest first: respondents and the share of "
                   "positive answers, with the municipality's share. A result from fewer than %(minimum)d "
                   "respondents is never given: it has suppressed set and no share or respondent count.",
                   minimum=MIN_RESPONDENTS),
    path_params=(UNIT_PATH,), params=(YEAR_FILTER, UNIT_AREA_FILTER), checks=YEAR_AREA_CHECKS,
    fetch=lambda args, csv, unit: open_data.unit_survey_results(_unit(unit), args["year"], args["area"]),
    columns=(at("year"), at("area", "slug"), at("survey", "id"), at("survey", "respondent_group"),
             *both("survey", "title"), at("question", "id"), at("question", "code"), at("question", "theme"),
             at("question", "is_overall"), *both("question", "text"), at("respondents"), at("share_positive"),
             at("suppressed"), at("municipal_share_positive"), at("municipal_respondents")),
    csv_name=lambda unit: f"{unit}-survey-results.csv",
))

register(bp, Endpoint(
    name="unit_key_figures", path="/units/{unit}/key-figures", tag="results", schema="KeyFigureValue", is_list=True,
    summary=_l("A unit's key figures"),
    description=_l("Every key figure value of a unit, per year, newest first, with the municipality's value of "
                   "the same year. A figure measured only for the whole municipality has the municipality's "
                   "value (its scope says so)."),
    path_params=(UNIT_PATH,), params=(YEAR_FILTER, UNIT_AREA_FILTER), checks=YEAR_AREA_CHECKS,
    fetch=lambda args, csv, unit: open_data.unit_key_figures(_unit(unit), args["year"], args["area"]),
    columns=(at("year"), at("area", "slug"), at("key_figure", "id"), at("key_figure", "code"),
             *both("key_figure", "name"), at("key_figure", "unit"), at("key_figure", "decimals"),
             at("key_figure", "higher_is_better"), at("key_figure", "scope"), at("key_figure", "is_economy"),
             at("key_figure", "source"), at("key_figure", "kolada_kpi"), at("value"), at("municipal_value")),
    csv_name=lambda unit: f"{unit}-key-figures.csv",
))

register(bp, Endpoint(
    name="unit_follow_ups", path="/units/{unit}/follow-ups", tag="results", schema="FollowUp", is_list=True,
    summary=_l("A unit's published quality follow-ups"),
    description=_l("The unit's published quality follow-ups in their current version, per year, newest first: "
                   "method, date, how many norms were met, the public summary and the actions still open."),
    path_params=(UNIT_PATH,), params=(YEAR_FILTER, UNIT_AREA_FILTER), checks=YEAR_AREA_CHECKS,
    fetch=lambda args, csv, unit: open_data.unit_follow_ups(_unit(unit), args["year"], args["area"]),
    columns=(at("id"), at("year"), at("version"), at("area", "slug"), at("rulebook_version"), at("methods"),
             at("conducted_on"), at("published_at"),
             *(at("ratings", r.value, name=f"ratings_{r.value}") for r in Rating), *both("summary"),
             Column("open_actions", lambda item: len(item["open_actions"]))),
    csv_name=lambda unit: f"{unit}-follow-ups.csv",
))
