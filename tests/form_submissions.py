"""Every route that changes something, as a browser uses it: who may use it, where it posts, and a valid
submission (read from the form on its page where the portal has one, so it is what a browser would send).

Used by test_state_changing_routes.py (a valid submission without its CSRF token is refused and writes
nothing; with the token it takes effect) and test_hostile_input.py (hostile values in the fields).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from jamforaren.extensions import db
from jamforaren.models import FollowUp
from jamforaren.paths import PROJECT_ROOT
from jamforaren.services import basket
from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.security_support import (
    OFFICER_WORK, Clients, Demo, FutureVersion, add_future_version, find_demo, location_path, token,
)
from tests.test_admin_catalogue import AREA_FORM, norm_form
from tests.test_admin_followups import form_fields, norms_of, unit_to_follow_up
from tests.test_admin_providers import provider_data

TODAY = date.today()
EXAMPLE_SURVEYS = PROJECT_ROOT / "jamforaren" / "imports" / "examples" / "kundundersokning.csv"
NEW_PASSWORD = "Ett helt nytt lösenord för 2026"

Data = dict[str, Any]


class Context:
    """A portal with its demo ids, a signed-in client per role, and what some forms need made first (each made
    once, through HTTP, when first asked for)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.clients = Clients(app)
        self.demo: Demo = find_demo(app)
        self._made: dict[str, Any] = {}

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def future(self) -> FutureVersion:
        """A version of the area's conditions that does not apply yet, so it can be changed."""
        return self._once("future", lambda: add_future_version(self.app, self.clients("admin")))

    def answered_action(self) -> int:
        """The demo's open action, answered by its provider: waiting for the officer's review."""
        def answer() -> int:
            editor = self.clients("editor_own")
            path = f"/anordnare-portal/atgarder/{self.demo.action_id}"
            response = editor.post(path, data={"csrf_token": token(editor), "vad_gjordes": "Rutinen är på plats.",
                                               "datum": TODAY.isoformat()})
            assert response.status_code == 303, response.status_code
            return self.demo.action_id
        return self._once("answered", answer)

    def staged_import(self) -> str:
        """An uploaded survey file waiting for the officer's confirmation: its token."""
        def upload() -> str:
            officer = self.clients("officer_area")
            response = officer.post("/admin/import", data={
                "csrf_token": token(officer), "slag": "surveys",
                "fil": (io.BytesIO(EXAMPLE_SURVEYS.read_bytes()), "kundundersokning.csv")},
                content_type="multipart/form-data")
            found = re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
            assert response.status_code == 200 and found, "the example file was not staged"
            return found.group(1)
        return self._once("staged", upload)

    def draft(self, name: str = "draft") -> tuple[int, int]:
        """A new follow-up draft (one per name), complete enough to publish, with one action: (follow-up id,
        action id)."""
        def make() -> tuple[int, int]:
            officer = self.clients("officer_area")
            area_id, unit_id, slug = unit_to_follow_up(self.app)
            self._made[f"unit of {name}"] = slug
            response = officer.post("/admin/uppfoljningar", data={"csrf_token": token(officer),
                                                                  "enhet": f"{area_id}:{unit_id}", "artal": TODAY.year})
            assert response.status_code == 303, response.status_code
            follow_up_id = int(location_path(response).rsplit("/", 1)[1])
            path = f"/admin/uppfoljningar/{follow_up_id}"
            not_met, *met = norms_of(self.app, follow_up_id)
            fields = form_fields(officer, path)
            fields.update({
                f"bedomning_{not_met[0]}": ["ej_uppfyllt"], f"kommentar_{not_met[0]}": ["Rutin saknas."],
                **{f"bedomning_{n[0]}": ["uppfyllt"] for n in met},
                "iakttagelser": ["Besök på enheten."], "sammanfattning": ["Förskolan uppfyller nästan alla krav."],
            })
            assert officer.post(path, data=fields).status_code == 303
            response = officer.post(f"{path}/atgarder", data={
                "csrf_token": token(officer), "ny_beskrivning": "Ta fram en rutin.",
                "ny_sista_dag": (TODAY + timedelta(days=60)).isoformat(), "ny_norm": str(not_met[0])})
            assert response.status_code == 303, response.status_code
            with self.app.app_context():
                action_id = db.session.get(FollowUp, follow_up_id).actions[0].id
            return follow_up_id, action_id
        return self._once(f"draft {name}", make)

    def draft_unit(self, name: str = "draft") -> str:
        """The slug of the draft's unit."""
        self.draft(name)
        return self._made[f"unit of {name}"]

    def new_follow_up_target(self) -> str:
        area_id, unit_id, _slug = self._once("target", lambda: unit_to_follow_up(self.app))
        return f"{area_id}:{unit_id}"

    def prepare(self) -> None:
        """Make at once what any form needs, so that it is made before the database is counted."""
        self.future()
        self.staged_import()
        self.answered_action()
        self.draft()
        self.draft("publish")


