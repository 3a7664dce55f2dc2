"""Search latency at national scale: p50/p95 of ``SearchIndex.search`` for a realistic query mix.

Builds an index of N synthetic units (default 25,000, about as many kundval units as Sweden has) from
the demo vocabulary and the catalogue, then times each query of the mix many times once warm. The
baseline, measured in the same run on the same index, is a bare Whoosh term lookup (one stored field,
one term, no analysis, no facets): the figures are reported as ratios against it, so they compare
across machines.

    python bench/search_latency.py                 # 25,000 units (about a minute to build)
    python bench/search_latency.py --quick         # 500 units: a smoke test of the benchmark itself
    python bench/search_latency.py --json out.json # also write the figures as JSON
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from whoosh.query import Term  # noqa: E402

from jamforaren.catalogue import load_catalogue  # noqa: E402
from jamforaren.paths import CATALOGUE_DIR, DEMO_VOCABULARY  # noqa: E402
from jamforaren.search import AreaRef, SearchIndex, UnitDocument  # noqa: E402
from jamforaren.services.demo_data import load_vocabulary  # noqa: E402

QUERY_MIX = [
    "förskola", "förskolor i Boo", "forskola montessori", "hemtjanst arabiska", "äldreboende demens",
    "grundskola Älta", "gymnasium naturvetenskap", "hemtjänts", "kulturskola dans", "sfi distans",
    "daglig verksamhet", "Ekorren", "montessoriförskolan", "boende med särskild service", "Saltsjöbaden",
    "finska", "skola engelska", "korttidsvistelse barn", "musikskola Orminge", "vuxenutbildning kväll",
]


def synthetic_documents(count: int, seed: int = 7) -> list[UnitDocument]:
    rng = random.Random(seed)
    vocabulary = load_vocabulary(DEMO_VOCABULARY)
    catalogue = load_catalogue(CATALOGUE_DIR)
    areas = [AreaRef(a["slug"], a["name"]["sv"], a["name"]["en"] or a["name"]["sv"]) for a in catalogue.areas]
    area_data = {a["slug"]: a for a in catalogue.areas}
    # More units in the big areas, as in a real country.
    weights = [vocabulary["areas"].get(a.slug, {}).get("units", 3) + 1 for a in areas]
    towns = [f"{d['name']}{suffix}" for d in vocabulary["districts"] for suffix in ("", " norra", " södra", " centrum")]
    documents = []
    for unit_id in range(1, count + 1):
        area = rng.choices(areas, weights)[0]
        spec = vocabulary["areas"].get(area.slug, {})
        pattern = rng.choice([p for p in spec.get("names", ["{word}"]) if isinstance(p, str)] or ["{word}"])
        name = pattern.format(word=rng.choice(vocabulary["words"]), stem=rng.choice(vocabulary["stems"]),
                              place=rng.choice(vocabulary["places"]), district=rng.choice(towns))
        focus = rng.choice(vocabulary["focus"])
        district = rng.choice(towns)
        labels_sv, labels_en = [], []
        for definition in area_data[area.slug]["attributes"]:
            if definition.get("options"):
                option = rng.choice(definition["options"])
                labels_sv.append(option["label"]["sv"])
                labels_en.append(option["label"]["en"] or option["label"]["sv"])
        languages = [code for code, p in vocabulary["languages"].items() if rng.random() < p]
        documents.append(UnitDocument(
            unit_id=unit_id, slug=f"enhet-{unit_id}", name=f"{name[0].upper()}{name[1:]} {unit_id}",
            provider=f"{rng.choice(vocabulary['stems'])}{rng.choice(vocabulary['places'])} AB",
            district=district, areas=[area],
            description_sv=rng.choice(vocabulary["descriptions"]["sv"]).format(focus=focus["sv"], district=district),
            description_en=rng.choice(vocabulary["descriptions"]["en"]).format(focus=focus["en"], district=district),
            attributes_sv=labels_sv, attributes_en=labels_en, languages=languages,
        ))
    return documents


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(count: int, repeats: int) -> dict[str, float]:
    documents = synthetic_documents(count)
    with tempfile.TemporaryDirectory() as folder:
        index = SearchIndex.open_or_create(folder)
        started = time.perf_counter()
        index.rebuild(documents)
        build_seconds = time.perf_counter() - started
        for query in QUERY_MIX:  # warm up: first use of each word reads its postings
            index.search(query)
        search_ms: list[float] = []
        for _ in range(repeats):
            for query in QUERY_MIX:
                started = time.perf_counter()
                result = index.search(query, page=1, per_page=20)
                search_ms.append((time.perf_counter() - started) * 1000)
                assert result.available and result.error is None, (query, result.error)
        searcher = index._searcher()  # the baseline: Whoosh's cheapest useful lookup on the same index
        baseline_ms: list[float] = []
        for _ in range(repeats):
            for document in documents[:len(QUERY_MIX)]:
                started = time.perf_counter()
                list(searcher.search(Term("unit_id", str(document.unit_id)), limit=20))
                baseline_ms.append((time.perf_counter() - started) * 1000)
        index.close()
    p50, p95 = statistics.median(search_ms), percentile(search_ms, 0.95)
    b50, b95 = statistics.median(baseline_ms), percentile(baseline_ms, 0.95)
    return {"units": count, "queries": len(search_ms), "build_seconds": round(build_seconds, 2),
            "search_p50_ms": round(p50, 2), "search_p95_ms": round(p95, 2),
            "baseline_p50_ms": round(b50, 3), "baseline_p95_ms": round(b95, 3),
            "p50_ratio": round(p50 / b50, 1), "p95_ratio": round(p95 / b95, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=25_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="500 units, 2 repeats")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    units, repeats = (500, 2) if args.quick else (args.units, args.repeats)
    figures = run(units, repeats)
    print(f"Search over {figures['units']:,} units, {figures['queries']} timed queries "
          f"(index built in {figures['build_seconds']} s):")
    print(f"  search   p50 {figures['search_p50_ms']} ms   p95 {figures['search_p95_ms']} ms")
    print(f"  baseline p50 {figures['baseline_p50_ms']} ms   p95 {figures['baseline_p95_ms']} ms "
          "(bare Whoosh term lookup, same index, same run)")
    print(f"  ratio    p50 {figures['p50_ratio']}×   p95 {figures['p95_ratio']}×")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
