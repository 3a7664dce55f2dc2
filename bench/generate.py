"""A deterministic national-scale dataset: 25,000 units across the 25 areas, ten years of survey results
and key figures (millions of rows), authorisations with their decisions and published follow-ups.

    bench/generate --database sqlite:///bench/national.sqlite3                 # 25,000 units, 10 years
    bench/generate --database postgresql://postgres@127.0.0.1:5432/jamforaren_bench
    bench/generate --database sqlite:////tmp/tiny.sqlite3 --units 200 --years 2  # a smoke test

The catalogue comes from ``seed/catalogue`` (as ``jamforaren seed`` loads it); everything else is invented
from the demo vocabulary (``seed/demo.yaml``) and one ``random.Random(seed)``: the same arguments give the
same rows. Units are spread over the areas as the demo weights them (many preschools, schools and home-care
teams, few in the small areas), and some are authorised in a second area as the demo's "share" says
(pre-school classes and after-school centres of compulsory schools, and so on).

Rows are written with Core in chunks (COPY on PostgreSQL, through ``jamforaren.imports.bulk``) inside
``audit.bulk_load``, so there is no audit event per row; the search index is rebuilt at the end. The
database must hold no units yet; the schema is created or migrated first.

:func:`populate` is the part tests use: it adds units, results and follow-ups to whatever portal the
current app context holds (the demo data, say), next to what is there.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import JSON, func, insert, make_url, select, text  # noqa: E402

from jamforaren import audit, create_app, migrate, search  # noqa: E402
from jamforaren.catalogue import load_catalogue  # noqa: E402
from jamforaren.extensions import db  # noqa: E402
from jamforaren.imports.bulk import insert_rows  # noqa: E402
from jamforaren.models import (  # noqa: E402
    DEMO_DATA, Action, ActionStatus, Area, Assessment, Authorisation, AuthorisationEvent, AuthorisationStatus,
    FigureScope, FollowUp, FollowUpMethod, FollowUpStatus, KeyFigure, KeyFigureValue, Ownership, Provider,
    Rating, SurveyResult, Unit, UnitAttribute, UnitLanguage,
)
from jamforaren.paths import CATALOGUE_DIR, DEMO_VOCABULARY  # noqa: E402
from jamforaren.services.catalogue_sync import create_surveys  # noqa: E402
from jamforaren.services.demo_data import (  # noqa: E402
    METHOD_NAMES, OWNERSHIP_PREFIX, STATUS_WEIGHTS, _Generator, load_vocabulary,
)
from jamforaren.services.orgnumber import with_check_digit  # noqa: E402
from jamforaren.services.seeding import seed_catalogue  # noqa: E402
from jamforaren.services.site import set_setting  # noqa: E402
from jamforaren.services.text import slugify  # noqa: E402

CHUNK = 20_000
FOLLOW_UP_YEARS = 3  # the last three years have follow-ups (this year's partly, some still drafts)
DISTRICT_SUFFIXES = ("", " norra", " södra", " centrum")  # 12 demo districts → 48, as bench/search_latency.py
RATING_COMMENTS = {
    Rating.MET: "Kravet uppfylls. Rutiner och dokumentation finns och är kända av personalen.",
    Rating.PARTLY_MET: "Rutin finns men tillämpas inte fullt ut; dokumentationen behöver förbättras.",
    Rating.NOT_MET: "Kravet uppfylls inte. Rutin saknas eller följs inte.",
    Rating.NOT_ASSESSED: "Bedömdes inte i år; granskas vid nästa uppföljning.",
}
TABLES = (Provider, Unit, UnitLanguage, UnitAttribute, Authorisation, AuthorisationEvent, SurveyResult,
          KeyFigureValue, FollowUp, Assessment, Action)  # in the order foreign keys need
COUNTED = dict(zip(TABLES, ("providers", "units", "unit_languages", "unit_attributes", "authorisations",
                            "authorisation_events", "survey_results", "key_figure_values", "follow_ups",
                            "assessments", "actions"), strict=True))


@dataclass
class Counts:
    providers: int = 0
    units: int = 0
    unit_languages: int = 0
    unit_attributes: int = 0
    authorisations: int = 0
    authorisation_events: int = 0
    survey_results: int = 0
    key_figure_values: int = 0
    follow_ups: int = 0
    assessments: int = 0
    actions: int = 0

    def total(self) -> int:
        return sum(vars(self).values())


@dataclass
class _Listing:
    """One unit's authorisation in one area: what ``_Generator.listed_in`` reads, and the ids to link."""
    id: int
    unit_id: int
    area_id: int
    quality: float
    capacity: int
    status: AuthorisationStatus
    status_since: date
    authorised_since: date | None


