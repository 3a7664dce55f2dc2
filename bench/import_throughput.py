"""Import throughput: rows per second for a 100,000-row survey file and a 100,000-row key-figure file, on
SQLite and (with --postgres) PostgreSQL, through the same code as the back office and the CLI (read the
file, validate every row against the database, compare with what is stored, write in one transaction).

The baseline, measured in the same run on the same database, is the least any import must do: parse the
same CSV with the csv module and insert its rows with one executemany, without any checks. The figures are
reported as ratios against it, so they compare across machines. The target is at least 20,000 rows/s.

    python bench/import_throughput.py                       # SQLite, 100,000 rows of each kind
    python bench/import_throughput.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/import_throughput.py --rows 2000 --json out.json   # a smoke test
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from jamforaren import create_app, migrate  # noqa: E402
from jamforaren.extensions import db  # noqa: E402
from jamforaren.imports.plan import ImportKind  # noqa: E402
from jamforaren.imports.run import commit, plan_file  # noqa: E402
from jamforaren.models import (  # noqa: E402
    Area, Authorisation, AuthorisationEvent, AuthorisationStatus, KeyFigure, KeyFigureValue, Ownership, Provider,
    Survey, SurveyQuestion, SurveyResult, Unit,
)
from jamforaren.paths import CATALOGUE_DIR  # noqa: E402
from jamforaren.services.seeding import seed_catalogue  # noqa: E402

YEAR = date.today().year - 1
AREA = "forskola"


def populate(rows: int) -> tuple[list[str], list[str], list[str]]:
    """Units authorised in the area, enough for ``rows`` survey rows; returns unit slugs, question codes and
    the area's unit-level key figure codes."""
    seed_catalogue(CATALOGUE_DIR, YEAR)
    area = db.session.scalar(select(Area).where(Area.slug == AREA))
    survey = db.session.scalar(select(Survey).where(Survey.area_id == area.id, Survey.year == YEAR))
    codes = [q.code for q in survey.questions]
    figures = [f.code for f in db.session.scalars(select(KeyFigure).where(KeyFigure.area_id == area.id,
                                                                           KeyFigure.scope == "unit"))]
    units = -(-rows // len(codes))
    provider = db.session.execute(insert(Provider).returning(Provider.id), [{
        "slug": "bench", "name": "Bench AB", "org_number": "556000-0000", "ownership": Ownership.PRIVATE}]).scalar_one()
    db.session.execute(insert(Unit), [{"slug": f"enhet-{i}", "name": f"Enhet {i}", "provider_id": provider,
                                       "description_sv": ""} for i in range(units)])
    unit_ids = db.session.scalars(select(Unit.id).order_by(Unit.id)).all()
    since = date(YEAR - 10, 1, 1)  # authorised for all ten years of key figures
    db.session.execute(insert(Authorisation), [
        {"unit_id": u, "area_id": area.id, "status": AuthorisationStatus.AUTHORISED, "status_since": since,
         "authorised_since": since} for u in unit_ids])
    authorisation_ids = db.session.scalars(select(Authorisation.id)).all()
    db.session.execute(insert(AuthorisationEvent), [
        {"authorisation_id": a, "status": AuthorisationStatus.AUTHORISED, "decided_on": since}
        for a in authorisation_ids])
    db.session.commit()
    return [f"enhet-{i}" for i in range(units)], codes, figures


def survey_csv(slugs: list[str], codes: list[str], rows: int) -> bytes:
    out = io.StringIO()
    out.write("Område;År;Enhet;Fråga;Antal svarande;Andel positiva\r\n")
    n = 0
    for i, slug in enumerate(slugs):
        for j, code in enumerate(codes):
            if n == rows:
                break
            out.write(f"förskola;{YEAR};{slug};{code};{10 + (i + j) % 40};{(i * 7 + j * 3) % 1000 / 10:.1f}".replace(".", ",")
                      + " %\r\n")
            n += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def figure_csv(slugs: list[str], figures: list[str], rows: int) -> bytes:
    out = io.StringIO()
    out.write("Område;År;Enhet;Nyckeltal;Värde\r\n")
    n = 0
    for year in range(YEAR - 9, YEAR + 1):
        for i, slug in enumerate(slugs):
            for code in figures:
                if n == rows:
                    break
                out.write(f"förskola;{year};{slug};{code};{(i % 90) + 5},{i % 10}\r\n")
                n += 1
    return out.getvalue().encode("utf-8")


def timed_import(kind: ImportKind, data: bytes) -> tuple[float, dict]:
    start = time.perf_counter()
    plan = plan_file(kind, data, f"bench-{kind.value}.csv")
    assert plan.ok, [str(p) for p in plan.problems[:5]]
    commit(plan)
    return time.perf_counter() - start, plan.summary()


def baseline(data: bytes) -> float:
    """Parse the survey CSV and insert its rows as they are: no validation, no comparison."""
    question_ids = {code: qid for qid, code in db.session.execute(
        select(SurveyQuestion.id, SurveyQuestion.code).join(Survey).join(Area).where(
            Area.slug == AREA, Survey.year == YEAR))}
    unit_ids = dict(db.session.execute(select(Unit.slug, Unit.id)).all())
    db.session.execute(SurveyResult.__table__.delete())
    db.session.commit()
    start = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    next(reader)
    rows = [{"question_id": question_ids[r[3]], "unit_id": unit_ids[r[2]], "respondents": int(r[4]),
             "share_positive": Decimal(r[5].rstrip(" %").replace(",", "."))} for r in reader]
    db.session.execute(insert(SurveyResult), rows)
    db.session.commit()
    return time.perf_counter() - start


def run(url: str, rows: int, instance: Path) -> dict:
    app = create_app({"MODE": "testing", "DATABASE_URL": url, "SECRET_KEY": "bench",
                      "SEARCH_INDEX_DIR": str(instance / "index")}, instance_path=instance)
    with app.app_context():
        migrate.upgrade(db.engine)
        slugs, codes, figures = populate(rows)
        surveys, figure_rows = survey_csv(slugs, codes, rows), figure_csv(slugs, figures, rows)
        first, summary = timed_import(ImportKind.SURVEYS, surveys)
        again, again_summary = timed_import(ImportKind.SURVEYS, surveys)
        figures_time, figures_summary = timed_import(ImportKind.KEY_FIGURES, figure_rows)
        base = baseline(surveys)
        stored = db.session.scalar(select(db.func.count()).select_from(KeyFigureValue))
        db.session.remove()
        db.engine.dispose()
    assert summary["added"] == rows and again_summary["unchanged"] == rows and figures_summary["added"] == rows
    assert stored >= rows
    return {
        "database": url.split(":", 1)[0], "rows": rows,
        "surveys_rows_per_s": round(rows / first), "surveys_reimport_rows_per_s": round(rows / again),
        "keyfigures_rows_per_s": round(rows / figures_time), "baseline_rows_per_s": round(rows / base),
        "surveys_ratio": round((rows / first) / (rows / base), 2),
        "keyfigures_ratio": round((rows / figures_time) / (rows / base), 2),
    }


def postgres_database(server_url: str) -> tuple[str, callable]:
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a throw-away database is made beside it")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(run(f"sqlite:///{folder}/bench.sqlite3", args.rows, Path(folder) / "sqlite"))
        if args.postgres:
            url, drop = postgres_database(args.postgres)
            try:
                results.append(run(url, args.rows, Path(folder) / "postgres"))
            finally:
                drop()
    print("| database | rows | surveys rows/s | re-import rows/s | key figures rows/s | baseline rows/s | "
          "surveys ÷ baseline | key figures ÷ baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['database']} | {r['rows']:,} | {r['surveys_rows_per_s']:,} | {r['surveys_reimport_rows_per_s']:,} | "
              f"{r['keyfigures_rows_per_s']:,} | {r['baseline_rows_per_s']:,} | {r['surveys_ratio']} | "
              f"{r['keyfigures_ratio']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
