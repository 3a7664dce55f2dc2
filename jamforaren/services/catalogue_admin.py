"""Catalogue upkeep by the officers: an area's texts and its versioned rules (auktorisationsvillkor).

Rules change by new versions. A new version starts as a copy of the newest one and applies from a date
later than the newest version's. While a version's date is still in the future and no authorisation or
follow-up uses it, its norms and chapters may be changed, added and retired; once it is in force (or in
use) it is read-only, and every version stays readable.

Who may do this is checked by the views (``permissions.require_area``) before any of these is called.
Every function here validates, writes through the ORM session (so the audit log records it) and commits.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from jamforaren.extensions import db
from jamforaren.formatting import long_date
from jamforaren.models import Area, Assessment, Authorisation, FollowUp, Norm, Rulebook, RulebookChapter
from jamforaren.services.text import slugify

KEY_MAX = 80
AREA_TEXT_FIELDS = ("name", "target_group", "description", "legal_basis")
NORM_TEXT_FIELDS = ("title", "requirement", "guidance")
_LIMITS = {"name": 200, "title": 300, "decision_reference": 80}


class CatalogueError(ValueError):
    """A rule of catalogue upkeep was broken; ``message`` is a translated text, ``field`` the input at fault."""

    def __init__(self, message: Any, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class RulebookLocked(CatalogueError):
    """The version is in force or in use: it can no longer be changed."""


class RulebookState(enum.StrEnum):
    IN_FORCE = "in_force"          # the version that applies today
    REPLACED = "replaced"          # an older version, no longer applies
    UPCOMING = "upcoming"          # applies from a future date; can still be changed
    UPCOMING_IN_USE = "upcoming_in_use"  # future, but an authorisation or follow-up already uses it


def _today(today: date | None) -> date:
    return today or date.today()


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- Reading ---------------------------------------------------------------------------------------

def area_by_slug(slug: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.slug == slug))


def rulebook_by_version(area: Area, version: int) -> Rulebook | None:
    return db.session.scalar(select(Rulebook).where(Rulebook.area_id == area.id, Rulebook.version == version))


def newest_rulebook(area: Area) -> Rulebook | None:
    return db.session.scalar(select(Rulebook).where(Rulebook.area_id == area.id)
                             .order_by(Rulebook.version.desc()).limit(1))


def rulebook_in_force(area: Area, today: date | None = None) -> Rulebook | None:
    """The version that applies on ``today``: the newest one whose date has come."""
    return db.session.scalar(select(Rulebook).where(Rulebook.area_id == area.id,
                                                    Rulebook.valid_from <= _today(today))
                             .order_by(Rulebook.valid_from.desc(), Rulebook.version.desc()).limit(1))


def rulebook_in_use(rulebook: Rulebook) -> bool:
    """Whether an authorisation or a follow-up (or an assessment of one of its norms) refers to it."""
    norm_ids = select(Norm.id).where(Norm.rulebook_id == rulebook.id)
    return bool(db.session.scalar(select(
        exists().where(Authorisation.rulebook_id == rulebook.id)
        | exists().where(FollowUp.rulebook_id == rulebook.id)
        | exists().where(Assessment.norm_id.in_(norm_ids))
    )))


def rulebook_state(rulebook: Rulebook, today: date | None = None) -> RulebookState:
    today = _today(today)
    if rulebook.valid_from > today:
        return RulebookState.UPCOMING_IN_USE if rulebook_in_use(rulebook) else RulebookState.UPCOMING
    current = rulebook_in_force(rulebook.area, today)
    return RulebookState.IN_FORCE if current is not None and current.id == rulebook.id else RulebookState.REPLACED


def lock_reason(rulebook: Rulebook, today: date | None = None) -> Any | None:
    """Why the version can no longer be changed (a translated text), or None while it can."""
    state = rulebook_state(rulebook, today)
    if state is RulebookState.UPCOMING:
        return None
    if state is RulebookState.UPCOMING_IN_USE:
        return _l("Version %(version)d is already used by authorisations or follow-ups, so it can no longer "
                  "be changed. Create a new version to change the rules.", version=rulebook.version)
    return _l("Version %(version)d has applied since %(date)s, so it can no longer be changed. Create a new "
              "version to change the rules.", version=rulebook.version, date=long_date(rulebook.valid_from))


def require_editable(rulebook: Rulebook, today: date | None = None) -> None:
    reason = lock_reason(rulebook, today)
    if reason is not None:
        raise RulebookLocked(reason)


@dataclass
class VersionSummary:
    rulebook: Rulebook
    state: RulebookState
    norms: int


def versions(area: Area, today: date | None = None) -> list[VersionSummary]:
    """The area's versions, newest first, each with its state and its number of norms."""
    counts = dict(db.session.execute(select(Norm.rulebook_id, func.count()).join(Rulebook)
                                     .where(Rulebook.area_id == area.id).group_by(Norm.rulebook_id)).all())
    rulebooks = db.session.scalars(select(Rulebook).where(Rulebook.area_id == area.id)
                                   .order_by(Rulebook.version.desc()))
    return [VersionSummary(r, rulebook_state(r, today), counts.get(r.id, 0)) for r in rulebooks]


