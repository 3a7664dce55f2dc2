"""Shared by the API tests: checks every response against the OpenAPI document the API serves."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from tests.conftest import CheckedClient

API = "/api/v1"
DOCUMENT_URI = "urn:jamforaren:openapi"


class Contract:
    """The OpenAPI document as a checker: ``check(path, response)`` fails unless the status is documented
    for the operation, the media type is the documented one and the body (JSON, or a CSV's header row)
    fits the documented schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
        self.templates = []
        for template in document["paths"]:
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self.templates.append((re.compile(f"^{pattern}$"), template))
        self.checked = 0

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=self.registry,
                                    format_checker=Draft202012Validator.FORMAT_CHECKER)

    def validate(self, instance: Any, pointer: str, where: str) -> None:
        errors = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{where}: {[(list(e.path), e.message[:200]) for e in errors[:5]]}"

    def template(self, path: str) -> str | None:
        matches = [t for pattern, t in self.templates if pattern.match(path)]
        # The most specific template: the one with the fewest placeholders.
        return min(matches, key=lambda t: t.count("{")) if matches else None

    def response_spec(self, template: str, status: int) -> tuple[dict[str, Any], str]:
        responses = self.document["paths"][template]["get"]["responses"]
        assert str(status) in responses, f"{template}: status {status} is not documented"
        spec = responses[str(status)]
        pointer = f"/paths/{_escape(template)}/get/responses/{status}"
        if "$ref" in spec:
            pointer = spec["$ref"][1:]
            spec = self.document["components"]["responses"][pointer.rsplit("/", 1)[1]]
        return spec, pointer

    def check(self, url: str, response: TestResponse, method: str = "GET") -> Any:
        """Check one response to GET (or HEAD) ``url`` (a path under the site, with or without a query)."""
        path = url.split("?", 1)[0].split("#", 1)[0]
        template = self.template(path[len(API):] or "/") if path.startswith(API + "/") else None
        status = response.status_code
        self.checked += 1
        if template is None:  # an address the API does not have: a problem
            assert status == 404, (url, status)
            return self.check_problem(url, response)
        spec, pointer = self.response_spec(template, status)
        if status == 304 or method == "HEAD":
            assert response.get_data() == b"", url
            for header in spec.get("headers", {}):
                assert header in response.headers, (url, header)
            return None
        content = spec["content"]
        assert response.mimetype in content, (url, response.mimetype, list(content))
        if status == 200:
            for header in spec.get("headers", {}):
                assert header in response.headers, (url, header)
        media_pointer = f"{pointer}/content/{_escape(response.mimetype)}/schema"
        if response.mimetype == "text/csv":
            return self.check_csv(url, response, content["text/csv"])
        body = response.get_json()
        self.validate(body, media_pointer, url)
        return body

    def check_problem(self, url: str, response: TestResponse) -> dict[str, Any]:
        assert response.mimetype == "application/problem+json", (url, response.mimetype)
        body = response.get_json()
        self.validate(body, "/components/schemas/Problem", url)
        assert body["status"] == response.status_code, url
        return body

    def check_csv(self, url: str, response: TestResponse, media: dict[str, Any]) -> list[list[str]]:
        text = response.get_data(as_text=True)
        assert text.startswith("\ufeff"), f"{url}: no byte-order mark"
        assert response.mimetype_params.get("charset") == "utf-8"
        columns = media["example"].strip().split(",")
        delimiter = ";" if text[1:].split("\r\n", 1)[0].count(";") >= len(columns) - 1 else ","
        rows = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
        assert rows and rows[0] == columns, (url, rows[:1], columns)
        assert all(len(row) == len(columns) for row in rows), url
        return rows


class ContractClient(CheckedClient):
    """A test client that checks every answer under /api/ against the OpenAPI document the app serves
    (and, as CheckedClient, every HTML page)."""

    contracts: dict[int, Contract] = {}

    def contract(self) -> Contract:
        key = id(self.application)
        if key not in self.contracts:
            response = super().open(f"{API}/openapi.json")
            assert response.status_code == 200
            self.contracts[key] = Contract(response.get_json())
        return self.contracts[key]

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/"):
            url = request.full_path if request.query_string else request.path
            contract = self.contract()
            if request.method in ("GET", "HEAD"):
                contract.check(url, response, request.method)
            elif request.method == "OPTIONS":
                assert response.status_code in (204, 404), url
            else:
                assert response.status_code in (404, 405), (request.method, url)
                contract.check_problem(url, response)
        return response


def api_client(app: Flask) -> ContractClient:
    return ContractClient(app, app.response_class, use_cookies=True)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def csv_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
