"""Backup and restore of the whole database (``jamforaren backup FILE`` / ``jamforaren restore FILE``).

A backup file is a two-line header followed by the database in its own tool's format::

    JAMFORAREN-BACKUP 1 <sha256 of everything after this line>
    {"kind": "sqlite" | "postgresql", "revision": ..., "created_at": ..., "tables": {...}, "payload_bytes": ...}
    <a SQLite database file ("SQLite format 3") or a pg_dump custom-format archive ("PGDMP")>

so ``tail -n +3 FILE`` gives a file ``sqlite3`` or ``pg_restore`` open directly. The checksum covers the
metadata and the database, so a truncated or damaged file is refused before anything is changed.

- **SQLite** is copied with SQLite's online backup API (``sqlite3.Connection.backup``): one consistent
  snapshot, safe while the portal reads and writes. A restore copies the backup into the live database the
  same way, in one transaction.
- **PostgreSQL** is dumped with ``pg_dump --format=custom`` inside a snapshot that is also used to count
  the rows, and restored with ``pg_restore --clean --if-exists --no-owner --single-transaction`` (all or
  nothing). Both are found on PATH; the password goes to them in ``PGPASSWORD``, never on the command line.

After a restore the schema is migrated to the newest revision (if the backup was older), the search index
is rebuilt and one audit event records the restore — which also tells every worker's page cache that the
data changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlencode

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, text
from sqlalchemy.engine import URL, Engine

from jamforaren import audit, migrate
from jamforaren.models import AuditEvent
from jamforaren.paths import MIGRATIONS_DIR

MAGIC = b"JAMFORAREN-BACKUP"
FORMAT_VERSION = 1
PAYLOAD_MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MAX_HEADER_LINE = 1024 * 1024
CHUNK = 1024 * 1024
NOTHING_CHANGED = "Nothing was changed."


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds, from its header."""

    kind: str
    revision: str
    created_at: str
    tables: dict[str, int]
    payload_bytes: int

    def header(self) -> bytes:
        return json.dumps({"kind": self.kind, "revision": self.revision, "created_at": self.created_at,
                           "tables": self.tables, "payload_bytes": self.payload_bytes},
                          sort_keys=True, ensure_ascii=True).encode() + b"\n"


@dataclass
class RestoreReport:
    info: BackupInfo
    tables: dict[str, int]  # what the database held right after the restore
    migrated_to: str | None = None  # the revision migrated to, when the backup was older
    indexed_units: int | None = None
    index_error: str | None = None
    audit_event_id: int | None = None


def database_kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in PAYLOAD_MAGIC:
        raise BackupError(f"Backups work with SQLite and PostgreSQL databases, not {kind}.")
    return kind


# --------------------------------------------------------------------------------------------------- backup

def backup(engine: Engine, destination: Path) -> BackupInfo:
    """Writes a backup of the whole database to ``destination`` (replacing it only once complete)."""
    kind = database_kind(engine)
    destination = destination.expanduser()
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; give the name of the backup file to write.")
    if not destination.parent.is_dir():
        raise BackupError(f"There is no folder {destination.parent} to write the backup into.")
    try:
        return _write_backup(engine, kind, destination)
    except OSError as error:
        raise BackupError(f"Could not write {destination}: {error.strerror or error}. No backup was written.") from None
    except sqlite3.Error as error:
        raise BackupError(f"Could not copy the SQLite database: {error}. No backup was written.") from None


def _write_backup(engine: Engine, kind: str, destination: Path) -> BackupInfo:
    with _partial_file(destination, ".payload") as payload:
        if kind == "sqlite":
            revision, tables = _sqlite_backup(_sqlite_path(engine), payload)
        else:
            revision, tables = _postgres_backup(engine, payload)
        info = BackupInfo(kind=kind, revision=revision, tables=tables,
                          created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                          payload_bytes=payload.stat().st_size)
        if _payload_kind(payload) != kind:
            raise BackupError(f"The copy of the database is not a {KIND_NAMES[kind]} database; no backup was written.")
        header = info.header()
        digest = hashlib.sha256(header)
        with payload.open("rb") as source:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
        with _partial_file(destination, ".partial") as partial:
            with partial.open("wb") as out, payload.open("rb") as source:
                out.write(b"%s %d %s\n" % (MAGIC, FORMAT_VERSION, digest.hexdigest().encode()))
                out.write(header)
                shutil.copyfileobj(source, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, destination)
    return info


