"""Providers' proposed profile changes (ändringar av profil): propose, show as a diff, approve, reject.

- A provider's editor proposes; nothing is published until an officer approves. The shared facts
  (descriptions, contact, opening hours, languages, free places) make one revision with ``area_id`` None;
  the profile attributes of each area the unit is in make one revision per area (``area_id`` set).
- A revision holds only what differs from the published profile: ``changes`` maps each changed field to
  ``{"old": published value when proposed, "new": proposed value}`` (attributes are keyed
  ``attribute:<key>`` with lists of values). There is at most one pending revision per unit and scope:
  proposing again updates it, and proposing what is already published withdraws it.
- Approving applies the changes to the unit in one commit (so the audit log records both the decision and
  the unit's new values, and the search index follows after the commit). A field whose published value
  changed since it was proposed is a conflict: it is not applied (the revision records that), and a
  revision whose every change conflicts cannot be approved. Rejecting needs a reason; the provider sees it.

The values are validated with the back office's own rules (``services.registry``), so a provider can
propose nothing an officer could not save.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.i18n import current_language, local_label
from jamforaren.labels import language_name
from jamforaren.models import Area, Authorisation, ProfileRevision, RevisionStatus, Unit, User
from jamforaren.services import registry
from jamforaren.services.permissions import (
    ACTIVE_STATUSES, can_edit_unit_profile, can_review_revision, officer_area_ids, require,
)

ATTRIBUTE = "attribute:"
DESCRIPTION_MAX = 4000
REASON_MAX = 2000

# The shared facts a provider may change, in the order forms and diffs show them.
SHARED_FIELDS: dict[str, Any] = {
    "description_sv": _l("Description in Swedish"),
    "description_en": _l("Description in English"),
    "opening_hours_sv": _l("Opening hours in Swedish"),
    "opening_hours_en": _l("Opening hours in English"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "website": _l("Website"),
    "languages": _l("Languages besides Swedish"),
    "free_places": _l("Free places"),
}
TEXT_FIELDS = ("description_sv", "description_en", "opening_hours_sv", "opening_hours_en")

STATUS_LABELS = {
    RevisionStatus.PENDING: _l("Waiting for review"),
    RevisionStatus.APPROVED: _l("Approved and published"),
    RevisionStatus.REJECTED: _l("Rejected"),
}


class RevisionError(ValueError):
    """Input or a state that breaks a rule. ``errors`` maps each wrong field (a shared field's name, or
    ``(area_id, key)`` for an attribute; None for the whole) to its translated message."""

    def __init__(self, errors: dict[Any, Any]) -> None:
        self.errors = errors
        super().__init__(str(next(iter(errors.values()))))


@dataclass
class ProfileInput:
    """What the provider's form sends for the shared facts (numbers already parsed by the form)."""

    description_sv: str | None = None
    description_en: str | None = None
    opening_hours_sv: str | None = None
    opening_hours_en: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    free_places: int | None = None
    languages: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    """What :func:`propose` did: revisions created or updated, and how many pending ones were withdrawn."""

    saved: list[ProfileRevision] = field(default_factory=list)
    withdrawn: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.saved or self.withdrawn)


@dataclass
class Approval:
    applied: list[str] = field(default_factory=list)      # labels of the fields published
    not_applied: list[str] = field(default_factory=list)  # labels of the fields refused as conflicts


@dataclass
class DiffRow:
    """One changed field, readable: its label, the old and new value as text (with the changed words marked
    for texts), and whether the published value differs from the old one now (a conflict)."""

    key: str
    label: Any
    old: list[tuple[str, bool]]  # (text, changed) parts
    new: list[tuple[str, bool]]
    conflict: bool = False
    published_now: str | None = None
    not_applied: bool = False


# --- reading -------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def attribute_areas(unit: Unit) -> list[Area]:
    """The unit's areas (authorised, suspended or applying) that define profile attributes."""
    areas = {a.area_id: a.area for a in unit.authorisations if a.status in ACTIVE_STATUSES}
    return sorted((a for a in areas.values() if a.attribute_definitions), key=lambda a: (a.process_id, a.position, a.id))


def revision_by_id(revision_id: int) -> ProfileRevision | None:
    return db.session.scalar(select(ProfileRevision).where(ProfileRevision.id == revision_id).options(
        selectinload(ProfileRevision.unit).selectinload(Unit.authorisations).selectinload(Authorisation.area)))


