"""The open data API against its OpenAPI document: the document is valid OpenAPI 3.1 and describes every
route, and every answer (JSON, CSV, problems) fits it. Filters, fields and paging give what SQL says."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import text

from jamforaren.extensions import db
from tests.api_helpers import API, Contract, api_client, csv_dicts


@pytest.fixture()
def client(demo_app: Flask) -> FlaskClient:
    """Every answer these tests get is checked against the OpenAPI document (api_helpers.ContractClient)."""
    return api_client(demo_app)


@pytest.fixture(scope="module")
def contract(demo_app: Flask) -> Contract:
    response = api_client(demo_app).get(f"{API}/openapi.json")
    assert response.status_code == 200
    return Contract(response.get_json())


def sql(app: Flask, statement: str, **params) -> list:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement), params)]


PUBLIC_UNITS = ("SELECT DISTINCT u.id, u.slug FROM unit u JOIN authorisation a ON a.unit_id = u.id "
                "WHERE a.status <> 'ansokt'")


def get(client: FlaskClient, contract: Contract, url: str, status: int = 200, **kwargs):  # type: ignore[no-untyped-def]
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
    return contract.check(url, response), response


def test_the_document_is_valid_openapi_3_1_and_describes_every_route(demo_app: Flask, contract: Contract):
    document = contract.document
    validate_openapi(document)
    assert document["openapi"].startswith("3.1")
    routes = set()
    for rule in demo_app.url_map.iter_rules():
        if rule.rule.startswith(API) and rule.endpoint.startswith("api."):
            routes.add(rule.rule[len(API):] or "/")
    documented = {path for path in document["paths"]}
    as_rules = {p.replace("{version}", "<int:version>").replace("{", "<").replace("}", ">")
                for p in documented}
    assert routes == as_rules
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path
        operation = item["get"]
        assert operation["summary"] and operation["description"], path
        for status in ("200", "304", "400", "404", "406"):
            assert status in operation["responses"], (path, status)


def test_every_endpoint_answers_as_documented_in_json_and_csv(client: FlaskClient, contract: Contract, demo_app):
    index, _ = get(client, contract, f"{API}/")
    assert index["min_respondents"] == 5
    for name in ("openapi", "processes", "areas", "units"):
        assert index["links"][name].startswith("http://localhost/")

    processes, _ = get(client, contract, f"{API}/processes")
    assert processes["total"] == sql(demo_app, "SELECT count(*) FROM process")[0][0]
    process, _ = get(client, contract, f"{API}/processes/{processes['items'][0]['slug']}")
    assert process["areas"]
    rows = contract.check(f"{API}/processes.csv", client.get(f"{API}/processes.csv"))
    assert len(rows) - 1 == processes["total"]

    areas, _ = get(client, contract, f"{API}/areas?per_page=100")
    assert areas["total"] == sql(demo_app, "SELECT count(*) FROM area")[0][0] == len(areas["items"])
    counts = dict(sql(demo_app, "SELECT ar.slug, count(*) FROM authorisation a JOIN area ar ON ar.id = a.area_id "
                                "WHERE a.status = 'auktoriserad' GROUP BY ar.slug"))
    for item in areas["items"]:
        assert item["authorised_unit_count"] == counts.get(item["slug"], 0)
    education, _ = get(client, contract, f"{API}/areas?process=utbildning")
    assert {a["process"]["slug"] for a in education["items"]} == {"utbildning"}
    rows = contract.check(f"{API}/areas.csv?process=utbildning", client.get(f"{API}/areas.csv?process=utbildning"))
    assert [r["slug"] for r in csv_dicts(rows)] == [a["slug"] for a in education["items"]]

    area, _ = get(client, contract, f"{API}/areas/forskola")
    rulebook = area["rulebook"]
    assert rulebook["state"] == "in_force" and rulebook["chapters"] and rulebook["chapters"][0]["norms"]
    assert area["rulebook_in_force"]["version"] == rulebook["version"]
    versions, _ = get(client, contract, area["links"]["rulebooks"].replace("http://localhost", ""))
    assert [v["version"] for v in versions["items"]] == [v["version"] for v in area["rulebooks"]]
    for version in versions["items"]:  # older versions stay reachable
        one, _ = get(client, contract, version["links"]["self"].replace("http://localhost", ""))
        assert one["version"] == version["version"]
        norms, _ = get(client, contract, version["links"]["norms"].replace("http://localhost", "") + "?per_page=100")
        assert norms["total"] == version["norm_count"] == sum(len(c["norms"]) for c in one["chapters"])
        path = version["links"]["norms"].replace("http://localhost", "") + ".csv"
        assert len(contract.check(path, client.get(path))) - 1 == version["norm_count"]
    path = f"{API}/areas/forskola/rulebooks.csv"
    assert len(contract.check(path, client.get(path))) - 1 == versions["total"]

    units, _ = get(client, contract, f"{API}/units?area=forskola&per_page=3")
    unit = units["items"][0]
    detail, _ = get(client, contract, unit["links"]["self"].replace("http://localhost", ""))
    assert detail["slug"] == unit["slug"] and any(a["area"]["slug"] == "forskola" for a in detail["areas"])
    for link in ("survey_results", "key_figures", "follow_ups"):
        path = unit["links"][link].replace("http://localhost", "")
        get(client, contract, path)
        contract.check(path + ".csv", client.get(path + ".csv"))
    assert contract.checked >= 20


def test_units_pages_cover_exactly_the_public_units(client: FlaskClient, contract: Contract, demo_app: Flask):
    public = {slug for _, slug in sql(demo_app, PUBLIC_UNITS)}
    seen: list[str] = []
    url = f"{API}/units?per_page=100"
    pages = 0
    while url:
        body, _ = get(client, contract, url)
        assert body["total"] == len(public)
        seen.extend(item["slug"] for item in body["items"])
        url = body["links"].get("next", "").replace("http://localhost", "")
        pages += 1
    assert pages == body["pages"] == -(-len(public) // 100)
    assert sorted(seen) == sorted(public) and len(seen) == len(set(seen))
    rows = contract.check(f"{API}/units.csv", client.get(f"{API}/units.csv"))
    assert [r["slug"] for r in csv_dicts(rows)] == seen  # the same order as the pages
    first, _ = get(client, contract, f"{API}/units?per_page=100&page=1")
    assert "prev" not in first["links"] and first["links"]["last"].endswith(f"page={pages}")
    get(client, contract, f"{API}/units?per_page=100&page={pages + 1}", status=404)


@pytest.mark.parametrize("query, where", [
    ("area=hemtjanst", "ar.slug = 'hemtjanst' AND a.status <> 'ansokt'"),
    ("area=hemtjanst&status=auktoriserad", "ar.slug = 'hemtjanst' AND a.status = 'auktoriserad'"),
    ("status=aterkallad,avslutad", "a.status IN ('aterkallad', 'avslutad')"),
    ("ownership=kooperativ,ideell", "a.status <> 'ansokt' AND p.ownership IN ('kooperativ', 'ideell')"),
    ("district=boo,Orminge", "a.status <> 'ansokt' AND lower(u.district) IN ('boo', 'orminge')"),
    ("language=fi&area=forskola", "a.status <> 'ansokt' AND ar.slug = 'forskola' AND EXISTS "
                                  "(SELECT 1 FROM unit_language l WHERE l.unit_id = u.id AND l.language = 'fi')"),
])
def test_unit_filters_match_sql(client: FlaskClient, contract: Contract, demo_app: Flask, query: str, where: str):
    expected = {slug for (slug,) in sql(demo_app, "SELECT DISTINCT u.slug FROM unit u JOIN authorisation a ON "
                                        "a.unit_id = u.id JOIN area ar ON ar.id = a.area_id JOIN provider p ON "
                                        f"p.id = u.provider_id WHERE {where}")}
    assert expected, query
    body, _ = get(client, contract, f"{API}/units?{query}&per_page=100")
    assert {item["slug"] for item in body["items"]} == expected and body["total"] == len(expected)
    rows = contract.check(f"{API}/units.csv?{query}", client.get(f"{API}/units.csv?{query}"))
    assert {r["slug"] for r in csv_dicts(rows)} == expected


def test_fields_choose_what_each_unit_says(client: FlaskClient, contract: Contract):
    body, _ = get(client, contract, f"{API}/units?fields=name,district&per_page=5")
    for item in body["items"]:
        assert set(item) == {"id", "slug", "name", "district", "links"}
    full, _ = get(client, contract, f"{API}/units?per_page=5")
    assert all(set(item) == set(full["items"][0]) for item in full["items"])
    assert {"provider", "authorisations", "latitude", "languages"} <= set(full["items"][0])


def test_numbers_are_numbers_and_dates_iso(client: FlaskClient, contract: Contract):
    body, _ = get(client, contract, f"{API}/units?area=grundskola&per_page=1")
    unit, _ = get(client, contract, body["items"][0]["links"]["self"].replace("http://localhost", ""))
    assert isinstance(unit["latitude"], float) and isinstance(unit["id"], int)
    section = next(a for a in unit["areas"] if a["area"]["slug"] == "grundskola")
    shown = [r for r in section["survey_results"] if r["share_positive"] is not None]
    assert shown and all(isinstance(r["share_positive"], (int, float)) for r in shown)
    assert all(isinstance(f["value"], (int, float)) for f in section["key_figures"] if f["value"] is not None)
    assert len(section["status_since"]) == 10 and section["status_since"][4] == "-"


@pytest.mark.parametrize("url, names", [
    (f"{API}/units?colour=blue", ["colour"]),
    (f"{API}/units?format=csv", ["format"]),
    (f"{API}/units?page=0&per_page=1000", ["page", "per_page"]),
    (f"{API}/units?page=1&page=2", ["page"]),
    (f"{API}/units?page=abc", ["page"]),
    (f"{API}/units?area=finns-inte", ["area"]),
    (f"{API}/units?area=Förskola", ["area"]),
    (f"{API}/units?status=ansokt", ["status"]),
    (f"{API}/units?ownership=statlig", ["ownership"]),
    (f"{API}/units?language=xx", ["language"]),
    (f"{API}/units?fields=name,secret", ["fields"]),
    (f"{API}/units?district=", ["district"]),
    (f"{API}/units?district=Boo%00", ["district"]),
    (f"{API}/units.csv?page=2", ["page"]),
    (f"{API}/units.csv?fields=name", ["fields"]),
    (f"{API}/areas?process=nope", ["process"]),
    (f"{API}/areas/forskola?lang=en", ["lang"]),
    (f"{API}/processes?q=x", ["q"]),
])
def test_unknown_parameters_and_bad_values_are_a_problem(client: FlaskClient, contract: Contract, url: str,
                                                         names: list[str]):
    response = client.get(url)
    assert response.status_code == 400
    body = contract.check(url, response)
    assert response.mimetype == "application/problem+json"
    assert body["type"].endswith("#problem-bad-request")
    assert sorted(p["name"] for p in body["invalid_params"]) == sorted(names)
    assert all(p["reason"] for p in body["invalid_params"])


def test_problems_for_unknown_addresses_methods_and_media_types(client: FlaskClient, contract: Contract):
    for url in (f"{API}/nothing-here", f"{API}/units/finns-inte", f"{API}/areas/finns-inte/rulebooks/1",
                f"{API}/areas/forskola/rulebooks/999", f"{API}/areas/forskola/rulebooks/x", "/api/v2/units",
                "/api/", f"{API}/units/finns-inte/survey-results.csv", f"{API}/units/%00",
                f"{API}/areas/forskola/rulebooks/0/norms", f"{API}/areas/forskola/rulebooks/99999999999"):
        response = client.get(url)
        assert response.status_code == 404, url
        body = contract.check_problem(url, response)
        assert body["type"].endswith("#problem-not-found") and body["title"] and body["detail"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"

    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}/units")
        assert response.status_code == 405, method
        body = contract.check_problem(f"{API}/units", response)
        assert body["type"].endswith("#problem-method-not-allowed")
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert "Access-Control-Allow-Origin" not in response.headers  # CORS only on reading methods

    response = client.get(f"{API}/units", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert contract.check(f"{API}/units", response)["type"].endswith("#problem-not-acceptable")
    response = client.get(f"{API}/units.csv", headers={"Accept": "application/json"})
    assert response.status_code == 406
    for accept in ("application/json", "*/*", "application/*", "text/html,*/*;q=0.8"):
        assert client.get(f"{API}/units?per_page=1", headers={"Accept": accept}).status_code == 200
    assert client.get(f"{API}/units.csv", headers={"Accept": "text/csv"}).status_code == 200


def test_problem_titles_follow_the_readers_language(client: FlaskClient, demo_app: Flask):
    from flask_babel import force_locale, gettext
    with demo_app.test_request_context():
        with force_locale("sv"):
            swedish = gettext("Bad request")
    english = client.get(f"{API}/units?x=1", headers={"Accept-Language": "en"}).get_json()
    assert english["title"] == "Bad request"
    response = client.get(f"{API}/units?x=1", headers={"Accept-Language": "sv"})
    assert response.get_json()["title"] == swedish and response.headers["Content-Language"] == "sv"
    assert "Accept-Language" in response.headers["Vary"]


def test_csv_follows_the_readers_language_with_bom(client: FlaskClient, contract: Contract):
    url = f"{API}/units.csv?area=forskola"
    swedish = client.get(url, headers={"Accept-Language": "sv"})
    english = client.get(url, headers={"Accept-Language": "en"})
    sv_rows = csv_dicts(contract.check(url, swedish))
    en_rows = csv_dicts(contract.check(url, english))
    assert swedish.get_data(as_text=True).split("\r\n", 1)[0].count(";") > 10
    assert [r["slug"] for r in sv_rows] == [r["slug"] for r in en_rows]
    located = next(i for i, r in enumerate(en_rows) if r["latitude"])
    assert "." in en_rows[located]["latitude"] and float(en_rows[located]["latitude"])
    assert sv_rows[located]["latitude"] == en_rows[located]["latitude"].replace(".", ",")
    assert swedish.headers["Content-Disposition"] == 'attachment; filename="units.csv"'
    assert swedish.headers["ETag"] != english.headers["ETag"]


def test_the_documentation_page_lists_every_address(client: FlaskClient, contract: Contract):
    for language in ("sv", "en"):
        response = client.get("/oppna-data", headers={"Accept-Language": language})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for path in contract.document["paths"]:
            assert f"/api/v1{path}".replace("{", "{") in html.replace("&#123;", "{").replace("&#125;", "}"), path
        for fragment in ("bad-request", "not-found", "method-not-allowed", "not-acceptable"):
            assert f'id="problem-{fragment}"' in html
        assert "/api/v1/openapi.json" in html and "<script" not in html
    start = client.get("/").get_data(as_text=True)
    assert 'href="/oppna-data"' in start  # linked from every page's footer
