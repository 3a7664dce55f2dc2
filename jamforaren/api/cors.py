"""Read-only CORS: any web page may read the open data with GET or HEAD; nothing else is allowed.

``Access-Control-Allow-Origin: *`` is sent on GET, HEAD and OPTIONS only (never with credentials, which
the API does not use). A preflight (OPTIONS) is answered 204 with the methods and request headers a
reading client needs.
"""

from __future__ import annotations

from flask import Response, request

READ_METHODS = ("GET", "HEAD", "OPTIONS")
ALLOWED_REQUEST_HEADERS = ("Accept", "Accept-Language", "If-None-Match", "If-Modified-Since")
EXPOSED_HEADERS = ("ETag", "Link", "Content-Disposition", "Content-Language")
PREFLIGHT_MAX_AGE = 86400


def add_cors_headers(response: Response) -> Response:
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return response


def preflight() -> Response:
    """The answer to OPTIONS on any address of the API."""
    response = Response(status=204)
    response.headers.pop("Content-Type", None)
    response.headers["Allow"] = ", ".join(READ_METHODS)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_REQUEST_HEADERS)
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response