@dataclass
class _State:
    rng: random.Random
    year: int
    next_id: dict[str, int]
    counts: Counts = field(default_factory=Counts)
    buffers: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    listings: dict[int, list[_Listing]] = field(default_factory=dict)  # area id → its units' authorisations

    def new_id(self, model: type) -> int:
        value = self.next_id[model.__tablename__]
        self.next_id[model.__tablename__] = value + 1
        return value

    def add(self, model: type, row: dict[str, Any]) -> None:
        buffer = self.buffers.setdefault(model, [])
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush(model)

    def flush(self, model: type | None = None) -> None:
        """Write what is buffered for ``model`` (all if None) and, first, for the tables it refers to."""
        last = TABLES.index(model) if model else len(TABLES) - 1
        for each in TABLES[:last + 1]:
            rows = self.buffers.get(each)
            if rows:
                write(each, rows)
                name = COUNTED[each]
                setattr(self.counts, name, getattr(self.counts, name) + len(rows))
                self.buffers[each] = []


def write(model: type, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (plain values, all with the same keys) in the session's transaction."""
    table = model.__table__
    columns = list(rows[0])
    if db.session.get_bind().dialect.name == "postgresql":
        json_columns = [c for c in columns if isinstance(table.c[c].type, JSON)]
        if json_columns:
            rows = [{**row, **{c: json.dumps(row[c]) for c in json_columns}} for row in rows]
        insert_rows(table, columns, rows)
    else:
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(table), rows[start:start + CHUNK])


def _next_ids() -> dict[str, int]:
    return {m.__tablename__: (db.session.scalar(select(func.max(m.id))) or 0) + 1 for m in TABLES}


