"""The required actions (åtgärder) of published follow-ups: the provider answers, the officer accepts or
returns.

- A provider's editor answers an action of its own unit's current, published follow-up while the action is
  open or returned: what was done and the date it was done (not in the future, not before the follow-up).
  The action is then *answered* and waits for the area's officers.
- An officer of the follow-up's area accepts an answered action (it is done) or returns it with a comment;
  a returned action shows the comment to the provider, who may answer again.

Every function checks the permission first (``services.permissions``, 403), validates, and only then writes
and commits; the audit listener records each change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jamforaren.extensions import db
from jamforaren.models import Action, ActionStatus, FollowUp, FollowUpStatus, Unit, User
from jamforaren.services.permissions import (
    can_answer_action, can_review_action, editor_provider_ids, officer_area_ids, require,
)

ANSWERABLE = (ActionStatus.OPEN, ActionStatus.RETURNED)
RESPONSE_MAX = 4000
COMMENT_MAX = 2000


class ActionError(ValueError):
    """An answer or review that breaks a rule; ``errors`` maps "response", "done_on", "comment" (or None
    for the action as a whole) to a translated message."""

    def __init__(self, errors: dict[str | None, Any]) -> None:
        self.errors = errors
        super().__init__(str(next(iter(errors.values()))))


def _current_published() -> Any:
    return (FollowUp.status == FollowUpStatus.PUBLISHED) & FollowUp.superseded_at.is_(None)


def is_live(action: Action) -> bool:
    """An action of a follow-up that is published and current (not replaced by a correction)."""
    follow_up = action.follow_up
    return follow_up.status is FollowUpStatus.PUBLISHED and follow_up.superseded_at is None


# --- reading -------------------------------------------------------------------------------------------


def unit_follow_ups(unit: Unit) -> list[FollowUp]:
    """The unit's published, current follow-ups, newest year first."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.unit_id == unit.id, _current_published())
        .options(selectinload(FollowUp.actions), selectinload(FollowUp.area))
        .order_by(FollowUp.year.desc(), FollowUp.area_id)))


def provider_actions(user: User, statuses: tuple[ActionStatus, ...] = ANSWERABLE) -> list[Action]:
    """The actions with the given statuses of the published follow-ups of the user's providers' units."""
    providers = editor_provider_ids(user)
    return list(db.session.scalars(
        select(Action).join(FollowUp).join(Unit, Unit.id == FollowUp.unit_id)
        .where(Unit.provider_id.in_(providers or [-1]), _current_published(), Action.status.in_(statuses))
        .options(selectinload(Action.follow_up).selectinload(FollowUp.unit))
        .order_by(Action.due_on, Action.id)))


def action_by_id(action_id: int) -> Action | None:
    return db.session.scalar(select(Action).where(Action.id == action_id).options(
        selectinload(Action.follow_up).selectinload(FollowUp.unit), selectinload(Action.norm)))


def awaiting_review(user: User) -> list[Action]:
    """Answered actions of published follow-ups in the officer's areas, the earliest answered first."""
    areas = officer_area_ids(user)
    query = (select(Action).join(FollowUp).where(_current_published(), Action.status == ActionStatus.ANSWERED)
             .options(selectinload(Action.follow_up).selectinload(FollowUp.unit),
                      selectinload(Action.follow_up).selectinload(FollowUp.area))
             .order_by(Action.responded_on, Action.id))
    if areas is not None:
        query = query.where(FollowUp.area_id.in_(areas or [-1]))
    return list(db.session.scalars(query))


# --- the provider answers ------------------------------------------------------------------------------


def answer_problems(action: Action, response: str | None, done_on: date | None, today: date | None = None
                    ) -> dict[str | None, Any]:
    today = today or date.today()
    errors: dict[str | None, Any] = {}
    text = (response or "").strip()
    if not text:
        errors["response"] = _l("Describe what was done.")
    elif len(text) > RESPONSE_MAX:
        errors["response"] = _l("At most %(max)d characters.", max=RESPONSE_MAX)
    conducted = action.follow_up.conducted_on
    if done_on is None:
        errors["done_on"] = _l("Enter the date it was done.")
    elif done_on > today:
        errors["done_on"] = _l("The date cannot be in the future.")
    elif conducted is not None and done_on < conducted:
        errors["done_on"] = _l("The date cannot be before the follow-up, %(date)s.", date=conducted.isoformat())
    return errors


def answer(user: User, action: Action, response: str | None, done_on: date | None,
           today: date | None = None) -> Action:
    """The provider's answer: what was done and when. The action then waits for the officer's review."""
    require(can_answer_action(user, action))
    if not is_live(action) or action.status not in ANSWERABLE:
        raise ActionError({None: _l("This action cannot be answered now: it waits for the municipality's "
                                    "review or is done.")})
    errors = answer_problems(action, response, done_on, today)
    if errors:
        raise ActionError(errors)
    action.response = (response or "").strip()
    action.responded_on = done_on
    action.status = ActionStatus.ANSWERED
    db.session.commit()
    return action


# --- the officer reviews -------------------------------------------------------------------------------


def _check_review(user: User, action: Action) -> None:
    require(can_review_action(user, action))
    if not is_live(action) or action.status is not ActionStatus.ANSWERED:
        raise ActionError({None: _l("Only an answered action can be accepted or returned.")})


def _comment(comment: str | None, required: bool) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise ActionError({"comment": _l("Say what is missing; the provider will see the comment.")})
    if len(text) > COMMENT_MAX:
        raise ActionError({"comment": _l("At most %(max)d characters.", max=COMMENT_MAX)})
    return text or None


def accept(user: User, action: Action, comment: str | None = None) -> Action:
    """The action is done; an optional comment goes to the provider."""
    _check_review(user, action)
    action.review_comment = _comment(comment, required=False)
    action.status = ActionStatus.ACCEPTED
    db.session.commit()
    return action


def return_to_provider(user: User, action: Action, comment: str | None) -> Action:
    """The answer is not enough: back to the provider with a comment saying why."""
    _check_review(user, action)
    action.review_comment = _comment(comment, required=True)
    action.status = ActionStatus.RETURNED
    db.session.commit()
    return action
