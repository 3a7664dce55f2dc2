"""The benchmarks run (on a small dataset): CI runs tests, not benchmarks, but a broken benchmark shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from jamforaren.paths import PROJECT_ROOT


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


def test_dataset_generator_runs_quickly_and_the_portal_serves_it(tmp_path):
    out = tmp_path / "generate.json"
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    result = subprocess.run([str(PROJECT_ROOT / "bench" / "generate"), "--database", url, "--units", "200",
                             "--years", "2", "--year", "2026", "--instance", str(tmp_path / "instance"),
                             "--json", str(out)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHON": sys.executable})
    assert result.returncode == 0, result.stderr
    figures = json.loads(out.read_text())
    counts = figures["counts"]
    assert counts["units"] == 200 and figures["rows"] == sum(counts.values())
    assert counts["authorisations"] > 200  # some units are in a second customer choice
    assert counts["survey_results"] > counts["units"] and counts["key_figure_values"] > counts["units"]
    assert counts["follow_ups"] > 0 and counts["assessments"] > counts["follow_ups"]
    assert 0 < figures["indexed_units"] <= 200
    again = subprocess.run([str(PROJECT_ROOT / "bench" / "generate"), "--database", url, "--units", "200",
                            "--instance", str(tmp_path / "instance")],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PYTHON": sys.executable})
    assert again.returncode == 2 and "already holds units" in again.stderr  # never on top of a portal

    from tests.conftest import dispose, make_app
    app = make_app(url, tmp_path / "instance", SEARCH_INDEX_DIR=str(tmp_path / "instance" / "search-index"))
    client = app.test_client()
    page = client.get("/kundval/forskola?sortera=nojdhet")
    assert page.status_code == 200
    unit = next(line for line in page.get_data(as_text=True).split('href="/enheter/')[1:])
    assert client.get("/enheter/" + unit.split('"', 1)[0]).status_code == 200
    assert client.get("/sok?q=f%C3%B6rskola").status_code == 200
    dispose(app)
