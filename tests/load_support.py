"""Shared by the load and fault tests: the portal served by gunicorn on a free loopback port (as README's
deployment runs it), HTTP clients that keep cookies and post forms with their CSRF tokens as a browser does,
readers of the public mix, and writers that keep what was acknowledged to them, to be counted in the
database afterwards.

A write is *acknowledged* when the portal said it was done: the redirect that follows a successful form
(303, or 302 after an import) and, in the session cookie it set, the success message it will show.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import (
    Action, Area, AuditEvent, Authorisation, AuthorisationStatus, FollowUp, PageFeedback, Provider, Unit,
)
from jamforaren.paths import PROJECT_ROOT
from jamforaren.services.demo_data import DEMO_PASSWORD
from tests.private_postgres import free_port

SECRET_KEY = "load-and-fault-tests-" + "5e3c9a1f" * 6  # production mode wants a long, unknown key
WORKERS = 4  # gunicorn --workers 4, as in README's "Running on PostgreSQL"
REQUEST_TIMEOUT = 60.0  # seconds a client waits for an answer before it counts the request as hung
TODAY = date.today()
SEARCHES = ["förskola", "skola", "hemtjänst", "montessori", "engelska", "idrott", "forskola", "boende"]


# -- the server ----------------------------------------------------------------------------------------

@contextmanager
def gunicorn(database_url: str, instance: Path, workers: int = WORKERS) -> Iterator[str]:
    """The portal in production mode under gunicorn on a free loopback port; yields its base URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JAMFORAREN_", "DATABASE_URL"))}
    environment.update({
        "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "JAMFORAREN_ENV": "production",
        "JAMFORAREN_INSTANCE_PATH": str(instance), "SEARCH_INDEX_DIR": str(instance / "search-index"),
    })
    log_path = instance / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "90", "--graceful-timeout", "10",
             "--no-control-socket",  # else every gunicorn of the user shares ~/.gunicorn/gunicorn.ctl
             "jamforaren:create_app()"],
            cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(base, process, log_path)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(base: str, process: subprocess.Popen, log_path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn stopped ({process.returncode}):\n{server_log(log_path)}")
        if Browser(base, timeout=5).get("/api/v1/").status == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not serve within {seconds} s:\n{server_log(log_path)}")


def server_log(path: Path, characters: int = 6000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else ""


# -- a browser -----------------------------------------------------------------------------------------

@dataclass
class Answer:
    method: str
    path: str
    status: int  # 0: no answer at all (refused, reset or timed out; see error)
    headers: dict[str, str]
    body: bytes
    started: float  # time.monotonic() when the request was sent
    seconds: float
    error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def mimetype(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


class Browser:
    """One visitor: its cookies, a new connection per request, Swedish by default; every answer is handed to
    ``record`` (a list's append) as well."""

    def __init__(self, base: str, record: Callable[[Answer], None] | None = None, language: str = "sv",
                 timeout: float = REQUEST_TIMEOUT) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.record, self.language, self.timeout = record, language, timeout
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request("POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_file(self, path: str, fields: dict[str, str], name: str, filename: str, data: bytes) -> Answer:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None) -> Answer:
        headers = {"Accept-Language": self.language, "Accept": "*/*"}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            answer = Answer(method, path, response.status, {k.lower(): v for k, v in response.getheaders()},
                            data, started, time.monotonic() - started)
            for cookie in response.headers.get_all("Set-Cookie") or []:
                self._keep(cookie)
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(method, path, 0, {}, b"", started, time.monotonic() - started,
                            f"{type(error).__name__}: {error}")
        finally:
            connection.close()
        if self.record:
            self.record(answer)
        return answer

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if not morsel.value or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def csrf_token(answer: Answer) -> str | None:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', answer.text)
    return match.group(1) if match else None


def _session_serializer():  # type: ignore[no-untyped-def]
    app = Flask("load-test", root_path=str(PROJECT_ROOT))
    app.config["SECRET_KEY"] = SECRET_KEY
    return SecureCookieSessionInterface().get_signing_serializer(app)


_serializer = _session_serializer()


def successes(browser: Browser) -> int:
    """How many success messages the portal has put in the visitor's session, waiting to be shown."""
    value = browser.cookies.get("session")
    if not value:
        return 0
    flashes = _serializer.loads(value).get("_flashes", [])
    return sum(1 for category, _ in flashes if category == "success")


def acknowledged(browser: Browser, answer: Answer, before: int) -> bool:
    return answer.status in (302, 303) and successes(browser) > before


# -- what the clients do -------------------------------------------------------------------------------

@dataclass
class Mix:
    """The public mix: (kind, path) with kinds area, unit, compare, search and api."""
    paths: list[tuple[str, str]]
    unit_pages: list[str]

    def pick(self, rng: random.Random) -> tuple[str, str]:
        return rng.choice(self.paths)


def public_mix(app: Flask) -> Mix:
    with app.app_context():
        listed = db.session.execute(
            select(Area.slug, Unit.slug, Unit.district, Provider.ownership)
            .join(Authorisation, Authorisation.unit_id == Unit.id).join(Area, Area.id == Authorisation.area_id)
            .join(Provider, Provider.id == Unit.provider_id)
            .where(Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Area.position, Unit.id)).all()
    by_area: dict[str, list] = {}
    for row in listed:
        by_area.setdefault(row[0], []).append(row)
    weighted: dict[str, list[str]] = {"area": [], "unit": [], "compare": [], "search": [], "api": []}
    for area, rows in by_area.items():
        district = Counter(r[2] for r in rows if r[2]).most_common(1)
        for query in ({}, {"sortera": "nojdhet"}, {"sortera": "namn", "sida": 2}, {"driftsform": str(rows[0][3])},
                      {"kommundel": district[0][0] if district else "", "sortera": "nojdhet"}):
            weighted["area"].append(f"/kundval/{area}" + ("?" + urlencode(query) if query else ""))
        for group in [rows[i:i + 4] for i in range(0, len(rows) - 3, 4)][:3]:
            weighted["compare"].append(f"/kundval/{area}/jamfor?" + "&".join(f"enhet={quote(r[1])}" for r in group))
        weighted["api"].append(f"/api/v1/units?area={quote(area)}")
    units = sorted({r[1] for r in listed})
    weighted["unit"] = [f"/enheter/{quote(slug)}" for slug in units]
    weighted["search"] = [f"/sok?q={quote(words)}" for words in SEARCHES]
    weighted["api"] += [f"/api/v1/units/{quote(slug)}" for slug in units[::7]] + ["/api/v1/areas", "/api/v1/units",
                                                                                 "/api/v1/units.csv?area=forskola"]
    shares = {"area": 30, "unit": 30, "compare": 10, "search": 15, "api": 15}  # per cent of the reads
    paths = [(kind, rng_path) for kind, share in shares.items()
             for rng_path in random.Random(kind).choices(weighted[kind], k=share * 20)]
    return Mix(paths, weighted["unit"])


@dataclass
class Writes:
    """What one writer sent and what was acknowledged to it."""
    kind: str
    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (what, status): not acknowledged


def reader(base: str, mix: Mix, record: Callable[[Answer], None], stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(base, record, language=rng.choice(["sv", "sv", "en"]))
    while not stop.is_set():
        browser.get(mix.pick(rng)[1])


def resident_writer(base: str, mix: Mix, record: Callable[[Answer], None], stop: threading.Event, run: str,
                    writes: Writes) -> None:
    """Residents answering "Did this page help you?": read a unit page, post the answer from its form."""
    rng, number = random.Random(run), 0
    while not stop.is_set():
        browser = Browser(base, record)
        page = browser.get(rng.choice(mix.unit_pages))
        token = csrf_token(page) if page.status == 200 else None
        if token is None:
            time.sleep(0.2)
            continue
        number += 1
        target = f"/?skrivning={run}-{number}"
        answer = browser.post("/sidfeedback", {"csrf_token": token, "sida": target, "svar": "ja"})
        if acknowledged(browser, answer, 0):
            writes.acknowledged.append(target)
        else:
            writes.refused.append((target, answer.status))
            time.sleep(0.2)


def sign_in(browser: Browser, email: str, stop: threading.Event) -> None:
    while not stop.is_set():
        token = csrf_token(browser.get("/logga-in"))
        if token and browser.post("/logga-in", {"csrf_token": token, "epost": email,
                                                "losenord": DEMO_PASSWORD}).status == 303:
            return
        time.sleep(0.2)


def follow_up_writer(base: str, record: Callable[[Answer], None], stop: threading.Event, run: str, email: str,
                     drafts: list[int], writes: Writes) -> None:
    """An officer adding required actions to draft follow-ups, one after the other, as the form posts them."""
    browser = Browser(base, record)
    sign_in(browser, email, stop)
    token, number = None, 0
    while not stop.is_set():
        draft = f"/admin/uppfoljningar/{drafts[number % len(drafts)]}"
        token = token or csrf_token(browser.get(draft))
        if token is None:
            time.sleep(0.2)
            continue
        number += 1
        description = f"Lasttest {run}-{number}: ta fram en rutin."
        before = successes(browser)
        answer = browser.post(f"{draft}/atgarder", {
            "csrf_token": token, "ny_beskrivning": description,
            "ny_sista_dag": (TODAY + timedelta(days=60)).isoformat(), "ny_norm": ""})
        if acknowledged(browser, answer, before):
            writes.acknowledged.append(description)
            browser.get(draft)  # the browser follows the redirect and shows the message
        else:
            writes.refused.append((description, answer.status))
            time.sleep(0.2)


def import_writer(base: str, record: Callable[[Answer], None], stop: threading.Event, email: str, rows: str,
                  writes: Writes) -> None:
    """An officer importing key figures: upload, preview, confirm. ``rows`` is a CSV row with ``{value}``;
    every file differs (its value), so each import changes the database and is one audit event."""
    browser = Browser(base, record)
    sign_in(browser, email, stop)
    number = 0
    while not stop.is_set():
        token = csrf_token(browser.get("/admin/import"))
        if token is None:
            time.sleep(0.2)
            continue
        number += 1
        value = f"{10 + number // 100},{number % 100:02d}"  # never a demo value (4,4–6,2)
        data = ("Område;År;Enhet;Nyckeltal;Värde\r\n" + rows.format(value=value) + "\r\n").encode()
        digest = hashlib.sha256(data).hexdigest()
        preview = browser.post_file("/admin/import", {"csrf_token": token, "slag": "keyfigures"}, "fil",
                                    f"nyckeltal-{number}.csv", data)
        staged = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.text) or \
            re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', preview.text)
        if preview.status != 200 or not staged:
            writes.refused.append((digest, preview.status))
            time.sleep(0.2)
            continue
        before = successes(browser)
        answer = browser.post("/admin/import/bekrafta", {"csrf_token": csrf_token(preview) or token,
                                                         "token": staged.group(1)})
        if acknowledged(browser, answer, before):
            writes.acknowledged.append(digest)
            browser.get("/admin/import")  # follows the redirect and shows the message
        else:
            writes.refused.append((digest, answer.status))
            time.sleep(0.2)


# -- before and after ----------------------------------------------------------------------------------

def draft_targets(app: Flask, area_slug: str, count: int) -> list[str]:
    """``enhet`` values (area id:unit id) of authorised units of the area without a follow-up this year."""
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == area_slug))
        done = select(FollowUp.unit_id).where(FollowUp.area_id == area.id, FollowUp.year == TODAY.year)
        units = db.session.scalars(
            select(Unit.id).join(Authorisation).where(
                Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED,
                Unit.id.not_in(done)).order_by(Unit.id).limit(count)).all()
        assert len(units) == count, f"not {count} units to follow up in {area_slug}"
        return [f"{area.id}:{unit_id}" for unit_id in units]


def create_drafts(base: str, email: str, targets: list[str]) -> list[int]:
    """Draft follow-ups created through the back office, as the officer would."""
    browser = Browser(base)
    sign_in(browser, email, threading.Event())
    token = csrf_token(browser.get("/admin/uppfoljningar"))
    drafts = []
    for target in targets:
        answer = browser.post("/admin/uppfoljningar", {"csrf_token": token or "", "enhet": target,
                                                       "artal": str(TODAY.year)})
        match = re.fullmatch(r"/admin/uppfoljningar/(\d+)", urlsplit(answer.headers.get("location", "")).path)
        assert answer.status == 303 and match, (answer.status, answer.text[:2000])
        drafts.append(int(match.group(1)))
    return drafts


def found_in_database(app: Flask, run: str) -> dict[str, set[str]]:
    """What the database holds of the run's writes, by kind."""
    with app.app_context():
        feedback = set(db.session.scalars(select(PageFeedback.path).where(
            PageFeedback.path.like(f"/?skrivning={run}-%"))))
        actions = set(db.session.scalars(select(Action.description).where(
            Action.description.like(f"Lasttest {run}-%"))))
        imports = {event.changes.get("sha256") for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "import", AuditEvent.entity_type == "keyfigures_import"))}
        db.session.remove()
    return {"page feedback": feedback, "follow-up actions": actions, "imports": {d for d in imports if d}}
