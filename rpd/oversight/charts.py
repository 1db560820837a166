"""Charts drawn on the server as SVG: an image with a title and a description for screen
readers, its numbers also in a table beside it, no script (pygal pulls one from a CDN)."""

from __future__ import annotations

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
    described = ", ".join(f"{label}: {value}" for label, value in bars)
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
