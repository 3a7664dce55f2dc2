"""The API's entry point and its OpenAPI description."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from jamforaren.api import bp
from jamforaren.api.endpoints import Endpoint, register
from jamforaren.models import MIN_RESPONDENTS
from jamforaren.services.open_data import data_changed_at, iso_datetime


def index(args: Any, csv: bool) -> dict[str, Any]:
    config = current_app.config
    return {
        "name": "Jämföraren open data", "version": "1",
        "municipality": {"name": config["MUNICIPALITY_NAME"], "code": config["MUNICIPALITY_CODE"]},
        "data_changed_at": iso_datetime(data_changed_at()), "min_respondents": MIN_RESPONDENTS,
        "links": {
            "self": url_for("api.index", _external=True),
            "openapi": url_for("api.openapi", _external=True),
            "documentation": url_for("api_docs.page", _external=True),
            "processes": url_for("api.processes", _external=True),
            "areas": url_for("api.areas", _external=True),
            "units": url_for("api.units", _external=True),
        },
    }


def openapi_document(args: Any, csv: bool) -> dict[str, Any]:
    from jamforaren.api.openapi import document
    return document()


register(bp, Endpoint(
    name="index", path="/", tag="meta", schema="Index",
    summary=_l("The entry point"),
    description=_l("Links to the lists and to the description of the API, the municipality, and when the data "
                   "last changed."),
    fetch=index,
))

register(bp, Endpoint(
    name="openapi", path="/openapi.json", tag="meta", schema="OpenAPI",
    summary=_l("The OpenAPI description"),
    description=_l("This API described in OpenAPI 3.1: every address, parameter and schema."),
    fetch=openapi_document,
))
