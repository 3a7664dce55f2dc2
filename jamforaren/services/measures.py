"""Survey results and key figures as residents see them: latest values, municipal averages, trends.

Results from fewer than ``MIN_RESPONDENTS`` respondents are suppressed here, in one place: a suppressed
result carries neither its share nor its respondent count, so no page, export or API can show them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select

from jamforaren.data_version import remembered
from jamforaren.extensions import db
from jamforaren.models import (
    MIN_RESPONDENTS, Area, FigureScope, KeyFigure, KeyFigureValue, Survey, SurveyQuestion, SurveyResult, Unit,
)

TREND_YEARS = 5


@dataclass(frozen=True)
class Point:
    """One year's value; ``value`` is None when missing or suppressed (``suppressed`` tells which)."""

    year: int
    value: Decimal | None
    respondents: int | None = None
    suppressed: bool = False

    @property
    def missing(self) -> bool:
        return self.value is None and not self.suppressed


@dataclass
class QuestionRow:
    question: SurveyQuestion
    latest: Point
    municipal: Decimal | None
    trend: list[Point]


@dataclass
class SurveyBlock:
    survey: Survey
    rows: list[QuestionRow]


@dataclass
class FigureRow:
    figure: KeyFigure
    latest: Point
    municipal: Decimal | None
    trend: list[Point]
    municipal_trend: list[Point] = field(default_factory=list)


def shown_point(year: int, share: Decimal | None, respondents: int | None) -> Point:
    if share is None or respondents is None:
        return Point(year, None)
    if respondents < MIN_RESPONDENTS:
        return Point(year, None, None, suppressed=True)
    return Point(year, share, respondents)


def latest_survey_year(area: Area) -> int | None:
    return db.session.scalar(select(func.max(Survey.year)).where(Survey.area_id == area.id))


def survey_blocks(area: Area, unit_ids: Iterable[int]) -> dict[int, list[SurveyBlock]]:
    """Per unit: the latest question sets of the area with each question's latest result and trend."""
    unit_ids = list(unit_ids)
    latest = latest_survey_year(area)
    if latest is None or not unit_ids:
        return {unit_id: [] for unit_id in unit_ids}
    years = list(range(latest - TREND_YEARS + 1, latest + 1))
    surveys = list(db.session.scalars(
        select(Survey).where(Survey.area_id == area.id, Survey.year.in_(years)).order_by(Survey.year)
    ))
    question_keys = {q.id: (s.respondent_group, q.code, s.year) for s in surveys for q in s.questions}
    results: dict[tuple[int, str, str], dict[int, Point]] = defaultdict(dict)
    rows = db.session.execute(
        select(SurveyResult.unit_id, SurveyResult.question_id, SurveyResult.share_positive,
               SurveyResult.respondents)
        .where(SurveyResult.question_id.in_(list(question_keys)), SurveyResult.unit_id.in_(unit_ids))
    )
    for unit_id, question_id, share, respondents in rows:
        group, code, year = question_keys[question_id]
        results[(unit_id, group, code)][year] = shown_point(year, share, respondents)

    municipal: dict[tuple[str, str], dict[int, Decimal | None]] = defaultdict(dict)
    for survey in surveys:
        for question in survey.questions:
            municipal[(survey.respondent_group, question.code)][survey.year] = question.municipal_share_positive

    newest = {}
    for survey in surveys:  # the newest question set of each respondent group
        newest[survey.respondent_group] = survey
    blocks: dict[int, list[SurveyBlock]] = {}
    for unit_id in unit_ids:
        unit_blocks = []
        for group, survey in newest.items():
            rows_out = []
            for question in survey.questions:
                by_year = results.get((unit_id, group, question.code), {})
                trend = [by_year.get(year, Point(year, None)) for year in years]
                rows_out.append(QuestionRow(
                    question=question, latest=by_year.get(survey.year, Point(survey.year, None)),
                    municipal=municipal[(group, question.code)].get(survey.year), trend=trend,
                ))
            unit_blocks.append(SurveyBlock(survey=survey, rows=rows_out))
        blocks[unit_id] = unit_blocks
    return blocks


