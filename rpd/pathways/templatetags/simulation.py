"""The simulated timeline's milestones, as a table drawn by govuk_table."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format

from rpd.pathways.simulate import anchor_in_words
from rpd.templatetags.govuk import govuk_table

register = template.Library()


@register.simple_tag(takes_context=True)
def milestones_table(context, stage):
    def day(value) -> str:
        return date_format(value, "D j M Y")

    return govuk_table(
        context,
        ["Milestone", "Timescale", "Counted from", "Due"],
        [
            [
                m.name,
                m.timescale,
                # An event is not counted from anything: a record says when it happened.
                "Not counted: a record says when it happened"
                if m.event
                else _sentence(anchor_in_words(m, day)),
                day(m.due) if m.due else "When it happens" if m.event else "No date yet",
            ]
            for m in stage.milestones
        ],
        label=f"Milestones of stage {stage.number}",
    )


def _sentence(text: str) -> str:
    """A phrase that continues "within 2 working days of ...", as a cell begins it."""
    return text[0].upper() + text[1:]
