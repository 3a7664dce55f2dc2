"""Key figures from SKR's Kolada (API v3): saved responses or fetched pages, mapped to our units.

A response is ``{"values": [{"kpi": "N15501", "period": 2024, "ou": "V15E…", "values": [{"gender": "T",
"value": 231.5, "status": "", "count": 1}]}], "next_url": null}``; municipality data has
``"municipality"`` instead of ``"ou"``. Units are mapped through their Kolada id (``Unit.kolada_ou``),
key figures through their Kolada KPI id. What cannot be mapped (another municipality, a unit or KPI we do
not have, a year the unit was not authorised) is reported as skipped, never guessed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.imports.keyfigures import Figures, FigureValue, checked_value, compare_values
from jamforaren.imports.lookups import AuthorisedYears, Units
from jamforaren.imports.plan import ImportKind, ImportPlan, Problem
from jamforaren.models import FigureScope, KeyFigure, Unit, User
from jamforaren.services import permissions

FIRST_YEAR = 2000
PER_PAGE = 5000
OUS_PER_REQUEST = 50
MAX_PAGES = 1000


class KoladaError(RuntimeError):
    """Kolada could not be reached or answered something that is not Kolada data."""


def parse_pages(data: bytes) -> list[dict[str, Any]]:
    """One saved response, or a JSON list of responses (pages), or JSON lines of responses."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_l("A Kolada file must be UTF-8 JSON.")) from None
    try:
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            try:
                document = [json.loads(line) for line in text.splitlines() if line.strip()]
            except json.JSONDecodeError as error:
                raise ValueError(_l("The file is not JSON (line %(line)s: %(reason)s).",
                                    line=error.lineno, reason=error.msg)) from None
    except RecursionError:  # lists or objects nested thousands deep: no Kolada response is
        raise ValueError(_l("The file is not a Kolada response: it has no list of values.")) from None
    pages = document if isinstance(document, list) else [document]
    if not pages or not all(isinstance(page, dict) and isinstance(page.get("values"), list) for page in pages):
        raise ValueError(_l("The file is not a Kolada response: it has no list of values."))
    return pages


def plan_kolada(pages: Iterable[dict[str, Any]], filename: str, sha256: str, municipality_code: str,
                user: User | None = None) -> ImportPlan:
    plan = ImportPlan(ImportKind.KOLADA, filename, sha256)
    allowed = None if user is None else permissions.officer_area_ids(user)
    units = Units()
    figures = Figures()
    by_kpi: dict[str, list[KeyFigure]] = {}
    for figure in figures.all:
        if figure.kolada_kpi and (allowed is None or figure.area_id in allowed):
            by_kpi.setdefault(figure.kolada_kpi.upper(), []).append(figure)
    authorised = AuthorisedYears({f.area_id for fs in by_kpi.values() for f in fs})
    values: list[FigureValue] = []
    seen: dict[tuple[int, int | None, int], int] = {}
    skipped_ou: dict[str, int] = {}
    number = 0
    for entry in _entries(pages):
        number += 1
        plan.rows_read += 1
        if not isinstance(entry, dict):
            plan.problem(number, None, _l("The value is not a JSON object."))
            continue
        kpi = str(entry.get("kpi") or "").upper()
        year = entry.get("period")
        if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= date.today().year:
            plan.problem(number, "period", _l("The year must be from %(first)s to %(last)s.",
                                              first=FIRST_YEAR, last=date.today().year))
            continue
        candidates = by_kpi.get(kpi)
        if not candidates:
            plan.skipped.append(Problem(number, "kpi", _l("No key figure in the portal has the Kolada id %(kpi)s.",
                                                          kpi=kpi or "–")))
            continue
        raw = _total(entry.get("values"))
        if raw is None:
            plan.skipped.append(Problem(number, "values", _l("Kolada has no value (total) for %(kpi)s %(year)s.",
                                                             kpi=kpi, year=year)))
            continue
        if "ou" in entry:
            ou = str(entry.get("ou") or "")
            unit_id = units.by_kolada.get(ou.casefold())
            if unit_id is None:
                skipped_ou[ou] = skipped_ou.get(ou, 0) + 1
                if skipped_ou[ou] == 1:
                    plan.skipped.append(Problem(number, "ou", _l("No unit in the portal has the Kolada id %(ou)s.",
                                                                 ou=ou or "–")))
                continue
            targets = [f for f in candidates if f.scope is FigureScope.UNIT
                       and authorised.authorised(unit_id, f.area_id, year)]
            if not targets:
                plan.skipped.append(Problem(number, "ou", _l("%(unit)s was not authorised in an area with %(kpi)s "
                                                             "in %(year)s.", unit=units.names[unit_id], kpi=kpi,
                                                             year=year)))
                continue
        elif "municipality" in entry:
            if str(entry.get("municipality")) != municipality_code:
                plan.skipped.append(Problem(number, "municipality", _l(
                    "Municipality %(code)s is not this municipality (%(ours)s).",
                    code=entry.get("municipality"), ours=municipality_code)))
                continue
            unit_id, targets = None, candidates
        else:
            plan.problem(number, None, _l("The value names neither a unit (ou) nor a municipality."))
            continue
        for figure in targets:
            try:
                value = checked_value(figure, raw)
            except ValueError as error:
                plan.problem(number, "value", error.args[0])
                continue
            duplicate = (figure.id, unit_id, year)
            if duplicate in seen:
                plan.problem(number, None, _l("The same unit, key figure and year as value %(row)s.",
                                              row=seen[duplicate]))
                continue
            seen[duplicate] = number
            values.append(FigureValue(number, figure, unit_id, year, value))
            plan.per_area_year[(figure.area.name_sv, year)] += 1
    if not plan.rows_read:
        plan.problem(None, None, _l("The Kolada response has no values."))
    if plan.ok:
        compare_values(plan, values, units)
    return plan


