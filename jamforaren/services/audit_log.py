"""Reading the audit log (händelselogg): the global log, an entity's history, and who may see what.

The log is written only by the session listener in ``jamforaren.audit``; nothing here changes it.

- Administrators see every event.
- An officer sees the history of an entity that belongs to one of their areas: the area itself, its
  rulebooks with chapters and norms, authorisations (and their decisions), follow-ups with assessments and
  actions, and the units and providers authorised or applying there (with a unit's languages, attributes,
  profile changes and comments). Anything else is for administrators only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from jamforaren.extensions import db
from jamforaren.models import AuditEvent, Authorisation, Base, Norm, Rulebook, RulebookChapter, Unit, User
from jamforaren.services.listing import Page, paginate
from jamforaren.services.permissions import officer_area_ids

ENTITY_TYPE_LABELS: dict[str, Any] = {
    "process": _l("Main process"),
    "area": _l("Customer choice"),
    "rulebook": _l("Authorisation conditions"),
    "rulebook_chapter": _l("Chapter of the authorisation conditions"),
    "norm": _l("Quality norm"),
    "provider": _l("Provider"),
    "unit": _l("Unit"),
    "unit_language": _l("Language of a unit"),
    "unit_attribute": _l("Profile attribute of a unit"),
    "authorisation": _l("Authorisation"),
    "authorisation_event": _l("Authorisation decision"),
    "follow_up": _l("Quality follow-up"),
    "assessment": _l("Assessment of a norm"),
    "action": _l("Action"),
    "survey": _l("Customer survey"),
    "survey_question": _l("Survey question"),
    "survey_result": _l("Survey result"),
    "key_figure": _l("Key figure"),
    "key_figure_value": _l("Key figure value"),
    "profile_revision": _l("Profile change"),
    "comment": _l("Comment from a resident"),
    "page_feedback": _l("Page feedback"),
    "user": _l("User"),
    "membership": _l("Role"),
    "setting": _l("Setting"),
    "demo_data": _l("Demo data"),
}

ACTION_LABELS: dict[str, Any] = {
    "insert": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "seed": _l("Loaded"),
    "locked": _l("Sign-in locked"),  # jamforaren/services/sign_in.py
    "password_changed": _l("Password changed"),
    "sign_out_everywhere": _l("Signed out everywhere"),
}

# Interface names of common fields; a field ending in _sv or _en is named "<field> (Swedish/English)".
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "title": _l("Title"),
    "description": _l("Description"),
    "target_group": _l("Target group"),
    "legal_basis": _l("Legal basis"),
    "committee": _l("Committee"),
    "requirement": _l("Requirement"),
    "guidance": _l("Guidance"),
    "key": _l("Key"),
    "code": _l("Code"),
    "number": _l("Number"),
    "position": _l("Position"),
    "version": _l("Version"),
    "valid_from": _l("Applies from"),
    "decision_reference": _l("Decision reference"),
    "status": _l("Status"),
    "email": _l("E-mail address"),
    "phone": _l("Phone"),
    "website": _l("Website"),
    "slug": _l("Address name"),
    "locked_until": _l("Locked until"),
    "failed_attempts": _l("Failed attempts"),
    "session_version": _l("Session counter"),
}
LANGUAGE_SUFFIXES = {"sv": _l("%(field)s (Swedish)"), "en": _l("%(field)s (English)")}

# Fields that name an entity, in order of preference, for a readable label.
NAME_FIELDS = ("name_sv", "title_sv", "name", "email", "text_sv", "code")

TYPE_PATTERN = r"^[a-z_]{1,60}$"
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _model_for(entity_type: str) -> type[Base] | None:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == entity_type:
            return mapper.class_
    return None


# --- Reading the log ---------------------------------------------------------------------------------

def history(entity_type: str, entity_id: int, limit: int | None = None) -> list[AuditEvent]:
    """Every event of one entity, newest first (at most ``limit``)."""
    query = _entity_query(entity_type, entity_id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def history_page(entity_type: str, entity_id: int, page: int, per_page: int) -> Page[AuditEvent]:
    return paginate(_entity_query(entity_type, entity_id), page, per_page)


def _entity_query(entity_type: str, entity_id: int) -> Select:
    query = select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
    # SQLite may give a deleted row's id to the next new row: then the history starts at that insert.
    last = dict(db.session.execute(
        select(AuditEvent.action, func.max(AuditEvent.id)).where(
            AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id,
            AuditEvent.action.in_(("insert", "delete"))).group_by(AuditEvent.action)).all())
    if last.get("delete") is not None and (last.get("insert") or 0) > last["delete"]:
        query = query.where(AuditEvent.id >= last["insert"])
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def events_of(entities: Iterable[tuple[str, int]]) -> list[AuditEvent]:
    """The events of several entities together, newest first."""
    by_type: dict[str, set[int]] = {}
    for entity_type, entity_id in entities:
        by_type.setdefault(entity_type, set()).add(entity_id)
    if not by_type:
        return []
    condition = None
    for entity_type, ids in by_type.items():
        clause = (AuditEvent.entity_type == entity_type) & AuditEvent.entity_id.in_(sorted(ids))
        condition = clause if condition is None else condition | clause
    return list(db.session.scalars(select(AuditEvent).where(condition)
                                   .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())))


def rulebook_history(rulebook: Rulebook) -> list[AuditEvent]:
    """What happened to a version: the version itself, its chapters and its norms (retired ones too)."""
    entities = [("rulebook", rulebook.id)]
    entities += [("rulebook_chapter", i) for i in db.session.scalars(
        select(RulebookChapter.id).where(RulebookChapter.rulebook_id == rulebook.id))]
    entities += [("norm", i) for i in db.session.scalars(select(Norm.id).where(Norm.rulebook_id == rulebook.id))]
    removed = db.session.execute(select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.changes).where(
        AuditEvent.entity_type.in_(("norm", "rulebook_chapter")), AuditEvent.action == "delete"))
    entities += [(t, i) for t, i, changes in removed
                 if i is not None and isinstance(changes, dict) and changes.get("rulebook_id") == rulebook.id]
    return events_of(entities)


@dataclass
class LogFilter:
    entity_type: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _start_of_day(day: date) -> datetime:
    """The start of ``day`` in the portal's time zone, as a UTC time (the log stores UTC)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def search(filters: LogFilter, page: int, per_page: int) -> Page[AuditEvent]:
    """The global log, newest first, filtered by entity type, actor (part of the name) and dates (inclusive)."""
    query = select(AuditEvent)
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.actor:
        query = query.where(AuditEvent.actor.icontains(filters.actor.strip(), autoescape=True))
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of_day(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.occurred_at < _start_of_day(filters.date_to + timedelta(days=1)))
    return paginate(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()), page, per_page)


