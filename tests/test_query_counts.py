"""The number of SQL queries a public page makes does not grow with the data (no N+1 queries).

Two portals: the demo data, and the demo data plus units, results and follow-ups written by the
national-scale generator (bench/generate.py) — more units in every area and per filter, more search hits.
Each public page is requested once on each, in the same order, with pages long enough to show every
matching unit; the queries counted on the database engine must be the same number on both.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from jamforaren import search
from jamforaren.extensions import db
from jamforaren.indexing import search_index
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Unit
from jamforaren.paths import PROJECT_ROOT
from tests.conftest import DEMO_YEAR, dispose, make_app

EXTRA_UNITS = 300  # the demo has about 300
EXTRA_YEARS = 3
PAGE_SIZE = 100  # so a page shows every matching unit of the smaller portal: more rows on the bigger one


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_generate", PROJECT_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _portal(backend, demo_template, tmp_path_factory, name: str, extra_units: int) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = make_app(backend.clone(demo_template, name), tmp_path_factory.mktemp(name), PAGE_SIZE=PAGE_SIZE)
    with app.app_context():
        if extra_units:
            _generator().populate(extra_units, EXTRA_YEARS, seed=7, year=DEMO_YEAR)
        search.reindex(search_index(app))
        db.session.remove()
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def small(backend, demo_template, tmp_path_factory) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    yield from _portal(backend, demo_template, tmp_path_factory, "queries_small", 0)


@pytest.fixture(scope="module")
def large(backend, demo_template, tmp_path_factory) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    yield from _portal(backend, demo_template, tmp_path_factory, "queries_large", EXTRA_UNITS)


def listed(app: Flask, area: str, count: int = 4) -> list[str]:
    """The first listed units of an area: demo units on both portals (they have the lowest ids)."""
    with app.app_context():
        return list(db.session.scalars(
            select(Unit.slug).join(Authorisation).join(Area)
            .where(Area.slug == area, Authorisation.status == AuthorisationStatus.AUTHORISED)
            .order_by(Unit.id).limit(count)))


def busiest_unit(app: Flask) -> str:
    """The listed unit authorised in the most areas (the first such, by id)."""
    with app.app_context():
        areas = func.count(Authorisation.id)
        return db.session.execute(
            select(Unit.slug).join(Authorisation).where(Authorisation.status == AuthorisationStatus.AUTHORISED)
            .group_by(Unit.id, Unit.slug).order_by(areas.desc(), Unit.id).limit(1)).scalar_one()


def routes(app: Flask) -> dict[str, str]:
    compare = "&".join(f"enhet={slug}" for slug in listed(app, "forskola"))
    care = "&".join(f"enhet={slug}" for slug in listed(app, "hemtjanst", 3))
    return {
        "area list": "/kundval/forskola",
        "area list, sorted by survey": "/kundval/forskola?sortera=nojdhet",
        "area list, filtered": "/kundval/forskola?driftsform=enskild&driftsform=kommunal&sortera=nojdhet",
        "area list, district and language": "/kundval/forskola?kommundel=Boo&kommundel=Orminge&sprak=en",
        "area list, small area": "/kundval/korttidsvistelse-lss?sortera=namn",
        "area list, sorted by key figure": "/kundval/grundskola?sortera=nyckeltal-"
                                           + _first_unit_figure(app, "grundskola"),
        "unit": f"/enheter/{listed(app, 'forskola', 1)[0]}",
        "unit in several areas": f"/enheter/{busiest_unit(app)}",
        "compare of 4": f"/kundval/forskola/jamfor?{compare}",
        "compare of 3": f"/kundval/hemtjanst/jamfor?{care}",
        "search": "/sok?q=f%C3%B6rskola",
        "search in an area": "/sok?q=skola&kundval=grundskola",
        "start": "/",
    }


def _first_unit_figure(app: Flask, area: str) -> str:
    from jamforaren.models import FigureScope, KeyFigure
    with app.app_context():
        return db.session.scalar(select(KeyFigure.code).join(Area).where(
            Area.slug == area, KeyFigure.scope == FigureScope.UNIT).order_by(KeyFigure.position).limit(1))


def count_queries(app: Flask, url: str) -> tuple[int, int, list[str]]:
    """(status, number of queries, the statements) of one GET by a new visitor."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = app.test_client().get(url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return response.status_code, len(statements), statements


def test_queries_per_public_page_do_not_grow_with_the_data(small, large):
    with large.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) > EXTRA_UNITS + 250  # it did grow
    for app in (small, large):  # the first request builds caches and the search index: not counted
        assert app.test_client().get("/sok?q=skola").status_code == 200
    small_routes, large_routes = routes(small), routes(large)
    assert small_routes["compare of 4"] == large_routes["compare of 4"]  # the same demo units on both
    measured = {}
    for name in small_routes:
        status_small, small_count, small_sql = count_queries(small, small_routes[name])
        status_large, large_count, large_sql = count_queries(large, large_routes[name])
        assert status_small == status_large == 200, name
        measured[name] = (small_count, large_count)
        assert small_count == large_count, (
            f"{name}: {small_count} queries on the demo data, {large_count} with {EXTRA_UNITS} more units; "
            f"statements on the bigger portal:\n" + "\n".join(large_sql))
    # The numbers themselves stay small: a page is a handful of queries, a unit page a handful per
    # customer choice it is in (at most a few: that grows with the catalogue, not with the data).
    with small.app_context():
        sections = db.session.scalar(select(func.count(Authorisation.id)).join(Unit).where(
            Unit.slug == small_routes["unit in several areas"].rsplit("/", 1)[1]))
    limits = {name: 25 * sections if name == "unit in several areas" else 25 for name in measured}
    assert all(measured[name][0] <= limits[name] for name in measured), measured


def test_the_bigger_portal_shows_more(small, large):
    """The comparison above means something: the same pages list more units on the bigger portal."""
    for url in ("/kundval/forskola", "/kundval/korttidsvistelse-lss?sortera=namn"):
        rows_small = small.test_client().get(url).get_data(as_text=True).count('href="/enheter/')
        rows_large = large.test_client().get(url).get_data(as_text=True).count('href="/enheter/')
        assert rows_large > rows_small > 0, url