@contextlib.contextmanager
def _partial_file(destination: Path, suffix: str) -> Iterator[Path]:
    """A private (0600: backups hold password hashes) temporary file next to ``destination``."""
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=suffix, dir=destination.parent)
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The database is in memory (or given as a URI), so there is no file to back up or "
                          "restore; set DATABASE_URL to a SQLite file such as sqlite:///instance/jamforaren.sqlite3.")
    return Path(database).expanduser().resolve()


def _sqlite_backup(path: Path, payload: Path) -> tuple[str, dict[str, int]]:
    if not path.is_file():
        raise BackupError(f"There is no SQLite database at {path}; check DATABASE_URL.")
    # One step (pages=-1) copies a single consistent snapshot; a writer in another connection waits for it
    # or is waited for (busy), never mixed in.
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)) as source, \
            contextlib.closing(sqlite3.connect(payload)) as target:
        source.backup(target)
    return _sqlite_contents(payload)


def _sqlite_contents(path: Path) -> tuple[str, dict[str, int]]:
    """The schema revision and the row count of every table in a SQLite file (checked for damage)."""
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as connection:
        check = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
        if check != ["ok"]:
            raise BackupError("The copy of the database fails SQLite's check (" + "; ".join(check) + "). "
                              "No backup was written.")
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {name: connection.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0] for name in names}
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    if not revision:
        raise BackupError("The database has no Jämföraren schema (no schema revision), so there is nothing to "
                          "back up. Run: jamforaren db upgrade")
    return revision, tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _postgres_backup(engine: Engine, payload: Path) -> tuple[str, dict[str, int]]:
    pg_dump = _program("pg_dump")
    # pg_dump dumps the snapshot this transaction exported, so the counts are of exactly what it dumps.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                            postgresql_readonly=True) as connection:
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = _count_rows(connection)
            revision = _revision(connection) if "alembic_version" in tables else None
            if not revision:
                raise BackupError("The database has no Jämföraren schema (no schema revision), so there is "
                                  "nothing to back up. Run: jamforaren db upgrade")
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={payload}",
                  f"--dbname={_libpq_url(engine.url)}"], engine.url, "pg_dump", "No backup was written.")
    return revision, tables


def _revision(connection: Connection) -> str | None:
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _count_rows(connection: Connection) -> dict[str, int]:
    names = sorted(inspect(connection).get_table_names())
    quoted = connection.dialect.identifier_preparer.quote
    return {name: connection.execute(text(f"SELECT count(*) FROM {quoted(name)}")).scalar_one() for name in names}


# -------------------------------------------------------------------------------------- PostgreSQL programs

def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL client programs (the server's "
                          f"major version or newer, e.g. apt install postgresql-client) or add them to PATH.")
    return found


def _libpq_url(url: URL) -> str:
    """The database's address for libpq, without the password (that goes in PGPASSWORD)."""
    user = quote(url.username, safe="") + "@" if url.username else ""
    host = f"[{url.host}]" if url.host and ":" in url.host else quote(url.host or "", safe="")
    port = f":{url.port}" if url.port else ""
    pairs = [(key, value) for key, values in url.query.items()
             for value in (values if isinstance(values, tuple) else (values,))]
    query = "?" + urlencode(pairs, quote_via=quote) if pairs else ""
    return f"postgresql://{user}{host}{port}/{quote(url.database or '', safe='')}{query}"


def _environment(url: URL) -> dict[str, str]:
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return environment


