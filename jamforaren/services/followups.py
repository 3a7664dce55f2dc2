"""The annual quality follow-up (kvalitetsuppföljning): create, fill in, publish and correct.

The rules live here; the back office's views, tests and any command call these functions. Every write
checks first that the user manages the follow-up's area (``permissions.require_area``, 403 otherwise),
then validates everything, and only then writes and commits (the audit listener records each change).

Versions. A follow-up is a draft until it is published, and a published one is never changed: it is
corrected by a new version (a draft copied from it, with a reason) that supersedes it when it is
published; the old version stays readable. The table allows one *current* row per unit × area × year
(``superseded_at IS NULL``, a partial unique index), and the published version must stay current — on
the unit page and in the dashboard — until its correction is published. So a correction draft is
stored as *pending*: status draft with ``superseded_at`` set (to when it was started). Publishing it
supersedes the old version and makes the correction current, in one transaction. (Only published
versions are ever superseded, so "draft with ``superseded_at``" always means a pending correction.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.models import (
    Action, Area, Assessment, Authorisation, AuthorisationStatus, FollowUp, FollowUpMethod, FollowUpStatus,
    Norm, Rating, Rulebook, Unit, User,
)
from jamforaren.services.listing import Page, paginate
from jamforaren.services.permissions import officer_area_ids, require_area

DEFAULT_METHODS = (FollowUpMethod.DOCUMENTS, FollowUpMethod.VISIT)
FOLLOWABLE_STATUSES = (AuthorisationStatus.AUTHORISED,)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the table's check constraint
FINDINGS_MAX = 20_000
SUMMARY_MAX = 4_000
COMMENT_MAX = 4_000
ACTION_MAX = 2_000
REASON_MAX = 2_000


# -- errors ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One broken rule: ``target`` names what it concerns (for the form to point at), e.g. ``"summary_sv"``,
    ``"norm:12"``, ``"action:7:due_on"``, ``"new_action:description"``; None for the follow-up as a whole."""

    target: str | None
    message: Any  # a lazy translated string


class FollowUpError(ValueError):
    """A follow-up rule is broken; ``problems`` lists every problem found (each with its translated message)."""

    def __init__(self, *problems: Problem | Any) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem(None, p) for p in problems]
        super().__init__()

    @property
    def message(self) -> Any:
        return self.problems[0].message

    def __str__(self) -> str:
        return " ".join(str(p.message) for p in self.problems)


class NotEditable(FollowUpError):
    """The follow-up is published: it can only be corrected as a new version."""


class PublishRefused(FollowUpError):
    """The follow-up is not complete; every problem is listed."""


# -- reading -------------------------------------------------------------------------------------------------

def is_pending_correction(follow_up: FollowUp) -> bool:
    return follow_up.status is FollowUpStatus.DRAFT and follow_up.superseded_at is not None


def is_current(follow_up: FollowUp) -> bool:
    return follow_up.superseded_at is None