def _entries(pages: Iterable[dict[str, Any]]) -> Iterator[Any]:
    for page in pages:
        yield from page.get("values") or []


def _total(values: Any) -> Any:
    """The value for both genders together (T); None when Kolada has none."""
    if not isinstance(values, list):
        return None
    for item in values:
        if isinstance(item, dict) and item.get("gender") == "T":
            if item.get("value") is None or str(item.get("status") or "").lower() == "missing":
                return None
            return item["value"]
    return None


# -- fetching --------------------------------------------------------------------------------------

def _get(url: str, timeout: float) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the configured base URL)
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise KoladaError(f"Kolada answered {error.code} for {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise KoladaError(f"Cannot reach Kolada at {url}: {getattr(error, 'reason', error)}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise KoladaError(f"Kolada's answer from {url} is not JSON") from None


def fetch_pages(url: str, timeout: float = 30.0) -> Iterator[dict[str, Any]]:
    """Every page of a Kolada query, following ``next_url``."""
    seen = set()
    while url and len(seen) < MAX_PAGES:
        if url in seen:
            raise KoladaError(f"Kolada's next_url repeats {url}")
        seen.add(url)
        page = _get(url, timeout)
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise KoladaError(f"The answer from {url} is not Kolada data")
        yield page
        url = page.get("next_url") or ""


def query_urls(base_url: str, kpis: list[str], years: list[int], municipality_code: str,
               ous: list[str]) -> list[str]:
    """The queries that fetch these KPIs and years for the municipality and for our mapped units."""
    base = base_url.rstrip("/")
    kpi = ",".join(urllib.parse.quote(k) for k in kpis)
    year = ",".join(str(y) for y in years)
    urls = [f"{base}/data/kpi/{kpi}/municipality/{urllib.parse.quote(municipality_code)}/year/{year}"
            f"?per_page={PER_PAGE}"]
    for start in range(0, len(ous), OUS_PER_REQUEST):
        batch = ",".join(urllib.parse.quote(ou) for ou in ous[start:start + OUS_PER_REQUEST])
        urls.append(f"{base}/oudata/kpi/{kpi}/ou/{batch}/year/{year}?per_page={PER_PAGE}")
    return urls


def fetch(base_url: str, municipality_code: str, years: list[int], kpis: list[str] | None = None,
          timeout: float = 30.0) -> list[dict[str, Any]]:
    """Fetch every Kolada KPI of the catalogue (or the ones given) for the municipality and mapped units."""
    if not kpis:
        kpis = sorted({k for k in db.session.scalars(select(KeyFigure.kolada_kpi)) if k})
    ous = sorted(ou for ou in db.session.scalars(select(Unit.kolada_ou)) if ou)
    pages: list[dict[str, Any]] = []
    for url in query_urls(base_url, kpis, years, municipality_code, ous):
        pages.extend(fetch_pages(url, timeout))
    return pages
