"""The benchmarks run (on a small dataset): CI runs tests, not benchmarks, but a broken benchmark shows."""

from __future__ import annotations

import json
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
