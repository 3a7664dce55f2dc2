"""Signing in and out, roles enforced on the server, CSRF on every form, the dashboard's figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Action, ActionStatus, Area, AuditEvent, Authorisation, AuthorisationStatus, Comment, CommentStatus, FollowUp,
    FollowUpStatus, ProfileRevision, RevisionStatus, User,
)
from tests.conftest import ADMIN, EDITOR, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, sign_in


def test_the_back_office_asks_for_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_a_wrong_password_is_refused_with_a_translated_message(client):
    response = client.post("/logga-in", data={"csrf_token": csrf_token(client, "/logga-in"),
                                              "epost": OFFICER_CARE, "losenord": "fel-lösenord"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<title>Fel: Logga in" in html
    assert "E-postadressen eller lösenordet är fel." in html
    assert client.get("/admin/").status_code == 302


def test_sign_in_and_sign_out(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/")
    response = client.post("/logga-ut", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 302  # the session has ended
    with fresh_app.app_context():
        user = db.session.scalar(select(User).where(User.email == OFFICER_CARE))
        assert user.last_login_at is not None


def test_a_post_without_csrf_token_is_refused(fresh_app):
    client = fresh_app.test_client()
    assert client.post("/logga-in", data={"epost": OFFICER_CARE, "losenord": "demo-jamforaren"}).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_an_editor_cannot_reach_the_back_office(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, EDITOR)
    assert client.get("/admin/").status_code == 403


def test_passwords_are_hashed_with_scrypt(demo_app):
    with demo_app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    assert hashes and all(h.startswith("scrypt:") for h in hashes)


def test_the_dashboard_counts_equal_the_database(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    html = client.get("/admin/").get_data(as_text=True)
    today = date.today()
    with fresh_app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == "forskola"))
        authorised = set(db.session.scalars(select(Authorisation.unit_id).where(
            Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED)))
        current = dict(db.session.execute(select(FollowUp.unit_id, FollowUp.status).where(
            FollowUp.area_id == area.id, FollowUp.year == today.year, FollowUp.superseded_at.is_(None))).all())
        published = sum(1 for u in authorised if current.get(u) is FollowUpStatus.PUBLISHED)
        drafts = sum(1 for u in authorised if current.get(u) is FollowUpStatus.DRAFT)
        overdue = db.session.scalar(select(func.count()).select_from(Action).join(FollowUp).where(
            FollowUp.area_id == area.id, FollowUp.status == FollowUpStatus.PUBLISHED,
            Action.status.in_((ActionStatus.OPEN, ActionStatus.RETURNED)), Action.due_on < today))
        pending = db.session.scalar(select(func.count()).select_from(ProfileRevision).where(
            ProfileRevision.status == RevisionStatus.PENDING,
            ProfileRevision.unit_id.in_(select(Authorisation.unit_id).where(Authorisation.area_id == area.id))))
        comments = db.session.scalar(select(func.count()).select_from(Comment).where(
            Comment.area_id == area.id, Comment.status == CommentStatus.NEW))
    section = html.split('id="overview-forskola"')[1].split("</section>")[0]
    expected = {"Auktoriserade enheter": len(authorised), "Publicerade uppföljningar": published,
                "Utkast": drafts, "Saknade uppföljningar": len(authorised) - published - drafts,
                "Åtgärder efter sista dag": overdue, "Profiländringar att granska": pending,
                "Nya synpunkter": comments}
    for label, count in expected.items():
        assert f"<dt>{label}</dt><dd>{count}</dd>" in section, label
    assert 'id="overview-hemtjanst"' not in html  # not this officer's area


def test_signing_in_is_in_the_audit_log_with_the_actor(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    with fresh_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "user")
                                  .order_by(AuditEvent.id.desc()))
    assert event.actor == OFFICER_CARE and "last_login_at" in event.changes


def test_users_commands_create_and_grant(run_cli, backend, demo_template):
    url = backend.clone(demo_template, "users_cli")
    created = run_cli("users", "create", "ny.handlaggare@example.se", "--name", "Ny Handläggare",
                      "--password", "ett-långt-lösenord", database_url=url)
    assert created.returncode == 0, created.stderr
    granted = run_cli("users", "grant", "ny.handlaggare@example.se", "--officer", "forskola", database_url=url)
    assert granted.returncode == 0 and "officer of forskola" in granted.stdout
    bad = run_cli("users", "grant", "ny.handlaggare@example.se", "--officer", "finns-inte", database_url=url)
    assert bad.returncode == 1 and "There is no customer choice 'finns-inte'" in bad.stderr
    short = run_cli("users", "create", "x@example.se", "--name", "X", "--password", "kort", database_url=url)
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    assert "Traceback" not in bad.stderr + short.stderr


def test_admin_sees_every_area(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, ADMIN)
    html = client.get("/admin/").get_data(as_text=True)
    assert html.count('class="overview"') == 25
