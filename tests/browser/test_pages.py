"""Every page a person can reach today, in a real browser: axe-clean at 1280 and 320 px,
with JavaScript on and off, and each form's bad input answered with the error summary."""

import pytest

from rpd.notifications.preferences import preferences_token
from rpd.people.demo import build_partnership

pytestmark = pytest.mark.browser


def test_the_pathway_list_is_accessible(live_server, any_page, page_check):
    any_page.goto(live_server.url + "/pathways/")
    assert any_page.title() == "Escalation pathways - Resolving professional differences"
    assert any_page.locator("h1").inner_text() == "Escalation pathways"
    page_check(any_page, "pathway-list")


def test_a_pathways_dates_are_shown_for_a_chosen_day(live_server, any_page, page_check):
    any_page.goto(live_server.url + "/pathways/jersey/")
    any_page.fill("#id_start_day", "1")
    any_page.fill("#id_start_month", "5")
    any_page.fill("#id_start_year", "2025")
    with any_page.expect_navigation():
        any_page.get_by_role("button", name="Show the dates").click()
    assert "due Monday 12 May 2025" in any_page.locator("main").inner_text()
    page_check(any_page, "pathway-dates")


def test_a_bad_date_is_named_in_the_error_summary_linking_to_its_box(
    live_server, any_page, page_check
):
    any_page.goto(live_server.url + "/pathways/jersey/")
    any_page.fill("#id_start_day", "30")
    any_page.fill("#id_start_month", "")
    any_page.fill("#id_start_year", "2025")
    with any_page.expect_navigation():
        any_page.get_by_role("button", name="Show the dates").click()
    assert any_page.title().startswith("Error: ")
    summary = any_page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name="Date the disagreement is raised must include a month")
    assert link.get_attribute("href") == "#id_start_month"
    if any_page.rpd_javascript:
        # GOV.UK Frontend moves focus to the summary, so a screen reader hears it first.
        assert any_page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert "Stage 1" not in any_page.locator("main").inner_text()
    page_check(any_page, "pathway-dates-error")
    link.click()
    if any_page.rpd_javascript:
        assert any_page.evaluate("document.activeElement.id") == "id_start_month"


@pytest.mark.django_db(transaction=True)
def test_the_notice_preferences_page_saves_a_choice(live_server, any_page, page_check):
    person = build_partnership("jersey").ladder["csc"][0]
    any_page.goto(f"{live_server.url}/notices/preferences/{preferences_token(person)}/")
    page_check(any_page, "preferences")
    any_page.get_by_label("One email a working day with everything since the last").check()
    with any_page.expect_navigation():
        any_page.get_by_role("button", name="Save").click()
    assert "Saved. You will get one email a working day." in any_page.locator("main").inner_text()
    page_check(any_page, "preferences-saved")


@pytest.mark.django_db(transaction=True)
def test_saving_no_choice_names_the_question(live_server, any_page, page_check):
    person = build_partnership("jersey").ladder["csc"][0]
    any_page.goto(f"{live_server.url}/notices/preferences/{preferences_token(person)}/")
    # A radio cannot be unticked by hand: what a tampered or stale form would send.
    any_page.eval_on_selector_all(
        "input[name=delivery]", "radios => radios.forEach(r => r.removeAttribute('name'))"
    ) if any_page.rpd_javascript else _remove_choice_without_js(any_page)
    with any_page.expect_navigation():
        any_page.get_by_role("button", name="Save").click()
    assert any_page.title().startswith("Error: ")
    link = any_page.locator(".govuk-error-summary a")
    assert link.inner_text() == "Select single emails or a daily digest"
    assert link.get_attribute("href") == "#id_delivery_0"
    page_check(any_page, "preferences-error")


def _remove_choice_without_js(page):
    # Page scripts are off, but Playwright's own evaluation still runs.
    page.eval_on_selector_all(
        "input[name=delivery]", "radios => radios.forEach(r => r.removeAttribute('name'))"
    )


def test_an_unknown_page_says_page_not_found(live_server, any_page, page_check):
    response = any_page.goto(live_server.url + "/pathways/atlantis/")
    assert response.status == 404
    assert any_page.locator("h1").inner_text() == "Page not found"
    page_check(any_page, "404")


def test_a_server_error_shows_the_plain_500_page(live_server, any_page, page_check, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    response = any_page.goto(live_server.url + "/test-only/fail/")
    assert response.status == 500
    assert any_page.locator("h1").inner_text() == "Sorry, there is a problem with the service"
    # The plain page still has the design system's look: its stylesheet loaded.
    font = any_page.eval_on_selector("h1", "h => getComputedStyle(h).fontFamily")
    assert font.startswith("arial")
    page_check(any_page, "500")


@pytest.mark.django_db(transaction=True)
def test_my_work_at_320_px_shows_each_cases_next_step_and_date_on_the_screen(
    live_server, page, page_check, no_second_factor
):
    # On a phone, a list of cases stacks: each row a block, each cell under its column's
    # name; nothing of the row (the next step, the date) is off the screen's edge, and
    # the list's caption is whole.
    from rpd.disagreements import transitions
    from tests.browser.test_journeys import sign_in
    from tests.disagreements.helpers import raise_data

    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    transitions.raise_disagreement(raiser, raise_data(demo))
    sign_in(page, live_server, demo.ladder["police"][0])
    page.goto(live_server.url + "/")
    page.set_viewport_size({"width": 320, "height": 900})
    region = page.locator(".rpd-table-scroll")
    assert region.evaluate("e => e.scrollWidth - e.clientWidth") <= 0
    row = page.locator("main tbody tr").first
    shown = "e => getComputedStyle(e, '::before').content"
    names = [cell.evaluate(shown) for cell in row.locator("td").all()]
    assert names == ['"Reference"', '"Other agency"', '"Stage"', '"Next step"', '"Due"'], names
    step = row.locator("td").nth(3)
    assert "You must" in step.inner_text() and step.is_visible()
    box = step.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    page.set_viewport_size({"width": 1280, "height": 900})
    assert step.evaluate(shown) == "none"  # a table again: the names are its head
    page_check(page, "my-work-with-a-case")