def _figure_years(figure_ids: tuple[int, ...]) -> tuple[dict[int, int], dict[int, dict[int, Decimal]]]:
    """Each key figure's latest year (of any value) and its municipal values by year: scans of every value
    of the figures, remembered until the data change."""
    latest_years = dict(db.session.execute(
        select(KeyFigureValue.key_figure_id, func.max(KeyFigureValue.year))
        .where(KeyFigureValue.key_figure_id.in_(figure_ids)).group_by(KeyFigureValue.key_figure_id)
    ).all())
    municipal: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for figure_id, year, value in db.session.execute(
        select(KeyFigureValue.key_figure_id, KeyFigureValue.year, KeyFigureValue.value)
        .where(KeyFigureValue.key_figure_id.in_(figure_ids), KeyFigureValue.unit_id.is_(None))
    ):
        municipal[figure_id][year] = value
    return latest_years, dict(municipal)


def figure_rows(area: Area, unit_ids: Iterable[int]) -> dict[int, list[FigureRow]]:
    """Per unit: every key figure of the area with its latest value, municipal value and trend."""
    unit_ids = list(unit_ids)
    figures = list(db.session.scalars(
        select(KeyFigure).where(KeyFigure.area_id == area.id).order_by(KeyFigure.position)
    ))
    if not figures:
        return {unit_id: [] for unit_id in unit_ids}
    figure_ids = tuple(f.id for f in figures)
    latest_years, municipal_values = remembered(("figure_years", figure_ids), lambda: _figure_years(figure_ids))
    values: dict[tuple[int | None, int], dict[int, Decimal]] = defaultdict(dict)
    for figure_id, by_year in municipal_values.items():
        values[(None, figure_id)] = by_year
    rows = db.session.execute(
        select(KeyFigureValue.unit_id, KeyFigureValue.key_figure_id, KeyFigureValue.year, KeyFigureValue.value)
        .where(KeyFigureValue.unit_id.in_(unit_ids), KeyFigureValue.key_figure_id.in_(figure_ids))
    )
    for unit_id, figure_id, year, value in rows:
        values[(unit_id, figure_id)][year] = value

    result: dict[int, list[FigureRow]] = {}
    for unit_id in unit_ids:
        rows_out = []
        for figure in figures:
            latest = latest_years.get(figure.id)
            years = list(range(latest - TREND_YEARS + 1, latest + 1)) if latest else []
            municipal = values.get((None, figure.id), {})
            own = municipal if figure.scope is FigureScope.MUNICIPALITY else values.get((unit_id, figure.id), {})
            rows_out.append(FigureRow(
                figure=figure,
                latest=Point(latest, own.get(latest)) if latest else Point(0, None),
                municipal=municipal.get(latest) if latest else None,
                trend=[Point(y, own.get(y)) for y in years],
                municipal_trend=[Point(y, municipal.get(y)) for y in years],
            ))
        result[unit_id] = rows_out
    return result


def overall_question_ids(area: Area, year: int) -> list[int]:
    return list(db.session.scalars(
        select(SurveyQuestion.id).join(Survey)
        .where(Survey.area_id == area.id, Survey.year == year, SurveyQuestion.is_overall.is_(True))
    ))


def overall_share_column(area: Area):  # type: ignore[no-untyped-def]
    """A correlated subquery: each unit's overall survey result of the area's latest year, or NULL
    when missing or suppressed. Used to sort and show unit lists."""
    year = latest_survey_year(area)
    question_ids = overall_question_ids(area, year) if year else []
    return (
        select(SurveyResult.share_positive)
        .where(and_(SurveyResult.unit_id == Unit.id, SurveyResult.question_id.in_(question_ids or [-1]),
                    SurveyResult.respondents >= MIN_RESPONDENTS))
        .limit(1)
        .correlate(Unit)
        .scalar_subquery()
    ), year


def figure_value_column(figure: KeyFigure):  # type: ignore[no-untyped-def]
    """A correlated subquery: each unit's value of ``figure`` in its latest year, or NULL."""
    year = db.session.scalar(select(func.max(KeyFigureValue.year)).where(
        KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.unit_id.is_not(None)))
    return (
        select(KeyFigureValue.value)
        .where(KeyFigureValue.key_figure_id == figure.id, KeyFigureValue.unit_id == Unit.id,
               KeyFigureValue.year == (year or -1))
        .limit(1)
        .correlate(Unit)
        .scalar_subquery()
    ), year
