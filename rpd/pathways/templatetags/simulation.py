"""The simulated timeline's milestones, as a table drawn by govuk_table."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format

from rpd.templatetags.govuk import govuk_table

register = template.Library()


@register.simple_tag(takes_context=True)
def milestones_table(context, stage):
    return govuk_table(
        context,
        ["Milestone", "Timescale", "Due"],
        [
            [m.name, m.timescale, date_format(m.due, "D j M Y") if m.due else "When it happens"]
            for m in stage.milestones
        ],
        label=f"Milestones of stage {stage.number}",
    )