def entity_types() -> list[str]:
    """The entity types that occur in the log, for the filter."""
    present = set(db.session.scalars(select(AuditEvent.entity_type).distinct()))
    return sorted(present, key=lambda t: str(ENTITY_TYPE_LABELS.get(t, t)).lower())


def entity_type_label(entity_type: str) -> str:
    return str(ENTITY_TYPE_LABELS.get(entity_type, entity_type))


# --- What an entity is, and whose -------------------------------------------------------------------

def snapshot(entity_type: str, entity_id: int) -> dict[str, Any] | None:
    """The entity's fields: from the database while it exists, else as the log last knew them."""
    model = _model_for(entity_type)
    if model is not None:
        obj = db.session.get(model, entity_id)
        if obj is not None:
            return {column.key: getattr(obj, column.key) for column in model.__mapper__.column_attrs}
    row: dict[str, Any] = {}
    for event in reversed(history(entity_type, entity_id)):  # oldest first
        changes = event.changes if isinstance(event.changes, dict) else {}
        if event.action in ("insert", "delete"):
            row = dict(changes)
        elif event.action == "update":
            row.update({k: v.get("new") for k, v in changes.items() if isinstance(v, dict)})
    return row or None


def exists_or_logged(entity_type: str, entity_id: int) -> bool:
    return snapshot(entity_type, entity_id) is not None


def _name_of(row: dict[str, Any] | None) -> str | None:
    if not row:
        return None
    if row.get("code") and row.get("title_sv"):
        return f"{row['code']} {row['title_sv']}"
    for key in NAME_FIELDS:
        if row.get(key):
            return str(row[key])
    return None


def describe(entity_type: str, entity_id: int | None) -> str:
    """A readable name, e.g. "Kvalitetsnorm 2.1 Rektor med pedagogisk insikt" or "Enhet 17"."""
    label = entity_type_label(entity_type)
    if entity_id is None:
        return label
    name = _name_of(snapshot(entity_type, entity_id))
    if entity_type == "rulebook":
        row = snapshot(entity_type, entity_id) or {}
        if row.get("version") is not None:
            return str(_l("%(type)s, version %(version)s", type=label, version=row["version"]))
    return f"{label} {name}" if name else f"{label} {entity_id}"


