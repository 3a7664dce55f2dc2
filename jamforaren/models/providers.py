"""Providers (anordnare), their units (enheter) and the units' authorisations per area."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jamforaren.models.base import Base, str_enum, utcnow
from jamforaren.models.catalogue import Area, Rulebook


class Ownership(enum.StrEnum):
    MUNICIPAL = "kommunal"
    PRIVATE = "enskild"
    NON_PROFIT = "ideell"
    COOPERATIVE = "kooperativ"


class AuthorisationStatus(enum.StrEnum):
    APPLIED = "ansokt"
    AUTHORISED = "auktoriserad"
    SUSPENDED = "vilande"
    REVOKED = "aterkallad"
    ENDED = "avslutad"


class Provider(Base):
    """An organisation that runs units: a municipal unit, a company, an association or a cooperative."""

    __tablename__ = "provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str] = mapped_column(String(11), unique=True)  # NNNNNN-NNNN
    ownership: Mapped[Ownership] = mapped_column(str_enum(Ownership, "ownership"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="provider", order_by="Unit.name")


class Unit(Base):
    """What residents choose: a preschool, a school, a home-care team, a course provider's site."""

    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("free_places IS NULL OR free_places >= 0", name="free_places_not_negative"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    street_address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    capacity: Mapped[int | None]
    free_places: Mapped[int | None]
    opening_hours_sv: Mapped[str | None] = mapped_column(String(300))
    opening_hours_en: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    kolada_ou: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="units")
    languages: Mapped[list[UnitLanguage]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="UnitLanguage.language"
    )
    attributes: Mapped[list[UnitAttribute]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )
    authorisations: Mapped[list[Authorisation]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )

    def attribute_values(self, area_id: int) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for attribute in self.attributes:
            if attribute.area_id == area_id:
                values.setdefault(attribute.key, []).append(attribute.value)
        return values


class UnitLanguage(Base):
    """A language, besides Swedish, in which the unit can serve its customers (ISO 639-1 code)."""

    __tablename__ = "unit_language"
    __table_args__ = (UniqueConstraint("unit_id", "language"), Index("ix_unit_language_language", "language"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(12))

    unit: Mapped[Unit] = relationship(back_populates="languages")


class UnitAttribute(Base):
    """One value of an area-specific profile attribute of a unit (one row per value of a multichoice)."""

    __tablename__ = "unit_attribute"
    __table_args__ = (
        UniqueConstraint("unit_id", "area_id", "key", "value"),
        Index("ix_unit_attribute_lookup", "area_id", "key", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[str] = mapped_column(String(200))

    unit: Mapped[Unit] = relationship(back_populates="attributes")


class Authorisation(Base):
    """A unit's authorisation in an area, with its current status; the history is in the events."""

    __tablename__ = "authorisation"
    __table_args__ = (
        UniqueConstraint("unit_id", "area_id"),
        Index("ix_authorisation_area_status", "area_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    rulebook_id: Mapped[int | None] = mapped_column(ForeignKey("rulebook.id", ondelete="RESTRICT"))
    status: Mapped[AuthorisationStatus] = mapped_column(str_enum(AuthorisationStatus, "authorisation_status"))
    status_since: Mapped[date]
    authorised_since: Mapped[date | None]
    decision_reference: Mapped[str | None] = mapped_column(String(80))

    unit: Mapped[Unit] = relationship(back_populates="authorisations")
    area: Mapped[Area] = relationship()
    rulebook: Mapped[Rulebook | None] = relationship()
    events: Mapped[list[AuthorisationEvent]] = relationship(
        back_populates="authorisation", cascade="all, delete-orphan",
        order_by="(AuthorisationEvent.decided_on, AuthorisationEvent.id)",
    )


class AuthorisationEvent(Base):
    """One decision in an authorisation's history: applied, authorised, suspended, revoked, ended."""

    __tablename__ = "authorisation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    authorisation_id: Mapped[int] = mapped_column(
        ForeignKey("authorisation.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AuthorisationStatus] = mapped_column(
        str_enum(AuthorisationStatus, "authorisation_event_status")
    )
    decided_on: Mapped[date]
    decision_reference: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    authorisation: Mapped[Authorisation] = relationship(back_populates="events")
