"""Hostile input to every form (Hypothesis): random unicode, 100 000-character strings, HTML and script, SQL
fragments, wrong types (text for numbers, 2026-13-45 for dates), NUL characters, lists where one value is
expected; and to the import: random bytes, wrong file types, files over the limit.

Every form of tests/form_submissions.py is posted by a signed-in user allowed to use it, with a valid CSRF
token, so the input reaches the view. For every answer:

- never a 5xx;
- an error (4xx) or the form shown again means nothing was written (every table counted, and the audit log);
- a redirect goes to a page of this site;
- no page carries markup that came from the input (the hostile client checks every HTML page it gets, and the
  pages that show a form's stored text are fetched after each accepted write with markup in it);
- the database keeps every table.

Bounded: 25 examples per form, derandomised, with a deadline per example; about a minute per database.
"""

from __future__ import annotations

import html
import io
import itertools
import random
import re
import time
import zipfile
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.form_submissions import FORMS, Context, Form, send, staged_files
from tests.security_support import (
    EDITOR_CARE, changed, injected_markup, missing_tables, private_app, route_keys, state, token,
)

EXAMPLES = 25
IMPORT_LIMIT = 64 * 1024  # a small import limit here, so that files over it are cheap to make
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
PAYLOADS = (
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', XSS, "<svg onload=alert(1)>",
    "javascript:alert(1)", "'; DROP TABLE unit; --", "' OR '1'='1", "1; SELECT pg_sleep(10); --",
    "2026-13-45", "0000-00-00", "31/12/2026", "9999-12-31", "-1", "1e309", "NaN", "inf", "-0", "4,5",
    "99999999999999999999999999", "2147483648", "-2147483649", "²", "١٢", "0x1f", "", " ", "\x00", "abc\x00def",
    "\u202e\u200b", "🙂" * 50, "Ω",
    "{{ 7*7 }}", "%(name)s %s %n", "../../../etc/passwd", "//evil.example/", "https://evil.example/x",
    "/\\evil.example", "\r\n\r\nSet-Cookie: x=1", "x" * 100_000, "Å" * 100_000, "<" * 5_000, "a@b",
)
VALUE = st.one_of(st.sampled_from(PAYLOADS),
                  st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60),
                  st.integers().map(str), st.dates().map(str))
VALUES = st.one_of(VALUE, st.lists(VALUE, max_size=3), st.none())  # None: the field is left out
MARKUP_CHARACTERS = set("<>\"'&")
SHOWN_PER_FORM = 3  # accepted writes with markup whose pages are fetched (every field had its script above)
_SEEDS = itertools.count(1)

# The one refusal that may leave a write behind: publishing a draft saves what was posted first, then
# refuses to publish it with the reasons (the page shows what was saved), as a "save" would have.
SAVES_BEFORE_REFUSING = {"POST /admin/uppfoljningar/<int:follow_up_id>/publicera"}
# Failed sign-ins are counted (the lock-out's counters), nothing else.
COUNTS_FAILURES = {"POST /logga-in", "POST /konto/losenord"}

FUZZED = [key for key, form in FORMS.items() if form.text and not form.read_only and key != "POST /admin/import"]


def fresh_randomness() -> None:
    """Hypothesis starts every example with the same global random state; Whoosh names its index segments
    with it, and a name used twice breaks the index's commit. The portal's own processes never repeat it."""
    random.seed(next(_SEEDS))


