"""Serve the portal under gunicorn on loopback and drive a realistic route mix at several concurrency
levels from a separate process (bench/load.py), with the same load on a ceiling reference (bench/ceiling.py:
a minimal Flask app under the same server returning a page of the same size). Reports per route requests/s,
p50/p95/p99 latency, errors, worker memory and the ratio to the ceiling; writes bench/results/*.json and a
Markdown table. A skeleton: the Datasette peer is not measured yet.

    pip install -e '.[bench]'
    bench/generate --database sqlite:///bench/data/national.sqlite3
    bench/run --database sqlite:///bench/data/national.sqlite3                 # 1, 4 and 16 clients, 10 s each
    bench/run --database sqlite:///… --duration 2 --concurrency 1,4             # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, select  # noqa: E402

from jamforaren.config import normalise_database_url  # noqa: E402
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Unit  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def route_mix(database: str) -> dict[str, list[str]]:
    """The paths of each route, from the data: busy and small areas, units spread over the id range."""
    engine = create_engine(normalise_database_url(database))
    with engine.connect() as c:
        listed = (select(Unit.slug, Area.slug).join(Authorisation, Authorisation.unit_id == Unit.id)
                  .join(Area, Area.id == Authorisation.area_id)
                  .where(Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Unit.id))
        rows = c.execute(listed).all()
    engine.dispose()
    by_area: dict[str, list[str]] = {}
    for unit, area in rows:
        by_area.setdefault(area, []).append(unit)
    units = [u for u, _ in rows][:: max(1, len(rows) // 200)]
    compare = [f"/kundval/{a}/jamfor?" + "&".join(f"enhet={quote(u)}" for u in us[i:i + 4])
               for a, us in by_area.items() if len(us) >= 4 for i in range(0, min(len(us), 40) - 3, 4)]
    return {
        "area list": ["/kundval/forskola", "/kundval/forskola?sortera=nojdhet&sida=3",
                      "/kundval/forskola?driftsform=enskild&kommundel=Boo&sortera=nojdhet",
                      "/kundval/grundskola?sprak=en", "/kundval/hemtjanst?sortera=namn&sida=2",
                      "/kundval/korttidsvistelse-lss"],
        "unit": [f"/enheter/{quote(u)}" for u in units],
        "compare of 4": compare[:50],
        "search": ["/sok?q=" + quote(q) for q in ("förskola", "förskolor i Boo", "hemtjanst arabiska",
                                                 "grundskola Älta", "montessori", "kulturskola dans")],
        "api list": ["/api/v1/units", "/api/v1/areas"],
        "api detail": [f"/api/v1/units/{quote(u)}" for u in units[:50]],
    }


def wait_until_up(port: int, path: str = "/", timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not answer {path}")


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(round(int(line.split()[1]) / 1024, 1))
    return sizes


def serve(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                             f"127.0.0.1:{port}", "--access-logfile", "-", "--log-level", "warning", app],
                            env=env, stdout=subprocess.DEVNULL, cwd=HERE.parent)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def drive(port: int, paths: list[str], concurrency: int, duration: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths))
    try:
        out = subprocess.run([sys.executable, str(HERE / "load.py"), "--port", str(port), "--urls", handle.name,
                              "--concurrency", str(concurrency), "--duration", str(duration)],
                             capture_output=True, text=True, check=True)
    finally:
        os.unlink(handle.name)
    data = json.loads(out.stdout)
    ms = data["latencies_ms"]
    return {"requests_per_s": round(data["requests"] / data["seconds"], 1), "requests": data["requests"],
            "errors": data["errors"], "error_samples": data["error_samples"],
            "p50_ms": round(statistics.median(ms), 1) if ms else None, "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--instance", type=Path, default=HERE / "instance", help="as given to bench/generate")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route and concurrency level")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    mix = route_mix(args.database)
    env = {**os.environ, "JAMFORAREN_ENV": "production", "JAMFORAREN_DATABASE_URL": args.database,
           "JAMFORAREN_SECRET_KEY": "bench-run-only", "JAMFORAREN_INSTANCE_PATH": str(args.instance),
           "JAMFORAREN_SEARCH_INDEX_DIR": str(args.instance / "search-index")}
    port = free_port()
    portal = serve("jamforaren:create_app()", port, args.workers, env)
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "workers": args.workers,
                     "duration_s": args.duration, "database": args.database.split(":", 1)[0], "routes": {}}
    try:
        wait_until_up(port)
        sizes = {}
        for route, paths in mix.items():  # warm every worker's caches a little, and learn the page sizes
            for path in paths[:3]:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
                    sizes.setdefault(route, len(response.read()))
        for route, paths in mix.items():
            for level in levels:
                results["routes"].setdefault(route, {})[str(level)] = drive(port, paths, level, args.duration)
                print(f"{route:14} c={level:<3} {results['routes'][route][str(level)]}", flush=True)
        results["worker_rss_mb"] = worker_rss_mb(portal.pid)
    finally:
        portal.send_signal(signal.SIGTERM)
        portal.wait(timeout=30)
    page_bytes = round(statistics.median(sizes[r] for r in ("area list", "unit", "compare of 4", "search")))
    ceiling_port = free_port()
    ceiling = serve("ceiling:app", ceiling_port, args.workers, {**env, "CEILING_BYTES": str(page_bytes),
                                                                 "PYTHONPATH": str(HERE)})
    try:
        wait_until_up(ceiling_port)
        results["ceiling"] = {"page_bytes": page_bytes, **{str(level): drive(ceiling_port, ["/"], level, args.duration)
                                                            for level in levels}}
        results["ceiling_worker_rss_mb"] = worker_rss_mb(ceiling.pid)
    finally:
        ceiling.send_signal(signal.SIGTERM)
        ceiling.wait(timeout=30)
    lines = [f"Workers: {args.workers}, {args.duration:g} s per cell, worker RSS {results['worker_rss_mb']} MB "
             f"(ceiling {results['ceiling_worker_rss_mb']} MB), ceiling page {page_bytes:,} bytes.", "",
             "| route | clients | req/s | ÷ ceiling | p50 ms | p95 ms | p99 ms | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for route, cells in [*results["routes"].items(), ("ceiling", {str(l): results["ceiling"][str(l)] for l in levels})]:
        for level, cell in cells.items():
            ratio = cell["requests_per_s"] / max(results["ceiling"][level]["requests_per_s"], 0.001)
            cell["ratio_to_ceiling"] = round(ratio, 3)
            lines.append(f"| {route} | {level} | {cell['requests_per_s']:,} | {ratio:.2f} | {cell['p50_ms']} | "
                         f"{cell['p95_ms']} | {cell['p99_ms']} | {cell['errors']} |")
    table = "\n".join(lines)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.results / f"run-{stamp}.json").write_text(json.dumps(results, indent=2))
    (args.results / "latest.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
