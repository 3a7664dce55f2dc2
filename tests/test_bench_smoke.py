"""The benchmarks run (on a small dataset): CI runs tests, not benchmarks, but a broken benchmark shows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from jamforaren.paths import PROJECT_ROOT

# The benchmarks make their own SQLite databases whatever the suite runs on: tested once, in the SQLite pass.
pytestmark = pytest.mark.skipif(bool(os.environ.get("JAMFORAREN_TEST_POSTGRES")),
                                reason="the benchmarks use SQLite whatever the pass; tested in the SQLite pass")

ROUTES = {"public mix", "area list", "unit", "compare of 4", "search", "api list", "api detail"}


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    """The generator's smoke-test dataset (200 units, 2 years), made once for the tests that need one."""
    root = tmp_path_factory.mktemp("bench-dataset")
    out = root / "generate.json"
    url = f"sqlite:///{root / 'bench.sqlite3'}"
    result = subprocess.run([str(PROJECT_ROOT / "bench" / "generate"), "--database", url, "--units", "200",
                             "--years", "2", "--year", "2026", "--instance", str(root / "instance"),
                             "--json", str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0, result.stderr
    return SimpleNamespace(url=url, instance=root / "instance", figures=json.loads(out.read_text()))


def test_search_latency_benchmark_runs_quickly(tmp_path):
    out = tmp_path / "figures.json"
    result = subprocess.run([sys.executable, "bench/search_latency.py", "--quick", "--json", str(out)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    assert figures["units"] == 500 and figures["queries"] == 40
    assert figures["search_p95_ms"] >= figures["search_p50_ms"] > 0
    assert figures["p95_ratio"] > 1


def test_import_throughput_benchmark_runs_quickly(tmp_path):
    out = tmp_path / "import.json"
    result = subprocess.run([sys.executable, "bench/import_throughput.py", "--rows", "1500", "--json", str(out)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (figures,) = json.loads(out.read_text())
    assert figures["rows"] == 1500 and figures["database"] == "sqlite"
    assert figures["surveys_rows_per_s"] > 0 and figures["baseline_rows_per_s"] > 0 and figures["surveys_ratio"] > 0


def test_dataset_generator_runs_quickly_and_the_portal_serves_it(small_dataset):
    url, instance, figures = small_dataset.url, small_dataset.instance, small_dataset.figures
    counts = figures["counts"]
    assert counts["units"] == 200 and figures["rows"] == sum(counts.values())
    assert counts["authorisations"] > 200  # some units are in a second customer choice
    assert counts["survey_results"] > counts["units"] and counts["key_figure_values"] > counts["units"]
    assert counts["follow_ups"] > 0 and counts["assessments"] > counts["follow_ups"]
    assert 0 < figures["indexed_units"] <= 200
    again = subprocess.run([str(PROJECT_ROOT / "bench" / "generate"), "--database", url, "--units", "200",
                            "--instance", str(instance)],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PYTHON": sys.executable})
    assert again.returncode == 2 and "already holds units" in again.stderr  # never on top of a portal

    from tests.conftest import dispose, make_app
    app = make_app(url, instance, SEARCH_INDEX_DIR=str(instance / "search-index"))
    client = app.test_client()
    page = client.get("/kundval/forskola?sortera=nojdhet")
    assert page.status_code == 200
    unit = next(line for line in page.get_data(as_text=True).split('href="/enheter/')[1:])
    assert client.get("/enheter/" + unit.split('"', 1)[0]).status_code == 200
    assert client.get("/sok?q=f%C3%B6rskola").status_code == 200
    dispose(app)


def test_load_benchmark_runs_quickly_against_the_ceiling_and_the_peer(small_dataset, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk, the load generator bench/run drives, is not installed (apt-get install -y wrk)")
    results = tmp_path / "results"
    result = subprocess.run([str(PROJECT_ROOT / "bench" / "run"), "--database", small_dataset.url,
                             "--instance", str(small_dataset.instance), "--duration", "1", "--concurrency", "2", "--warmup", "1",
                             "--workers", "1", "--results", str(results), "--peer-dir", str(tmp_path / "peer")],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0, result.stderr[-4000:]
    (run,) = results.glob("run-*.json")
    figures = json.loads(run.read_text())
    assert set(figures["routes"]) == set(figures["routes_uncached"]) == set(figures["peer"]["routes"]) == ROUTES
    assert figures["paths"]["unit"] >= 150  # the units are spread over the id range, not a handful
    for route in ROUTES:
        ours, theirs = figures["routes"][route]["2"], figures["peer"]["routes"][route]["2"]
        for cell in (ours, theirs, figures["routes_uncached"][route]["2"]):
            assert cell["requests"] > 0 and cell["errors"] == 0, (route, cell)
            assert cell["p99_ms"] >= cell["p95_ms"] >= cell["p50_ms"] > 0 and cell["rss_mb"] > 0
        assert ours["ratio_to_ceiling"] > 0 and ours["ratio_to_peer"] > 0
        assert set(ours["ratios_to_ceiling"]) == set(ours["ratios_to_peer"]) == {
            "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "rss_mb"}
        assert theirs["ratio_to_ceiling"] > 0
        sizes = figures["page_sizes"][route]
        assert sizes["portal"]["wire_bytes"] > 0 and sizes["peer"]["wire_bytes"] > 0
        assert not sizes["portal"]["failures"] and not sizes["peer"]["failures"]
    ceiling = figures["ceiling"]["2"]
    assert ceiling["requests"] > 0 and ceiling["errors"] == 0
    table = (results / "latest.md").read_text()
    for row in ("| public mix | 2 |", "| area list | 2 |", "| api detail | 2 |", "| no page cache: unit | 2 |",
                "| peer: search | 2 |", "| ceiling | 2 |"):
        assert row in table


def test_load_benchmark_needs_wrk(tmp_path):
    result = subprocess.run([sys.executable, "bench/run.py", "--database", f"sqlite:///{tmp_path / 'none.sqlite3'}"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 2 and "wrk" in result.stderr
