"""Survey results (kundundersökningar) from a vendor's file: one row per unit, question and year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from jamforaren.extensions import db
from jamforaren.imports import bulk, common
from jamforaren.imports.columns import SURVEY_COLUMNS
from jamforaren.imports.lookups import AuthorisedYears, Units, key
from jamforaren.imports.plan import Change, ImportKind, ImportPlan
from jamforaren.imports.reading import Table
from jamforaren import formatting
from jamforaren.imports.values import BadValue, decimal, integer
from jamforaren.models import Area, Survey, SurveyQuestion, SurveyResult, User

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MAX_RESPONDENTS = 1_000_000  # more than any unit has; their sum must fit an INTEGER column (the municipal total)
MUNICIPALITY = common.MUNICIPALITY


@dataclass
class QuestionSet:
    """One area × year × respondent group: its question ids by code, or the set a new one copies."""

    survey_id: int | None
    template_id: int
    questions: dict[str, int | str]  # code → question id, or the code itself for a set still to create


class QuestionSets:
    def __init__(self, area_ids: set[int]) -> None:
        self.surveys: dict[tuple[int, int, str], int] = {}
        self.groups: dict[int, list[str]] = defaultdict(list)
        self.codes: dict[int, dict[str, int]] = defaultdict(dict)
        for survey_id, area_id, year, group in db.session.execute(
                select(Survey.id, Survey.area_id, Survey.year, Survey.respondent_group)
                .where(Survey.area_id.in_(area_ids)).order_by(Survey.year)):
            self.surveys[(area_id, year, group)] = survey_id
            if group not in self.groups[area_id]:
                self.groups[area_id].append(group)
        for question_id, survey_id, code in db.session.execute(
                select(SurveyQuestion.id, SurveyQuestion.survey_id, SurveyQuestion.code)
                .join(Survey).where(Survey.area_id.in_(area_ids))):
            self.codes[survey_id][code.casefold()] = question_id
        self._resolved: dict[tuple[int, int, str], QuestionSet | None] = {}

    def get(self, area_id: int, year: int, group: str) -> QuestionSet | None:
        wanted = (area_id, year, group)
        if wanted not in self._resolved:
            survey_id = self.surveys.get(wanted)
            if survey_id is not None:
                found = QuestionSet(survey_id, survey_id, dict(self.codes[survey_id]))
            else:
                same_group = sorted((y, s) for (a, y, g), s in self.surveys.items() if a == area_id and g == group)
                earlier = [s for y, s in same_group if y < year]
                template = earlier[-1] if earlier else (same_group[0][1] if same_group else None)
                found = None if template is None else QuestionSet(
                    None, template, {code: code for code in self.codes[template]})
            self._resolved[wanted] = found
        return self._resolved[wanted]


def plan_surveys(table: Table, filename: str, sha256: str, user: User | None = None) -> ImportPlan:
    plan = ImportPlan(ImportKind.SURVEYS, filename, sha256, rows_read=len(table.rows))
    columns = common.columns(plan, table, SURVEY_COLUMNS)
    if columns is None:
        return plan
    rows = common.Rows(plan, table, columns, user)
    area_ids = rows.area_ids()
    question_sets = QuestionSets(area_ids)
    authorised = AuthorisedYears(area_ids)
    units = Units()
    label = columns.labels.get

    seen: dict[tuple, int] = {}
    wanted: dict[tuple[int, int, str], dict[tuple[str, int | None], tuple[int, int, Decimal]]] = defaultdict(dict)
    for number, cells in table.rows:
        area = rows.area(number, cells)
        year = rows.year(number, cells)
        unit_id = rows.unit(number, cells, units, authorised, area)
        respondents = _respondents(plan, rows, number, cells)
        share = _share(plan, rows, number, cells)
        if area is None or year is None:
            continue
        group = _group(plan, rows, question_sets, area, number, cells)
        if group is None:
            continue
        question_set = question_sets.get(area.id, year, group)
        code = rows.cell(cells, "Fråga")
        if question_set is None or code.casefold() not in question_set.questions:
            plan.problem(number, label("Fråga"), _l("The area's survey has no question “%(question)s”.", question=code))
            continue
        if unit_id is False:
            continue
        if unit_id is not common.MUNICIPALITY and not authorised.authorised(unit_id, area.id, year):
            plan.problem(number, label("Enhet"), _l("%(unit)s was not authorised in %(area)s in %(year)s.",
                                                    unit=units.names[unit_id], area=area.name_sv, year=year))
            continue
        duplicate_key = (area.id, year, group, code.casefold(), unit_id)
        if duplicate_key in seen:
            plan.problem(number, None, _l("The same unit, question and year as row %(row)s.", row=seen[duplicate_key]))
            continue
        seen[duplicate_key] = number
        if respondents is None or share is None:
            continue
        if question_set.survey_id is None:
            plan.new_surveys[(area.id, year, group)] = question_set.template_id
        wanted[(area.id, year, group)][(code.casefold(), unit_id)] = (number, respondents, share)
        plan.per_area_year[(area.name_sv, year)] += 1
    if plan.ok:
        _compare(plan, wanted, question_sets, units)
    return plan


def _respondents(plan: ImportPlan, rows: common.Rows, number: int, cells: list[Any]) -> int | None:
    try:
        respondents = integer(rows.raw(cells, "Antal svarande"))
        if respondents > MAX_RESPONDENTS:
            plan.problem(number, rows.columns.labels["Antal svarande"], _l("The number of respondents is too large."))
            return None
        if respondents >= 0:
            return respondents
    except BadValue:
        pass
    plan.problem(number, rows.columns.labels["Antal svarande"],
                 _l("The number of respondents must be a whole number, 0 or more."))
    return None


def _share(plan: ImportPlan, rows: common.Rows, number: int, cells: list[Any]) -> Decimal | None:
    try:
        value = decimal(rows.raw(cells, "Andel positiva"))
        if Decimal(0) <= value <= Decimal(100):
            return value.quantize(CENT, ROUND_HALF_EVEN)
    except BadValue:
        pass
    plan.problem(number, rows.columns.labels["Andel positiva"],
                 _l("The share of positive answers must be a number from 0 to 100."))
    return None


def _group(plan: ImportPlan, rows: common.Rows, question_sets: QuestionSets, area: Area, number: int,
           cells: list[Any]) -> str | None:
    """The respondent group named in the row, or the area's only one."""
    groups = question_sets.groups.get(area.id, [])
    given = rows.cell(cells, "Respondentgrupp")
    label = rows.columns.labels.get("Respondentgrupp", "Respondentgrupp")
    if not groups:
        plan.problem(number, rows.columns.labels["Område"], _l("The area has no survey in the catalogue."))
        return None
    if not given:
        if len(groups) == 1:
            return groups[0]
        plan.problem(number, label, _l("The area has several respondent groups (%(groups)s); name one.",
                                       groups=", ".join(groups)))
        return None
    matches = [g for g in groups if key(g) == key(given)]
    if matches:
        return matches[0]
    plan.problem(number, label, _l("The area has no respondent group “%(group)s” (it has %(groups)s).",
                                   group=given, groups=", ".join(groups)))
    return None


