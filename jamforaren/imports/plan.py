"""What an import would do: the problems that stop it, and the additions and changes it would make."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l


class ImportKind(enum.StrEnum):
    SURVEYS = "surveys"
    KEY_FIGURES = "keyfigures"
    KOLADA = "kolada"


KIND_LABELS = {
    ImportKind.SURVEYS: _l("Survey results (CSV or Excel)"),
    ImportKind.KEY_FIGURES: _l("Key figures (CSV or Excel)"),
    ImportKind.KOLADA: _l("Key figures from Kolada (JSON)"),
}

MAX_PROBLEMS = 1000  # after this many, the file is clearly wrong; the rest are counted, not listed


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file, when ``row`` is None) cannot be imported."""

    row: int | None
    column: str | None
    message: Any  # a lazy translated string

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(str(_l("row %(row)s", row=self.row)))
        if self.column:
            where.append(str(_l("column %(column)s", column=self.column)))
        return f"{', '.join(where)}: {self.message}" if where else str(self.message)


@dataclass(frozen=True)
class Change:
    """A value the import would replace: where, what it was and what it becomes."""

    row: int | None
    subject: str
    old: str
    new: str


@dataclass
class ImportPlan:
    kind: ImportKind
    filename: str
    sha256: str
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    skipped: list[Problem] = field(default_factory=list)  # not errors: e.g. Kolada units we do not map
    ignored_columns: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    changes: list[Change] = field(default_factory=list)
    per_area_year: Counter[tuple[str, int]] = field(default_factory=Counter)
    # what apply() writes
    new_surveys: dict[tuple[int, int, str], int] = field(default_factory=dict)  # (area, year, group) → template
    result_inserts: list[dict[str, Any]] = field(default_factory=list)
    result_updates: list[dict[str, Any]] = field(default_factory=list)
    municipal_updates: list[dict[str, Any]] = field(default_factory=list)
    value_inserts: list[dict[str, Any]] = field(default_factory=list)
    value_updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem_count

    @property
    def changed(self) -> int:
        return len(self.changes)

    @property
    def has_writes(self) -> bool:
        return bool(self.result_inserts or self.result_updates or self.municipal_updates or self.value_inserts
                    or self.value_updates or self.new_surveys)

    def problem(self, row: int | None, column: str | None, message: Any) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))

    def summary(self) -> dict[str, Any]:
        """Plain figures for the audit log and the command line."""
        return {"kind": self.kind.value, "file": self.filename, "sha256": self.sha256, "rows": self.rows_read,
                "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                "skipped": len(self.skipped), "new_question_sets": len(self.new_surveys)}