def _run(command: list[str], url: URL, name: str, afterwards: str = "") -> str:
    completed = subprocess.run(command, env=_environment(url), capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        problems = [line for line in completed.stderr.splitlines() if line.strip()][:8]
        raise BackupError(f"{name} failed (exit code {completed.returncode}):\n  " + "\n  ".join(problems)
                          + (f"\n{afterwards}" if afterwards else ""))
    return completed.stdout


# -------------------------------------------------------------------------------------------------- restore

def read_backup(path: Path, payload: IO[bytes]) -> BackupInfo:
    """Checks a backup file (header, length, checksum) and copies its database into ``payload``."""
    with path.open("rb") as source:
        first = source.readline(200)
        if not first.startswith(MAGIC + b" "):
            raise BackupError(_not_a_backup(path, first))
        match = re.fullmatch(rb"%s (\d+) ([0-9a-f]{64})\n" % MAGIC, first)
        if not match:
            raise BackupError(f"{path} is damaged: its first line is not a valid backup header. {NOTHING_CHANGED}")
        if int(match.group(1)) != FORMAT_VERSION:
            raise BackupError(f"{path} is a backup in format {int(match.group(1))}, which this version of "
                              f"Jämföraren cannot read (it reads format {FORMAT_VERSION}). {NOTHING_CHANGED}")
        header = source.readline(MAX_HEADER_LINE)
        info = _parse_header(path, header)
        digest = hashlib.sha256(header)
        size = 0
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
            payload.write(chunk)
            size += len(chunk)
        payload.flush()
    if size < info.payload_bytes:
        raise BackupError(f"{path} is incomplete: it holds {size} of the database's {info.payload_bytes} bytes "
                          f"(the file was cut short while being written or copied). {NOTHING_CHANGED}")
    if size > info.payload_bytes or digest.hexdigest() != match.group(2).decode():
        raise BackupError(f"{path} is damaged: its contents do not match the checksum written with it. "
                          f"{NOTHING_CHANGED}")
    return info


def _not_a_backup(path: Path, start: bytes) -> str:
    for kind, magic in PAYLOAD_MAGIC.items():
        if start.startswith(magic):
            plain = "a SQLite database file" if kind == "sqlite" else "a pg_dump archive"
            return (f"{path} is {plain}, not a backup made with jamforaren backup (restore reads only those). "
                    f"{NOTHING_CHANGED}")
    return f"{path} is not a Jämföraren backup (made with jamforaren backup). {NOTHING_CHANGED}"


def _parse_header(path: Path, line: bytes) -> BackupInfo:
    try:
        data = json.loads(line)
        info = BackupInfo(kind=data["kind"], revision=data["revision"], created_at=data["created_at"],
                          tables=data["tables"], payload_bytes=data["payload_bytes"])
        valid = (info.kind in PAYLOAD_MAGIC and isinstance(info.revision, str) and isinstance(info.created_at, str)
                 and isinstance(info.payload_bytes, int) and isinstance(info.tables, dict)
                 and all(isinstance(k, str) and isinstance(v, int) for k, v in info.tables.items()))
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid or not line.endswith(b"\n"):
        raise BackupError(f"{path} is damaged: its description of the backup cannot be read. {NOTHING_CHANGED}")
    return info


def _payload_kind(payload: Path) -> str | None:
    with payload.open("rb") as file:
        start = file.read(32)
    return next((kind for kind, magic in PAYLOAD_MAGIC.items() if start.startswith(magic)), None)


def _known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def describe_tables(tables: dict[str, int], limit: int | None = None) -> str:
    shown = sorted(((n, c) for n, c in tables.items() if c), key=lambda item: (-item[1], item[0]))
    text_ = ", ".join(f"{name} {count}" for name, count in shown[:limit])
    if limit is not None and len(shown) > limit:
        text_ += f" and {len(shown) - limit} more tables"
    return text_


def restore(engine: Engine, path: Path, *, force: bool = False, safe_url: str = "the database") -> RestoreReport:
    """Replaces the database with the backup in ``path``; then migrates, reindexes and records it (app context).

    Everything that can refuse (the file, its kind, its schema revision, a database that holds data) is
    checked before anything is written, and the copy itself is all or nothing.
    """
    kind = database_kind(engine)
    target = _sqlite_path(engine) if kind == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix="jamforaren-restore-") as folder:
        payload = Path(folder) / ("backup.sqlite3" if kind == "sqlite" else "backup.pgdump")
        try:
            with payload.open("wb") as out:
                info = read_backup(path, out)
        except OSError as error:
            raise BackupError(f"Could not read {path} into the temporary folder {folder}: "
                              f"{error.strerror or error} (TMPDIR chooses another folder). {NOTHING_CHANGED}") from None
        if _payload_kind(payload) != info.kind:
            raise BackupError(f"{path} is damaged: it should hold a {KIND_NAMES[info.kind]} database but does not. "
                              f"{NOTHING_CHANGED}")
        if info.kind != kind:
            raise BackupError(f"{path} is a backup of a {KIND_NAMES[info.kind]} database, but this portal's "
                              f"database ({safe_url}) is {KIND_NAMES[kind]}. Restore it into a "
                              f"{KIND_NAMES[info.kind]} database. {NOTHING_CHANGED}")
        if info.revision not in _known_revisions():
            raise BackupError(f"{path} has schema revision {info.revision}, which this version of Jämföraren does "
                              f"not know: it comes from a newer version. Upgrade Jämföraren first. {NOTHING_CHANGED}")
        if kind == "sqlite":
            try:
                revision, _ = _sqlite_contents(payload)
            except (sqlite3.Error, BackupError):
                revision = None
            if revision != info.revision:
                raise BackupError(f"{path} is damaged: its database is not the one described. {NOTHING_CHANGED}")
            archive_tables: set[str] = set()
        else:
            archive_tables = _archive_tables(payload, engine.url)

        with engine.connect() as connection:
            held = {name: count for name, count in _count_rows(connection).items()
                    if count and name != "alembic_version"}
            present = set(inspect(connection).get_table_names())
        if held and not force:
            raise BackupError(f"The database at {safe_url} holds data ({describe_tables(held, 8)}). A restore "
                              f"replaces all of it: give --force to do so. {NOTHING_CHANGED}")
        if kind == "postgresql" and present - archive_tables:
            extra = ", ".join(sorted(present - archive_tables))
            raise BackupError(f"The database at {safe_url} has tables the backup does not ({extra}), which a "
                              f"restore would leave behind. Restore into an empty database (dropdb, createdb, "
                              f"then jamforaren restore). {NOTHING_CHANGED}")

        engine.dispose()
        if target is not None:
            _sqlite_restore(payload, target)
        else:
            _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                  f"--dbname={_libpq_url(engine.url)}", str(payload)], engine.url, "pg_restore",
                 f"{NOTHING_CHANGED} (The restore runs in one transaction.)")
        engine.dispose()

    with engine.connect() as connection:
        report = RestoreReport(info=info, tables=_count_rows(connection))
    if migrate.current_revision(engine) != migrate.head_revision():
        migrate.upgrade(engine)
        report.migrated_to = migrate.current_revision(engine)
    _rebuild_search_index(report)
    report.audit_event_id = _record(path, info, report)
    return report


