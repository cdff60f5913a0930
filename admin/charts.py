"""Charts as inline SVG, drawn on the server: no script, no CDN, nothing fetched.

Each is a <figure> whose SVG has a title and a description for screen readers, followed by its data as a table behind a
<details> disclosure.

Three shapes cover every figure: columns over time (stacked series), horizontal bars (a value per label) and horizontal
intervals (a share per label with its 95% interval).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#db2777", "#6b7280")  # distinguishable, and labelled besides colour
WIDTH, ROW, LEFT = 520, 28, 190  # viewBox units; the SVG scales to its box (0.64x on a 390 px phone)
_ids = itertools.count(1)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join((f'<th scope="row">{escape(str(r[0]))}</th>' if i == 0 else f"<td>{escape(str(c))}</td>")
                         for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(title: str, description: str, svg_body: str, height: int, table: str) -> str:
    n = next(_ids)
    return (
        f'<figure class="chart" aria-labelledby="chart{n}-caption">'
        f'<figcaption id="chart{n}-caption"><h3>{escape(title)}</h3></figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart{n}-title chart{n}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart{n}-title">{escape(title)}</title><desc id="chart{n}-desc">{escape(description)}</desc>'
        f"{svg_body}</svg>"
        f"<details><summary>Data table: {escape(title)}</summary>{table}</details></figure>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 13, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _legend(names: Sequence[str], y: float) -> str:
    parts, x = [], LEFT
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(_text(x + 16, y, name))
        x += 24 + 8 * len(name)
    return "".join(parts)


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def columns(title: str, categories: Sequence[str], series: dict[str, Sequence[int]], description: str) -> str:
    """Stacked columns, one per category (e.g. a week), one colour per series (e.g. new, returning)."""
    height, top, bottom, left = 260, 30, 200, 50
    totals = [sum(values[i] for values in series.values()) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    step = (WIDTH - left - 10) / max(1, len(categories))
    parts = [_legend(list(series), 16)]
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}" stroke="#9ca3af"/>')
    parts.append(_text(left - 6, top + 4, str(peak), "end", 11) + _text(left - 6, bottom, "0", "end", 11))
    for i, category in enumerate(categories):
        x, base = left + i * step + step * 0.15, float(bottom)
        for k, values in enumerate(series.values()):
            h = (bottom - top) * values[i] / peak
            if h > 0:
                parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                             f'fill="{PALETTE[k % len(PALETTE)]}"/>')  # fmt: skip
            base -= h
        if len(categories) <= 8 or i % max(1, len(categories) // 6) == 0:
            parts.append(_text(x + step * 0.35, bottom + 16, category[5:] if len(category) == 10 else category,
                               "middle", 10))  # fmt: skip
    rows = [[c, *(values[i] for values in series.values())] for i, c in enumerate(categories)]
    return _figure(title, description, "".join(parts), height, _table(["", *series], rows))


def bars(title: str, rows: Sequence[tuple[str, int]], description: str, unit: str = "") -> str:
    """One horizontal bar per label."""
    height = 20 + ROW * max(1, len(rows))
    peak = max((v for _, v in rows), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 10 + i * ROW
        w = (WIDTH - LEFT - 70) * value / peak
        parts.append(_text(LEFT - 8, y + 14, _short(label), "end"))
        parts.append(f'<rect x="{LEFT}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="{PALETTE[0]}"/>')
        parts.append(_text(LEFT + w + 6, y + 14, f"{value}{unit}"))
    if not rows:
        parts.append(_text(LEFT, 24, "Nothing yet"))
    return _figure(title, description, "".join(parts), height, _table(["", "value"], list(rows)))


def intervals(title: str, rows: Sequence[tuple[str, float, float, float, str]], description: str,
              low: float = 0.0, high: float = 1.0) -> str:  # fmt: skip
    """A point and its 95% interval per label, on a shared axis from `low` to `high` (shares, or differences)."""
    height = 40 + ROW * max(1, len(rows))
    span = (high - low) or 1
    scale = lambda v: LEFT + (WIDTH - LEFT - 20) * (min(high, max(low, v)) - low) / span  # noqa: E731
    axis = height - 18
    parts = [f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH - 20}" y2="{axis}" stroke="#9ca3af"/>']
    for tick in (low, (low + high) / 2, high):
        parts.append(_text(scale(tick), axis + 14, f"{tick:+.0%}" if low < 0 else f"{tick:.0%}", "middle", 10))
    if low < 0 < high:
        parts.append(f'<line x1="{scale(0):.1f}" y1="6" x2="{scale(0):.1f}" y2="{axis}" stroke="#6b7280" '
                     f'stroke-dasharray="3 3"/>')  # fmt: skip
    for i, (label, estimate, lo, hi, _counts) in enumerate(rows):
        y = 10 + i * ROW + ROW / 2
        parts.append(_text(LEFT - 8, y + 4, _short(label), "end"))
        parts.append(f'<line x1="{scale(lo):.1f}" y1="{y:.1f}" x2="{scale(hi):.1f}" y2="{y:.1f}" '
                     f'stroke="{PALETTE[0]}" stroke-width="3"/>')  # fmt: skip
        parts.append(f'<circle cx="{scale(estimate):.1f}" cy="{y:.1f}" r="5" fill="{PALETTE[1]}"/>')
    if not rows:
        parts.append(_text(LEFT, 24, "Nothing yet"))
    table = _table(["", "estimate", "95% low", "95% high", "counts"],
                   [(r[0], f"{r[1]:.1%}", f"{r[2]:.1%}", f"{r[3]:.1%}", r[4]) for r in rows])  # fmt: skip
    return _figure(title, description, "".join(parts), height, table)
