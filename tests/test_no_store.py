"""Pages with personal data are never cached: every response to a signed-in person says
`Cache-Control: no-store`, whatever the page (a middleware default, rpd/middleware.py), so
after sign-out on a shared workstation the back button shows nothing from the cache."""

from __future__ import annotations

import pytest

from rpd.people.models import Role, RoleGrant

from .disagreements.pages import partnership_with_case
from .urlwalk import addresses, partnership_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, settings):
    settings.RPD_REQUIRE_MFA = False  # force_login sets up no second factor
    demo, raiser, d = partnership_with_case()
    # The raiser also administers the partnership: case pages and administration answer.
    RoleGrant.objects.create(user=raiser, role=Role.ADMINISTRATOR, partnership=demo.partnership)
    return client, raiser, addresses(partnership_objects(demo, d, raiser))


def test_every_page_answers_a_signed_in_person_with_no_store(signed_in):
    client, person, routes = signed_in
    answered = {}
    for route, address in sorted(routes, key=lambda r: r[0].name == "account_logout"):
        for method in ("get", "post"):
            client.force_login(person)
            response = getattr(client, method)(address)
            assert response.get("Cache-Control") == "no-store", (method, address)
            answered[(route.name, method)] = response.status_code
    # The person really reached the pages that show a case and administer a partnership.
    for name in ("home", "disagreements:detail", "disagreements:act", "administration:people"):
        assert answered[(name, "get")] == 200, name


def test_a_calendar_feed_asked_for_without_signing_in_keeps_its_own_caching(client, signed_in):
    _, person, routes = signed_in
    [(_, feed)] = [(r, a) for r, a in routes if r.name == "notifications:calendar-feed"]
    client.logout()
    assert client.get(feed)["Cache-Control"] == "private, no-cache"
