"""Charts drawn on the server as SVG: an image with a title and a description for screen
readers, its numbers also in a table beside it, no script (pygal pulls one from a CDN)."""

from __future__ import annotations

import base64

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR = 22
LABEL = 22  # the line of text above each bar
GAP = 10
WIDTH = 640


def bar_chart(id: str, title: str, bars: list[tuple[str, int]]) -> SafeString:
    """Horizontal bars, one per (label, value), each with its label above it and its value
    at its end. Scales to its container (a 320 px screen too): the viewBox keeps its
    proportions, and a label never runs off the left as a label beside a bar would."""
    if not bars:
        return SafeString("")
    top = max(value for _, value in bars) or 1
    step = LABEL + BAR + GAP
    height = len(bars) * step
    room = WIDTH - 60
    described = _described(bars)
    rows = []
    for i, (label, value) in enumerate(bars):
        y = i * step
        length = round(room * value / top)
        shown = label if len(label) <= 70 else label[:69] + "…"
        rows.append(
            (
                y + LABEL - 6,
                shown,
                y + LABEL,
                max(length, 1 if value else 0),
                BAR,
                length + 6,
                y + LABEL + BAR * 0.75,
                value,
            )
        )
    return format_html(
        '<svg class="rpd-chart" id="{}" role="img" aria-labelledby="{}-title {}-desc" '
        'viewBox="0 0 {} {}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        id,
        id,
        id,
        WIDTH,
        height,
        id,
        title,
        id,
        described,
        format_html_join(
            "",
            '<text x="0" y="{}" font-family="arial, sans-serif" font-size="16" '
            'fill="#0b0c0c">{}</text>'
            '<rect x="0" y="{}" width="{}" height="{}" fill="#1d70b8"></rect>'
            '<text x="{}" y="{}" font-family="arial, sans-serif" font-size="16" '
            'fill="#0b0c0c">{}</text>',
            rows,
        ),
    )


def _described(bars: list[tuple[str, int]]) -> str:
    return ", ".join(f"{label}: {value}" for label, value in bars)


def bar_chart_image(id: str, title: str, bars: list[tuple[str, int]]) -> SafeString:
    """The same chart as an image for a PDF: WeasyPrint tags an <img> as a figure with its
    alternative text (the title and every number), which PDF/UA asks of a figure; an inline
    <svg> it would leave untagged."""
    svg = bar_chart(id, title, bars)
    if not svg:
        return svg
    return format_html(
        '<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}: {}">',
        base64.b64encode(str(svg).encode()).decode(),
        title,
        _described(bars),
    )


def drawn(shown: list, image: bool = False) -> list[dict]:
    """Each table with its chart, where it has one: the chart an image, the table its
    numbers (as an <img> for a PDF)."""
    draw = bar_chart_image if image else bar_chart
    return [
        {"table": t, "chart": draw(f"chart-{t.id}", t.charted, t.bars()) if t.chart else ""}
        for t in shown
    ]