def _compare(plan: ImportPlan, wanted: dict, question_sets: QuestionSets, units: Units) -> None:
    """Fill the plan with what is new, what changes and what stays as it is."""
    question_ids = [q for (a, y, g) in wanted for q in question_sets.get(a, y, g).questions.values()
                    if isinstance(q, int)]
    existing: dict[tuple[int, int], tuple[int, int, Decimal]] = {}
    municipal: dict[int, tuple[Decimal | None, int | None]] = {}
    for chunk in common.chunks(question_ids):
        for result_id, question_id, unit_id, respondents, share in db.session.execute(
                select(SurveyResult.id, SurveyResult.question_id, SurveyResult.unit_id, SurveyResult.respondents,
                       SurveyResult.share_positive).where(SurveyResult.question_id.in_(chunk))):
            existing[(question_id, unit_id)] = (result_id, respondents, Decimal(share).quantize(CENT))
        for question_id, share, respondents in db.session.execute(
                select(SurveyQuestion.id, SurveyQuestion.municipal_share_positive,
                       SurveyQuestion.municipal_respondents).where(SurveyQuestion.id.in_(chunk))):
            municipal[question_id] = (share, respondents)

    municipality_label = str(_l("The municipality"))
    for (area_id, year, group), rows in wanted.items():
        question_set = question_sets.get(area_id, year, group)
        totals: dict[str, dict[int, tuple[int, Decimal]]] = defaultdict(dict)
        given_totals: dict[str, tuple[int, int, Decimal]] = {}
        for (code, unit_id), (number, respondents, share) in rows.items():
            question = question_set.questions[code]
            if unit_id is MUNICIPALITY:
                given_totals[code] = (number, respondents, share)
                continue
            totals[code][unit_id] = (respondents, share)
            subject = f"{units.names[unit_id]} · {code} · {year}"
            before = existing.get((question, unit_id)) if isinstance(question, int) else None
            if before is None:
                plan.added += 1
                plan.result_inserts.append({"question": (area_id, year, group, code), "unit_id": unit_id,
                                            "respondents": respondents, "share_positive": share})
            elif before[1:] != (respondents, share):
                plan.changes.append(Change(number, subject, _result_text(before[1], before[2]),
                                           _result_text(respondents, share)))
                plan.result_updates.append({"id": before[0], "respondents": respondents, "share_positive": share})
            else:
                plan.unchanged += 1
        for code in sorted(set(totals) | set(given_totals)):
            question = question_set.questions[code]
            if code in given_totals:
                number, respondents, share = given_totals[code]
            else:  # the municipality's total, weighted by respondents, over every unit's result
                merged = {unit_id: (r, s) for (q, unit_id), (_, r, s) in existing.items() if q == question}
                merged.update(totals[code])
                respondents = sum(r for r, _ in merged.values())
                if not respondents:
                    continue
                share = (sum(r * s for r, s in merged.values()) / respondents).quantize(TENTH, ROUND_HALF_EVEN)
                number = None
            old_share, old_respondents = municipal.get(question, (None, None)) if isinstance(question, int) \
                else (None, None)
            if old_share is not None and (Decimal(old_share).quantize(CENT), old_respondents) == (
                    share.quantize(CENT), respondents):
                if number is not None:
                    plan.unchanged += 1
                continue
            plan.municipal_updates.append({"question": (area_id, year, group, code),
                                           "municipal_share_positive": share, "municipal_respondents": respondents})
            if number is not None or old_share is not None:
                subject = f"{municipality_label} · {code} · {year}"
                old = _result_text(old_respondents, Decimal(old_share)) if old_share is not None else "–"
                plan.changes.append(Change(number, subject, old, _result_text(respondents, share)))


