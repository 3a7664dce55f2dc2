"""Numbers, dates and figures formatted for the reader's locale (Jinja filters)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.numbers import NumberPattern, parse_pattern
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, gettext

from jamforaren.models import FigureUnit, KeyFigure


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    """A parsed number pattern (Babel parses it again on every call; a unit page formats dozens)."""
    return parse_pattern(pattern)


def number(value: float | Decimal | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return _pattern("#,##0" + ("." + "0" * decimals if decimals else "")).apply(value, get_locale())


def percent(value: float | Decimal | int | None, decimals: int = 0) -> str:
    """A share given in per cent (0–100), e.g. ``87 %`` in Swedish and ``87%`` in English."""
    if value is None:
        return "–"
    locale = get_locale()
    pattern = locale.percent_formats[None].pattern  # "#,##0 %" in Swedish, "#,##0%" in English
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return _pattern(pattern).apply(Decimal(str(value)) / 100, locale)


def figure(value: float | Decimal | int | None, unit: FigureUnit | str, decimals: int = 0) -> str:
    """A key figure's value with its unit, e.g. ``87 %``, ``152 300 kr``, ``231,5 poäng``."""
    if value is None:
        return "–"
    shown = number(value, decimals)
    unit = FigureUnit(unit)
    if unit is FigureUnit.PERCENT:
        return percent(value, decimals)
    suffix = {
        FigureUnit.KRONOR: gettext("kr"),
        FigureUnit.POINTS: gettext("points"),
        FigureUnit.DAYS: gettext("days"),
        FigureUnit.HOURS: gettext("hours"),
        FigureUnit.NUMBER: "",
    }[unit]
    return f"{shown}\u00a0{suffix}" if suffix else shown


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM y HH:mm")
    return format_date(value, "d MMMM y")


def figure_formatter(key_figure: KeyFigure) -> Callable[[Decimal | None], str]:
    """A one-argument formatter for a key figure's values, for templates."""
    return lambda value: figure(value, key_figure.unit, key_figure.decimals)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, figure=figure, long_date=long_date)
    app.jinja_env.globals.update(percent_filter=percent, figure_formatter=figure_formatter)
