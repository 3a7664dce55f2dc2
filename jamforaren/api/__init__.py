"""The open data API, ``/api/v1``: JSON and CSV, described in OpenAPI 3.1, cached and readable from any
origin. Read-only: GET, HEAD and OPTIONS; nothing here changes data, so CSRF protection does not apply.

- ``bp`` serves the endpoints (declared in catalogue.py, units.py and meta.py through endpoints.py);
- ``fallback_bp`` answers everything else under ``/api/`` with a problem (404, or 405 for a method other
  than GET, HEAD or OPTIONS at an address that exists);
- ``docs_bp`` serves the human-readable documentation page, ``/oppna-data``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from jamforaren.api.cors import READ_METHODS, add_cors_headers, preflight
from jamforaren.api.problems import Problem, http_exception_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")
fallback_bp = Blueprint("api_fallback", __name__, url_prefix="/api")
docs_bp = Blueprint("api_docs", __name__)

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def _problem(error: Problem) -> Response:
    return error.response()


def _http_error(error: HTTPException) -> Response:
    return http_exception_response(error)


def _server_error(error: Exception) -> Response:
    from jamforaren.api.problems import problem_response
    return problem_response(500)


def _preflight() -> Response | None:
    return preflight() if request.method == "OPTIONS" else None


for blueprint in (bp, fallback_bp):
    blueprint.register_error_handler(Problem, _problem)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(500, _server_error)
    blueprint.after_request(add_cors_headers)
bp.before_request(_preflight)


@fallback_bp.route("/", defaults={"rest": ""}, methods=ALL_METHODS, provide_automatic_options=False)
@fallback_bp.route("/<path:rest>", methods=ALL_METHODS, provide_automatic_options=False)
def unknown(rest: str) -> Response:
    """404 for an address the API does not have; 405 for another method at one it has."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _ = adapter.match(method="GET")
    except HTTPException:
        endpoint = None
    if endpoint and not str(endpoint).startswith("api_fallback.") and request.method not in READ_METHODS:
        raise Problem(405, headers={"Allow": ", ".join(READ_METHODS)})
    raise Problem(404)


def init_app(app: Flask) -> None:
    from jamforaren.api import catalogue, docs, meta, units  # noqa: F401  (they declare the endpoints)
    from jamforaren.extensions import csrf

    csrf.exempt(bp)
    csrf.exempt(fallback_bp)
    app.register_blueprint(bp)
    app.register_blueprint(fallback_bp)
    app.register_blueprint(docs_bp)
