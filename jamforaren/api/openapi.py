"""The OpenAPI 3.1 document, built from the endpoint declarations (``endpoints.ENDPOINTS``) and the
schemas, so it describes exactly what is served."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from jamforaren.api.endpoints import ENDPOINTS, Endpoint, ordered_endpoints
from jamforaren.api.problems import PROBLEM_MIMETYPE
from jamforaren.api.schemas import components, page_schema, ref
from jamforaren.api.texts import english
from jamforaren.models import MIN_RESPONDENTS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

TAGS = [
    {"name": "meta", "description": "The API itself: its entry point and this description."},
    {"name": "catalogue", "description": "Processes, customer-choice areas, and their rulebooks with norms."},
    {"name": "units", "description": "The units residents choose between."},
    {"name": "results", "description": "Survey results, key figures and quality follow-ups per unit and year."},
]

DESCRIPTION = """\
Open data from Jämföraren, the portal where {municipality} publishes its customer-choice systems (kundval).
Everything here is public and read-only; no key is needed.

* **JSON** by default; every list is also available as **CSV** at the same address with `.csv` appended,
  with the same filters (UTF-8 with a byte-order mark; semicolons and decimal commas when the reader's
  language is Swedish, which is the default; commas and decimal points with `Accept-Language: en`).
* Texts come in Swedish and English: `{{"sv": "…", "en": "…"}}`, `en` null when there is no translation.
  Numbers are JSON numbers, dates ISO 8601 (`2026-03-01`), times ISO 8601 in UTC.
* Ids and slugs are stable. Lists are paged with `page` and `per_page` and carry `links` (first, prev, next,
  last) and `total`.
* Unknown query parameters and values that do not fit are errors (400), never ignored. Errors are
  `application/problem+json` (RFC 9457) with a title in the reader's language.
* Caching: every answer has a strong `ETag` and a `Last-Modified`; send `If-None-Match` or
  `If-Modified-Since` to get `304 Not Modified` while nothing changed. `Cache-Control: public, max-age=60`.
* CORS: any origin may read (GET, HEAD, OPTIONS); other methods get 405.
* Only published data: units the portal shows (not pending applications), profiles as approved,
  follow-ups as published in their current version, and no survey result from fewer than
  {minimum} respondents (such a result has `suppressed: true` and no values).
"""

CACHE_HEADERS = {
    "ETag": {"description": "A strong validator of this exact body; send it back in If-None-Match.",
             "schema": {"type": "string"}},
    "Last-Modified": {"description": "When the portal's public data last changed.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=60", "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"description": "Always *.", "schema": {"type": "string", "const": "*"}},
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MIMETYPE: {"schema": ref("Problem")}}}


RESPONSES = {
    "BadRequest": _problem("An unknown query parameter, a parameter given twice, or a value that does not fit "
                           "(see invalid_params)."),
    "NotFound": _problem("No such resource, or a page past the last one."),
    "NotAcceptable": _problem("The Accept header allows neither JSON nor, at the .csv addresses, CSV."),
    "ServiceUnavailable": {
        **_problem("The database is restarting or cannot be reached: try again after Retry-After seconds."),
        "headers": {"Retry-After": {"description": "Seconds to wait before trying again.",
                                    "schema": {"type": "string"}}},
    },
    "NotModified": {
        "description": "Not modified: the copy named by If-None-Match (or If-Modified-Since) is still current.",
        "headers": {k: CACHE_HEADERS[k] for k in ("ETag", "Cache-Control")},
    },
}


def _operation(endpoint: Endpoint, csv: bool) -> dict[str, Any]:
    parameters = [p.openapi() for p in endpoint.path_params] + [p.openapi() for p in endpoint.query_params(csv)]
    description = english(endpoint.description)
    if csv:
        columns = [c.name for c in endpoint.columns]
        description += (" As CSV, every matching row at once (no paging): the columns are "
                        + ", ".join(f"`{c}`" for c in columns) + ".")
        content = {"text/csv": {"schema": {"type": "string", "description": "Columns: " + ", ".join(columns)},
                                "example": ",".join(columns) + "\r\n"}}
        headers = {**CACHE_HEADERS, "Content-Disposition": {"description": "attachment; filename=…",
                                                            "schema": {"type": "string"}}}
    else:
        schema = ref(endpoint.schema + "Page") if endpoint.is_list else ref(endpoint.schema)
        content = {"application/json": {"schema": schema}}
        headers = dict(CACHE_HEADERS)
        if endpoint.is_list:
            headers["Link"] = {"description": "The first, prev, next and last pages (RFC 8288), as in links.",
                               "schema": {"type": "string"}}
    operation: dict[str, Any] = {
        "operationId": endpoint.name + ("_csv" if csv else ""),
        "tags": [endpoint.tag],
        "summary": english(endpoint.summary) + (" (CSV)" if csv else ""),
        "description": description,
        "responses": {
            "200": {"description": "OK", "headers": headers, "content": content},
            "304": {"$ref": "#/components/responses/NotModified"},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "406": {"$ref": "#/components/responses/NotAcceptable"},
            "503": {"$ref": "#/components/responses/ServiceUnavailable"},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    return operation


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for endpoint in ordered_endpoints():
        paths[endpoint.path] = {"get": _operation(endpoint, csv=False)}
        if endpoint.has_csv:
            paths[endpoint.csv_path] = {"get": _operation(endpoint, csv=True)}
    schemas = components()
    for endpoint in ENDPOINTS:  # a list's page: the items, the total, and links to the other pages
        if endpoint.is_list:
            schemas[endpoint.schema + "Page"] = page_schema(endpoint.schema)
    config = current_app.config
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Jämföraren open data",
            "version": API_VERSION,
            "summary": f"Customer-choice areas, units, survey results, key figures and quality follow-ups of "
                       f"{config['MUNICIPALITY_NAME']}.",
            "description": DESCRIPTION.format(municipality=config["MUNICIPALITY_NAME"], minimum=MIN_RESPONDENTS),
            "contact": {"name": config["MUNICIPALITY_NAME"], "email": config["MUNICIPALITY_EMAIL"],
                        "url": url_for("api_docs.page", _external=True)},
        },
        "externalDocs": {"description": "The API documentation page", "url": url_for("api_docs.page", _external=True)},
        "servers": [{"url": url_for("api.index", _external=True).rstrip("/"),
                     "description": "This installation"}],
        "tags": TAGS,
        "paths": paths,
        "components": {"schemas": schemas, "responses": RESPONSES},
    }
