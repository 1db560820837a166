"""The sign-in page's demo people (demo mode only)."""

from __future__ import annotations

from itertools import groupby

from django import template

from rpd.people import demo_sign_in

register = template.Library()


@register.simple_tag
def demo_people() -> list:
    """One group for each thing to try in each partnership ({"caption", "people"}), each
    person with a Sign in button. A list, not a table: four columns would not fit 320 px."""
    people = demo_sign_in.demo_people()
    several = len({person.partnership for person in people}) > 1
    return [
        {
            "caption": demo_sign_in.TRY_AS[try_as] + (f" in {partnership}" if several else ""),
            "people": list(group),
        }
        for (partnership, try_as), group in groupby(
            people, key=lambda person: (person.partnership, person.try_as)
        )
    ]


@register.inclusion_tag("components/phase_banner.html")
def rpd_phase_banner() -> dict:
    """Beta; in the demo, where its emails are: nothing says so anywhere else, and an
    administrator told "Invitation sent" would look for it in vain."""
    if folder := demo_sign_in.demo_mail_folder():
        return {
            "tag": "Demo",
            "text": "Synthetic people and cases. No email leaves this machine: "
            f"the emails the demo sends are written into files in {folder}, each "
            "batch the worker sends in one file, the newest last",
        }
    return {"tag": "Beta", "text": None}
