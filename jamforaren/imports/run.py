"""Planning and committing an import of any kind: the one entry point for the back office and the CLI."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from jamforaren import audit
from jamforaren.extensions import db
from jamforaren.imports.keyfigures import apply_key_figures, plan_key_figures
from jamforaren.imports.kolada import parse_pages, plan_kolada
from jamforaren.imports.plan import ImportKind, ImportPlan
from jamforaren.imports.reading import UnreadableFile, read_table
from jamforaren.imports.surveys import apply_surveys, plan_surveys
from jamforaren.models import User

MAX_AUDITED_CHANGES = 100_000


class ImportRefused(RuntimeError):
    """The import has problems; nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{plan.problem_count} problems")
        self.plan = plan


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan_file(kind: ImportKind, data: bytes, filename: str, user: User | None = None) -> ImportPlan:
    """Read and validate the whole file; write nothing."""
    digest = sha256(data)
    try:
        if kind is ImportKind.KOLADA:
            return plan_pages(parse_pages(data), filename, digest, user)
        table = read_table(data, filename)
    except (UnreadableFile, ValueError) as error:
        plan = ImportPlan(kind, filename, digest)
        plan.problem(None, None, error.args[0])
        return plan
    planner = plan_surveys if kind is ImportKind.SURVEYS else plan_key_figures
    return planner(table, filename, digest, user)


def plan_pages(pages: list[dict[str, Any]], filename: str, digest: str, user: User | None = None) -> ImportPlan:
    return plan_kolada(pages, filename, digest, current_app.config["MUNICIPALITY_CODE"], user)


def commit(plan: ImportPlan) -> ImportPlan:
    """Write a plan without problems in one transaction, with one audit event; or raise ImportRefused."""
    if not plan.ok:
        raise ImportRefused(plan)
    if not plan.has_writes:
        return plan  # the same file again: nothing to write, nothing to log
    try:
        if plan.kind is ImportKind.SURVEYS:
            apply_surveys(plan)
        else:
            apply_key_figures(plan)
        changes = plan.summary()
        changes["changes"] = [{"row": c.row, "what": c.subject, "old": c.old, "new": c.new}
                              for c in plan.changes[:MAX_AUDITED_CHANGES]]
        audit.record(db.session, "import", f"{plan.kind.value}_import", None, changes)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return plan


def import_file(kind: ImportKind, data: bytes, filename: str, user: User | None = None) -> ImportPlan:
    """Validate again against the database as it is now, then commit; ImportRefused if anything is wrong."""
    return commit(plan_file(kind, data, filename, user))


NOTHING_TO_DO = _l("The file holds nothing new: every value is already in the portal.")
