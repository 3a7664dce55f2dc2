"""`jamforaren backup FILE` / `jamforaren restore FILE`, run as a user runs them, on SQLite and PostgreSQL.

A round trip brings back every table row by row; a restore refuses (changing nothing) a database that holds
data without --force, a damaged or truncated file and a file of the other kind of database; a SQLite backup
taken while another connection writes is one consistent snapshot.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, delete, func, insert, inspect, make_url, select, text, update

from jamforaren import migrate, search
from jamforaren.data_version import VERSION_QUERY
from jamforaren.models import Base
from jamforaren.paths import MIGRATIONS_DIR

TABLES = Base.metadata.tables


@pytest.fixture()
def demo_database(backend, demo_template) -> str:  # type: ignore[no-untyped-def]
    """A private copy of the demo database (its URL)."""
    return backend.clone(demo_template, f"backup_{uuid.uuid4().hex[:8]}")


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the models' tables and alembic_version), in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            assert present == set(TABLES) | {"alembic_version"}, present ^ (set(TABLES) | {"alembic_version"})
            rows = {name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
                    for name, table in TABLES.items()}
            rows["alembic_version"] = [tuple(row) for row in connection.execute(
                text("SELECT version_num FROM alembic_version ORDER BY version_num"))]
        return rows
    finally:
        engine.dispose()


def data_version(url: str) -> tuple[Any, Any]:
    """What the page cache takes for the version of the data (the newest public audit event's id and time),
    read with the portal's own query."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(connection.exec_driver_sql(VERSION_QUERY).one())
    finally:
        engine.dispose()


def printed_counts(output: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (\w+) +(\d+)$", output, re.MULTILINE)}


def assert_refused(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for phrase in (*phrases, "Nothing was changed."):
        assert phrase in result.stderr, result.stderr


def change_everything(url: str) -> None:
    """Deletes, alters and adds rows in many tables, alembic_version and the audit log included."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            t = TABLES
            connection.execute(delete(t["survey_result"]).where(t["survey_result"].c.id % 3 == 0))
            connection.execute(delete(t["key_figure_value"]).where(t["key_figure_value"].c.id % 2 == 0))
            connection.execute(update(t["assessment"]).values(comment="ändrad efter säkerhetskopian"))
            connection.execute(update(t["provider"]).values(name=t["provider"].c.name + " (ändrad)"))
            connection.execute(delete(t["comment"]))
            connection.execute(delete(t["audit_event"]))
            connection.execute(insert(t["audit_event"]).values(id=10_000, actor="test", action="update",
                                                               entity_type="unit", entity_id=1, changes={}))
            connection.execute(text("UPDATE alembic_version SET version_num = 'changed'"))
    finally:
        engine.dispose()


def rename_unit(url: str, unit_id: int, name: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(update(TABLES["unit"]).where(TABLES["unit"].c.id == unit_id).values(name=name))
    finally:
        engine.dispose()


def search_names(index_dir: Path, query: str) -> dict[int, str]:
    index = search.SearchIndex(index_dir)
    try:
        result = index.search(query, per_page=100)
        assert result.available, result.status
        return {hit.unit_id: hit.name for hit in result.hits}
    finally:
        index.close()


def test_round_trip_brings_back_every_table_row_by_row(run_cli, demo_database, tmp_path):
    index_dir = tmp_path / "cli-instance" / "search-index"
    assert run_cli("reindex", database_url=demo_database).returncode == 0
    unit_id, unit_name = next(iter(search_names(index_dir, "").items()))
    before = snapshot(demo_database)
    version_at_backup = data_version(demo_database)
    file = tmp_path / "portal.backup"

    made = run_cli("backup", str(file), database_url=demo_database)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # it holds password hashes
    assert printed_counts(made.stdout) == {name: len(rows) for name, rows in before.items()}
    assert f"{len(before)} tables, {sum(map(len, before.values()))} rows" in made.stdout

    rename_unit(demo_database, unit_id, "Zyxwvut förändrad enhet")
    assert run_cli("reindex", database_url=demo_database).returncode == 0
    assert unit_id in search_names(index_dir, "Zyxwvut")
    change_everything(demo_database)
    changed = snapshot(demo_database)
    assert all(changed[name] != before[name] for name in
               ("survey_result", "key_figure_value", "assessment", "provider", "unit", "comment", "audit_event",
                "alembic_version"))
    version_before_restore = data_version(demo_database)

    restored = run_cli("restore", "--force", str(file), database_url=demo_database)
    assert restored.returncode == 0, restored.stderr
    assert printed_counts(restored.stdout) == {name: len(rows) for name, rows in before.items()}
    assert "Search index rebuilt" in restored.stdout

    after = snapshot(demo_database)
    for name, rows in before.items():
        if name != "audit_event":
            assert after[name] == rows, f"table {name} differs after the restore"
    # The audit log is as it was, plus one event for the restore, which is the newest.
    assert after["audit_event"][:-1] == before["audit_event"]
    newest = dict(zip(TABLES["audit_event"].columns.keys(), after["audit_event"][-1]))
    assert (newest["action"], newest["entity_type"], newest["actor"], newest["public"]) == (
        "restore", "database", "cli", True)
    assert newest["changes"]["backup_revision"] == migrate.head_revision()
    assert f"event {newest['id']}" in restored.stdout
    version_after = data_version(demo_database)
    assert version_after not in (version_at_backup, version_before_restore)
    assert version_after[0] == newest["id"]

    # The search index is rebuilt from the restored data.
    assert "Zyxwvut" not in " ".join(search_names(index_dir, "Zyxwvut").values())
    assert search_names(index_dir, unit_name).get(unit_id) == unit_name


def test_restore_refuses_a_database_that_holds_data_without_force(run_cli, demo_database, empty_database,
                                                                   tmp_path):
    file = tmp_path / "portal.backup"
    assert run_cli("backup", str(file), database_url=demo_database).returncode == 0
    change_everything(demo_database)
    changed = snapshot(demo_database)

    refused = run_cli("restore", str(file), database_url=demo_database)
    assert_refused(refused, "holds data", "--force", "survey_result")
    assert snapshot(demo_database) == changed

    # An empty database (a new server) needs no --force.
    into_empty = run_cli("restore", str(file), database_url=empty_database)
    assert into_empty.returncode == 0, into_empty.stderr
    assert migrate.head_revision() in into_empty.stdout


def craft_backup(path: Path, kind: str, payload: bytes, revision: str) -> None:
    """A backup file written by the format the README describes (header, checksum, database)."""
    header = json.dumps({"kind": kind, "revision": revision, "created_at": "2026-01-01T00:00:00+00:00",
                         "tables": {}, "payload_bytes": len(payload)}).encode() + b"\n"
    digest = hashlib.sha256(header + payload).hexdigest()
    path.write_bytes(b"JAMFORAREN-BACKUP 1 " + digest.encode() + b"\n" + header + payload)


def test_restore_refuses_damaged_truncated_and_foreign_files(run_cli, backend, demo_database, tmp_path):
    file = tmp_path / "portal.backup"
    assert run_cli("backup", str(file), database_url=demo_database).returncode == 0
    data = file.read_bytes()
    change_everything(demo_database)
    changed = snapshot(demo_database)

    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    flipped = tmp_path / "flipped.backup"
    flipped.write_bytes(data[:-5000] + bytes([data[-5000] ^ 0x20]) + data[-4999:])
    header_only = tmp_path / "header-only.backup"
    header_only.write_bytes(data[: data.index(b"\n", data.index(b"\n") + 1) + 1])
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(os.urandom(10_000))
    other_kind = "postgresql" if backend.name == "sqlite" else "sqlite"
    foreign = tmp_path / "other-kind.backup"
    craft_backup(foreign, other_kind, b"PGDMP" + bytes(2000) if other_kind == "postgresql"
                 else b"SQLite format 3\x00" + bytes(4080), migrate.head_revision() or "")
    newer = tmp_path / "newer.backup"
    magic = b"SQLite format 3\x00" if backend.name == "sqlite" else b"PGDMP"
    craft_backup(newer, backend.name, magic + bytes(4080), "9999_from_the_future")

    cases = {
        truncated: "is incomplete",
        flipped: "is damaged",
        header_only: "is incomplete",
        garbage: "is not a Jämföraren backup",
        foreign: f"is a backup of a {'PostgreSQL' if other_kind == 'postgresql' else 'SQLite'} database",
        newer: "comes from a newer version",
    }
    for path, phrase in cases.items():
        assert_refused(run_cli("restore", "--force", str(path), database_url=demo_database), phrase)
        assert snapshot(demo_database) == changed, f"{path.name} changed the database"

    # A plain database file or pg_dump archive is not taken for a backup either.
    if backend.name == "sqlite":
        plain = Path(make_url(demo_database).database or "")
    else:
        plain = tmp_path / "plain.pgdump"
        pg_url = make_url(demo_database).set(drivername="postgresql")
        subprocess.run(["pg_dump", "--format=custom", f"--file={plain}",
                        f"--dbname={pg_url.render_as_string(hide_password=False)}"], check=True)
    kind_words = "a SQLite database file" if backend.name == "sqlite" else "a pg_dump archive"
    assert_refused(run_cli("restore", "--force", str(plain), database_url=demo_database), kind_words)
    assert snapshot(demo_database) == changed


def previous_revision() -> str | None:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(migrate.head_revision())
    down = head.down_revision if head else None
    return down if isinstance(down, str) else None


def test_an_older_backup_is_migrated_to_the_newest_schema(run_cli, backend, demo_database, empty_database,
                                                          tmp_path):
    older = previous_revision()
    if older is None:
        pytest.skip("there is only one schema revision, so no backup can be older")
    engine = create_engine(demo_database)
    try:
        migrate.downgrade(engine, older)
    finally:
        engine.dispose()
    file = tmp_path / "older.backup"
    made = run_cli("backup", str(file), database_url=demo_database)
    assert made.returncode == 0, made.stderr
    assert f"schema revision {older}" in made.stdout
    held = printed_counts(made.stdout)

    restored = run_cli("restore", str(file), database_url=empty_database)
    assert restored.returncode == 0, restored.stderr
    assert f"Schema migrated from revision {older} to {migrate.head_revision()}" in restored.stdout
    after = snapshot(empty_database)
    assert after["alembic_version"] == [(migrate.head_revision(),)]
    for name, count in held.items():
        assert len(after[name]) == count + (1 if name == "audit_event" else 0), name

    if backend.name == "postgresql":
        current = run_cli("db", "upgrade", database_url=demo_database)
        assert current.returncode == 0, current.stderr
        unchanged = snapshot(demo_database)
        into_newer = run_cli("restore", "--force", str(file), database_url=demo_database)
        if set(unchanged) - set(held) - {"alembic_version"}:
            # The newest schema has tables the older backup lacks: pg_restore would leave them behind (and
            # the migration then fail), so the restore is refused and changes nothing.
            assert_refused(into_newer, "has tables the backup does not")
            assert snapshot(demo_database) == unchanged
        else:  # the same tables (columns added since): restored, then migrated
            assert into_newer.returncode == 0, into_newer.stderr
            assert snapshot(demo_database)["alembic_version"] == [(migrate.head_revision(),)]


def test_a_backup_taken_while_another_connection_writes_is_consistent(run_cli, backend, demo_database,
                                                                      empty_database, tmp_path):
    """SQLite's online backup copies one moment; on PostgreSQL pg_dump and the counts share a snapshot."""
    stop = threading.Event()
    committed: list[int] = []
    failures: list[BaseException] = []
    audit_event = TABLES["audit_event"]

    def write_pairs() -> None:
        """Commits pairs of audit events: a consistent copy has whole pairs only, and all before some moment."""
        engine = create_engine(demo_database)
        try:
            pair = 0
            while not stop.is_set():
                pair += 1
                with engine.begin() as connection:
                    for half in ("first", "second"):
                        connection.execute(insert(audit_event).values(
                            actor="writer", action=half, entity_type="pair", entity_id=pair, changes={}))
                committed.append(pair)
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)
        finally:
            engine.dispose()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        while len(committed) < 20 and writer.is_alive():
            stop.wait(0.01)
        file = tmp_path / "during-writes.backup"
        made = run_cli("backup", str(file), database_url=demo_database)
        at_end_of_backup = len(committed)
        while len(committed) < at_end_of_backup + 20 and writer.is_alive():
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join(60)
    assert not failures, failures
    assert made.returncode == 0, made.stderr

    restored = run_cli("restore", str(file), database_url=empty_database)
    assert restored.returncode == 0, restored.stderr
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            halves = connection.execute(
                select(audit_event.c.entity_id, func.count()).where(audit_event.c.actor == "writer")
                .group_by(audit_event.c.entity_id).order_by(audit_event.c.entity_id)).all()
    finally:
        engine.dispose()
    pairs = [pair for pair, _ in halves]
    assert all(count == 2 for _, count in halves), "a transaction was copied in part"
    assert pairs == list(range(1, len(pairs) + 1)), "the copy is not one moment of the database"
    assert 20 < len(pairs) < at_end_of_backup < len(committed), "the writer was not writing during the backup"
    # What backup printed is what the file holds (counted in the same snapshot).
    assert printed_counts(made.stdout)["audit_event"] == 1 + 2 * len(pairs)
    assert printed_counts(made.stdout) == printed_counts(restored.stdout)
    if backend.name == "sqlite":
        with contextlib.closing(sqlite3.connect(make_url(empty_database).database or "")) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.skipif(not os.environ.get("JAMFORAREN_TEST_POSTGRES"), reason="pg_dump and pg_restore: PostgreSQL only")
def test_postgresql_programs_get_no_password_on_the_command_line(run_cli, demo_database, tmp_path):
    """pg_dump and pg_restore are found on PATH; the password reaches them in the environment only."""
    url = make_url(demo_database).set(password="s3cret-pw-in-url")
    spy_dir = tmp_path / "bin"
    spy_dir.mkdir()
    log = tmp_path / "calls.log"
    for program in ("pg_dump", "pg_restore"):
        real = subprocess.run(["which", program], capture_output=True, text=True, check=True).stdout.strip()
        spy = spy_dir / program
        spy.write_text(f'#!/bin/sh\necho "{program} $* PGPASSWORD=$PGPASSWORD" >> "{log}"\nexec "{real}" "$@"\n')
        spy.chmod(0o755)
    environment = {"PATH": f"{spy_dir}:{os.environ.get('PATH', '')}"}
    file = tmp_path / "portal.backup"
    database_url = url.render_as_string(hide_password=False)
    made = run_cli("backup", str(file), database_url=database_url, env=environment)
    assert made.returncode == 0, made.stderr
    restored = run_cli("restore", "--force", str(file), database_url=database_url, env=environment)
    assert restored.returncode == 0, restored.stderr
    calls = log.read_text().splitlines()
    assert [call.split()[0] for call in calls] == ["pg_dump", "pg_restore", "pg_restore"]  # --list, then restore
    for call in calls:
        arguments, password = call.rsplit(" PGPASSWORD=", 1)
        assert "s3cret" not in arguments and password == "s3cret-pw-in-url"
    assert "s3cret" not in made.stdout + restored.stdout

    missing = run_cli("backup", str(tmp_path / "x.backup"), database_url=database_url,
                      env={"PATH": str(tmp_path / "empty-bin")})
    assert missing.returncode == 1 and "pg_dump was not found on PATH" in missing.stderr, missing.stderr
    assert not [path.name for path in tmp_path.iterdir() if "x.backup" in path.name]  # no partial files left
