"""The column layouts of the files, with the header names people use for each column."""

from __future__ import annotations

from dataclasses import dataclass

from jamforaren.imports.values import normalise_header


@dataclass(frozen=True)
class Column:
    name: str  # the name in the documented layout
    aliases: tuple[str, ...]
    required: bool = True


AREA = Column("Område", ("område", "kundval", "kundvalsområde", "area", "verksamhet"))
YEAR = Column("År", ("år", "ar", "year", "undersökningsår", "period"))
UNIT = Column("Enhet", ("enhet", "enhetskod", "enhetsnamn", "enhets id", "unit", "unit code", "unit name"))

SURVEY_COLUMNS = (
    AREA, YEAR, UNIT,
    Column("Respondentgrupp", ("respondentgrupp", "målgrupp", "grupp", "respondent group", "group"), required=False),
    Column("Fråga", ("fråga", "frågekod", "fraga", "question", "question code")),
    Column("Antal svarande", ("antal svarande", "svarande", "antal svar", "respondents", "n")),
    Column("Andel positiva", ("andel positiva", "andel positiva svar", "andel nöjda", "andel", "resultat",
                              "share positive", "positive share", "share")),
)

KEY_FIGURE_COLUMNS = (
    AREA, YEAR, UNIT,
    Column("Nyckeltal", ("nyckeltal", "nyckeltalskod", "kod", "kpi", "key figure", "code")),
    Column("Värde", ("värde", "varde", "utfall", "value")),
)


@dataclass
class ColumnMap:
    index: dict[str, int]  # layout name → position in the file
    labels: dict[str, str]  # layout name → the header as written in the file
    missing: list[str]
    ignored: list[str]


def map_columns(header: list[str], layout: tuple[Column, ...]) -> ColumnMap:
    wanted = {normalise_header(alias): column for column in layout for alias in (column.name, *column.aliases)}
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    ignored = []
    for position, raw in enumerate(header):
        column = wanted.get(normalise_header(raw))
        if column is None or column.name in index:
            if raw:
                ignored.append(raw)
            continue
        index[column.name] = position
        labels[column.name] = raw
    missing = [column.name for column in layout if column.required and column.name not in index]
    return ColumnMap(index=index, labels=labels, missing=missing, ignored=ignored)
