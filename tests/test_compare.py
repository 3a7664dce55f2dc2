"""Side-by-side comparison: validation, best-value marking by direction, CSV equal to the page, basket."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import (
    MIN_RESPONDENTS, Area, Authorisation, AuthorisationStatus, KeyFigure, Survey, SurveyQuestion, SurveyResult, Unit,
)


def listed_slugs(app, area_slug: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(
            select(Unit.slug).join(Authorisation).join(Area)
            .where(Area.slug == area_slug, Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id)))


def compare_url(area: str, slugs: list[str], csv_file: bool = False) -> str:
    return f"/kundval/{area}/jamfor{'.csv' if csv_file else ''}?" + "&".join(f"enhet={s}" for s in slugs)


def table_cells(page: str) -> list[list[str]]:
    """The compare table's body rows as text: [row label, cell, cell, …]."""
    rows = []
    for body in re.findall(r"<tbody>(.*?)</tbody>", page, re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def test_two_to_four_units_of_one_area_are_required(client, demo_app):
    slugs = listed_slugs(demo_app, "hemtjanst")
    other = listed_slugs(demo_app, "forskola")
    cases = {
        "Välj minst två enheter att jämföra.": slugs[:1],
        "Du kan jämföra högst fyra enheter åt gången.": slugs[:5],
        "Några av de valda enheterna är inte auktoriserade i det här kundvalet.": [slugs[0], other[0]],
    }
    for message, chosen in cases.items():
        response = client.get(compare_url("hemtjanst", chosen))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert client.get(compare_url("hemtjanst", slugs[:4])).status_code == 200


def test_the_comparison_shows_every_question_and_key_figure(client, demo_app):
    slugs = listed_slugs(demo_app, "grundskola")[:3]
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "grundskola"))
        year = max(db.session.scalars(select(Survey.year).where(Survey.area_id == area.id)))
        questions = list(db.session.scalars(select(SurveyQuestion.text_sv).join(Survey).where(
            Survey.area_id == area.id, Survey.year == year)))
        figures = list(db.session.scalars(select(KeyFigure.name_sv).where(KeyFigure.area_id == area.id)))
    page = client.get(compare_url("grundskola", slugs)).get_data(as_text=True)
    labels = [row[0] for row in table_cells(page)]
    for text in questions + figures:
        assert any(label.startswith(html_lib.unescape(text)) for label in labels), text
    assert all(len(row) == 4 for row in table_cells(page) if len(row) > 1)


def figure_rows(page: str, name: str) -> list[str]:
    return next(row for row in table_cells(page) if row[0].startswith(name))


def test_best_value_is_marked_by_each_figures_direction(client, demo_app):
    slugs = listed_slugs(demo_app, "hemtjanst")
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "hemtjanst"))
        lower = db.session.scalar(select(KeyFigure).where(KeyFigure.area_id == area.id,
                                                          KeyFigure.higher_is_better.is_(False)))
        higher = db.session.scalar(select(KeyFigure).where(KeyFigure.area_id == area.id,
                                                           KeyFigure.higher_is_better.is_(True)))
        names = lower.name_sv, higher.name_sv
    checked = 0
    for start in range(0, len(slugs) - 3, 4):
        page = client.get(compare_url("hemtjanst", slugs[start:start + 4])).get_data(as_text=True)
        for name, pick in ((names[0], min), (names[1], max)):
            cells = figure_rows(page, name)[1:]
            values = [float(re.sub(r"[^\d,]", "", c.split("★")[0]).replace(",", ".")) if "★" in c or re.search(r"\d", c)
                      else None for c in cells]
            known = [v for v in values if v is not None]
            if len(set(known)) < 2:
                continue
            best = pick(known)
            assert [("★ Bäst" in c) for c in cells] == [v == best for v in values], (name, cells)
            checked += 1
    assert checked >= 2


def test_the_csv_holds_exactly_what_the_page_shows(client, demo_app):
    slugs = listed_slugs(demo_app, "forskola")[:3]
    page = client.get(compare_url("forskola", slugs)).get_data(as_text=True)
    response = client.get(compare_url("forskola", slugs, csv_file=True))
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    shown = [row for row in table_cells(page) if len(row) > 1]
    assert len(rows) - 1 == len(shown)
    for csv_row, html_row in zip(rows[1:], shown, strict=True):
        assert html_row[0].startswith(csv_row[1])
        for csv_cell, html_cell in zip((" ".join(c.split()) for c in csv_row[2:]), html_row[1:], strict=True):
            assert csv_cell.replace(" (bäst)", "") == html_cell.replace(" ★ Bäst", "")
            assert csv_cell.endswith("(bäst)") == html_cell.endswith("★ Bäst")


def test_suppressed_results_appear_neither_on_the_page_nor_in_the_csv(client, demo_app):
    with demo_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        year = max(db.session.scalars(select(Survey.year).where(Survey.area_id == area.id)))
        slugs = listed_slugs(demo_app, "forskola")
        small = db.session.execute(
            select(Unit.slug, SurveyQuestion.text_sv, SurveyResult.share_positive)
            .join(SurveyResult, SurveyResult.unit_id == Unit.id).join(SurveyQuestion).join(Survey)
            .where(Survey.area_id == area.id, Survey.year == year, SurveyResult.respondents < MIN_RESPONDENTS,
                   Unit.slug.in_(slugs)).order_by(Unit.id)).first()
    assert small is not None
    chosen = [small.slug] + [s for s in slugs if s != small.slug][:1]
    page = client.get(compare_url("forskola", chosen)).get_data(as_text=True)
    row = figure_rows(page, html_lib.unescape(small.text_sv))
    assert row[1] == "för få svar"
    data = client.get(compare_url("forskola", chosen, csv_file=True)).get_data(as_text=True)
    csv_row = next(r for r in csv.reader(io.StringIO(data.lstrip("\ufeff")), delimiter=";") if r[1] == small.text_sv)
    assert csv_row[2] == "för få svar"


def test_the_basket_collects_units_from_unit_pages(fresh_app):
    client = fresh_app.test_client()
    slugs = listed_slugs(fresh_app, "hemtjanst")[:3]
    for slug in slugs:
        page = client.get(f"/enheter/{slug}").get_data(as_text=True)
        form = re.search(r'<form method="post" action="/kundval/hemtjanst/jamforelse".*?</form>', page, re.S).group(0)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        response = client.post("/kundval/hemtjanst/jamforelse",
                               data={"csrf_token": token, "enhet": slug, "next": f"/enheter/{slug}"})
        assert response.status_code == 303 and response.headers["Location"] == f"/enheter/{slug}"
    area = client.get("/kundval/hemtjanst").get_data(as_text=True)
    for slug in slugs:
        assert re.search(rf'value="{slug}"[^>]*checked|checked[^>]*value="{slug}"|name="enhet" value="{slug}">', area)
    unit_page = client.get(f"/enheter/{slugs[0]}").get_data(as_text=True)
    assert "Jämför dina 3 valda enheter" in unit_page
    assert "Ta bort från jämförelsen" in unit_page
