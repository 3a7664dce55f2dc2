"""The catalogue: processes, kundval areas and their versioned rulebooks with norms."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jamforaren.models.base import Base


class Process(Base):
    """A main process (huvudprocess) with its responsible committee (nämnd)."""

    __tablename__ = "process"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    committee_sv: Mapped[str] = mapped_column(String(200))
    committee_en: Mapped[str | None] = mapped_column(String(200))
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)

    areas: Mapped[list[Area]] = relationship(back_populates="process", order_by="Area.position")


class Area(Base):
    """A customer-choice system (kundvalsområde), e.g. Förskola or Hemtjänst."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    committee_sv: Mapped[str | None] = mapped_column(String(200))
    committee_en: Mapped[str | None] = mapped_column(String(200))
    target_group_sv: Mapped[str] = mapped_column(Text, default="")
    target_group_en: Mapped[str | None] = mapped_column(Text)
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    legal_basis_sv: Mapped[str | None] = mapped_column(Text)
    legal_basis_en: Mapped[str | None] = mapped_column(Text)
    # The profile attributes that matter in this area: a list of definitions
    # {key, type, label: {sv, en}, filter, options: [{key, label}]} (see seed/README.md).
    attribute_definitions: Mapped[list[Any]] = mapped_column(default=list)

    process: Mapped[Process] = relationship(back_populates="areas")
    rulebooks: Mapped[list[Rulebook]] = relationship(
        back_populates="area", order_by="Rulebook.version", cascade="all, delete-orphan"
    )

    def attribute_definition(self, key: str) -> dict[str, Any] | None:
        return next((d for d in self.attribute_definitions if d["key"] == key), None)


class Rulebook(Base):
    """One version of an area's authorisation conditions (auktorisationsvillkor)."""

    __tablename__ = "rulebook"
    __table_args__ = (UniqueConstraint("area_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    valid_from: Mapped[date]
    decision_reference: Mapped[str | None] = mapped_column(String(80))
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))

    area: Mapped[Area] = relationship(back_populates="rulebooks")
    chapters: Mapped[list[RulebookChapter]] = relationship(
        back_populates="rulebook", order_by="RulebookChapter.number", cascade="all, delete-orphan"
    )
    norms: Mapped[list[Norm]] = relationship(
        back_populates="rulebook", order_by="Norm.position", cascade="all, delete-orphan",
        overlaps="chapter,norms",
    )


class RulebookChapter(Base):
    """A chapter of a rulebook, e.g. "Ledning" or "Personal"."""

    __tablename__ = "rulebook_chapter"
    __table_args__ = (UniqueConstraint("rulebook_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rulebook_id: Mapped[int] = mapped_column(ForeignKey("rulebook.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))

    rulebook: Mapped[Rulebook] = relationship(back_populates="chapters")
    norms: Mapped[list[Norm]] = relationship(
        back_populates="chapter", order_by="Norm.position", overlaps="norms,rulebook"
    )


class Norm(Base):
    """A quality norm (kvalitetsnorm) with its guidance (tillämpningsanvisning)."""

    __tablename__ = "norm"
    __table_args__ = (UniqueConstraint("rulebook_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rulebook_id: Mapped[int] = mapped_column(ForeignKey("rulebook.id", ondelete="CASCADE"), index=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("rulebook_chapter.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))  # stable across rulebook versions
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    requirement_sv: Mapped[str] = mapped_column(Text)
    requirement_en: Mapped[str | None] = mapped_column(Text)
    guidance_sv: Mapped[str] = mapped_column(Text, default="")
    guidance_en: Mapped[str | None] = mapped_column(Text)

    rulebook: Mapped[Rulebook] = relationship(back_populates="norms", overlaps="chapter,norms")
    chapter: Mapped[RulebookChapter] = relationship(back_populates="norms", overlaps="norms,rulebook")
