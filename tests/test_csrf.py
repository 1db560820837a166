"""Every form is protected from cross-site requests: no view is exempt from Django's CSRF
check, and a transition posted without its token is refused and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rpd.audit.models import Event
from rpd.disagreements.models import Status

from .disagreements.helpers import fresh
from .disagreements.pages import partnership_with_case
from .urlwalk import every_route


def test_no_view_of_ours_is_csrf_exempt():
    routes = list(every_route())
    assert len(routes) > 50  # the walk reached every app's patterns
    exempt = [r.route for r in routes if getattr(r.callback, "csrf_exempt", False)]
    assert exempt == []


@pytest.mark.django_db
def test_a_transition_posted_without_its_token_is_refused_and_changes_nothing(settings):
    settings.RPD_REQUIRE_MFA = False  # force_login sets up no second factor
    demo, raiser, d = partnership_with_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(raiser)
    withdraw = f"/disagreements/{d.pk}/withdraw/"
    data = {"version": d.version, "reason": "Agreed between the two agencies"}
    events = Event.objects.count()

    response = client.post(withdraw, data)

    assert response.status_code == 403
    after = fresh(d)
    assert (after.status, after.version) == (Status.OPEN, d.version)
    assert Event.objects.count() == events
    # The same post with the page's token goes through: it was the token that was missing.
    page = client.get(withdraw).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(withdraw, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert fresh(d).status == Status.WITHDRAWN
