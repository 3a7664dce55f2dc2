"""Read and validate the seed catalogue (``seed/catalogue``): processes and kundval areas.

``load_catalogue(path)`` reads every file, checks every field and returns plain data; if anything
is wrong it raises ``CatalogueError`` listing every problem with its file and field, so a municipality
editing the files sees all mistakes at once and nothing half-valid is ever written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KOLADA_KPI = re.compile(r"^[NUS]\d{5}$")
ATTRIBUTE_TYPES = {"choice", "multichoice", "boolean", "integer", "text"}
FIGURE_UNITS = {"percent", "kronor", "number", "points", "days", "hours"}
FIGURE_SOURCES = {"kolada", "municipality", "national"}
FIGURE_SCOPES = {"unit", "municipality"}
# Attribute keys become GET parameters of the area page; these names are taken by its own filters.
RESERVED_ATTRIBUTE_KEYS = {"kommundel", "driftsform", "sprak", "ledigt", "sortera", "sida", "enhet"}
THEMES = {"trygghet", "bemotande", "inflytande", "information", "larande", "utveckling", "miljo",
          "maltider", "kontinuitet", "tillganglighet", "helhet"}


class CatalogueError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The catalogue has problems:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Catalogue:
    processes: list[dict[str, Any]]
    areas: list[dict[str, Any]] = field(default_factory=list)

    def area(self, slug: str) -> dict[str, Any]:
        return next(a for a in self.areas if a["slug"] == slug)


class _Checker:
    """Collects problems while walking one file."""

    def __init__(self, file_label: str, problems: list[str]):
        self.file = file_label
        self.problems = problems

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "must be a mapping")
            return {}
        return value

    def sequence(self, value: Any, where: str, minimum: int = 0, maximum: int | None = None) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return []
        if len(value) < minimum or (maximum is not None and len(value) > maximum):
            bound = f"{minimum}–{maximum}" if maximum is not None else f"at least {minimum}"
            self.fail(where, f"must have {bound} entries, has {len(value)}")
        return value

    def text(self, data: dict[str, Any], key: str, where: str, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is missing")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
            self.fail(f"{where}.{key}", "must be a non-empty text")
            return None
        return str(value).strip()

    def slug(self, data: dict[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where) or ""
        if value and not SLUG.match(value):
            self.fail(f"{where}.{key}", f"{value!r} may only hold a–z, 0–9 and single hyphens")
        return value

    def bilingual(self, data: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is missing")
            return {"sv": "", "en": None} if required else {}
        if not isinstance(value, dict):
            self.fail(f"{where}.{key}", "must be a mapping {sv: …, en: …}")
            return {"sv": "", "en": None}
        unknown = set(value) - {"sv", "en"}
        if unknown:
            self.fail(f"{where}.{key}", f"unknown language(s) {', '.join(sorted(unknown))}")
        sv = self.text(value, "sv", f"{where}.{key}")
        en = self.text(value, "en", f"{where}.{key}", required=False)
        return {"sv": sv or "", "en": en}

    def boolean(self, data: dict[str, Any], key: str, where: str, default: bool | None = False,
                nullable: bool = False) -> bool | None:
        if key not in data:
            return default
        value = data[key]
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", "must be true or false" + (" or null" if nullable else ""))
            return default
        return value

    def integer(self, data: dict[str, Any], key: str, where: str, minimum: int | None = None,
                required: bool = True) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "is missing")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
            self.fail(f"{where}.{key}", "must be a whole number" + (f" ≥ {minimum}" if minimum is not None else ""))
            return None
        return value

    def choice(self, data: dict[str, Any], key: str, where: str, allowed: set[str], default: str | None = None) -> str:
        value = data.get(key, default)
        if value not in allowed:
            self.fail(f"{where}.{key}", f"must be one of {', '.join(sorted(allowed))}, not {value!r}")
            return default or sorted(allowed)[0]
        return value

    def unique(self, values: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(where, f"{what} {value!r} appears more than once")
            seen.add(value)


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        problems.append(f"{path}: file not found")
    except UnicodeDecodeError:
        problems.append(f"{path}: is not UTF-8 text")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(f"{path}: is not valid YAML{place}: {getattr(error, 'problem', error)}")
    return None


def _process(check: _Checker, raw: Any, where: str) -> dict[str, Any]:
    data = check.mapping(raw, where)
    return {
        "slug": check.slug(data, "slug", where),
        "name": check.bilingual(data, "name", where),
        "committee": check.bilingual(data, "committee", where),
        "description": check.bilingual(data, "description", where),
    }


def _attributes(check: _Checker, raw: Any) -> list[dict[str, Any]]:
    attributes = []
    for i, item in enumerate(check.sequence(raw if raw is not None else [], "attributes", 0, 8)):
        where = f"attributes[{i}]"
        data = check.mapping(item, where)
        kind = check.choice(data, "type", where, ATTRIBUTE_TYPES)
        key = check.slug(data, "key", where)
        if key in RESERVED_ATTRIBUTE_KEYS:
            check.fail(f"{where}.key", f"{key!r} is used by the area page's own filters; choose another key")
        attribute: dict[str, Any] = {
            "key": key,
            "type": kind,
            "label": check.bilingual(data, "label", where),
            "filter": bool(check.boolean(data, "filter", where, default=False)),
        }
        if kind in ("choice", "multichoice"):
            options = []
            for j, option in enumerate(check.sequence(data.get("options"), f"{where}.options", 2)):
                owhere = f"{where}.options[{j}]"
                odata = check.mapping(option, owhere)
                options.append({"key": check.slug(odata, "key", owhere),
                                "label": check.bilingual(odata, "label", owhere)})
            check.unique([o["key"] for o in options], f"{where}.options", "option key")
            attribute["options"] = options
        elif "options" in data:
            check.fail(f"{where}.options", f"only choice and multichoice attributes have options, not {kind}")
        attributes.append(attribute)
    check.unique([a["key"] for a in attributes], "attributes", "attribute key")
    return attributes


def _rulebook(check: _Checker, raw: Any) -> dict[str, Any]:
    data = check.mapping(raw, "rulebook")
    valid_from = data.get("valid_from")
    if not isinstance(valid_from, date):
        check.fail("rulebook.valid_from", "must be a date written YYYY-MM-DD")
        valid_from = date(2000, 1, 1)
    chapters = []
    norm_count = 0
    for i, item in enumerate(check.sequence(data.get("chapters"), "rulebook.chapters", 2, 12)):
        where = f"rulebook.chapters[{i}]"
        cdata = check.mapping(item, where)
        norms = []
        for j, norm in enumerate(check.sequence(cdata.get("norms"), f"{where}.norms", 1)):
            nwhere = f"{where}.norms[{j}]"
            ndata = check.mapping(norm, nwhere)
            norms.append({
                "key": check.slug(ndata, "key", nwhere),
                "code": check.text(ndata, "code", nwhere) or "",
                "title": check.bilingual(ndata, "title", nwhere),
                "requirement": check.bilingual(ndata, "requirement", nwhere),
                "guidance": check.bilingual(ndata, "guidance", nwhere),
            })
        norm_count += len(norms)
        chapters.append({
            "number": check.integer(cdata, "number", where, minimum=1) or i + 1,
            "title": check.bilingual(cdata, "title", where),
            "norms": norms,
        })
    if not 8 <= norm_count <= 15:
        check.fail("rulebook.chapters", f"must hold 8–15 norms in all, holds {norm_count}")
    check.unique([str(c["number"]) for c in chapters], "rulebook.chapters", "chapter number")
    check.unique([n["key"] for c in chapters for n in c["norms"]], "rulebook", "norm key")
    check.unique([n["code"] for c in chapters for n in c["norms"]], "rulebook", "norm code")
    return {
        "version": check.integer(data, "version", "rulebook", minimum=1) or 1,
        "valid_from": valid_from,
        "decision_reference": check.text(data, "decision_reference", "rulebook", required=False),
        "title": check.bilingual(data, "title", "rulebook"),
        "chapters": chapters,
    }


def _surveys(check: _Checker, raw: Any) -> list[dict[str, Any]]:
    surveys = []
    for i, item in enumerate(check.sequence(raw, "surveys", 1, 3)):
        where = f"surveys[{i}]"
        data = check.mapping(item, where)
        questions = []
        for j, question in enumerate(check.sequence(data.get("questions"), f"{where}.questions", 3, 12)):
            qwhere = f"{where}.questions[{j}]"
            qdata = check.mapping(question, qwhere)
            demo_mean = qdata.get("demo_mean", 85)
            if not isinstance(demo_mean, (int, float)) or isinstance(demo_mean, bool) or not 0 <= demo_mean <= 100:
                check.fail(f"{qwhere}.demo_mean", "must be a number between 0 and 100")
                demo_mean = 85
            questions.append({
                "code": check.slug(qdata, "code", qwhere),
                "theme": check.choice(qdata, "theme", qwhere, THEMES),
                "text": check.bilingual(qdata, "text", qwhere),
                "overall": bool(check.boolean(qdata, "overall", qwhere, default=False)),
                "demo_mean": float(demo_mean),
            })
        check.unique([q["code"] for q in questions], f"{where}.questions", "question code")
        surveys.append({
            "respondent_group": check.slug(data, "respondent_group", where),
            "title": check.bilingual(data, "title", where),
            "respondents": check.bilingual(data, "respondents", where),
            "source": check.bilingual(data, "source", where),
            "questions": questions,
        })
    check.unique([s["respondent_group"] for s in surveys], "surveys", "respondent group")
    overall = sum(q["overall"] for s in surveys for q in s["questions"])
    if surveys and overall != 1:
        check.fail("surveys", f"exactly one question must have overall: true, found {overall}")
    return surveys


def _key_figures(check: _Checker, raw: Any) -> list[dict[str, Any]]:
    figures = []
    for i, item in enumerate(check.sequence(raw, "key_figures", 1, 10)):
        where = f"key_figures[{i}]"
        data = check.mapping(item, where)
        source = check.choice(data, "source", where, FIGURE_SOURCES)
        kpi = check.text(data, "kolada_kpi", where, required=source == "kolada")
        if kpi and not KOLADA_KPI.match(kpi):
            check.fail(f"{where}.kolada_kpi", f"{kpi!r} is not a Kolada KPI id (like N15501)")
        if kpi and source != "kolada":
            check.fail(f"{where}.kolada_kpi", "only figures with source: kolada have a Kolada KPI id")
        demo_range = data.get("demo_range")
        if (not isinstance(demo_range, list) or len(demo_range) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in demo_range)
                or demo_range[0] > demo_range[1]):
            check.fail(f"{where}.demo_range", "must be [low, high] with low ≤ high")
            demo_range = [0, 1]
        figures.append({
            "code": check.text(data, "code", where) or "",
            "name": check.bilingual(data, "name", where),
            "description": check.bilingual(data, "description", where),
            "unit": check.choice(data, "unit", where, FIGURE_UNITS),
            "decimals": check.integer(data, "decimals", where, minimum=0, required=False) or 0,
            "higher_is_better": check.boolean(data, "higher_is_better", where, default=None, nullable=True),
            "scope": check.choice(data, "scope", where, FIGURE_SCOPES, default="unit"),
            "economy": bool(check.boolean(data, "economy", where, default=False)),
            "source": source,
            "kolada_kpi": kpi,
            "source_name": check.bilingual(data, "source_name", where),
            "demo_range": [float(demo_range[0]), float(demo_range[1])],
        })
        if "higher_is_better" not in data:
            check.fail(f"{where}.higher_is_better", "is missing (true, false or null)")
    check.unique([f["code"] for f in figures], "key_figures", "key figure code")
    return figures


def _area(path: Path, raw: Any, process_slugs: set[str], problems: list[str]) -> dict[str, Any]:
    check = _Checker(str(path), problems)
    data = check.mapping(raw, "(file)")
    slug = check.slug(data, "slug", "(file)")
    if slug and path.stem != slug:
        check.fail("slug", f"{slug!r} does not match the file name {path.name}")
    process = check.text(data, "process", "(file)") or ""
    if process and process not in process_slugs:
        check.fail("process", f"{process!r} is not a process in processes.yaml")
    return {
        "slug": slug,
        "process": process,
        "position": check.integer(data, "position", "(file)", minimum=0) or 0,
        "name": check.bilingual(data, "name", "(file)"),
        "committee": check.bilingual(data, "committee", "(file)", required=False),
        "target_group": check.bilingual(data, "target_group", "(file)"),
        "description": check.bilingual(data, "description", "(file)"),
        "legal_basis": check.bilingual(data, "legal_basis", "(file)", required=False),
        "attributes": _attributes(check, data.get("attributes")),
        "rulebook": _rulebook(check, data.get("rulebook")),
        "surveys": _surveys(check, data.get("surveys")),
        "key_figures": _key_figures(check, data.get("key_figures")),
    }


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and validate a catalogue folder; raise ``CatalogueError`` listing every problem."""
    root = Path(path)
    problems: list[str] = []
    if not root.is_dir():
        raise CatalogueError([f"{root}: catalogue folder not found"])

    raw_processes = _read_yaml(root / "processes.yaml", problems)
    processes = []
    if raw_processes is not None:
        check = _Checker(str(root / "processes.yaml"), problems)
        entries = check.sequence(check.mapping(raw_processes, "(file)").get("processes"), "processes", 1)
        processes = [_process(check, item, f"processes[{i}]") for i, item in enumerate(entries)]
        check.unique([p["slug"] for p in processes], "processes", "process slug")
    process_slugs = {p["slug"] for p in processes}

    area_files = sorted((root / "areas").glob("*.yaml"))
    if not area_files:
        problems.append(f"{root / 'areas'}: no area files (*.yaml) found")
    areas = []
    for area_path in area_files:
        raw = _read_yaml(area_path, problems)
        if raw is not None:
            areas.append(_area(area_path, raw, process_slugs, problems))

    if problems:
        raise CatalogueError(problems)
    order = {slug: i for i, slug in enumerate(p["slug"] for p in processes)}
    areas.sort(key=lambda a: (order[a["process"]], a["position"], a["slug"]))
    return Catalogue(processes=processes, areas=areas)
