"""Authorisation decisions: a unit's authorisation in an area moves through its statuses by decisions.

    ansökt ──→ auktoriserad ──→ vilande ──→ auktoriserad (resumed)
      │             │  │           │  │
      │             │  └──────────→ återkallad  (revoked: final)
      └─────────────┴─────────────→ avslutad    (ended: final; from ansökt = rejected or withdrawn)

A revoked or ended authorisation changes only by a new application (→ ansökt), which starts a new
round of decisions in the same history. Every decision has a date (not in the future, not before the
previous decision), a reason, and for authorising, suspending and revoking a decision reference
(diarienummer). Only the area's officers (and administrators) decide. The public lists follow the
current status at once: only authorised units are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.labels import AUTHORISATION_STATUS
from jamforaren.models import (
    Area, Authorisation, AuthorisationEvent, AuthorisationStatus, Rulebook, Unit, User,
)
from jamforaren.services.permissions import require_area

S = AuthorisationStatus

TRANSITIONS: dict[AuthorisationStatus, tuple[AuthorisationStatus, ...]] = {
    S.APPLIED: (S.AUTHORISED, S.ENDED),
    S.AUTHORISED: (S.SUSPENDED, S.REVOKED, S.ENDED),
    S.SUSPENDED: (S.AUTHORISED, S.REVOKED, S.ENDED),
    S.REVOKED: (S.APPLIED,),
    S.ENDED: (S.APPLIED,),
}

REFERENCE_REQUIRED = frozenset({S.AUTHORISED, S.SUSPENDED, S.REVOKED})
REFERENCE_MAX = 80
REASON_MAX = 2000


class DecisionError(ValueError):
    """A decision that breaks a rule; ``errors`` maps each wrong part (status, decided_on, reference,
    reason) to its translated message. Nothing has been written."""

    def __init__(self, errors: dict[str, Any]) -> None:
        self.errors = errors
        super().__init__(next(iter(errors.values())))


@dataclass
class Decision:
    status: str | None
    decided_on: date | None
    reference: str | None
    reason: str | None


@dataclass
class HistoryRow:
    event: AuthorisationEvent
    decided_by: str | None  # the officer's name, None when not recorded (e.g. imported history)


def allowed_decisions(status: AuthorisationStatus) -> tuple[AuthorisationStatus, ...]:
    return TRANSITIONS[status]


def authorisation_of(unit: Unit, area: Area) -> Authorisation | None:
    return db.session.scalar(select(Authorisation).where(Authorisation.unit_id == unit.id,
                                                         Authorisation.area_id == area.id))


def history(authorisation: Authorisation) -> list[HistoryRow]:
    """Every decision, oldest first, with the name of the officer who recorded it."""
    ids = {e.decided_by_id for e in authorisation.events if e.decided_by_id is not None}
    names = {row.id: row.name for row in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    return [HistoryRow(e, names.get(e.decided_by_id)) for e in authorisation.events]


def previous_decision_date(authorisation: Authorisation) -> date:
    dates = [e.decided_on for e in authorisation.events] + [authorisation.status_since]
    return max(dates)


def rulebook_in_force(area: Area, on: date) -> Rulebook | None:
    """The newest version of the area's rules that applies on ``on`` (else the oldest there is)."""
    rulebooks = sorted(area.rulebooks, key=lambda r: r.version)
    applying = [r for r in rulebooks if r.valid_from <= on]
    return applying[-1] if applying else (rulebooks[0] if rulebooks else None)


def _status_list(statuses: tuple[AuthorisationStatus, ...]) -> str:
    return ", ".join(str(AUTHORISATION_STATUS[s]) for s in statuses)


def validate(authorisation: Authorisation, decision: Decision, today: date) -> tuple[AuthorisationStatus, str | None, str]:
    errors: dict[str, Any] = {}
    current = authorisation.status
    allowed = TRANSITIONS[current]
    status: AuthorisationStatus | None = None
    try:
        status = AuthorisationStatus(decision.status or "")
    except ValueError:
        errors["status"] = _l("Choose a decision.")
    if status is not None and status not in allowed:
        if allowed == (S.APPLIED,):
            errors["status"] = _l("The authorisation's status is %(current)s, which is final. Only a new "
                                  "application can follow.", current=str(AUTHORISATION_STATUS[current]).lower())
        else:
            errors["status"] = _l("This decision is not possible while the authorisation's status is "
                                  "%(current)s. Possible decisions: %(allowed)s.",
                                  current=str(AUTHORISATION_STATUS[current]).lower(),
                                  allowed=_status_list(allowed))
    previous = previous_decision_date(authorisation)
    if decision.decided_on is None:
        errors["decided_on"] = _l("Enter the date of the decision.")
    elif decision.decided_on > today:
        errors["decided_on"] = _l("The date of the decision cannot be in the future.")
    elif decision.decided_on < previous:
        errors["decided_on"] = _l("The date cannot be before the previous decision, %(date)s.",
                                  date=format_date(previous, "d MMMM y"))
    reference = " ".join((decision.reference or "").split()) or None
    if reference is None and status in REFERENCE_REQUIRED:
        errors["reference"] = _l("Enter the decision reference (diarienummer).")
    elif reference is not None and len(reference) > REFERENCE_MAX:
        errors["reference"] = _l("At most %(max)d characters.", max=REFERENCE_MAX)
    reason = (decision.reason or "").strip()
    if not reason:
        errors["reason"] = _l("Write the reason for the decision.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _l("At most %(max)d characters.", max=REASON_MAX)
    if errors:
        raise DecisionError(errors)
    assert status is not None
    return status, reference, reason


def decide(user: User, authorisation: Authorisation, decision: Decision, today: date | None = None) -> AuthorisationEvent:
    """Records a decision: checks the user may decide in the area (403 otherwise), validates it in full,
    then updates the current status and appends the decision to the history, in one commit."""
    require_area(user, authorisation.area_id)
    today = today or date.today()
    status, reference, reason = validate(authorisation, decision, today)
    assert decision.decided_on is not None
    previous = authorisation.status
    event = AuthorisationEvent(status=status, decided_on=decision.decided_on, decision_reference=reference,
                               reason=reason, decided_by_id=user.id)
    authorisation.events.append(event)
    authorisation.status = status
    authorisation.status_since = decision.decided_on
    authorisation.decision_reference = reference
    if status is S.AUTHORISED:
        if previous is S.APPLIED:  # a new authorisation (resuming a suspended one keeps its start)
            authorisation.authorised_since = decision.decided_on
        authorisation.rulebook = rulebook_in_force(authorisation.area, decision.decided_on)
    elif status is S.APPLIED:  # a new application after a revoked or ended authorisation
        authorisation.authorised_since = None
    db.session.commit()
    return event
