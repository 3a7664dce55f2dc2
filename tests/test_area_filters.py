"""Filtering and sorting an area's units through GET parameters."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import (
    MIN_RESPONDENTS, Area, Authorisation, AuthorisationStatus, KeyFigure, KeyFigureValue, Ownership, Survey,
    SurveyQuestion, SurveyResult, Unit, UnitAttribute, UnitLanguage,
)

CARD = re.compile(r'<h3><a href="/enheter/([^"]+)">')


def all_slugs(client, url: str) -> list[str]:
    slugs, page = [], 1
    while True:
        html = client.get(f"{url}&sida={page}" if "?" in url else f"{url}?sida={page}").get_data(as_text=True)
        slugs += CARD.findall(html)
        if 'rel="next"' not in html:
            return slugs
        page += 1


def listed_units(demo_app, slug: str) -> list[Unit]:
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == slug))
        units = list(db.session.scalars(
            select(Unit).join(Authorisation)
            .where(Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED)))
        for unit in units:  # load what the tests read, while the session is open
            _ = unit.provider.ownership, [lang.language for lang in unit.languages], \
                [(a.area_id, a.key, a.value) for a in unit.attributes]
        db.session.expunge_all()
        return units


def test_district_and_ownership_filters_combine(client, demo_app):
    units = listed_units(demo_app, "forskola")
    expected = sorted((u for u in units if u.district in ("Boo", "Älta")
                       and u.provider.ownership is Ownership.PRIVATE), key=lambda u: (u.name.lower(), u.id))
    got = all_slugs(client, "/kundval/forskola?kommundel=Boo&kommundel=%C3%84lta&driftsform=enskild")
    assert got == [u.slug for u in expected]
    assert 0 < len(got) < len(units)


def test_language_filter_requires_every_chosen_language(client, demo_app):
    units = listed_units(demo_app, "hemtjanst")
    with_english = {u.slug for u in units if "en" in [lang.language for lang in u.languages]}
    assert set(all_slugs(client, "/kundval/hemtjanst?sprak=en")) == with_english
    both = {u.slug for u in units if {"en", "ar"} <= {lang.language for lang in u.languages}}
    assert set(all_slugs(client, "/kundval/hemtjanst?sprak=en&sprak=ar")) == both


def test_the_areas_own_attribute_filters(client, demo_app):
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        definition = next(d for d in area.attribute_definitions if d.get("filter") and d["type"] == "choice")
        option = definition["options"][0]["key"]
        expected = set(db.session.scalars(
            select(Unit.slug).join(UnitAttribute).join(Authorisation, Authorisation.unit_id == Unit.id)
            .where(UnitAttribute.area_id == area.id, UnitAttribute.key == definition["key"],
                   UnitAttribute.value == option, Authorisation.area_id == area.id,
                   Authorisation.status == AuthorisationStatus.AUTHORISED)))
    html = client.get(f"/kundval/forskola?{definition['key']}={option}").get_data(as_text=True)
    assert f'value="{option}" checked' in html or f'checked id="{definition["key"]}-' in html \
        or re.search(rf'<input[^>]*checked[^>]*value="{option}"', html)
    assert set(all_slugs(client, f"/kundval/forskola?{definition['key']}={option}")) == expected


def test_free_places_filter(client, demo_app):
    units = listed_units(demo_app, "forskola")
    assert set(all_slugs(client, "/kundval/forskola?ledigt=y")) == {u.slug for u in units if (u.free_places or 0) > 0}


def test_unknown_filter_values_from_old_links_are_ignored(client):
    response = client.get("/kundval/forskola?kommundel=Atlantis&driftsform=kungligt&sortera=hokuspokus&sida=x")
    assert response.status_code == 200
    assert "enheter är auktoriserade" in response.get_data(as_text=True)


def test_no_match_says_so_and_offers_a_way_out(client):
    html = client.get("/kundval/forskola?kommundel=Boo&kommundel=Boo&sprak=sgn&sprak=ti&sprak=so&ledigt=y") \
        .get_data(as_text=True)
    if CARD.findall(html):
        return  # the demo data happened to have such a unit; nothing to check
    assert "Ingen enhet matchar dina val" in html
    assert "Rensa filter och sortering" in html


def overall_results(demo_app, slug: str) -> dict[str, Decimal | None]:
    """Each listed unit's overall survey result in the area's latest year (None: missing or suppressed)."""
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == slug))
        year = max(db.session.scalars(select(Survey.year).where(Survey.area_id == area.id)))
        question = db.session.scalar(select(SurveyQuestion).join(Survey).where(
            Survey.area_id == area.id, Survey.year == year, SurveyQuestion.is_overall.is_(True)))
        results = {r.unit_id: r for r in db.session.scalars(
            select(SurveyResult).where(SurveyResult.question_id == question.id))}
        values = {}
        for unit in listed_units(demo_app, slug):
            result = results.get(unit.id)
            values[unit.slug] = (result.share_positive if result and result.respondents >= MIN_RESPONDENTS
                                 else None)
        return values


def test_sorting_by_survey_result_puts_the_best_first_and_missing_last(client, demo_app):
    values = overall_results(demo_app, "forskola")
    got = all_slugs(client, "/kundval/forskola?sortera=nojdhet")
    assert set(got) == set(values)
    shown = [values[s] for s in got]
    known = [v for v in shown if v is not None]
    assert known == sorted(known, reverse=True)
    assert all(v is None for v in shown[len(known):])  # every unit without a result comes after
    assert any(v is None for v in shown), "the demo data should include units without a result"
    html = client.get("/kundval/forskola?sortera=nojdhet&sida=99").get_data(as_text=True)
    assert "Saknas eller för få svar" in html
    assert "0\u00a0%" not in html.split("Saknas eller för få svar")[0][-200:]


def test_sorting_by_a_key_figure_follows_its_direction(client, demo_app):
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "hemtjanst"))
        figure = db.session.scalar(select(KeyFigure).where(KeyFigure.area_id == area.id,
                                                           KeyFigure.higher_is_better.is_(False)))
        assert figure is not None, "hemtjänst should have a lower-is-better key figure"
        year = max(db.session.scalars(select(KeyFigureValue.year).where(KeyFigureValue.key_figure_id == figure.id)))
        values = dict(db.session.execute(
            select(Unit.slug, KeyFigureValue.value).join(KeyFigureValue, KeyFigureValue.unit_id == Unit.id)
            .where(KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.year == year)).all())
        code = figure.code
    got = all_slugs(client, f"/kundval/hemtjanst?sortera=nyckeltal-{code}")
    known = [values[s] for s in got if s in values]
    assert known == sorted(known)  # lower is better: smallest first
    first_missing = next(i for i, s in enumerate(got) if s not in values) if any(s not in values for s in got) else len(got)
    assert all(s not in values for s in got[first_missing:])


def test_a_filtered_list_is_a_shareable_url_and_pagination_keeps_it(client):
    html = client.get("/kundval/forskola?driftsform=kommunal&sortera=nojdhet").get_data(as_text=True)
    if 'rel="next"' in html:
        link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        assert "driftsform=kommunal" in link and "sortera=nojdhet" in link and "sida=2" in link
    assert re.search(r'<option selected value="nojdhet">|<option value="nojdhet" selected>', html)


def test_units_that_are_not_authorised_never_appear(client, demo_app):
    with demo_app.app_context():
        hidden = set(db.session.scalars(
            select(Unit.slug).join(Authorisation).join(Area)
            .where(Area.slug == "forskola", Authorisation.status != AuthorisationStatus.AUTHORISED)))
    assert hidden
    for query in ("", "?sortera=nojdhet", "?ledigt=y"):
        assert not hidden & set(all_slugs(client, "/kundval/forskola" + query))


def test_the_area_links_to_its_rules(client):
    html = client.get("/kundval/grundskola").get_data(as_text=True)
    assert 'href="/kundval/grundskola/villkor"' in html
    rules = client.get("/kundval/grundskola/villkor").get_data(as_text=True)
    assert "Tillämpningsanvisning" in rules
    assert client.get("/kundval/grundskola/villkor?version=99").status_code == 404


def test_language_filter_choices_are_only_languages_some_unit_offers(client, demo_app):
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "kulturskola"))
        offered = set(db.session.scalars(
            select(UnitLanguage.language).join(Authorisation, Authorisation.unit_id == UnitLanguage.unit_id)
            .where(Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED)))
    html = client.get("/kundval/kulturskola").get_data(as_text=True)
    choices = set(re.findall(r'name="sprak"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="sprak"', html))
    assert {a or b for a, b in choices} == offered