# (A falsifying example with a 100 000-character string has a long repr; Hypothesis warns about it.)
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@pytest.fixture(scope="module")
def ctx(backend, demo_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    with private_app(backend, demo_template, tmp_path_factory.mktemp("hostile"), IMPORT_MAX_BYTES=IMPORT_LIMIT) as app:
        context = Context(app)
        context.prepare()
        yield context
        assert not missing_tables(app)


@pytest.fixture(scope="module")
def bases(ctx: Context) -> dict[str, dict[str, Any]]:
    """Each form's valid submission, read before any test changed the portal."""
    return {key: FORMS[key].data(ctx, _client(ctx, FORMS[key])) for key in FUZZED}


def _viewer(ctx: Context, path: str):  # type: ignore[no-untyped-def]
    if path.startswith("/anordnare-portal"):
        return ctx.clients("editor_own")
    return ctx.clients("admin") if path.startswith("/admin") else ctx.clients.fresh("anonymous")


def _show(ctx: Context, form: Form) -> list[str]:
    """The pages that show the form's stored text (checked for injected markup as they are fetched)."""
    bodies = []
    for path in form.shown_on(ctx):
        response = _viewer(ctx, path).get(path)
        assert response.status_code < 500, (path, response.status_code)
        bodies.append(response.get_data(as_text=True))
    return bodies


def _client(ctx: Context, form: Form):  # type: ignore[no-untyped-def]
    # A resident's form gets a new visitor each time (a sign-in from the fuzz must not carry over).
    return ctx.clients.fresh("anonymous") if form.role == "anonymous" else ctx.clients(form.role)


def _check_answer(ctx: Context, key: str, response, before: dict, after: dict) -> bool:  # type: ignore[no-untyped-def]
    """The rules every answer keeps; True when the form was accepted (a redirect)."""
    status = response.status_code
    assert status < 500, (key, status, response.get_data(as_text=True)[:1000])
    if status in (301, 302, 303):
        target = urlsplit(response.headers["Location"])
        assert not target.scheme and not target.netloc and target.path.startswith("/") \
            and not target.path.startswith("//"), f"{key} redirected off the site: {response.headers['Location']}"
        return True
    difference = changed(before, after)
    if key in COUNTS_FAILURES:
        difference.pop("sign_in_attempt", None)
    if key in SAVES_BEFORE_REFUSING and status == 400:
        difference = {}
    assert not difference, f"{key} answered {status} but wrote {difference}"
    return False


# --- script in every text field: refused, or stored and shown escaped ------------------------------------------

def test_the_markup_check_finds_unescaped_input_and_passes_escaped_input() -> None:
    for payload in (XSS, "<svg onload=alert(1)>", '<a href=" javascript:alert(1)">x</a>', "<iframe src=x>"):
        assert injected_markup(f"<p>{payload}</p>"), payload
        assert not injected_markup(f'<p>{escape(payload)}</p><input value="{escape(payload)}">'), payload


@pytest.mark.parametrize("key", FUZZED)
def test_script_in_each_field_is_refused_or_shown_escaped(ctx: Context, bases, key: str) -> None:  # type: ignore[no-untyped-def]
    form = FORMS[key]
    client = _client(ctx, form)
    base = bases[key]
    accepted: dict[str, Any] = {}
    for name in form.text:
        before = state(ctx.app)
        response = send(ctx, form, client, {**base, **accepted, name: XSS}, address=f"10.1.{len(accepted)}.{len(name)}")
        if _check_answer(ctx, key, response, before, state(ctx.app)):
            accepted[name] = XSS
    bodies = _show(ctx, form)
    for body in bodies:
        assert "<script>alert(1)</script>" not in body and "<img src=x onerror" not in body
    if accepted and form.shown_on(ctx):
        assert any(XSS in html.unescape(body) for body in bodies), \
            f"{key}: {sorted(accepted)} were accepted but no page of {form.shown_on(ctx)} shows the text"


# --- generated input to every form ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", FUZZED)
def test_generated_input_never_fails_and_never_half_writes(ctx: Context, bases, key: str) -> None:  # type: ignore[no-untyped-def]
    form = FORMS[key]
    base = bases[key]
    names = (*form.text, "okant_falt")
    shown = itertools.count()
    last: list[dict[str, Any]] = []  # the database as the previous example left it

    @FUZZ
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=4), st.integers(0, 255))
    def post(changes: dict[str, Any], address: int) -> None:
        data = {**base, **{name: value for name, value in changes.items() if value is not None}}
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
        sender = _client(ctx, form)
        fresh_randomness()
        before = last.pop() if last else state(ctx.app)
        response = send(ctx, form, sender, data, address=f"10.2.{address}.{len(data) % 250}")
        response.close()
        after = state(ctx.app)
        if _check_answer(ctx, key, response, before, after) and any(
                MARKUP_CHARACTERS & set(str(v)) for v in changes.values()) and next(shown) < SHOWN_PER_FORM:
            _show(ctx, form)
        else:
            last.append(after)  # nothing ran since: the next example starts from it

    post()
    assert not missing_tables(ctx.app)