# --- Area texts --------------------------------------------------------------------------------------

AREA_REQUIRED = {
    "name": _l("Enter the name in Swedish."),
    "target_group": _l("Enter the target group in Swedish."),
    "description": _l("Enter the description in Swedish."),
    "legal_basis": _l("Enter the legal basis in Swedish."),
}


def update_area_texts(area: Area, texts: dict[str, str | None]) -> bool:
    """Set the area's texts from ``{"name_sv": …, "name_en": …, …}``; Swedish is required, English
    optional (empty English falls back to Swedish). Returns whether anything changed."""
    cleaned = {f"{field}_{lang}": _clean(texts.get(f"{field}_{lang}"))
               for field in AREA_TEXT_FIELDS for lang in ("sv", "en")}
    for field in AREA_TEXT_FIELDS:
        if cleaned[f"{field}_sv"] is None:
            raise CatalogueError(AREA_REQUIRED[field], f"{field}_sv")
    for key in ("name_sv", "name_en"):
        if cleaned[key] and len(cleaned[key]) > _LIMITS["name"]:
            raise CatalogueError(_l("Write at most %(max)d characters.", max=_LIMITS["name"]), key)
    changed = False
    for key, value in cleaned.items():
        if getattr(area, key) != value:
            setattr(area, key, value)
            changed = True
    db.session.commit()
    return changed


# --- Versions ----------------------------------------------------------------------------------------

def _check_title_and_reference(title_sv: str | None, decision_reference: str | None) -> None:
    if not title_sv:
        raise CatalogueError(_l("Enter the title in Swedish."), "title_sv")
    if not decision_reference:
        raise CatalogueError(_l("Enter the decision's reference (diarienummer)."), "decision_reference")


def create_version(area: Area, valid_from: date | None, decision_reference: str | None, title_sv: str | None,
                   title_en: str | None = None) -> Rulebook:
    """Version N+1 as a copy of the newest version (all chapters and norms), applying from ``valid_from``."""
    newest = newest_rulebook(area)
    if newest is None:
        raise CatalogueError(_l("This customer choice has no authorisation conditions to start from."))
    if valid_from is None:
        raise CatalogueError(_l("Enter the date from which the new version applies."), "valid_from")
    if valid_from <= newest.valid_from:
        raise CatalogueError(_l("The new version must apply from a date later than %(date)s, when version "
                                "%(version)d applies from.", date=long_date(newest.valid_from),
                                version=newest.version), "valid_from")
    title_sv, title_en, decision_reference = _clean(title_sv), _clean(title_en), _clean(decision_reference)
    _check_title_and_reference(title_sv, decision_reference)

    rulebook = Rulebook(area_id=area.id, version=newest.version + 1, valid_from=valid_from,
                        decision_reference=decision_reference, title_sv=title_sv, title_en=title_en)
    chapters: dict[int, RulebookChapter] = {}
    for chapter in newest.chapters:
        chapters[chapter.id] = RulebookChapter(rulebook=rulebook, number=chapter.number,
                                               title_sv=chapter.title_sv, title_en=chapter.title_en)
    for norm in newest.norms:
        copy = Norm(key=norm.key, code=norm.code, position=norm.position,
                    **{f"{f}_{lang}": getattr(norm, f"{f}_{lang}") for f in NORM_TEXT_FIELDS for lang in ("sv", "en")})
        copy.rulebook = rulebook
        copy.chapter = chapters[norm.chapter_id]
    db.session.add(rulebook)
    try:
        db.session.commit()
    except IntegrityError as error:  # someone else made version N+1 at the same moment
        db.session.rollback()
        raise CatalogueError(_l("Another version was created at the same time. Reload the page and try "
                                "again.")) from error
    return rulebook


def update_version_details(rulebook: Rulebook, valid_from: date | None, decision_reference: str | None,
                           title_sv: str | None, title_en: str | None, today: date | None = None) -> None:
    """Change the date, decision reference and title of a version that can still be changed."""
    require_editable(rulebook, today)
    if valid_from is None:
        raise CatalogueError(_l("Enter the date from which the new version applies."), "valid_from")
    neighbours = list(db.session.scalars(select(Rulebook).where(Rulebook.area_id == rulebook.area_id,
                                                                Rulebook.id != rulebook.id)))
    earlier = [r for r in neighbours if r.version < rulebook.version]
    later = [r for r in neighbours if r.version > rulebook.version]
    if earlier:
        previous = max(earlier, key=lambda r: r.version)
        if valid_from <= previous.valid_from:
            raise CatalogueError(_l("Version %(version)d must apply from a date later than %(date)s, when "
                                    "version %(previous)d applies from.", version=rulebook.version,
                                    date=long_date(previous.valid_from), previous=previous.version), "valid_from")
    if later:
        following = min(later, key=lambda r: r.version)
        if valid_from >= following.valid_from:
            raise CatalogueError(_l("Version %(version)d must apply from a date earlier than %(date)s, when "
                                    "version %(next)d applies from.", version=rulebook.version,
                                    date=long_date(following.valid_from), next=following.version), "valid_from")
    title_sv, title_en, decision_reference = _clean(title_sv), _clean(title_en), _clean(decision_reference)
    _check_title_and_reference(title_sv, decision_reference)
    rulebook.valid_from = valid_from
    rulebook.decision_reference = decision_reference
    rulebook.title_sv = title_sv
    rulebook.title_en = title_en
    db.session.commit()


