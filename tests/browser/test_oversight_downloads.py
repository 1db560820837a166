"""A partnership unit's officer who arrived by the CSV import and an invitation takes the
register's download: with a filter it cannot read, the page names what is wrong and offers
no download, and the download asked anyway answers the same page; with a good filter, a
file. Every page axe-clean at 1280 and 320 px."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from rpd.notifications import worker
from rpd.onboarding import csvformat, partnerships
from rpd.onboarding.import_people import import_file
from rpd.onboarding.sample import sample_rows
from rpd.people import invitations
from rpd.people.models import User
from tests.browser.test_journeys import Walk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_second_factor"),
]


def test_an_imported_unit_officer_is_told_a_wrong_filter_before_any_download(
    live_server, page, page_check
):
    partnership = partnerships.create(
        slug="testshire", name="Testshire Safeguarding Partnership", pathway_id="jersey"
    )
    rows = sample_rows("jersey", agencies=2, people=15)
    import_file(partnership, csvformat.write(rows).encode(), by=None)
    [row] = [r for r in rows if r["roles"] == "partnership-unit"][:1]
    officer = User.objects.get(email=row["email"])
    invitations.invite([officer], by=None, partnership=partnership)
    worker.run(once=True)
    [message] = [m for m in mail.outbox if m.to == [officer.email] and "/invitation/" in m.body]
    link = re.search(r"/accounts/invitation/\S+/", message.body)[0]

    walk = Walk(page, page_check, live_server, "downloads")
    walk.go(link, "password")
    page.get_by_label("Create a password").fill("seven purple kettles singing")
    page.get_by_label("Confirm the password").fill("seven purple kettles singing")
    page.get_by_role("button", name="Create password and continue").click()

    wrong = "?raised_from_day=45&raised_from_month=13&raised_from_year=2026"
    walk.go(f"/partnerships/testshire/register/{wrong}", "register-wrong-filter")
    assert "Raised from must be a real date" in walk.main()
    assert page.locator("a[href*='/export.']").count() == 0 and "Download" not in walk.main()
    walk.go(f"/partnerships/testshire/register/export.csv{wrong}", "register-export-wrong-filter")
    assert walk.h1() == "Register" and "Raised from must be a real date" in walk.main()
    walk.go("/partnerships/testshire/register/?status=open", "register")
    with page.expect_download() as download:
        page.get_by_role("link", name="these cases as CSV").click()
    assert download.value.suggested_filename == "register.csv"
