"""Fixtures: throw-away databases on SQLite or PostgreSQL, the demo portal, clients that check HTML."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jamforaren import create_app, migrate
from jamforaren.extensions import db
from jamforaren.paths import CATALOGUE_DIR, DEMO_VOCABULARY, PROJECT_ROOT
from jamforaren.services.seeding import seed_demo
from tests.databases import backend_from_environment
from tests.html_checks import check_page

DEMO_SEED = 2026
DEMO_YEAR = 2026
_names = itertools.count(1)


class CheckedClient(FlaskClient):
    """A test client that checks every HTML page it receives."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not response.is_streamed and response.status_code != 304:
            problems = check_page(response.get_data(as_text=True))
            assert not problems, f"HTML problems on {args[0] if args else kwargs.get('path')}: {problems}"
        return response


def make_app(url: str, instance: Path, **config) -> Flask:  # type: ignore[no-untyped-def]
    settings = {"MODE": "testing", "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                "SEARCH_INDEX_DIR": str(instance / "search-index"), "SEARCH_BUILD_IN_BACKGROUND": False}
    settings.update(config)
    app = create_app(settings, instance_path=instance)
    app.test_client_class = CheckedClient
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    chosen = backend_from_environment(tmp_path_factory.mktemp("databases"))
    yield chosen
    chosen.drop_all()


@pytest.fixture(scope="session")
def demo_template(backend, tmp_path_factory: pytest.TempPathFactory) -> str:  # type: ignore[no-untyped-def]
    """A database with the schema and the demo data, built once per run and cloned by tests."""
    app = make_app(backend.create("demo"), tmp_path_factory.mktemp("instance-demo"))
    with app.app_context():
        migrate.upgrade(db.engine)
        seed_demo(CATALOGUE_DIR, DEMO_VOCABULARY, seed=DEMO_SEED, year=DEMO_YEAR,
                  municipality=app.config["MUNICIPALITY_NAME"])
    dispose(app)
    return "demo"


@pytest.fixture(scope="session")
def demo_app(backend, demo_template, tmp_path_factory) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The demo portal for tests that only read: shared by the whole run."""
    app = make_app(backend.clone(demo_template, "demo_shared"), tmp_path_factory.mktemp("instance-shared"))
    yield app
    dispose(app)


@pytest.fixture()
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture()
def fresh_app(backend, demo_template, tmp_path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A private copy of the demo portal for a test that writes."""
    app = make_app(backend.clone(demo_template, f"demo_{next(_names)}"), tmp_path / "instance")
    yield app
    dispose(app)


@pytest.fixture()
def empty_database(backend) -> str:  # type: ignore[no-untyped-def]
    return backend.create(f"empty_{next(_names)}")


@pytest.fixture()
def run_cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run the ``jamforaren`` console script as a user would, in its own process."""
    script = Path(sys.executable).parent / "jamforaren"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "jamforaren.cli"]

    def run(*args: str, database_url: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 300, input: str | None = None) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("JAMFORAREN_", "DATABASE_URL"))}
        environment.update({"JAMFORAREN_INSTANCE_PATH": str(tmp_path / "cli-instance"), "PYTHONWARNINGS": "error"})
        if database_url:
            environment["DATABASE_URL"] = database_url
        environment.update(env or {})
        return subprocess.run([*command, *args], capture_output=True, text=True, env=environment,
                              cwd=PROJECT_ROOT, timeout=timeout, input=input)  # input: what stdin reads

    return run


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would submit it."""
    import re
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no form with a CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str | None = None) -> None:
    """Sign in through the login form (demo accounts share the demo password)."""
    from jamforaren.services.demo_data import DEMO_PASSWORD
    response = client.post("/logga-in", data={"csrf_token": csrf_token(client, "/logga-in"), "epost": email,
                                              "losenord": password or DEMO_PASSWORD})
    assert response.status_code == 303, f"could not sign in as {email}"


ADMIN = "admin@demo.invalid"
OFFICER_EDUCATION = "handlaggare.utbildning@demo.invalid"  # officer of the Utbildningsprocessen's areas
OFFICER_CARE = "handlaggare.omsorg@demo.invalid"           # officer of the social care areas
EDITOR = "anordnare.skola@demo.invalid"                    # editor of one provider
