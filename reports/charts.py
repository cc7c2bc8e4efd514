"""Accessible SVG charts drawn on the server, and the same data as a table to show beside each chart.

Each chart is a self-contained SVG string for `{{ svg|safe }}`: role="img" labelled by its <title> and <desc>,
no script, no link, no external file or font; every text is escaped. Series are told apart by colour *and*
pattern (bars) or dash and marker (lines), shown in a legend. Values are int pence by default (`fmt=format_gbp`)
or any exact number with another `fmt` (a share as a Fraction with `format_percent`); None is a value not shown
(held back, or not known), drawn as no bar or a break in the line. With no categories, no series or no value
at all, a chart is an empty-state SVG that says so; the table then has no rows.

Ids inside the SVG start with `chart_id` (by default derived from the title and data); pass your own when the
same chart appears twice on a page.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from html import escape
from typing import Callable, Sequence

from provider.money import format_gbp

Value = int | Fraction | None

# Each colour has at least 4.5:1 contrast with white; the pattern tells the series apart without colour.
COLOURS = ["#1f5a96", "#b54708", "#1e7b4f", "#7a3e9d", "#a1204a", "#4a5568", "#7a6200", "#0e6f78"]
PATTERNS = [
    "",  # solid
    '<path d="M-2 2l4-4M0 8l8-8M6 10l4-4" stroke="#fff" stroke-width="1.5"/>',
    '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
    '<path d="M0 4h8" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M0 0l8 8M8 0l-8 8" stroke="#fff" stroke-width="1.2"/>',
    '<path d="M4 0v8" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M-2 6l4 4M0 0l8 8M6 -2l4 4" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M0 4h8M4 0v8" stroke="#fff" stroke-width="1.2"/>',
]
DASHES = ["", "8 4", "2 3", "10 3 2 3", "4 4", "12 4", "1 2", "6 2 2 2"]
MARKERS = ["circle", "square", "triangle", "diamond", "circle-open", "square-open", "triangle-open", "diamond-open"]
INK, GRID = "#222", "#d0d0d0"
CHAR = 7.0  # rough width of one character at 12px, for layout only


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]  # one per category


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


def format_percent(share: Fraction | int) -> str:
    """A share (0.185 as a Fraction) as '18.5%', to one decimal place, halves rounded up."""
    tenths = math.floor(Fraction(share) * 1000 + Fraction(1, 2))
    return f"{'-' if tenths < 0 else ''}{abs(tenths) // 10}.{abs(tenths) % 10}%"


# ---- tables ----

def _cell(fmt: Callable, value: Value) -> str:
    return "not shown" if value is None else fmt(value)


def data_table(categories: Sequence[str], series: Sequence[Series], *, category_label: str = "",
               fmt: Callable = format_gbp, total: bool = False) -> Table:
    """One row per category, one column per series; `total` adds a Total column (for a stacked chart)."""
    if _is_empty(categories, series):
        return Table([category_label] + [s.name for s in series], [])
    rows = []
    for i, category in enumerate(categories):
        values = [s.values[i] for s in series]
        row = [category] + [_cell(fmt, v) for v in values]
        if total:
            row.append(_cell(fmt, None if None in values else sum(values)))
        rows.append(row)
    return Table([category_label] + [s.name for s in series] + (["Total"] if total else []), rows)


def paired_table(categories: Sequence[str], first: Series, second: Series, *, category_label: str = "",
                 fmt: Callable = format_gbp, difference: str = "Difference") -> Table:
    """Like data_table for two series, with a column for second minus first (negative when second is less)."""
    table = data_table(categories, [first, second], category_label=category_label, fmt=fmt)
    for row, a, b in zip(table.rows, first.values, second.values):
        row.append(_cell(fmt, None if a is None or b is None else b - a))
    return Table(table.headers + [difference], table.rows)


# ---- charts ----

def bar_chart(title: str, desc: str, categories: Sequence[str], series: Sequence[Series], *,
              stacked: bool = False, fmt: Callable = format_gbp, chart_id: str | None = None) -> str:
    """Vertical bars, one group per category: side by side, or `stacked` (negative parts stack below zero)."""
    cid = _chart_id(chart_id, title, categories, series)
    if _is_empty(categories, series):
        return _empty(cid, title, desc)
    values = [v for s in series for v in s.values if v is not None]
    if stacked:
        for i in range(len(categories)):
            column = [s.values[i] for s in series if s.values[i] is not None]
            values += [sum(v for v in column if v > 0), sum(v for v in column if v < 0)]
    ticks = _ticks(values)
    per_group = 1 if stacked else len(series)
    group = max(84.0, per_group * 18.0 + 28.0)
    left = 16 + CHAR * max(len(t) for t in _tick_texts(fmt, ticks))
    width = max(480.0, left + group * len(categories) + 16)
    legend, legend_height = _legend(cid, series, width, "bar")
    top, plot = 20 + legend_height, 240.0
    y = _scale(ticks, top + plot, top)
    parts = [_patterns(cid, len(series)), legend, _y_axis(fmt, ticks, y, left, width - 16)]
    for i, category in enumerate(categories):
        gx = left + i * group
        parts.append(_category_label(category, gx + group / 2, top + plot + 18, group - 6))
        up = down = 0
        for j, s in enumerate(series):
            v = s.values[i]
            if v is None:
                continue
            if stacked:
                x, w = gx + 14, group - 28
                if v >= 0:
                    lo, hi = up, up + v
                    up = hi
                else:
                    lo, hi = down + v, down
                    down = lo
            else:
                w = (group - 28) / len(series)
                x, (lo, hi) = gx + 14 + j * w, sorted((0, v))
            parts.append(_bar(cid, j, x, y(hi), w, y(lo) - y(hi), f"{category}, {s.name}: {fmt(v)}"))
    parts.append(_line(left, y(0), width - 16, y(0), INK))
    return _svg(cid, title, desc, width, top + plot + 50, parts)


def line_chart(title: str, desc: str, categories: Sequence[str], series: Sequence[Series], *,
               fmt: Callable = format_percent, chart_id: str | None = None) -> str:
    """One line per series across the categories (e.g. years); a single series has its values written by each point."""
    cid = _chart_id(chart_id, title, categories, series)
    if _is_empty(categories, series):
        return _empty(cid, title, desc)
    ticks = _ticks([v for s in series for v in s.values if v is not None])
    step = 96.0
    left = 16 + CHAR * max(len(t) for t in _tick_texts(fmt, ticks))
    width = max(480.0, left + step * len(categories) + 16)
    legend, legend_height = _legend(cid, series, width, "line")
    top, plot = 20 + legend_height, 240.0
    y = _scale(ticks, top + plot, top)
    parts = [legend, _y_axis(fmt, ticks, y, left, width - 16)]
    xs = [left + step * (i + 0.5) for i in range(len(categories))]
    for x, category in zip(xs, categories):
        parts.append(_category_label(category, x, top + plot + 18, step - 6))
    for j, s in enumerate(series):
        runs, run = [], []
        for x, v in zip(xs, s.values):
            if v is None:
                runs, run = runs + [run], []
            else:
                run.append((x, y(v)))
        for run in runs + [run]:
            if len(run) > 1:
                points = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[j]}" stroke-width="2.5"'
                             f'{_dash(j)}/>')
        for x, category, v in zip(xs, categories, s.values):
            if v is not None:
                parts.append(_marker(j, x, y(v), f"{category}, {s.name}: {fmt(v)}"))
                if len(series) == 1:
                    parts.append(_text(fmt(v), x, y(v) - 10, anchor="middle"))
    return _svg(cid, title, desc, width, top + plot + 50, parts)


def paired_bar_chart(title: str, desc: str, categories: Sequence[str], first: Series, second: Series, *,
                     fmt: Callable = format_gbp, chart_id: str | None = None) -> str:
    """Two horizontal bars per category (e.g. cost of care against income, by service), each labelled with its value."""
    series = [first, second]
    cid = _chart_id(chart_id, title, categories, series)
    if _is_empty(categories, series):
        return _empty(cid, title, desc)
    values = [v for s in series for v in s.values if v is not None]
    ticks = _ticks(values)
    label_width = min(200.0, 8 + CHAR * max(len(c) for c in categories))
    value_width = 12 + CHAR * max(len(fmt(v)) for v in values)
    left = 8 + label_width + (value_width if min(values) < 0 else 0)
    plot = 360.0
    width = left + plot + value_width + 8
    legend, legend_height = _legend(cid, series, width, "bar")
    top, bar, row = 20 + legend_height, 16.0, 50.0
    x = _scale(ticks, left, left + plot)
    bottom = top + row * len(categories)
    parts = [_patterns(cid, 2), legend]
    for t, text in zip(ticks, _tick_texts(fmt, ticks)):
        parts.append(_line(x(t), top, x(t), bottom, GRID))
        parts.append(_text(text, x(t), bottom + 16, anchor="middle"))
    for i, category in enumerate(categories):
        ry = top + i * row + 8
        parts.append(_category_label(category, 8, ry + bar, label_width - 8, anchor="start"))
        for j, s in enumerate(series):
            v = s.values[i]
            if v is None:
                parts.append(_text("not shown", x(0) + 4, ry + j * bar + 12))
                continue
            lo, hi = sorted((0, v))
            parts.append(_bar(cid, j, x(lo), ry + j * bar, x(hi) - x(lo), bar - 2, f"{category}, {s.name}: {fmt(v)}"))
            end = x(v) + (4 if v >= 0 else -4)
            parts.append(_text(fmt(v), end, ry + j * bar + 12, anchor="start" if v >= 0 else "end"))
    parts.append(_line(x(0), top, x(0), bottom, INK))
    return _svg(cid, title, desc, width, bottom + 28, parts)


# ---- drawing helpers ----

def _is_empty(categories, series) -> bool:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {len(categories)} categories")
    if len(series) > len(COLOURS):
        raise ValueError(f"at most {len(COLOURS)} series can be told apart; combine the smallest")
    return not any(v is not None for s in series for v in s.values)


def _chart_id(chart_id, title, categories, series) -> str:
    if chart_id is None:
        seed = repr((title, list(categories), [(s.name, list(s.values)) for s in series]))
        return "chart-" + hashlib.sha1(seed.encode()).hexdigest()[:10]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", chart_id):
        raise ValueError("chart_id must be letters, digits, '-' or '_', starting with a letter")
    return chart_id


def _ticks(values: list) -> list[Fraction]:
    """Round steps (1, 2 or 5 times a power of ten) from below the lowest value (or zero) to above the highest."""
    lo, hi = Fraction(min(values + [0])), Fraction(max(values + [0]))
    rough = (hi - lo or 1) / 5
    step = Fraction(1)
    while step > rough:
        step /= 10
    while step * 10 <= rough:
        step *= 10
    step *= next(m for m in (1, 2, 5, 10) if step * m >= rough)
    if all(isinstance(v, int) for v in values):
        step = max(step, Fraction(1))  # whole pence
    first, last = math.floor(lo / step), math.ceil(hi / step)
    if first == last:
        last += 1
    return [step * k for k in range(first, last + 1)]


def _tick_texts(fmt, ticks) -> list[str]:
    values = [int(t) if t.denominator == 1 else t for t in ticks]
    if fmt is format_gbp and all(v % 100 == 0 for v in values):
        return [fmt(v).removesuffix(".00") for v in values]  # "£150,000" reads better on an axis
    return [fmt(v) for v in values]


def _scale(ticks, start: float, end: float):
    lo, hi = ticks[0], ticks[-1]
    return lambda v: start + float((Fraction(v) - lo) / (hi - lo)) * (end - start)


def _dash(j: int) -> str:
    return f' stroke-dasharray="{DASHES[j]}"' if DASHES[j] else ""


def _patterns(cid: str, n: int) -> str:
    return "<defs>" + "".join(
        f'<pattern id="{cid}-p{j}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{COLOURS[j]}"/>{PATTERNS[j]}</pattern>' for j in range(n)) + "</defs>"


def _bar(cid, j, x, y, w, h, tip) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="url(#{cid}-p{j})" stroke="{COLOURS[j]}" stroke-width="1"><title>{escape(tip)}</title></rect>')


def _marker(j: int, x: float, y: float, tip: str) -> str:
    shape, open_ = MARKERS[j].removesuffix("-open"), MARKERS[j].endswith("-open")
    paint = f'fill="{"#fff" if open_ else COLOURS[j]}" stroke="{COLOURS[j]}" stroke-width="2"'
    if shape == "circle":
        el = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" {paint}>'
    elif shape == "square":
        el = f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" {paint}>'
    else:
        d = (f"M{x:.1f} {y - 5.5:.1f}L{x + 5:.1f} {y + 3.5:.1f}L{x - 5:.1f} {y + 3.5:.1f}Z" if shape == "triangle" else
             f"M{x:.1f} {y - 5.5:.1f}L{x + 5.5:.1f} {y:.1f}L{x:.1f} {y + 5.5:.1f}L{x - 5.5:.1f} {y:.1f}Z")
        el = f'<path d="{d}" {paint}>'
    return f"{el}<title>{escape(tip)}</title></{el[1:el.index(' ')]}>"


def _legend(cid: str, series, width: float, kind: str) -> tuple[str, float]:
    """Swatches and names in rows across the top; returns the markup and its height."""
    items, x, y = [], 16.0, 20.0
    for j, s in enumerate(series):
        item_width = 34 + CHAR * len(s.name) + 18
        if x > 16 and x + item_width > width - 16:
            x, y = 16.0, y + 22
        if kind == "bar":
            items.append(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="24" height="14" fill="url(#{cid}-p{j})" '
                         f'stroke="{COLOURS[j]}"/>')
        else:
            items.append(f'<path d="M{x:.1f} {y - 4:.1f}h24" stroke="{COLOURS[j]}" stroke-width="2.5"{_dash(j)}/>')
            items.append(_marker(j, x + 12, y - 4, s.name))
        items.append(_text(s.name, x + 30, y))
        x += item_width
    return "<g>" + "".join(items) + "</g>", y + 8


def _y_axis(fmt, ticks, y, left: float, right: float) -> str:
    out = []
    for t, text in zip(ticks, _tick_texts(fmt, ticks)):
        out.append(_line(left, y(t), right, y(t), GRID))
        out.append(_text(text, left - 6, y(t) + 4, anchor="end"))
    return "<g>" + "".join(out) + "</g>"


def _category_label(text: str, x: float, y: float, room: float, anchor: str = "middle") -> str:
    """Up to two lines, broken at spaces; whatever is left goes on the second line."""
    words, first = text.split(), ""
    while words and (not first or CHAR * len(first + " " + words[0]) <= room):
        first = (first + " " + words.pop(0)).strip()
    lines = [first] + ([" ".join(words)] if words else [])
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if k == 0 else 14}">{escape(line)}</tspan>'
                    for k, line in enumerate(lines))
    return f'<text y="{y:.1f}" text-anchor="{anchor}" fill="{INK}">{spans}</text>'


def _text(text: str, x: float, y: float, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}">{escape(text)}</text>'


def _line(x1, y1, x2, y2, colour) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" stroke-width="1"/>'


def _svg(cid: str, title: str, desc: str, width: float, height: float, parts: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'font-family="system-ui, sans-serif" font-size="12">'
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
            f'<rect width="100%" height="100%" fill="#fff"/>' + "".join(parts) + "</svg>")


def _empty(cid: str, title: str, desc: str) -> str:
    return _svg(cid, title, desc, 480, 80, [_text("No figures to show for this period.", 240, 44, anchor="middle")])


# ---- a chart with its table, for the pages and the pack ----

PAGE_WIDTH_MM = 170      # an A4 page less the pack's margins, with a little to spare


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str
    table: Table

    @property
    def screen_svg(self) -> str:
        """The SVG as drawn; the stylesheet's `.chart svg` rule lets it shrink to the page."""
        return self.svg

    @property
    def print_svg(self) -> str:
        """The SVG sized in mm for WeasyPrint, shrunk to the page's width if wider."""
        tag = self._tag()
        width, height = (float(re.search(f' {name}="([0-9.]+)"', tag).group(1)) for name in ("width", "height"))
        mm = min(width * 25.4 / 96, PAGE_WIDTH_MM) / width
        size = f' width="{width * mm:.1f}mm" height="{height * mm:.1f}mm"'
        sized = re.sub(r' width="[0-9.]+" height="[0-9.]+"', size, tag, count=1)
        return sized + self.svg[len(tag):]

    def _tag(self) -> str:
        return re.match(r"<svg [^>]*>", self.svg).group(0)
