"""Shared by the security tests (route access, state-changing routes, hostile input): the roles and their
signed-in clients, real ids from the demo data, a count of everything the database holds, and a check that no
HTML page carries markup a visitor could have injected (a script, an event-handler attribute)."""

from __future__ import annotations

import contextlib
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text

from jamforaren.extensions import db
from jamforaren.models import (
    Action, ActionStatus, Area, AuditEvent, Authorisation, AuthorisationStatus, Base, FollowUp, FollowUpStatus,
    ProfileRevision, Rulebook, RevisionStatus, Unit, User,
)
from jamforaren.services.catalogue_admin import rulebook_in_force
from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.conftest import ADMIN, EDITOR, OFFICER_CARE, OFFICER_EDUCATION, CheckedClient, csrf_token, dispose, make_app

EDITOR_CARE = "anordnare.omsorg@demo.invalid"   # the other demo provider's editor
OFFICER_WORK = "handlaggare.arbete@demo.invalid"  # an officer no table uses: free for tests that change a password

# Who asks. The objects in the URLs belong to the education side: a preschool area (``forskola``) and a unit of
# the provider that EDITOR edits. So "editor_other" is another provider's editor and "officer_other" an officer
# of other areas (social care).
ROLES = ("anonymous", "editor_own", "editor_other", "officer_area", "officer_other", "admin")
ACCOUNTS = {"editor_own": EDITOR, "editor_other": EDITOR_CARE, "officer_area": OFFICER_EDUCATION,
            "officer_other": OFFICER_CARE, "admin": ADMIN,
            "officer_work": OFFICER_WORK}  # (not a role of the table: for the tests that change a password)

# The tests sign in hundreds of times from one address: the sign-in limits must not lock them out.
GENEROUS_SIGN_IN = {"SIGN_IN_MAX_FAILURES": 100_000, "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 100_000}

AREA = "forskola"           # the officer_area's area
APPLY_AREA = "grundskola"   # another area of the same officer, where the unit has not applied
FUTURE = date.today() + timedelta(days=400)


# --- apps and clients ----------------------------------------------------------------------------------------

class HostileClient(CheckedClient):
    """A test client that checks every HTML page (as CheckedClient does) and also that no page carries markup
    a visitor could have put there."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not response.is_streamed:
            found = injected_markup(response.get_data(as_text=True))
            assert not found, f"unescaped markup on {args[0] if args else kwargs.get('path')}: {found}"
        return response


@contextlib.contextmanager
def private_app(backend, demo_template: str, folder: Path, **config) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A private copy of the demo portal whose clients check every page for injected markup."""
    app = make_app(backend.clone(demo_template, f"sec_{uuid.uuid4().hex[:10]}"), folder / uuid.uuid4().hex[:8],
                   **{**GENEROUS_SIGN_IN, **config})
    app.test_client_class = HostileClient
    try:
        yield app
    finally:
        dispose(app)


def route_keys() -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) of every route the app has, HEAD and OPTIONS aside (Flask answers those
    itself). Read from a throw-away app that never opens its database, so tests can be parametrised with it."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/unused.sqlite3", Path(folder))
        keys = sorted({(method, rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
                       for method in rule.methods - {"HEAD", "OPTIONS"}})
        dispose(app)
    return keys


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def sign_in_as(client: FlaskClient, email: str) -> FlaskClient:
    response = client.post("/logga-in", data={"csrf_token": csrf_token(client, "/logga-in"), "epost": email,
                                              "losenord": DEMO_PASSWORD})
    assert response.status_code == 303, f"could not sign in as {email}: {response.status_code}"
    return client


class Clients:
    """One signed-in client per role, made when first asked for."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._clients: dict[str, FlaskClient] = {}

    def __call__(self, role: str) -> FlaskClient:
        if role not in self._clients:
            self._clients[role] = self.fresh(role)
        return self._clients[role]

    def fresh(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        return client if role == "anonymous" else sign_in_as(client, ACCOUNTS[role])

    def forget(self, role: str) -> None:
        """After the role's sessions were ended (signed out everywhere): sign in anew when next asked."""
        self._clients.pop(role, None)


def token(client: FlaskClient) -> str:
    """A valid CSRF token of the client's session."""
    return csrf_token(client, "/logga-in")


def location_path(response) -> str:  # type: ignore[no-untyped-def]
    return urlsplit(response.headers.get("Location", "")).path


# --- what the database holds -----------------------------------------------------------------------------------

def state(app: Flask) -> dict[str, int | None]:
    """The number of rows in every table, and the newest audit event: a write of any kind changes one of them
    (every change is audited, and the few unaudited tables are counted)."""
    with app.app_context():
        tables = [t.name for t in Base.metadata.sorted_tables]
        counts = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)
        result: dict[str, int | None] = {name: count for name, count in db.session.execute(text(counts))}
        result["newest audit event"] = db.session.scalar(select(func.max(AuditEvent.id)))
        db.session.remove()
        return result


def changed(before: dict, after: dict) -> dict[str, tuple]:
    return {key: (before.get(key), after.get(key)) for key in before.keys() | after.keys()
            if before.get(key) != after.get(key)}


