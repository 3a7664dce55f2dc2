"""Database faults (jamforaren/db_faults.py): a read whose connection is cut mid-request is run again and
answers 200; a write is never run again and answers 503 with nothing saved; while the database cannot be
reached every page answers a translated 503 with Retry-After (the API a problem), fast and without a stack
trace; connections dropped between requests are replaced (pool_pre_ping); and, on PostgreSQL, the portal
under load survives all its connections being terminated and the database restarting: it answers 503
meanwhile, serves again within 5 s of the database and loses no acknowledged write.
"""

from __future__ import annotations

import logging
import re
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_babel import gettext
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from jamforaren import indexing
from jamforaren.config import load_config
from jamforaren.extensions import db
from jamforaren.models import PageFeedback
from tests.api_helpers import Contract
from tests.conftest import OFFICER_CARE, csrf_token, dispose, make_app, sign_in
from tests.load_support import (
    Answer, Browser, Writes, create_drafts, draft_targets, follow_up_writer, found_in_database, gunicorn,
    public_mix, reader, resident_writer, server_log,
)
from tests.private_postgres import PrivateCluster, free_port, missing, server_programs

RETRY_LOG = "running it again"
UNREADABLE = ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "sqlite3")


def t(app: Flask, text_: str, language: str = "sv", **values: Any) -> str:
    with app.test_request_context(headers={"Accept-Language": language}):
        return gettext(text_, **values)


class ConnectionCutter:
    """Cuts the app's database connection, once, just before the ``at``-th statement that ``when`` picks: on
    PostgreSQL the server ends the session (pg_terminate_backend, as an operator or a restart would); on SQLite
    the connection is closed under the app. Counts the statements ``when`` picks, before and after."""

    def __init__(self, app: Flask, backend: Any, when: Callable[[str], bool], at: int = 1) -> None:
        self.app, self.backend, self.when, self.at = app, backend, when, at
        self.picked = 0
        self.cut = False
        with app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self)

    def __call__(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.when(statement):
            return
        self.picked += 1
        if self.cut or self.picked < self.at:
            return
        self.cut = True
        raw = connection.connection.dbapi_connection
        if self.backend.name == "sqlite":
            raw.close()
            return
        pid = raw.info.backend_pid
        with self.backend.engine.connect() as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):  # until the server has ended it
                if not admin.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                    break
                time.sleep(0.05)

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self)


def selects(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT")


# -- retry of reads, never of writes --------------------------------------------------------------------

def test_a_read_whose_connection_is_cut_mid_request_is_run_again_and_answers_200(fresh_app, backend, caplog):
    client = fresh_app.test_client()
    expected = client.get("/kundval/forskola?sortera=namn").get_data(as_text=True)
    cutter = ConnectionCutter(fresh_app, backend, selects, at=2)
    try:
        with caplog.at_level(logging.INFO, logger="jamforaren.db_faults"):
            response = client.get("/kundval/forskola?sortera=namn&sida=1")
    finally:
        cutter.remove()
    assert cutter.cut and cutter.picked > 2  # cut at the second SELECT; the run again read on
    assert response.status_code == 200
    assert _main(response.get_data(as_text=True)) == _main(expected)
    assert RETRY_LOG in caplog.text


def test_a_signed_in_officers_read_is_run_again_with_the_user_loaded_afresh(fresh_app, backend, caplog):
    client = fresh_app.test_client()
    sign_in(client, OFFICER_CARE)
    expected = client.get("/admin/uppfoljningar").get_data(as_text=True)
    cutter = ConnectionCutter(fresh_app, backend, selects, at=3)  # after the user was loaded through it
    try:
        with caplog.at_level(logging.INFO, logger="jamforaren.db_faults"):
            response = client.get("/admin/uppfoljningar")
    finally:
        cutter.remove()
    assert cutter.cut and response.status_code == 200
    assert _main(response.get_data(as_text=True)) == _main(expected)
    assert RETRY_LOG in caplog.text


def test_a_write_whose_connection_is_cut_is_not_run_again_answers_503_and_saves_nothing(fresh_app, backend):
    client = fresh_app.test_client()
    token = csrf_token(client, "/")
    form = {"csrf_token": token, "svar": "ja", "sida": "/om-jamforelserna?avbruten=1"}
    inserts = ConnectionCutter(fresh_app, backend, lambda s: s.lstrip().startswith("INSERT INTO page_feedback"))
    try:
        response = client.post("/sidfeedback", data=form)
    finally:
        inserts.remove()
    assert inserts.cut and inserts.picked == 1  # the INSERT was tried once, never again
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    page = response.get_data(as_text=True)
    assert t(fresh_app, "What you sent may not have been saved. Go back and send it again in a minute.") in page
    assert not any(word in page for word in UNREADABLE)
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PageFeedback)
                                 .where(PageFeedback.path == form["sida"])) == 0

    # The portal recovers by itself: the next requests get a new connection.
    assert client.get("/").status_code == 200
    assert client.post("/sidfeedback", data=form).status_code == 303
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PageFeedback)
                                 .where(PageFeedback.path == form["sida"])) == 1


