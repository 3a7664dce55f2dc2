"""The unit page: results with source and year, suppression of small groups, follow-ups, comments."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    MIN_RESPONDENTS, Area, Authorisation, AuthorisationStatus, Comment, FollowUp, FollowUpStatus, KeyFigure,
    KeyFigureValue, PageFeedback, Survey, SurveyQuestion, SurveyResult, Unit,
)


def unit_with_suppressed_result(demo_app) -> tuple[str, str, int]:  # type: ignore[no-untyped-def]
    """A listed unit whose latest result on some question has fewer than five respondents."""
    with demo_app.app_context():
        latest = (select(Survey.area_id, func.max(Survey.year).label("year")).group_by(Survey.area_id).subquery())
        row = db.session.execute(
            select(Unit.slug, SurveyQuestion.text_sv, SurveyResult.respondents)
            .join(SurveyResult, SurveyResult.unit_id == Unit.id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyResult.question_id)
            .join(Survey, Survey.id == SurveyQuestion.survey_id)
            .join(latest, (latest.c.area_id == Survey.area_id) & (latest.c.year == Survey.year))
            .join(Authorisation, (Authorisation.unit_id == Unit.id) & (Authorisation.area_id == Survey.area_id))
            .where(SurveyResult.respondents < MIN_RESPONDENTS,
                   Authorisation.status == AuthorisationStatus.AUTHORISED)
            .order_by(Unit.id).limit(1)).one()
        return row.slug, row.text_sv, row.respondents


def test_results_from_fewer_than_five_respondents_are_never_shown(client, demo_app):
    slug, question, respondents = unit_with_suppressed_result(demo_app)
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    row = re.search(rf"<th scope=\"row\">{re.escape(question)}</th>(.*?)</tr>", html, re.S).group(1)
    assert "För få svar" in row
    cells = re.findall(r"<td class=\"num\">(.*?)</td>", row, re.S)
    assert f">{respondents}<" not in row and cells[1].strip().endswith("–</span>")
    assert "%" not in cells[0]


def test_every_figure_shows_source_and_year(client, demo_app):
    with demo_app.app_context():
        unit = db.session.scalar(select(Unit).join(Authorisation).join(Area).where(
            Area.slug == "grundskola", Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))
        area_id = unit.authorisations[0].area_id
        figures = list(db.session.scalars(select(KeyFigure).where(KeyFigure.area_id == area_id)))
        surveys = {s.year for s in db.session.scalars(select(Survey).where(Survey.area_id == area_id))}
        slug = unit.slug
        expected = [(f.name_sv, f.source_name_sv) for f in figures]
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    for name, source in expected:
        row = re.search(rf"{re.escape(name)}.*?</tr>", html, re.S).group(0)
        assert source in row
        assert re.search(r"\((20\d\d)\)", row) or "Saknas" in row
    assert f"{max(surveys)}" in html and "Källa:" in html and "Kommunsnitt" in html


def test_trends_are_svg_with_the_same_numbers_as_text(client, demo_app):
    slug, _, _ = unit_with_suppressed_result(demo_app)
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    assert '<svg class="trend"' in html and 'aria-hidden="true"' in html
    trend = re.search(r'<span class="visually-hidden">Utveckling:(.*?)</span>', html, re.S).group(1)
    assert re.search(r"20\d\d: \d+\u00a0%", trend)
    assert "<script" not in html and "iframe" not in html
    # the same numbers as a table: one per question set, years across
    table = re.search(r'<details class="trend-details">.*?</details>', html, re.S).group(0)
    assert "andel positiva svar per år</caption>" in table
    years = re.findall(r'<th scope="col" class="num">(20\d\d)</th>', table)
    assert len(years) == 5 and years == sorted(years)
    first_row = re.search(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S)
    cells = re.findall(r'<td class="num">(.*?)</td>', first_row.group(2), re.S)
    spoken = re.findall(r"20\d\d: ([^;]*)", trend)
    assert len(cells) == 5 and [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == [s.strip() for s in spoken[:5]]


def test_the_latest_published_follow_up_is_summarised(client, demo_app):
    with demo_app.app_context():
        follow_up = db.session.scalar(
            select(FollowUp).where(FollowUp.status == FollowUpStatus.PUBLISHED)
            .order_by(FollowUp.year.desc(), FollowUp.id))
        newer_draft = db.session.scalar(select(FollowUp).where(
            FollowUp.unit_id == follow_up.unit_id, FollowUp.area_id == follow_up.area_id,
            FollowUp.year > follow_up.year))
        slug, summary, year = follow_up.unit.slug, follow_up.summary_sv, follow_up.year
        counts = follow_up.rating_counts()
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    assert summary in html
    assert f"<dd>{year}</dd>" in html
    from jamforaren.models import Rating
    assert f"{counts[Rating.MET]} uppfyllda, {counts[Rating.PARTLY_MET]} delvis uppfyllda" in html
    if newer_draft is not None:
        assert newer_draft.summary_sv not in html


def test_a_unit_without_data_says_so(fresh_app):
    with fresh_app.app_context():
        unit = db.session.scalar(select(Unit).join(Authorisation).where(
            Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))
        db.session.execute(SurveyResult.__table__.delete().where(SurveyResult.unit_id == unit.id))
        db.session.execute(KeyFigureValue.__table__.delete().where(KeyFigureValue.unit_id == unit.id))
        db.session.execute(FollowUp.__table__.delete().where(FollowUp.unit_id == unit.id))
        db.session.commit()
        slug = unit.slug
    html = fresh_app.test_client().get(f"/enheter/{slug}").get_data(as_text=True)
    assert "Ingen uppföljning av enheten har publicerats ännu." in html
    assert "Saknas" in html
    assert not re.search(r'<td class="num">0\u00a0%', html)


def comment_form(client, slug: str) -> dict[str, str]:
    html = client.get(f"/enheter/{slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": token, "synpunkt": "Personalen är mycket vänlig och tar sig tid med barnen.",
            "namn": "Testperson", "epost": "test@exempel.se", "webbplats": ""}


def a_unit_slug(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(Unit.slug).join(Authorisation).where(
            Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))


def count_comments(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_a_comment_is_stored_for_the_areas_officers(fresh_app):
    client = fresh_app.test_client()
    slug = a_unit_slug(fresh_app)
    before = count_comments(fresh_app)
    response = client.post(f"/enheter/{slug}/synpunkt", data=comment_form(client, slug))
    assert response.status_code == 303
    assert "Tack! Din synpunkt har skickats till kommunen." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count_comments(fresh_app) == before + 1
    with fresh_app.app_context():
        comment = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
        assert comment.unit.slug == slug and comment.area is not None
        assert comment.sender_email == "test@exempel.se" and comment.client_hash and "127.0.0.1" not in comment.client_hash


def test_a_bad_comment_re_renders_with_translated_messages_and_keeps_the_text(fresh_app):
    client = fresh_app.test_client()
    slug = a_unit_slug(fresh_app)
    before = count_comments(fresh_app)
    data = comment_form(client, slug) | {"synpunkt": "Kort", "epost": "inte-en-adress"}
    response = client.post(f"/enheter/{slug}/synpunkt", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Det finns ett problem" in html
    assert "Skriv mellan 10 och 2000 tecken." in html
    assert "Ange en e-postadress som namn@exempel.se." in html
    assert "Kort</textarea>" in html and 'value="inte-en-adress"' in html
    too_long = comment_form(client, slug) | {"synpunkt": "x" * 2001}
    assert client.post(f"/enheter/{slug}/synpunkt", data=too_long).status_code == 400
    assert count_comments(fresh_app) == before


def test_a_comment_without_csrf_token_is_refused(fresh_app):
    client = fresh_app.test_client()
    slug = a_unit_slug(fresh_app)
    before = count_comments(fresh_app)
    data = comment_form(client, slug)
    del data["csrf_token"]
    assert client.post(f"/enheter/{slug}/synpunkt", data=data).status_code == 400
    assert count_comments(fresh_app) == before


def test_the_spam_trap_thanks_robots_but_stores_nothing(fresh_app):
    client = fresh_app.test_client()
    slug = a_unit_slug(fresh_app)
    before = count_comments(fresh_app)
    response = client.post(f"/enheter/{slug}/synpunkt", data=comment_form(client, slug) | {"webbplats": "http://spam"})
    assert response.status_code == 303
    assert count_comments(fresh_app) == before


def test_comments_are_rate_limited_per_client(fresh_app):
    client = fresh_app.test_client()
    slug = a_unit_slug(fresh_app)
    statuses = [client.post(f"/enheter/{slug}/synpunkt", data=comment_form(client, slug)).status_code
                for _ in range(6)]
    assert statuses == [303] * 5 + [429]
    other = fresh_app.test_client()
    response = other.post(f"/enheter/{slug}/synpunkt", data=comment_form(other, slug),
                          environ_overrides={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 303


def test_page_feedback_is_recorded_from_any_page(fresh_app):
    client = fresh_app.test_client()
    html = client.get("/kundval/forskola").get_data(as_text=True)
    assert "Hjälpte sidan dig?" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/sidfeedback", data={"csrf_token": token, "sida": "/kundval/forskola", "svar": "nej"})
    assert response.status_code == 303 and response.headers["Location"] == "/kundval/forskola"
    assert "Tack för ditt svar." in client.get("/kundval/forskola").get_data(as_text=True)
    off_site = client.post("/sidfeedback", data={"csrf_token": token, "sida": "https://evil.example", "svar": "ja"})
    assert off_site.headers["Location"] == "/"
    with fresh_app.app_context():
        answers = [(f.path, f.helpful) for f in db.session.scalars(select(PageFeedback).order_by(PageFeedback.id))]
    assert answers == [("/kundval/forskola", False), ("/", True)]