def _reset_sequences() -> None:
    """Rows were written with explicit ids: move PostgreSQL's sequences past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in TABLES:
        name = model.__tablename__
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"COALESCE((SELECT max(id) FROM {name}), 1))"))


# -- providers and units -------------------------------------------------------------------------------

class _Names:
    """Unique names, slugs and organisation numbers next to those already in the database."""

    def __init__(self, rng: random.Random, vocabulary: dict[str, Any]):
        self.rng, self.vocab = rng, vocabulary
        self.unit_slugs = set(db.session.scalars(select(Unit.slug)))
        self.provider_slugs = set(db.session.scalars(select(Provider.slug)))
        self.org_numbers = set(db.session.scalars(select(Provider.org_number)))
        self.serial: dict[str, int] = {}

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def fill(self, pattern: str, **extra: str) -> str:
        name = pattern.format(word=self.pick(self.vocab["words"]), stem=self.pick(self.vocab["stems"]),
                              place=self.pick(self.vocab["places"]), **extra)
        return name[0].upper() + name[1:]

    @staticmethod
    def unique(base: str, taken: set[str]) -> str:
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        return slug

    def org_number(self, ownership: Ownership) -> str:
        prefix = OWNERSHIP_PREFIX[ownership]
        while True:
            serial = self.serial[prefix] = self.serial.get(prefix, 0) + 1
            number = with_check_digit(f"{prefix}{serial:0{9 - len(prefix)}d}")
            if number not in self.org_numbers:
                self.org_numbers.add(number)
                return number


def _providers(state: _State, names: _Names, vocabulary: dict[str, Any], moment: datetime,
               districts: list[str]) -> Callable[[str, str], int]:
    """A function (sector, district) → provider id, creating providers as a country has them: one
    municipal provider per sector and district, national chains that run many units, many small ones."""
    municipal: dict[tuple[str, str], int] = {}
    chains: dict[str, list[int]] = {}
    others: dict[tuple[str, str], list[int]] = {}

    def new(sector: str, ownership: Ownership, district: str) -> int:
        spec = vocabulary["sectors"][sector]
        if ownership is Ownership.MUNICIPAL:
            name = f"{district} kommun, {spec['sv']}"
        else:
            patterns = vocabulary["provider_names"][ownership.value]
            pattern = patterns if isinstance(patterns, str) else names.pick(patterns)
            name = names.fill(pattern, sector_sv=spec["sv"], sector_company=names.pick(spec["company"]),
                              municipality=district)
        slug = names.unique(slugify(name), names.provider_slugs)
        provider_id = state.new_id(Provider)
        state.add(Provider, {
            "id": provider_id, "slug": slug, "name": name, "org_number": names.org_number(ownership),
            "ownership": ownership.value, "website": f"https://{slug}.example", "email": f"info@{slug}.example",
            "phone": f"08-465 004 {state.rng.randrange(100):02d}", "created_at": moment})
        return provider_id

    def provider_for(sector: str, district: str) -> int:
        spec = vocabulary["sectors"][sector]
        ownership = Ownership(state.rng.choices(list(spec["ownership"]), list(spec["ownership"].values()))[0])
        if ownership is Ownership.MUNICIPAL:
            key = (sector, district)
            if key not in municipal:
                municipal[key] = new(sector, ownership, district)
            return municipal[key]
        if ownership is Ownership.PRIVATE:
            pool = chains.setdefault(sector, [])
            if len(pool) < spec["chains"] * 5:
                pool.append(new(sector, ownership, district))
                return pool[-1]
            if state.rng.random() < 0.5:  # half of the private units belong to national chains
                return pool[min(int(state.rng.paretovariate(1.2)) - 1, len(pool) - 1)]
        pool = others.setdefault((sector, ownership.value), [])
        if pool and state.rng.random() < 0.25:
            return names.pick(pool)
        pool.append(new(sector, ownership, district))
        return pool[-1]

    return provider_for


def _unit_counts(catalogue_areas: list[dict[str, Any]], vocabulary: dict[str, Any], units: int) -> dict[str, int]:
    """How many units of its own each area gets: the demo's numbers scaled to ``units`` in all."""
    own = {a["slug"]: int(vocabulary["areas"].get(a["slug"], {"units": 5}).get(
        "units", 0 if vocabulary["areas"].get(a["slug"], {}).get("share") else 5)) for a in catalogue_areas}
    total = sum(own.values())
    counts = {slug: math.floor(units * n / total) for slug, n in own.items()}
    for slug in sorted(own, key=lambda s: -own[s])[:units - sum(counts.values())]:
        counts[slug] += 1  # the rounding remainder goes to the biggest areas
    return counts


def _attributes(state: _State, names: _Names, unit_id: int, area: Area, capacity: int,
                named_for: dict[str, str]) -> None:
    rng = state.rng
    for definition in area.attribute_definitions:
        kind, values = definition["type"], []
        if kind == "choice":
            values = [names.pick(definition["options"])["key"]]
        elif kind == "multichoice":
            options = definition["options"]
            start = rng.randrange(len(options))
            values = [o["key"] for o in options[start:start + rng.randint(1, min(3, len(options) - start))]]
        elif kind == "boolean":
            values = ["true" if rng.random() < 0.4 else "false"]
        elif kind == "integer":
            values = [str(capacity)]
        if definition["key"] in named_for:
            values = [named_for[definition["key"]]]
        for value in values:
            state.add(UnitAttribute, {"id": state.new_id(UnitAttribute), "unit_id": unit_id, "area_id": area.id,
                                      "key": definition["key"], "value": value})


