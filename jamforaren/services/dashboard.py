"""The officer's overview: per area, this year's follow-up coverage, overdue actions, pending profile
changes and new comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Action, ActionStatus, Area, Authorisation, AuthorisationStatus, Comment, CommentStatus, FollowUp,
    FollowUpStatus, ProfileRevision, RevisionStatus, Unit,
)

OVERDUE_STATUSES = (ActionStatus.OPEN, ActionStatus.RETURNED)


@dataclass
class AreaOverview:
    area: Area
    year: int
    authorised: int = 0
    published: int = 0
    drafts: int = 0
    missing_units: list[Unit] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)
    pending_revisions: int = 0
    new_comments: int = 0

    @property
    def missing(self) -> int:
        return len(self.missing_units)


def area_overview(area: Area, year: int, today: date) -> AreaOverview:
    overview = AreaOverview(area=area, year=year)
    authorised = list(db.session.scalars(
        select(Unit).join(Authorisation)
        .where(Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED)
        .order_by(func.lower(Unit.name))
    ))
    overview.authorised = len(authorised)
    current = dict(db.session.execute(
        select(FollowUp.unit_id, FollowUp.status)
        .where(FollowUp.area_id == area.id, FollowUp.year == year, FollowUp.superseded_at.is_(None))
    ).all())
    for unit in authorised:
        status = current.get(unit.id)
        if status is FollowUpStatus.PUBLISHED:
            overview.published += 1
        elif status is FollowUpStatus.DRAFT:
            overview.drafts += 1
        else:
            overview.missing_units.append(unit)
    overview.overdue_actions = list(db.session.scalars(
        select(Action).join(FollowUp)
        .where(FollowUp.area_id == area.id, FollowUp.status == FollowUpStatus.PUBLISHED,
               Action.status.in_(OVERDUE_STATUSES), Action.due_on < today)
        .order_by(Action.due_on)
    ))
    unit_ids = select(Authorisation.unit_id).where(Authorisation.area_id == area.id)
    overview.pending_revisions = db.session.scalar(
        select(func.count()).select_from(ProfileRevision)
        .where(ProfileRevision.status == RevisionStatus.PENDING, ProfileRevision.unit_id.in_(unit_ids))) or 0
    overview.new_comments = db.session.scalar(
        select(func.count()).select_from(Comment)
        .where(Comment.status == CommentStatus.NEW, Comment.area_id == area.id)) or 0
    return overview


def overview(areas: list[Area], today: date | None = None) -> list[AreaOverview]:
    today = today or date.today()
    return [area_overview(area, today.year, today) for area in areas]
