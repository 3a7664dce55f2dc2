"""What a row's codes and names refer to, loaded once per import so that 100,000 rows validate fast."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.imports.values import normalise_header
from jamforaren.models import Area, Authorisation, AuthorisationEvent, AuthorisationStatus, Unit

ACTIVE = {AuthorisationStatus.AUTHORISED, AuthorisationStatus.SUSPENDED}
MUNICIPALITY_WORDS = {"kommunen", "kommunen totalt", "kommun", "totalt", "hela kommunen", "municipality", "total"}


def key(value: str) -> str:
    return normalise_header(value)


class Areas:
    def __init__(self) -> None:
        self.by_key: dict[str, Area] = {}
        for area in db.session.scalars(select(Area)):
            for name in (area.slug, area.name_sv, area.name_en):
                if name:
                    self.by_key.setdefault(key(name), area)

    def find(self, value: str) -> Area | None:
        return self.by_key.get(key(value))


class Units:
    """Units by their code in the portal (slug), their Kolada id, or their name when it is unambiguous."""

    def __init__(self) -> None:
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.names: dict[int, str] = {}
        self.by_kolada: dict[str, int] = {}
        for unit_id, slug, name, kolada in db.session.execute(select(Unit.id, Unit.slug, Unit.name, Unit.kolada_ou)):
            self.by_code[slug.casefold()] = unit_id
            self.by_name[key(name)].append(unit_id)
            self.names[unit_id] = name
            if kolada:
                self.by_kolada[kolada.casefold()] = unit_id
                self.by_code.setdefault(kolada.casefold(), unit_id)

    def find(self, value: str, candidates: set[int] | None = None) -> list[int]:
        """The units the value may mean: one, none, or several when a name is ambiguous."""
        found = self.by_code.get(value.casefold())
        if found is not None:
            return [found]
        ids = self.by_name.get(key(value), [])
        if len(ids) > 1 and candidates is not None:
            ids = [i for i in ids if i in candidates] or ids
        return ids


class AuthorisedYears:
    """Which units were authorised (or suspended, still authorised) in an area at some time in a year."""

    def __init__(self, area_ids: set[int] | None = None) -> None:
        self.periods: dict[tuple[int, int], list[tuple[date, date | None]]] = {}
        self._units_in: dict[int, set[int]] = {}
        self._answers: dict[tuple[int, int, int], bool] = {}
        query = select(Authorisation.id, Authorisation.unit_id, Authorisation.area_id, Authorisation.status,
                       Authorisation.status_since, Authorisation.authorised_since)
        if area_ids is not None:
            query = query.where(Authorisation.area_id.in_(area_ids))
        authorisations = {row.id: row for row in db.session.execute(query)}
        events: dict[int, list[tuple[date, AuthorisationStatus]]] = defaultdict(list)
        event_query = select(AuthorisationEvent.authorisation_id, AuthorisationEvent.decided_on,
                             AuthorisationEvent.status).order_by(AuthorisationEvent.decided_on,
                                                                  AuthorisationEvent.id)
        for authorisation_id, decided_on, status in db.session.execute(event_query):
            if authorisation_id in authorisations:
                events[authorisation_id].append((decided_on, status))
        for row in authorisations.values():
            periods = self._periods(events[row.id]) if row.id in events else self._from_status(row)
            self.periods[(row.unit_id, row.area_id)] = periods

    @staticmethod
    def _periods(events: list[tuple[date, AuthorisationStatus]] | None) -> list[tuple[date, date | None]]:
        periods: list[tuple[date, date | None]] = []
        start: date | None = None
        for decided_on, status in events or []:
            if status in ACTIVE and start is None:
                start = decided_on
            elif status not in ACTIVE and start is not None:
                periods.append((start, decided_on))
                start = None
        if start is not None:
            periods.append((start, None))
        return periods

    @staticmethod
    def _from_status(authorisation: Any) -> list[tuple[date, date | None]]:
        """Without recorded decisions: from the authorisation's own dates."""
        if authorisation.authorised_since is None:
            return []
        end = None if authorisation.status in ACTIVE else authorisation.status_since
        return [(authorisation.authorised_since, end)]

    def units_in(self, area_id: int) -> set[int]:
        """The units ever authorised in the area (to tell units with the same name apart)."""
        if area_id not in self._units_in:
            self._units_in[area_id] = {unit_id for (unit_id, a), periods in self.periods.items()
                                       if a == area_id and periods}
        return self._units_in[area_id]

    def authorised(self, unit_id: int, area_id: int, year: int) -> bool:
        answer = self._answers.get((unit_id, area_id, year))
        if answer is None:
            first, last = date(year, 1, 1), date(year, 12, 31)
            answer = self._answers[(unit_id, area_id, year)] = any(
                start <= last and (end is None or end > first) for start, end in self.periods.get((unit_id, area_id), ()))
        return answer