def _authorise(state: _State, unit_id: int, quality: float, capacity: int, area: Area, since_year: int,
               moment: datetime) -> None:
    """An authorisation and its decisions, as the demo makes them (applied, authorised, maybe changed)."""
    rng, year = state.rng, state.year
    rulebook = area.rulebooks[-1]
    prefix = (rulebook.decision_reference or "KN").split(" ")[0]

    def day_in(first: date, last: date) -> date:
        return first + timedelta(days=rng.randrange(max(0, (last - first).days) + 1))

    events: list[dict[str, Any]] = []  # written after their authorisation

    def event(status: AuthorisationStatus, on: date, reason: str, reference: str | None) -> None:
        events.append({
            "id": state.new_id(AuthorisationEvent), "authorisation_id": authorisation_id, "status": status.value,
            "decided_on": on, "decision_reference": reference, "reason": reason, "created_at": moment})

    authorisation_id = state.new_id(Authorisation)
    status = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
    authorised_on = day_in(date(max(since_year, 2000), 1, 1), date(year - 1, 6, 30))
    reference = f"{prefix} {authorised_on.year}/{rng.randint(1, 999):04d}"
    if status is AuthorisationStatus.APPLIED:
        applied_on = day_in(date(year, 1, 1), date(year, 10, 31))
        row = {"status": status, "status_since": applied_on, "authorised_since": None, "decision_reference": None}
        event(status, applied_on, "Ansökan om auktorisation inkom.", None)
    else:
        event(AuthorisationStatus.APPLIED, authorised_on - timedelta(days=rng.randint(45, 120)),
              "Ansökan om auktorisation inkom.", None)
        event(AuthorisationStatus.AUTHORISED, authorised_on, "Anordnaren uppfyller auktorisationsvillkoren.", reference)
        row = {"status": AuthorisationStatus.AUTHORISED, "status_since": authorised_on,
               "authorised_since": authorised_on, "decision_reference": reference}
        if status is not AuthorisationStatus.AUTHORISED:
            changed_on = day_in(max(authorised_on + timedelta(days=200), date(year - 2, 1, 1)), date(year, 10, 31))
            reference = f"{prefix} {changed_on.year}/{rng.randint(1, 999):04d}"
            event(status, changed_on, {
                AuthorisationStatus.SUSPENDED: "Verksamheten är vilande på anordnarens begäran under ombyggnad.",
                AuthorisationStatus.REVOKED: "Allvarliga brister som inte åtgärdats trots föreläggande.",
                AuthorisationStatus.ENDED: "Anordnaren har avslutat verksamheten på egen begäran.",
            }[status], reference)
            row.update(status=status, status_since=changed_on, decision_reference=reference)
    state.add(Authorisation, {"id": authorisation_id, "unit_id": unit_id, "area_id": area.id,
                              "rulebook_id": rulebook.id, **row, "status": row["status"].value})
    for each in events:
        state.add(AuthorisationEvent, each)
    state.listings.setdefault(area.id, []).append(_Listing(
        authorisation_id, unit_id, area.id, quality, capacity, row["status"], row["status_since"],
        row["authorised_since"]))


