"""The compare basket: units a resident has set aside for comparison, per area, kept in the signed
session cookie (the server keeps no state)."""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from jamforaren.services.compare import MAX_UNITS

KEY = "compare"


def units_in(session: MutableMapping[str, Any], area_slug: str) -> list[str]:
    return list(session.get(KEY, {}).get(area_slug, []))


def of_areas(session: MutableMapping[str, Any], area_slugs: Iterable[str]) -> dict[str, list[str]]:
    """The baskets of those of these areas that have any units in them."""
    baskets = session.get(KEY, {})
    return {slug: list(baskets[slug]) for slug in area_slugs if baskets.get(slug)}


def _store(session: MutableMapping[str, Any], area_slug: str, slugs: list[str]) -> None:
    basket = dict(session.get(KEY, {}))
    if slugs:
        basket[area_slug] = slugs
    else:
        basket.pop(area_slug, None)
    session[KEY] = basket


def add(session: MutableMapping[str, Any], area_slug: str, unit_slug: str) -> bool:
    """Add a unit; False when the basket is full (it holds at most four units per area)."""
    slugs = units_in(session, area_slug)
    if unit_slug in slugs:
        return True
    if len(slugs) >= MAX_UNITS:
        return False
    _store(session, area_slug, [*slugs, unit_slug])
    return True


def remove(session: MutableMapping[str, Any], area_slug: str, unit_slug: str) -> None:
    _store(session, area_slug, [s for s in units_in(session, area_slug) if s != unit_slug])


def replace(session: MutableMapping[str, Any], area_slug: str, unit_slugs: list[str]) -> None:
    _store(session, area_slug, list(dict.fromkeys(unit_slugs))[:MAX_UNITS])
