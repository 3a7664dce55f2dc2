"""Processes, areas, and the areas' rulebook versions with their norms."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext as _l

from jamforaren.api import bp
from jamforaren.api.csvfiles import Column, at, both
from jamforaren.api.endpoints import Endpoint, register
from jamforaren.api.params import Param, PathParam
from jamforaren.api.problems import Problem
from jamforaren.services import open_data

PROCESS_PATH = PathParam("process", _l("The process's slug, e.g. utbildning."))
AREA_PATH = PathParam("area", _l("The area's slug, e.g. forskola."))
VERSION_PATH = PathParam("version", _l("The rulebook's version number, from 1."), kind="integer")


def check_known(known: Any, message: Any) -> Any:
    """A check for a list parameter: every value must be one of ``known()``."""
    def check(values: list[str]) -> None:
        names = set(known())
        unknown = [v for v in values if v not in names]
        if unknown:
            raise ValueError(message % {"names": ", ".join(unknown)})
    return check


def found(value: Any, detail: Any) -> Any:
    if value is None:
        raise Problem.not_found(detail)
    return value


def _api(endpoint: str, **values: Any) -> str:
    return url_for(f"api.{endpoint}", _external=True, **values)


# --- Processes ---------------------------------------------------------------------------------------

def process_links(item: dict[str, Any]) -> dict[str, str]:
    return {"self": _api("process", process=item["slug"]), "areas": _api("areas", process=item["slug"])}


register(bp, Endpoint(
    name="processes", path="/processes", tag="catalogue", schema="Process", is_list=True,
    summary=_l("The main processes"),
    description=_l("The municipality's main processes (huvudprocesser), each with its responsible committee "
                   "and its customer-choice areas."),
    fetch=lambda args, csv: open_data.processes(),
    links=process_links,
    columns=(at("id"), at("slug"), *both("name"), *both("committee"), *both("description"),
             Column("areas", lambda item: [a["slug"] for a in item["areas"]])),
    csv_name=lambda: "processes.csv",
))

register(bp, Endpoint(
    name="process", path="/processes/{process}", tag="catalogue", schema="Process",
    summary=_l("One main process"),
    description=_l("A main process with its committee and its areas."),
    path_params=(PROCESS_PATH,),
    fetch=lambda args, csv, process: found(open_data.process(process),
                                           _l("There is no process %(slug)s.", slug=process)),
    links=process_links,
))


# --- Areas -------------------------------------------------------------------------------------------

def area_links(item: dict[str, Any]) -> dict[str, str]:
    slug = item["slug"]
    return {"self": _api("area", area=slug), "units": _api("units", area=slug),
            "rulebooks": _api("rulebooks", area=slug),
            "html": url_for("public.area", slug=slug, _external=True)}


PROCESS_FILTER = Param("process", _l("Only areas of these processes."), kind="slug",
                       many=True, example="utbildning")

register(bp, Endpoint(
    name="areas", path="/areas", tag="catalogue", schema="Area", is_list=True,
    summary=_l("The customer-choice areas"),
    description=_l("Every customer-choice area (kundvalsområde) with its texts, its number of authorised units "
                   "and the version of its rulebook in force."),
    params=(PROCESS_FILTER,),
    checks={"process": check_known(open_data.process_slugs, _l("Unknown process: %(names)s."))},
    fetch=lambda args, csv: open_data.areas(args["process"]),
    links=area_links,
    columns=(at("id"), at("slug"), *both("name"), at("process", "slug"), *both("committee"),
             *both("target_group"), *both("description"), *both("legal_basis"), at("authorised_unit_count"),
             at("rulebook_in_force", "version"), at("rulebook_in_force", "valid_from")),
    csv_name=lambda: "areas.csv",
))

register(bp, Endpoint(
    name="area", path="/areas/{area}", tag="catalogue", schema="AreaDetail",
    summary=_l("One area with its rulebook in force"),
    description=_l("An area with its rulebook in force (chapters and norms with guidance), every version of the "
                   "rulebook, the profile attributes its units are described by, and its key figures."),
    path_params=(AREA_PATH,),
    fetch=lambda args, csv, area: found(open_data.area(area), _l("There is no area %(slug)s.", slug=area)),
    links=area_links,
))


# --- Rulebooks and norms -----------------------------------------------------------------------------

def rulebook_links(item: dict[str, Any]) -> dict[str, str]:
    area = (request.view_args or {})["area"]
    version = item["version"]
    return {"self": _api("rulebook", area=area, version=version), "norms": _api("norms", area=area, version=version),
            "html": url_for("public.rules", slug=area, version=version, _external=True)}


def _no_area(area: str) -> Any:
    return _l("There is no area %(slug)s.", slug=area)


def _no_version(area: str, version: int) -> Any:
    return _l("The area %(slug)s has no rulebook version %(version)d.", slug=area, version=version)


register(bp, Endpoint(
    name="rulebooks", path="/areas/{area}/rulebooks", tag="catalogue", schema="RulebookSummary", is_list=True,
    summary=_l("Every version of an area's rulebook"),
    description=_l("The versions of an area's authorisation conditions, newest first: the one in force, "
                   "replaced ones and upcoming ones."),
    path_params=(AREA_PATH,),
    fetch=lambda args, csv, area: found(open_data.rulebooks(area), _no_area(area)),
    links=rulebook_links,
    columns=(at("version"), at("valid_from"), at("state"), *both("title"), at("decision_reference"),
             at("norm_count")),
    csv_name=lambda area: f"{area}-rulebooks.csv",
))

register(bp, Endpoint(
    name="rulebook", path="/areas/{area}/rulebooks/{version}", tag="catalogue", schema="Rulebook",
    summary=_l("One version of an area's rulebook"),
    description=_l("A version of the authorisation conditions with its chapters and norms."),
    path_params=(AREA_PATH, VERSION_PATH),
    fetch=lambda args, csv, area, version: found(open_data.rulebook(area, version), _no_version(area, version)),
    links=rulebook_links,
))

register(bp, Endpoint(
    name="norms", path="/areas/{area}/rulebooks/{version}/norms", tag="catalogue", schema="Norm", is_list=True,
    summary=_l("The norms of a rulebook version"),
    description=_l("The quality norms of a version of the authorisation conditions, with the requirement and "
                   "the guidance on how it is read and checked."),
    path_params=(AREA_PATH, VERSION_PATH),
    fetch=lambda args, csv, area, version: found(open_data.norms(area, version), _no_version(area, version)),
    columns=(at("id"), at("key"), at("code"), at("chapter", "number"), *both("chapter", "title"), *both("title"),
             *both("requirement"), *both("guidance")),
    csv_name=lambda area, version: f"{area}-rulebook-{version}-norms.csv",
))
