"""Open data: the public part of the portal as plain dicts, for the JSON API and its CSV files alike.

Only what the residents' portal shows is here:

- units with at least one authorisation that is not a pending application (the same rule as
  ``listing.unit_by_slug`` / ``listing.public_authorisations``), and of each unit only those authorisations;
- a unit's profile as approved (pending profile revisions live in ``profile_revision`` and never here);
- published follow-ups in their current version (``superseded_at IS NULL``), never drafts or pending
  corrections;
- survey results through ``measures.shown_point``: a result from fewer than ``MIN_RESPONDENTS``
  respondents carries neither its share nor its respondent count, only ``suppressed: true``.

Values are JSON-ready: numbers are ``int``/``float`` (never strings), dates and times ISO 8601 strings,
texts in both languages as ``{"sv": …, "en": …}`` (``en`` is null when there is no translation).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from jamforaren.data_version import remembered
from jamforaren.extensions import db
from jamforaren.models import (
    Area, AuditEvent, Authorisation, AuthorisationStatus, FigureScope, FollowUp, FollowUpStatus, KeyFigure,
    KeyFigureValue, Norm, Ownership, Process, Provider, Rating, Rulebook, RulebookChapter, Survey, SurveyQuestion,
    SurveyResult, Unit, UnitLanguage,
)
from jamforaren.services import listing
from jamforaren.services.catalogue_admin import RulebookState, rulebook_in_force, rulebook_state
from jamforaren.services.measures import FigureRow, Point, QuestionRow, shown_point
from jamforaren.services.unit_profile import OPEN_ACTION_STATUSES, area_sections

# What residents see of a unit: every authorisation but a pending application (see listing.unit_by_slug).
PUBLIC_STATUSES = tuple(s for s in AuthorisationStatus if s is not AuthorisationStatus.APPLIED)

# The fields of a unit in lists, in order; ``fields`` chooses among them (id and slug always come along).
UNIT_FIELDS = (
    "id", "slug", "name", "provider", "description", "street_address", "postal_code", "city", "district",
    "latitude", "longitude", "capacity", "free_places", "languages", "opening_hours", "email", "phone",
    "website", "kolada_ou", "authorisations", "updated_at",
)
ALWAYS_FIELDS = ("id", "slug")


# --- Plain values ------------------------------------------------------------------------------------

def number(value: Decimal | float | int | None) -> int | float | None:
    """A JSON number: whole numbers as int, others as float; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; the portal stores UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return aware(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def texts(obj: Any, name: str) -> dict[str, str | None]:
    """``{"sv": obj.<name>_sv, "en": obj.<name>_en}`` with an empty English text as null."""
    return {"sv": getattr(obj, f"{name}_sv") or "", "en": getattr(obj, f"{name}_en", None) or None}


def label(mapping: dict[str, str] | None) -> dict[str, str | None]:
    mapping = mapping or {}
    return {"sv": mapping.get("sv", ""), "en": mapping.get("en") or None}


# --- When the data last changed ----------------------------------------------------------------------

def data_changed_at(today: date | None = None) -> datetime | None:
    """When the public data last changed: the newest public audit event (every commit writes one, imports and
    seeding included) or the start of the day on which the newest rulebook version came into force
    (which changes what "in force" means without any write), whichever is later."""
    newest = db.session.scalar(select(func.max(AuditEvent.occurred_at)).where(AuditEvent.public))
    today = today or date.today()
    came_into_force = db.session.scalar(select(func.max(Rulebook.valid_from)).where(Rulebook.valid_from <= today))
    candidates = [aware(newest)] if newest is not None else []
    if came_into_force is not None:
        candidates.append(datetime.combine(came_into_force, time.min).astimezone(UTC))
    return max(candidates) if candidates else None


# --- Processes and areas -----------------------------------------------------------------------------

def area_ref(area: Area) -> dict[str, Any]:
    return {"id": area.id, "slug": area.slug, "name": texts(area, "name")}


def process_dict(process: Process) -> dict[str, Any]:
    return {
        "id": process.id, "slug": process.slug, "name": texts(process, "name"),
        "committee": texts(process, "committee"), "description": texts(process, "description"),
        "areas": [area_ref(a) for a in process.areas],
    }


def processes() -> list[dict[str, Any]]:
    return [process_dict(p) for p in listing.processes_with_areas()]


def process(slug: str) -> dict[str, Any] | None:
    found = db.session.scalar(select(Process).where(Process.slug == slug).options(selectinload(Process.areas)))
    return process_dict(found) if found is not None else None


def process_slugs() -> list[str]:
    return list(db.session.scalars(select(Process.slug).order_by(Process.position)))


def area_slugs() -> list[str]:
    return [a.slug for a in listing.all_areas()]


def _state(rulebook: Rulebook, today: date | None = None) -> str:
    state = rulebook_state(rulebook, today)
    return "upcoming" if state in (RulebookState.UPCOMING, RulebookState.UPCOMING_IN_USE) else state.value


def rulebook_summary(rulebook: Rulebook, norms: int, today: date | None = None) -> dict[str, Any]:
    return {
        "version": rulebook.version, "valid_from": iso_date(rulebook.valid_from), "state": _state(rulebook, today),
        "title": texts(rulebook, "title"), "decision_reference": rulebook.decision_reference, "norm_count": norms,
    }


def norm_dict(norm: Norm, chapter: RulebookChapter) -> dict[str, Any]:
    return {
        "id": norm.id, "key": norm.key, "code": norm.code,
        "chapter": {"number": chapter.number, "title": texts(chapter, "title")},
        "title": texts(norm, "title"), "requirement": texts(norm, "requirement"), "guidance": texts(norm, "guidance"),
    }


def rulebook_dict(rulebook: Rulebook, today: date | None = None) -> dict[str, Any]:
    chapters = []
    count = 0
    for chapter in rulebook.chapters:
        norms = [norm_dict(n, chapter) for n in chapter.norms]
        count += len(norms)
        chapters.append({"number": chapter.number, "title": texts(chapter, "title"),
                         "norms": [{k: v for k, v in n.items() if k != "chapter"} for n in norms]})
    return {**rulebook_summary(rulebook, count, today), "chapters": chapters}


def _norm_counts(area_ids: Iterable[int] | None = None) -> dict[int, int]:
    query = select(Norm.rulebook_id, func.count()).group_by(Norm.rulebook_id)
    if area_ids is not None:
        query = query.join(Rulebook).where(Rulebook.area_id.in_(list(area_ids)))
    return dict(db.session.execute(query).all())


def key_figure_dict(figure: KeyFigure) -> dict[str, Any]:
    return {
        "id": figure.id, "code": figure.code, "name": texts(figure, "name"),
        "description": texts(figure, "description"), "unit": figure.unit.value, "decimals": figure.decimals,
        "higher_is_better": figure.higher_is_better, "scope": figure.scope.value, "is_economy": figure.is_economy,
        "source": figure.source.value, "source_name": texts(figure, "source_name"), "kolada_kpi": figure.kolada_kpi,
    }


def area_summary(area: Area, unit_count: int, in_force: Rulebook | None) -> dict[str, Any]:
    return {
        "id": area.id, "slug": area.slug, "name": texts(area, "name"),
        "process": {"id": area.process.id, "slug": area.process.slug, "name": texts(area.process, "name")},
        "committee": texts(area, "committee") if area.committee_sv else texts(area.process, "committee"),
        "target_group": texts(area, "target_group"), "description": texts(area, "description"),
        "legal_basis": texts(area, "legal_basis") if area.legal_basis_sv else None,
        "authorised_unit_count": unit_count,
        "rulebook_in_force": ({"version": in_force.version, "valid_from": iso_date(in_force.valid_from)}
                              if in_force is not None else None),
    }


def areas(process_filter: Sequence[str] = ()) -> list[dict[str, Any]]:
    counts = listing.listed_unit_counts()
    chosen = [a for a in listing.all_areas() if not process_filter or a.process.slug in process_filter]
    return [area_summary(a, counts.get(a.id, 0), rulebook_in_force(a)) for a in chosen]


def area(slug: str, today: date | None = None) -> dict[str, Any] | None:
    """An area with its rulebook in force (chapters and norms), every version, its profile attributes and
    its key figures."""
    found = listing.area_by_slug(slug)
    if found is None:
        return None
    in_force = rulebook_in_force(found, today)
    counts = _norm_counts([found.id])
    figures = db.session.scalars(select(KeyFigure).where(KeyFigure.area_id == found.id).order_by(KeyFigure.position))
    return {
        **area_summary(found, listing.listed_unit_counts().get(found.id, 0), in_force),
        "rulebook": rulebook_dict(in_force, today) if in_force is not None else None,
        "rulebooks": [rulebook_summary(r, counts.get(r.id, 0), today) for r in reversed(found.rulebooks)],
        "attributes": [{
            "key": d["key"], "type": d["type"], "label": label(d.get("label")),
            "options": [{"key": o["key"], "label": label(o.get("label"))} for o in d.get("options", [])],
        } for d in found.attribute_definitions],
        "key_figures": [key_figure_dict(f) for f in figures],
    }


def rulebooks(area_slug: str, today: date | None = None) -> list[dict[str, Any]] | None:
    found = listing.area_by_slug(area_slug)
    if found is None:
        return None
    counts = _norm_counts([found.id])
    return [rulebook_summary(r, counts.get(r.id, 0), today) for r in reversed(found.rulebooks)]


def _rulebook(area_slug: str, version: int) -> Rulebook | None:
    return db.session.scalar(
        select(Rulebook).join(Area).where(Area.slug == area_slug, Rulebook.version == version)
        .options(selectinload(Rulebook.chapters).selectinload(RulebookChapter.norms))
    )


def rulebook(area_slug: str, version: int, today: date | None = None) -> dict[str, Any] | None:
    found = _rulebook(area_slug, version)
    return rulebook_dict(found, today) if found is not None else None


def norms(area_slug: str, version: int) -> list[dict[str, Any]] | None:
    found = _rulebook(area_slug, version)
    if found is None:
        return None
    return [norm_dict(n, c) for c in found.chapters for n in c.norms]


# --- Units -------------------------------------------------------------------------------------------

@dataclass
class UnitFilter:
    """Values within one filter are alternatives (OR); different filters must all hold (AND)."""

    areas: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    ownerships: list[Ownership] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    statuses: list[AuthorisationStatus] = field(default_factory=list)


def _unit_query(wanted: UnitFilter) -> Select:
    statuses = [s for s in (wanted.statuses or PUBLIC_STATUSES) if s in PUBLIC_STATUSES]
    authorised = [Authorisation.unit_id == Unit.id, Authorisation.status.in_(statuses)]
    if wanted.areas:
        authorised.append(Authorisation.area.has(Area.slug.in_(wanted.areas)))
    query = select(Unit).where(exists().where(*authorised))
    if wanted.districts:
        query = query.where(func.lower(Unit.district).in_([d.lower() for d in wanted.districts]))
    if wanted.ownerships:
        query = query.where(Unit.provider.has(Provider.ownership.in_(wanted.ownerships)))
    if wanted.languages:
        query = query.where(exists().where(UnitLanguage.unit_id == Unit.id,
                                           UnitLanguage.language.in_(wanted.languages)))
    return query.order_by(func.lower(Unit.name), Unit.id)


def authorisation_dict(authorisation: Authorisation) -> dict[str, Any]:
    return {
        "area": area_ref(authorisation.area), "status": authorisation.status.value,
        "status_since": iso_date(authorisation.status_since),
        "authorised_since": iso_date(authorisation.authorised_since),
        "decision_reference": authorisation.decision_reference,
        "rulebook_version": authorisation.rulebook.version if authorisation.rulebook is not None else None,
    }


def unit_dict(unit: Unit) -> dict[str, Any]:
    provider = unit.provider
    return {
        "id": unit.id, "slug": unit.slug, "name": unit.name,
        "provider": {"id": provider.id, "slug": provider.slug, "name": provider.name,
                     "org_number": provider.org_number, "ownership": provider.ownership.value},
        "description": texts(unit, "description"),
        "street_address": unit.street_address, "postal_code": unit.postal_code, "city": unit.city,
        "district": unit.district, "latitude": number(unit.latitude), "longitude": number(unit.longitude),
        "capacity": unit.capacity, "free_places": unit.free_places,
        "languages": [language.language for language in unit.languages],
        "opening_hours": texts(unit, "opening_hours") if unit.opening_hours_sv else None,
        "email": unit.email, "phone": unit.phone, "website": unit.website, "kolada_ou": unit.kolada_ou,
        "authorisations": [authorisation_dict(a) for a in listing.public_authorisations(unit)],
        "updated_at": iso_datetime(unit.updated_at),
    }


def select_fields(item: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    if not fields:
        return item
    keep = set(fields) | set(ALWAYS_FIELDS)
    return {k: v for k, v in item.items() if k in keep}


_UNIT_OPTIONS = (
    selectinload(Unit.provider), selectinload(Unit.languages),
    selectinload(Unit.authorisations).selectinload(Authorisation.area).selectinload(Area.process),
    selectinload(Unit.authorisations).selectinload(Authorisation.rulebook),
)


def units(wanted: UnitFilter, page: int, per_page: int, fields: Sequence[str] = ()) -> listing.Page[dict[str, Any]]:
    """One page of public units; ``page`` may lie past the last page (the caller says so)."""
    order = remembered(("unit_order", repr(wanted)), lambda: _unit_order(wanted))
    chosen = order[(page - 1) * per_page:page * per_page]
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(chosen)).options(*_UNIT_OPTIONS))}
    return listing.Page([select_fields(unit_dict(found[i]), fields) for i in chosen], len(order), page, per_page)