def _units(state: _State, catalogue: Any, vocabulary: dict[str, Any], areas: dict[str, Area], units: int,
           moment: datetime) -> None:
    names = _Names(state.rng, vocabulary)
    districts = [f"{d['name']}{s}" for d in vocabulary["districts"] for s in DISTRICT_SUFFIXES]
    district_data = {f"{d['name']}{s}": d for d in vocabulary["districts"] for s in DISTRICT_SUFFIXES}
    provider_for = _providers(state, names, vocabulary, moment, districts)
    sector_of = {slug: name for name, s in vocabulary["sectors"].items() for slug in s["areas"]}
    counts = _unit_counts(catalogue.areas, vocabulary, units)
    languages = list(vocabulary["languages"].items())
    rng = state.rng
    pending = [a["slug"] for a in catalogue.areas]
    while pending:  # an area that shares another's units comes after it
        for slug in list(pending):
            spec = vocabulary["areas"].get(slug, {})
            source = spec.get("share")
            if source and source in pending:
                continue
            area, since = areas[slug], int(spec.get("since", 2010))
            if source:
                candidates = [c for c in state.listings.get(areas[source].id, [])
                              if c.status is not AuthorisationStatus.APPLIED]
                for listing in rng.sample(candidates, round(len(candidates) * float(spec.get("fraction", 0.5)))):
                    _attributes(state, names, listing.unit_id, area, listing.capacity, {})
                    _authorise(state, listing.unit_id, listing.quality, listing.capacity, area, since, moment)
            patterns = spec.get("names") or ["{word}"]
            low, high = spec.get("capacity", [10, 100])
            sector = sector_of.get(slug, next(iter(vocabulary["sectors"])))
            for _ in range(counts[slug]):
                unit_id = state.new_id(Unit)
                district = names.pick(districts)
                data = district_data[district]
                pattern, named_for = names.pick(patterns), {}
                if isinstance(pattern, dict):
                    pattern, named_for = pattern["name"], dict(pattern.get("set", {}))
                name = f"{names.fill(pattern, district=district)} {unit_id}"
                slug_ = names.unique(slugify(name), names.unit_slugs)
                capacity = rng.randint(low, high)
                focus = names.pick(vocabulary["focus"])
                template = rng.randrange(len(vocabulary["descriptions"]["sv"]))
                care = sector == "omsorg"
                state.add(Unit, {
                    "id": unit_id, "slug": slug_, "name": name, "provider_id": provider_for(sector, district),
                    "description_sv": vocabulary["descriptions"]["sv"][template].format(focus=focus["sv"], district=district),
                    "description_en": (vocabulary["descriptions"]["en"][template].format(focus=focus["en"], district=district)
                                       if rng.random() < 0.8 else None),
                    "street_address": f"{names.pick(vocabulary['streets'])} {rng.randint(1, 60)}",
                    "postal_code": f"{data['postal'][0]} {rng.randint(data['postal'][1], data['postal'][2]):02d}",
                    "city": data["town"], "district": district,
                    "latitude": round(data["lat"] + rng.uniform(-0.02, 0.02), 5),
                    "longitude": round(data["lon"] + rng.uniform(-0.03, 0.03), 5),
                    "capacity": capacity,
                    "free_places": rng.randint(1, max(1, capacity // 10)) if rng.random() < 0.35 else 0,
                    "opening_hours_sv": "Alla dagar 07.00–22.00" if care else "Måndag–fredag 07.00–17.00",
                    "opening_hours_en": "Every day 7 am–10 pm" if care else "Monday–Friday 7 am–5 pm",
                    "email": f"kontakt@{slug_}.example", "phone": f"08-465 004 {rng.randrange(100):02d}",
                    "website": f"https://{slug_}.example", "kolada_ou": None,
                    "created_at": moment, "updated_at": moment,
                })
                for code, probability in languages:
                    if rng.random() < probability:
                        state.add(UnitLanguage, {"id": state.new_id(UnitLanguage), "unit_id": unit_id,
                                                 "language": code})
                quality = rng.gauss(0, 1)
                _attributes(state, names, unit_id, area, capacity, named_for)
                _authorise(state, unit_id, quality, capacity, area, since, moment)
            pending.remove(slug)
    state.flush(AuthorisationEvent)


# -- results -------------------------------------------------------------------------------------------

def _surveys(state: _State, catalogue: Any, areas: dict[str, Area], years: range) -> None:
    rng = state.rng
    for area_data in catalogue.areas:
        area = areas[area_data["slug"]]
        means = {q["code"]: q["demo_mean"] for s in area_data["surveys"] for q in s["questions"]}
        listings = state.listings.get(area.id, [])
        for year in years:
            surveys = create_surveys(area, area_data["surveys"], year)
            db.session.flush()
            drift = (year - state.year) * 0.4
            for survey in surveys:
                totals = {q.id: [0.0, 0] for q in survey.questions}
                for listing in listings:
                    if not _Generator.listed_in(listing, year) or rng.random() < 0.05:
                        continue  # not listed that year, or did not take part
                    base = max(3, int(listing.capacity * rng.uniform(0.25, 0.6)))
                    respondents = rng.randint(1, 4) if rng.random() < 0.07 else base
                    for question in survey.questions:
                        p = min(0.995, max(0.05, (means[question.code] + drift + listing.quality * 5
                                                  + rng.gauss(0, 3)) / 100))
                        noise = rng.gauss(0, math.sqrt(p * (1 - p) / respondents))  # a binomial's spread
                        share = round(100 * min(1.0, max(0.0, p + noise)), 1)
                        state.add(SurveyResult, {"id": state.new_id(SurveyResult), "question_id": question.id,
                                                 "unit_id": listing.unit_id, "respondents": respondents,
                                                 "share_positive": Decimal(str(share))})
                        totals[question.id][0] += share * respondents
                        totals[question.id][1] += respondents
                for question in survey.questions:
                    weighted, count = totals[question.id]
                    if count and question.municipal_share_positive is None:
                        question.municipal_share_positive = Decimal(str(round(weighted / count, 1)))
                        question.municipal_respondents = count
    state.flush(SurveyResult)


def _key_figures(state: _State, catalogue: Any, areas: dict[str, Area], years: range) -> None:
    rng = state.rng
    figures = {(f.area_id, f.code): f for f in db.session.scalars(select(KeyFigure))}
    municipal_taken = set(db.session.execute(select(KeyFigureValue.key_figure_id, KeyFigureValue.year)
                                             .where(KeyFigureValue.unit_id.is_(None))).all())

    def municipal(figure: KeyFigure, year: int, value: Decimal) -> None:
        if (figure.id, year) not in municipal_taken:
            state.add(KeyFigureValue, {"id": state.new_id(KeyFigureValue), "key_figure_id": figure.id,
                                       "unit_id": None, "year": year, "value": value})

    for area_data in catalogue.areas:
        area = areas[area_data["slug"]]
        for figure_data in area_data["key_figures"]:
            figure = figures[(area.id, figure_data["code"])]
            low, high = figure_data["demo_range"]
            span, quantum = high - low, Decimal(1).scaleb(-figure.decimals)
            if figure.scope is FigureScope.MUNICIPALITY:
                for i, year in enumerate(years):
                    value = low + span * (i / max(1, len(years) - 1)) * rng.uniform(0.85, 1.0)
                    municipal(figure, year, Decimal(str(value)).quantize(quantum))
                continue
            direction = {True: 1, False: -1, None: 0}[figure.higher_is_better]
            for year in years:
                values = []
                for listing in state.listings.get(area.id, []):
                    if not _Generator.listed_in(listing, year) or rng.random() < 0.08:
                        continue
                    position = 0.5 + direction * listing.quality * 0.18 + rng.gauss(0, 0.08)
                    value = low + span * min(1.0, max(0.0, position))
                    values.append(value)
                    state.add(KeyFigureValue, {"id": state.new_id(KeyFigureValue), "key_figure_id": figure.id,
                                               "unit_id": listing.unit_id, "year": year,
                                               "value": Decimal(str(value)).quantize(quantum)})
                if values:
                    municipal(figure, year, Decimal(str(sum(values) / len(values))).quantize(quantum))
    state.flush(KeyFigureValue)


def _follow_ups(state: _State, areas: dict[str, Area], years: range, moment: datetime) -> None:
    rng = state.rng
    ratings = list(Rating)
    for area in areas.values():
        rulebook = area.rulebooks[-1]
        norms = [(n.id, n.title_sv) for n in rulebook.norms]
        for listing in state.listings.get(area.id, []):
            for year in years[-FOLLOW_UP_YEARS:]:
                if not _Generator.listed_in(listing, year) or listing.authorised_since.year == year:
                    continue
                roll = rng.random()
                if year == state.year and roll < 0.3:
                    continue  # this year's follow-up not done yet
                status = FollowUpStatus.DRAFT if year == state.year and roll < 0.45 else FollowUpStatus.PUBLISHED
                methods = [FollowUpMethod.DOCUMENTS] + rng.sample(
                    [FollowUpMethod.VISIT, FollowUpMethod.INTERVIEW, FollowUpMethod.OBSERVATION], rng.randint(1, 2))
                conducted = date(year, 2, 1) + timedelta(days=rng.randrange(272))
                follow_up_id = state.new_id(FollowUp)
                bad = max(0.0, -listing.quality)
                weights = [86 - 12 * bad, 9 + 8 * bad, 2 + 4 * bad, 3]
                counts = dict.fromkeys(Rating, 0)
                children: list[tuple[type, dict[str, Any]]] = []  # written after their follow-up
                for norm_id, title in norms:
                    rating = rng.choices(ratings, weights)[0]
                    counts[rating] += 1
                    children.append((Assessment, {
                        "id": state.new_id(Assessment), "follow_up_id": follow_up_id, "norm_id": norm_id,
                        "rating": rating.value, "comment": RATING_COMMENTS[rating]}))
                    if rating is Rating.NOT_MET or (rating is Rating.PARTLY_MET and rng.random() < 0.5):
                        due = conducted + timedelta(days=rng.choice([60, 90, 120]))
                        done = due < date(state.year, 11, 1) and not (year == state.year and rng.random() < 0.5)
                        children.append((Action, {
                            "id": state.new_id(Action), "follow_up_id": follow_up_id, "norm_id": norm_id,
                            "description": f"Ta fram och införa en åtgärdsplan för kravet ”{title}” och redovisa den.",
                            "due_on": due, "status": (ActionStatus.ACCEPTED if done else ActionStatus.OPEN).value,
                            "response": "Åtgärdsplan framtagen och införd." if done else None,
                            "responded_on": due - timedelta(days=10) if done else None, "review_comment": None}))
                sv = ", ".join(METHOD_NAMES[m][0] for m in methods)
                en = ", ".join(METHOD_NAMES[m][1] for m in methods)
                published = status is FollowUpStatus.PUBLISHED
                actions = sum(model is Action for model, _ in children)
                state.add(FollowUp, {
                    "id": follow_up_id, "unit_id": listing.unit_id, "area_id": area.id, "rulebook_id": rulebook.id,
                    "year": year, "version": 1, "methods": [m.value for m in methods], "conducted_on": conducted,
                    "status": status.value,
                    "findings_sv": f"Uppföljningen genomfördes med {sv}. {actions} åtgärder krävs.",
                    "summary_sv": (f"Kommunen följde upp enheten genom {sv}. Av {len(norms)} krav bedömdes "
                                   f"{counts[Rating.MET]} som uppfyllda, {counts[Rating.PARTLY_MET]} som delvis "
                                   f"uppfyllda och {counts[Rating.NOT_MET]} som ej uppfyllda."),
                    "summary_en": (f"The municipality followed up the unit through {en}. Of {len(norms)} "
                                   f"requirements, {counts[Rating.MET]} were met, {counts[Rating.PARTLY_MET]} partly "
                                   f"met and {counts[Rating.NOT_MET]} not met."),
                    "published_at": (datetime(conducted.year, conducted.month, conducted.day, 12, tzinfo=UTC)
                                     + timedelta(days=21)) if published else None,
                    "superseded_at": None, "correction_reason": None, "created_at": moment})
                for model, row in children:
                    state.add(model, row)
    state.flush(Action)


def populate(units: int, years: int, *, seed: int, year: int,
             progress: Callable[[str], None] = lambda message: None) -> Counts:
    """Add ``units`` invented units with ``years`` years of results (ending with ``year``) and the last
    three years' follow-ups to the portal of the current app context, beside what it holds; commits.
    The catalogue must be loaded."""
    catalogue = load_catalogue(CATALOGUE_DIR)
    vocabulary = load_vocabulary(DEMO_VOCABULARY)
    areas = {a.slug: a for a in db.session.scalars(select(Area).order_by(Area.id))}
    moment = datetime(year, 1, 15, 9, 0, tzinfo=UTC)
    state = _State(rng=random.Random(seed), year=year, next_id=_next_ids())
    span = range(year - years + 1, year + 1)
    try:
        with audit.bulk_load("bench/generate"):
            steps: Iterable[tuple[str, Callable[[], None]]] = (
                ("units", lambda: _units(state, catalogue, vocabulary, areas, units, moment)),
                ("survey results", lambda: _surveys(state, catalogue, areas, span)),
                ("key figures", lambda: _key_figures(state, catalogue, areas, span)),
                ("follow-ups", lambda: _follow_ups(state, areas, span, moment)),
            )
            for label, step in steps:
                started = time.perf_counter()
                step()
                progress(f"  {label}: {time.perf_counter() - started:.1f} s")
            _reset_sequences()
            set_setting(DEMO_DATA, "yes")  # all of it is invented: every page says so
            db.session.flush()
        audit.record(db.session, "seed", "bench_data", None, {"seed": seed, "year": year, **vars(state.counts)})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return state.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="sqlite:///PATH or postgresql://… (an empty database)")
    parser.add_argument("--units", type=int, default=25_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=date.today().year, help="the last year of results")
    parser.add_argument("--instance", type=Path, default=Path(__file__).resolve().parent / "instance",
                        help="instance folder; the search index is built in its search-index/")
    parser.add_argument("--json", type=Path, help="also write the counts and times here")
    args = parser.parse_args(argv)
    if args.units < 1 or not 1 <= args.years <= 50:
        parser.error("--units must be positive and --years between 1 and 50")
    sqlite_file = make_url(args.database).database if args.database.startswith("sqlite") else None
    if sqlite_file:
        Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)
    app = create_app({"MODE": "testing", "DATABASE_URL": args.database, "SECRET_KEY": "bench",
                      "SEARCH_INDEX_DIR": str(args.instance / "search-index")}, instance_path=args.instance)
    started = time.perf_counter()
    with app.app_context():
        migrate.upgrade(db.engine)
        if db.session.scalar(select(Unit.id).limit(1)) is not None:
            print(f"{args.database} already holds units; bench/generate writes only into an empty portal.",
                  file=sys.stderr)
            return 2
        seed_catalogue(CATALOGUE_DIR, args.year)
        print(f"Catalogue loaded in {time.perf_counter() - started:.1f} s; generating {args.units:,} units, "
              f"{args.years} years to {args.year}, seed {args.seed}:")
        counts = populate(args.units, args.years, seed=args.seed, year=args.year, progress=print)
        generated = time.perf_counter() - started
        from jamforaren.indexing import search_index
        indexed = search.reindex(search_index(app))
        finished = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    print(f"  search index: {finished - generated:.1f} s ({indexed:,} published units)")
    for name, value in vars(counts).items():
        print(f"  {name.replace('_', ' '):22} {value:>12,}")
    print(f"  {'rows in all':22} {counts.total():>12,}   in {finished:.1f} s "
          f"({counts.total() / generated:,.0f} rows/s before indexing)")
    if args.json:
        args.json.write_text(json.dumps({"database": args.database.split(":", 1)[0], "units": args.units,
                                         "years": args.years, "seed": args.seed, "year": args.year,
                                         "counts": vars(counts), "rows": counts.total(),
                                         "generate_seconds": round(generated, 1),
                                         "seconds": round(finished, 1), "indexed_units": indexed}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
