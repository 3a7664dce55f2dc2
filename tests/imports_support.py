"""Shared by the import tests: demo units to import for, files in every variant, a database snapshot."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import (
    Area, AuditEvent, Authorisation, AuthorisationEvent, AuthorisationStatus, KeyFigureValue, Survey, SurveyQuestion,
    SurveyResult, Unit,
)

YEAR = 2025


@dataclass(frozen=True)
class Target:
    unit_id: int
    slug: str
    name: str
    question: str  # a question code of the area's survey
    question_text: str


def authorised_units(app: Flask, area_slug: str, count: int, year: int = YEAR) -> list[Target]:
    """Units authorised in the area for all of ``year`` (by their decisions), with a unique name."""
    with app.app_context():
        area = db.session.scalar(select(Area).where(Area.slug == area_slug))
        survey = db.session.scalar(select(Survey).where(Survey.area_id == area.id, Survey.year == year)
                                   .order_by(Survey.respondent_group))
        question = survey.questions[0]
        found = []
        for authorisation in db.session.scalars(select(Authorisation).where(
                Authorisation.area_id == area.id, Authorisation.status == AuthorisationStatus.AUTHORISED)
                .order_by(Authorisation.id)):
            events = authorisation.events
            unit = authorisation.unit
            same_name = db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name == unit.name))
            if (same_name == 1 and len(events) == 2 and events[-1].status is AuthorisationStatus.AUTHORISED
                    and events[-1].decided_on < date(year, 1, 1)):
                found.append(Target(unit.id, unit.slug, unit.name, question.code, question.text_sv))
            if len(found) == count:
                return found
    raise AssertionError(f"not {count} units authorised all of {year} in {area_slug}")


def never_authorised(app: Flask, area_slug: str) -> str:
    """The slug of a unit that has applied in the area but never been authorised."""
    with app.app_context():
        statuses = select(AuthorisationEvent.authorisation_id).where(
            AuthorisationEvent.status == AuthorisationStatus.AUTHORISED)
        slug = db.session.scalar(select(Unit.slug).join(Authorisation).join(Area).where(
            Area.slug == area_slug, Authorisation.status == AuthorisationStatus.APPLIED,
            Authorisation.id.not_in(statuses)).order_by(Unit.id))
        assert slug, f"no unit only applying in {area_slug}"
        return slug


def snapshot(app: Flask) -> tuple:
    """Everything an import may write, to show that nothing changed."""
    with app.app_context():
        results = db.session.execute(select(SurveyResult.question_id, SurveyResult.unit_id, SurveyResult.respondents,
                                            SurveyResult.share_positive).order_by(SurveyResult.id)).all()
        municipal = db.session.execute(select(SurveyQuestion.id, SurveyQuestion.municipal_share_positive,
                                              SurveyQuestion.municipal_respondents).order_by(SurveyQuestion.id)).all()
        values = db.session.execute(select(KeyFigureValue.key_figure_id, KeyFigureValue.unit_id, KeyFigureValue.year,
                                           KeyFigureValue.value).order_by(KeyFigureValue.id)).all()
        surveys = db.session.scalar(select(func.count()).select_from(Survey))
        audit = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.entity_type != "user"))  # signing in is recorded too
        return results, municipal, values, surveys, audit


def result_of(app: Flask, unit_id: int, area_slug: str, code: str, year: int = YEAR) -> tuple[int, Decimal] | None:
    with app.app_context():
        row = db.session.execute(select(SurveyResult.respondents, SurveyResult.share_positive)
                                 .join(SurveyQuestion).join(Survey).join(Area).where(
            SurveyResult.unit_id == unit_id, Area.slug == area_slug, Survey.year == year,
            SurveyQuestion.code == code)).first()
        return None if row is None else (row[0], Decimal(row[1]))


def csv_bytes(rows: list[list[str]], separator: str = ";", encoding: str = "utf-8-sig", newline: str = "\r\n") -> bytes:
    return (newline.join(separator.join(cells) for cells in rows) + newline).encode(encoding)


def xlsx_bytes(rows: list[list[object]], percent_columns: tuple[int, ...] = ()) -> bytes:
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for column in percent_columns:
        for cells in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            for cell in cells:
                cell.number_format = "0.0%"
    sheet.append([])  # Excel's trailing blank rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
