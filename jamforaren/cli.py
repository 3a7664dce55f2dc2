"""The ``jamforaren`` command line: database, seeding and the one-command demo."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from jamforaren import audit, migrate
from jamforaren.catalogue import CatalogueError
from jamforaren.config import ConfigError
from jamforaren.extensions import db
from jamforaren.paths import CATALOGUE_DIR, DEMO_VOCABULARY
from jamforaren.services.accounts import AccountError
from jamforaren.services.demo_data import DemoError

F = TypeVar("F", bound=Callable[..., Any])


def _safe_url(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def friendly_errors(command: F) -> F:
    """Turn expected failures into a clear message and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app: Flask | None = None
        try:
            ctx = click.get_current_context()
            app = ctx.ensure_object(dict).get("app")
            return command(*args, **kwargs)
        except (AccountError, CatalogueError, DemoError, ConfigError) as error:
            raise click.ClickException(str(error)) from None
        except OperationalError as error:
            where = _safe_url(app) if app else "the database"
            raise click.ClickException(
                f"Cannot use the database at {where}: {_first_line(error)}\n"
                "Check DATABASE_URL and that the database server is running."
            ) from None
        except (ProgrammingError, DBAPIError) as error:
            raise click.ClickException(
                f"The database refused the operation: {_first_line(error)}\n"
                "Has the schema been created? Run: jamforaren db upgrade"
            ) from None

    return wrapper  # type: ignore[return-value]


def _make_app() -> Flask:
    from jamforaren.app import create_app
    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(help="Jämföraren: compare providers in a municipality's customer-choice systems.")
@click.pass_context
def cli(ctx: click.Context) -> None:
    app = _make_app()
    ctx.obj = {"app": app}
    ctx.with_resource(app.app_context())
    ctx.with_resource(audit.acting_as("cli"))
    ctx.call_on_close(_close_database)


def _close_database() -> None:
    db.session.remove()
    db.engine.dispose()


@cli.group("db", help="The database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Create or migrate the schema to the newest revision.")
@click.option("--revision", default="head", show_default=True)
@friendly_errors
def db_upgrade(revision: str) -> None:
    migrate.upgrade(db.engine, revision)
    click.echo(f"Database at {_safe_url(current_app)} is at revision {migrate.current_revision(db.engine)}.")


@db_group.command("current", help="Show the schema revision of the database.")
@friendly_errors
def db_current() -> None:
    current = migrate.current_revision(db.engine)
    head = migrate.head_revision()
    click.echo(f"{current or 'empty'} (newest: {head})")


@cli.command(help="Load the catalogue (processes, areas, rules, surveys, key figures); with --demo also demo data.")
@click.option("--catalogue", "catalogue_dir", type=click.Path(path_type=Path), default=CATALOGUE_DIR,
              show_default=True, help="Folder with processes.yaml and areas/.")
@click.option("--demo", is_flag=True, help="Also generate invented demo providers, units and results.")
@click.option("--vocabulary", type=click.Path(path_type=Path), default=DEMO_VOCABULARY, show_default=True,
              help="Vocabulary for the demo generator.")
@click.option("--seed", "random_seed", type=int, default=2026, show_default=True, help="Random seed for --demo.")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="The demo's current year [default: this year].")
@friendly_errors
def seed(catalogue_dir: Path, demo: bool, vocabulary: Path, random_seed: int, year: int | None) -> None:

    from jamforaren.services.seeding import seed_catalogue, seed_demo

    _require_schema()
    year = year or date.today().year
    if demo:
        sync, report = seed_demo(catalogue_dir, vocabulary, seed=random_seed, year=year,
                                 municipality=current_app.config["MUNICIPALITY_NAME"])
        click.echo(f"Catalogue: {sync.processes} processes, {sync.areas} areas.")
        click.echo(f"Demo data: {report.providers} providers, {report.units} units, "
                   f"{report.authorisations} authorisations, {report.survey_results} survey results, "
                   f"{report.key_figure_values} key-figure values, {report.follow_ups} follow-ups.")
        click.echo("Demo accounts (demo only, never use these passwords elsewhere):")
        for email, password in report.accounts:
            click.echo(f"  {email}  {password}")
        _build_search_index()
    else:
        sync = seed_catalogue(catalogue_dir, year)
        click.echo(f"Catalogue: {sync.processes} processes, {sync.areas} areas, "
                   f"{sync.rulebooks_created} new rulebooks with {sync.norms_created} norms, "
                   f"{sync.surveys_created} new question sets, {sync.key_figures} key figures.")


