"""Only public data in the open data API and its CSV files, checked against SQL on the demo data (which
has results from too few respondents, draft follow-ups, pending applications and pending profile changes):
no suppressed value, no draft, no superseded version, no applicant, no unapproved profile text."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from jamforaren.extensions import db
from jamforaren.models import FollowUp, FollowUpStatus, User
from jamforaren.services import followups
from tests.api_helpers import API, Contract, api_client, csv_dicts


@pytest.fixture()
def client(demo_app: Flask) -> FlaskClient:
    """Every answer these tests get is checked against the OpenAPI document (api_helpers.ContractClient)."""
    return api_client(demo_app)


@pytest.fixture(scope="module")
def contract(demo_app: Flask) -> Contract:
    return Contract(api_client(demo_app).get(f"{API}/openapi.json").get_json())


def sql(app: Flask, statement: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement))]


def fetch(client: FlaskClient, contract: Contract, url: str):  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    return contract.check(url, response)


def every_json_item(client: FlaskClient, contract: Contract, url: str) -> list[dict]:
    items, page = [], f"{url}{'&' if '?' in url else '?'}per_page=100"
    while page:
        body = fetch(client, contract, page)
        items.extend(body["items"])
        page = body["links"].get("next", "").replace("http://localhost", "")
    return items


SUPPRESSED = """
SELECT u.slug, q.id, r.respondents, r.share_positive, s.year
FROM survey_result r JOIN unit u ON u.id = r.unit_id JOIN survey_question q ON q.id = r.question_id
JOIN survey s ON s.id = q.survey_id
WHERE r.respondents < 5 AND EXISTS (SELECT 1 FROM authorisation a WHERE a.unit_id = u.id AND a.area_id = s.area_id
                                    AND a.status <> 'ansokt')
