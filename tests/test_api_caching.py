"""HTTP caching and CORS of the open data API: strong ETags and Last-Modified that change when the data
change (an ORM write, a published follow-up, an import through the command line), 304 on revalidation,
short public caching, read-only CORS, and no cookies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.http import http_date, parse_date

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Survey, SurveyQuestion, SurveyResult, Unit
from tests.api_helpers import API, Contract, api_client


@pytest.fixture()
def client(demo_app: Flask) -> FlaskClient:
    """Every answer these tests get is checked against the OpenAPI document (api_helpers.ContractClient)."""
    return api_client(demo_app)


ADDRESSES = [f"{API}/", f"{API}/processes", f"{API}/areas/forskola", f"{API}/units?per_page=5",
             f"{API}/units.csv?area=forskola", f"{API}/openapi.json"]


def contract_of(client: FlaskClient) -> Contract:
    return Contract(client.get(f"{API}/openapi.json").get_json())


def test_answers_carry_validators_and_public_caching(client: FlaskClient):
    for url in ADDRESSES:
        response = client.get(url)
        assert response.status_code == 200, url
        etag = response.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/"), url  # strong
        assert parse_date(response.headers["Last-Modified"]) <= datetime.now(UTC) + timedelta(seconds=1)
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert {"Accept", "Accept-Language"} <= {v.strip() for v in response.headers["Vary"].split(",")}
        assert "Set-Cookie" not in response.headers, url
        assert client.get(url).headers["ETag"] == etag, url  # the same data, the same tag


def test_304_on_a_matching_if_none_match_and_if_modified_since(client: FlaskClient):
    contract = contract_of(client)
    for url in ADDRESSES:
        first = client.get(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.get_data() == b"" and again.headers["ETag"] == etag
        contract.check(url, again)
        assert client.get(url, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        earlier = http_date(parse_date(modified) - timedelta(seconds=1))
        assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
        # If-None-Match wins over If-Modified-Since
        assert client.get(url, headers={"If-None-Match": '"x"', "If-Modified-Since": modified}).status_code == 200
        head = client.head(url, headers={"If-None-Match": etag})
        assert head.status_code == 304


def _survey_target(app: Flask) -> tuple[str, int, int]:
    """A public preschool unit and one of its shown survey results of the newest year."""
    with app.app_context():
        row = db.session.execute(
            select(Unit.slug, SurveyResult.id, Survey.year)
            .join(SurveyResult, SurveyResult.unit_id == Unit.id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyResult.question_id)
            .join(Survey, Survey.id == SurveyQuestion.survey_id)
            .join(Area, Area.id == Survey.area_id)
            .join(Authorisation, (Authorisation.unit_id == Unit.id) & (Authorisation.area_id == Area.id))
            .where(Area.slug == "forskola", Authorisation.status == AuthorisationStatus.AUTHORISED,
                   SurveyResult.respondents >= 10)
            .order_by(Survey.year.desc(), Unit.id, SurveyResult.id).limit(1)
        ).one()
    return row[0], row[1], row[2]


def test_a_change_through_the_orm_gives_new_etags_and_a_later_last_modified(fresh_app: Flask):
    client = api_client(fresh_app)
    slug, result_id, year = _survey_target(fresh_app)
    urls = [f"{API}/units/{slug}", f"{API}/units/{slug}/survey-results?year={year}",
            f"{API}/units/{slug}/survey-results.csv", f"{API}/"]
    before = {url: client.get(url) for url in urls}
    untouched = client.get(f"{API}/processes")
    with fresh_app.app_context():
        result = db.session.get(SurveyResult, result_id)
        result.share_positive = Decimal("12.34")
        db.session.commit()
    for url in urls:
        after = client.get(url)
        assert after.headers["ETag"] != before[url].headers["ETag"], url
        assert parse_date(after.headers["Last-Modified"]) >= parse_date(before[url].headers["Last-Modified"])
        # a client holding the old version gets the new one, not 304
        assert client.get(url, headers={"If-None-Match": before[url].headers["ETag"]}).status_code == 200
    body = client.get(f"{API}/units/{slug}/survey-results?year={year}").get_json()
    assert any(item["share_positive"] == 12.34 for item in body["items"])
    # a resource the change does not touch keeps its ETag
    assert client.get(f"{API}/processes").headers["ETag"] == untouched.headers["ETag"]


def test_a_survey_import_gives_a_new_etag_and_its_results(fresh_app: Flask, run_cli, tmp_path):
    client = api_client(fresh_app)
    slug, result_id, year = _survey_target(fresh_app)
    with fresh_app.app_context():
        result = db.session.get(SurveyResult, result_id)
        code, area_name = result.question.code, result.question.survey.area.name_sv
    url = f"{API}/units/{slug}/survey-results?year={year}"
    before = client.get(url)
    old_modified = parse_date(before.headers["Last-Modified"])
    upload = tmp_path / "kundundersokning.csv"
    upload.write_text("\ufeffOmråde;År;Enhet;Fråga;Antal svarande;Andel positiva\r\n"
                      f"{area_name.lower()};{year};{slug};{code};41;63,4 %\r\n", encoding="utf-8")
    done = run_cli("import", "surveys", str(upload), database_url=fresh_app.config["SQLALCHEMY_DATABASE_URI"]
                   .replace("postgresql+psycopg://", "postgresql://"))
    assert done.returncode == 0, done.stdout + done.stderr
    after = client.get(url)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parse_date(after.headers["Last-Modified"]) >= old_modified
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    item = next(i for i in after.get_json()["items"] if i["question"]["code"] == code and i["survey"]["year"] == year
                and i["share_positive"] == 63.4)
    assert item["respondents"] == 41


def test_cors_is_read_only(client: FlaskClient):
    for method in ("get", "head"):
        response = getattr(client, method)(f"{API}/units?per_page=1", headers={"Origin": "https://example.org"})
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(f"{API}/units", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)(f"{API}/units", headers={"Origin": "https://example.org"})
        assert response.status_code == 405
        assert "Access-Control-Allow-Origin" not in response.headers
    # the portal's own pages are not opened to other origins
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://example.org"}).headers


def test_reading_the_api_needs_no_csrf_token_and_sets_no_cookie(client: FlaskClient):
    for url in ADDRESSES:
        response = client.get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    response = client.post(f"{API}/units")  # refused as a method, not for a missing CSRF token
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