@cli.command(help="Rebuild this host's search index from the database.")
@friendly_errors
def reindex() -> None:
    from jamforaren import search
    from jamforaren.indexing import search_index

    _require_schema()
    count = search.reindex(search_index())
    click.echo(f"Search index rebuilt: {count} published units in {current_app.config['SEARCH_INDEX_DIR']}.")


@cli.group("users", help="Accounts and roles.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create an account (asks for the password).")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--admin", is_flag=True, help="An administrator, who may do everything.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 12 characters; asked for when not given.")
@friendly_errors
def users_create(email: str, name: str, admin: bool, password: str) -> None:
    from jamforaren.services.accounts import create_user

    _require_schema()
    user = create_user(email, name, password, admin=admin)
    click.echo(f"Created {user.email}{' (administrator)' if user.is_admin else ''}.")


@users_group.command("grant", help="Make an account officer of an area or editor of a provider.")
@click.argument("email")
@click.option("--officer", "areas", multiple=True, metavar="AREA", help="An area's slug, e.g. forskola.")
@click.option("--editor", "providers", multiple=True, metavar="PROVIDER",
              help="A provider's organisation number or slug.")
@friendly_errors
def users_grant(email: str, areas: tuple[str, ...], providers: tuple[str, ...]) -> None:
    from jamforaren.services.accounts import grant_editor, grant_officer, user_by_email

    _require_schema()
    if not areas and not providers:
        raise click.UsageError("Give --officer AREA or --editor PROVIDER.")
    user = user_by_email(email)
    for area in areas:
        grant_officer(user, area)
        click.echo(f"{user.email} is officer of {area}.")
    for provider in providers:
        membership = grant_editor(user, provider)
        click.echo(f"{user.email} is editor of {membership.provider.name}.")


@users_group.command("set-password", help="Give an account a new password and sign it out everywhere. Asks for "
                     "the password twice, or reads it as one line from standard input; never from the command line.")
@click.argument("email")
@friendly_errors
def users_set_password(email: str) -> None:
    from jamforaren.services.accounts import change_password, user_by_email

    _require_schema()
    user = user_by_email(email)
    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    change_password(user, password)
    click.echo(f"New password set for {user.email}; every session of the account is signed out.")


@cli.group("import", help="Import survey results and key figures (all or nothing; --dry-run only checks).")
def import_group() -> None:
    pass


def _import(kind_name: str, data: bytes, filename: str, dry_run: bool) -> None:
    from jamforaren.imports.plan import ImportKind
    from jamforaren.imports.run import plan_file

    _require_schema()
    plan = plan_file(ImportKind(kind_name), data, filename)
    _report_plan(plan, dry_run)


def _report_plan(plan: Any, dry_run: bool) -> None:
    from jamforaren.imports.run import commit

    click.echo(f"{plan.filename}: {plan.rows_read} rows read.")
    for column in plan.ignored_columns:
        click.echo(f"  Ignored column: {column}")
    for skipped in plan.skipped:
        click.echo(f"  Skipped: {skipped}")
    if not plan.ok:
        for problem in plan.problems:
            click.echo(f"  {problem}", err=True)
        if plan.problem_count > len(plan.problems):
            click.echo(f"  … and {plan.problem_count - len(plan.problems)} more problems.", err=True)
        raise click.ClickException(f"Nothing was imported: {plan.problem_count} problems in {plan.filename}.")
    for change in plan.changes[:50]:
        click.echo(f"  Changes: {change.subject}: {change.old} → {change.new}")
    if len(plan.changes) > 50:
        click.echo(f"  … and {len(plan.changes) - 50} more changes.")
    figures = f"{plan.added} new, {plan.changed} changed, {plan.unchanged} unchanged"
    if dry_run:
        click.echo(f"Checked, nothing written (--dry-run): {figures}.")
    elif not plan.has_writes:
        click.echo(f"Nothing to import: {figures}.")
    else:
        commit(plan)
        click.echo(f"Imported: {figures}.")


@import_group.command("surveys", help="Survey results from CSV or XLSX (columns in the README).")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@friendly_errors
def import_surveys(file: Any, dry_run: bool) -> None:
    _import("surveys", file.read(), Path(file.name).name, dry_run)


@import_group.command("keyfigures", help="Key figures from CSV or XLSX (columns in the README).")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@friendly_errors
def import_keyfigures(file: Any, dry_run: bool) -> None:
    _import("keyfigures", file.read(), Path(file.name).name, dry_run)