def _unit_order(wanted: UnitFilter) -> tuple[int, ...]:
    """The ids of the units ``wanted`` selects, in the list's order: one scan and sort of every unit,
    remembered until the data change, so that every page after it costs one lookup by id."""
    return tuple(db.session.scalars(_unit_query(wanted).with_only_columns(Unit.id)))


def all_units(wanted: UnitFilter) -> list[dict[str, Any]]:
    return [unit_dict(u) for u in db.session.scalars(_unit_query(wanted).options(*_UNIT_OPTIONS))]


def unit_districts() -> list[str]:
    """The districts of public units, for documentation and examples."""
    query = _unit_query(UnitFilter()).with_only_columns(Unit.district).order_by(None)
    return sorted({d for d in db.session.scalars(query) if d}, key=str.lower)


def public_unit(slug: str) -> Unit | None:
    return listing.unit_by_slug(slug)


def attributes_dict(unit: Unit, area: Area) -> dict[str, Any]:
    """The unit's profile in the area: {key: value}, typed by the area's attribute definitions."""
    values = unit.attribute_values(area.id)
    result: dict[str, Any] = {}
    for definition in area.attribute_definitions:
        raw = values.get(definition["key"])
        if not raw:
            continue
        kind = definition["type"]
        if kind == "multichoice":
            result[definition["key"]] = sorted(raw)
        elif kind == "boolean":
            result[definition["key"]] = raw[0] == "true"
        elif kind == "integer":
            try:
                result[definition["key"]] = int(raw[0])
            except ValueError:
                continue
        else:
            result[definition["key"]] = raw[0]
    return result


