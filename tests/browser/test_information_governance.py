"""The information governance pages in Debian's Chromium: each axe-clean at 1280 and 320
px, with JavaScript on and off, including the search's error state; a search finds the
child's case and the case page shows who read it."""

from __future__ import annotations

import pytest

from rpd.disagreements import transitions
from rpd.people.demo import build_partnership
from rpd.people.models import Role, RoleGrant, User
from tests.browser.test_journeys import Walk, sign_in
from tests.disagreements.helpers import raise_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


def test_every_information_governance_page_is_accessible(live_server, any_page, page_check):
    demo = build_partnership("stoke-on-trent")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    officer = User.objects.create_user(
        username="ig-browser", email="ig-browser@example.org", first_name="Indigo",
        last_name="Govtest", agency=demo.unit.agency,
    )  # fmt: skip
    RoleGrant.objects.create(
        user=officer, role=Role.INFORMATION_GOVERNANCE, partnership=demo.partnership
    )
    sign_in(any_page, live_server, demo.ladder["csc"][0])
    any_page.goto(f"{live_server.url}/disagreements/{d.pk}/")  # a read, for the log
    sign_in(any_page, live_server, officer)
    walk = Walk(any_page, page_check, live_server, "governance")
    walk.go("/information-governance/", "search")
    walk.press("Find cases", "search-error")
    assert walk.page.title().startswith("Error: ")
    walk.page.get_by_label("NHS number").fill(d.subject.nhs_number)
    walk.press("Find cases", "found")
    assert d.reference in walk.main()
    walk.go(f"/information-governance/cases/{d.pk}/", "case")
    assert demo.ladder["csc"][0].display_name in walk.main()
    for path, name in [
        (f"/information-governance/cases/{d.pk}/restrict/", "restrict"),
        (f"/information-governance/cases/{d.pk}/rectify/", "rectify"),
        (f"/information-governance/cases/{d.pk}/hold/", "hold"),
        ("/information-governance/reads/", "reads"),
        (f"/information-governance/reads/?email={demo.ladder['csc'][0].email}", "reads-found"),
        ("/information-governance/retention/", "retention"),
        (f"/information-governance/retention/{demo.partnership.slug}/policy/", "policy"),
        (f"/information-governance/retention/{demo.partnership.slug}/erase/", "erase"),
    ]:
        walk.go(path, name)
    assert walk.page.locator("header").get_by_role("link", name="Information governance").count()