@import_group.command("kolada", help="Key figures from Kolada: saved responses (--file) or fetched (--year).")
@click.option("--file", "files", type=click.File("rb"), multiple=True, help="A saved Kolada JSON response.")
@click.option("--year", "years", type=click.IntRange(2000, 2100), multiple=True, help="Fetch this year.")
@click.option("--kpi", "kpis", multiple=True, help="Fetch only this KPI id (default: every one in the catalogue).")
@click.option("--base-url", default=None, help="Kolada's API [default: KOLADA_BASE_URL].")
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@friendly_errors
def import_kolada(files: tuple[Any, ...], years: tuple[int, ...], kpis: tuple[str, ...], base_url: str | None,
                  dry_run: bool) -> None:
    from jamforaren.imports import kolada
    from jamforaren.imports.plan import ImportKind
    from jamforaren.imports.run import plan_file, plan_pages, sha256

    _require_schema()
    if bool(files) == bool(years):
        raise click.UsageError("Give either --file (saved responses) or --year (fetch from Kolada).")
    if files:
        for file in files:
            _report_plan(plan_file(ImportKind.KOLADA, file.read(), Path(file.name).name), dry_run)
        return
    base_url = base_url or current_app.config["KOLADA_BASE_URL"]
    try:
        pages = kolada.fetch(base_url, current_app.config["MUNICIPALITY_CODE"], sorted(years), list(kpis))
    except kolada.KoladaError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Fetched {len(pages)} pages from {base_url}.")
    data = json.dumps(pages, sort_keys=True).encode()
    _report_plan(plan_pages(pages, f"Kolada {base_url}", sha256(data)), dry_run)


def _build_search_index() -> None:
    from jamforaren import indexing
    if indexing.build(current_app):
        click.echo("Search index built.")


def _require_schema() -> None:
    if migrate.current_revision(db.engine) != migrate.head_revision():
        raise click.ClickException("The database schema is missing or out of date. Run: jamforaren db upgrade")


@cli.command(help="Create the database, load demo data and serve the portal on http://127.0.0.1:5000.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database only.")
@friendly_errors
def demo(host: str, port: int, no_serve: bool) -> None:

    from jamforaren.services.seeding import seed_demo
    from jamforaren.services.site import demo_data_loaded

    migrate.upgrade(db.engine)
    if demo_data_loaded():
        click.echo("Demo data already loaded.")
    else:
        _, report = seed_demo(CATALOGUE_DIR, DEMO_VOCABULARY, seed=2026, year=date.today().year,
                              municipality=current_app.config["MUNICIPALITY_NAME"])
        click.echo(f"Loaded demo data: {report.units} units from {report.providers} providers.")
        click.echo(f"Demo accounts (demo only): {', '.join(e for e, _ in report.accounts)}; "
                   f"password {report.accounts[0][1]}")
    _build_search_index()
    if not no_serve:
        click.echo(f"Serving the demo portal on http://{host}:{port}/ (Ctrl+C stops it)")
        current_app.run(host=host, port=port, debug=False, use_reloader=False)


# --- backup and restore (jamforaren/backup.py) ---------------------------------------------------------------

def _echo_tables(tables: dict[str, int]) -> None:
    width = max((len(name) for name in tables), default=0)
    for name, count in sorted(tables.items()):
        click.echo(f"  {name:<{width}}  {count:>9}")


@cli.command("backup", help="Back up the whole database to FILE (safe while the portal runs).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def backup_command(file: Path) -> None:
    from jamforaren import backup

    try:
        info = backup.backup(db.engine, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {_safe_url(current_app)} (schema revision {info.revision}) to {file}: "
               f"{len(info.tables)} tables, {sum(info.tables.values())} rows.")
    _echo_tables(info.tables)


@cli.command("restore", help="Replace the database with the backup in FILE, then migrate, rebuild the search "
                             "index and record the restore in the audit log.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@friendly_errors
def restore_command(file: Path, force: bool) -> None:
    from jamforaren import backup

    try:
        report = backup.restore(db.engine, file, force=force, safe_url=_safe_url(current_app))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    info = report.info
    click.echo(f"Restored {file} (a {backup.KIND_NAMES[info.kind]} backup of {info.created_at}, schema revision "
               f"{info.revision}) into {_safe_url(current_app)}: {len(report.tables)} tables, "
               f"{sum(report.tables.values())} rows.")
    _echo_tables(report.tables)
    if report.migrated_to:
        click.echo(f"Schema migrated from revision {info.revision} to {report.migrated_to}.")
    click.echo(f"Recorded in the audit log as event {report.audit_event_id}.")
    if report.index_error:
        raise click.ClickException(f"The data is restored, but the search index could not be rebuilt: "
                                   f"{report.index_error}\nRun: jamforaren reindex")
    click.echo(f"Search index rebuilt: {report.indexed_units} published units. Other hosts: run jamforaren reindex.")


def main() -> None:
    cli(prog_name="jamforaren")


if __name__ == "__main__":
    sys.exit(main())
