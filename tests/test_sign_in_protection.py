"""Sign-in protection through the sign-in form: a wrong password and an unknown e-mail address get the same
answer; an e-mail address is locked out after repeated failures (a correct password too, existing account or
not) until the lock-out ends; one client address gets 429 after too many failures; the attempts stay out of
the audit log, a lock-out does not; old attempts are pruned."""

from __future__ import annotations

import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import AuditEvent, SignInAttempt, User
from jamforaren.services import sign_in
from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.conftest import ADMIN, OFFICER_CARE, OFFICER_EDUCATION, csrf_token, dispose, make_app

MAX_FAILURES, WINDOW, LOCKOUT, PER_ADDRESS = 3, 600, 300, 8
UNKNOWN = "finns.inte@demo.invalid"
LOCKED_SV = "För många misslyckade försök med den här e-postadressen."
WRONG_SV = "E-postadressen eller lösenordet är fel."


@pytest.fixture()
def app(backend, demo_template, tmp_path):  # type: ignore[no-untyped-def]
    """A private demo portal with small limits."""
    app = make_app(backend.clone(demo_template, f"signin_{uuid.uuid4().hex[:8]}"), tmp_path / "instance",
                   SIGN_IN_MAX_FAILURES=MAX_FAILURES, SIGN_IN_WINDOW_SECONDS=WINDOW,
                   SIGN_IN_LOCKOUT_SECONDS=LOCKOUT, SIGN_IN_MAX_FAILURES_PER_ADDRESS=PER_ADDRESS)
    yield app
    dispose(app)


class Clock:
    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch) -> Clock:  # type: ignore[no-untyped-def]
    clock = Clock()
    monkeypatch.setattr(sign_in, "now", clock)
    return clock


def post_login(client, email: str, password: str, **kwargs):  # type: ignore[no-untyped-def]
    return client.post("/logga-in", data={"csrf_token": csrf_token(client, "/logga-in"), "epost": email,
                                          "losenord": password}, **kwargs)