def revisions_for_unit(unit: Unit, limit: int = 20) -> list[ProfileRevision]:
    """The unit's revisions, pending first, then the newest decisions."""
    revisions = db.session.scalars(select(ProfileRevision).where(ProfileRevision.unit_id == unit.id)
                                   .order_by(ProfileRevision.proposed_at.desc(), ProfileRevision.id.desc()))
    ordered = sorted(revisions, key=lambda r: r.status is not RevisionStatus.PENDING)
    return ordered[:limit]


def pending_by_scope(unit: Unit) -> dict[int | None, ProfileRevision]:
    """The newest pending revision of each scope (None: the shared facts; an area id: its attributes)."""
    pending: dict[int | None, ProfileRevision] = {}
    for revision in db.session.scalars(select(ProfileRevision).where(
            ProfileRevision.unit_id == unit.id, ProfileRevision.status == RevisionStatus.PENDING)
            .order_by(ProfileRevision.proposed_at, ProfileRevision.id)):
        pending[revision.area_id] = revision
    return pending


def pending_counts(provider_ids: set[int]) -> dict[int, int]:
    """Per unit of the given providers, how many of its revisions wait for review."""
    rows = db.session.execute(
        select(ProfileRevision.unit_id, func.count()).join(Unit, Unit.id == ProfileRevision.unit_id)
        .where(Unit.provider_id.in_(provider_ids or [-1]), ProfileRevision.status == RevisionStatus.PENDING)
        .group_by(ProfileRevision.unit_id))
    return {unit_id: count for unit_id, count in rows}


def _officer_filter(user: User) -> Any:
    areas = officer_area_ids(user)
    if areas is None:
        return true()
    units = select(Authorisation.unit_id).where(Authorisation.area_id.in_(areas or [-1]))
    return or_(ProfileRevision.area_id.in_(areas or [-1]),
               ProfileRevision.area_id.is_(None) & ProfileRevision.unit_id.in_(units))


def pending_for_officer(user: User) -> list[ProfileRevision]:
    """The pending revisions the officer may review, oldest first."""
    return list(db.session.scalars(
        select(ProfileRevision).where(ProfileRevision.status == RevisionStatus.PENDING, _officer_filter(user))
        .options(selectinload(ProfileRevision.unit).selectinload(Unit.provider), selectinload(ProfileRevision.area))
        .order_by(ProfileRevision.proposed_at, ProfileRevision.id)))


def reviewed_for_officer(user: User, limit: int = 20) -> list[ProfileRevision]:
    """The newest decisions on revisions the officer may review."""
    return list(db.session.scalars(
        select(ProfileRevision).where(ProfileRevision.status != RevisionStatus.PENDING, _officer_filter(user))
        .options(selectinload(ProfileRevision.unit), selectinload(ProfileRevision.area))
        .order_by(ProfileRevision.reviewed_at.desc(), ProfileRevision.id.desc()).limit(limit)))


