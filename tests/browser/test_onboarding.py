"""The import and go-live check pages in Chromium: axe-clean at 1280 and 320 px with
JavaScript on and off; a bad file answered with the error summary and the rows to
correct, a good one checked, then imported; the check red, then green."""

from __future__ import annotations

import re

import pytest

from rpd.disagreements import pathway_versions
from rpd.onboarding import csvformat, partnerships
from rpd.onboarding.import_people import import_file
from rpd.onboarding.sample import sample_rows
from rpd.people.models import User
from tests.browser.test_journeys import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


@pytest.fixture
def rows():
    return sample_rows("jersey", agencies=3, people=30)


@pytest.fixture
def administrator(rows):
    partnership = partnerships.create(
        slug="testshire", name="Testshire Safeguarding Partnership", pathway_id="jersey"
    )
    import_file(partnership, csvformat.write(rows[:3]).encode(), by=None)
    return User.objects.get(email=rows[0]["email"])


def choose(page, path, mode):
    page.set_input_files("#id_file", str(path))
    page.get_by_label(mode).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def test_a_file_with_bad_rows_is_named_row_by_row(
    live_server, any_page, page_check, administrator, rows, tmp_path
):
    rows[10]["email"] = "not-an-address"
    rows[12]["pathway_rung"] = "sergeant"
    path = tmp_path / "people.csv"
    path.write_text(csvformat.write(rows), encoding="utf-8")
    sign_in(any_page, live_server, administrator)
    any_page.goto(live_server.url + "/partnerships/testshire/import/")
    assert any_page.locator("h1").inner_text() == "Import people"
    page_check(any_page, "import")
    choose(any_page, path, "Import it")
    assert any_page.title().startswith("Error: ")
    summary = any_page.locator(".govuk-error-summary")
    assert "The file has 2 problems: nothing was imported" in summary.inner_text()
    table = any_page.locator("table").inner_text()
    assert "email (A)" in table and "pathway_rung (H)" in table
    page_check(any_page, "import-bad-rows")
    assert User.objects.count() == 3


def test_a_file_is_checked_then_imported(
    live_server, any_page, page_check, administrator, rows, tmp_path
):
    path = tmp_path / "people.csv"
    path.write_text(csvformat.write(rows), encoding="utf-8")
    sign_in(any_page, live_server, administrator)
    any_page.goto(live_server.url + "/partnerships/testshire/import/")
    choose(any_page, path, "Check the file and show what would change")
    assert "What importing people.csv would change" in any_page.locator("main").inner_text()
    page_check(any_page, "import-checked")
    assert User.objects.count() == 3
    choose(any_page, path, "Import it")
    assert "People imported" in any_page.locator("main").inner_text()
    page_check(any_page, "import-done")
    assert User.objects.count() == 30


def test_the_go_live_check_lists_problems_then_is_green(
    live_server, any_page, page_check, administrator, rows
):
    partnership = administrator.agency.partnerships.get()
    import_file(partnership, csvformat.write(rows).encode(), by=None)
    leaders = User.objects.filter(agency__code="csc-01", rung__pathway_rung="senior-manager")
    leaders.update(is_active=False)
    sign_in(any_page, live_server, administrator)
    any_page.goto(live_server.url + "/partnerships/testshire/check/")
    main = any_page.locator("main").inner_text()
    assert "would stop a disagreement" in main
    assert "Ladders" in main and "stands on the Senior manager" in main and "Mail" in main
    page_check(any_page, "go-live-problems")
    with any_page.expect_navigation():
        any_page.get_by_role(
            "link", name="Complete Sample Social Workers' agency 01's ladder"
        ).click()
    assert any_page.url.endswith(f"/partnerships/testshire/agencies/{leaders.first().agency_id}/")


def test_the_go_live_check_is_green_when_ready(
    live_server, any_page, page_check, administrator, rows, settings
):
    partnership = administrator.agency.partnerships.get()
    import_file(partnership, csvformat.write(rows).encode(), by=None)
    # The built-in pack's policy review date has passed: the partnership runs the reviewed
    # policy's pack, with its next review date, as the check asks.
    built_in = partnership.pathway_entry()
    version = built_in.pack.version
    text = built_in.path.read_text("utf-8")
    text = text.replace(f"version: {version}\n", f"version: {version + 1}\n", 1)
    text = re.sub(r"review_date: \S+", "review_date: 2099-01-31", text, count=1)
    row = pathway_versions.upload(partnership, text.encode(), "reviewed.yaml", by=administrator)
    pathway_versions.switch(
        partnership,
        row.pk,
        by=administrator,
        seen_in_use=pathway_versions.in_use(partnership).digest,
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "rpd@testshire.example.org"
    settings.RPD_BASE_URL = "https://rpd.testshire.example.org"
    sign_in(any_page, live_server, administrator)
    any_page.goto(live_server.url + "/partnerships/testshire/check/")
    assert "Ready to go live" in any_page.locator("main").inner_text()
    page_check(any_page, "go-live-ready")