@dataclass(frozen=True)
class Form:
    role: str                                       # who uses it (a key of security_support.ACCOUNTS, or anonymous)
    action: Callable[[Context], str]                # where it posts
    data: Callable[[Context, FlaskClient], Data]    # a valid submission, without the CSRF token
    writes: bool = True                             # a valid submission changes the database
    observe: Callable[[Context, FlaskClient], Any] | None = None  # what else it changes (the session, files)
    text: tuple[str, ...] = ()                      # fields whose text is stored and shown again
    shown_on: Callable[[Context], list[str]] = lambda ctx: []  # pages that show the stored text
    csrf_field: str = "csrf_token"
    read_only: bool = False                         # refuses every submission (the API): 404 or 405
    distinct_clients: bool = False                  # limited per client address: vary the address


def scraped(page: Callable[[Context], str], **changes: Any) -> Callable[[Context, FlaskClient], Data]:
    """The form on ``page`` (posting to it) as the browser would send it, with ``changes``."""
    def data(ctx: Context, client: FlaskClient) -> Data:
        fields: Data = form_fields(client, page(ctx))
        fields.pop("csrf_token", None)
        return {**fields, **changes}
    return data


def fixed(**values: Any) -> Callable[[Context, FlaskClient], Data]:
    return lambda ctx, client: dict(values)


def signed_in(ctx: Context, client: FlaskClient) -> bool:
    response = client.get("/konto/losenord")
    response.close()
    return response.status_code == 200


def staged_files(ctx: Context, client: FlaskClient) -> int:
    folder = Path(ctx.app.instance_path) / "imports"
    return len(list(folder.iterdir())) if folder.exists() else 0