# --- values --------------------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    """A description as typed, tidied: unified line breaks, no trailing spaces, at most one empty line."""
    lines = [line.rstrip() for line in (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


def _line(value: str | None) -> str | None:
    return " ".join((value or "").split()) or None


def published_shared(unit: Unit) -> dict[str, Any]:
    """The unit's published shared facts, in the form revisions store them."""
    return {
        "description_sv": _text(unit.description_sv), "description_en": _text(unit.description_en),
        "opening_hours_sv": _line(unit.opening_hours_sv), "opening_hours_en": _line(unit.opening_hours_en),
        "email": _line(unit.email), "phone": _line(unit.phone), "website": _line(unit.website),
        "languages": sorted(lang.language for lang in unit.languages), "free_places": unit.free_places,
    }


def _ordered(definition: dict[str, Any], values: list[str]) -> list[str]:
    if definition["type"] == "multichoice":
        order = [o["key"] for o in definition.get("options") or []]
        return sorted(set(values), key=lambda v: (order.index(v) if v in order else len(order), v))
    return list(values)


def published_attributes(unit: Unit, area: Area) -> dict[str, list[str]]:
    values = unit.attribute_values(area.id)
    return {d["key"]: _ordered(d, values.get(d["key"], [])) for d in area.attribute_definitions}


def proposed_shared(unit: Unit) -> dict[str, Any]:
    """What the provider's form starts from: the published facts with the pending changes on top."""
    values = published_shared(unit)
    pending = pending_by_scope(unit).get(None)
    for key, change in (pending.changes if pending else {}).items():
        if key in values:
            values[key] = change.get("new")
    return values


def proposed_attributes(unit: Unit, area: Area) -> dict[str, list[str]]:
    values = published_attributes(unit, area)
    pending = pending_by_scope(unit).get(area.id)
    for key, change in (pending.changes if pending else {}).items():
        if key.startswith(ATTRIBUTE) and key.removeprefix(ATTRIBUTE) in values:
            values[key.removeprefix(ATTRIBUTE)] = list(change.get("new") or [])
    return values


def _validate_shared(unit: Unit, data: ProfileInput) -> tuple[dict[str, Any], dict[Any, Any]]:
    """The shared facts cleaned, and the problems; contact, opening hours, languages and free places are
    checked by the back office's own rules (the unit's other facts as they are)."""
    errors: dict[Any, Any] = {}
    values: dict[str, Any] = {}
    for key, required in (("description_sv", True), ("description_en", False)):
        text = _text(getattr(data, key))
        if required and not text:
            errors[key] = _l("Write a description of the unit in Swedish.")
        elif text and len(text) > DESCRIPTION_MAX:
            errors[key] = _l("At most %(max)d characters.", max=DESCRIPTION_MAX)
        values[key] = text
    facts = registry.UnitFacts(
        name=unit.name, street_address=unit.street_address, postal_code=unit.postal_code, city=unit.city,
        district=unit.district, latitude=unit.latitude, longitude=unit.longitude, capacity=unit.capacity,
        free_places=data.free_places, opening_hours_sv=data.opening_hours_sv, opening_hours_en=data.opening_hours_en,
        email=data.email, phone=data.phone, website=data.website, kolada_ou=unit.kolada_ou,
        languages=list(data.languages or []),
    )
    cleaned, problems = registry._validate_facts(facts, unit)  # the one set of rules for a unit's facts
    for key in ("opening_hours_sv", "opening_hours_en", "email", "phone", "website", "languages", "free_places"):
        values[key] = cleaned[key]
        if key in problems:
            errors[key] = problems[key]
    return values, errors


def _diff(published: dict[str, Any], proposed: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    return {prefix + key: {"old": published.get(key), "new": value}
            for key, value in proposed.items() if value != published.get(key)}


def fingerprint(revision: ProfileRevision) -> str:
    """Identifies the proposal's content, so that a review applies to what the officer saw."""
    content = json.dumps(revision.changes, sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


# --- proposing -----------------------------------------------------------------------------------------


def problems(user: User, unit: Unit, data: ProfileInput, attributes: dict[int, dict[str, list[str]]]) -> dict[Any, Any]:
    """What :func:`propose` would refuse, without writing."""
    return _check(user, unit, data, attributes)[2]


def _check(user: User, unit: Unit, data: ProfileInput, attributes: dict[int, dict[str, list[str]]]
           ) -> tuple[dict[str, Any], dict[int, dict[str, list[str]]], dict[Any, Any], dict[int, Area]]:
    require(can_edit_unit_profile(user, unit))
    areas = {a.id: a for a in attribute_areas(unit)}
    for area_id in attributes:
        require(area_id in areas)
    values, errors = _validate_shared(unit, data)
    cleaned: dict[int, dict[str, list[str]]] = {}
    for area_id, raw in attributes.items():
        cleaned[area_id], area_errors = registry.clean_attributes(areas[area_id], raw)
        errors.update(area_errors)
    return values, cleaned, errors, areas


def propose(user: User, unit: Unit, data: ProfileInput, attributes: dict[int, dict[str, list[str]]],
            now: datetime | None = None) -> Proposal:
    """Saves what differs from the published profile as pending revisions: one for the shared facts and
    one per area in ``attributes`` (area id → the attributes' raw values). Nothing is published.

    Raises :class:`RevisionError` with every problem, writing nothing, when the input breaks a rule."""
    values, cleaned, errors, areas = _check(user, unit, data, attributes)
    if errors:
        raise RevisionError(errors)
    now = now or _now()
    scopes: dict[int | None, dict[str, Any]] = {None: _diff(published_shared(unit), values)}
    for area_id, area_values in cleaned.items():
        published = published_attributes(unit, areas[area_id])
        proposed = {key: _ordered(areas[area_id].attribute_definition(key) or {"type": ""}, listed)
                    for key, listed in area_values.items()}
        scopes[area_id] = _diff(published, proposed, ATTRIBUTE)
    pending = pending_by_scope(unit)
    result = Proposal()
    for scope, changes in scopes.items():
        revision = pending.get(scope)
        if not changes:
            if revision is not None:  # the form is back to what is published: nothing left to review
                db.session.delete(revision)
                result.withdrawn += 1
            continue
        if revision is not None and revision.changes == changes:
            continue
        if revision is None:
            revision = ProfileRevision(unit=unit, area_id=scope, status=RevisionStatus.PENDING)
            db.session.add(revision)
        revision.changes = changes
        revision.proposed_by = user
        revision.proposed_at = now
        result.saved.append(revision)
    if result.changed:
        db.session.commit()
    return result


def withdraw(user: User, revision: ProfileRevision) -> None:
    """The provider takes back a pending revision (deleted; the audit log keeps what it was)."""
    require(can_edit_unit_profile(user, revision.unit))
    if revision.status is not RevisionStatus.PENDING:
        raise RevisionError({None: _l("Only a change waiting for review can be withdrawn.")})
    db.session.delete(revision)
    db.session.commit()


# --- reviewing -----------------------------------------------------------------------------------------


def _published_for(revision: ProfileRevision) -> dict[str, Any]:
    """The published values of the revision's scope, keyed as in its changes."""
    if revision.area_id is None:
        return published_shared(revision.unit)
    assert revision.area is not None
    return {ATTRIBUTE + key: values for key, values in published_attributes(revision.unit, revision.area).items()}


def conflicts(revision: ProfileRevision) -> dict[str, Any]:
    """The fields whose published value has changed since the revision was proposed (and is not already the
    proposed value), with the published value now; a field no longer part of the profile counts too."""
    published = _published_for(revision)
    found: dict[str, Any] = {}
    for key, change in revision.changes.items():
        if key not in published:
            found[key] = None
        elif published[key] != change.get("old") and published[key] != change.get("new"):
            found[key] = published[key]
    return found


def _check_review(user: User, revision: ProfileRevision, expected: str | None) -> None:
    require(can_review_revision(user, revision))
    if revision.status is not RevisionStatus.PENDING:
        raise RevisionError({None: _l("This change has already been reviewed.")})
    if expected is not None and expected != fingerprint(revision):
        raise RevisionError({None: _l("The provider changed the proposal after you opened it. Review it again.")})


def _reason(reason: str | None, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise RevisionError({"reason": _l("Say why the change is rejected; the provider will see it.")})
    if len(text) > REASON_MAX:
        raise RevisionError({"reason": _l("At most %(max)d characters.", max=REASON_MAX)})
    return text or None


def approve(user: User, revision: ProfileRevision, note: str | None = None, expected: str | None = None,
            now: datetime | None = None) -> Approval:
    """Publishes the revision's changes on the unit, except conflicting fields (see :func:`conflicts`),
    which are recorded as not applied. ``expected`` is the :func:`fingerprint` the officer reviewed."""
    _check_review(user, revision, expected)
    note = _reason(note, required=False)
    unit = revision.unit
    refused = conflicts(revision)
    applicable = {key: change["new"] for key, change in revision.changes.items() if key not in refused}
    if refused and not applicable:
        raise RevisionError({None: _l("Every field of this change has been changed since the provider proposed "
                                      "it, so none can be approved. Reject it with a reason; the provider can "
                                      "propose again from the published profile.")})
    result = Approval()
    if revision.area_id is None:
        proposed = {**published_shared(unit), **applicable}
        data = ProfileInput(**{k: v for k, v in proposed.items()})
        values, errors = _validate_shared(unit, data)
        errors = {key: message for key, message in errors.items() if key in applicable}
        if errors:
            key, message = next(iter(errors.items()))
            raise RevisionError({None: _l("%(field)s: %(message)s Reject the change with a reason.",
                                          field=SHARED_FIELDS.get(key, key), message=message)})
        for key in applicable:
            if key == "languages":
                registry._set_languages(unit, values["languages"])
            elif key == "description_sv":
                unit.description_sv = values[key] or ""
            elif getattr(unit, key) != values[key]:
                setattr(unit, key, values[key])
    else:
        area = revision.area
        assert area is not None
        merged = published_attributes(unit, area)
        merged.update({key.removeprefix(ATTRIBUTE): list(value or []) for key, value in applicable.items()})
        cleaned, errors = registry.clean_attributes(area, merged)
        if errors:
            (_, key), message = next(iter(errors.items()))
            definition = area.attribute_definition(key) or {}
            raise RevisionError({None: _l("%(field)s: %(message)s Reject the change with a reason.",
                                          field=local_label(definition.get("label")), message=message)})
        registry._set_attributes(unit, area, cleaned)
    if refused:
        revision.changes = {key: ({**change, "not_applied": True, "published": refused[key]} if key in refused
                                  else change) for key, change in revision.changes.items()}
    result.applied = [str(_label(key, revision.area)) for key in applicable]
    result.not_applied = [str(_label(key, revision.area)) for key in refused]
    revision.status = RevisionStatus.APPROVED
    revision.reviewed_by = user
    revision.reviewed_at = now or _now()
    revision.review_reason = note
    db.session.commit()
    return result


def reject(user: User, revision: ProfileRevision, reason: str | None, expected: str | None = None,
           now: datetime | None = None) -> None:
    """Rejects the revision with a reason the provider sees; the unit stays as it is."""
    _check_review(user, revision, expected)
    revision.review_reason = _reason(reason, required=True)
    revision.status = RevisionStatus.REJECTED
    revision.reviewed_by = user
    revision.reviewed_at = now or _now()
    db.session.commit()


# --- showing -------------------------------------------------------------------------------------------


def _shown(key: str, value: Any, area: Area | None) -> str:
    """A stored value as the reader reads it."""
    if value in (None, "", []):
        return ""
    if key == "languages":
        return ", ".join(language_name(code, current_language()) for code in value)
    if key == "free_places":
        return str(value)
    if key.startswith(ATTRIBUTE) and area is not None:
        definition = area.attribute_definition(key.removeprefix(ATTRIBUTE)) or {"type": "text"}
        if definition["type"] == "boolean":
            return ", ".join(_("Yes") if v == "true" else _("No") for v in value)
        if definition["type"] in ("choice", "multichoice"):
            options = {o["key"]: str(local_label(o["label"])) for o in definition.get("options") or []}
            return ", ".join(options.get(v, v) for v in value)
        return ", ".join(str(v) for v in value)
    return str(value)


def _word_parts(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Old and new text split into parts, the parts that differ marked (words, not characters)."""
    a, b = re.findall(r"\s+|[^\s]+", old), re.findall(r"\s+|[^\s]+", new)
    old_parts: list[tuple[str, bool]] = []
    new_parts: list[tuple[str, bool]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            old_parts.append(("".join(a[i1:i2]), op != "equal"))
        if j2 > j1:
            new_parts.append(("".join(b[j1:j2]), op != "equal"))
    return old_parts, new_parts


def _label(key: str, area: Area | None) -> Any:
    if key in SHARED_FIELDS:
        return SHARED_FIELDS[key]
    definition = area.attribute_definition(key.removeprefix(ATTRIBUTE)) if area is not None else None
    return local_label(definition["label"]) if definition else key.removeprefix(ATTRIBUTE)


def diff_rows(revision: ProfileRevision) -> list[DiffRow]:
    """The revision's changes, readable, in the form's order; a pending one marks its conflicts."""
    area = revision.area
    open_conflicts = conflicts(revision) if revision.status is RevisionStatus.PENDING else {}
    order = list(SHARED_FIELDS) + [ATTRIBUTE + d["key"] for d in (area.attribute_definitions if area else [])]
    rows = []
    for key in sorted(revision.changes, key=lambda k: order.index(k) if k in order else len(order)):
        change = revision.changes[key]
        old, new = _shown(key, change.get("old"), area), _shown(key, change.get("new"), area)
        if key in TEXT_FIELDS and old and new:
            old_parts, new_parts = _word_parts(old, new)
        else:
            old_parts, new_parts = [(old, False)], [(new, False)]
        conflict = key in open_conflicts or bool(change.get("not_applied"))
        published = open_conflicts[key] if key in open_conflicts else change.get("published")
        rows.append(DiffRow(key=key, label=_label(key, area), old=old_parts, new=new_parts, conflict=conflict,
                            published_now=_shown(key, published, area) if conflict else None,
                            not_applied=bool(change.get("not_applied"))))
    return rows
