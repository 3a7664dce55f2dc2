"""A property-based fuzz test of every GET operation in the OpenAPI document (Hypothesis): generated path
values and query parameters, valid and invalid, with and without an Accept header. No answer may be a
5xx, every answer must have a documented status and fit the documented schema, and a query that fits the
documented parameters must not be refused."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from jamforaren.extensions import db
from tests.api_helpers import API, Contract

EXAMPLES_PER_OPERATION = 25  # 22 operations: some 550 requests, well under a minute per database


@pytest.fixture(scope="module")
def contract(demo_app: Flask) -> Contract:
    return Contract(demo_app.test_client().get(f"{API}/openapi.json").get_json())


@pytest.fixture(scope="module")
def known(demo_app: Flask) -> dict[str, list[Any]]:
    """Real path values, so that most generated requests reach the data: some units with suppressed
    results, some with drafts, some that have only applied (not public)."""
    queries = {
        "process": "SELECT slug FROM process ORDER BY slug",
        "area": "SELECT slug FROM area ORDER BY slug",
        "version": "SELECT DISTINCT version FROM rulebook ORDER BY version",
        "unit": "SELECT slug FROM (SELECT u.slug, min(r.respondents) AS fewest FROM unit u JOIN survey_result r "
                "ON r.unit_id = u.id GROUP BY u.slug) AS x ORDER BY fewest, slug LIMIT 15",
    }
    with demo_app.app_context():
        values = {name: [row[0] for row in db.session.execute(text(sql))] for name, sql in queries.items()}
        values["unit"] += [row[0] for row in db.session.execute(text(
            "SELECT u.slug FROM unit u JOIN follow_up f ON f.unit_id = u.id WHERE f.status = 'utkast' "
            "UNION SELECT u.slug FROM unit u JOIN authorisation a ON a.unit_id = u.id WHERE a.status = 'ansokt' "
            "ORDER BY 1 LIMIT 10"))]
    return values


JUNK = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def item_value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """A value of one item as text: mostly what the schema allows, sometimes not."""
    if schema.get("type") == "integer":
        valid = st.integers(schema.get("minimum", 0), schema.get("maximum", 10**6))
        invalid = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True))
        return st.one_of(valid.map(str), valid.map(str), invalid.map(str), JUNK)
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), st.sampled_from(schema["enum"]), JUNK)
    return st.one_of(st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8})?", fullmatch=True),
                     st.sampled_from(["forskola", "hemtjanst", "utbildning", "Boo", "Orminge", "Fisksätra"]), JUNK)


def param_value(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    schema = parameter["schema"]
    if schema.get("type") == "array":
        return st.lists(item_value(schema["items"]), min_size=1, max_size=3).map(",".join)
    return item_value(schema)


def path_value(parameter: dict[str, Any], known: dict[str, list[Any]]) -> st.SearchStrategy[str]:
    real = st.sampled_from(known.get(parameter["name"]) or ["x"]).map(str)
    if parameter["schema"].get("type") == "integer":
        return st.one_of(real, real, st.integers(-5, 10**10).map(str))
    return st.one_of(real, real, real, JUNK.filter(lambda s: s not in (".", "..")).map(lambda s: quote(s, safe="")))


def request_for(operation: dict[str, Any], path: str, known: dict[str, list[Any]]) -> st.SearchStrategy[tuple]:
    parameters = operation.get("parameters", [])
    path_parameters = [p for p in parameters if p["in"] == "path"]
    query_parameters = [p for p in parameters if p["in"] == "query"]
    path_strategy = st.fixed_dictionaries({p["name"]: path_value(p, known) for p in path_parameters})
    query_strategy = st.fixed_dictionaries({}, optional={p["name"]: param_value(p) for p in query_parameters})
    extra = st.dictionaries(st.sampled_from(["q", "sort", "format", "lang", "page_size", "x"]), JUNK, max_size=1)
    accept = st.sampled_from([None, None, "application/json", "*/*", "text/csv", "text/html", "image/png"])
    return st.tuples(path_strategy, query_strategy, extra, accept)


def fits(value: str, schema: dict[str, Any]) -> bool:
    """Whether a generated query value is one the documented schema allows."""
    if schema.get("type") == "array":
        return all(fits(part, schema["items"]) for part in value.split(","))
    value = value.strip()
    if schema.get("type") == "integer":
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            return False
        return schema.get("minimum", 0) <= int(value) <= schema.get("maximum", 10**9)
    if "enum" in schema:
        return value in schema["enum"]
    return bool(value) and len(value) <= schema.get("maxLength", 100) and "pattern" not in schema


OPERATIONS = [
    "/", "/openapi.json", "/processes", "/processes.csv", "/processes/{process}", "/areas", "/areas.csv",
    "/areas/{area}", "/areas/{area}/rulebooks", "/areas/{area}/rulebooks.csv", "/areas/{area}/rulebooks/{version}",
    "/areas/{area}/rulebooks/{version}/norms", "/areas/{area}/rulebooks/{version}/norms.csv", "/units", "/units.csv",
    "/units/{unit}", "/units/{unit}/survey-results", "/units/{unit}/survey-results.csv", "/units/{unit}/key-figures",
    "/units/{unit}/key-figures.csv", "/units/{unit}/follow-ups", "/units/{unit}/follow-ups.csv",
]


def test_the_fuzzed_operations_are_every_operation(contract: Contract):
    assert sorted(OPERATIONS) == sorted(contract.document["paths"])


@pytest.mark.parametrize("template", OPERATIONS)
def test_fuzzed_requests_get_documented_answers(demo_app: Flask, contract: Contract, known, template: str):
    operation = contract.document["paths"][template]["get"]
    client = demo_app.test_client()
    query_schemas = {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}
    is_csv = template.endswith(".csv")

    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(request_for(operation, template, known))
    def check(generated: tuple) -> None:
        path_values, query, extra, accept = generated
        path = template
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", value)
        url = f"{API}{path}"
        all_query = {**query, **{k: v for k, v in extra.items() if k not in query}}
        if all_query:
            url += "?" + urlencode(all_query)
        headers = {"Accept": accept} if accept else {}
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        contract.check(url, response)
        acceptable = accept in (None, "*/*") or accept == ("text/csv" if is_csv else "application/json")
        if not acceptable:
            # refused, unless the address does not exist at all (404 comes first)
            assert response.status_code in (406, 404), (url, accept, response.status_code)
        elif (not extra and all(fits(v, query_schemas[k]) for k, v in query.items())
              and "page" not in query):
            # a query within the documented parameters is never refused (the path may not exist: 404)
            assert response.status_code in (200, 404), (url, response.status_code, response.get_data()[:300])
        if response.status_code == 400:
            body = response.get_json()
            assert body["invalid_params"], url

    check()