# Which field leads to the parent entity whose areas decide access.
_PARENT_FIELDS: dict[str, tuple[str, str]] = {
    "rulebook_chapter": ("rulebook_id", "rulebook"),
    "norm": ("rulebook_id", "rulebook"),
    "authorisation_event": ("authorisation_id", "authorisation"),
    "assessment": ("follow_up_id", "follow_up"),
    "action": ("follow_up_id", "follow_up"),
    "unit_language": ("unit_id", "unit"),
    "unit_attribute": ("unit_id", "unit"),
    "profile_revision": ("unit_id", "unit"),
}
_OWN_AREA = {"rulebook", "authorisation", "follow_up", "comment"}


def _unit_area_ids(unit_ids: Iterable[int]) -> set[int]:
    ids = list(unit_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Authorisation.area_id).where(Authorisation.unit_id.in_(ids))))


def area_ids_of(entity_type: str, entity_id: int, depth: int = 0) -> set[int]:
    """The areas an entity belongs to (empty when it belongs to none or is unknown)."""
    if depth > 4:
        return set()
    if entity_type == "area":
        return {entity_id}
    if entity_type == "unit":
        return _unit_area_ids([entity_id])
    if entity_type == "provider":
        return _unit_area_ids(db.session.scalars(select(Unit.id).where(Unit.provider_id == entity_id)))
    row = snapshot(entity_type, entity_id)
    if not row:
        return set()
    if entity_type in _OWN_AREA and row.get("area_id") is not None:
        return {int(row["area_id"])}
    if entity_type == "comment" and row.get("unit_id") is not None:
        return _unit_area_ids([int(row["unit_id"])])
    if entity_type in _PARENT_FIELDS:
        key, parent_type = _PARENT_FIELDS[entity_type]
        if row.get(key) is not None:
            return area_ids_of(parent_type, int(row[key]), depth + 1)
    return set()


def can_see_history(user: User, entity_type: str, entity_id: int) -> bool:
    """Administrators see every history; an officer that of an entity in one of their areas."""
    areas = officer_area_ids(user)
    if areas is None:
        return True
    if not areas:
        return False
    return bool(area_ids_of(entity_type, entity_id) & areas)


def can_see_log(user: User) -> bool:
    """The global log is for administrators only."""
    return officer_area_ids(user) is None


# --- Presenting events -------------------------------------------------------------------------------

@dataclass
class ChangeRow:
    field: str
    label: str
    before: str | None
    after: str | None


@dataclass
class EventView:
    event: AuditEvent
    action_label: str
    entity_label: str
    rows: list[ChangeRow] = field(default_factory=list)

    @property
    def iso(self) -> str:
        when = self.event.occurred_at
        return (when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when).isoformat()


def field_label(name: str) -> str:
    base, _, language = name.rpartition("_")
    if base and language in LANGUAGE_SUFFIXES and base in FIELD_LABELS:
        return str(LANGUAGE_SUFFIXES[language] % {"field": FIELD_LABELS[base]})
    return str(FIELD_LABELS.get(name, name))


def shown_value(value: Any) -> str | None:
    """A stored value as text: None stays None (shown as empty), yes/no for booleans, JSON compact."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)  # the database keeps UTC
        return format_datetime(moment, "y-MM-dd HH:mm:ss")  # in the portal's time zone
    return str(value)


def _entity_label(event: AuditEvent) -> str:
    label = entity_type_label(event.entity_type)
    changes = event.changes if isinstance(event.changes, dict) else {}
    name = _name_of(changes) if event.action in ("insert", "delete") else None
    if event.entity_id is None:
        return label
    return f"{label} {event.entity_id}" + (f": {name}" if name else "")


def present(event: AuditEvent) -> EventView:
    """An event as the interface shows it: who, what and a row per field with before and after."""
    changes = event.changes if isinstance(event.changes, dict) else {"": event.changes}
    rows = []
    for name, value in changes.items():
        if event.action == "update" and isinstance(value, dict) and set(value) <= {"old", "new"}:
            before, after = value.get("old"), value.get("new")
        elif event.action == "delete":
            before, after = value, None
        else:
            before, after = None, value
        rows.append(ChangeRow(name, field_label(name), shown_value(before), shown_value(after)))
    return EventView(event=event, action_label=str(ACTION_LABELS.get(event.action, event.action)),
                     entity_label=_entity_label(event), rows=rows)
