"""Who may use which route: a table with a rule for every route of ``app.url_map`` (method and address), and
for each role the answer it must get, checked through HTTP. A route without a rule fails the build.

The roles (tests/security_support.py): a resident who is not signed in; the editor of the provider whose
objects are in the URL, and another provider's editor; an officer of the area the objects are in, and an officer
of other areas; an administrator. The URLs use real ids of the demo data (``find_demo``).

A POST is sent with a valid CSRF token and data that the view refuses or that changes nothing (an empty form,
a published follow-up, a version in force), so that every cell gets the same answer in any order; what the
roles that may use a form can do with it is tested in the feature tests and in test_state_changing_routes.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.security_support import (
    ROLES, Clients, Demo, FutureVersion, add_future_version, changed, find_demo, location_path, private_app,
    route_keys, state, token,
)

LOGIN = "login"  # 302 to the sign-in page


@dataclass(frozen=True)
class Redirect:
    status: int
    to: str  # the path of the Location

    def __str__(self) -> str:
        return f"{self.status} → {self.to}"  # (the path's {names} are the demo's ids)


Expected = int | Redirect | str


@dataclass(frozen=True)
class Rule:
    endpoint: str
    path: Callable[[Demo, FutureVersion], str]
    expect: dict[str, Expected]
    data: Callable[[Demo], dict[str, Any]] = field(default=lambda d: {})
    ends_sessions: bool = False  # the request signs its user out (a fresh signed-in client is used)
    writes: bool = False  # a role that may use it changes something (else every cell must leave the database as it was)


# --- who gets what ---------------------------------------------------------------------------------------------

def everyone(answer: Expected) -> dict[str, Expected]:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer: Expected) -> dict[str, Expected]:
    return {**everyone(answer), "anonymous": LOGIN}


def officers(answer: Expected, other_area: Expected = 403) -> dict[str, Expected]:
    """The back office: officers and administrators; ``other_area`` for an officer of other areas."""
    return {"anonymous": LOGIN, "editor_own": 403, "editor_other": 403, "officer_area": answer,
            "officer_other": other_area, "admin": answer}


def administrators(answer: Expected) -> dict[str, Expected]:
    return {**officers(403, 403), "admin": answer}


def editors(answer: Expected, other_provider: Expected = 404) -> dict[str, Expected]:
    """The providers' portal: only editors; another provider's objects are as if they did not exist."""
    return {"anonymous": LOGIN, "editor_own": answer, "editor_other": other_provider, "officer_area": 403,
            "officer_other": 403, "admin": 403}


# --- the table -------------------------------------------------------------------------------------------------
# Keyed by "METHOD rule" exactly as app.url_map has it. Paths get the demo's ids (d) and a future version of the
# area's conditions (f); a version in force (d.locked_version) is read-only, so its forms change nothing.

VERSION = "/admin/kundval/{slug}/villkor/{version}"
API_METHODS_REFUSED = ("POST", "PUT", "PATCH", "DELETE", "TRACE")


def _api_refusals() -> dict[str, Rule]:
    rules = {}
    for method in API_METHODS_REFUSED:
        rules[f"{method} /api/"] = Rule("api_fallback.unknown", lambda d, f: "/api/", everyone(404))
        rules[f"{method} /api/<path:rest>"] = Rule("api_fallback.unknown", lambda d, f: "/api/v1/areas", everyone(405))
    return rules


TABLE: dict[str, Rule] = {
    # the public site: everyone
    "GET /": Rule("public.start", lambda d, f: "/", everyone(200)),
    "GET /enheter/<slug>": Rule("public.unit", lambda d, f: f"/enheter/{d.unit_slug}", everyone(200)),
    "POST /enheter/<slug>/synpunkt": Rule("public.comment", lambda d, f: f"/enheter/{d.unit_slug}/synpunkt",
                                          everyone(400)),  # an empty comment
    "GET /kundval/<slug>": Rule("public.area", lambda d, f: f"/kundval/{d.area_slug}", everyone(200)),
    "GET /kundval/<slug>/jamfor": Rule(
        "public.compare", lambda d, f: f"/kundval/{d.area_slug}/jamfor?enhet={d.unit_slug}&enhet={d.other_unit_slug}",
        everyone(200)),
    "GET /kundval/<slug>/jamfor.csv": Rule(
        "public.compare_csv",
        lambda d, f: f"/kundval/{d.area_slug}/jamfor.csv?enhet={d.unit_slug}&enhet={d.other_unit_slug}", everyone(200)),
    "POST /kundval/<slug>/jamforelse": Rule(
        "public.change_basket", lambda d, f: f"/kundval/{d.area_slug}/jamforelse",
        everyone(Redirect(303, "/kundval/{area_slug}")), data=lambda d: {"enhet": d.unit_slug}),
    "GET /kundval/<slug>/villkor": Rule("public.rules", lambda d, f: f"/kundval/{d.area_slug}/villkor", everyone(200)),
    "GET /om-jamforelserna": Rule("public.about", lambda d, f: "/om-jamforelserna", everyone(200)),
    "GET /tillganglighet": Rule("public.accessibility", lambda d, f: "/tillganglighet", everyone(200)),
    "GET /sok": Rule("public.search_page", lambda d, f: "/sok?q=skola", everyone(200)),
    "GET /sprak/<language>": Rule("public.set_language", lambda d, f: "/sprak/en", everyone(Redirect(303, "/"))),
    "POST /sidfeedback": Rule("public.page_feedback", lambda d, f: "/sidfeedback",
                              everyone(Redirect(303, "/"))),  # no answer chosen: nothing stored
    "GET /static/<path:filename>": Rule("static", lambda d, f: "/static/site.css", everyone(200)),
    "GET /oppna-data": Rule("api_docs.page", lambda d, f: "/oppna-data", everyone(200)),

    # signing in and out, the user's own password
    "GET /logga-in": Rule("auth.login", lambda d, f: "/logga-in", everyone(200)),
    "POST /logga-in": Rule("auth.login", lambda d, f: "/logga-in", everyone(400)),  # an empty form
    "POST /logga-ut": Rule("auth.logout", lambda d, f: "/logga-ut", signed_in(Redirect(303, "/")), ends_sessions=True),
    "GET /konto/losenord": Rule("auth.change_password", lambda d, f: "/konto/losenord", signed_in(200)),
    "POST /konto/losenord": Rule("auth.change_password", lambda d, f: "/konto/losenord", signed_in(400),
                                 data=lambda d: {"nuvarande": DEMO_PASSWORD, "nytt": "ett nytt lösenord 1",
                                                 "upprepa": "ett annat lösenord 2"}),
    "POST /konto/logga-ut-overallt": Rule("auth.sign_out_everywhere", lambda d, f: "/konto/logga-ut-overallt",
                                          signed_in(Redirect(303, "/logga-in")), ends_sessions=True, writes=True),

    # the open-data API: everyone reads, nobody writes
    "GET /api/v1/": Rule("api.index", lambda d, f: "/api/v1/", everyone(200)),
    "GET /api/v1/openapi.json": Rule("api.openapi", lambda d, f: "/api/v1/openapi.json", everyone(200)),
    "GET /api/v1/processes": Rule("api.processes", lambda d, f: "/api/v1/processes", everyone(200)),
    "GET /api/v1/processes.csv": Rule("api.processes_csv", lambda d, f: "/api/v1/processes.csv", everyone(200)),
    "GET /api/v1/processes/<process>": Rule("api.process", lambda d, f: "/api/v1/processes/utbildning", everyone(200)),
    "GET /api/v1/areas": Rule("api.areas", lambda d, f: "/api/v1/areas", everyone(200)),
    "GET /api/v1/areas.csv": Rule("api.areas_csv", lambda d, f: "/api/v1/areas.csv", everyone(200)),
    "GET /api/v1/areas/<area>": Rule("api.area", lambda d, f: f"/api/v1/areas/{d.area_slug}", everyone(200)),
    "GET /api/v1/areas/<area>/rulebooks": Rule("api.rulebooks", lambda d, f: f"/api/v1/areas/{d.area_slug}/rulebooks",
                                               everyone(200)),
    "GET /api/v1/areas/<area>/rulebooks.csv": Rule(
        "api.rulebooks_csv", lambda d, f: f"/api/v1/areas/{d.area_slug}/rulebooks.csv", everyone(200)),
    "GET /api/v1/areas/<area>/rulebooks/<int:version>": Rule(
        "api.rulebook", lambda d, f: f"/api/v1/areas/{d.area_slug}/rulebooks/{d.locked_version}", everyone(200)),
    "GET /api/v1/areas/<area>/rulebooks/<int:version>/norms": Rule(
        "api.norms", lambda d, f: f"/api/v1/areas/{d.area_slug}/rulebooks/{d.locked_version}/norms", everyone(200)),
    "GET /api/v1/areas/<area>/rulebooks/<int:version>/norms.csv": Rule(
        "api.norms_csv", lambda d, f: f"/api/v1/areas/{d.area_slug}/rulebooks/{d.locked_version}/norms.csv",
        everyone(200)),
    "GET /api/v1/units": Rule("api.units", lambda d, f: "/api/v1/units", everyone(200)),
    "GET /api/v1/units.csv": Rule("api.units_csv", lambda d, f: "/api/v1/units.csv", everyone(200)),
    "GET /api/v1/units/<unit>": Rule("api.unit", lambda d, f: f"/api/v1/units/{d.unit_slug}", everyone(200)),
    "GET /api/v1/units/<unit>/follow-ups": Rule(
        "api.unit_follow_ups", lambda d, f: f"/api/v1/units/{d.unit_slug}/follow-ups", everyone(200)),
    "GET /api/v1/units/<unit>/follow-ups.csv": Rule(
        "api.unit_follow_ups_csv", lambda d, f: f"/api/v1/units/{d.unit_slug}/follow-ups.csv", everyone(200)),
    "GET /api/v1/units/<unit>/key-figures": Rule(
        "api.unit_key_figures", lambda d, f: f"/api/v1/units/{d.unit_slug}/key-figures", everyone(200)),
    "GET /api/v1/units/<unit>/key-figures.csv": Rule(
        "api.unit_key_figures_csv", lambda d, f: f"/api/v1/units/{d.unit_slug}/key-figures.csv", everyone(200)),
    "GET /api/v1/units/<unit>/survey-results": Rule(
        "api.unit_survey_results", lambda d, f: f"/api/v1/units/{d.unit_slug}/survey-results", everyone(200)),
    "GET /api/v1/units/<unit>/survey-results.csv": Rule(
        "api.unit_survey_results_csv", lambda d, f: f"/api/v1/units/{d.unit_slug}/survey-results.csv", everyone(200)),
    "GET /api/": Rule("api_fallback.unknown", lambda d, f: "/api/", everyone(404)),
    "GET /api/<path:rest>": Rule("api_fallback.unknown", lambda d, f: "/api/v2/areas", everyone(404)),
    **_api_refusals(),

    # the back office: officers and administrators
    "GET /admin/": Rule("admin.dashboard", lambda d, f: "/admin/", officers(200, other_area=200)),
    "GET /admin/anordnare": Rule("admin.providers", lambda d, f: "/admin/anordnare", officers(200, other_area=200)),
    "GET /admin/anordnare/ny": Rule("admin.provider_new", lambda d, f: "/admin/anordnare/ny",
                                    officers(200, other_area=200)),
    "POST /admin/anordnare/ny": Rule("admin.provider_new", lambda d, f: "/admin/anordnare/ny",
                                     officers(400, other_area=400)),  # any officer registers providers
    "GET /admin/anordnare/<int:provider_id>": Rule(
        "admin.provider", lambda d, f: f"/admin/anordnare/{d.provider_id}", officers(200, other_area=200)),
    "POST /admin/anordnare/<int:provider_id>": Rule(
        "admin.provider", lambda d, f: f"/admin/anordnare/{d.provider_id}", officers(400)),
    "GET /admin/anordnare/<int:provider_id>/enheter/ny": Rule(
        "admin.unit_new", lambda d, f: f"/admin/anordnare/{d.provider_id}/enheter/ny", officers(200, other_area=200)),
    "POST /admin/anordnare/<int:provider_id>/enheter/ny": Rule(
        "admin.unit_new", lambda d, f: f"/admin/anordnare/{d.provider_id}/enheter/ny", officers(400),
        data=lambda d: {"kundval": d.area_id}),
    "GET /admin/enheter/<int:unit_id>": Rule("admin.unit_edit", lambda d, f: f"/admin/enheter/{d.unit_id}",
                                             officers(200)),
    "POST /admin/enheter/<int:unit_id>": Rule("admin.unit_edit", lambda d, f: f"/admin/enheter/{d.unit_id}",
                                              officers(400)),
    "POST /admin/enheter/<int:unit_id>/ansokan": Rule(
        "admin.unit_apply", lambda d, f: f"/admin/enheter/{d.unit_id}/ansokan", officers(400),
        data=lambda d: {"ansokan-kundval": d.apply_area_id, "ansokan-ansokningsdatum": "2026-13-45"}),
    "GET /admin/enheter/<int:unit_id>/kundval/<area_slug>": Rule(
        "admin.authorisation", lambda d, f: f"/admin/enheter/{d.unit_id}/kundval/{d.area_slug}", officers(200)),
    "POST /admin/enheter/<int:unit_id>/kundval/<area_slug>": Rule(
        "admin.authorisation", lambda d, f: f"/admin/enheter/{d.unit_id}/kundval/{d.area_slug}", officers(400)),
    "GET /admin/handelser": Rule("admin.audit_log", lambda d, f: "/admin/handelser", administrators(200)),
    "GET /admin/handelser/<entity_type>/<int:entity_id>": Rule(
        "admin.entity_history", lambda d, f: f"/admin/handelser/area/{d.area_id}", officers(200)),
    "GET /admin/import": Rule("admin.imports", lambda d, f: "/admin/import", officers(200, other_area=200)),
    "POST /admin/import": Rule("admin.imports", lambda d, f: "/admin/import", officers(400, other_area=400)),
    "POST /admin/import/bekrafta": Rule("admin.import_commit", lambda d, f: "/admin/import/bekrafta",
                                        officers(Redirect(302, "/admin/import"),
                                                 other_area=Redirect(302, "/admin/import"))),  # nothing staged
    "GET /admin/import/exempel/<name>": Rule("admin.import_example", lambda d, f: "/admin/import/exempel/nyckeltal.csv",
                                             officers(200, other_area=200)),
    "GET /admin/kundval": Rule("admin.areas", lambda d, f: "/admin/kundval", officers(200, other_area=200)),
    "GET /admin/kundval/<slug>": Rule("admin.area", lambda d, f: f"/admin/kundval/{d.area_slug}", officers(200)),
    "POST /admin/kundval/<slug>": Rule("admin.area", lambda d, f: f"/admin/kundval/{d.area_slug}", officers(400),
                                       data=lambda d: {"namn_sv": ""}),
    "GET /admin/kundval/<slug>/villkor": Rule("admin.rulebooks", lambda d, f: f"/admin/kundval/{d.area_slug}/villkor",
                                              officers(200)),
    "GET /admin/kundval/<slug>/villkor/ny": Rule(
        "admin.new_rulebook", lambda d, f: f"/admin/kundval/{d.area_slug}/villkor/ny", officers(200)),
    "POST /admin/kundval/<slug>/villkor/ny": Rule(
        "admin.new_rulebook", lambda d, f: f"/admin/kundval/{d.area_slug}/villkor/ny", officers(400)),
    "GET /admin/kundval/<slug>/villkor/<int:version>": Rule(
        "admin.rulebook", lambda d, f: VERSION.format(slug=d.area_slug, version=d.locked_version), officers(200)),
    "GET /admin/kundval/<slug>/villkor/<int:version>/uppgifter": Rule(
        "admin.rulebook_details", lambda d, f: VERSION.format(slug=d.area_slug, version=f.version) + "/uppgifter",
        officers(200)),
    "POST /admin/kundval/<slug>/villkor/<int:version>/uppgifter": Rule(
        "admin.rulebook_details",
        lambda d, f: VERSION.format(slug=d.area_slug, version=d.locked_version) + "/uppgifter",
        officers(409)),
    "GET /admin/kundval/<slug>/villkor/<int:version>/kapitel/nytt": Rule(
        "admin.new_chapter", lambda d, f: VERSION.format(slug=d.area_slug, version=f.version) + "/kapitel/nytt",
        officers(200)),
    "POST /admin/kundval/<slug>/villkor/<int:version>/kapitel/nytt": Rule(
        "admin.new_chapter", lambda d, f: VERSION.format(slug=d.area_slug, version=d.locked_version) + "/kapitel/nytt",
        officers(409)),
    "GET /admin/kundval/<slug>/villkor/<int:version>/kapitel/<int:number>/ny-norm": Rule(
        "admin.new_norm",
        lambda d, f: VERSION.format(slug=d.area_slug, version=f.version) + f"/kapitel/{f.chapter}/ny-norm",
        officers(200)),
    "POST /admin/kundval/<slug>/villkor/<int:version>/kapitel/<int:number>/ny-norm": Rule(
        "admin.new_norm",
        lambda d, f: (VERSION.format(slug=d.area_slug, version=d.locked_version)
                      + f"/kapitel/{d.locked_chapter}/ny-norm"),
        officers(409)),
    "GET /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>": Rule(
        "admin.edit_norm", lambda d, f: VERSION.format(slug=d.area_slug, version=f.version) + f"/normer/{f.norm_id}",
        officers(200)),
    "POST /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>": Rule(
        "admin.edit_norm",
        lambda d, f: VERSION.format(slug=d.area_slug, version=d.locked_version) + f"/normer/{d.locked_norm_id}",
        officers(409)),
    "GET /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>/ta-bort": Rule(
        "admin.retire_norm",
        lambda d, f: VERSION.format(slug=d.area_slug, version=f.version) + f"/normer/{f.norm_id}/ta-bort",
        officers(200)),
    "POST /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>/ta-bort": Rule(
        "admin.retire_norm",
        lambda d, f: VERSION.format(slug=d.area_slug, version=d.locked_version) + f"/normer/{d.locked_norm_id}/ta-bort",
        officers(409)),
    "GET /admin/profilandringar": Rule("admin.profile_changes", lambda d, f: "/admin/profilandringar",
                                       officers(200, other_area=200)),
    "GET /admin/profilandringar/<int:revision_id>": Rule(
        "admin.profile_change", lambda d, f: f"/admin/profilandringar/{d.revision_id}", officers(200)),
    "POST /admin/profilandringar/<int:revision_id>": Rule(
        "admin.profile_change", lambda d, f: f"/admin/profilandringar/{d.revision_id}", officers(409)),  # no decision
    "GET /admin/atgardssvar": Rule("admin.action_answers", lambda d, f: "/admin/atgardssvar",
                                   officers(200, other_area=200)),
    "GET /admin/atgardssvar/<int:action_id>": Rule(
        "admin.action_answer", lambda d, f: f"/admin/atgardssvar/{d.action_id}", officers(200)),
    "POST /admin/atgardssvar/<int:action_id>": Rule(
        "admin.action_answer", lambda d, f: f"/admin/atgardssvar/{d.action_id}", officers(409)),  # no decision
    "GET /admin/uppfoljningar": Rule("admin.followups", lambda d, f: "/admin/uppfoljningar",
                                     officers(200, other_area=200)),
    "POST /admin/uppfoljningar": Rule("admin.create_followup", lambda d, f: "/admin/uppfoljningar", officers(400),
                                      data=lambda d: {"enhet": f"{d.area_id}:{d.unit_id}", "artal": ""}),
    "GET /admin/uppfoljningar/<int:follow_up_id>": Rule(
        "admin.followup", lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}", officers(200)),
    # A published follow-up cannot be changed (409): it has to be corrected.
    "POST /admin/uppfoljningar/<int:follow_up_id>": Rule(
        "admin.save_followup", lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}", officers(409)),
    "POST /admin/uppfoljningar/<int:follow_up_id>/publicera": Rule(
        "admin.publish_followup", lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}/publicera", officers(409)),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder": Rule(
        "admin.add_followup_action", lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}/atgarder", officers(409)),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>": Rule(
        "admin.change_followup_action",
        lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}/atgarder/{d.action_id}", officers(409)),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>/ta-bort": Rule(
        "admin.remove_followup_action",
        lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}/atgarder/{d.action_id}/ta-bort", officers(409)),
    "POST /admin/uppfoljningar/<int:follow_up_id>/rattelse": Rule(
        "admin.correct_followup", lambda d, f: f"/admin/uppfoljningar/{d.follow_up_id}/rattelse",
        officers(400)),  # no reason given

    # the providers' portal: editors, each of their own provider only
    "GET /anordnare-portal/": Rule("providers.start", lambda d, f: "/anordnare-portal/",
                                   editors(200, other_provider=200)),
    "GET /anordnare-portal/enheter/<int:unit_id>": Rule(
        "providers.unit", lambda d, f: f"/anordnare-portal/enheter/{d.unit_id}", editors(200)),
    "GET /anordnare-portal/enheter/<int:unit_id>/profil": Rule(
        "providers.edit_profile", lambda d, f: f"/anordnare-portal/enheter/{d.unit_id}/profil", editors(200)),
    "POST /anordnare-portal/enheter/<int:unit_id>/profil": Rule(
        "providers.edit_profile", lambda d, f: f"/anordnare-portal/enheter/{d.unit_id}/profil", editors(400),
        data=lambda d: {"lediga_platser": "många"}),
    "GET /anordnare-portal/andringar/<int:revision_id>": Rule(
        "providers.revision", lambda d, f: f"/anordnare-portal/andringar/{d.revision_id}", editors(200)),
    # The one cell here that writes: the own editor withdraws a change no other cell uses.
    "POST /anordnare-portal/andringar/<int:revision_id>/aterta": Rule(
        "providers.withdraw", lambda d, f: f"/anordnare-portal/andringar/{d.spare_revision_id}/aterta",
        editors(Redirect(303, "/anordnare-portal/enheter/{spare_unit_id}")), writes=True),
    "GET /anordnare-portal/atgarder/<int:action_id>": Rule(
        "providers.action", lambda d, f: f"/anordnare-portal/atgarder/{d.action_id}", editors(200)),
    "POST /anordnare-portal/atgarder/<int:action_id>": Rule(
        "providers.action", lambda d, f: f"/anordnare-portal/atgarder/{d.action_id}", editors(400)),
}


# --- the tests -------------------------------------------------------------------------------------------------

def test_every_route_has_a_rule_and_every_rule_a_route() -> None:
    routes = {f"{method} {rule}": endpoint for method, rule, endpoint in route_keys()}
    without_rule = sorted(set(routes) - set(TABLE))
    assert not without_rule, f"routes without an access rule in tests/test_route_access.py: {without_rule}"
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"rules for routes the app does not have: {stale}"
    wrong = {key: (TABLE[key].endpoint, routes[key]) for key in TABLE if TABLE[key].endpoint != routes[key]}
    assert not wrong, f"rules naming another endpoint than the route's: {wrong}"
    for key, rule in TABLE.items():
        assert set(rule.expect) == set(ROLES), f"{key}: a rule needs an answer for every role"


@pytest.fixture(scope="module")
def portal(backend, demo_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    with private_app(backend, demo_template, tmp_path_factory.mktemp("access")) as app:
        clients = Clients(app)
        future = add_future_version(app, clients("admin"))
        yield app, clients, find_demo(app), future


def _matches(response, expected: Expected, demo: Demo) -> bool:  # type: ignore[no-untyped-def]
    if expected == LOGIN:
        return response.status_code == 302 and location_path(response) == "/logga-in"
    if isinstance(expected, Redirect):
        target = expected.to.format(**vars(demo))
        return response.status_code == expected.status and location_path(response) == target
    return response.status_code == expected


def _answer(response) -> str:  # type: ignore[no-untyped-def]
    where = f" → {location_path(response)}" if response.status_code in (301, 302, 303) else ""
    return f"{response.status_code}{where}"


@pytest.mark.parametrize("key", sorted(TABLE))
def test_each_role_gets_the_answer_the_table_gives(portal, key: str) -> None:  # type: ignore[no-untyped-def]
    app, clients, demo, future = portal
    method, _rule = key.split(" ", 1)
    rule = TABLE[key]
    path = rule.path(demo, future)
    wrong = {}
    for role in ROLES:
        client = clients.fresh(role) if rule.ends_sessions else clients(role)
        kwargs: dict[str, Any] = {}
        if method != "GET":
            data = rule.data(demo)
            if not path.startswith("/api/"):
                data = {"csrf_token": token(client), **data}
            kwargs["data"] = data
        before = state(app) if method != "GET" else None
        response = client.open(path, method=method, **kwargs)
        response.close()
        if before is not None and not rule.writes and state(app) != before:
            wrong[role] = f"the database changed: {changed(before, state(app))}"
            continue
        if rule.ends_sessions and role != "anonymous":
            clients.forget(role)  # signing out everywhere ended the shared client's session too
        expected = rule.expect[role]
        if not _matches(response, expected, demo):
            wrong[role] = f"expected {expected}, got {_answer(response)}"
    assert not wrong, f"{method} {path}: {wrong}"


def test_the_table_changes_nothing_but_what_it_says(portal) -> None:  # type: ignore[no-untyped-def]
    """A second pass over every GET of the table writes nothing (signing in aside, which the clients did)."""
    app, clients, demo, future = portal
    for role in ROLES:
        clients(role)
    before = state(app)
    for key, rule in TABLE.items():
        if key.startswith("GET "):
            for role in ROLES:
                clients(role).get(rule.path(demo, future)).close()
    assert state(app) == before
