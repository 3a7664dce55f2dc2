"""Configuration from the environment, and the CLI's answers to bad settings."""

from __future__ import annotations

import pytest

from jamforaren import create_app
from jamforaren.config import ConfigError


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(environ={"JAMFORAREN_ENV": "production"}, instance_path=tmp_path)


def test_production_starts_with_a_secret_key_and_secure_cookies(tmp_path):
    app = create_app(environ={"JAMFORAREN_ENV": "production", "SECRET_KEY": "x" * 40,
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}, instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_defaults_use_an_sqlite_file_in_the_instance_folder_and_swedish(tmp_path):
    app = create_app(environ={}, instance_path=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'jamforaren.sqlite3'}"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "sv"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    # the development secret is kept, so sessions survive a restart
    assert create_app(environ={}, instance_path=tmp_path).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_municipality_and_postgres_url_come_from_the_environment(tmp_path):
    app = create_app(environ={"MUNICIPALITY_NAME": "Exempelby kommun", "MUNICIPALITY_LOGO_TEXT": "Exempelby",
                              "DATABASE_URL": "postgres://u@db.example:5432/jf"}, instance_path=tmp_path)
    assert app.config["MUNICIPALITY_NAME"] == "Exempelby kommun"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/jf"


def test_the_municipality_name_appears_on_pages(tmp_path, backend):
    from tests.conftest import dispose, make_app

    app = make_app(backend.create("municipality"), tmp_path, MUNICIPALITY_NAME="Exempelby kommun",
                   MUNICIPALITY_LOGO_TEXT="Exempelby")
    from jamforaren import migrate
    from jamforaren.extensions import db
    with app.app_context():
        migrate.upgrade(db.engine)
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Exempelby kommun" in page and ">Exempelby<" in page
    dispose(app)


def test_cli_production_without_secret_is_a_clear_error(run_cli):
    result = run_cli("db", "current", env={"JAMFORAREN_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unreachable_database_is_a_clear_error(run_cli):
    result = run_cli("db", "upgrade", database_url="postgresql://nobody:secret@127.0.0.1:1/nowhere", timeout=60)
    assert result.returncode == 1
    assert "Cannot use the database at postgresql+psycopg://nobody:***@127.0.0.1:1/nowhere" in result.stderr
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_seed_before_upgrade_says_what_to_do(run_cli, empty_database):
    result = run_cli("seed", database_url=empty_database)
    assert result.returncode == 1
    assert "jamforaren db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("secret", ["change-me", "dev", "kort-hemlighet"])
def test_production_refuses_a_default_or_short_secret_key(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY is a default or shorter"):
        create_app(environ={"JAMFORAREN_ENV": "production", "SECRET_KEY": secret}, instance_path=tmp_path)


def test_production_refuses_debug_mode(tmp_path):
    with pytest.raises(ConfigError, match="Debug mode is on"):
        create_app(environ={"JAMFORAREN_ENV": "production", "SECRET_KEY": "y" * 40, "FLASK_DEBUG": "1"},
                   instance_path=tmp_path)
