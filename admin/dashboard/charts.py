"""Charts drawn on the server as SVG, for the PDF report (no browser, no script).

Small and plain on purpose: a line chart of scores by month and a bar chart with intervals,
which is all the quarterly report needs; the interactive charts are ECharts on the page.
"""

from collections.abc import Mapping, Sequence

from markupsafe import escape

PALETTE = ("#0b5cad", "#2ba471", "#e37318", "#d54941", "#7a5af8", "#0594fa", "#86909c")
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'


def _scale(values: Sequence[float], *, pad: float = 5.0) -> tuple[int, int, int]:
    """A y range in whole tens that holds every value with a little room, and its tick step."""
    if not values:
        return 0, 100, 20
    low = max(0, int((min(values) - pad) // 10 * 10))
    high = min(100, int(-(-(max(values) + pad) // 10) * 10))
    high = max(high, low + 10)
    step = 10 if high - low <= 50 else 20
    return low // step * step, min(100, -(-high // step) * step), step


def line_chart(
    months: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    width: int = 640,
    height: int = 260,
) -> str:
    """Scores by month, one line per series; a missing month breaks the line."""
    left, right, top, bottom = 44, 150, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for data in series.values() for v in data if v is not None]
    low, high, tick = _scale(values)

    def x(index: int) -> float:
        return left + (plot_w * (index + 0.5) / max(len(months), 1))

    def y(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for value in range(low, high + 1, tick):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e5e6eb"/><text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="10" '
            f'text-anchor="end" {FONT}>{value:.0f}</text>'
        )
    for index, key in enumerate(months):
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
            f"{FONT}>{escape(key)}</text>"
        )
    for number, (name, data) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(data) if v is not None]
        segments: list[list[str]] = [[]]
        for i, v in enumerate(data):
            if v is None:
                segments.append([])
            else:
                segments[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>'
                )
        parts += [
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points
        ]
        legend_y = top + 14 * number + 8
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{legend_y - 7}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + plot_w + 26}" y="{legend_y + 2}" '
            f'font-size="10" {FONT}>{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def interval_bars(
    rows: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    width: int = 640,
) -> str:
    """One bar per subject (name, score, interval low, high), the interval drawn across it."""
    left, right, row_h, top = 120, 40, 22, 8
    height = top * 2 + row_h * len(rows) + 20
    low, high = 0, 100  # bars start at zero, or their lengths would mislead
    plot_w = width - left - right

    def x(value: float) -> float:
        return left + plot_w * (value - low) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for index, (name, score, lo, hi) in enumerate(rows):
        mid = top + row_h * index + row_h / 2
        parts.append(
            f'<text x="{left - 6}" y="{mid + 4:.1f}" font-size="10" text-anchor="end" '
            f"{FONT}>{escape(name)}</text>"
        )
        if score is not None:
            parts.append(
                f'<rect x="{left}" y="{mid - 7:.1f}" width="{x(score) - left:.1f}" height="14" '
                f'fill="#9cc1e8"/><text x="{x(max(score, hi or score)) + 6:.1f}" y="{mid + 4:.1f}" '
                f'font-size="10" '
                f"{FONT}>{score:.1f}</text>"
            )
        if lo is not None and hi is not None:
            parts.append(
                f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{mid:.1f}" y2="{mid:.1f}" '
                'stroke="#0b5cad" stroke-width="2"/>'
            )
    axis_y = top + row_h * len(rows) + 4
    for step in range(5):
        value = low + (high - low) * step / 4
        parts.append(
            f'<text x="{x(value):.1f}" y="{axis_y + 12}" font-size="10" text-anchor="middle" '
            f"{FONT}>{value:.0f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