def _archive_tables(payload: Path, url: URL) -> set[str]:
    """The tables in a pg_dump archive (and a check that pg_restore can read it)."""
    listing = _run([_program("pg_restore"), "--list", str(payload)], url, "pg_restore --list", NOTHING_CHANGED)
    return {match.group(1) for match in re.finditer(r"^\d+; \d+ \d+ TABLE \S+ (\S+)(?: |$)", listing, re.MULTILINE)}


def _sqlite_restore(payload: Path, path: Path) -> None:
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent} for the database; check DATABASE_URL. "
                          f"{NOTHING_CHANGED}")
    # The copy into the live database is one write transaction: readers see the old or the new database.
    try:
        with contextlib.closing(sqlite3.connect(f"{payload.as_uri()}?mode=ro", uri=True)) as source, \
                contextlib.closing(sqlite3.connect(path, timeout=30)) as target:
            source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"Could not copy the backup into {path}: {error}. {NOTHING_CHANGED} (The copy is one "
                          f"transaction.)") from None


def _rebuild_search_index(report: RestoreReport) -> None:
    from jamforaren import search
    from jamforaren.indexing import search_index

    try:
        report.indexed_units = search.reindex(search_index())
    except Exception as error:  # the data is restored; the index can be rebuilt with `jamforaren reindex`
        report.index_error = str(error) or error.__class__.__name__


def _record(path: Path, info: BackupInfo, report: RestoreReport) -> int:
    """One audit event for the restore: the newest event, so every page cache sees new data."""
    from jamforaren.extensions import db

    changes: dict[str, Any] = {"file": str(path.resolve()), "kind": info.kind, "backup_created_at": info.created_at,
                               "backup_revision": info.revision, "tables": report.tables}
    if report.migrated_to:
        changes["migrated_to"] = report.migrated_to
    audit.record(db.session, "restore", "database", None, changes)
    db.session.commit()
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0
