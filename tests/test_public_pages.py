"""The residents' pages through HTTP: start, area and unit pages, 404s and the language switch."""

from __future__ import annotations

import re

from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Unit
from tests.test_catalogue import AREAS, PROCESSES


def sections(html: str) -> dict[str, list[str]]:
    """Process heading → the area names listed under it on the start page."""
    result = {}
    for block in re.findall(r"<section class=\"process\".*?</section>", html, re.S):
        heading = re.search(r"<h2[^>]*>(.*?)</h2>", block).group(1)
        result[heading] = re.findall(r'<a href="/kundval/[^"]+">(.*?)</a>', block)
    return result


def test_start_page_lists_the_areas_grouped_by_process(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sections(html) == {process: AREAS[slug] for process, slug in zip(PROCESSES, AREAS, strict=True)}
    assert "Jämför utförare i kundvalen" in html


def test_every_page_says_the_demo_data_are_invented(client):
    for path in ("/", "/kundval/forskola", "/finns-inte"):
        assert "Alla anordnare, enheter, personer och siffror på den här webbplatsen är påhittade" in \
            client.get(path).get_data(as_text=True)


def listed_names(demo_app, slug: str) -> tuple[Area, list[str], list[str]]:
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == slug))
        rows = db.session.execute(
            select(Unit.name, Authorisation.status).join(Authorisation).where(Authorisation.area_id == area.id)
        ).all()
    listed = sorted((n for n, s in rows if s is AuthorisationStatus.AUTHORISED), key=str.lower)
    hidden = [n for n, s in rows if s is not AuthorisationStatus.AUTHORISED]
    return area, listed, hidden


def test_area_page_lists_only_authorised_units_across_its_pages(client, demo_app):
    area, listed, hidden = listed_names(demo_app, "forskola")
    assert len(listed) > 40 and hidden  # several pages, and some units that must not appear
    seen: list[str] = []
    page = 1
    while True:
        html = client.get(f"/kundval/forskola?sida={page}").get_data(as_text=True)
        names = re.findall(r'<h3><a href="/enheter/[^"]+">(.*?)</a></h3>', html)
        seen.extend(n.replace("&#39;", "'") for n in names)
        if 'rel="next"' not in html:
            break
        page += 1
    assert seen == listed
    assert page == -(-len(listed) // 20)
    assert f"{len(listed)} enheter är auktoriserade." in client.get("/kundval/forskola").get_data(as_text=True)
    assert not set(hidden) & set(seen)


def test_area_page_shows_description_and_committee(client):
    html = client.get("/kundval/hemtjanst").get_data(as_text=True)
    assert "<h1>Hemtjänst</h1>" in html
    assert "Äldrenämnden" in html
    assert 'rel="canonical"' in html


def test_unit_page_shows_the_profile(client, demo_app):
    with demo_app.app_context():
        unit = db.session.scalar(
            select(Unit).join(Authorisation).join(Area)
            .where(Area.slug == "forskola", Authorisation.status == AuthorisationStatus.AUTHORISED)
            .order_by(Unit.id).limit(1))
        expected = [unit.name, unit.provider.name, unit.provider.org_number, unit.street_address,
                    unit.district, unit.description_sv]
        slug = unit.slug
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    for text in expected:
        assert text in html
    assert "openstreetmap.org/?mlat=" in html
    assert "Auktorisation:" in html and "Auktoriserad" in html


def test_unknown_area_and_unit_give_a_translated_404(client):
    for path in ("/kundval/finns-inte", "/enheter/finns-inte"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<h1>Sidan finns inte</h1>" in response.get_data(as_text=True)
    english = client.get("/enheter/finns-inte", headers={"Accept-Language": "en"})
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in english.get_data(as_text=True)


def test_language_switch_changes_the_interface_language_and_is_kept(client):
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)
    switched = client.get("/sprak/en?next=/kundval/forskola")
    assert switched.status_code == 303 and switched.headers["Location"] == "/kundval/forskola"
    html = client.get("/kundval/forskola").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Preschool</h1>" in html and "Authorised providers" in html
    assert "All providers, units, people and figures on this site are invented" in html
    back = client.get("/sprak/sv?next=/")
    assert back.status_code == 303
    assert "Auktoriserade utförare" in client.get("/kundval/forskola").get_data(as_text=True)


def test_accept_language_is_honoured_and_the_cookie_wins(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Compare providers in the customer choice systems" in html
    client.get("/sprak/sv")
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="sv">' in html


def test_untranslated_content_falls_back_to_swedish_marked_as_such(client, demo_app):
    with demo_app.app_context():
        unit = db.session.scalar(
            select(Unit).join(Authorisation)
            .where(Unit.description_en.is_(None), Authorisation.status == AuthorisationStatus.AUTHORISED)
            .order_by(Unit.id).limit(1))
        slug, text = unit.slug, unit.description_sv
    html = client.get(f"/enheter/{slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<span lang="sv">{text}</span>' in html


def test_the_language_switch_never_redirects_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.get("/sprak/en", query_string={"next": target})
        assert response.headers["Location"] == "/"
    assert client.get("/sprak/de").status_code == 404


def test_pages_vary_by_language(client):
    response = client.get("/")
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert response.headers["Content-Language"] == "sv"