# --- the import: random bytes, wrong types, files over the limit -----------------------------------------------

def _upload(ctx: Context, kind: str, content: bytes, filename: str):  # type: ignore[no-untyped-def]
    officer = ctx.clients("officer_area")
    return officer.post("/admin/import", data={"csrf_token": token(officer), "slag": kind,
                                               "fil": (io.BytesIO(content), filename)},
                        content_type="multipart/form-data")


def _raw_upload(ctx: Context, content: bytes):  # type: ignore[no-untyped-def]
    """An upload as the browser sends it (the test client would spool a large one to a file it never closes)."""
    officer = ctx.clients("officer_area")
    body = b"".join([
        b'--grans\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n', token(officer).encode(),
        b'\r\n--grans\r\nContent-Disposition: form-data; name="slag"\r\n\r\nsurveys',
        b'\r\n--grans\r\nContent-Disposition: form-data; name="fil"; filename="enorm.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n", content, b"\r\n--grans--\r\n"])
    return officer.post("/admin/import", input_stream=io.BytesIO(body), content_length=len(body),
                        content_type="multipart/form-data; boundary=grans")


def _xlsx_like(content: bytes) -> bytes:
    """A zip file that is not a workbook, with ``content`` inside."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", content)
        archive.writestr("[Content_Types].xml", b"<Types/>")
    return buffer.getvalue()


def _workbook(sheet_xml: bytes | None = None, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A real XLSX file, with one of its parts replaced by ``sheet_xml``."""
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["Område", "År", "Enhet", "Fråga", "Antal svarande", "Andel positiva"])
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet_xml is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, sheet_xml if item.filename == part else source.read(item.filename))
    source.close()
    return out.getvalue()


SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData>'
         b"</worksheet>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a0 "aaaaaaaaaa">'
          + b"".join(b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
          + b"]>" + SHEET % b'<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>')