def _result_text(respondents: int | None, share: Decimal) -> str:
    decimals = max(0, -share.normalize().as_tuple().exponent)
    return str(_l("%(share)s (%(respondents)s respondents)", share=formatting.percent(share, decimals),
                  respondents=formatting.number(respondents)))


def apply_surveys(plan: ImportPlan) -> None:
    """Write the plan in the current transaction (the caller commits)."""
    question_ids = _create_question_sets(plan)
    bulk.insert_rows(SurveyResult.__table__, ("question_id", "unit_id", "respondents", "share_positive"), [
        {"question_id": question_ids[row["question"]], "unit_id": row["unit_id"], "respondents": row["respondents"],
         "share_positive": row["share_positive"]} for row in plan.result_inserts])
    bulk.update_rows(SurveyResult.__table__, ("respondents", "share_positive"), plan.result_updates)
    bulk.update_rows(SurveyQuestion.__table__, ("municipal_share_positive", "municipal_respondents"), [
        {"id": question_ids[row["question"]], "municipal_share_positive": row["municipal_share_positive"],
         "municipal_respondents": row["municipal_respondents"]} for row in plan.municipal_updates])


def _create_question_sets(plan: ImportPlan) -> dict[tuple[int, int, str, str], int]:
    """New years' question sets copied from the newest earlier one; then every question id by key."""
    for (area_id, year, group), template_id in plan.new_surveys.items():
        template = db.session.get(Survey, template_id)
        survey = Survey(area_id=area_id, year=year, respondent_group=group, title_sv=template.title_sv,
                        title_en=template.title_en, respondents_sv=template.respondents_sv,
                        respondents_en=template.respondents_en, source_sv=template.source_sv,
                        source_en=template.source_en)
        for question in template.questions:
            survey.questions.append(SurveyQuestion(
                code=question.code, theme=question.theme, position=question.position,
                is_overall=question.is_overall, text_sv=question.text_sv, text_en=question.text_en))
        db.session.add(survey)
    db.session.flush()
    keys = {row["question"][:3] for row in plan.result_inserts + plan.municipal_updates}
    ids: dict[tuple[int, int, str, str], int] = {}
    for area_id, year, group in keys:
        for question_id, code in db.session.execute(
                select(SurveyQuestion.id, SurveyQuestion.code).join(Survey).where(
                    Survey.area_id == area_id, Survey.year == year, Survey.respondent_group == group)):
            ids[(area_id, year, group, code.casefold())] = question_id
    return ids
