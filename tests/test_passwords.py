"""Passwords: the rules (length, not the e-mail address, not a common one) on the password page and on the
command line; changing the password signs out every other session and keeps this one; "sign out everywhere";
``users set-password`` reads the password from standard input, never from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import AuditEvent, User
from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.conftest import EDITOR, OFFICER_CARE, csrf_token, dispose, make_app, sign_in

PAGE = "/konto/losenord"
NEW_PASSWORD = "grön-kanel-fyrtorn-7"


def account(app, email: str = OFFICER_CARE) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user.password_hash, user.session_version


def audit_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def change(client, current: str, new: str, repeat: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "nuvarande": current, "nytt": new,
                                   "upprepa": new if repeat is None else repeat}, **kwargs)


RULES = [  # (current, new, repeat, Swedish message, English message)
    (DEMO_PASSWORD, "kort-ord-1", None, "Lösenordet måste ha minst 12 tecken.",
     "The password must have at least 12 characters."),
    (DEMO_PASSWORD, "långt" * 26, None, "Lösenordet får ha högst 128 tecken.",
     "The password may have at most 128 characters."),
    (DEMO_PASSWORD, OFFICER_CARE.upper(), None, "Lösenordet får inte vara din e-postadress eller delen före @.",
     "The password must not be your e-mail address or its part before the @."),
    (DEMO_PASSWORD, "Lösenord2024!", None, "Lösenordet är ett av de vanligaste och lätt att gissa. Välj ett annat.",
     "The password is one of the most common ones and easy to guess. Choose another."),
    (DEMO_PASSWORD, "sommarsommar", None, "Lösenordet är ett av de vanligaste och lätt att gissa.",
     "The password is one of the most common ones and easy to guess."),
    (DEMO_PASSWORD, NEW_PASSWORD, "grön-kanel-fyrtorn-8", "De två nya lösenorden är inte likadana.",
     "The two new passwords are not the same."),
    (DEMO_PASSWORD, DEMO_PASSWORD + "-x", DEMO_PASSWORD + "-y", "De två nya lösenorden är inte likadana.",
     "The two new passwords are not the same."),
    ("", NEW_PASSWORD, None, "Skriv ditt nuvarande lösenord.", "Enter your current password."),
    (DEMO_PASSWORD, "", "", "Skriv ett nytt lösenord.", "Enter a new password."),
    ("fel-lösenord-123", NEW_PASSWORD, None, "Det nuvarande lösenordet är fel.", "The current password is wrong."),
]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_rule_has_its_message_and_changes_nothing(fresh_app, language):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    before, events = account(fresh_app), audit_count(fresh_app)
    for current, new, repeat, swedish, english in RULES:
        response = change(client, current, new, repeat, headers={"Accept-Language": language})
        assert response.status_code == 400, new
        html = response.get_data(as_text=True)
        assert (swedish if language == "sv" else english) in html, new
        assert 'class="error-summary"' in html
        for secret in {current, new, repeat} - {None, ""}:
            assert f'value="{secret}"' not in html  # passwords are never sent back
    assert account(fresh_app) == before and audit_count(fresh_app) == events
    assert client.get("/admin/").status_code == 200  # still signed in


def test_the_new_password_must_differ_from_the_current_one(fresh_app):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    assert change(client, DEMO_PASSWORD, NEW_PASSWORD).status_code == 303
    response = change(client, NEW_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 400
    assert "Det nya lösenordet måste skilja sig från det nuvarande." in response.get_data(as_text=True)


def test_changing_the_password_signs_out_other_sessions_and_keeps_this_one(fresh_app):
    here, elsewhere = fresh_app.test_client(), fresh_app.test_client()
    sign_in(here, OFFICER_CARE)
    sign_in(elsewhere, OFFICER_CARE)
    colleague = fresh_app.test_client()
    sign_in(colleague, "handlaggare.utbildning@demo.invalid")
    _, version = account(fresh_app)

    response = change(here, DEMO_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == PAGE
    assert "Ditt lösenord är ändrat. Du har loggats ut överallt annars." in here.get(PAGE).get_data(as_text=True)
    assert here.get("/admin/").status_code == 200  # this session stays
    assert elsewhere.get("/admin/").status_code == 302  # the other one has ended
    assert elsewhere.get("/admin/").headers["Location"].startswith("/logga-in")
    assert colleague.get("/admin/").status_code == 200  # other users are not touched
    assert account(fresh_app)[1] == version + 1

    assert elsewhere.post("/logga-in", data={"csrf_token": csrf_token(elsewhere, "/logga-in"), "epost": OFFICER_CARE,
                                             "losenord": DEMO_PASSWORD}).status_code == 400
    sign_in(elsewhere, OFFICER_CARE, NEW_PASSWORD)
    assert elsewhere.get("/admin/").status_code == 200
    with fresh_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_changed"))
        assert event.entity_type == "user" and event.actor == OFFICER_CARE
        assert NEW_PASSWORD not in str(db.session.scalars(select(AuditEvent.changes)).all())


def test_sign_out_everywhere_ends_every_session_of_the_user(fresh_app):
    here, elsewhere = fresh_app.test_client(), fresh_app.test_client()
    sign_in(here, EDITOR)
    sign_in(elsewhere, EDITOR)
    _, version = account(fresh_app, EDITOR)
    assert here.get("/konto/logga-ut-overallt").status_code == 405
    assert here.post("/konto/logga-ut-overallt").status_code == 400  # no CSRF token
    assert account(fresh_app, EDITOR)[1] == version and elsewhere.get("/anordnare-portal/").status_code == 200

    response = here.post("/konto/logga-ut-overallt", data={"csrf_token": csrf_token(here, PAGE)})
    assert response.status_code == 303 and response.headers["Location"] == "/logga-in"
    assert "Du har loggat ut överallt" in here.get("/logga-in").get_data(as_text=True)
    assert here.get("/anordnare-portal/").status_code == 302
    assert elsewhere.get("/anordnare-portal/").status_code == 302
    assert account(fresh_app, EDITOR)[1] == version + 1
    with fresh_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_out_everywhere"))
        assert event.actor == EDITOR and event.entity_type == "user"
    sign_in(elsewhere, EDITOR)  # the password is the same
    assert elsewhere.get("/anordnare-portal/").status_code == 200


def test_the_password_page_is_linked_from_both_portals_and_needs_a_sign_in(fresh_app):
    anonymous = fresh_app.test_client()
    assert anonymous.get(PAGE).headers["Location"].startswith("/logga-in?next=")
    assert anonymous.post("/konto/logga-ut-overallt").status_code in (302, 400)

    officer, editor = fresh_app.test_client(), fresh_app.test_client()
    sign_in(officer, OFFICER_CARE)
    sign_in(editor, EDITOR)
    assert f'href="{PAGE}"' in officer.get("/admin/").get_data(as_text=True)
    assert f'href="{PAGE}"' in editor.get("/anordnare-portal/").get_data(as_text=True)
    officer_page = officer.get(PAGE).get_data(as_text=True)
    editor_page = editor.get(PAGE).get_data(as_text=True)
    assert "<title>Ditt lösenord" in officer_page and 'autocomplete="new-password"' in officer_page
    assert "Dina enheter" in editor_page and "Dina enheter" not in officer_page  # each in its own portal's layout
    assert "Översikt" in officer_page and "Översikt" not in editor_page


# --- The command line ---------------------------------------------------------------------------------------

@pytest.fixture()
def cli_app(backend, demo_template, tmp_path):  # type: ignore[no-untyped-def]
    import uuid
    app = make_app(backend.clone(demo_template, f"pw_cli_{uuid.uuid4().hex[:8]}"), tmp_path / "instance")
    yield app
    dispose(app)


def database_url(app) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy import make_url
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=False)


def test_cli_set_password_reads_standard_input_and_signs_out_everywhere(cli_app, run_cli):
    browser = cli_app.test_client()
    sign_in(browser, OFFICER_CARE)
    _, version = account(cli_app)
    result = run_cli("users", "set-password", OFFICER_CARE.upper(), input=NEW_PASSWORD + "\n",
                     database_url=database_url(cli_app))
    assert result.returncode == 0, result.stderr
    assert f"New password set for {OFFICER_CARE}" in result.stdout and NEW_PASSWORD not in result.stdout
    assert browser.get("/admin/").status_code == 302  # signed out
    assert account(cli_app)[1] == version + 1
    sign_in(browser, OFFICER_CARE, NEW_PASSWORD)
    with cli_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_changed"))
        assert event.actor == "cli" and event.entity_id is not None


@pytest.mark.parametrize(("password", "message"), [
    ("kort-ord-1", "The password must have at least 12 characters."),
    ("x" * 129, "The password may have at most 128 characters."),
    (OFFICER_CARE, "The password must not be your e-mail address"),
    ("Välkommen123!", "The password is one of the most common ones"),
    ("", "The password must have at least 12 characters."),
])
def test_cli_set_password_refuses_a_weak_password_and_changes_nothing(cli_app, run_cli, password, message):
    browser = cli_app.test_client()
    sign_in(browser, OFFICER_CARE)
    before, events = account(cli_app), audit_count(cli_app)
    result = run_cli("users", "set-password", OFFICER_CARE, input=password + "\n", database_url=database_url(cli_app))
    assert result.returncode == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert account(cli_app) == before and audit_count(cli_app) == events
    assert browser.get("/admin/").status_code == 200  # still signed in


def test_cli_set_password_never_takes_the_password_as_an_argument(cli_app, run_cli):
    url = database_url(cli_app)
    before = account(cli_app)
    as_option = run_cli("users", "set-password", OFFICER_CARE, "--password", NEW_PASSWORD, input="", database_url=url)
    as_argument = run_cli("users", "set-password", OFFICER_CARE, NEW_PASSWORD, input="", database_url=url)
    assert as_option.returncode == 2 and "No such option" in as_option.stderr
    assert as_argument.returncode == 2 and "unexpected extra argument" in as_argument.stderr
    unknown = run_cli("users", "set-password", "finns.inte@demo.invalid", input=NEW_PASSWORD + "\n",
                      database_url=url)
    assert unknown.returncode == 1 and "There is no account for finns.inte@demo.invalid" in unknown.stderr
    assert account(cli_app) == before


def test_cli_users_create_applies_the_rules(cli_app, run_cli):
    url = database_url(cli_app)
    common = run_cli("users", "create", "ny@example.se", "--name", "Ny", "--password", "Password1234", database_url=url)
    assert common.returncode == 1 and "one of the most common ones" in common.stderr
    own_address = run_cli("users", "create", "ny.handlaggare@example.se", "--name", "Ny",
                          "--password", "NY.HANDLAGGARE", database_url=url)
    assert own_address.returncode == 1 and "must not be your e-mail address" in own_address.stderr
    with cli_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like("ny%"))) == 0