# --- Norms and chapters ------------------------------------------------------------------------------

NORM_REQUIRED = {
    "title": _l("Enter the norm's title in Swedish."),
    "requirement": _l("Enter the requirement in Swedish."),
    "guidance": _l("Enter the guidance in Swedish."),
}


def _norm_texts(texts: dict[str, str | None]) -> dict[str, str | None]:
    cleaned = {f"{field}_{lang}": _clean(texts.get(f"{field}_{lang}"))
               for field in NORM_TEXT_FIELDS for lang in ("sv", "en")}
    for field in NORM_TEXT_FIELDS:
        if cleaned[f"{field}_sv"] is None:
            raise CatalogueError(NORM_REQUIRED[field], f"{field}_sv")
    for key in ("title_sv", "title_en"):
        if cleaned[key] and len(cleaned[key]) > _LIMITS["title"]:
            raise CatalogueError(_l("Write at most %(max)d characters.", max=_LIMITS["title"]), key)
    return cleaned


def update_norm(rulebook: Rulebook, norm: Norm, texts: dict[str, str | None], today: date | None = None) -> bool:
    """Change a norm's title, requirement and guidance (Swedish required, English optional)."""
    require_editable(rulebook, today)
    if norm.rulebook_id != rulebook.id:
        raise CatalogueError(_l("The norm does not belong to this version."))
    cleaned = _norm_texts(texts)
    changed = False
    for key, value in cleaned.items():
        if getattr(norm, key) != value:
            setattr(norm, key, value)
            changed = True
    db.session.commit()
    return changed


def _unique_key(area: Area, title_sv: str) -> str:
    """A key for a new norm: from its title, unique among all the area's versions (keys are stable)."""
    taken = set(db.session.scalars(select(Norm.key).join(Rulebook).where(Rulebook.area_id == area.id)))
    base = slugify(title_sv)[:KEY_MAX - 4].strip("-") or "norm"
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


def _next_code(chapter: RulebookChapter) -> str:
    pattern = re.compile(rf"^{chapter.number}\.(\d+)$")
    numbers = [int(m.group(1)) for n in chapter.norms if (m := pattern.match(n.code))]
    return f"{chapter.number}.{max(numbers, default=0) + 1}"


def add_norm(rulebook: Rulebook, chapter: RulebookChapter, texts: dict[str, str | None],
             today: date | None = None) -> Norm:
    """A new norm last in ``chapter``: its key made unique in the area, its code ``<chapter>.<n>``."""
    require_editable(rulebook, today)
    if chapter.rulebook_id != rulebook.id:
        raise CatalogueError(_l("The chapter does not belong to this version."))
    cleaned = _norm_texts(texts)
    norms = list(rulebook.norms)
    in_chapter_or_before = [n.position for n in norms if n.chapter.number <= chapter.number]
    position = max(in_chapter_or_before, default=0) + 1
    for other in norms:  # make room: the norms of later chapters move one step down
        if other.position >= position:
            other.position += 1
    norm = Norm(rulebook_id=rulebook.id, chapter_id=chapter.id, key=_unique_key(rulebook.area, cleaned["title_sv"]),
                code=_next_code(chapter), position=position, **cleaned)
    db.session.add(norm)
    db.session.commit()
    return norm


def retire_norm(rulebook: Rulebook, norm: Norm, today: date | None = None) -> None:
    """Remove a norm from a version that can still be changed (earlier versions keep theirs)."""
    require_editable(rulebook, today)
    if norm.rulebook_id != rulebook.id:
        raise CatalogueError(_l("The norm does not belong to this version."))
    db.session.delete(norm)
    db.session.commit()


def add_chapter(rulebook: Rulebook, title_sv: str | None, title_en: str | None = None,
                today: date | None = None) -> RulebookChapter:
    """A new chapter last in the version, numbered after the last one."""
    require_editable(rulebook, today)
    title_sv, title_en = _clean(title_sv), _clean(title_en)
    if not title_sv:
        raise CatalogueError(_l("Enter the chapter's title in Swedish."), "title_sv")
    for key, value in (("title_sv", title_sv), ("title_en", title_en)):
        if value and len(value) > _LIMITS["title"]:
            raise CatalogueError(_l("Write at most %(max)d characters.", max=_LIMITS["title"]), key)
    number = max((c.number for c in rulebook.chapters), default=0) + 1
    chapter = RulebookChapter(rulebook_id=rulebook.id, number=number, title_sv=title_sv, title_en=title_en)
    db.session.add(chapter)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise CatalogueError(_l("Another chapter was added at the same time. Reload the page and try "
                                "again.")) from error
    return chapter
