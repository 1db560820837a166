"""The partnership administration pages in Debian's Chromium: each axe-clean at 1280 and
320 px, with JavaScript on and off, including their error states; and an administrator
signing a leaver off once their open disagreement is handed over."""

from __future__ import annotations

import pytest

from rpd.administration import operations
from rpd.disagreements import transitions
from rpd.people.demo import build_partnership
from rpd.people.models import User
from tests.browser.test_journeys import Walk, choose_person, sign_in
from tests.disagreements.helpers import agree_action, raise_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


@pytest.fixture
def demo():
    demo = build_partnership("stoke-on-trent")
    officer = demo.ladder["police"][0]
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    agree_action(demo.ladder["csc"][0], d, owner=officer, with_whom=officer)
    # Jersey asks to be served by Stoke's police force: Stoke's administrator answers.
    jersey = build_partnership("jersey")
    police = demo.agencies["police"]
    demo.asked = operations.join_agency(jersey.partnership, jersey.admin, {"code": police.code})
    return demo


def test_every_administration_page_is_accessible(live_server, any_page, page_check, demo):
    sign_in(any_page, live_server, demo.admin)
    walk = Walk(any_page, page_check, live_server, "admin")
    s = f"/partnerships/{demo.partnership.slug}/"
    police = demo.agencies["police"]
    officer = demo.ladder["police"][0]
    for path, name in [
        (s, "home"),
        (s + "details/", "details"),
        (s + "details/name/", "details-name"),
        (s + "details/calendar/", "details-calendar"),
        (s + "details/closure-days/add/", "closure-day"),
        (s + "agencies/", "agencies"),
        (s + "agencies/join/", "join-agency"),
        (f"{s}agencies/requests/{demo.asked.pk}/", "join-request"),
        (f"{s}agencies/{police.pk}/", "agency"),
        (f"{s}agencies/{police.pk}/type/", "agency-type"),
        (f"{s}agencies/{police.pk}/rungs/{police.rungs.first().pk}/", "rung"),
        (s + "people/", "people"),
        (f"{s}people/{officer.pk}/", "person"),
        (f"{s}people/{officer.pk}/roles/", "person-roles"),
        (f"{s}people/{officer.pk}/move/", "person-move"),
        (f"{s}people/{officer.pk}/move/?agency={demo.agencies['health'].pk}", "person-move-place"),
        (
            f"{s}people/{officer.pk}/move/hand-over/?agency={demo.agencies['health'].pk}"
            f"&rung={demo.agencies['health'].rungs.first().pk}&line_manager=",
            "person-move-hand-over",
        ),
        (s + "roles/", "roles"),
        (s + "roles/designated-safeguarding-lead/add/", "role-holder"),
        (s + "stand-ins/", "stand-ins"),
        (s + "stand-ins/add/", "stand-in"),
        # Then who may stand in there: people on that rung in other agencies only.
        (
            f"{s}stand-ins/add/?agency={demo.agencies['charity'].pk}"
            f"&pathway_rung={demo.partnership.pathway_entry().pack.rungs[2].id}",
            "stand-in-people",
        ),
    ]:
        walk.go(path, name)
    assert walk.page.locator("header").get_by_role("link", name="Administration").count() == 1

    # Error states: a question page, a form of several fields, and the closure day's boxes.
    walk.go(s + "details/reference-prefix/", "prefix")
    walk.page.get_by_label("Reference prefix").fill("1 BAD")
    walk.press("Continue", "prefix-error")
    assert walk.page.title().startswith("Error: ")
    walk.go(s + "details/closure-days/add/", "closure-day-again")
    walk.page.locator("#id_day_day").fill("31")
    walk.page.locator("#id_day_month").fill("2")
    walk.page.locator("#id_day_year").fill("2026")
    walk.press("Continue", "closure-day-error")
    assert "must be a real date" in walk.main()

    walk.go(f"{s}agencies/requests/{demo.asked.pk}/", "join-request-again")
    walk.press("Continue", "join-request-error")
    assert "Select whether you accept the request" in walk.main()

    # Adding an agency: the form, its error, check your answers, done.
    walk.go(s + "agencies/add/", "add-agency")
    walk.press("Continue", "add-agency-error")
    walk.page.get_by_label("Agency name").fill("Northfield GP Practice")
    walk.page.get_by_label("Type of agency").select_option("health")
    walk.press("Continue", "add-agency-check")
    assert "Northfield GP Practice" in walk.main()
    walk.press("Add the agency", "agency-added")
    assert walk.h1() == "Northfield GP Practice"

    # Adding a person: their agency first, then several fields, checked.
    walk.go(s + "people/add/", "add-person-agency")
    walk.press("Continue", "add-person-agency-error")
    assert "Select" in walk.main()
    walk.page.get_by_label("Which agency are they in?").select_option(label=police.name)
    walk.press("Continue", "add-person")
    walk.page.get_by_label("Email address").fill("not an address")
    walk.press("Continue", "add-person-error")
    assert "Enter an email address in the correct format" in walk.main()


def test_a_leaver_is_signed_off_once_their_parts_are_handed_over(
    live_server, any_page, page_check, demo
):
    officer, colleague = demo.ladder["police"][0], demo.colleague["police"]
    sign_in(any_page, live_server, demo.admin)
    walk = Walk(any_page, page_check, live_server, "leaver")
    walk.go(f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/", "person")
    assert "Acts for the receiving side" in walk.main()
    walk.follow("Deactivate: they have left", "deactivate")
    walk.press("Deactivate", "deactivate-error")
    summary = walk.page.locator(".govuk-error-summary")
    assert summary.get_by_role("link").count() == 1  # who takes over everything else
    # Their side to their manager, who knows the case; the rest to a colleague, chosen
    # from the whole force once, narrowed as you type.
    manager = demo.ladder["police"][1]
    walk.page.locator("main select").nth(0).select_option(value=str(manager.pk))
    choose_person(walk.page, "rest", colleague, id="item-rest")
    walk.press("Deactivate", "deactivated")
    assert "can no longer sign in" in walk.main()
    assert not User.objects.get(pk=officer.pk).is_active
