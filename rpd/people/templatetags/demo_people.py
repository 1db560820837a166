"""The sign-in page's demo people (demo mode only)."""

from __future__ import annotations

from django import template

from rpd.people import demo_sign_in

register = template.Library()


@register.simple_tag
def demo_people() -> list:
    return demo_sign_in.demo_people()