def survey_ref(survey: Survey) -> dict[str, Any]:
    return {"id": survey.id, "year": survey.year, "respondent_group": survey.respondent_group,
            "title": texts(survey, "title"), "source": texts(survey, "source")}


def survey_result_dict(area: Area, survey: Survey, question: SurveyQuestion, point: Point) -> dict[str, Any]:
    return {
        "year": survey.year, "area": area_ref(area), "survey": survey_ref(survey),
        "question": {"id": question.id, "code": question.code, "theme": question.theme,
                     "is_overall": question.is_overall, "text": texts(question, "text")},
        "respondents": point.respondents, "share_positive": number(point.value), "suppressed": point.suppressed,
        "municipal_share_positive": number(question.municipal_share_positive),
        "municipal_respondents": question.municipal_respondents,
    }


def key_figure_value_dict(area: Area, figure: KeyFigure, year: int, value: Decimal | None,
                          municipal: Decimal | None) -> dict[str, Any]:
    return {
        "year": year, "area": area_ref(area),
        "key_figure": {k: v for k, v in key_figure_dict(figure).items() if k not in ("description", "source_name")},
        "value": number(value), "municipal_value": number(municipal),
    }


def follow_up_dict(follow_up: FollowUp) -> dict[str, Any]:
    counts = follow_up.rating_counts()
    return {
        "id": follow_up.id, "year": follow_up.year, "version": follow_up.version, "area": area_ref(follow_up.area),
        "rulebook_version": follow_up.rulebook.version, "methods": list(follow_up.methods),
        "conducted_on": iso_date(follow_up.conducted_on), "published_at": iso_datetime(follow_up.published_at),
        "ratings": {rating.value: counts[rating] for rating in Rating},
        "summary": texts(follow_up, "summary"),
        "open_actions": [{"description": a.description, "due_on": iso_date(a.due_on), "status": a.status.value}
                         for a in follow_up.actions if a.status in OPEN_ACTION_STATUSES],
    }