def missing_tables(app: Flask) -> set[str]:
    with app.app_context():
        return {t.name for t in Base.metadata.sorted_tables} - set(inspect(db.engine).get_table_names())


# --- injected markup ------------------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data", "xlink:href"}
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "meta"}


class _MarkupFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # The layout's own <meta> tags (charset, viewport, description) are the only legitimate active tags.
        if tag in ACTIVE_TAGS and not (tag == "meta" and "http-equiv" not in dict(attrs)):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith(
                    ("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")


def injected_markup(body: str) -> list[str]:
    """Scripts, event handlers and script URLs in a page: the portal has none of its own (its policy is
    script-src 'none'), so any of these came from input that was not escaped."""
    finder = _MarkupFinder()
    finder.feed(body)
    finder.close()
    return finder.found


# --- real ids from the demo data -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Demo:
    area_slug: str
    area_id: int
    apply_area_id: int          # an area of the same officer where the unit has not applied
    provider_id: int            # EDITOR's provider
    unit_id: int                # its unit in the area, with an open action and a pending profile change
    unit_slug: str
    other_unit_slug: str        # another listed unit of the area (to compare with)
    revision_id: int            # the unit's pending profile change
    spare_revision_id: int      # a pending change of another of the provider's units
    spare_unit_id: int          # that unit
    action_id: int              # an open action of the unit's published follow-up
    follow_up_id: int           # that follow-up (published)
    draft_follow_up_id: int     # a draft follow-up in the area
    draft_action_id: int        # an action of the draft
    locked_version: int         # the version of the conditions in force (read-only)
    locked_chapter: int
    locked_norm_id: int
    other_area_slug: str        # an area of officer_other


def find_demo(app: Flask) -> Demo:
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == AREA))
        editor = db.session.scalar(select(User).where(User.email == EDITOR))
        provider_id = next(m.provider_id for m in editor.memberships if m.provider_id)
        action = db.session.scalar(
            select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
            .where(Unit.provider_id == provider_id, FollowUp.area_id == area.id,
                   FollowUp.status == FollowUpStatus.PUBLISHED, FollowUp.superseded_at.is_(None),
                   Action.status == ActionStatus.OPEN).order_by(Action.id))
        unit = action.follow_up.unit
        pending = list(db.session.scalars(
            select(ProfileRevision).join(Unit).where(Unit.provider_id == provider_id,
                                                     ProfileRevision.status == RevisionStatus.PENDING)
            .order_by(ProfileRevision.id)))
        revision = next(r for r in pending if r.unit_id == unit.id)
        spare = next(r for r in reversed(pending) if r.unit_id != unit.id)
        other = db.session.scalar(
            select(Unit).join(Authorisation).where(Authorisation.area_id == area.id, Unit.id != unit.id,
                                                   Authorisation.status == AuthorisationStatus.AUTHORISED)
            .order_by(Unit.id))
        draft = db.session.scalar(select(FollowUp).where(FollowUp.area_id == area.id, FollowUp.actions.any(),
                                                         FollowUp.status == FollowUpStatus.DRAFT).order_by(FollowUp.id))
        locked = rulebook_in_force(area)
        apply_area = db.session.scalar(select(Area).where(Area.slug == APPLY_AREA))
        assert apply_area.id not in {a.area_id for a in unit.authorisations}
        other_area = db.session.scalar(select(Area).where(Area.slug == "hemtjanst"))
        return Demo(
            area_slug=area.slug, area_id=area.id, apply_area_id=apply_area.id, provider_id=provider_id,
            unit_id=unit.id, unit_slug=unit.slug, other_unit_slug=other.slug, revision_id=revision.id,
            spare_revision_id=spare.id, spare_unit_id=spare.unit_id, action_id=action.id,
            follow_up_id=action.follow_up_id,
            draft_follow_up_id=draft.id, draft_action_id=draft.actions[0].id, locked_version=locked.version,
            locked_chapter=locked.chapters[0].number, locked_norm_id=locked.norms[0].id,
            other_area_slug=other_area.slug,
        )


@dataclass(frozen=True)
class FutureVersion:
    """A version of the area's conditions that applies from a future date, so it can still be changed."""
    version: int
    chapter: int
    norm_id: int


def add_future_version(app: Flask, admin: FlaskClient, slug: str = AREA) -> FutureVersion:
    response = admin.post(f"/admin/kundval/{slug}/villkor/ny", data={
        "csrf_token": token(admin), "giltig_fran": FUTURE.isoformat(), "diarienummer": "UBN 2026/0999",
        "rubrik_sv": "Auktorisationsvillkor för förskola, ny version", "rubrik_en": ""})
    assert response.status_code == 303, response.status_code
    version = int(location_path(response).rsplit("/", 1)[1])
    with app.app_context():
        rulebook = db.session.scalar(select(Rulebook).join(Area).where(Area.slug == slug, Rulebook.version == version))
        return FutureVersion(version, rulebook.chapters[0].number, rulebook.norms[0].id)