HOSTILE_FILES = [
    ("surveys", _workbook(b'<worksheet><sheetData><row><c r="A1"><v>1'), "trasigt-blad.xlsx"),
    ("surveys", _workbook(b"garbage", "xl/styles.xml"), "trasiga-format.xlsx"),
    ("surveys", _workbook(SHEET % b'<row r="1"><c r="A1" t="n"><v>abc</v></c><c r="B1" t="d"><v>x</v></c></row>'),
     "fel-celltyp.xlsx"),
    ("surveys", _workbook(LAUGHS), "miljard-skratt.xlsx"),
    # A few bytes that name cells a million rows down and 16 384 columns out: must not make billions of cells.
    ("surveys", _workbook(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                          b'<dimension ref="A1:XFD1048576"/>' + (SHEET % (
                              b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                              b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')).split(b">", 1)[1]),
     "ljugande-storlek.xlsx"),
    ("surveys", _workbook(SHEET % b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>'
                                           % (i, i, i) for i in range(1, 3000))), "bred.xlsx"),
    ("surveys", b"", "tom.csv"),
    ("surveys", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "bild.png"),
    ("surveys", b"MZ\x90\x00" + b"\x00" * 500, "program.exe"),
    ("surveys", "Område;År;Enhet;Fråga;Antal svarande;Andel positiva\n".encode("utf-16"), "utf16.csv"),
    ("surveys", b"Omr\xe5de;\xc5r;Enhet;Fr\xe5ga;Antal svarande;Andel positiva\n"
                b"f\xf6rskola;2025;<script>alert(1)</script>;trygghet;1e309;NaN\n", "cp1252.csv"),
    ("keyfigures", "Område;År;Enhet;Nyckeltal;Värde\nförskola;2025;Kommunen;N11102;NaN\n"
                   "förskola;2025;Kommunen;N11102;Infinity\n"
                   "förskola;2026-13-45;'; DROP TABLE unit; --;N11102;1e400\n".encode(), "nyckeltal.csv"),
    ("keyfigures", b"\x00" * 1000, "nul.csv"),
    ("keyfigures", _xlsx_like(b"<workbook><script>alert(1)</script></workbook>"), "falsk.xlsx"),
    ("surveys", b"PK\x03\x04" + b"\x00" * 100, "trasig.xlsx"),
    ("kolada", b'{"values": [{"kpi": "<script>", "period": "x", "values": [{"value": "NaN"}]}]}', "kolada.json"),
    ("kolada", b"[" * 5000 + b"]" * 5000, "djup.json"),
    ("kolada", b'{"next_url": "http://169.254.169.254/", "values": null}', "ssrf.json"),
    ("okand", b"a;b\n1;2\n", "okand.csv"),
    ("surveys", ("Område;År;Enhet;Fråga;Antal svarande;Andel positiva\n" + "förskola;2025;x;y;1;1\n" * 3000).encode(),
     "manga-rader.csv"),
    ("surveys", b"a;b\n1;2\n", "../../../etc/passwd"),
    ("surveys", b"a;b\n1;2\n", "<script>alert(1)</script>.csv"),
]


@pytest.mark.parametrize(("kind", "content", "filename"), HOSTILE_FILES,
                         ids=[f"{kind}-{name[:20]}" for kind, _, name in HOSTILE_FILES])
def test_hostile_files_are_refused_and_nothing_is_written(ctx: Context, kind: str, content: bytes,
                                                         filename: str) -> None:
    before, kept = state(ctx.app), staged_files(ctx, None)
    started = time.monotonic()
    response = _upload(ctx, kind, content, filename)
    response.close()
    assert time.monotonic() - started < 10, "reading the file took too long"
    assert response.status_code in (200, 400), response.status_code  # a preview with the problems, or the form
    assert state(ctx.app) == before  # an upload only previews
    assert staged_files(ctx, None) == kept  # and nothing in these files can be imported, so nothing is kept


@FUZZ
@given(st.sampled_from(["surveys", "keyfigures", "kolada"]), st.binary(max_size=3000),
       st.sampled_from(["fil.csv", "fil.xlsx", "fil.json", "fil", "fil.txt", "ÅÄÖ<>.csv"]))
def test_random_bytes_as_an_import_never_fail(ctx: Context, kind: str, content: bytes, filename: str) -> None:
    before = state(ctx.app)
    response = _upload(ctx, kind, content, filename)
    response.close()
    assert response.status_code < 500
    assert state(ctx.app) == before


def test_a_file_over_the_import_limit_is_refused_and_a_request_over_the_request_limit_gets_413(ctx: Context) -> None:
    before = state(ctx.app)
    over_import = _upload(ctx, "surveys", b"x;" * (IMPORT_LIMIT // 2 + 10), "stor.csv")
    assert over_import.status_code == 400 and 'name="token"' not in over_import.get_data(as_text=True)
    too_large = _raw_upload(ctx, b"x" * (ctx.app.config["MAX_CONTENT_LENGTH"] + 1))
    assert too_large.status_code == 413
    assert too_large.headers["Content-Security-Policy"]  # an error page like any other
    officer = ctx.clients("officer_area")
    huge_form = officer.post(f"/admin/kundval/{ctx.demo.area_slug}", data={
        "csrf_token": token(officer), "beskrivning_sv": "x" * (ctx.app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert huge_form.status_code == 413
    assert state(ctx.app) == before


@FUZZ
@given(st.one_of(st.sampled_from(PAYLOADS), VALUE))
def test_a_hostile_commit_token_is_refused(ctx: Context, value: str) -> None:
    officer = ctx.clients("officer_area")
    fresh_randomness()
    before = state(ctx.app)
    response = officer.post("/admin/import/bekrafta", data={"csrf_token": token(officer), "token": value})
    response.close()
    assert response.status_code < 500 and state(ctx.app) == before


# --- GET forms and addresses -----------------------------------------------------------------------------------

GET_FORMS = {  # page → its query fields
    "/sok": ("q", "kundval", "kommundel", "sida"),
    "/kundval/forskola": ("kommundel", "driftsform", "sprak", "pedagogik", "ledigt", "sortera", "sida"),
    "/kundval/forskola/jamfor": ("enhet",),
    "/kundval/forskola/jamfor.csv": ("enhet",),
    "/kundval/forskola/villkor": ("version",),
    "/sprak/en": ("next",),
    "/logga-in": ("next",),
    "/admin/anordnare": ("q", "sida"),
    "/admin/handelser": ("typ", "vem", "fran", "till", "sida"),
    "/admin/uppfoljningar": ("kundval", "ar", "status", "sida"),
}


@pytest.mark.parametrize("path", sorted(GET_FORMS))
def test_hostile_queries_never_fail(ctx: Context, path: str) -> None:
    viewer = ctx.clients("admin")

    @settings(FUZZ, max_examples=15)  # (reading only: fewer)
    @given(st.dictionaries(st.sampled_from(GET_FORMS[path]), st.one_of(VALUE, st.lists(VALUE, max_size=3)),
                           min_size=1, max_size=3))
    def get(query: dict[str, Any]) -> None:
        before = state(ctx.app)
        response = viewer.get(f"{path}?{urlencode(query, doseq=True)}")
        response.close()
        assert response.status_code < 500, (path, query)
        if response.status_code in (301, 302, 303):
            target = urlsplit(response.headers["Location"])
            assert not target.netloc and not target.path.startswith("//"), response.headers["Location"]
        assert state(ctx.app) == before

    get()


ADDRESSES = ("/enheter/{}", "/kundval/{}", "/kundval/{}/villkor", "/admin/kundval/{}", "/admin/handelser/{}/1",
             "/admin/import/exempel/{}", "/sprak/{}", "/static/{}", "/admin/enheter/{}", "/admin/uppfoljningar/{}",
             "/admin/handelser/area/{}", "/admin/kundval/forskola/villkor/{}", "/api/v1/areas/forskola/rulebooks/{}")


@FUZZ
@given(st.sampled_from(ADDRESSES), st.one_of(st.sampled_from(PAYLOADS), st.text(min_size=1, max_size=40)))
def test_hostile_addresses_never_fail(ctx: Context, address: str, value: str) -> None:
    response = ctx.clients("admin").get(address.format(quote(value[:2000], safe="")))
    response.close()
    assert response.status_code < 500


# --- numbers: larger than the database holds, or written with other digits than 0–9 ---------------------------

TOO_LARGE = "2147483648"  # one more than an INTEGER column holds (PostgreSQL refuses to compare with it)


def test_ids_too_large_for_the_database_in_every_address_are_not_found(ctx: Context) -> None:
    from tests.test_route_access import TABLE
    future = ctx.future()
    for method, rule, _endpoint in route_keys():
        if "<int:" not in rule:
            continue
        path = re.sub(r"/\d+(?=/|$)", f"/{TOO_LARGE}", TABLE[f"{method} {rule}"].path(ctx.demo, future))
        client = ctx.clients("editor_own" if path.startswith("/anordnare-portal") else "admin")
        response = client.open(path, method=method, data={"csrf_token": token(client)} if method != "GET" else None)
        response.close()
        assert response.status_code == 404, (method, path, response.status_code)


def test_numbers_too_large_or_in_other_digits_in_forms_are_refused(ctx: Context) -> None:
    demo, officer = ctx.demo, ctx.clients("officer_area")
    care_editor = ctx.clients("editor_other")
    with ctx.app.app_context():
        from sqlalchemy import select

        from jamforaren.extensions import db
        from jamforaren.models import Area, Authorisation, Unit, User
        provider_id = db.session.scalar(select(User).where(User.email == EDITOR_CARE)).memberships[0].provider_id
        care_unit = db.session.scalar(select(Unit.id).join(Authorisation).join(Area).where(
            Unit.provider_id == provider_id, Area.slug == "daglig-verksamhet-lss"))
    unit_form = scraped_form(officer, f"/admin/enheter/{demo.unit_id}")
    profile = scraped_form(care_editor, f"/anordnare-portal/enheter/{care_unit}/profil")
    posts = [
        (officer, "/admin/uppfoljningar", {"enhet": f"{TOO_LARGE}:{TOO_LARGE}", "artal": "2026"}),
        (officer, "/admin/uppfoljningar", {"enhet": "²:²", "artal": "²"}),
        (officer, "/admin/uppfoljningar", {"enhet": f"{demo.area_id}:{demo.unit_id}", "artal": TOO_LARGE}),
        (officer, f"/admin/anordnare/{demo.provider_id}/enheter/ny", {"kundval": TOO_LARGE, "namn": "Ny"}),
        (officer, f"/admin/enheter/{demo.unit_id}/ansokan", {"ansokan-kundval": TOO_LARGE}),
        (officer, f"/admin/enheter/{demo.unit_id}", {**unit_form, "platser": "²"}),
        (officer, f"/admin/enheter/{demo.unit_id}", {**unit_form, "lediga_platser": "99999999999"}),
        (care_editor, f"/anordnare-portal/enheter/{care_unit}/profil",
         {**profile, "profil-daglig-verksamhet-lss-antal-platser": "²"}),
        (care_editor, f"/anordnare-portal/enheter/{care_unit}/profil", {**profile, "lediga_platser": "١٢٣٤٥٦٧٨٩٠"}),
    ]
    for client, path, data in posts:
        before = state(ctx.app)
        response = client.post(path, data={**data, "csrf_token": token(client)})
        response.close()
        assert response.status_code == 400, (path, data, response.status_code)
        assert state(ctx.app) == before, (path, data)
    for query in (f"ar={TOO_LARGE}", "ar=²", f"sida={TOO_LARGE}0000000000"):
        assert officer.get(f"/admin/uppfoljningar?{query}").status_code == 200, query
    header = "Område;År;Enhet;Fråga;Antal svarande;Andel positiva\n"
    for row in ("förskola;2025;backens-forskola;trygghet;99999999999;95,8",
                "förskola;2025;backens-forskola;trygghet;²;90", "förskola;2025;backens-forskola;trygghet;24;²"):
        response = _upload(ctx, "surveys", (header + row + "\n").encode(), "resultat.csv")
        assert response.status_code == 200 and 'name="token"' not in response.get_data(as_text=True), row


def scraped_form(client, path: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from tests.test_admin_followups import form_fields
    fields: dict[str, Any] = form_fields(client, path)
    fields.pop("csrf_token", None)
    return fields


def test_nul_in_a_second_value_of_a_field_is_refused_too(ctx: Context) -> None:
    officer = ctx.clients("officer_area")
    for path in (f"/kundval/{ctx.demo.area_slug}/jamfor?enhet={ctx.demo.unit_slug}&enhet=%00",
                 f"/kundval/{ctx.demo.area_slug}?kommundel=Boo&kommundel=a%00b"):
        assert officer.get(path).status_code == 400, path
    before = state(ctx.app)
    response = officer.post(f"/admin/enheter/{ctx.demo.unit_id}", data={
        "csrf_token": token(officer), "sprak": ["en", "fi\x00"]})
    assert response.status_code == 400 and state(ctx.app) == before
