"""Two partnerships sharing a police force, in the browser (ADR 007): the officer says
which partnership a disagreement is in before raising it, and an oversight role in two
partnerships switches between their lists; every page axe-clean at 1280 and 320 px,
with JavaScript on and off."""

from __future__ import annotations

import pytest

from rpd.disagreements import transitions
from rpd.people.demo import build_partnership
from rpd.people.models import Role, RoleGrant
from tests.browser.test_journeys import Walk, sign_in
from tests.disagreements.helpers import raise_data
from tests.sharing import share

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


@pytest.fixture
def region():
    blackpool = build_partnership("blackpool", slug="blackpool")
    stoke = build_partnership("stoke-on-trent", slug="stoke")
    police = blackpool.agencies["police"]
    share(police, stoke.partnership, asked_by=stoke.admin, accepted_by=blackpool.admin)
    return blackpool, stoke


def test_an_officer_of_a_shared_force_chooses_the_partnership_then_raises(
    live_server, any_page, page_check, region
):
    blackpool, stoke = region
    walk = Walk(any_page, page_check, live_server, "region-raise")
    sign_in(any_page, live_server, blackpool.ladder["police"][0])
    walk.go("/disagreements/new/", "which-partnership")
    assert walk.h1() == "Which partnership is this disagreement in?"
    walk.press("Continue", "which-partnership-error")
    assert any_page.title().startswith("Error: ")
    link = any_page.locator(".govuk-error-summary a")
    assert link.inner_text() == "Select the partnership this disagreement is in"
    any_page.get_by_label(stoke.partnership.name).check()
    walk.press("Continue", "first-question")
    assert walk.h1() == "Is a child at immediate risk of significant harm?"  # a children's pathway


def test_an_oversight_role_in_two_partnerships_switches_between_their_lists(
    live_server, any_page, page_check, region
):
    blackpool, stoke = region
    unit = blackpool.unit
    RoleGrant.objects.create(user=unit, role=Role.PARTNERSHIP_UNIT, partnership=stoke.partnership)
    case = transitions.raise_disagreement(stoke.ladder["health"][0], raise_data(stoke, "csc"))
    walk = Walk(any_page, page_check, live_server, "region-oversight")
    sign_in(any_page, live_server, unit)
    walk.go("/oversight/", "blackpool")
    assert f"/disagreements/{case.pk}/" not in any_page.content()
    any_page.get_by_label("Partnership", exact=True).select_option("stoke")
    walk.press("Apply filters", "stoke")
    assert stoke.partnership.name in walk.main()
    assert f"/disagreements/{case.pk}/" in any_page.content()