def versions(follow_up: FollowUp) -> list[FollowUp]:
    """Every version of this unit's follow-up in the area that year, oldest first."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.unit_id == follow_up.unit_id, FollowUp.area_id == follow_up.area_id,
                               FollowUp.year == follow_up.year).order_by(FollowUp.version)
    ))


def pending_correction(follow_up: FollowUp) -> FollowUp | None:
    return next((v for v in versions(follow_up) if is_pending_correction(v)), None)


def get(user: User, follow_up_id: int) -> FollowUp | None:
    """A follow-up the user may read (403 for one outside the user's areas), or None if there is none."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is not None:
        require_area(user, follow_up.area_id)
    return follow_up


def norm_by_id(follow_up: FollowUp) -> dict[int, Norm]:
    return {norm.id: norm for norm in follow_up.rulebook.norms}


def assessment_by_norm(follow_up: FollowUp) -> dict[int, Assessment]:
    return {assessment.norm_id: assessment for assessment in follow_up.assessments}


@dataclass
class ListFilter:
    area_ids: list[int] | None = None  # None: every area the user manages
    year: int | None = None
    status: FollowUpStatus | None = None
    page: int = 1
    per_page: int = 50


def list_follow_ups(user: User, wanted: ListFilter) -> Page[FollowUp]:
    """The current follow-ups (and pending corrections) in the user's areas, newest year first."""
    managed = officer_area_ids(user)
    query = (
        select(FollowUp).join(Unit, Unit.id == FollowUp.unit_id).join(Area, Area.id == FollowUp.area_id)
        .where(or_(FollowUp.superseded_at.is_(None), FollowUp.status == FollowUpStatus.DRAFT))
        .options(selectinload(FollowUp.unit), selectinload(FollowUp.area), selectinload(FollowUp.assessments),
                 selectinload(FollowUp.rulebook).selectinload(Rulebook.norms))
        .order_by(FollowUp.year.desc(), Area.process_id, Area.position, func.lower(Unit.name), FollowUp.version)
    )
    if managed is not None:
        query = query.where(FollowUp.area_id.in_(managed or [-1]))
    if wanted.area_ids is not None:
        query = query.where(FollowUp.area_id.in_(wanted.area_ids or [-1]))
    if wanted.year is not None:
        query = query.where(FollowUp.year == wanted.year)
    if wanted.status is not None:
        query = query.where(FollowUp.status == wanted.status)
    return paginate(query, wanted.page, wanted.per_page)


def years_with_follow_ups(user: User) -> list[int]:
    managed = officer_area_ids(user)
    query = select(FollowUp.year).distinct().order_by(FollowUp.year.desc())
    if managed is not None:
        query = query.where(FollowUp.area_id.in_(managed or [-1]))
    return list(db.session.scalars(query))


def followable_units(areas: Iterable[Area]) -> list[tuple[Area, list[Unit]]]:
    """Per area, the units authorised there (those a follow-up can be made of), by name."""
    areas = list(areas)
    rows = db.session.execute(
        select(Authorisation.area_id, Unit).join(Unit, Unit.id == Authorisation.unit_id)
        .where(Authorisation.area_id.in_([a.id for a in areas] or [-1]),
               Authorisation.status.in_(FOLLOWABLE_STATUSES))
        .order_by(func.lower(Unit.name), Unit.id)
    ).all()
    by_area: dict[int, list[Unit]] = {}
    for area_id, unit in rows:
        by_area.setdefault(area_id, []).append(unit)
    return [(area, by_area.get(area.id, [])) for area in areas]


def rulebook_in_force(area: Area, year: int, on: date | None = None) -> Rulebook | None:
    """The area's newest rulebook valid on the follow-up's date (or by the end of the year when there is no
    date yet); the oldest when none was valid yet; None when the area has no rulebook."""
    day = on or date(year, 12, 31)
    rulebooks = sorted(area.rulebooks, key=lambda r: (r.valid_from, r.version))
    valid = [r for r in rulebooks if r.valid_from <= day]
    if valid:
        return valid[-1]
    return rulebooks[0] if rulebooks else None


# -- creating ------------------------------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(UTC)


def create(user: User, unit: Unit, area: Area, year: int, today: date | None = None) -> FollowUp:
    """A new draft of ``unit``'s follow-up in ``area`` for ``year``, with today's date (when in that year),
    document review and a visit as methods, and the rulebook in force."""
    require_area(user, area.id)
    today = today or date.today()
    if not FIRST_YEAR <= year <= today.year + 1:
        raise FollowUpError(Problem("year", _l("Choose a year between %(first)d and %(last)d.",
                                               first=FIRST_YEAR, last=today.year + 1)))
    authorisation = db.session.scalar(select(Authorisation).where(Authorisation.unit_id == unit.id,
                                                                  Authorisation.area_id == area.id))
    if authorisation is None or authorisation.status not in FOLLOWABLE_STATUSES:
        raise FollowUpError(Problem("unit", _l("%(unit)s is not authorised in %(area)s.",
                                               unit=unit.name, area=_area_name(area))))
    existing = existing_follow_up(unit, area, year)
    if existing is not None:
        raise FollowUpError(Problem("unit", _duplicate_message(unit, area, year)))
    conducted_on = today if today.year == year else None
    rulebook = rulebook_in_force(area, year, conducted_on)
    if rulebook is None:
        raise FollowUpError(Problem("unit", _l("%(area)s has no authorisation conditions to follow up against.",
                                               area=_area_name(area))))
    follow_up = FollowUp(unit=unit, area=area, rulebook=rulebook, year=year, version=1,
                         methods=[m.value for m in DEFAULT_METHODS], conducted_on=conducted_on,
                         status=FollowUpStatus.DRAFT, findings_sv="", summary_sv="")
    db.session.add(follow_up)
    try:
        db.session.commit()
    except IntegrityError:  # someone created it at the same moment
        db.session.rollback()
        raise FollowUpError(Problem("unit", _duplicate_message(unit, area, year))) from None
    return follow_up


def existing_follow_up(unit: Unit, area: Area, year: int) -> FollowUp | None:
    """The current (or newest) follow-up of the unit in the area that year, if there is one."""
    return db.session.scalar(
        select(FollowUp).where(FollowUp.unit_id == unit.id, FollowUp.area_id == area.id, FollowUp.year == year)
        .order_by(FollowUp.superseded_at.is_(None).desc(), FollowUp.version.desc()).limit(1)
    )


def _local(obj: Any, name: str) -> str:
    """A content text in the reader's language (Swedish outside a request)."""
    from flask import has_request_context

    from jamforaren.i18n import local
    return str(local(obj, name)) if has_request_context() else getattr(obj, f"{name}_sv")


def _area_name(area: Area) -> str:
    return _local(area, "name")


def _duplicate_message(unit: Unit, area: Area, year: int) -> Any:
    return _l("%(unit)s already has a follow-up in %(area)s for %(year)d. Open it from the list instead.",
              unit=unit.name, area=_area_name(area), year=year)


# -- the draft -----------------------------------------------------------------------------------------------

class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass
class ActionInput:
    description: str
    due_on: date | None
    norm_id: int | None = None


@dataclass
class DraftInput:
    """What a save changes; ``UNCHANGED`` (the default) leaves a field as it is.

    ``assessments`` maps a norm id to (rating, comment): a rating of None keeps the present rating (a norm
    nobody has rated stays unassessed), a comment of None keeps the present comment. ``actions`` changes
    existing actions by id; ``new_action`` adds one.
    """

    methods: Any = UNCHANGED             # list of FollowUpMethod values
    conducted_on: Any = UNCHANGED        # date or None
    findings_sv: Any = UNCHANGED
    summary_sv: Any = UNCHANGED
    summary_en: Any = UNCHANGED          # str or None
    correction_reason: Any = UNCHANGED
    assessments: dict[int, tuple[Rating | str | None, str | None]] = field(default_factory=dict)
    actions: dict[int, ActionInput] = field(default_factory=dict)
    new_action: ActionInput | None = None


@dataclass
class SaveResult:
    rulebook_changed: bool = False
    added_action: Action | None = None


def _require_draft(follow_up: FollowUp) -> None:
    if follow_up.status is not FollowUpStatus.DRAFT:
        raise NotEditable(_l("A published follow-up cannot be changed. Correct it instead: the correction "
                             "becomes a new version and the published one is kept."))


def _norm_name(norm: Norm) -> str:
    return f"{norm.code} {_local(norm, 'title')}"


def _check_text(problems: list[Problem], target: str, value: Any, maximum: int, label: Any) -> None:
    if value is not UNCHANGED and value is not None and len(value) > maximum:
        problems.append(Problem(target, _l("%(field)s can be at most %(max)d characters long.",
                                           field=label, max=maximum)))


def _check_action(problems: list[Problem], prefix: str, data: ActionInput, norms: dict[int, Norm],
                  conducted_on: date | None) -> None:
    if not data.description.strip():
        problems.append(Problem(f"{prefix}:description", _l("Describe the action.")))
    elif len(data.description) > ACTION_MAX:
        problems.append(Problem(f"{prefix}:description", _l("An action can be described in at most %(max)d "
                                                            "characters.", max=ACTION_MAX)))
    if data.due_on is None:
        problems.append(Problem(f"{prefix}:due_on", _l("Enter the date by which the action must be done.")))
    elif conducted_on is not None and data.due_on <= conducted_on:
        problems.append(Problem(f"{prefix}:due_on", _l("The due date must be after the follow-up's date, %(date)s.",
                                                       date=conducted_on.isoformat())))
    if data.norm_id is not None and data.norm_id not in norms:
        problems.append(Problem(f"{prefix}:norm", _l("Choose a norm of this follow-up's authorisation conditions.")))


def _validate(follow_up: FollowUp, data: DraftInput) -> list[Problem]:
    problems: list[Problem] = []
    norms = norm_by_id(follow_up)
    if data.methods is not UNCHANGED:
        known = {m.value for m in FollowUpMethod}
        if any(m not in known for m in data.methods):
            problems.append(Problem("methods", _l("Choose the methods from the list.")))
    conducted_on = follow_up.conducted_on if data.conducted_on is UNCHANGED else data.conducted_on
    if data.conducted_on is not UNCHANGED and data.conducted_on is not None and data.conducted_on.year != follow_up.year:
        problems.append(Problem("conducted_on", _l("The follow-up is for %(year)d: enter a date in %(year)d.",
                                                   year=follow_up.year)))
        conducted_on = follow_up.conducted_on
    _check_text(problems, "findings_sv", data.findings_sv, FINDINGS_MAX, _l("Findings"))
    _check_text(problems, "summary_sv", data.summary_sv, SUMMARY_MAX, _l("Public summary in Swedish"))
    _check_text(problems, "summary_en", data.summary_en, SUMMARY_MAX, _l("Public summary in English"))
    if data.correction_reason is not UNCHANGED and follow_up.version > 1:
        if not (data.correction_reason or "").strip():
            problems.append(Problem("correction_reason", _l("Say why the follow-up is corrected.")))
        _check_text(problems, "correction_reason", data.correction_reason, REASON_MAX, _l("Reason for the correction"))
    assessed = assessment_by_norm(follow_up)
    for norm_id, (rating, comment) in data.assessments.items():
        norm = norms.get(norm_id)
        if norm is None:
            problems.append(Problem(None, _l("The form is out of date: reload the page and try again.")))
            continue
        if rating is not None and rating not in {r.value for r in Rating}:
            problems.append(Problem(f"norm:{norm_id}", _l("Choose one of the assessments for %(norm)s.",
                                                          norm=_norm_name(norm))))
        elif rating is None and (comment or "").strip() and norm_id not in assessed:
            problems.append(Problem(f"norm:{norm_id}", _l("Choose an assessment for %(norm)s, or clear its comment.",
                                                          norm=_norm_name(norm))))
        if comment is not None and len(comment) > COMMENT_MAX:
            problems.append(Problem(f"norm:{norm_id}", _l("The comment on %(norm)s can be at most %(max)d "
                                                          "characters long.", norm=_norm_name(norm), max=COMMENT_MAX)))
    actions = {a.id: a for a in follow_up.actions}
    for action_id, action_data in data.actions.items():
        if action_id not in actions:
            problems.append(Problem(None, _l("The form is out of date: reload the page and try again.")))
            continue
        _check_action(problems, f"action:{action_id}", action_data, norms, conducted_on)
    if data.new_action is not None:
        _check_action(problems, "new_action", data.new_action, norms, conducted_on)
    return problems


def _switch_rulebook(follow_up: FollowUp, rulebook: Rulebook) -> None:
    """Move the assessments and actions to the norms with the same keys in ``rulebook`` (a norm's key is
    stable across versions); assessments of norms the new rulebook lacks are dropped."""
    by_key = {norm.key: norm for norm in rulebook.norms}
    for assessment in list(follow_up.assessments):
        norm = by_key.get(assessment.norm.key)
        if norm is None:
            follow_up.assessments.remove(assessment)
            db.session.delete(assessment)  # explicitly, so the audit log records it
        else:
            assessment.norm = norm
    for action in follow_up.actions:
        if action.norm is not None:
            action.norm = by_key.get(action.norm.key)
    follow_up.rulebook = rulebook


def _apply(follow_up: FollowUp, data: DraftInput) -> SaveResult:
    result = SaveResult()
    norms = norm_by_id(follow_up)
    if data.methods is not UNCHANGED:
        order = [m.value for m in FollowUpMethod]
        follow_up.methods = sorted(set(data.methods), key=order.index)
    for name in ("findings_sv", "summary_sv"):
        value = getattr(data, name)
        if value is not UNCHANGED:
            setattr(follow_up, name, (value or "").strip())
    if data.summary_en is not UNCHANGED:
        follow_up.summary_en = (data.summary_en or "").strip() or None
    if data.correction_reason is not UNCHANGED and follow_up.version > 1:
        follow_up.correction_reason = data.correction_reason.strip()
    assessed = assessment_by_norm(follow_up)
    for norm_id, (rating, comment) in data.assessments.items():
        existing = assessed.get(norm_id)
        if existing is None:
            if rating is None:
                continue
            follow_up.assessments.append(Assessment(norm=norms[norm_id], rating=Rating(rating),
                                                    comment=(comment or "").strip()))
        else:
            if rating is not None and existing.rating is not Rating(rating):
                existing.rating = Rating(rating)
            if comment is not None and existing.comment != comment.strip():
                existing.comment = comment.strip()
    actions = {a.id: a for a in follow_up.actions}
    for action_id, action_data in data.actions.items():
        _set_action(actions[action_id], action_data, norms)
    if data.new_action is not None:
        action = Action()
        _set_action(action, data.new_action, norms)
        follow_up.actions.append(action)
        result.added_action = action
    if data.conducted_on is not UNCHANGED and data.conducted_on != follow_up.conducted_on:
        follow_up.conducted_on = data.conducted_on
        rulebook = rulebook_in_force(follow_up.area, follow_up.year, data.conducted_on)
        if rulebook is not None and rulebook.id != follow_up.rulebook_id:
            _switch_rulebook(follow_up, rulebook)
            result.rulebook_changed = True
    return result


def _set_action(action: Action, data: ActionInput, norms: dict[int, Norm]) -> None:
    description = data.description.strip()
    if action.description != description:
        action.description = description
    if action.due_on != data.due_on:
        action.due_on = data.due_on
    norm = norms.get(data.norm_id) if data.norm_id is not None else None
    if action.norm_id != (norm.id if norm else None):
        action.norm = norm


def save_draft(user: User, follow_up: FollowUp, data: DraftInput) -> SaveResult:
    """Everything an officer changes on the draft's page, validated in full and saved in one commit."""
    require_area(user, follow_up.area_id)
    _require_draft(follow_up)
    problems = _validate(follow_up, data)
    if problems:
        raise FollowUpError(*problems)
    result = _apply(follow_up, data)
    db.session.commit()
    return result


def update_draft(user: User, follow_up: FollowUp, **changes: Any) -> SaveResult:
    """Change some of the draft's fields: methods, conducted_on, findings_sv, summary_sv, summary_en,
    correction_reason."""
    return save_draft(user, follow_up, DraftInput(**changes))


def assess(user: User, follow_up: FollowUp, norm: Norm, rating: Rating, comment: str = "") -> Assessment:
    """Set one norm's assessment (rating and comment)."""
    save_draft(user, follow_up, DraftInput(assessments={norm.id: (rating, comment)}))
    return assessment_by_norm(follow_up)[norm.id]


def add_action(user: User, follow_up: FollowUp, description: str, due_on: date | None,
               norm: Norm | None = None) -> Action:
    result = save_draft(user, follow_up, DraftInput(new_action=ActionInput(description, due_on,
                                                                           norm.id if norm else None)))
    assert result.added_action is not None
    return result.added_action


def change_action(user: User, action: Action, description: str, due_on: date | None,
                  norm: Norm | None = None) -> Action:
    save_draft(user, action.follow_up, DraftInput(actions={action.id: ActionInput(description, due_on,
                                                                                  norm.id if norm else None)}))
    return action


def remove_action(user: User, action: Action) -> None:
    follow_up = action.follow_up
    require_area(user, follow_up.area_id)
    _require_draft(follow_up)
    # Deleted explicitly: the audit listener sees session.delete(), not a delete-orphan cascade.
    follow_up.actions.remove(action)
    db.session.delete(action)
    db.session.commit()


# -- publishing ----------------------------------------------------------------------------------------------

def publish_problems(follow_up: FollowUp, today: date | None = None) -> list[Problem]:
    """Why the follow-up cannot be published yet: every problem, in the order of the page."""
    today = today or date.today()
    problems: list[Problem] = []
    if not follow_up.methods:
        problems.append(Problem("methods", _l("Choose at least one method.")))
    if follow_up.conducted_on is None:
        problems.append(Problem("conducted_on", _l("Enter the date of the follow-up.")))
    elif follow_up.conducted_on > today:
        problems.append(Problem("conducted_on", _l("The follow-up's date, %(date)s, has not come yet: publish it "
                                                   "once it has been carried out.",
                                                   date=follow_up.conducted_on.isoformat())))
    assessed = assessment_by_norm(follow_up)
    with_action = {a.norm_id for a in follow_up.actions if a.norm_id is not None}
    for norm in follow_up.rulebook.norms:
        assessment = assessed.get(norm.id)
        if assessment is None:
            problems.append(Problem(f"norm:{norm.id}", _l("%(norm)s has not been assessed.", norm=_norm_name(norm))))
        elif assessment.rating is Rating.NOT_MET and norm.id not in with_action:
            problems.append(Problem(f"norm:{norm.id}", _l("%(norm)s is not fulfilled but has no action: add an "
                                                          "action for it.", norm=_norm_name(norm))))
    for action in follow_up.actions:
        if follow_up.conducted_on is not None and action.due_on <= follow_up.conducted_on:
            problems.append(Problem(f"action:{action.id}:due_on",
                                    _l("The action “%(action)s” must be due after the follow-up's date, %(date)s.",
                                       action=_short(action.description), date=follow_up.conducted_on.isoformat())))
    if not follow_up.summary_sv.strip():
        problems.append(Problem("summary_sv", _l("Write the public summary in Swedish.")))
    if follow_up.version > 1 and not (follow_up.correction_reason or "").strip():
        problems.append(Problem("correction_reason", _l("Say why the follow-up is corrected.")))
    return problems


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def publish(user: User, follow_up: FollowUp, today: date | None = None, now: datetime | None = None) -> FollowUp:
    """Publish a complete draft: it shows on the unit page. A correction supersedes the version it corrects."""
    require_area(user, follow_up.area_id)
    _require_draft(follow_up)
    problems = publish_problems(follow_up, today)
    if problems:
        raise PublishRefused(*problems)
    now = now or _now()
    if is_pending_correction(follow_up):
        current = next((v for v in versions(follow_up) if v.id != follow_up.id and v.superseded_at is None), None)
        if current is not None:
            _carry_over_answers(current, follow_up)
        for other in versions(follow_up):
            if other.id != follow_up.id and other.superseded_at is None:
                other.superseded_at = now
        db.session.flush()  # the old version steps down before the correction becomes current (unique index)
        follow_up.superseded_at = None
    follow_up.status = FollowUpStatus.PUBLISHED
    follow_up.published_at = now
    db.session.commit()
    return follow_up


def _carry_over_answers(current: FollowUp, correction: FollowUp) -> None:
    """The provider may answer actions (and the officer review them) on the published version while its
    correction is a draft: carry those answers into the correction so that publishing it loses none.
    Actions are matched by norm and description; an answer that cannot be matched refuses the publication."""
    by_key = {(a.norm_id, a.description.strip()): a for a in correction.actions}
    lost = []
    for old in current.actions:
        new = by_key.get((old.norm_id, old.description.strip()))
        answer = (old.status, old.response, old.responded_on, old.review_comment)
        if new is None:
            if old.response:
                lost.append(old)
            continue
        if answer != (new.status, new.response, new.responded_on, new.review_comment):
            new.status, new.response, new.responded_on, new.review_comment = answer
    if lost:
        raise PublishRefused(*(Problem(None, _l(
            "The provider has answered the action “%(action)s” of the published version, and the correction no "
            "longer has it: keep the action's text unchanged in the correction so that the answer is kept.",
            action=_short(a.description))) for a in lost))


# -- correcting ----------------------------------------------------------------------------------------------

def correct(user: User, follow_up: FollowUp, reason: str, now: datetime | None = None) -> FollowUp:
    """Start a correction of a published follow-up: a new draft version copying everything, with the reason.
    The published version stays current (and public) until the correction is published."""
    require_area(user, follow_up.area_id)
    if follow_up.status is not FollowUpStatus.PUBLISHED:
        raise FollowUpError(Problem(None, _l("Only a published follow-up can be corrected; a draft can be "
                                             "changed directly.")))
    if follow_up.superseded_at is not None:
        raise FollowUpError(Problem(None, _l("This version has already been replaced by a newer one: correct the "
                                             "current version.")))
    pending = pending_correction(follow_up)
    if pending is not None:
        raise FollowUpError(Problem(None, _l("A correction of this follow-up is already in progress (version "
                                             "%(version)d).", version=pending.version)))
    reason = (reason or "").strip()
    if not reason:
        raise FollowUpError(Problem("reason", _l("Say why the follow-up is corrected.")))
    if len(reason) > REASON_MAX:
        raise FollowUpError(Problem("reason", _l("%(field)s can be at most %(max)d characters long.",
                                                 field=_l("Reason for the correction"), max=REASON_MAX)))
    now = now or _now()
    newest = max(v.version for v in versions(follow_up))
    copy = FollowUp(
        unit_id=follow_up.unit_id, area_id=follow_up.area_id, rulebook_id=follow_up.rulebook_id,
        year=follow_up.year, version=newest + 1, methods=list(follow_up.methods),
        conducted_on=follow_up.conducted_on, status=FollowUpStatus.DRAFT, findings_sv=follow_up.findings_sv,
        summary_sv=follow_up.summary_sv, summary_en=follow_up.summary_en, correction_reason=reason,
        superseded_at=now,  # pending: not current until published (see the module's docstring)
        assessments=[Assessment(norm_id=a.norm_id, rating=a.rating, comment=a.comment)
                     for a in follow_up.assessments],
        actions=[Action(norm_id=a.norm_id, description=a.description, due_on=a.due_on, status=a.status,
                        response=a.response, responded_on=a.responded_on, review_comment=a.review_comment)
                 for a in follow_up.actions],
    )
    db.session.add(copy)
    try:
        db.session.commit()
    except IntegrityError:  # another officer started a correction at the same moment
        db.session.rollback()
        raise FollowUpError(Problem(None, _l("A correction of this follow-up is already in progress."))) from None
    return copy
