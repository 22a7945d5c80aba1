"""Server-side SVG charts (no JavaScript, no CDN), accessible: role="img", a title and a
description; every chart is shown next to, or one click away from, the table behind it.

Pure functions: numbers and labels in, an SVG string out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from xml.sax.saxutils import escape

# Colour-blind-safe palette with ≥ 3:1 contrast on white (WCAG 1.4.11 non-text contrast).
PALETTE = ["#0b5d4b", "#b34700", "#2a5db0", "#7a4f9a", "#8a6d00", "#a3223a"]
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | float]


def nice_ceiling(value: float) -> float:
    """The smallest 'round' number (1, 2, 2.5, 5 × 10^k) ≥ value, for the top of an axis."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def axis_ticks(maximum: float, *, integer: bool = False) -> list[float]:
    """Round tick values from 0 to a nice top: steps of 1, 2, 2.5 or 5 × 10^k, and whole steps
    when the data are counts."""
    top = nice_ceiling(maximum)
    if integer and top < 4:
        top = max(top, 1.0)
        return [float(i) for i in range(int(top) + 1)]
    for intervals in (4, 5, 2):
        step = top / intervals
        mantissa = step / 10 ** math.floor(math.log10(step))
        if round(mantissa, 6) in (1, 2, 2.5, 5) and (not integer or step == int(step)):
            return [step * i for i in range(intervals + 1)]
    return [0.0, top]


def _unit(unit: str) -> str:
    """A unit follows its number after a no-break space: '4 voix', '1 200 €'."""
    unit = unit.strip()
    return f"\u00a0{unit}" if unit else ""


def _fmt(value: float) -> str:
    from .money import format_number

    def trimmed(number: float, places: int) -> str:
        return f"{number:.{places}f}".rstrip("0").rstrip(".").replace(".", ",")

    if abs(value) >= 1_000_000:
        return trimmed(value / 1_000_000, 2) + " M"
    if abs(value) >= 10_000:
        return trimmed(value / 1000, 1) + " k"
    return format_number(Decimal(repr(float(value))), 2, trim=True)


def bar_chart(categories: Sequence[str], series: Sequence[Series], *, title: str,
              description: str = "", unit: str = "", width: int = 720, height: int = 320,
              marker: tuple[float, str] | None = None) -> str:
    """Grouped vertical bars, one group per category, one bar per series.

    ``marker`` = (category position, label) draws a vertical dashed line at that position
    (e.g. the 60-day legal limit on a delay histogram); positions are in category units
    (0 = left edge of the first category).
    """
    uid = next(_ids)
    margin_left, margin_right, margin_top, margin_bottom = 64, 16, 40, 64
    plot_w = width - margin_left - margin_right
    plot_h = height - margin_top - margin_bottom
    maximum = max((float(v) for s in series for v in s.values), default=0.0)
    integer = all(float(v) == int(v) for s in series for v in s.values)
    ticks = axis_ticks(maximum, integer=integer)
    top = ticks[-1]
    n_cat = max(len(categories), 1)
    group_w = plot_w / n_cat
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-title-{uid} chart-desc-{uid}" class="svg-chart">',
        f'<title id="chart-title-{uid}">{escape(title)}</title>',
        f'<desc id="chart-desc-{uid}">{escape(description or title)}</desc>',
        f'<text x="{margin_left}" y="22" font-size="15" font-weight="700" fill="#1b1b1b">'
        f"{escape(title)}</text>",
    ]
    for value in ticks:
        y = margin_top + plot_h - plot_h * value / top
        parts.append(f'<line x1="{margin_left}" x2="{width - margin_right}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="#d0d4da" stroke-width="1"/>')
        parts.append(f'<text x="{margin_left - 6}" y="{y + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#333">{escape(_fmt(value))}{escape(_unit(unit))}</text>')
    for c, category in enumerate(categories):
        x0 = margin_left + c * group_w + group_w * 0.1
        for s_index, s in enumerate(series):
            value = float(s.values[c]) if c < len(s.values) else 0.0
            h = plot_h * value / top if top else 0
            x = x0 + s_index * bar_w
            y = margin_top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s_index % len(PALETTE)]}"><title>{escape(s.name)} — '
                f"{escape(category)} : {escape(_fmt(value))}{escape(_unit(unit))}</title></rect>")
        label_x = margin_left + c * group_w + group_w / 2
        parts.append(f'<text x="{label_x:.1f}" y="{height - margin_bottom + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#333">{escape(category)}</text>')
    if marker is not None:
        position, label = marker
        x = margin_left + position * group_w
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{margin_top}" '
                     f'y2="{margin_top + plot_h}" stroke="#a3223a" stroke-width="2" '
                     f'stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{x + 4:.1f}" y="{margin_top + 12}" font-size="11" '
                     f'fill="#a3223a">{escape(label)}</text>')
    legend_y = height - 18
    legend_x = margin_left
    for s_index, s in enumerate(series):
        parts.append(f'<rect x="{legend_x}" y="{legend_y - 10}" width="12" height="12" '
                     f'fill="{PALETTE[s_index % len(PALETTE)]}"/>')
        parts.append(f'<text x="{legend_x + 16}" y="{legend_y}" font-size="12" fill="#1b1b1b">'
                     f"{escape(s.name)}</text>")
        legend_x += 24 + 8 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(labels: Sequence[str], values: Sequence[Decimal | int | float], *,
                    title: str, description: str = "", unit: str = "", width: int = 720,
                    highlight: Sequence[bool] | None = None) -> str:
    """One horizontal bar per label (e.g. votes per project); highlighted bars in the brand
    colour, the others in grey (e.g. winners vs not selected)."""
    uid = next(_ids)
    row_h, margin_top, label_w = 26, 40, min(280, width // 2)
    height = margin_top + row_h * max(len(labels), 1) + 16
    plot_w = width - label_w - 80
    top = nice_ceiling(max((float(v) for v in values), default=0.0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="chart-title-{uid} chart-desc-{uid}" class="svg-chart">',
        f'<title id="chart-title-{uid}">{escape(title)}</title>',
        f'<desc id="chart-desc-{uid}">{escape(description or title)}</desc>',
        f'<text x="0" y="22" font-size="15" font-weight="700" fill="#1b1b1b">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = margin_top + i * row_h
        w = plot_w * float(value) / top if top else 0
        on = highlight[i] if highlight is not None else True
        short = label if len(label) <= 40 else label[:39] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="12" text-anchor="end" '
                     f'fill="#1b1b1b">{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{PALETTE[0] if on else "#8c959f"}"><title>{escape(label)} : '
                     f"{escape(_fmt(float(value)))}{escape(_unit(unit))}</title></rect>")
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="12" fill="#333">'
                     f"{escape(_fmt(float(value)))}{escape(_unit(unit))}</text>")
    parts.append("</svg>")
    return "".join(parts)
