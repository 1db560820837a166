"""Whether the sign-in page offers "Sign in with your organisation's account"."""

from __future__ import annotations

from django import template

from rpd.people.models import SignInProvider

register = template.Library()


@register.simple_tag
def organisation_sign_in_offered() -> bool:
    return SignInProvider.objects.exists()
