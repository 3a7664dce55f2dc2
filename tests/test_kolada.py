"""Key figures from Kolada: saved responses and a fetch over two pages from a local server (never the internet)."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.models import KeyFigure, KeyFigureValue, Unit
from tests.imports_support import YEAR, authorised_units, snapshot
from tests.test_admin_authorisations import swedish

UNMAPPED_OU = "V15E099999999"


def served_value(kpi: str, ou: str, year: int) -> float:
    """What the fake Kolada answers: distinct per KPI, unit and year, within every KPI's range."""
    return round(10 + (sum(map(ord, kpi + ou)) + year) % 80 + 0.5, 1)


class FakeKolada(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        FakeKolada.requests.append(self.path)
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")  # v3, oudata|data, kpi, K, ou|municipality, X, year, Y
        kpis, where, years = segments[3].split(","), segments[5].split(","), [int(y) for y in segments[7].split(",")]
        if segments[1] == "data":
            values = [{"kpi": k, "period": y, "municipality": m,
                       "values": [{"gender": "T", "value": 55.5, "status": "", "count": 1}]}
                      for k in kpis for m in where for y in years]
        else:
            ous = where + ([UNMAPPED_OU] if "page=2" not in parts.query else [])
            values = [{"kpi": k, "period": y, "ou": ou,
                       "values": [{"gender": "K", "value": 1.0, "status": "", "count": 1},
                                  {"gender": "T", "value": served_value(k, ou, y), "status": "", "count": 1}]}
                      for k in kpis for ou in ous for y in years]
        half = len(values) // 2
        if "page=2" in parts.query:
            page = {"values": values[half:], "next_url": None}
        elif segments[1] == "oudata":
            page = {"values": values[:half], "next_url": f"http://{self.headers['Host']}{self.path}&page=2"}
        else:
            page = {"values": values, "next_url": None}
        body = json.dumps(page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def kolada_server():  # type: ignore[no-untyped-def]
    FakeKolada.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeKolada)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v3"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def unit_value(app: Flask, kpi: str, unit_id: int | None, year: int) -> Decimal | None:
    with app.app_context():
        return db.session.scalar(select(KeyFigureValue.value).join(KeyFigure).where(
            KeyFigure.kolada_kpi == kpi, KeyFigureValue.year == year,
            KeyFigureValue.unit_id.is_(None) if unit_id is None else KeyFigureValue.unit_id == unit_id))


def test_fetch_over_two_pages_lands_every_value_for_mapped_units(fresh_app: Flask, run_cli, kolada_server) -> None:  # type: ignore[no-untyped-def]
    schools = authorised_units(fresh_app, "grundskola", 3)
    preschools = authorised_units(fresh_app, "forskola", 2)
    with fresh_app.app_context():
        ous = {t.unit_id: db.session.scalar(select(Unit.kolada_ou).where(Unit.id == t.unit_id))
               for t in schools + preschools}
    assert all(ous.values()), "demo units of these areas carry Kolada ids"
    url = fresh_app.config["SQLALCHEMY_DATABASE_URI"]
    result = run_cli("import", "kolada", "--year", str(YEAR), "--kpi", "N15501", "--kpi", "N11102",
                     "--base-url", kolada_server, database_url=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert any("page=2" in path for path in FakeKolada.requests), "the client follows next_url"
    assert UNMAPPED_OU in result.stdout  # reported as skipped
    for target in schools:
        assert unit_value(fresh_app, "N15501", target.unit_id, YEAR) == \
            Decimal(str(served_value("N15501", ous[target.unit_id], YEAR)))
    for target in preschools:
        assert unit_value(fresh_app, "N11102", target.unit_id, YEAR) == \
            Decimal(str(served_value("N11102", ous[target.unit_id], YEAR)))
    assert unit_value(fresh_app, "N15501", None, YEAR) == Decimal("55.5")  # the municipality's value
    again = run_cli("import", "kolada", "--year", str(YEAR), "--kpi", "N15501", "--kpi", "N11102",
                    "--base-url", kolada_server, database_url=url)
    assert again.returncode == 0 and "Nothing to import" in again.stdout


def test_saved_response_with_bad_values_changes_nothing(fresh_app: Flask, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (school,) = authorised_units(fresh_app, "grundskola", 1)
    with fresh_app.app_context():
        ou = db.session.scalar(select(Unit.kolada_ou).where(Unit.id == school.unit_id))
    saved = {"values": [
        {"kpi": "N15501", "period": YEAR, "ou": ou, "values": [{"gender": "T", "value": 240.5, "status": ""}]},
        {"kpi": "N15419", "period": YEAR, "ou": ou, "values": [{"gender": "T", "value": 140, "status": ""}]},
        {"kpi": "N15501", "period": 1990, "ou": ou, "values": [{"gender": "T", "value": 1, "status": ""}]},
    ], "next_url": None}
    (tmp_path / "kolada.json").write_text(json.dumps(saved))
    before = snapshot(fresh_app)
    result = run_cli("import", "kolada", "--file", str(tmp_path / "kolada.json"),
                     database_url=fresh_app.config["SQLALCHEMY_DATABASE_URI"])
    assert result.returncode == 1
    assert swedish(fresh_app, "row %(row)s", row=2) in result.stderr
    assert swedish(fresh_app, "row %(row)s", row=3) in result.stderr
    assert snapshot(fresh_app) == before


def test_unreachable_kolada_is_a_clear_error(fresh_app: Flask, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "kolada", "--year", str(YEAR), "--base-url", "http://127.0.0.1:9/v3",
                     database_url=fresh_app.config["SQLALCHEMY_DATABASE_URI"])
    assert result.returncode == 1 and "Cannot reach Kolada" in result.stderr and "Traceback" not in result.stderr
