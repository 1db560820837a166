"""The sign-in page's demo people (demo mode only)."""

from __future__ import annotations

from itertools import groupby

from django import template
from django.urls import reverse

from rpd.people import demo_sign_in
from rpd.templatetags.govuk import visually_hidden

register = template.Library()

HEAD = ["Name", "Agency", "Role", visually_hidden("Sign in")]


@register.simple_tag
def demo_people() -> list:
    """One table a partnership ({"caption", "head", "rows"}, for govuk_table), each
    person with a Sign in button."""
    sign_in = reverse("demo-sign-in")
    return [
        {
            "caption": partnership,
            "head": HEAD,
            "rows": [
                [
                    person.name,
                    person.agency,
                    {"text": person.job_title, "hint": person.roles},
                    {
                        "post": sign_in,
                        "text": "Sign in",
                        "hidden": f"as {person.name}",
                        "fields": {"person": person.pk},
                    },
                ]
                for person in people
            ],
        }
        for partnership, people in groupby(
            demo_sign_in.demo_people(), key=lambda person: person.partnership
        )
    ]