def _latest_surveys(area: Area, rows: list[QuestionRow], survey: Survey) -> list[dict[str, Any]]:
    return [survey_result_dict(area, survey, row.question, row.latest) for row in rows]


def _latest_figures(area: Area, rows: list[FigureRow]) -> list[dict[str, Any]]:
    return [key_figure_value_dict(area, row.figure, row.latest.year, row.latest.value, row.municipal)
            for row in rows if row.latest.year]


def unit_detail(unit: Unit) -> dict[str, Any]:
    """A unit with, per customer choice it is in, its profile, latest published follow-up and latest
    survey results and key figures (the same as the unit page)."""
    sections = []
    for section in area_sections(unit):
        area = section.area
        sections.append({
            "area": area_ref(area), **{k: v for k, v in authorisation_dict(section.authorisation).items()
                                       if k != "area"},
            "attributes": attributes_dict(unit, area),
            "follow_up": follow_up_dict(section.follow_up) if section.follow_up is not None else None,
            "survey_results": [r for block in section.surveys
                               for r in _latest_surveys(area, block.rows, block.survey)],
            "key_figures": _latest_figures(area, section.figures),
        })
    return {**unit_dict(unit), "areas": sections}


def _unit_area_ids(unit: Unit, area_filter: Sequence[str]) -> list[int]:
    return [a.area_id for a in listing.public_authorisations(unit)
            if not area_filter or a.area.slug in area_filter]