ORDER BY u.slug, q.id
"""


def test_suppressed_survey_results_never_show_their_values(client: FlaskClient, contract: Contract,
                                                           demo_app: Flask):
    rows = sql(demo_app, SUPPRESSED)
    assert len(rows) > 100, "the demo data should have results from too few respondents"
    by_unit: dict[str, dict[int, tuple]] = {}
    for slug, question_id, respondents, share, year in rows:
        by_unit.setdefault(slug, {})[question_id] = (respondents, share, year)
    units = sorted(by_unit)[::max(1, len(by_unit) // 25)]  # some 25 units spread over the alphabet
    checked = 0
    for slug in units:
        suppressed = by_unit[slug]
        items = every_json_item(client, contract, f"{API}/units/{slug}/survey-results")
        csv_rows = csv_dicts(contract.check(f"{API}/units/{slug}/survey-results.csv",
                                            client.get(f"{API}/units/{slug}/survey-results.csv")))
        assert len(csv_rows) == len(items)
        for item, row in zip(items, csv_rows, strict=True):
            assert int(row["question_id"]) == item["question"]["id"]
            if item["question"]["id"] in suppressed:
                assert item["suppressed"] is True
                assert item["share_positive"] is None and item["respondents"] is None
                assert row["suppressed"] == "true" and row["share_positive"] == "" and row["respondents"] == ""
                checked += 1
            else:
                assert item["suppressed"] is False and item["respondents"] >= 5
        detail = fetch(client, contract, f"{API}/units/{slug}")
        for section in detail["areas"]:
            for item in section["survey_results"]:
                if item["question"]["id"] in suppressed:
                    assert item["share_positive"] is None and item["respondents"] is None and item["suppressed"]
                else:
                    assert item["respondents"] is None or item["respondents"] >= 5
    assert checked >= len(units)


def test_no_respondent_count_below_the_limit_anywhere(client: FlaskClient, contract: Contract, demo_app: Flask):
    slugs = [s for (s,) in sql(demo_app, "SELECT DISTINCT u.slug FROM unit u JOIN survey_result r ON r.unit_id = u.id "
                                         "JOIN authorisation a ON a.unit_id = u.id WHERE a.status <> 'ansokt' "
                                         "AND r.respondents < 5 ORDER BY u.slug")][:15]
    for slug in slugs:
        for url in (f"{API}/units/{slug}", f"{API}/units/{slug}/survey-results?per_page=100"):
            body = json.loads(client.get(url).get_data(as_text=True))

            def walk(value):  # type: ignore[no-untyped-def]
                if isinstance(value, dict):
                    if "respondents" in value and value["respondents"] is not None:
                        assert value["respondents"] >= 5, (url, value)
                    for inner in value.values():
                        walk(inner)
                elif isinstance(value, list):
                    for inner in value:
                        walk(inner)
            walk(body)


DRAFTS = """
SELECT f.id, u.slug, f.summary_sv, f.year, ar.slug FROM follow_up f JOIN unit u ON u.id = f.unit_id
JOIN area ar ON ar.id = f.area_id
WHERE f.status = 'utkast' AND EXISTS (SELECT 1 FROM authorisation a WHERE a.unit_id = u.id AND a.status <> 'ansokt')
ORDER BY f.id
"""


def test_draft_follow_ups_never_appear(client: FlaskClient, contract: Contract, demo_app: Flask):
    drafts = sql(demo_app, DRAFTS)
    assert drafts, "the demo data should have draft follow-ups"
    published = {i for (i,) in sql(demo_app, "SELECT id FROM follow_up WHERE status = 'publicerad' "
                                             "AND superseded_at IS NULL")}
    for draft_id, slug, summary, year, area in drafts[:20]:
        items = every_json_item(client, contract, f"{API}/units/{slug}/follow-ups")
        ids = {item["id"] for item in items}
        assert draft_id not in ids and ids <= published
        assert all(not (i["year"] == year and i["area"]["slug"] == area and i["version"] == 1 and
                        i["id"] == draft_id) for i in items)
        detail = fetch(client, contract, f"{API}/units/{slug}")
        for section in detail["areas"]:
            assert section["follow_up"] is None or section["follow_up"]["id"] in published
        rows = csv_dicts(contract.check(f"{API}/units/{slug}/follow-ups.csv",
                                        client.get(f"{API}/units/{slug}/follow-ups.csv")))
        assert {int(r["id"]) for r in rows} == ids
        if summary:
            for url in (f"{API}/units/{slug}", f"{API}/units/{slug}/follow-ups?per_page=100",
                        f"{API}/units/{slug}/follow-ups.csv"):
                body = client.get(url).get_data(as_text=True)
                assert summary not in body or any(summary == i["summary"]["sv"] for i in items), url


def test_pending_applications_are_not_public(client: FlaskClient, contract: Contract, demo_app: Flask):
    applicants = [s for (s,) in sql(demo_app, "SELECT u.slug FROM unit u WHERE NOT EXISTS (SELECT 1 FROM "
                                              "authorisation a WHERE a.unit_id = u.id AND a.status <> 'ansokt')")]
    assert applicants, "the demo data should have units that have only applied"
    listed = {item["slug"] for item in every_json_item(client, contract, f"{API}/units")}
    csv_listed = {r["slug"] for r in csv_dicts(contract.check(f"{API}/units.csv", client.get(f"{API}/units.csv")))}
    for slug in applicants:
        assert slug not in listed and slug not in csv_listed
        for url in (f"{API}/units/{slug}", f"{API}/units/{slug}/survey-results", f"{API}/units/{slug}/follow-ups.csv"):
            response = client.get(url)
            assert response.status_code == 404, url
            contract.check_problem(url, response)
    # and a public unit's pending application in another area is not among its authorisations
    mixed = sql(demo_app, "SELECT u.slug, ar.slug FROM unit u JOIN authorisation a ON a.unit_id = u.id JOIN area ar "
                          "ON ar.id = a.area_id WHERE a.status = 'ansokt' AND EXISTS (SELECT 1 FROM authorisation b "
                          "WHERE b.unit_id = u.id AND b.status <> 'ansokt')")
    for slug, area in mixed:
        detail = fetch(client, contract, f"{API}/units/{slug}")
        assert area not in {a["area"]["slug"] for a in detail["authorisations"]}
        assert area not in {a["area"]["slug"] for a in detail["areas"]}


def test_pending_profile_changes_are_not_published(client: FlaskClient, contract: Contract, demo_app: Flask):
    pending = sql(demo_app, "SELECT u.slug, r.changes FROM profile_revision r JOIN unit u ON u.id = r.unit_id "
                            "WHERE r.status = 'pending'")
    assert pending, "the demo data should have pending profile changes"
    checked = 0
    for slug, changes in pending:
        changes = json.loads(changes) if isinstance(changes, str) else changes
        response = client.get(f"{API}/units/{slug}")
        if response.status_code == 404:
            continue
        body = response.get_data(as_text=True)
        detail = contract.check(f"{API}/units/{slug}", response)
        for field, change in changes.items():
            new, old = change.get("new"), change.get("old")
            if isinstance(new, str) and len(new) > 3 and new != old and (not isinstance(old, str) or new not in old):
                assert json.dumps(new, ensure_ascii=False)[1:-1] not in body, (slug, field)
                checked += 1
        assert detail["slug"] == slug
    assert checked


def test_a_correction_replaces_the_published_version_only_once_published(fresh_app: Flask):
    client = api_client(fresh_app)
    contract = Contract(client.get(f"{API}/openapi.json").get_json())
    with fresh_app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.invalid"))
        original = db.session.scalar(
            select(FollowUp).where(FollowUp.status == FollowUpStatus.PUBLISHED, FollowUp.superseded_at.is_(None))
            .order_by(FollowUp.year.desc(), FollowUp.id).limit(1))
        slug, original_id, year = original.unit.slug, original.id, original.year
        url = f"{API}/units/{slug}/follow-ups?year={year}"
        before = client.get(url)
        assert original_id in {i["id"] for i in before.get_json()["items"]}

        correction = followups.correct(admin, original, "Fel datum i den publicerade versionen.")
        followups.update_draft(admin, correction, summary_sv="Rättad sammanfattning efter ny granskning.")
        correction_id = correction.id
        pending = client.get(url)
        assert pending.headers["ETag"] == before.headers["ETag"]  # a pending correction is not public
        assert "Rättad sammanfattning" not in client.get(f"{API}/units/{slug}").get_data(as_text=True)

        followups.publish(admin, db.session.get(FollowUp, correction_id))
    after = client.get(url)
    contract.check(url, after)
    items = {i["id"]: i for i in after.get_json()["items"]}
    assert original_id not in items and correction_id in items
    assert items[correction_id]["version"] == 2
    assert items[correction_id]["summary"]["sv"] == "Rättad sammanfattning efter ny granskning."
    assert after.headers["ETag"] != before.headers["ETag"]
    detail = client.get(f"{API}/units/{slug}").get_json()
    assert original_id not in {s["follow_up"]["id"] for s in detail["areas"] if s["follow_up"]}
