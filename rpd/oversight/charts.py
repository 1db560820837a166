"""Charts drawn on the server as SVG: an image with a title and a description for screen
readers, its numbers also in a table beside it, no script (pygal pulls one from a CDN)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR = 24
GAP = 8
LABEL_WIDTH = 46  # per cent of the width for the labels
WIDTH = 640


def bar_chart(id: str, title: str, bars: list[tuple[str, int]]) -> SafeString:
    """Horizontal bars, one per (label, value), each labelled with its value. Scales to
    its container (a 320 px screen too): the viewBox keeps its proportions."""
    if not bars:
        return SafeString("")
    top = max(value for _, value in bars) or 1
    height = len(bars) * (BAR + GAP) + GAP
    label_x = WIDTH * LABEL_WIDTH // 100
    room = WIDTH - label_x - 60
    described = ", ".join(f"{label}: {value}" for label, value in bars)
    rows = []
    for i, (label, value) in enumerate(bars):
        y = GAP + i * (BAR + GAP)
        length = round(room * value / top)
        rows.append(
            (
                label_x - 8,
                y + BAR * 0.7,
                label[:40],
                label_x,
                y,
                max(length, 1 if value else 0),
                BAR,
                label_x + length + 6,
                y + BAR * 0.7,
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
            '<text x="{}" y="{}" text-anchor="end" font-family="arial, sans-serif" '
            'font-size="16" fill="#0b0c0c">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"></rect>'
            '<text x="{}" y="{}" font-family="arial, sans-serif" font-size="16" '
            'fill="#0b0c0c">{}</text>',
            rows,
        ),
    )
