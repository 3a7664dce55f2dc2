"""The API's endpoints, declared once: the declaration makes the Flask routes (JSON, and CSV for lists),
parses and checks the query, pages lists, adds links, answers in JSON or CSV with caching headers, and
is what the OpenAPI document and the documentation page describe. So nothing is served that is not
described, and nothing described is not served.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from jamforaren.api.caching import cacheable
from jamforaren.api.csvfiles import Column, csv_response
from jamforaren.api.params import SLUG, Param, Parsed, PathParam, parse
from jamforaren.api.problems import Problem, problem_response
from jamforaren.page_cache import cached_page

JSON_MIMETYPE = "application/json"
CSV_MIMETYPE = "text/csv"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
MAX_PATH_INTEGER = 999_999_999

PAGE = Param("page", _l("The page to show, from 1."), kind="integer", minimum=1, maximum=MAX_PAGE, default=1,
             example=1)
PER_PAGE = Param("per_page", _l("How many items a page holds."), kind="integer", minimum=1,
                 maximum=MAX_PER_PAGE, default=DEFAULT_PER_PAGE, example=DEFAULT_PER_PAGE)


@dataclass
class Paged:
    """A page a fetch function made itself (in the database) instead of returning every item."""

    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


@dataclass
class Endpoint:
    name: str              # the Flask endpoint and the OpenAPI operationId
    path: str              # the OpenAPI path under /api/v1, e.g. "/units/{unit}"
    tag: str
    summary: Any           # lazy translated texts
    description: Any
    fetch: Callable[..., Any]  # fetch(args, csv=bool, **path values) -> dict | list | Paged
    schema: str            # the component schema of the resource, or of one item of a list
    params: tuple[Param, ...] = ()        # filters (JSON and CSV alike)
    json_only_params: tuple[Param, ...] = ()  # e.g. fields; paging is added to every list
    path_params: tuple[PathParam, ...] = ()
    is_list: bool = False
    columns: tuple[Column, ...] = ()      # the CSV columns of a list
    checks: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    links: Callable[[dict[str, Any]], dict[str, str]] | None = None  # links of a resource or an item
    csv_name: Callable[..., str] | None = None

    @property
    def has_csv(self) -> bool:
        return self.is_list

    def query_params(self, csv: bool) -> tuple[Param, ...]:
        if csv:
            return self.params
        return self.params + self.json_only_params + ((PAGE, PER_PAGE) if self.is_list else ())

    @property
    def rule(self) -> str:
        def converter(match: re.Match[str]) -> str:
            name = match.group(1)
            param = next(p for p in self.path_params if p.name == name)
            return f"<int:{name}>" if param.kind == "integer" else f"<{name}>"
        return re.sub(r"\{(\w+)\}", converter, self.path)

    @property
    def csv_path(self) -> str:
        return self.path.rstrip("/") + ".csv"


ENDPOINTS: list[Endpoint] = []
TAG_ORDER = ("meta", "catalogue", "units", "results")


def ordered_endpoints() -> list[Endpoint]:
    """The endpoints in the order the documentation gives them: by tag, then as declared."""
    return sorted(ENDPOINTS, key=lambda e: TAG_ORDER.index(e.tag) if e.tag in TAG_ORDER else len(TAG_ORDER))


def register(bp: Blueprint, endpoint: Endpoint) -> Endpoint:
    ENDPOINTS.append(endpoint)

    @cached_page(vary=lambda: request.headers.get("Accept"), shown=None)
    def json_view(**path_values: Any) -> Response:
        return handle(endpoint, False, path_values)

    bp.add_url_rule(endpoint.rule, endpoint.name, json_view, methods=["GET"])
    if endpoint.has_csv:
        @cached_page(vary=lambda: request.headers.get("Accept"), shown=None)
        def csv_view(**path_values: Any) -> Response:
            return handle(endpoint, True, path_values)

        bp.add_url_rule(endpoint.rule.rstrip("/") + ".csv", endpoint.name + "_csv", csv_view, methods=["GET"])
    return endpoint


def negotiate(offered: Sequence[str]) -> None:
    """406 when the client sent an Accept header that allows none of what this address gives."""
    accept = request.accept_mimetypes
    if accept and not accept.best_match(list(offered)):
        raise Problem(406)


def json_response(body: Any, mimetype: str = JSON_MIMETYPE) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype=mimetype)


def page_url(endpoint: Endpoint, path_values: Mapping[str, Any], page: int) -> str:
    query = {k: v for k, v in request.args.lists() if k != "page"}
    query["page"] = [str(page)]
    return url_for(f"api.{endpoint.name}", _external=True, **path_values, **query)


def with_links(endpoint: Endpoint, item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "links": endpoint.links(item)} if endpoint.links is not None else item


def list_body(endpoint: Endpoint, result: list[dict[str, Any]] | Paged, args: Parsed,
              path_values: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(result, Paged):
        page = result
    else:
        per_page, number = args["per_page"], args["page"]
        page = Paged(result[(number - 1) * per_page:number * per_page], len(result), number, per_page)
    pages = max(1, math.ceil(page.total / page.per_page))
    if page.page > pages:
        raise Problem.not_found(_l("There is no page %(page)d: the list has %(pages)d pages.",
                                   page=page.page, pages=pages))
    links = {"self": request.url, "first": page_url(endpoint, path_values, 1),
             "last": page_url(endpoint, path_values, pages)}
    if page.page > 1:
        links["prev"] = page_url(endpoint, path_values, page.page - 1)
    if page.page < pages:
        links["next"] = page_url(endpoint, path_values, page.page + 1)
    return {"items": [with_links(endpoint, item) for item in page.items], "total": page.total, "page": page.page,
            "per_page": page.per_page, "pages": pages, "links": links}


def handle(endpoint: Endpoint, csv: bool, path_values: dict[str, Any]) -> Response:
    for param in endpoint.path_params:  # what cannot name anything is not looked up (a range in the route's
        value = path_values[param.name]  # converter would make werkzeug give up routing altogether)
        if not (1 <= value <= MAX_PATH_INTEGER if param.kind == "integer" else SLUG.match(value)):
            raise Problem(404)
    negotiate([CSV_MIMETYPE] if csv else [JSON_MIMETYPE])
    args = parse(endpoint.query_params(csv), request.args, endpoint.checks)
    result = endpoint.fetch(args, csv=csv, **path_values)
    if csv:
        filename = endpoint.csv_name(**path_values) if endpoint.csv_name else f"{endpoint.name}.csv"
        response = csv_response(endpoint.columns, result, filename)
    elif endpoint.is_list:
        body = list_body(endpoint, result, args, path_values)
        response = json_response(body)
        # the same links as an RFC 8288 Link header, for clients that page generically
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in body["links"].items()
                                             if rel != "self")
    else:
        response = json_response(with_links(endpoint, result))
    response = cacheable(response)
    if response.status_code == 412:
        return problem_response(412)
    return response
