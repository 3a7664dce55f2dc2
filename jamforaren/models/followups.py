"""The annual quality follow-up (kvalitetsuppföljning) of a unit in an area."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jamforaren.models.base import Base, str_enum, utcnow
from jamforaren.models.catalogue import Area, Norm, Rulebook
from jamforaren.models.providers import Unit


class FollowUpMethod(enum.StrEnum):
    DOCUMENTS = "dokumentgranskning"
    VISIT = "besok"
    INTERVIEW = "intervju"
    OBSERVATION = "observation"


class FollowUpStatus(enum.StrEnum):
    DRAFT = "utkast"
    PUBLISHED = "publicerad"


class Rating(enum.StrEnum):
    MET = "uppfyllt"
    PARTLY_MET = "delvis_uppfyllt"
    NOT_MET = "ej_uppfyllt"
    NOT_ASSESSED = "ej_bedomt"


class ActionStatus(enum.StrEnum):
    OPEN = "oppen"
    ANSWERED = "besvarad"
    ACCEPTED = "godkand"
    RETURNED = "aterforvisad"


class FollowUp(Base):
    """One unit's follow-up in one area for one year; a draft until published.

    A published follow-up is never changed: a correction is a new version (a draft copied from it) that,
    once published, supersedes the old one, which stays readable. So there is one current follow-up per
    unit × area × year (a partial unique index), and any number of superseded ones.
    """

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("unit_id", "area_id", "year", "version"),
        Index("uq_follow_up_current", "unit_id", "area_id", "year", unique=True,
              sqlite_where=text("superseded_at IS NULL"), postgresql_where=text("superseded_at IS NULL")),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_follow_up_area_year", "area_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    rulebook_id: Mapped[int] = mapped_column(ForeignKey("rulebook.id", ondelete="RESTRICT"))
    year: Mapped[int]
    version: Mapped[int] = mapped_column(default=1)
    methods: Mapped[list[Any]] = mapped_column(default=list)  # FollowUpMethod values
    conducted_on: Mapped[date | None]
    status: Mapped[FollowUpStatus] = mapped_column(
        str_enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.DRAFT
    )
    findings_sv: Mapped[str] = mapped_column(Text, default="")
    summary_sv: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]  # set when a corrected version is published
    correction_reason: Mapped[str | None] = mapped_column(Text)  # why this version corrects the previous
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    area: Mapped[Area] = relationship()
    rulebook: Mapped[Rulebook] = relationship()
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="follow_up", cascade="all, delete-orphan", order_by="Action.due_on"
    )

    def rating_counts(self) -> dict[Rating, int]:
        counts = {rating: 0 for rating in Rating}
        for assessment in self.assessments:
            counts[assessment.rating] += 1
        return counts


class Assessment(Base):
    """The assessment of one norm in a follow-up."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("follow_up_id", "norm_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id", ondelete="CASCADE"))
    norm_id: Mapped[int] = mapped_column(ForeignKey("norm.id", ondelete="RESTRICT"), index=True)
    rating: Mapped[Rating] = mapped_column(str_enum(Rating, "rating"))
    comment: Mapped[str] = mapped_column(Text, default="")

    follow_up: Mapped[FollowUp] = relationship(back_populates="assessments")
    norm: Mapped[Norm] = relationship()


class Action(Base):
    """A required action (åtgärd) from a follow-up, with due date; the provider answers it."""

    __tablename__ = "action"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id", ondelete="CASCADE"), index=True)
    norm_id: Mapped[int | None] = mapped_column(ForeignKey("norm.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, "action_status"), default=ActionStatus.OPEN)
    response: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date | None]
    review_comment: Mapped[str | None] = mapped_column(Text)

    follow_up: Mapped[FollowUp] = relationship(back_populates="actions")
    norm: Mapped[Norm | None] = relationship()
