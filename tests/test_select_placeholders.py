"""A select's first option asks for a choice in words ("Choose"), never Django's
"---------": on every page, for an administrator and on every action page of a case."""

from __future__ import annotations

import pytest

from rpd.disagreements import transitions
from rpd.disagreements.views.actions import VERBS
from rpd.people.models import Role, RoleGrant

from .disagreements.pages import partnership_with_case
from .urlwalk import addresses, partnership_objects

pytestmark = pytest.mark.django_db
DJANGO_DEFAULT = ">---------<"


def test_no_select_on_any_page_starts_with_dashes(client, settings):
    settings.RPD_REQUIRE_MFA = False  # force_login sets up no second factor
    demo, raiser, d = partnership_with_case()
    RoleGrant.objects.create(user=raiser, role=Role.ADMINISTRATOR, partnership=demo.partnership)
    client.force_login(raiser)
    pages = [a for r, a in addresses(partnership_objects(demo, d, raiser)) if "logout" not in a]
    pages += [f"/disagreements/{d.pk}/{n.replace('_', '-')}/" for n in VERBS if n in
              transitions.allowed(raiser, d)]  # fmt: skip
    seen = 0
    for address in pages:
        response = client.get(address)
        if response.status_code == 200 and "<select" in response.content.decode():
            seen += 1
            assert DJANGO_DEFAULT not in response.content.decode(), address
    assert seen >= 3  # the person picker, the agency and rung choices were drawn
