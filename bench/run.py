"""The load benchmark: the portal under gunicorn (one worker per core) on loopback, driven by wrk from a
separate process with a realistic route mix at several concurrency levels, for a bounded time each; in the
same run, on the same machine, two references under the same load:

- the CEILING (bench/ceiling.py): a minimal Flask app under the same server, same number of workers,
  returning a page of the same size (the median of our HTML pages) with no database, templates or
  middleware: what the server and Flask cost, the most a Flask portal can do here. It is measured right
  after each of our cells, and each of our figures is divided by that measurement: a shared machine's
  speed drifts by a third within a run;
- the PEER (bench/peer.py): Datasette publishing the same SQLite data (an immutable copy with an FTS5 table
  over the units, and canned queries), answering the equivalent queries. SQLite only: with a PostgreSQL
  database bench/run says so and skips the peer.

Per route and concurrency level it reports requests/s, p50/p95/p99 latency, errors (socket errors and
answers that are not 2xx), the memory (RSS, summed over the serving processes: our gunicorn workers,
the ceiling's, Datasette's one process) and the median page size as sent with ``Accept-Encoding: gzip``
(our pages are compressed; Datasette does not compress without a plugin; the ceiling's page is the median
uncompressed size of our HTML pages, sent uncompressed); each figure also as a ratio to the ceiling and to
the peer at the same concurrency (requests/s ÷ ceiling < 1 is slower than the ceiling; latency ÷ peer > 1
is slower than the peer). Results: bench/results/run-*.json and a Markdown table, bench/results/latest.md.

    apt-get install -y wrk                                   # the load generator
    pip install -e '.[bench]'                                # gunicorn and datasette
    bench/generate --database sqlite:///$PWD/bench/data/national.sqlite3 --instance bench/instance
    bench/run --database sqlite:///$PWD/bench/data/national.sqlite3 --instance bench/instance
                                                             # 1, 4 and 16 clients, 10 s each
    bench/run --database sqlite:///… --duration 2 --concurrency 1,4       # a quick look

The routes, ours → the peer's equivalent (both lists are built from the same choices, in route_mix):

- area list: ``/kundval/<area>`` for every area, eight ways each: sorted by name or satisfaction, pages
  1–3, district, ownership and language filters → the canned query ``/portal/area_list?area=…&district=…&ownership=…
  &language=…&sort=…&page=…`` (HTML): the same page of 20 authorised units with provider, ownership form,
  district, free places, languages, latest overall satisfaction share (suppressed under 5 respondents),
  the same filters and sorting, and the total. Our page also works out its filter choices (facets);
  Datasette's facets only exist on table views (see the ``area_unit`` view in bench/peer.py), so the
  peer does a little less here.
- unit: ``/enheter/<slug>`` for 2,000 units spread over the id range (so no cache sees only a handful
  of URLs) → Datasette's row page ``/portal/unit/<id>`` (HTML): the unit's row with its provider's label
  and the counts of rows in other tables that refer to it. Our page shows much more (survey results and
  trends, key figures, follow-ups), so this is the least a unit page can cost in Datasette.
- compare of 4: ``/kundval/<area>/jamfor?enhet=…`` ×4 → the canned query ``/portal/compare?area=…
  &unit1=…&unit4=…`` (HTML): the four units' profile, every question of the area's latest surveys and
  every key figure's latest value side by side, with the municipality's value (ours adds trends,
  attributes, follow-ups and marks the best values).
- search: ``/sok?q=…`` (70 searches: a few words, and kinds of unit with a district) → the units table
  with full-text search, ``/portal/unit?_search=…&_size=20`` (HTML, FTS5 over name, descriptions and
  district; Datasette ANDs the words and orders by id, our search ranks).
- api list: ``/api/v1/units`` with pages and area/ownership filters → the canned query
  ``/portal/api_units.json?…&_shape=objects``: the same 20 published units sorted by name with provider,
  languages and authorisations, and the total.
- api detail: ``/api/v1/units/<slug>`` for 200 units → the row's JSON ``/portal/unit/<id>.json`` (ours
  adds each area's latest results and follow-up).

Datasette runs as it is published (``datasette serve -i``): one process (uvicorn; SQL in a small thread
pool), whatever --workers says, with the SQL time limit raised to wrk's 30 s timeout and facet
suggestions off (see bench/peer.py). wrk runs min(2, clients) threads, ``-c`` clients, ``--timeout 30s``,
through bench/mix.lua. Its latency runs from sending a request to the answer's last byte, and its
percentiles include wrk's correction for coordinated omission: a request slower than the mean interval
between one connection's requests also counts the requests a steady client would have sent meanwhile. So
a few slow requests raise p95/p99 a lot, most of all at 1 client; the JSON also has the slowest request
(``max_ms``, uncorrected).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import random
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import peer  # noqa: E402
from sqlalchemy import create_engine, exists, func, select  # noqa: E402

from jamforaren.config import normalise_database_url  # noqa: E402
from jamforaren.models import Area, Authorisation, AuthorisationStatus, Provider, Unit  # noqa: E402

ROUTES = ("public mix", "area list", "unit", "compare of 4", "search", "api list", "api detail")
PUBLIC_MIX = {"area list": 3, "unit": 4, "compare of 4": 1, "search": 2}  # a resident's visit, roughly
POPULARITY = 1.0  # Zipf exponent: the n-th most asked-for page of a route is asked for 1/n as often
SEQUENCE = 20_000  # requests per route's path file (wrk cycles it)
HTML_ROUTES = ("area list", "unit", "compare of 4", "search")
UNIT_PAGES = 2000
DETAIL_PAGES = 200
SEARCHES = ("förskola", "förskolor i Boo", "hemtjanst arabiska", "grundskola Älta", "montessori",
            "kulturskola dans", "ledsagning", "Orminge", "sfi", "daglig verksamhet")
SEARCH_KINDS = ("förskola", "grundskola", "hemtjänst", "fritidshem", "gymnasieskola")  # … with a district
SIZE_SAMPLES = 15  # paths per route fetched once to warm up and to learn the page sizes
WRK_TIMEOUT = "30s"
FIGURES = ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "rss_mb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def absolute_database(url: str) -> str:
    """A relative SQLite path is taken from the working directory (Flask-SQLAlchemy would take it from the
    instance folder, and this script's own queries from the working directory)."""
    path = peer.database_path(url)
    if path is None or path.is_absolute() or url.startswith("sqlite:///:memory:"):
        return url
    return "sqlite:///" + str(path.resolve())


def spread(items: list, count: int) -> list:
    """``count`` items evenly spread over ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    return [items[int(i * len(items) / count)] for i in range(count)]


def popular(count: int, length: int, rng: random.Random) -> list[int]:
    """``length`` picks of 0…count-1 with Zipf popularity: which index is the most popular is itself drawn
    (fixed by the seed), the n-th most popular is picked 1/n as often as the first."""
    ranked = list(range(count))
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** POPULARITY for rank in range(count)]
    return [ranked[pick] for pick in rng.choices(range(count), weights=weights, k=length)]


def demand(mix: dict[str, dict[str, list[str]]], seed: int) -> dict[str, dict[str, list[str]]]:
    """Each route's paths as a sequence of requests as people ask for them — a few pages very often, the
    long tail now and then — and the public mix: a resident's pages, interleaved by PUBLIC_MIX's weights.
    Our paths and the peer's stay pairwise equivalent."""
    rng = random.Random(seed)
    picks = {route: popular(len(both["portal"]), SEQUENCE, rng) for route, both in mix.items() if both["portal"]}
    asked = {route: {side: [both[side][i] for i in picks[route]] for side in both} for route, both in mix.items()
             if route in picks}
    routes = [r for r in PUBLIC_MIX if r in picks]
    chosen = rng.choices(routes, weights=[PUBLIC_MIX[r] for r in routes], k=SEQUENCE)
    taken = dict.fromkeys(routes, 0)
    mixed: dict[str, list[str]] = {"portal": [], "peer": []}
    for route in chosen:
        for side in mixed:
            mixed[side].append(asked[route][side][taken[route] % SEQUENCE])
        taken[route] += 1
    return {"public mix": mixed, **asked}


def route_mix(database: str) -> dict[str, dict[str, list[str]]]:
    """Per route, our paths and the peer's equivalents ({"portal": [...], "peer": [...]}, built from the
    same choices, in the same order): every area sorted and filtered several ways, 2,000 unit pages spread
    over the id range, comparisons of four units from every area, searches, API pages and details."""
    engine = create_engine(normalise_database_url(database))
    with engine.connect() as c:
        listed = c.execute(
            select(Unit.id, Unit.slug, Unit.district, Area.slug, Provider.ownership)
            .join(Authorisation, Authorisation.unit_id == Unit.id).join(Area, Area.id == Authorisation.area_id)
            .join(Provider, Provider.id == Unit.provider_id)
            .where(Authorisation.status == AuthorisationStatus.AUTHORISED).order_by(Area.position, Unit.id)
        ).all()
        area_order = c.execute(select(Area.slug).order_by(Area.position)).scalars().all()
        published = c.scalar(select(func.count()).select_from(Unit).where(exists().where(
            Authorisation.unit_id == Unit.id, Authorisation.status != AuthorisationStatus.APPLIED)))
    engine.dispose()
    mix: dict[str, dict[str, list[str]]] = {route: {"portal": [], "peer": []} for route in ROUTES
                                             if route != "public mix"}

    def add(route: str, portal_path: str, peer_path: str) -> None:
        mix[route]["portal"].append(portal_path)
        mix[route]["peer"].append(peer_path)

    by_area: dict[str, list] = {}
    for row in listed:
        by_area.setdefault(row[3], []).append(row)
    for area in (a for a in area_order if a in by_area):
        rows = by_area[area]
        districts = [r[2] for r in rows if r[2]]
        district = max(set(districts), key=lambda d: (districts.count(d), d)) if districts else ""
        ownership = max({str(r[4]) for r in rows}, key=lambda o: sum(1 for r in rows if str(r[4]) == o))
        pages = math.ceil(len(rows) / peer.PER_PAGE)
        choices: list[tuple[dict[str, str | int], dict[str, str | int]]] = [  # (ours, the peer's)
            ({}, {}),
            ({"sortera": "nojdhet"}, {"sort": "nojdhet"}),
            ({"sortera": "namn", "sida": min(2, pages)}, {"sort": "namn", "page": min(2, pages)}),
            ({"sortera": "nojdhet", "sida": min(3, pages)}, {"sort": "nojdhet", "page": min(3, pages)}),
            ({"kommundel": district, "sortera": "nojdhet"}, {"district": district, "sort": "nojdhet"}),
            ({"driftsform": ownership}, {"ownership": ownership}),
            ({"driftsform": "enskild", "kommundel": district, "sortera": "nojdhet"},
             {"ownership": "enskild", "district": district, "sort": "nojdhet"}),
            ({"sprak": "en"}, {"language": "en"}),
        ]
        for ours, theirs in choices:
            query = ("?" + urlencode(ours)) if ours else ""
            add("area list", f"/kundval/{area}{query}", peer.area_list_path(area, **theirs))  # type: ignore[arg-type]
        for group in spread([rows[i:i + 4] for i in range(0, len(rows) - 3, 4)], 4):
            slugs = [r[1] for r in group]
            add("compare of 4", f"/kundval/{area}/jamfor?" + "&".join(f"enhet={quote(s)}" for s in slugs),
                peer.compare_path(area, slugs))

    units = sorted({(r[0], r[1]) for r in listed})
    for unit_id, slug in spread(units, UNIT_PAGES):
        add("unit", f"/enheter/{quote(slug)}", peer.unit_path(unit_id))
    for unit_id, slug in spread(units, DETAIL_PAGES):
        add("api detail", f"/api/v1/units/{quote(slug)}", peer.api_detail_path(unit_id))
    districts = sorted({r[2] for r in listed if r[2]})
    for words in [*SEARCHES, *(f"{kind} {place}" for kind in SEARCH_KINDS for place in spread(districts, 12))]:
        add("search", "/sok?q=" + quote(words), peer.search_path(words))
    last_page = max(1, math.ceil((published or 1) / peer.PER_PAGE))
    for page in sorted({1, 2, 3, 5, 10, 20, 50, 100, last_page // 2, last_page} & set(range(1, last_page + 1))):
        add("api list", f"/api/v1/units?page={page}", peer.api_list_path(page=page))
    for area in spread([a for a in area_order if a in by_area], 6):
        add("api list", f"/api/v1/units?area={area}", peer.api_list_path(area=area))
        private = sum(1 for r in by_area[area] if str(r[4]) == "enskild")
        page = 2 if private > 2 * peer.PER_PAGE else 1  # a page that exists (the API answers 404 past the last)
        add("api list", f"/api/v1/units?area={area}&ownership=enskild&page={page}",
            peer.api_list_path(area=area, ownership="enskild", page=page))
    return mix


def wait_until_up(port: int, path: str = "/", timeout: float = 120, server: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
                response.read()
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not answer {path}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [rss_mb(int(pid)) for pid in children]


def gunicorn(app: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--access-logfile", "-", "--log-level", "warning", app]


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, ready: str = "/") -> Iterator[subprocess.Popen]:
    """Run a server until the block ends; its stderr is kept and shown when something goes wrong."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=HERE.parent)
        try:
            wait_until_up(port, ready, server=server)
            yield server
        except BaseException:
            log.seek(0)
            print(f"{' '.join(command[:4])}… said:\n" + "".join(log.readlines()[-30:]), file=sys.stderr)
            raise
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def fetch(port: int, path: str) -> tuple[int, bytes, str]:
    """GET ``path`` as a browser would, with gzip: the status, the body as sent and its Content-Encoding."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read(), response.headers.get("Content-Encoding", "")
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, b"", ""


def page_sizes(port: int, paths: list[str]) -> dict:
    """Fetch a sample of the paths once (warming every worker a little): the median bytes sent, the median
    page bytes, and what did not answer 200."""
    wire, page, failures, encodings = [], [], [], set()
    for path in spread(paths, SIZE_SAMPLES):
        status, body, encoding = fetch(port, path)
        if status != 200:
            failures.append(f"{status} {path}")
            continue
        encodings.add(encoding or "identity")
        wire.append(len(body))
        page.append(len(gzip.decompress(body)) if encoding == "gzip" else len(body))
    return {"wire_bytes": round(statistics.median(wire)) if wire else None,
            "page_bytes": round(statistics.median(page)) if page else None,
            "content_encoding": sorted(encodings), "failures": failures}


def drive(port: int, paths: list[str], concurrency: int, duration: int) -> dict:
    """wrk with bench/mix.lua over ``paths`` for ``duration`` seconds with ``concurrency`` connections."""
    threads = min(2, concurrency)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(paths) + "\n")
    try:
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{duration}s",
                              "--timeout", WRK_TIMEOUT, "-s", str(HERE / "mix.lua"), f"http://127.0.0.1:{port}",
                              "--", handle.name, str(threads)],
                             capture_output=True, text=True, timeout=duration + 120)
    finally:
        os.unlink(handle.name)
    line = next((line for line in out.stdout.splitlines() if line.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    data = json.loads(line.split(" ", 1)[1])
    return {"requests_per_s": round(data["requests"] / max(data["duration_s"], 1e-9), 1),
            "requests": data["requests"], "errors": data["errors"],
            "socket_errors": data["socket_errors"], "statuses": data["statuses"],
            "p50_ms": round(data["p50_ms"], 1), "p95_ms": round(data["p95_ms"], 1),
            "p99_ms": round(data["p99_ms"], 1), "max_ms": round(data["max_ms"], 1)}


def prime(port: int, paths: list[str], concurrency: int) -> float:
    """Ask for every distinct path once, ``concurrency`` at a time (``fetch``); the seconds
    it took. A portal in its busy week has been serving for hours: every page of the mix has been asked
    for before (the long tail included), as a time-bounded warm-up alone cannot ensure."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda path: fetch(port, path), dict.fromkeys(paths)))
    return time.perf_counter() - started


def measure(name: str, port: int, mix: dict[str, list[str]], levels: list[int], duration: int,
            memory: Callable[[], list[float]], warmup: int,
            reference: Callable[[int], dict] | None = None) -> tuple[dict, dict]:
    """Every route at every level, each route after its distinct paths were asked for once (``prime``) and
    ``warmup`` seconds of the same requests at the highest level (neither is measured); per cell also the
    serving processes' RSS (summed) after it, and ``reference(level)`` (the ceiling) measured right after."""
    sizes = {route: page_sizes(port, paths) for route, paths in mix.items()}
    for route, size in sizes.items():
        if size["failures"]:
            print(f"warning: {name} {route}: {len(size['failures'])} sample paths did not answer 200: "
                  f"{size['failures'][:3]}", file=sys.stderr, flush=True)
    cells: dict = {}
    for route, paths in mix.items():
        if warmup:
            took = prime(port, paths, max(levels))
            print(f"{name:7} {route:14} every distinct path asked for once in {took:.1f} s", flush=True)
            drive(port, paths, max(levels), warmup)
        for level in levels:
            cell = drive(port, paths, level, duration)
            processes = memory()
            cell["rss_mb"] = round(sum(processes), 1)
            cells.setdefault(route, {})[str(level)] = cell
            if reference is not None:
                cell["ceiling"] = reference(level)
            print(f"{name:7} {route:14} c={level:<3} {cell['requests_per_s']:>8} req/s  p50 {cell['p50_ms']} ms  "
                  f"p95 {cell['p95_ms']} ms  p99 {cell['p99_ms']} ms  errors {cell['errors']}  "
                  f"RSS {cell['rss_mb']} MB", flush=True)
    return cells, sizes


def ratios(cell: dict, reference: dict | None) -> dict | None:
    if reference is None:
        return None
    return {figure: round(cell[figure] / reference[figure], 3) if reference.get(figure) else None
            for figure in FIGURES}


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(results: dict, levels: list[int]) -> str:
    peer_info = results["peer"]
    ceiling = results["ceiling"]
    lines = [
        f"{results['started']}, {results['database']}, {results['workers']} gunicorn workers, "
        f"{results['duration_s']:g} s per cell after each route's distinct paths were asked for once and "
        f"{results['warmup_s']} s of warm-up, requests "
        f"with Zipf popularity (s = {results['popularity_zipf_s']:g}) over each route's distinct paths "
        f"({', '.join(f'{r}: {n:,}' for r, n in results['paths'].items())}), wrk min(2, clients) threads. "
        f"Ceiling: minimal Flask, same server, "
        f"{ceiling['page_bytes']:,}-byte page, measured right after each of our cells (its row: the median). Peer: "
        + (f"Datasette {peer_info['version']}, one process, immutable copy, equivalent queries."
           if peer_info.get("routes") else f"not measured ({peer_info['skipped']})."),
        "",
        "÷ = our figure divided by the ceiling's measured right after it (c) or the peer's (p) at the same "
        "clients: req/s below 1 is "
        "slower, latency above 1 is slower. RSS: all serving processes, after the cell. KB: median page as "
        "sent with Accept-Encoding: gzip. The JSON has every figure's ratios.",
        "",
        "| route | clients | req/s | ÷ c | ÷ p | p50 ms | p95 ms | p99 ms | p95 ÷ c | p95 ÷ p | errors | "
        "RSS MB | RSS ÷ p | KB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def row(label: str, cell: dict, size: dict | None) -> str:
        to_c, to_p = cell.get("ratios_to_ceiling") or {}, cell.get("ratios_to_peer") or {}
        kb = fmt(size["wire_bytes"] / 1000, 1) if size and size.get("wire_bytes") is not None else "–"
        return (f"| {label} | {cell['clients']} | {cell['requests_per_s']:,} | {fmt(to_c.get('requests_per_s'))} | "
                f"{fmt(to_p.get('requests_per_s'))} | {cell['p50_ms']} | {cell['p95_ms']} | {cell['p99_ms']} | "
                f"{fmt(to_c.get('p95_ms'))} | {fmt(to_p.get('p95_ms'))} | {cell['errors']} | {cell['rss_mb']} | "
                f"{fmt(to_p.get('rss_mb'))} | {kb} |")

    for key, prefix in (("routes", ""), ("routes_uncached", "no page cache: ")):
        for route, cells in (results.get(key) or {}).items():
            for cell in cells.values():
                lines.append(row(prefix + route, cell, results["page_sizes"][route]["portal"]))
    for route, cells in (peer_info.get("routes") or {}).items():
        for cell in cells.values():
            lines.append(row(f"peer: {route}", cell, results["page_sizes"][route]["peer"]))
    for level in levels:
        lines.append(row("ceiling", ceiling[str(level)], {"wire_bytes": ceiling["page_bytes"]}))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="sqlite:///PATH (a relative PATH is from the working directory) or postgresql://…")
    parser.add_argument("--instance", type=Path, default=HERE / "instance", help="as given to bench/generate")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (portal, ceiling)")
    parser.add_argument("--concurrency", default="1,4,16", help="wrk connections, comma-separated levels")
    parser.add_argument("--duration", type=int, default=10, help="whole seconds per route and concurrency level")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--peer-dir", type=Path, help="where the peer's copy is kept (default: <database>.peer/)")
    parser.add_argument("--no-peer", action="store_true", help="skip the Datasette peer")
    parser.add_argument("--warmup", type=int, default=30,
                        help="seconds of each route's requests, not measured, before its cells, after each of "
                             "its distinct paths was asked for once (0: neither)")
    parser.add_argument("--page-cache", choices=("both", "on", "off"), default="both",
                        help="measure the portal with its page cache, without it (PAGE_CACHE_MB=0), or both")
    parser.add_argument("--seed", type=int, default=2026, help="for the order and popularity of the requests")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    if shutil.which("wrk") is None:
        print("bench/run needs wrk, the HTTP load generator: apt-get install -y wrk", file=sys.stderr)
        return 2
    database = absolute_database(args.database)
    database_file = peer.database_path(database)
    needed = [("gunicorn", "the server")]
    if database_file is not None and not args.no_peer:
        needed.append(("datasette", "the peer"))
    for module, why in needed:
        try:
            __import__(module)
        except ImportError:
            print(f"bench/run needs {module} ({why}): .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
            return 2
    instance = args.instance.resolve()
    mix = demand(route_mix(database), args.seed)
    env = {**os.environ, "JAMFORAREN_ENV": "production", "JAMFORAREN_DATABASE_URL": database,
           "JAMFORAREN_SECRET_KEY": secrets.token_hex(32), "JAMFORAREN_INSTANCE_PATH": str(instance),
           "JAMFORAREN_SEARCH_INDEX_DIR": str(instance / "search-index")}
    results: dict = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "workers": args.workers,
                     "duration_s": args.duration, "concurrency": levels, "database": database.split(":", 1)[0],
                     "paths": {route: len(set(paths["portal"])) for route, paths in mix.items()},
                     "warmup_s": args.warmup, "popularity_zipf_s": POPULARITY, "public_mix": PUBLIC_MIX,
                     "page_sizes": {}}

    runs = {"both": (("routes", None), ("routes_uncached", "0")), "on": (("routes", None),),
            "off": (("routes_uncached", "0"),)}[args.page_cache]
    adjacent: dict[str, list[dict]] = {str(level): [] for level in levels}
    with contextlib.ExitStack() as ceiling_server:
        ceiling_port = free_port()
        ceiling_pid = 0

        def ceiling_cell(level: int) -> dict:
            """The ceiling at ``level``, right after one of our cells: the machine's speed drifts (it is
            shared), so each of our figures is divided by the ceiling measured next to it."""
            cell = drive(ceiling_port, ["/"], level, args.duration)
            cell["rss_mb"] = round(sum(worker_rss_mb(ceiling_pid)), 1)
            adjacent[str(level)].append(cell)
            print(f"ceiling c={level:<3} {cell['requests_per_s']:>8} req/s  p50 {cell['p50_ms']} ms  "
                  f"p99 {cell['p99_ms']} ms  errors {cell['errors']}", flush=True)
            return cell

        for key, cache_mb in runs:
            port = free_port()
            portal_env = {**env, "JAMFORAREN_PAGE_CACHE_MB": cache_mb} if cache_mb is not None else env
            name = "portal" if cache_mb is None else "uncached"
            with serving(gunicorn("jamforaren:create_app()", port, args.workers), portal_env, port) as portal:
                if not ceiling_pid:  # the ceiling's page is as big as the median of our HTML pages
                    page_bytes = round(statistics.median(
                        size["page_bytes"] for route in HTML_ROUTES
                        if (size := page_sizes(port, mix[route]["portal"]))["page_bytes"]))
                    ceiling_env = {**env, "CEILING_BYTES": str(page_bytes), "PYTHONPATH": str(HERE)}
                    ceiling_pid = ceiling_server.enter_context(serving(
                        gunicorn("ceiling:app", ceiling_port, args.workers), ceiling_env, ceiling_port)).pid
                results[key], sizes = measure(name, port, {r: p["portal"] for r, p in mix.items()}, levels,
                                              args.duration, lambda: worker_rss_mb(portal.pid), args.warmup,
                                              ceiling_cell)
                results[f"{key}_worker_rss_mb"] = worker_rss_mb(portal.pid)
        results["ceiling_worker_rss_mb"] = worker_rss_mb(ceiling_pid)
    results["page_sizes"] = {route: {"portal": size, "peer": None} for route, size in sizes.items()}
    results["ceiling"] = {"page_bytes": page_bytes, **{
        level: {**sorted(cells, key=lambda c: c["requests_per_s"])[len(cells) // 2], "adjacent": len(cells)}
        for level, cells in adjacent.items()}}  # the median of the ceilings measured next to our cells

    if args.no_peer:
        results["peer"] = {"skipped": "--no-peer"}
    elif database_file is None:
        results["peer"] = {"skipped": "the Datasette peer needs SQLite; this run used PostgreSQL"}
        print("The Datasette peer is skipped: it serves SQLite only, and this run used PostgreSQL.", flush=True)
    else:
        print("Preparing the peer's copy of the database (FTS, canned queries)…", flush=True)
        prepared = peer.prepare(database_file, args.peer_dir)
        peer_port = free_port()
        with serving(peer.command(prepared, peer_port), env, peer_port, "/-/versions.json") as datasette:
            with urllib.request.urlopen(f"http://127.0.0.1:{peer_port}/-/versions.json", timeout=60) as response:
                version = json.load(response)["datasette"]["version"]
            peer_cells, peer_sizes = measure("peer", peer_port, {r: p["peer"] for r, p in mix.items()}, levels,
                                             args.duration, lambda: [rss_mb(datasette.pid)], args.warmup)
            results["peer"] = {"version": version, "processes": 1, "settings": peer.SETTINGS,
                               "routes": peer_cells, "rss_mb": rss_mb(datasette.pid)}
            for route, size in peer_sizes.items():
                results["page_sizes"][route]["peer"] = size

    peer_routes = results["peer"].get("routes")
    ours = [results[key] for key, _ in runs]
    for owner in ours + ([peer_routes] if peer_routes else []):
        for route, cells in owner.items():
            for level, cell in cells.items():
                cell["clients"] = int(level)
                cell["ratios_to_ceiling"] = ratios(cell, cell.get("ceiling") or results["ceiling"][level])
                cell["ratio_to_ceiling"] = cell["ratios_to_ceiling"]["requests_per_s"]
    for route, cells in ((r, c) for owner in ours for r, c in owner.items()):
        for level, cell in cells.items():
            cell["ratios_to_peer"] = ratios(cell, peer_routes[route][level]) if peer_routes else None
            cell["ratio_to_peer"] = cell["ratios_to_peer"]["requests_per_s"] if peer_routes else None
    for level in levels:
        results["ceiling"][str(level)]["clients"] = level
        results["ceiling"][str(level)]["ratios_to_ceiling"] = None

    table = markdown(results, levels)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.results / f"run-{stamp}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (args.results / "latest.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
