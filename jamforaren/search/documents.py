"""What the search index knows about a unit, read from the database.

A unit is *published* while it is listed (its authorisation is in ``LISTED_STATUSES``) in at least one
area; only published units have a document, and a document names only the areas where the unit is listed.
:func:`documents_for` and :func:`all_documents` load units in batches with ``selectinload`` (a fixed number
of queries per batch, whatever the number of units) and hold no ORM objects after a batch is done.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jamforaren.extensions import db
from jamforaren.models import Area, Authorisation, Unit
from jamforaren.services.listing import LISTED_STATUSES

BATCH_SIZE = 500

# Names for codes Babel does not know (Swedish Sign Language).
_EXTRA_LANGUAGE_NAMES = {"sgn": {"sv": "svenskt teckenspråk", "en": "Swedish Sign Language"}}


@dataclass(frozen=True)
class AreaRef:
    slug: str
    name_sv: str
    name_en: str


@dataclass
class UnitDocument:
    """One published unit as the search engine sees it: plain values, independent of the engine."""

    unit_id: int
    slug: str
    name: str
    provider: str
    district: str | None
    areas: list[AreaRef]
    description_sv: str = ""
    description_en: str = ""
    attributes_sv: list[str] = field(default_factory=list)  # option labels and true yes/no attributes
    attributes_en: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ISO codes besides Swedish
    languages_sv: list[str] = field(default_factory=list)
    languages_en: list[str] = field(default_factory=list)

    @property
    def area_slugs(self) -> list[str]:
        return [a.slug for a in self.areas]


@lru_cache(maxsize=256)
def language_name(code: str, locale: str) -> str:
    """The name of a language in Swedish (``arabiska``) or English (``Arabic``), without Flask."""
    if code in _EXTRA_LANGUAGE_NAMES:
        return _EXTRA_LANGUAGE_NAMES[code][locale]
    from babel import Locale
    try:
        return Locale.parse(locale).languages.get(code, code)
    except (ValueError, TypeError):
        return code


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def _attribute_texts(unit: Unit, areas: list[Area]) -> tuple[list[str], list[str]]:
    """Readable values of the unit's profile attributes in the areas where it is listed."""
    sv: list[str] = []
    en: list[str] = []
    by_area: dict[int, dict[str, list[str]]] = {}
    for attribute in unit.attributes:
        by_area.setdefault(attribute.area_id, {}).setdefault(attribute.key, []).append(attribute.value)
    for area in areas:
        values = by_area.get(area.id, {})
        for definition in area.attribute_definitions or []:
            chosen = values.get(definition.get("key"), [])
            kind = definition.get("type")
            if kind in ("choice", "multichoice"):
                options = {o.get("key"): o.get("label") or {} for o in definition.get("options") or []}
                for value in chosen:
                    label = options.get(value)
                    if label:
                        sv.append(label.get("sv") or value)
                        en.append(label.get("en") or label.get("sv") or value)
            elif kind == "boolean":
                if "true" in chosen:
                    label = definition.get("label") or {}
                    sv.append(label.get("sv") or "")
                    en.append(label.get("en") or label.get("sv") or "")
            elif kind == "text":
                sv.extend(chosen)
                en.extend(chosen)
    unique = lambda texts: [_nfc(t) for t in dict.fromkeys(t for t in texts if t)]  # noqa: E731
    return unique(sv), unique(en)


def _document(unit: Unit, areas_by_id: dict[int, Area]) -> UnitDocument | None:
    listed = [areas_by_id[a.area_id] for a in unit.authorisations
              if a.status in LISTED_STATUSES and a.area_id in areas_by_id]
    if not listed:
        return None
    listed.sort(key=lambda area: (area.process_id, area.position, area.id))
    attributes_sv, attributes_en = _attribute_texts(unit, listed)
    codes = sorted({language.language for language in unit.languages})
    return UnitDocument(
        unit_id=unit.id,
        slug=unit.slug,
        name=_nfc(unit.name),
        provider=_nfc(unit.provider.name if unit.provider else ""),
        district=_nfc(unit.district) or None,
        areas=[AreaRef(a.slug, _nfc(a.name_sv), _nfc(a.name_en or a.name_sv)) for a in listed],
        description_sv=_nfc(unit.description_sv),
        description_en=_nfc(unit.description_en),
        attributes_sv=attributes_sv,
        attributes_en=attributes_en,
        languages=codes,
        languages_sv=[language_name(c, "sv") for c in codes],
        languages_en=[language_name(c, "en") for c in codes],
    )


def _areas(session: Session) -> dict[int, Area]:
    return {area.id: area for area in session.scalars(select(Area))}


def _load(session: Session, unit_ids: list[int], areas_by_id: dict[int, Area]) -> list[UnitDocument]:
    units = session.scalars(
        select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.id).options(
            selectinload(Unit.provider), selectinload(Unit.languages), selectinload(Unit.attributes),
            selectinload(Unit.authorisations),
        )
    ).all()
    return [d for d in (_document(u, areas_by_id) for u in units) if d is not None]


@contextmanager
def _reading(session: Session | None) -> Iterator[tuple[Session, bool]]:
    """The caller's session, or a private one on the app's engine (closed afterwards). A private session
    sees what is committed — what the index must show — and never touches the caller's objects."""
    if session is not None:
        yield session, False
        return
    with Session(db.engine) as private:
        yield private, True


def documents_for(unit_ids: Iterable[int], session: Session | None = None) -> list[UnitDocument]:
    """Documents for those of ``unit_ids`` that are published; ids of units that are not published (or
    do not exist) simply have no document — the index deletes them.

    Without ``session`` the units are read in a private session of the current app's engine (needs an
    app context), which is what an after-commit hook wants."""
    ids = sorted({int(i) for i in unit_ids})
    if not ids:
        return []
    with _reading(session) as (reader, private):
        areas_by_id = _areas(reader)
        documents: list[UnitDocument] = []
        for start in range(0, len(ids), BATCH_SIZE):
            documents.extend(_load(reader, ids[start:start + BATCH_SIZE], areas_by_id))
            if private:
                reader.expunge_all()
        return documents


def published_unit_ids(session: Session | None = None) -> list[int]:
    with _reading(session) as (reader, _private):
        return list(reader.scalars(
            select(Authorisation.unit_id).where(Authorisation.status.in_(LISTED_STATUSES))
            .distinct().order_by(Authorisation.unit_id)
        ))


def all_documents(session: Session | None = None, batch_size: int = BATCH_SIZE) -> Iterator[UnitDocument]:
    """Every published unit's document, read batch by batch (a generator: with the default private
    session, memory stays flat however many units there are)."""
    with _reading(session) as (reader, private):
        ids = published_unit_ids(reader)
        areas_by_id = _areas(reader)
        for start in range(0, len(ids), batch_size):
            batch = _load(reader, ids[start:start + batch_size], areas_by_id)
            if private:
                reader.expunge_all()
            yield from batch
