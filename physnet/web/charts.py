"""Server-rendered SVG charts for the insights page: no script, no CDN, readable on a phone
(the SVG scales to its container through its viewBox)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 36
COLOURS = ("#1f6feb", "#d4691a", "#2f9e44")


def _nice_max(value: float) -> float:
    """A round number at least `value`, for the top of the axis."""
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    percent: bool = False,
) -> Markup:
    """One line per series over `labels` (weeks), with a y axis, every few labels on the x
    axis, a legend, and a <title>/<desc> for screen readers."""
    values = [v for _, points in series for v in points if v is not None]
    top = 1.0 if percent else _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + plot_w * i / count

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="xMidYMid meet" aria-labelledby="t-{id(series)}">',
        f'<title id="t-{id(series)}">{escape(title)}</title>',
    ]
    for tick in range(5):
        value = top * tick / 4
        label = f"{value * 100:.0f}%" if percent else _fmt(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" class="axis" text-anchor="end">'
            f"{label}</text>"
        )
    every = max(1, len(labels) // 6)
    for i, label in enumerate(labels):
        last = i == len(labels) - 1
        if i % every == 0 or (last and i % every >= every / 2):
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" class="axis" '
                f'text-anchor="middle">{escape(label[5:])}</text>'
            )
    for n, (name, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(
            f"{'M' if i == 0 or points[i - 1] is None else 'L'}{x(i):.1f},{y(v):.1f}"
            for i, v in enumerate(points)
            if v is not None
        )
        if path:
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(
            f'<rect x="{LEFT + 150 * n}" y="{HEIGHT - 12}" width="10" height="10" '
            f'fill="{colour}"/><text x="{LEFT + 150 * n + 14}" y="{HEIGHT - 3}" '
            f'class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, rows: Sequence[tuple[str, float]], percent: bool = False) -> Markup:
    """Horizontal bars, one per named row (a channel, a specialty...)."""
    height = TOP + 22 * max(len(rows), 1) + 8
    top = 1.0 if percent else _nice_max(max((v for _, v in rows), default=0))
    label_w = 170
    plot_w = WIDTH - label_w - RIGHT - 50
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        row_y = TOP + 22 * i
        width = plot_w * (value / top if top else 0)
        shown = f"{value * 100:.0f}%" if percent else _fmt(value)
        parts.append(
            f'<text x="{label_w - 6}" y="{row_y + 14}" class="axis" text-anchor="end">'
            f"{escape(name[:28])}</text>"
            f'<rect x="{label_w}" y="{row_y + 3}" width="{width:.1f}" height="14" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{label_w + width + 4:.1f}" y="{row_y + 14}" class="axis">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
