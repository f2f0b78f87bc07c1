"""Bar charts as inline SVG rendered on the server: readable without script, each bar a link.

Every bar carries its value as text and the chart a <title>/<desc> that lists every value, so a
screen reader or a printout reads the same figures as the eye."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 8, 8, 18, 34


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    href: str | None = None


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def bar_chart(
    bars: list[Bar], *, title: str, line: float | None = None, line_label: str = "", chart_id: str = "c"
) -> Markup:
    """Vertical bars with an optional horizontal target line; a missing value shows as "–"."""
    values = [b.value for b in bars if b.value is not None]
    top = max([*values, line or 0, 1.0]) * 1.15
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(bars), 1)
    width = min(step * 0.7, 48)
    desc = "; ".join(f"{b.label}: {_fmt(b.value) if b.value is not None else '–'}" for b in bars)
    if line is not None:
        desc += f". {line_label}: {_fmt(line)}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        f' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" stroke="#767676"/>',
    ]
    for i, bar in enumerate(bars):
        x = LEFT + i * step + (step - width) / 2
        cx = x + width / 2
        label = (
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" font-size="11">'
            f"{escape(bar.label)}</text>"
        )
        if bar.value is None:
            body = f'<text x="{cx:.1f}" y="{TOP + inner_h - 4}" text-anchor="middle" font-size="12">–</text>'
        else:
            h = inner_h * bar.value / top
            y = TOP + inner_h - h
            body = (
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" fill="#2e7d4f"/>'
                f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="12" font-weight="600">'
                f"{_fmt(bar.value)}</text>"
            )
        group = body + label
        if bar.href and bar.value is not None:
            group = f'<a href="{escape(bar.href)}">{group}</a>'
        parts.append(f"<g>{group}</g>")
    if line is not None:
        y = TOP + inner_h - inner_h * line / top
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#b3261e" stroke-width="2"'
            f' stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end" font-size="11" fill="#8a1c16">'
            f"{escape(line_label)} {_fmt(line)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
