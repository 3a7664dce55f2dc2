"""Customer survey results (kundundersökningar) and key figures (nyckeltal)."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jamforaren.models.base import Base, str_enum
from jamforaren.models.catalogue import Area
from jamforaren.models.providers import Unit

MIN_RESPONDENTS = 5  # results from fewer respondents are stored but never shown


class FigureUnit(enum.StrEnum):
    PERCENT = "percent"
    KRONOR = "kronor"
    NUMBER = "number"
    POINTS = "points"
    DAYS = "days"
    HOURS = "hours"


class FigureSource(enum.StrEnum):
    KOLADA = "kolada"
    MUNICIPALITY = "municipality"
    NATIONAL = "national"


class FigureScope(enum.StrEnum):
    UNIT = "unit"
    MUNICIPALITY = "municipality"


class Survey(Base):
    """One year's question set of an area's survey for one respondent group."""

    __tablename__ = "survey"
    __table_args__ = (
        UniqueConstraint("area_id", "year", "respondent_group"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    year: Mapped[int]
    respondent_group: Mapped[str] = mapped_column(String(80))
    title_sv: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    respondents_sv: Mapped[str] = mapped_column(Text, default="")
    respondents_en: Mapped[str | None] = mapped_column(Text)
    source_sv: Mapped[str] = mapped_column(String(300))
    source_en: Mapped[str | None] = mapped_column(String(300))

    area: Mapped[Area] = relationship()
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position", cascade="all, delete-orphan"
    )


class SurveyQuestion(Base):
    """A question; its code is stable across years so results form a trend."""

    __tablename__ = "survey_question"
    __table_args__ = (
        UniqueConstraint("survey_id", "code"),
        CheckConstraint(
            "municipal_share_positive IS NULL OR (municipal_share_positive BETWEEN 0 AND 100)",
            name="municipal_share_range",
        ),
        CheckConstraint(
            "municipal_respondents IS NULL OR municipal_respondents >= 0", name="municipal_respondents_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    theme: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    is_overall: Mapped[bool] = mapped_column(default=False)
    text_sv: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    municipal_share_positive: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    municipal_respondents: Mapped[int | None]

    survey: Mapped[Survey] = relationship(back_populates="questions")
    results: Mapped[list[SurveyResult]] = relationship(back_populates="question", cascade="all, delete-orphan")


class SurveyResult(Base):
    """A unit's result on a question: respondents and the share of positive answers (%)."""

    __tablename__ = "survey_result"
    __table_args__ = (
        UniqueConstraint("question_id", "unit_id"),
        CheckConstraint("respondents >= 0", name="respondents_not_negative"),
        CheckConstraint("share_positive BETWEEN 0 AND 100", name="share_positive_range"),
        Index("ix_survey_result_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    respondents: Mapped[int]
    share_positive: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    question: Mapped[SurveyQuestion] = relationship(back_populates="results")
    unit: Mapped[Unit] = relationship()

    @property
    def is_shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS


class KeyFigure(Base):
    """A key figure's definition (nyckeltal), e.g. a Kolada KPI or the municipality's own measure."""

    __tablename__ = "key_figure"
    __table_args__ = (UniqueConstraint("area_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    name_sv: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description_sv: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[FigureUnit] = mapped_column(str_enum(FigureUnit, "figure_unit"))
    decimals: Mapped[int] = mapped_column(default=0)
    higher_is_better: Mapped[bool | None]
    scope: Mapped[FigureScope] = mapped_column(str_enum(FigureScope, "figure_scope"), default=FigureScope.UNIT)
    is_economy: Mapped[bool] = mapped_column(default=False)
    source: Mapped[FigureSource] = mapped_column(str_enum(FigureSource, "figure_source"))
    kolada_kpi: Mapped[str | None] = mapped_column(String(20), index=True)
    source_name_sv: Mapped[str] = mapped_column(String(200))
    source_name_en: Mapped[str | None] = mapped_column(String(200))

    area: Mapped[Area] = relationship()
    values: Mapped[list[KeyFigureValue]] = relationship(back_populates="key_figure", cascade="all, delete-orphan")


class KeyFigureValue(Base):
    """A value of a key figure for a unit, or for the whole municipality when ``unit_id`` is empty."""

    __tablename__ = "key_figure_value"
    __table_args__ = (
        UniqueConstraint("key_figure_id", "unit_id", "year"),
        Index(
            "uq_key_figure_value_municipal", "key_figure_id", "year", unique=True,
            sqlite_where=text("unit_id IS NULL"), postgresql_where=text("unit_id IS NULL"),
        ),
        Index("ix_key_figure_value_unit", "unit_id", "key_figure_id"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_figure_id: Mapped[int] = mapped_column(ForeignKey("key_figure.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    year: Mapped[int]
    value: Mapped[Decimal] = mapped_column(Numeric(14, 3))

    key_figure: Mapped[KeyFigure] = relationship(back_populates="values")
    unit: Mapped[Unit | None] = relationship()