def compare_basket(ctx: Context, client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return basket.units_in(session, ctx.demo.area_slug)


def _version(ctx: Context) -> str:
    return f"/admin/kundval/{ctx.demo.area_slug}/villkor/{ctx.future().version}"


def _draft(ctx: Context) -> str:
    return f"/admin/uppfoljningar/{ctx.draft()[0]}"


def _draft_form(**changes: Any) -> Callable[[Context, FlaskClient], Data]:
    return scraped(_draft, **changes)


def _publishable(ctx: Context) -> str:
    return f"/admin/uppfoljningar/{ctx.draft('publish')[0]}"


def _unit_pages(ctx: Context) -> list[str]:
    return [f"/enheter/{ctx.demo.unit_slug}", f"/admin/enheter/{ctx.demo.unit_id}",
            f"/anordnare-portal/enheter/{ctx.demo.unit_id}", f"/kundval/{ctx.demo.area_slug}"]


def _area_pages(ctx: Context) -> list[str]:
    return ["/", f"/kundval/{ctx.demo.area_slug}", f"/admin/kundval/{ctx.demo.area_slug}", "/admin/kundval",
            f"/kundval/{ctx.demo.area_slug}/villkor"]


def _version_pages(ctx: Context) -> list[str]:
    version = ctx.future().version
    return [_version(ctx), f"/admin/kundval/{ctx.demo.area_slug}/villkor",
            f"/kundval/{ctx.demo.area_slug}/villkor?version={version}", f"/admin/handelser/area/{ctx.demo.area_id}"]


def _follow_up_pages(ctx: Context) -> list[str]:
    return [_draft(ctx), f"/admin/uppfoljningar/{ctx.demo.follow_up_id}", "/admin/uppfoljningar"]


NORM_TEXT = ("rubrik_sv", "rubrik_en", "krav_sv", "krav_en", "anvisning_sv", "anvisning_en")


FORMS: dict[str, Form] = {
    # residents
    "POST /enheter/<slug>/synpunkt": Form(
        "anonymous", lambda ctx: f"/enheter/{ctx.demo.unit_slug}/synpunkt",
        fixed(synpunkt="Personalen är trevlig och maten är god.", namn="Anna", epost="anna@example.se", webbplats=""),
        text=("synpunkt", "namn", "epost", "webbplats"), distinct_clients=True),
    "POST /sidfeedback": Form("anonymous", lambda ctx: "/sidfeedback", fixed(svar="ja", sida="/om-jamforelserna"),
                              text=("svar", "sida")),
    "POST /kundval/<slug>/jamforelse": Form(
        "anonymous", lambda ctx: f"/kundval/{ctx.demo.area_slug}/jamforelse",
        lambda ctx, client: {"enhet": ctx.demo.other_unit_slug, "next": f"/kundval/{ctx.demo.area_slug}"},
        writes=False, observe=compare_basket, text=("enhet", "atgard", "next")),

    # signing in and out, passwords
    "POST /logga-in": Form("anonymous", lambda ctx: "/logga-in", fixed(epost=OFFICER_WORK, losenord=DEMO_PASSWORD),
                           writes=False, observe=signed_in, text=("epost", "losenord")),
    "POST /logga-ut": Form("officer_area", lambda ctx: "/logga-ut", fixed(), writes=False, observe=signed_in),
    "POST /konto/losenord": Form(
        "officer_work", lambda ctx: "/konto/losenord",
        fixed(nuvarande=DEMO_PASSWORD, nytt=NEW_PASSWORD, upprepa=NEW_PASSWORD), text=("nuvarande", "nytt", "upprepa")),
    "POST /konto/logga-ut-overallt": Form("officer_work", lambda ctx: "/konto/logga-ut-overallt", fixed(),
                                          observe=signed_in),

    # the back office: catalogue
    "POST /admin/kundval/<slug>": Form(
        "officer_area", lambda ctx: f"/admin/kundval/{ctx.demo.area_slug}", fixed(**AREA_FORM),
        text=tuple(AREA_FORM), shown_on=_area_pages),
    "POST /admin/kundval/<slug>/villkor/ny": Form(
        "officer_area", lambda ctx: f"/admin/kundval/{ctx.demo.area_slug}/villkor/ny",
        fixed(giltig_fran=(TODAY + timedelta(days=800)).isoformat(), diarienummer="UBN 2026/1001",
              rubrik_sv="Villkor för förskola, version tre", rubrik_en=""),
        text=("giltig_fran", "diarienummer", "rubrik_sv", "rubrik_en"),
        shown_on=lambda ctx: [f"/admin/kundval/{ctx.demo.area_slug}/villkor",
                              f"/kundval/{ctx.demo.area_slug}/villkor"]),
    "POST /admin/kundval/<slug>/villkor/<int:version>/uppgifter": Form(
        "officer_area", lambda ctx: _version(ctx) + "/uppgifter",
        fixed(giltig_fran=(TODAY + timedelta(days=410)).isoformat(), diarienummer="UBN 2026/1002",
              rubrik_sv="Villkor för förskola, ändrad titel", rubrik_en="Conditions for preschools"),
        text=("giltig_fran", "diarienummer", "rubrik_sv", "rubrik_en"), shown_on=_version_pages),
    "POST /admin/kundval/<slug>/villkor/<int:version>/kapitel/nytt": Form(
        "officer_area", lambda ctx: _version(ctx) + "/kapitel/nytt", fixed(rubrik_sv="Språk och kommunikation",
                                                                         rubrik_en=""),
        text=("rubrik_sv", "rubrik_en"), shown_on=_version_pages),
    "POST /admin/kundval/<slug>/villkor/<int:version>/kapitel/<int:number>/ny-norm": Form(
        "officer_area", lambda ctx: _version(ctx) + f"/kapitel/{ctx.future().chapter}/ny-norm", fixed(**norm_form()),
        text=NORM_TEXT, shown_on=_version_pages),
    "POST /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>": Form(
        "officer_area", lambda ctx: _version(ctx) + f"/normer/{ctx.future().norm_id}",
        fixed(**norm_form(rubrik_sv="Ändrad rubrik på normen")), text=NORM_TEXT, shown_on=_version_pages),
    "POST /admin/kundval/<slug>/villkor/<int:version>/normer/<int:norm_id>/ta-bort": Form(
        "officer_area", lambda ctx: _version(ctx) + f"/normer/{ctx.future().norm_id}/ta-bort", fixed()),

    # the back office: providers, units, authorisations
    "POST /admin/anordnare/ny": Form("officer_area", lambda ctx: "/admin/anordnare/ny", fixed(**provider_data()),
                                     text=tuple(provider_data())),
    "POST /admin/anordnare/<int:provider_id>": Form(
        "officer_area", lambda ctx: f"/admin/anordnare/{ctx.demo.provider_id}",
        scraped(lambda ctx: f"/admin/anordnare/{ctx.demo.provider_id}", telefon="08-555 123 45"),
        text=tuple(provider_data()),
        shown_on=lambda ctx: [f"/admin/anordnare/{ctx.demo.provider_id}", f"/enheter/{ctx.demo.unit_slug}",
                              "/anordnare-portal/"]),
    "POST /admin/anordnare/<int:provider_id>/enheter/ny": Form(
        "officer_area", lambda ctx: f"/admin/anordnare/{ctx.demo.provider_id}/enheter/ny",
        lambda ctx, client: {
            "kundval": str(ctx.demo.area_id), "ansokningsdatum": TODAY.isoformat(), "diarienummer": "UBN 2026/1234",
            "anteckning": "Ansökan inkom via e-post.", "namn": "Ekbackens förskola", "gatuadress": "Ekvägen 3",
            "postnummer": "13130", "ort": "Nacka", "kommundel": "Sicklaön", "latitud": "59,3105",
            "longitud": "18.1635", "platser": "40", "lediga_platser": "5", "sprak": ["en", "fi"]},
        text=("diarienummer", "anteckning", "namn", "gatuadress", "postnummer", "ort", "kommundel", "latitud",
              "longitud", "platser", "lediga_platser", "sprak", "ansokningsdatum", "kundval"),
        shown_on=lambda ctx: [f"/admin/anordnare/{ctx.demo.provider_id}"]),
    "POST /admin/enheter/<int:unit_id>": Form(
        "officer_area", lambda ctx: f"/admin/enheter/{ctx.demo.unit_id}",
        scraped(lambda ctx: f"/admin/enheter/{ctx.demo.unit_id}", telefon="08-555 123 46"),
        text=("namn", "gatuadress", "postnummer", "ort", "kommundel", "latitud", "longitud", "platser",
              "lediga_platser", "oppettider_sv", "oppettider_en", "epost", "telefon", "webbplats", "kolada_id",
              "sprak", "profil-forskola-pedagogik", "profil-forskola-aldrar", "profil-forskola-utokade-oppettider"),
        shown_on=_unit_pages),
    "POST /admin/enheter/<int:unit_id>/ansokan": Form(
        "officer_area", lambda ctx: f"/admin/enheter/{ctx.demo.unit_id}/ansokan",
        lambda ctx, client: {"ansokan-kundval": str(ctx.demo.apply_area_id),
                             "ansokan-ansokningsdatum": TODAY.isoformat(), "ansokan-diarienummer": "UBN 2026/55",
                             "ansokan-anteckning": "Ansökan inkom."},
        csrf_field="ansokan-csrf_token",
        text=("ansokan-kundval", "ansokan-ansokningsdatum", "ansokan-diarienummer", "ansokan-anteckning"),
        shown_on=lambda ctx: [f"/admin/enheter/{ctx.demo.unit_id}"]),
    "POST /admin/enheter/<int:unit_id>/kundval/<area_slug>": Form(
        "officer_area", lambda ctx: f"/admin/enheter/{ctx.demo.unit_id}/kundval/{ctx.demo.area_slug}",
        fixed(beslut="vilande", beslutsdatum=TODAY.isoformat(), diarienummer="UBN 2026/77",
              motivering="Tillfälligt uppehåll i verksamheten."),
        text=("beslut", "beslutsdatum", "diarienummer", "motivering"),
        shown_on=lambda ctx: [f"/admin/enheter/{ctx.demo.unit_id}/kundval/{ctx.demo.area_slug}",
                              f"/enheter/{ctx.demo.unit_slug}"]),

    # the back office: imports
    "POST /admin/import": Form(
        "officer_area", lambda ctx: "/admin/import",
        lambda ctx, client: {"slag": "surveys",
                             "fil": (io.BytesIO(EXAMPLE_SURVEYS.read_bytes()), "kundundersokning.csv")},
        writes=False, observe=staged_files, text=("slag",)),
    "POST /admin/import/bekrafta": Form("officer_area", lambda ctx: "/admin/import/bekrafta",
                                        lambda ctx, client: {"token": ctx.staged_import()}, text=("token",)),

    # the back office: follow-ups
    "POST /admin/uppfoljningar": Form(
        "officer_area", lambda ctx: "/admin/uppfoljningar",
        lambda ctx, client: {"enhet": ctx.new_follow_up_target(), "artal": str(TODAY.year)}, text=("enhet", "artal")),
    "POST /admin/uppfoljningar/<int:follow_up_id>": Form(
        "officer_area", _draft, _draft_form(iakttagelser="Besök på enheten och samtal med rektor."),
        text=("iakttagelser", "sammanfattning", "sammanfattning_en", "datum", "metoder", "ny_beskrivning",
              "ny_sista_dag", "ny_norm"), shown_on=_follow_up_pages),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder": Form(
        "officer_area", lambda ctx: _draft(ctx) + "/atgarder",
        _draft_form(ny_beskrivning="Förbättra rutinen för klagomål.",
                    ny_sista_dag=(TODAY + timedelta(days=90)).isoformat()),
        text=("ny_beskrivning", "ny_sista_dag", "ny_norm"), shown_on=_follow_up_pages),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>": Form(
        "officer_area", lambda ctx: _draft(ctx) + f"/atgarder/{ctx.draft()[1]}",
        lambda ctx, client: _draft_form(**{f"atgard_{ctx.draft()[1]}_beskrivning": "En ändrad åtgärd."})(ctx, client),
        shown_on=_follow_up_pages),
    "POST /admin/uppfoljningar/<int:follow_up_id>/atgarder/<int:action_id>/ta-bort": Form(
        "officer_area", lambda ctx: _draft(ctx) + f"/atgarder/{ctx.draft()[1]}/ta-bort", _draft_form()),
    "POST /admin/uppfoljningar/<int:follow_up_id>/publicera": Form(
        "officer_area", lambda ctx: _publishable(ctx) + "/publicera", scraped(_publishable),
        text=("sammanfattning", "sammanfattning_en", "iakttagelser"),
        shown_on=lambda ctx: [_publishable(ctx), f"/enheter/{ctx.draft_unit('publish')}"]),
    "POST /admin/uppfoljningar/<int:follow_up_id>/rattelse": Form(
        "officer_area", lambda ctx: f"/admin/uppfoljningar/{ctx.demo.follow_up_id}/rattelse",
        fixed(orsak="Datumet för besöket var fel."), text=("orsak",),
        shown_on=lambda ctx: [f"/admin/uppfoljningar/{ctx.demo.follow_up_id}"]),

    # the back office: what providers send in
    "POST /admin/profilandringar/<int:revision_id>": Form(
        "officer_area", lambda ctx: f"/admin/profilandringar/{ctx.demo.revision_id}",
        scraped(lambda ctx: f"/admin/profilandringar/{ctx.demo.revision_id}", beslut="godkann"),
        text=("beslut", "motivering", "version"),
        shown_on=lambda ctx: [f"/admin/profilandringar/{ctx.demo.revision_id}",
                              f"/anordnare-portal/andringar/{ctx.demo.revision_id}", "/admin/profilandringar"]),
    "POST /admin/atgardssvar/<int:action_id>": Form(
        "officer_area", lambda ctx: f"/admin/atgardssvar/{ctx.answered_action()}",
        fixed(beslut="godkann", kommentar=""),
        text=("beslut", "kommentar"),
        shown_on=lambda ctx: [f"/admin/atgardssvar/{ctx.demo.action_id}",
                              f"/anordnare-portal/atgarder/{ctx.demo.action_id}"]),

    # the providers' portal
    "POST /anordnare-portal/enheter/<int:unit_id>/profil": Form(
        "editor_own", lambda ctx: f"/anordnare-portal/enheter/{ctx.demo.unit_id}/profil",
        scraped(lambda ctx: f"/anordnare-portal/enheter/{ctx.demo.unit_id}/profil", telefon="08-555 800 09"),
        text=("beskrivning_sv", "beskrivning_en", "oppettider_sv", "oppettider_en", "lediga_platser", "epost",
              "telefon", "webbplats", "sprak", "profil-forskola-pedagogik", "profil-forskola-tillagningskok"),
        shown_on=lambda ctx: [f"/anordnare-portal/enheter/{ctx.demo.unit_id}", "/admin/profilandringar",
                              f"/admin/profilandringar/{ctx.demo.revision_id}"]),
    "POST /anordnare-portal/andringar/<int:revision_id>/aterta": Form(
        "editor_own", lambda ctx: f"/anordnare-portal/andringar/{ctx.demo.spare_revision_id}/aterta", fixed()),
    "POST /anordnare-portal/atgarder/<int:action_id>": Form(
        "editor_own", lambda ctx: f"/anordnare-portal/atgarder/{ctx.demo.action_id}",
        fixed(vad_gjordes="Vi har tagit fram en rutin.", datum=TODAY.isoformat()), text=("vad_gjordes", "datum"),
        shown_on=lambda ctx: [f"/anordnare-portal/atgarder/{ctx.demo.action_id}",
                              f"/anordnare-portal/enheter/{ctx.demo.unit_id}", "/admin/atgardssvar",
                              f"/admin/atgardssvar/{ctx.demo.action_id}"]),

    # the open-data API is read-only: every other method is refused, with or without a token
    **{f"{method} {rule}": Form("anonymous", (lambda path: lambda ctx: path)(path), fixed(namn="x"), writes=False,
                                read_only=True)
       for method in ("POST", "PUT", "PATCH", "DELETE") for rule, path in (("/api/", "/api/"),
                                                                           ("/api/<path:rest>", "/api/v1/areas"))},
}

def without_token(data: Data) -> Data:
    return {key: value for key, value in data.items() if not key.endswith("csrf_token")}


def send(ctx: Context, form: Form, client: FlaskClient, data: Data, *, csrf: bool = True, method: str = "POST",
         address: str | None = None):  # type: ignore[no-untyped-def]
    """Submit ``data`` to the form's address, with the session's CSRF token unless ``csrf`` is False; from
    ``address`` when the form limits each client address (a signed-in session stays at its own address)."""
    data = without_token(data)
    if csrf and not form.read_only:
        data[form.csrf_field] = token(client)
    extra = {"environ_base": {"REMOTE_ADDR": address}} if address and form.distinct_clients else {}
    return client.open(form.action(ctx), method=method, data=data, **extra)

