"""Throw-away databases for tests, on SQLite (files) or PostgreSQL (CREATE DATABASE … TEMPLATE …).

Set ``JAMFORAREN_TEST_POSTGRES`` to a PostgreSQL server URL (any existing database on it, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres``) to run the suite on PostgreSQL; otherwise SQLite.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jamforaren.config import normalise_database_url


class SqliteBackend:
    name = "sqlite"

    def __init__(self, folder: Path):
        self.folder = folder

    def url(self, name: str) -> str:
        return f"sqlite:///{self.folder / (name + '.sqlite3')}"

    def create(self, name: str) -> str:
        (self.folder / f"{name}.sqlite3").unlink(missing_ok=True)
        return self.url(name)

    def clone(self, template: str, name: str) -> str:
        shutil.copyfile(self.folder / f"{template}.sqlite3", self.folder / f"{name}.sqlite3")
        return self.url(name)

    def drop_all(self) -> None:
        pass  # the folder is pytest's temporary directory


class PostgresBackend:
    name = "postgresql"

    def __init__(self, server_url: str):
        self.server_url = make_url(normalise_database_url(server_url))
        self.prefix = f"jf_test_{uuid.uuid4().hex[:8]}_"
        self.created: list[str] = []
        self.engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")

    def url(self, name: str) -> str:
        return self.server_url.set(database=self.prefix + name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        database = self.prefix + name
        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            clause = f' TEMPLATE "{self.prefix + template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{database}"{clause}'))
        self.created.append(database)
        return self.url(name)

    def clone(self, template: str, name: str) -> str:
        return self.create(name, template=template)

    def drop_all(self) -> None:
        with self.engine.connect() as connection:
            for database in reversed(self.created):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self.engine.dispose()


def backend_from_environment(tmp_folder: Path) -> SqliteBackend | PostgresBackend:
    server = os.environ.get("JAMFORAREN_TEST_POSTGRES")
    return PostgresBackend(server) if server else SqliteBackend(tmp_folder)