def unit_survey_results(unit: Unit, years: Sequence[int] = (), area_filter: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every survey result of the unit, newest year first, suppressed ones without their values."""
    area_ids = _unit_area_ids(unit, area_filter)
    query = (
        select(SurveyResult.share_positive, SurveyResult.respondents, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyResult.question_id == SurveyQuestion.id)
        .join(Survey, SurveyQuestion.survey_id == Survey.id)
        .join(Area, Survey.area_id == Area.id)
        .where(SurveyResult.unit_id == unit.id, Survey.area_id.in_(area_ids or [-1]))
        .order_by(Survey.year.desc(), Area.position, Survey.respondent_group, SurveyQuestion.position,
                  SurveyQuestion.id)
    )
    if years:
        query = query.where(Survey.year.in_(list(years)))
    return [survey_result_dict(survey.area, survey, question, shown_point(survey.year, share, respondents))
            for share, respondents, question, survey in db.session.execute(query)]


def unit_key_figures(unit: Unit, years: Sequence[int] = (), area_filter: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every key figure value of the unit with the municipality's value of the same year, newest year
    first. A figure measured for the whole municipality only has the municipality's value as its value,
    as on the unit page."""
    area_ids = _unit_area_ids(unit, area_filter)
    figures = list(db.session.scalars(
        select(KeyFigure).join(Area).where(KeyFigure.area_id.in_(area_ids or [-1]))
        .order_by(Area.position, KeyFigure.position).options(selectinload(KeyFigure.area))
    ))
    values: dict[tuple[int, int | None], dict[int, Decimal]] = defaultdict(dict)
    query = select(
        KeyFigureValue.key_figure_id, KeyFigureValue.unit_id, KeyFigureValue.year, KeyFigureValue.value
    ).where(
        KeyFigureValue.key_figure_id.in_([f.id for f in figures] or [-1]),
        KeyFigureValue.unit_id.is_(None) | (KeyFigureValue.unit_id == unit.id),
    )
    if years:
        query = query.where(KeyFigureValue.year.in_(list(years)))
    for figure_id, unit_id, year, value in db.session.execute(query):
        values[(figure_id, unit_id)][year] = value
    rows = []
    for figure in figures:
        municipal = values.get((figure.id, None), {})
        own = municipal if figure.scope is FigureScope.MUNICIPALITY else values.get((figure.id, unit.id), {})
        for year in sorted(own, reverse=True):
            rows.append(key_figure_value_dict(figure.area, figure, year, own[year], municipal.get(year)))
    rows.sort(key=lambda r: -r["year"])  # stable: area and figure order within a year
    return rows


def unit_follow_ups(unit: Unit, years: Sequence[int] = (), area_filter: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The unit's published follow-ups in their current version, newest year first."""
    area_ids = _unit_area_ids(unit, area_filter)
    query = (
        select(FollowUp).join(Area, FollowUp.area_id == Area.id)
        .where(FollowUp.unit_id == unit.id, FollowUp.area_id.in_(area_ids or [-1]),
               FollowUp.status == FollowUpStatus.PUBLISHED, FollowUp.superseded_at.is_(None))
        .options(selectinload(FollowUp.assessments), selectinload(FollowUp.actions),
                 selectinload(FollowUp.rulebook), selectinload(FollowUp.area))
        .order_by(FollowUp.year.desc(), Area.position)
    )
    if years:
        query = query.where(FollowUp.year.in_(list(years)))
    return [follow_up_dict(f) for f in db.session.scalars(query)]

