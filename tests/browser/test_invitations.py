"""An imported person's first sign-in in Chromium: the invitation's link from the sent
email, a password, an authenticator app set up from the secret the page shows, and My
work; every page axe-clean at 1280 and 320 px, a screenshot of each."""

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
from tests.browser.test_journeys import Walk, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_imported_person_accepts_their_invitation(live_server, page, page_check, settings):
    settings.RPD_REQUIRE_MFA = True
    partnership = partnerships.create(
        slug="testshire", name="Testshire Safeguarding Partnership", pathway_id="jersey"
    )
    rows = sample_rows("jersey", agencies=2, people=15)
    import_file(partnership, csvformat.write(rows).encode(), by=None)
    person = User.objects.get(email=rows[4]["email"])
    invitations.invite([person], by=None, partnership=partnership)
    worker.run(once=True)
    # (The import also told the leads it made of their role.)
    [message] = [m for m in mail.outbox if "/accounts/invitation/" in m.body]
    link = re.search(r"/accounts/invitation/\S+/", message.body)[0]

    walk = Walk(page, page_check, live_server, "invitation")
    walk.go(link, "password")
    assert walk.h1() == "Create your password"
    walk.press("Create password and continue", "password-empty")
    assert page.title().startswith("Error: ")
    page.get_by_label("Create a password").fill("seven purple kettles singing")
    page.get_by_label("Confirm the password").fill("seven purple kettles singing")
    walk.press("Create password and continue", "authenticator")
    assert walk.h1() == "Set up your authenticator app"
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    walk.press("Turn on", "recovery-codes")
    recovery_code = page.locator("#recovery_codes li").first.inner_text()
    walk.follow("Continue", "my-work")
    assert walk.h1() == "My work"
    walk.follow("Your account", "your-account")
    assert "Second factor" in walk.main()
    # Changing the address asks for the second factor again (a recovery code here: the
    # app's code has just been used), then waits for the new address to be confirmed.
    walk.follow("Change", "change-address")
    assert walk.h1() == "Change your email address"
    page.get_by_label("New email address").fill("femi.new@example.org")
    walk.press("Send a confirmation link", "confirm-it-is-you")
    assert walk.h1() == "Confirm it is you"
    page.get_by_label("Code").fill(recovery_code)
    walk.press("Continue", "address-pending")
    assert "You asked to change it to femi.new@example.org" in walk.main()
    person.refresh_from_db()
    assert person.email == rows[4]["email"]