# -- 503 while the database cannot be reached ------------------------------------------------------------

@pytest.fixture()
def unreachable_app(backend, tmp_path):  # type: ignore[no-untyped-def]
    """The portal configured with a database that cannot be reached: a closed port, or a missing folder."""
    if backend.name == "postgresql":
        url = backend.server_url.set(port=free_port(), database="jamforaren").render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'missing-folder' / 'jamforaren.sqlite3'}"
    app = make_app(url, tmp_path / "instance-unreachable")
    yield app
    dispose(app)


def test_while_the_database_cannot_be_reached_pages_answer_a_translated_503(unreachable_app):
    client = unreachable_app.test_client()
    for language in ("sv", "en"):
        for path in ("/", "/kundval/forskola?sortera=namn", "/enheter/backens-forskola", "/sok?q=skola"):
            started = time.monotonic()
            response = client.get(path, headers={"Accept-Language": language})
            assert time.monotonic() - started < 5, path
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "10" and response.headers["Cache-Control"] == "no-store"
            assert response.headers["Content-Security-Policy"]  # the after-request hooks ran
            page = response.get_data(as_text=True)
            assert f"<h1>{t(unreachable_app, 'Temporarily unavailable', language)}</h1>" in page
            assert t(unreachable_app, "Try this page again", language) in page
            assert not any(word in page for word in UNREADABLE), path

    page = client.get("/").get_data(as_text=True)  # the page's own form still carries a CSRF token
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/sidfeedback", data={"csrf_token": token, "svar": "ja", "sida": "/"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert t(unreachable_app, "What you sent may not have been saved. Go back and send it again in a minute.") \
        in response.get_data(as_text=True)


