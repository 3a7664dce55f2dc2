"""Everything a unit page shows, per customer choice the unit is in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, Area, Authorisation, FollowUp, FollowUpStatus, Unit
from jamforaren.services.listing import public_authorisations
from jamforaren.services.registry import unit_areas
from jamforaren.services.measures import FigureRow, SurveyBlock, figure_rows, survey_blocks

OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.ANSWERED, ActionStatus.RETURNED)


@dataclass
class AttributeFact:
    definition: dict[str, Any]
    values: list[str]


@dataclass
class AreaSection:
    authorisation: Authorisation
    attributes: list[AttributeFact]
    follow_up: FollowUp | None
    open_actions: list[Action]
    surveys: list[SurveyBlock]
    figures: list[FigureRow]

    @property
    def area(self) -> Area:
        return self.authorisation.area


def attribute_facts(unit: Unit, area: Area) -> list[AttributeFact]:
    values = unit.attribute_values(area.id)
    return [AttributeFact(d, values[d["key"]]) for d in area.attribute_definitions if d["key"] in values]


def latest_published_follow_ups(area: Area, unit_ids: list[int]) -> dict[int, FollowUp]:
    """Each unit's newest published follow-up in the area."""
    follow_ups = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.area_id == area.id, FollowUp.unit_id.in_(unit_ids),
               FollowUp.status == FollowUpStatus.PUBLISHED, FollowUp.superseded_at.is_(None))
        .options(selectinload(FollowUp.assessments), selectinload(FollowUp.actions))
        .order_by(FollowUp.year, FollowUp.version)
    )
    return {f.unit_id: f for f in follow_ups}  # later rows overwrite earlier: the newest wins


def area_slugs_of(unit_slug: str) -> tuple[str, ...]:
    """The areas the unit is in, whatever the status: every area its page can have a section for."""
    unit = db.session.scalar(select(Unit).where(Unit.slug == unit_slug))
    return tuple(area.slug for area in unit_areas(unit)) if unit else ()


def area_sections(unit: Unit) -> list[AreaSection]:
    sections = []
    for authorisation in public_authorisations(unit):
        area = authorisation.area
        follow_up = latest_published_follow_ups(area, [unit.id]).get(unit.id)
        sections.append(AreaSection(
            authorisation=authorisation,
            attributes=attribute_facts(unit, area),
            follow_up=follow_up,
            open_actions=[a for a in follow_up.actions if a.status in OPEN_ACTION_STATUSES] if follow_up else [],
            surveys=survey_blocks(area, [unit.id])[unit.id],
            figures=figure_rows(area, [unit.id])[unit.id],
        ))
    return sections
