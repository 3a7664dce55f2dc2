"""Deterministic demo data: providers, units, authorisations, results, follow-ups and accounts.

Everything comes from the catalogue (already written to the database by ``sync_catalogue``), the
vocabulary in ``seed/demo.yaml`` and one ``random.Random(seed)``: the same seed, year and catalogue
always give the same data. All of it is invented; see the vocabulary file's header.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select

from jamforaren.catalogue import Catalogue
from jamforaren.extensions import db
from jamforaren.models import (
    DEMO_DATA, Action, ActionStatus, Area, Assessment, Authorisation, AuthorisationEvent,
    AuthorisationStatus, Comment, CommentStatus, FigureScope, FollowUp, FollowUpMethod, FollowUpStatus,
    KeyFigure, KeyFigureValue, Membership, Ownership, ProfileRevision, Provider, Rating, RevisionStatus,
    Role, SurveyResult, Unit, UnitAttribute, UnitLanguage, User,
)
from jamforaren.services.catalogue_sync import create_surveys
from jamforaren.services.orgnumber import with_check_digit
from jamforaren.services.site import set_setting
from jamforaren.services.text import slugify

DEMO_PASSWORD = "demo-jamforaren"
SURVEY_YEARS = 5
# Kolada's unit (OU) ids begin with the kind of unit: V11E preschool, V15E compulsory school, V17E upper
# secondary school, V23E residential care; then the municipality code and a serial number.
KOLADA_OU_PREFIXES = {"forskola": "V11E", "grundskola": "V15E", "gymnasieskola": "V17E",
                      "sarskilt-boende-for-aldre": "V23E"}
FOLLOW_UP_YEARS = 3
OWNERSHIP_PREFIX = {  # invented organisation numbers, in the ranges each legal form uses
    Ownership.MUNICIPAL: "2120009",
    Ownership.PRIVATE: "559",
    Ownership.NON_PROFIT: "802",
    Ownership.COOPERATIVE: "769",
}
STATUS_WEIGHTS = [
    (AuthorisationStatus.AUTHORISED, 90), (AuthorisationStatus.SUSPENDED, 3),
    (AuthorisationStatus.REVOKED, 2.5), (AuthorisationStatus.ENDED, 2.5), (AuthorisationStatus.APPLIED, 2),
]
METHOD_NAMES = {
    FollowUpMethod.DOCUMENTS: ("dokumentgranskning", "document review"),
    FollowUpMethod.VISIT: ("besök", "a visit"),
    FollowUpMethod.INTERVIEW: ("intervjuer", "interviews"),
    FollowUpMethod.OBSERVATION: ("observation", "observation"),
}


class DemoError(ValueError):
    """The demo data cannot be generated (e.g. demo data already loaded)."""


@dataclass
class DemoReport:
    providers: int = 0
    units: int = 0
    authorisations: int = 0
    survey_results: int = 0
    key_figure_values: int = 0
    follow_ups: int = 0
    users: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _UnitPlan:
    unit: Unit
    sector: str
    quality: float  # the unit's invented "true" quality, in standard deviations
    authorisations: list[Authorisation] = field(default_factory=list)
    named_for: dict[str, str] = field(default_factory=dict)  # attributes its name promises


def load_vocabulary(path: str | Path) -> dict[str, Any]:
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError as error:
        raise DemoError(f"{path}: file not found") from error
    except yaml.YAMLError as error:
        raise DemoError(f"{path}: is not valid YAML: {error}") from error
    required = ("districts", "streets", "words", "stems", "places", "first_names", "last_names",
                "provider_names", "sectors", "areas", "languages", "descriptions", "focus")
    missing = [key for key in required if not isinstance(data, dict) or key not in data]
    if missing:
        raise DemoError(f"{path}: missing {', '.join(missing)}")
    return data


class _Generator:
    def __init__(self, catalogue: Catalogue, vocabulary: dict[str, Any], seed: int, year: int,
                 municipality: str):
        self.catalogue = catalogue
        self.vocab = vocabulary
        self.rng = random.Random(seed)
        self.year = year
        self.municipality = municipality
        self.report = DemoReport()
        self.areas: dict[str, Area] = {
            a.slug: a for a in db.session.scalars(select(Area))
        }
        self.sector_of = {slug: name for name, s in vocabulary["sectors"].items() for slug in s["areas"]}
        self.providers: dict[str, list[Provider]] = {}
        self.used_names: set[str] = set()
        self.used_slugs: set[str] = set()
        self.used_org_numbers: set[str] = set()
        self.plans: list[_UnitPlan] = []
        self.area_units: dict[str, list[_UnitPlan]] = {}
        self.moment = datetime(year, 1, 15, 9, 0, tzinfo=UTC)

    # -- small helpers ---------------------------------------------------------------------------
    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def weighted(self, pairs: list[tuple[Any, float]]) -> Any:
        return self.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def fill(self, pattern: str, **extra: str) -> str:
        values = {
            "word": self.pick(self.vocab["words"]),
            "stem": self.pick(self.vocab["stems"]),
            "place": self.pick(self.vocab["places"]),
            "municipality": self.municipality,
        }
        values.update(extra)
        name = pattern.format(**values)
        return name[0].upper() + name[1:]

    def unique_slug(self, text: str) -> str:
        base = slugify(text)
        slug, n = base, 2
        while slug in self.used_slugs:
            slug, n = f"{base}-{n}", n + 1
        self.used_slugs.add(slug)
        return slug

    def org_number(self, ownership: Ownership) -> str:
        prefix = OWNERSHIP_PREFIX[ownership]
        while True:
            digits = prefix + "".join(str(self.rng.randrange(10)) for _ in range(9 - len(prefix)))
            number = with_check_digit(digits)
            if number not in self.used_org_numbers:
                self.used_org_numbers.add(number)
                return number

    def person(self) -> str:
        return f"{self.pick(self.vocab['first_names'])} {self.pick(self.vocab['last_names'])}"

    def phone(self) -> str:
        # 08-465 004 00 – 08-465 004 99 is the range PTS keeps for fiction: it reaches nobody.
        return f"08-465 004 {self.rng.randrange(100):02d}"

    def day_in(self, first: date, last: date) -> date:
        span = max(0, (last - first).days)
        return first + timedelta(days=self.rng.randrange(span + 1))

    # -- providers -------------------------------------------------------------------------------
    def new_provider(self, sector: str, ownership: Ownership) -> Provider:
        spec = self.vocab["sectors"][sector]
        patterns = self.vocab["provider_names"][ownership.value]
        for _ in range(50):
            pattern = patterns if isinstance(patterns, str) else self.pick(patterns)
            name = self.fill(pattern, sector_sv=spec["sv"], sector_company=self.pick(spec["company"]))
            if name not in self.used_names:
                break
        self.used_names.add(name)
        slug = self.unique_slug(name)
        provider = Provider(
            slug=slug, name=name, org_number=self.org_number(ownership), ownership=ownership,
            website=f"https://{slug}.example", email=f"info@{slug}.example", phone=self.phone(),
            created_at=self.moment,
        )
        db.session.add(provider)
        self.providers.setdefault(sector, []).append(provider)
        self.report.providers += 1
        return provider

    def provider_for(self, sector: str) -> Provider:
        spec = self.vocab["sectors"][sector]
        ownership = Ownership(self.weighted(list(spec["ownership"].items())))
        existing = [p for p in self.providers.get(sector, []) if p.ownership is ownership]
        if ownership is Ownership.MUNICIPAL and existing:
            return existing[0]
        if ownership is Ownership.PRIVATE:
            chains = existing[: spec["chains"]]
            if len(chains) < spec["chains"] or self.rng.random() < 0.45:
                return self.pick(chains) if len(chains) == spec["chains"] else self.new_provider(sector, ownership)
        elif existing and self.rng.random() < 0.2:
            return self.pick(existing)
        return self.new_provider(sector, ownership)

    # -- units -----------------------------------------------------------------------------------
    municipality_code = "0182"  # Nacka's, as the demo is a Nacka-like municipality

    def new_unit(self, area_slug: str, spec: dict[str, Any]) -> _UnitPlan:
        sector = self.sector_of.get(area_slug, next(iter(self.vocab["sectors"])))
        district = self.pick(self.vocab["districts"])
        patterns = spec.get("names") or ["{word}"]
        for attempt in range(100):
            pattern = self.pick(patterns)
            named_for = {}
            if isinstance(pattern, dict):  # {name: "Montessoriförskolan {word}", set: {pedagogik: montessori}}
                pattern, named_for = pattern["name"], dict(pattern.get("set", {}))
            name = self.fill(pattern, district=district["name"])
            if attempt > 50:
                name = f"{name} {district['name']}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        slug = self.unique_slug(name)
        low, high = spec.get("capacity", [10, 100])
        capacity = self.rng.randint(low, high)
        postal = district["postal"]
        focus = self.pick(self.vocab["focus"])
        template = self.rng.randrange(len(self.vocab["descriptions"]["sv"]))
        unit = Unit(
            slug=slug, name=name,
            provider=self.provider_for(sector),
            description_sv=self.vocab["descriptions"]["sv"][template].format(focus=focus["sv"], district=district["name"]),
            description_en=(self.vocab["descriptions"]["en"][template].format(focus=focus["en"], district=district["name"])
                            if self.rng.random() < 0.8 else None),
            street_address=f"{self.pick(self.vocab['streets'])} {self.rng.randint(1, 60)}",
            postal_code=f"{postal[0]} {self.rng.randint(postal[1], postal[2]):02d}",
            city=district["town"], district=district["name"],
            latitude=round(district["lat"] + self.rng.uniform(-0.008, 0.008), 5),
            longitude=round(district["lon"] + self.rng.uniform(-0.015, 0.015), 5),
            capacity=capacity,
            free_places=(self.rng.randint(1, max(1, capacity // 10)) if self.rng.random() < 0.35 else 0),
            opening_hours_sv="Måndag–fredag 07.00–17.00" if sector != "omsorg" else "Alla dagar 07.00–22.00",
            opening_hours_en="Monday–Friday 7 am–5 pm" if sector != "omsorg" else "Every day 7 am–10 pm",
            email=f"kontakt@{slug}.example", phone=self.phone(), website=f"https://{slug}.example",
            created_at=self.moment, updated_at=self.moment,
        )
        for code, probability in self.vocab["languages"].items():
            if self.rng.random() < probability:
                unit.languages.append(UnitLanguage(language=code))
        prefix = KOLADA_OU_PREFIXES.get(area_slug)
        if prefix:  # Kolada's id of the unit (an invented one, in Kolada's format), without using the random stream
            unit.kolada_ou = f"{prefix}{self.municipality_code}{self.report.units + 1:05d}"
        db.session.add(unit)
        plan = _UnitPlan(unit=unit, sector=sector, quality=self.rng.gauss(0, 1), named_for=named_for)
        self.plans.append(plan)
        self.report.units += 1
        return plan

    def set_attributes(self, plan: _UnitPlan, area: Area) -> None:
        for definition in area.attribute_definitions:
            kind = definition["type"]
            values: list[str] = []
            if kind == "choice":
                values = [self.pick(definition["options"])["key"]]
            elif kind == "multichoice":
                options = definition["options"]
                start = self.rng.randrange(len(options))
                count = self.rng.randint(1, min(3, len(options) - start))
                values = [o["key"] for o in options[start:start + count]]
            elif kind == "boolean":
                values = ["true" if self.rng.random() < 0.4 else "false"]
            elif kind == "integer":
                values = [str(plan.unit.capacity or self.rng.randint(4, 60))]
            if definition["key"] in plan.named_for:
                values = [plan.named_for[definition["key"]]]
            for value in values:
                plan.unit.attributes.append(UnitAttribute(area_id=area.id, key=definition["key"], value=value))

    def authorise(self, plan: _UnitPlan, area: Area, since_year: int) -> None:
        rulebook = area.rulebooks[-1]
        prefix = (rulebook.decision_reference or "KN").split(" ")[0]
        status = self.weighted(STATUS_WEIGHTS)
        first = date(max(since_year, 2000), 1, 1)
        authorised_on = self.day_in(first, date(self.year - 1, 6, 30))
        applied_on = authorised_on - timedelta(days=self.rng.randint(45, 120))

        def reference(on: date) -> str:
            return f"{prefix} {on.year}/{self.rng.randint(1, 999):04d}"

        authorisation = Authorisation(area=area, rulebook=rulebook)
        plan.unit.authorisations.append(authorisation)
        events = [AuthorisationEvent(status=AuthorisationStatus.APPLIED, decided_on=applied_on,
                                     reason="Ansökan om auktorisation inkom.", created_at=self.moment)]
        if status is AuthorisationStatus.APPLIED:
            applied_on = self.day_in(date(self.year, 1, 1), date(self.year, 10, 31))
            events = [AuthorisationEvent(status=status, decided_on=applied_on,
                                         reason="Ansökan om auktorisation inkom.", created_at=self.moment)]
            authorisation.status, authorisation.status_since = status, applied_on
        else:
            events.append(AuthorisationEvent(status=AuthorisationStatus.AUTHORISED, decided_on=authorised_on,
                                             decision_reference=reference(authorised_on),
                                             reason="Anordnaren uppfyller auktorisationsvillkoren.",
                                             created_at=self.moment))
            authorisation.authorised_since = authorised_on
            authorisation.status, authorisation.status_since = AuthorisationStatus.AUTHORISED, authorised_on
            authorisation.decision_reference = events[-1].decision_reference
            if status is not AuthorisationStatus.AUTHORISED:
                changed_on = self.day_in(max(authorised_on + timedelta(days=200), date(self.year - 2, 1, 1)),
                                         date(self.year, 10, 31))
                reason = {
                    AuthorisationStatus.SUSPENDED: "Verksamheten är vilande på anordnarens begäran under ombyggnad.",
                    AuthorisationStatus.REVOKED: "Allvarliga brister som inte åtgärdats trots föreläggande.",
                    AuthorisationStatus.ENDED: "Anordnaren har avslutat verksamheten på egen begäran.",
                }[status]
                events.append(AuthorisationEvent(status=status, decided_on=changed_on,
                                                 decision_reference=reference(changed_on), reason=reason,
                                                 created_at=self.moment))
                authorisation.status, authorisation.status_since = status, changed_on
                authorisation.decision_reference = events[-1].decision_reference
        authorisation.events.extend(events)
        plan.authorisations.append(authorisation)
        self.area_units.setdefault(area.slug, []).append(plan)
        self.report.authorisations += 1

    def build_units(self) -> None:
        specs = self.vocab["areas"]
        pending = [a["slug"] for a in self.catalogue.areas]
        done: set[str] = set()
        while pending:
            progressed = False
            for slug in list(pending):
                spec = specs.get(slug, {"units": 5})
                source = spec.get("share")
                if source and source not in done and source in pending:
                    continue
                area = self.areas[slug]
                since = int(spec.get("since", 2010))
                if source:
                    candidates = [p for p in self.area_units.get(source, [])
                                  if p.unit.authorisations[0].status is not AuthorisationStatus.APPLIED]
                    count = round(len(candidates) * float(spec.get("fraction", 0.5)))
                    for plan in self.rng.sample(candidates, count):
                        self.set_attributes(plan, area)
                        self.authorise(plan, area, since)
                for _ in range(int(spec.get("units", 0 if source else 5))):
                    plan = self.new_unit(slug, spec)
                    self.set_attributes(plan, area)
                    self.authorise(plan, area, since)
                pending.remove(slug)
                done.add(slug)
                progressed = True
            if not progressed:
                raise DemoError(f"seed/demo.yaml: areas share units in a circle: {', '.join(pending)}")
        db.session.flush()

    # -- results ---------------------------------------------------------------------------------
    @staticmethod
    def listed_in(authorisation: Authorisation, year: int) -> bool:
        if authorisation.authorised_since is None or authorisation.authorised_since.year > year:
            return False
        if authorisation.status in (AuthorisationStatus.REVOKED, AuthorisationStatus.ENDED):
            return authorisation.status_since.year > year
        return True

    def survey_results(self) -> None:
        rows = []
        years = range(self.year - SURVEY_YEARS + 1, self.year + 1)
        for area_data in self.catalogue.areas:
            area = self.areas[area_data["slug"]]
            means = {q["code"]: q["demo_mean"] for s in area_data["surveys"] for q in s["questions"]}
            for year in years:
                surveys = create_surveys(area, area_data["surveys"], year)
                db.session.flush()
                drift = (year - self.year) * 0.4
                for survey in surveys:
                    totals: dict[int, list[float]] = {q.id: [0.0, 0.0] for q in survey.questions}
                    for plan in self.area_units.get(area.slug, []):
                        authorisation = next(a for a in plan.authorisations if a.area_id == area.id)
                        if not self.listed_in(authorisation, year) or self.rng.random() < 0.05:
                            continue  # not listed that year, or declined to take part
                        base = max(3, int((plan.unit.capacity or 20) * self.rng.uniform(0.25, 0.6)))
                        respondents = self.rng.randint(1, 4) if self.rng.random() < 0.07 else base
                        for question in survey.questions:
                            p = min(0.995, max(0.05, (means[question.code] + drift + plan.quality * 5
                                                      + self.rng.gauss(0, 3)) / 100))
                            positive = sum(self.rng.random() < p for _ in range(respondents))
                            share = round(100 * positive / respondents, 1)
                            rows.append({"question_id": question.id, "unit_id": plan.unit.id,
                                         "respondents": respondents, "share_positive": Decimal(str(share))})
                            totals[question.id][0] += share * respondents
                            totals[question.id][1] += respondents
                    for question in survey.questions:
                        weighted, count = totals[question.id]
                        if count:
                            question.municipal_share_positive = Decimal(str(round(weighted / count, 1)))
                            question.municipal_respondents = int(count)
        if rows:
            db.session.execute(insert(SurveyResult), rows)
        self.report.survey_results = len(rows)

    def key_figure_values(self) -> None:
        rows = []
        years = range(self.year - SURVEY_YEARS + 1, self.year + 1)
        figures = {(f.area_id, f.code): f for f in db.session.scalars(select(KeyFigure))}
        for area_data in self.catalogue.areas:
            area = self.areas[area_data["slug"]]
            for figure_data in area_data["key_figures"]:
                figure = figures[(area.id, figure_data["code"])]
                low, high = figure_data["demo_range"]
                span = high - low
                quantum = Decimal(1).scaleb(-figure.decimals)
                if figure.scope is FigureScope.MUNICIPALITY:
                    for i, year in enumerate(years):
                        value = low + span * (i / max(1, len(years) - 1)) * self.rng.uniform(0.85, 1.0)
                        rows.append({"key_figure_id": figure.id, "unit_id": None, "year": year,
                                     "value": Decimal(str(value)).quantize(quantum)})
                    continue
                for year in years:
                    values = []
                    for plan in self.area_units.get(area.slug, []):
                        authorisation = next(a for a in plan.authorisations if a.area_id == area.id)
                        if not self.listed_in(authorisation, year) or self.rng.random() < 0.08:
                            continue  # new units and some that did not report have no value
                        direction = {True: 1, False: -1, None: 0}[figure.higher_is_better]
                        position = 0.5 + direction * plan.quality * 0.18 + self.rng.gauss(0, 0.08)
                        value = low + span * min(1.0, max(0.0, position))
                        values.append(value)
                        rows.append({"key_figure_id": figure.id, "unit_id": plan.unit.id, "year": year,
                                     "value": Decimal(str(value)).quantize(quantum)})
                    if values:
                        rows.append({"key_figure_id": figure.id, "unit_id": None, "year": year,
                                     "value": Decimal(str(sum(values) / len(values))).quantize(quantum)})
        if rows:
            db.session.execute(insert(KeyFigureValue), rows)
        self.report.key_figure_values = len(rows)

    # -- follow-ups ------------------------------------------------------------------------------
    def follow_ups(self) -> None:
        for area_data in self.catalogue.areas:
            area = self.areas[area_data["slug"]]
            rulebook = area.rulebooks[-1]
            for plan in self.area_units.get(area.slug, []):
                authorisation = next(a for a in plan.authorisations if a.area_id == area.id)
                for year in range(self.year - FOLLOW_UP_YEARS, self.year + 1):
                    if not self.listed_in(authorisation, year) or authorisation.authorised_since.year == year:
                        continue
                    current = year == self.year
                    roll = self.rng.random()
                    if current and roll < 0.3:
                        continue  # this year's follow-up not done yet: a gap the dashboard shows
                    status = FollowUpStatus.DRAFT if current and roll < 0.45 else FollowUpStatus.PUBLISHED
                    self.follow_up(plan, area, rulebook, year, status)

    def follow_up(self, plan: _UnitPlan, area: Area, rulebook: Any, year: int, status: FollowUpStatus) -> None:
        methods = [FollowUpMethod.DOCUMENTS] + self.rng.sample(
            [FollowUpMethod.VISIT, FollowUpMethod.INTERVIEW, FollowUpMethod.OBSERVATION], self.rng.randint(1, 2))
        conducted = self.day_in(date(year, 2, 1), date(year, 10, 31))
        follow_up = FollowUp(unit=plan.unit, area=area, rulebook=rulebook, year=year, status=status,
                             methods=[m.value for m in methods], conducted_on=conducted, created_at=self.moment)
        bad = max(0.0, -plan.quality)
        weights = [(Rating.MET, 86 - 12 * bad), (Rating.PARTLY_MET, 9 + 8 * bad),
                   (Rating.NOT_MET, 2 + 4 * bad), (Rating.NOT_ASSESSED, 3)]
        for norm in rulebook.norms:
            rating = self.weighted(weights)
            comment = {
                Rating.MET: "Kravet uppfylls. Rutiner och dokumentation finns och är kända av personalen.",
                Rating.PARTLY_MET: "Rutin finns men tillämpas inte fullt ut; dokumentationen behöver förbättras.",
                Rating.NOT_MET: "Kravet uppfylls inte. Rutin saknas eller följs inte.",
                Rating.NOT_ASSESSED: "Bedömdes inte i år; granskas vid nästa uppföljning.",
            }[rating]
            follow_up.assessments.append(Assessment(norm=norm, rating=rating, comment=comment))
            if rating is Rating.NOT_MET or (rating is Rating.PARTLY_MET and self.rng.random() < 0.5):
                due = conducted + timedelta(days=self.rng.choice([60, 90, 120]))
                done = due < date(self.year, 11, 1) and not (year == self.year and self.rng.random() < 0.5)
                follow_up.actions.append(Action(
                    norm=norm, due_on=due,
                    description=f"Ta fram och införa en åtgärdsplan för kravet ”{norm.title_sv}” och redovisa den.",
                    status=ActionStatus.ACCEPTED if done else ActionStatus.OPEN,
                    response="Åtgärdsplan framtagen och införd; rutinen är känd av all personal." if done else None,
                    responded_on=due - timedelta(days=10) if done else None,
                ))
        counts = follow_up.rating_counts()
        sv_methods = ", ".join(METHOD_NAMES[m][0] for m in methods)
        en_methods = ", ".join(METHOD_NAMES[m][1] for m in methods)
        follow_up.findings_sv = (f"Uppföljningen genomfördes med {sv_methods}. "
                                 f"{len(follow_up.actions)} åtgärder krävs.")
        follow_up.summary_sv = (
            f"Kommunen följde upp enheten genom {sv_methods}. Av {len(rulebook.norms)} krav bedömdes "
            f"{counts[Rating.MET]} som uppfyllda, {counts[Rating.PARTLY_MET]} som delvis uppfyllda och "
            f"{counts[Rating.NOT_MET]} som ej uppfyllda."
            + (" Anordnaren ska åtgärda bristerna inom angiven tid." if follow_up.actions else "")
        )
        follow_up.summary_en = (
            f"The municipality followed up the unit through {en_methods}. Of {len(rulebook.norms)} requirements, "
            f"{counts[Rating.MET]} were met, {counts[Rating.PARTLY_MET]} partly met and "
            f"{counts[Rating.NOT_MET]} not met."
            + (" The provider must remedy the shortcomings by the dates set." if follow_up.actions else "")
        )
        if status is FollowUpStatus.PUBLISHED:
            follow_up.published_at = datetime(conducted.year, conducted.month, conducted.day, 12, tzinfo=UTC) + timedelta(days=21)
        db.session.add(follow_up)
        self.report.follow_ups += 1

    # -- people and what comes in from outside ---------------------------------------------------
    def accounts(self) -> None:
        def account(email: str, name: str, admin: bool = False) -> User:
            user = User(email=email, name=name, is_admin=admin, created_at=self.moment)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            self.report.users += 1
            self.report.accounts.append((email, DEMO_PASSWORD))
            return user

        account("admin@demo.invalid", self.person(), admin=True)
        for process_slug, label in (("utbildning", "utbildning"), ("social-omsorg", "omsorg"),
                                    ("arbete-och-etablering", "arbete")):
            officer = account(f"handlaggare.{label}@demo.invalid", self.person())
            for area in self.areas.values():
                if area.process.slug == process_slug or (label == "arbete" and area.process.slug == "kultur-och-fritid"):
                    officer.memberships.append(Membership(role=Role.OFFICER, area=area))
        for sector in ("skola", "omsorg"):
            chain = max((p for p in self.providers.get(sector, []) if p.ownership is Ownership.PRIVATE),
                        key=lambda p: (len([pl for pl in self.plans if pl.unit.provider is p]), p.slug), default=None)
            if chain is not None:
                editor = account(f"anordnare.{sector}@demo.invalid", self.person())
                editor.memberships.append(Membership(role=Role.EDITOR, provider=chain))

    def revisions_and_comments(self) -> None:
        editors = {m.provider_id: u for u in db.session.scalars(select(User)) for m in u.memberships
                   if m.role is Role.EDITOR}
        edited = [p for p in self.plans if p.unit.provider_id in editors][:4]
        for i, plan in enumerate(edited):
            unit = plan.unit
            new_text = unit.description_sv + " Från hösten erbjuder vi även utökad utevistelse varje dag."
            changes: dict[str, Any] = {"description_sv": {"old": unit.description_sv, "new": new_text}}
            if i % 2 == 0:
                changes["free_places"] = {"old": unit.free_places, "new": (unit.free_places or 0) + 3}
            db.session.add(ProfileRevision(
                unit=unit, status=RevisionStatus.PENDING, changes=changes,
                proposed_by=editors[unit.provider_id], proposed_at=self.moment + timedelta(days=280 + i),
            ))
        texts = [
            "Mycket nöjd med personalens bemötande, men informationen om förändringar kunde vara bättre.",
            "Vi fick besked om plats snabbt och inskolningen var väl planerad.",
            "Det byts personal ofta, vilket gör det svårt för min mamma att känna sig trygg.",
            "Maten har blivit mycket bättre det senaste halvåret.",
            "Svårt att nå enheten på telefon under eftermiddagarna.",
            "Tack för ett fint bemötande vid vårt besök!",
        ]
        listed = [p for p in self.plans if any(a.status is AuthorisationStatus.AUTHORISED for a in p.authorisations)]
        for i, text in enumerate(texts):
            plan = listed[self.rng.randrange(len(listed))]
            db.session.add(Comment(unit=plan.unit, area=plan.authorisations[0].area, body=text,
                                   status=CommentStatus.NEW if i < 4 else CommentStatus.READ,
                                   created_at=self.moment + timedelta(days=200 + 12 * i)))

    def run(self) -> DemoReport:
        self.build_units()
        self.survey_results()
        self.key_figure_values()
        self.follow_ups()
        self.accounts()
        db.session.flush()
        self.revisions_and_comments()
        set_setting(DEMO_DATA, "yes")
        db.session.flush()
        return self.report


def generate_demo(catalogue: Catalogue, vocabulary: dict[str, Any], *, seed: int, year: int,
                  municipality: str) -> DemoReport:
    """Generate the demo data in the current transaction (the caller commits)."""
    if db.session.scalar(select(Unit.id).limit(1)) is not None:
        raise DemoError("The database already holds units; demo data go only into an empty portal.")
    return _Generator(catalogue, vocabulary, seed, year, municipality).run()


