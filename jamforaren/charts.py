"""Small trend charts as inline SVG, drawn on the server.

A chart is decoration for sighted readers: it is hidden from assistive technology, and every chart is
shown next to a table with the same numbers (see the ``trend_table`` macro).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup

from jamforaren.services.measures import Point

WIDTH, HEIGHT = 180, 56
PAD_X, PAD_Y = 8, 8
UNIT_COLOUR = "#00457c"       # 9.6:1 on white
MUNICIPAL_COLOUR = "#595959"  # 7:1 on white


def _scale(points: Sequence[Point], others: Sequence[Point], fixed: tuple[float, float] | None):
    values = [float(p.value) for p in [*points, *others] if p.value is not None]
    if fixed:
        low, high = fixed
    elif values:
        low, high = min(values), max(values)
        if high - low < 1e-9:
            low, high = low - 1, high + 1
        margin = (high - low) * 0.1
        low, high = low - margin, high + margin
    else:
        low, high = 0.0, 1.0
    count = max(len(points), len(others), 1)

    def x(i: int) -> float:
        return PAD_X + (WIDTH - 2 * PAD_X) * (i / (count - 1) if count > 1 else 0.5)

    def y(value: Decimal) -> float:
        return PAD_Y + (HEIGHT - 2 * PAD_Y) * (1 - (float(value) - low) / (high - low))

    return x, y


def _polyline(points: Sequence[Point], x, y) -> list[str]:  # type: ignore[no-untyped-def]
    """One path segment per run of consecutive known values: a missing year leaves a gap."""
    segments, current = [], []
    for i, point in enumerate(points):
        if point.value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x(i):.1f},{y(point.value):.1f}")
    if current:
        segments.append(current)
    return [" ".join(segment) for segment in segments]


def trend_svg(points: Sequence[Point], municipal: Sequence[Point] = (),
              fixed_range: tuple[float, float] | None = None) -> Markup:
    """A line for the unit, a dashed line for the municipality; dots mark the unit's known years."""
    if not any(p.value is not None for p in points) and not any(p.value is not None for p in municipal):
        return Markup("")
    x, y = _scale(points, municipal, fixed_range)
    parts = [f'<svg class="trend" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             'aria-hidden="true" focusable="false">',
             f'<line x1="{PAD_X}" y1="{HEIGHT - 2}" x2="{WIDTH - PAD_X}" y2="{HEIGHT - 2}" stroke="#b1b4b6"/>']
    for segment in _polyline(municipal, x, y):
        parts.append(f'<polyline points="{segment}" fill="none" stroke="{MUNICIPAL_COLOUR}" '
                     'stroke-width="1.5" stroke-dasharray="4 3"/>')
    for segment in _polyline(points, x, y):
        parts.append(f'<polyline points="{segment}" fill="none" stroke="{UNIT_COLOUR}" stroke-width="2.5"/>')
    for i, point in enumerate(points):
        if point.value is not None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="3" fill="{UNIT_COLOUR}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def legend_swatch(kind: str) -> Markup:
    colour, dash = (UNIT_COLOUR, "") if kind == "unit" else (MUNICIPAL_COLOUR, ' stroke-dasharray="4 3"')
    width = 2.5 if kind == "unit" else 1.5
    return Markup(f'<svg width="24" height="8" aria-hidden="true" focusable="false"><line x1="0" y1="4" x2="24" '
                  f'y2="4" stroke="{colour}" stroke-width="{width}"{dash}/></svg>')


__all__ = ["legend_swatch", "trend_svg"]
