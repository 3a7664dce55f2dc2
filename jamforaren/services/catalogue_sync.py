"""Write a validated catalogue into the database.

Running it again updates texts in place (processes, areas, key-figure definitions) and adds what is
missing. A rulebook version that already exists is never changed: rules change by new versions. A
survey's question set is created for the given years when it does not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from jamforaren.catalogue import Catalogue
from jamforaren.extensions import db
from jamforaren.models import (
    Area, FigureScope, FigureSource, FigureUnit, KeyFigure, Norm, Process, Rulebook, RulebookChapter,
    Survey, SurveyQuestion,
)


@dataclass
class SyncReport:
    processes: int = 0
    areas: int = 0
    rulebooks_created: int = 0
    norms_created: int = 0
    surveys_created: int = 0
    key_figures: int = 0


def _texts(target: Any, field: str, value: dict[str, str | None]) -> None:
    setattr(target, f"{field}_sv", value.get("sv") or "")
    setattr(target, f"{field}_en", value.get("en"))


def _optional_texts(target: Any, field: str, value: dict[str, str | None]) -> None:
    setattr(target, f"{field}_sv", value.get("sv") or None)
    setattr(target, f"{field}_en", value.get("en"))


def _upsert_process(position: int, data: dict[str, Any]) -> Process:
    process = db.session.scalar(select(Process).where(Process.slug == data["slug"]))
    if process is None:
        process = Process(slug=data["slug"])
        db.session.add(process)
    process.position = position
    _texts(process, "name", data["name"])
    _texts(process, "committee", data["committee"])
    _texts(process, "description", data["description"])
    return process


def _upsert_area(data: dict[str, Any], process: Process) -> Area:
    area = db.session.scalar(select(Area).where(Area.slug == data["slug"]))
    if area is None:
        area = Area(slug=data["slug"])
        db.session.add(area)
    area.process = process
    area.position = data["position"]
    _texts(area, "name", data["name"])
    _optional_texts(area, "committee", data["committee"])
    _texts(area, "target_group", data["target_group"])
    _texts(area, "description", data["description"])
    _optional_texts(area, "legal_basis", data["legal_basis"])
    area.attribute_definitions = data["attributes"]
    return area


def _create_rulebook(area: Area, data: dict[str, Any], report: SyncReport) -> None:
    exists = db.session.scalar(
        select(Rulebook.id).where(Rulebook.area_id == area.id, Rulebook.version == data["version"])
    )
    if exists:
        return
    rulebook = Rulebook(area=area, version=data["version"], valid_from=data["valid_from"],
                        decision_reference=data["decision_reference"])
    _texts(rulebook, "title", data["title"])
    position = 0
    for chapter_data in data["chapters"]:
        chapter = RulebookChapter(rulebook=rulebook, number=chapter_data["number"])
        _texts(chapter, "title", chapter_data["title"])
        for norm_data in chapter_data["norms"]:
            position += 1
            norm = Norm(rulebook=rulebook, chapter=chapter, key=norm_data["key"], code=norm_data["code"],
                        position=position)
            _texts(norm, "title", norm_data["title"])
            _texts(norm, "requirement", norm_data["requirement"])
            _texts(norm, "guidance", norm_data["guidance"])
            report.norms_created += 1
    db.session.add(rulebook)
    report.rulebooks_created += 1


def create_surveys(area: Area, surveys: list[dict[str, Any]], year: int) -> list[Survey]:
    """Create the area's question sets for ``year`` where they do not exist; return all of that year."""
    result = []
    for data in surveys:
        survey = db.session.scalar(select(Survey).where(
            Survey.area_id == area.id, Survey.year == year, Survey.respondent_group == data["respondent_group"]
        ))
        if survey is None:
            survey = Survey(area=area, year=year, respondent_group=data["respondent_group"])
            _texts(survey, "title", data["title"])
            _texts(survey, "respondents", data["respondents"])
            _texts(survey, "source", data["source"])
            for position, question_data in enumerate(data["questions"], start=1):
                question = SurveyQuestion(code=question_data["code"], theme=question_data["theme"],
                                          position=position, is_overall=question_data["overall"])
                _texts(question, "text", question_data["text"])
                survey.questions.append(question)
            db.session.add(survey)
        result.append(survey)
    return result


def _upsert_key_figures(area: Area, figures: list[dict[str, Any]]) -> None:
    for position, data in enumerate(figures, start=1):
        figure = db.session.scalar(select(KeyFigure).where(KeyFigure.area_id == area.id,
                                                           KeyFigure.code == data["code"]))
        if figure is None:
            figure = KeyFigure(area=area, code=data["code"])
            db.session.add(figure)
        figure.position = position
        _texts(figure, "name", data["name"])
        _texts(figure, "description", data["description"])
        _texts(figure, "source_name", data["source_name"])
        figure.unit = FigureUnit(data["unit"])
        figure.decimals = data["decimals"]
        figure.higher_is_better = data["higher_is_better"]
        figure.scope = FigureScope(data["scope"])
        figure.is_economy = data["economy"]
        figure.source = FigureSource(data["source"])
        figure.kolada_kpi = data["kolada_kpi"]


def sync_catalogue(catalogue: Catalogue, survey_years: Iterable[int]) -> SyncReport:
    """Write the catalogue in the current transaction; the caller commits."""
    report = SyncReport()
    processes = {}
    for position, data in enumerate(catalogue.processes, start=1):
        processes[data["slug"]] = _upsert_process(position, data)
        report.processes += 1
    db.session.flush()
    years = sorted(set(survey_years))
    for data in catalogue.areas:
        area = _upsert_area(data, processes[data["process"]])
        db.session.flush()
        _create_rulebook(area, data["rulebook"], report)
        for year in years:
            created = create_surveys(area, data["surveys"], year)
            report.surveys_created += sum(1 for s in created if s.id is None)
        _upsert_key_figures(area, data["key_figures"])
        report.areas += 1
        report.key_figures += len(data["key_figures"])
    db.session.flush()
    return report