def test_a_signed_in_officer_gets_the_503_page_too(unreachable_app, fresh_app):
    working = fresh_app.test_client()
    sign_in(working, OFFICER_CARE)
    client = unreachable_app.test_client()  # the same secret key: the officer's session cookie is valid here
    client.set_cookie("session", working.get_cookie("session").value)
    for path in ("/admin/", "/admin/uppfoljningar", "/anordnare-portal/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert t(unreachable_app, "Temporarily unavailable") in response.get_data(as_text=True)


def test_while_the_database_cannot_be_reached_the_api_answers_a_503_problem(unreachable_app, client):
    contract = Contract(client.get("/api/v1/openapi.json").get_json())
    dead = unreachable_app.test_client()
    for path in ("/api/v1/units?area=forskola", "/api/v1/units/backens-forskola", "/api/v1/areas.csv"):
        response = dead.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "10", path
        body = contract.check(path, response)
        assert body["type"].endswith("#problem-service-unavailable")
        assert body["title"] == "Service unavailable" and "Retry-After" in body["detail"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    swedish = dead.get("/api/v1/units").get_json()
    assert swedish["title"] == t(unreachable_app, "Service unavailable")
    docs = client.get("/oppna-data").get_data(as_text=True)
    assert 'id="problem-service-unavailable"' in docs


def test_a_database_without_its_tables_is_a_fault_of_ours_not_an_outage(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path / "instance-empty")
    try:  # not a 503 that asks to come back later: the error goes on to the 500 page (raised, when testing)
        with pytest.raises(DBAPIError, match="audit_event"):
            app.test_client().get("/kundval/forskola")
    finally:
        dispose(app)


# -- connection health ---------------------------------------------------------------------------------

def test_postgresql_connections_are_checked_before_use_and_renewed(tmp_path):
    options = load_config(tmp_path, {"DATABASE_URL": "postgresql://u@db.example/jf",
                                     "SECRET_KEY": "x" * 40})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {"pool_pre_ping": True, "pool_recycle": 1800, "connect_args": {"connect_timeout": 5}}
    options = load_config(tmp_path, {"DATABASE_URL": "postgresql://u@db.example/jf?connect_timeout=2",
                                     "SECRET_KEY": "x" * 40})["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "connect_args" not in options  # the URL's own timeout is kept
    assert load_config(tmp_path, {"SECRET_KEY": "x" * 40})["SQLALCHEMY_ENGINE_OPTIONS"] == {}  # SQLite file


def test_connections_the_server_dropped_between_requests_are_replaced_unseen(fresh_app, backend, caplog):
    if backend.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections; run with JAMFORAREN_TEST_POSTGRES")
    client = fresh_app.test_client()
    for path in ("/", "/kundval/forskola", "/api/v1/units"):
        assert client.get(path).status_code == 200  # the pool now holds connections
    database = make_url(fresh_app.config["SQLALCHEMY_DATABASE_URI"]).database
    with backend.engine.connect() as admin:
        ended = admin.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database})
    assert ended >= 1
    with caplog.at_level(logging.INFO, logger="jamforaren.db_faults"):
        for path in ("/kundval/forskola?sortera=nojdhet", "/api/v1/areas", "/enheter/backens-forskola"):
            assert client.get(path).status_code == 200, path
    assert RETRY_LOG not in caplog.text  # pool_pre_ping replaced them before any request saw them


def _main(page: str) -> str:
    """The page's main content, its CSRF tokens (signed with the time) left out."""
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+"', r'\1"', main)


# -- the fault test: terminated connections and a restart under load --------------------------------------

OUTAGE_SECONDS = 3.0
RECOVERY_BOUND = 5.0  # the portal serves again within this many seconds of the database
ANSWER_BOUND = 10.0  # no request waits longer than this for its answer, outage or not


def test_under_load_the_portal_survives_terminated_connections_and_a_database_restart(
        backend, demo_template, tmp_path, capsys):
    if backend.name != "postgresql":
        pytest.skip("the fault test restarts a PostgreSQL server (a private one it starts itself): run it with "
                    "JAMFORAREN_TEST_POSTGRES, which also provides the demo data it copies")
    if reason := missing():
        pytest.skip(reason)
    programs = server_programs()
    assert programs is not None
    cluster = PrivateCluster(programs)
    instance = tmp_path / "instance"
    run = uuid.uuid4().hex[:8]
    answers: list[Answer] = []
    probe: list[Answer] = []
    moments: dict[str, float] = {}
    try:
        cluster.init()
        cluster.start()
        url = _copy_demo_data(programs, backend.url(demo_template), cluster, tmp_path)
        app = make_app(url, instance)
        try:
            indexing.build(app)
            mix = public_mix(app)
            targets = draft_targets(app, "hemtjanst", 2)
        finally:
            dispose(app)

        with gunicorn(url, instance) as base:
            drafts = create_drafts(base, OFFICER_CARE, targets)
            stop = threading.Event()
            feedback, actions = Writes("page feedback"), Writes("follow-up actions")
            threads = [threading.Thread(target=reader, args=(base, mix, answers.append, stop, n)) for n in range(6)]
            threads += [
                threading.Thread(target=resident_writer, args=(base, mix, answers.append, stop, run, feedback)),
                threading.Thread(target=follow_up_writer, args=(base, answers.append, stop, run, OFFICER_CARE,
                                                                drafts, actions)),
                threading.Thread(target=_probe, args=(base, mix.unit_pages[0], probe.append, stop)),
            ]
            for thread in threads:
                thread.start()
            try:
                time.sleep(4)
                moments["terminate"] = time.monotonic()
                moments["terminated"] = _terminate_all(cluster.url("postgres"), "jamforaren")
                time.sleep(2)
                moments["stop"] = time.monotonic()
                cluster.stop("fast")
                moments["down"] = time.monotonic()
                time.sleep(OUTAGE_SECONDS)
                moments["start"] = time.monotonic()
                cluster.start()
                moments["up"] = time.monotonic()  # pg_ctl -w returns once the server accepts connections
                time.sleep(8)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=ANSWER_BOUND + 60)
            log = server_log(instance / "gunicorn.log")
        counting = make_app(url, tmp_path / "instance-count")
        try:
            found = found_in_database(counting, run)
        finally:
            dispose(counting)
    finally:
        cluster.remove()

    statuses = Counter(a.status for a in answers + probe)
    during = [a for a in answers + probe if moments["down"] <= a.started and a.started + a.seconds <= moments["start"]]
    between = [a for a in answers + probe if a.method == "GET" and moments["terminate"] <= a.started
               and a.started + a.seconds < moments["stop"]]
    first_ok = min((a.started + a.seconds for a in probe if a.status == 200 and a.started >= moments["up"]),
                   default=float("inf"))
    late_503 = [a for a in answers + probe if a.status == 503 and a.started >= moments["up"] + RECOVERY_BOUND]
    with capsys.disabled():
        print(f"\nfault test: {len(answers) + len(probe)} requests, statuses {dict(sorted(statuses.items()))}; "
              f"{moments['terminated']} connections terminated; outage {moments['start'] - moments['down']:.1f} s "
              f"({len(during)} answers, {sum(a.status == 503 for a in during)} of them 503); served again "
              f"{first_ok - moments['up']:.2f} s after the database; slowest answer "
              f"{max(a.seconds for a in answers + probe):.2f} s; acknowledged/found: "
              f"page feedback {len(feedback.acknowledged)}/{len(found['page feedback'])}, "
              f"follow-up actions {len(actions.acknowledged)}/{len(found['follow-up actions'])}")

    context = f"statuses {statuses}; server log:\n{log}"
    assert moments["terminated"] >= 1
    assert statuses[0] == 0, [a.error for a in answers if a.status == 0][:5]
    assert not [a for a in answers + probe if a.status >= 500 and a.status != 503], context
    assert max(a.seconds for a in answers + probe) < ANSWER_BOUND
    # Connections terminated between requests or under them: reads carry on (pool_pre_ping, the retry).
    assert between and all(a.status == 200 for a in between), Counter(a.status for a in between)
    # While the database is down every answer is a 503 with Retry-After: the page, or a problem from the API.
    assert during and all(a.status == 503 and a.headers.get("retry-after") == "10" for a in during), \
        Counter(a.status for a in during)
    assert all(a.mimetype == ("application/problem+json" if a.path.startswith("/api/") else "text/html")
               for a in during)
    titles = {"sv": "<h1>Tillfälligt otillgänglig</h1>", "en": "<h1>Temporarily unavailable</h1>"}
    assert all(titles["en" if '<html lang="en">' in a.text else "sv"] in a.text
               for a in during if a.mimetype == "text/html")
    # Back within 5 s of the database, without a restart of the portal; no 503 after that.
    assert first_ok - moments["up"] <= RECOVERY_BOUND, context
    assert not late_503, [(a.path, a.started - moments["up"]) for a in late_503[:5]]
    assert any(a.method == "POST" and a.status == 303 and a.started > moments["up"] for a in answers)
    # No acknowledged write is lost.
    for writes in (feedback, actions):
        assert writes.acknowledged, f"no {writes.kind} acknowledged"
        assert set(writes.acknowledged) <= found[writes.kind], set(writes.acknowledged) - found[writes.kind]


def _probe(base: str, path: str, record: Callable[[Answer], None], stop: threading.Event) -> None:
    browser = Browser(base, record)
    while not stop.is_set():
        browser.get(path)
        time.sleep(0.1)


def _terminate_all(server_url: str, database: str) -> int:
    engine = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as admin:
            return int(admin.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database}))
    finally:
        engine.dispose()


def _copy_demo_data(programs: Any, demo_url: str, cluster: PrivateCluster, tmp_path: Any) -> str:
    """The suite's demo database, copied into the private cluster (pg_dump, pg_restore)."""
    source = make_url(demo_url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = tmp_path / "demo.dump"
    engine = create_engine(cluster.url("postgres").replace("postgresql://", "postgresql+psycopg://"),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as admin:
            admin.execute(text('CREATE DATABASE "jamforaren"'))
    finally:
        engine.dispose()
    for command in ([str(programs / "pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", source],
                    [str(programs / "pg_restore"), "--no-owner", "--exit-on-error", "-d",
                     cluster.url("jamforaren"), str(dump)]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    return cluster.url("jamforaren")