def answer(response, email: str) -> tuple:  # type: ignore[no-untyped-def]
    """What a client learns from an answer, with the e-mail it typed and its own CSRF token taken out."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    body = re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]+"', 'name="csrf_token"', body)
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("Content-Length", "Set-Cookie"))
    return response.status_code, headers, body


def audit_events(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [(e.id, e.action, e.entity_type, e.entity_id, e.changes) for e in
                db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def user_id(app, email: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(app, clock):
    wrong = post_login(app.test_client(), OFFICER_CARE, "fel-lösenord-123")
    unknown = post_login(app.test_client(), UNKNOWN, "fel-lösenord-123")
    assert wrong.status_code == unknown.status_code == 400
    assert WRONG_SV in wrong.get_data(as_text=True)
    assert answer(wrong, OFFICER_CARE) == answer(unknown, UNKNOWN)
    english = [post_login(app.test_client(), email, "wrong-password-12", headers={"Accept-Language": "en"})
               for email in (OFFICER_CARE, UNKNOWN)]
    assert "The e-mail address or the password is wrong." in english[0].get_data(as_text=True)
    assert answer(english[0], OFFICER_CARE) == answer(english[1], UNKNOWN)


def test_an_unknown_address_costs_a_password_check_like_a_wrong_password(fresh_app, monkeypatch):
    import jamforaren.models.people as people
    checks: list[str] = []
    for module in (people, sign_in):
        real = module.check_password_hash
        monkeypatch.setattr(module, "check_password_hash",
                            lambda hashed, password, real=real: checks.append(password) or real(hashed, password))
    timings: dict[str, list[float]] = {OFFICER_CARE: [], UNKNOWN: []}
    client = fresh_app.test_client()  # the default limits: 5 failures per e-mail address
    post_login(client, UNKNOWN, "uppvärmning-123")  # the first one also makes the dummy hash
    for round_ in range(3):
        for email in timings:
            checks.clear()
            token = csrf_token(client, "/logga-in")
            started = time.perf_counter()
            response = client.post("/logga-in", data={"csrf_token": token, "epost": email,
                                                      "losenord": f"fel-{round_}-lösenord"})
            timings[email].append(time.perf_counter() - started)
            assert response.status_code == 400
            assert checks == [f"fel-{round_}-lösenord"], email  # exactly one scrypt check either way
    assert statistics.median(timings[UNKNOWN]) > 0.5 * statistics.median(timings[OFFICER_CARE])


def test_repeated_failures_lock_the_address_even_for_the_right_password_until_the_lock_out_ends(app, clock):
    client = app.test_client()
    for _ in range(MAX_FAILURES - 1):
        assert post_login(client, OFFICER_CARE, "fel-lösenord-123").status_code == 400
    clock.advance(30)
    locking = post_login(client, OFFICER_CARE, "fel-lösenord-123")
    assert locking.status_code == 429 and locking.headers["Retry-After"] == str(LOCKOUT)
    assert LOCKED_SV + " Försök igen om 5 minuter." in locking.get_data(as_text=True)

    other_browser = app.test_client()
    clock.advance(LOCKOUT - 61)
    refused = post_login(other_browser, OFFICER_CARE, DEMO_PASSWORD)  # the right password
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "61"
    assert LOCKED_SV + " Försök igen om 2 minuter." in refused.get_data(as_text=True)
    assert other_browser.get("/admin/").status_code == 302
    english = post_login(other_browser, OFFICER_CARE, DEMO_PASSWORD, headers={"Accept-Language": "en"})
    assert "Too many failed attempts with this e-mail address. Try again in 2 minutes." in english.get_data(
        as_text=True)
    assert post_login(app.test_client(), OFFICER_EDUCATION, DEMO_PASSWORD).status_code == 303  # others may

    clock.advance(61)  # the lock-out is over; the attempts made during it did not prolong it
    assert post_login(other_browser, OFFICER_CARE, DEMO_PASSWORD).status_code == 303
    assert other_browser.get("/admin/").status_code == 200


def test_an_unknown_address_is_locked_out_exactly_like_an_account(app, clock):
    existing, unknown = app.test_client(), app.test_client()
    existing.environ_base["REMOTE_ADDR"], unknown.environ_base["REMOTE_ADDR"] = "192.0.2.1", "192.0.2.2"
    for attempt in range(MAX_FAILURES + 2):
        password = DEMO_PASSWORD if attempt > MAX_FAILURES else "fel-lösenord-123"
        a = post_login(existing, OFFICER_CARE, password)
        b = post_login(unknown, UNKNOWN, password)
        assert answer(a, OFFICER_CARE) == answer(b, UNKNOWN), attempt
        assert a.status_code == (400 if attempt < MAX_FAILURES - 1 else 429), attempt
        clock.advance(1)
    clock.advance(LOCKOUT)
    a, b = post_login(existing, OFFICER_CARE, "fel-lösenord-123"), post_login(unknown, UNKNOWN, "fel-lösenord-123")
    assert a.status_code == b.status_code == 400 and answer(a, OFFICER_CARE) == answer(b, UNKNOWN)


def test_failures_count_within_the_window_and_since_the_last_sign_in(app, clock):
    client = app.test_client()
    for _ in range(MAX_FAILURES - 1):
        assert post_login(client, OFFICER_CARE, "fel-lösenord-123").status_code == 400
    clock.advance(WINDOW)  # those have left the window
    for _ in range(MAX_FAILURES - 1):
        assert post_login(client, OFFICER_CARE, "fel-lösenord-123").status_code == 400
    assert post_login(client, OFFICER_CARE, DEMO_PASSWORD).status_code == 303  # a sign-in starts afresh
    stranger = app.test_client()
    for _ in range(MAX_FAILURES - 1):
        assert post_login(stranger, OFFICER_CARE, "fel-lösenord-123").status_code == 400
    assert post_login(stranger, OFFICER_CARE, "fel-lösenord-123").status_code == 429
    # the e-mail address is compared as typed in any case and with spaces around it
    assert post_login(stranger, "  Handlaggare.Omsorg@Demo.Invalid ", DEMO_PASSWORD).status_code == 429


def test_too_many_failures_from_one_address_get_429_with_retry_after(app, clock):
    client = app.test_client()
    for number in range(PER_ADDRESS):  # a different address each time: no lock-out, only the client counts
        assert post_login(client, f"gissning{number}@demo.invalid", "fel-lösenord-123").status_code == 400
        clock.advance(10)
    refused = post_login(client, ADMIN, DEMO_PASSWORD)  # even the right password of another account
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(WINDOW - 10 * PER_ADDRESS)
    assert "För många misslyckade inloggningsförsök från ditt nätverk. Försök igen om 9 minuter." in \
        refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    elsewhere = app.test_client()
    assert post_login(elsewhere, ADMIN, DEMO_PASSWORD,
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 303  # another client may
    clock.advance(WINDOW - 10 * PER_ADDRESS)  # the oldest failure leaves the window
    assert post_login(client, ADMIN, DEMO_PASSWORD).status_code == 303


def test_behind_a_trusted_proxy_the_address_it_reports_counts(backend, demo_template, tmp_path, clock):
    app = make_app(backend.clone(demo_template, f"signin_proxy_{uuid.uuid4().hex[:8]}"), tmp_path / "instance",
                   SIGN_IN_MAX_FAILURES_PER_ADDRESS=2, TRUSTED_PROXIES=1)
    try:
        client = app.test_client()
        for number in range(2):
            forged = f"10.0.0.{number}, 198.51.100.1"  # what the client claims first is not believed
            assert post_login(client, f"gissning{number}@demo.invalid", "fel-lösenord-123",
                              headers={"X-Forwarded-For": forged}).status_code == 400
        assert post_login(client, ADMIN, DEMO_PASSWORD,
                          headers={"X-Forwarded-For": "10.0.0.9, 198.51.100.1"}).status_code == 429
        assert post_login(client, ADMIN, DEMO_PASSWORD,
                          headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 303
    finally:
        dispose(app)


def test_attempts_stay_out_of_the_audit_log_but_a_lock_out_is_in_it(app, clock):
    before = audit_events(app)
    client = app.test_client()
    for _ in range(MAX_FAILURES - 1):
        post_login(client, OFFICER_CARE, "fel-lösenord-123")
        post_login(client, UNKNOWN, "fel-lösenord-123")
    assert audit_events(app) == before  # failures change nothing the audit log (or the page cache) sees
    post_login(client, OFFICER_CARE, "fel-lösenord-123")
    post_login(client, UNKNOWN, "fel-lösenord-123")
    post_login(client, OFFICER_CARE, DEMO_PASSWORD)  # refused during the lock-out: no new event
    new = audit_events(app)[len(before):]
    assert [(action, entity, entity_id) for _, action, entity, entity_id, _ in new] == [
        ("locked", "user", user_id(app, OFFICER_CARE)), ("locked", "user", None)]
    assert new[0][4]["email"] == OFFICER_CARE and new[0][4]["failed_attempts"] == MAX_FAILURES
    assert "email" not in new[1][4] and UNKNOWN not in str(new[1][4])  # an unknown address is not kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.entity_type == "sign_in_attempt")) == 0
        stored = db.session.scalars(select(SignInAttempt.email_hash)).all()
    assert stored and not any(OFFICER_CARE in value or UNKNOWN in value for value in stored)

    admin = app.test_client()
    assert post_login(admin, ADMIN, DEMO_PASSWORD).status_code == 303
    history = admin.get(f"/admin/handelser/user/{user_id(app, OFFICER_CARE)}").get_data(as_text=True)
    assert "Inloggning spärrad" in history


def test_old_attempts_are_pruned(app, clock):
    client = app.test_client()
    for _ in range(MAX_FAILURES + 1):
        post_login(client, OFFICER_CARE, "fel-lösenord-123")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == MAX_FAILURES + 1
    clock.advance(WINDOW + LOCKOUT + 1)
    assert post_login(client, OFFICER_CARE, DEMO_PASSWORD).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 1  # only the newest
