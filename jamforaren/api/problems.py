"""Errors as ``application/problem+json`` (RFC 9457): type, a translated title, status and detail.

Each problem type is a URI into the API documentation page, where it is explained.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Response, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PROBLEM_MIMETYPE = "application/problem+json"

# status → (the type's fragment on the documentation page, its title)
PROBLEM_TYPES: dict[int, tuple[str, Any]] = {
    400: ("bad-request", _l("Bad request")),
    404: ("not-found", _l("Not found")),
    405: ("method-not-allowed", _l("Method not allowed")),
    406: ("not-acceptable", _l("Not acceptable")),
    412: ("precondition-failed", _l("Precondition failed")),
    500: ("server-error", _l("Server error")),
    503: ("service-unavailable", _l("Service unavailable")),
}

DETAILS: dict[int, Any] = {
    400: _l("The request cannot be answered as it stands."),
    404: _l("There is nothing at this address. The documentation lists every address of the API."),
    405: _l("The open data API can only be read: use GET, HEAD or OPTIONS."),
    406: _l("The API answers in JSON (application/json), and CSV (text/csv) at the addresses that end in .csv."),
    412: _l("The data have changed since the version given in If-Match."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("The database cannot be reached just now. Try again after the number of seconds in Retry-After."),
}


@dataclass(frozen=True)
class InvalidParam:
    name: str
    reason: Any


def problem_type(status: int) -> str:
    fragment = PROBLEM_TYPES.get(status, ("",))[0]
    if not fragment:
        return "about:blank"
    return url_for("api_docs.page", _external=True, _anchor=f"problem-{fragment}")


def problem_body(status: int, detail: Any = None, invalid: Iterable[InvalidParam] = ()) -> dict[str, Any]:
    from werkzeug.http import HTTP_STATUS_CODES
    title = PROBLEM_TYPES.get(status, (None, HTTP_STATUS_CODES.get(status, "Error")))[1]
    body: dict[str, Any] = {
        "type": problem_type(status), "title": str(title), "status": status,
        "detail": str(detail if detail is not None else DETAILS.get(status, title)),
    }
    invalid = list(invalid)
    if invalid:
        body["invalid_params"] = [{"name": p.name, "reason": str(p.reason)} for p in invalid]
    return body


def problem_response(status: int, detail: Any = None, invalid: Iterable[InvalidParam] = (),
                     headers: Mapping[str, str] | None = None) -> Response:
    body = problem_body(status, detail, invalid)
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                        mimetype=PROBLEM_MIMETYPE)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Problem(Exception):
    """Raised by API views; the blueprint's error handler turns it into a problem response."""

    def __init__(self, status: int, detail: Any = None, invalid: Iterable[InvalidParam] = (),
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.invalid = list(invalid)
        self.headers = dict(headers or {})

    @classmethod
    def bad_request(cls, invalid: Iterable[InvalidParam]) -> Problem:
        invalid = list(invalid)
        return cls(400, _l("Some query parameters are unknown or have values that do not fit: %(names)s. "
                           "See invalid_params.", names=", ".join(p.name for p in invalid)), invalid)

    @classmethod
    def not_found(cls, detail: Any) -> Problem:
        return cls(404, detail)

    def response(self) -> Response:
        return problem_response(self.status, self.detail, self.invalid, self.headers)


def http_exception_response(error: HTTPException) -> Response:
    """A werkzeug HTTP error raised in an API view, as a problem."""
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods or [])
    return problem_response(status, None, headers=headers)
