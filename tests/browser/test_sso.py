"""Signing in with an organisation's account in Debian's Chromium, through a fake OpenID
Connect provider running in this process: a registered person gets in (their provider's
second factor standing in for ours), a person not registered is refused with a page
saying what to do. Every page axe-clean at 1280 and 320 px, with and without JavaScript."""

from __future__ import annotations

import pytest

from rpd.people import sso
from rpd.people.models import Agency, AgencyType, Partnership, Role, RoleGrant, User
from tests.people.fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET_ENV = "RPD_TEST_SSO_SECRET"


@pytest.fixture
def fake_idp(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def police(fake_idp):
    partnership = Partnership.objects.create(
        name="Testshire Safeguarding Partnership", slug="testshire", pathway_id="stoke-on-trent"
    )
    agency = Agency.objects.create_in(
        partnership, name="Testshire Police", type=AgencyType.POLICE, code="testshire-police"
    )
    sso.add(
        agency,
        server_url=fake_idp.issuer,
        client_id=CLIENT_ID,
        secret_env=SECRET_ENV,
        domains=["police.testshire.example"],
    )
    return agency


@pytest.fixture
def officer(police) -> User:
    user = User.objects.create_user(
        username="dc-eve",
        email="eve.ember@police.testshire.example",
        first_name="Eve",
        last_name="Ember",
        agency=police,
        job_title="Detective Constable",
    )
    RoleGrant.objects.create(user=user, role=Role.PRACTITIONER)
    return user


def start(page, server, page_check, journey: str) -> None:
    page.set_default_timeout(10_000)
    page.goto(server.url + "/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in with your organisation's account").click()
    assert page.locator("h1").inner_text() == "Sign in with your organisation's account"
    page_check(page, f"{journey}-organisation")


def test_a_registered_officer_signs_in_with_their_forces_account(
    live_server, any_page, page_check, officer, fake_idp
):
    page = any_page
    fake_idp.sign_in_as(officer.email.upper(), amr=["pwd", "mfa"])
    start(page, live_server, page_check, "sso")

    # Nothing typed: each form names what is missing.
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    assert "Enter your work email address" in page.locator(".govuk-error-summary").inner_text()
    page_check(page, "sso-organisation-error")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to your organisation").click()
    assert "Choose your organisation" in page.locator(".govuk-error-summary").inner_text()

    page.get_by_label("Your work email address").fill(officer.email)
    with page.expect_navigation(url=live_server.url + "/"):
        page.get_by_role("button", name="Continue", exact=True).click()
    # Through the provider and back, signed in; its second factor stood in for ours.
    assert page.url == live_server.url + "/"
    assert "Sign out" in page.locator("header").inner_text()
    [authorize] = fake_idp.authorize_requests
    assert authorize["code_challenge_method"] == "S256"
    assert fake_idp.refusals == []
    page_check(page, "sso-signed-in")
    page.goto(live_server.url + "/accounts/3rdparty/")
    assert "Testshire Police" in page.locator("main").inner_text()
    page_check(page, "sso-connections")


def test_a_person_not_registered_is_refused_with_a_page_saying_to_ask_the_administrator(
    live_server, any_page, page_check, officer, fake_idp
):
    page = any_page
    fake_idp.sign_in_as("visitor@police.testshire.example", amr=["mfa"])
    start(page, live_server, page_check, "sso-refused")
    page.get_by_label("Testshire Police").check()
    with page.expect_navigation(url="**/login/callback/**"):
        page.get_by_role("button", name="Continue to your organisation").click()
    assert page.locator("h1").inner_text() == (
        "You cannot sign in to this service with that account"
    )
    main = page.locator("main").inner_text()
    assert "visitor@police.testshire.example" in main
    assert "Ask your partnership's administrator to register you" in main
    page_check(page, "sso-refused-not-registered")
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/accounts/login/")  # not signed in


def test_cancelling_at_the_provider_says_so(live_server, page, page_check, officer, fake_idp):
    fake_idp.deny = True
    start(page, live_server, page_check, "sso-cancelled")
    page.get_by_label("Your work email address").fill(officer.email)
    with page.expect_navigation(url="**/cancelled/"):
        page.get_by_role("button", name="Continue", exact=True).click()
    assert page.locator("h1").inner_text() == "You did not finish signing in"
    page_check(page, "sso-cancelled")


def test_a_failed_sign_in_at_the_provider_is_a_page_not_a_500(
    live_server, page, page_check, police
):
    page.goto(live_server.url + "/accounts/oidc/testshire-police/login/callback/?code=x&state=y")
    assert page.locator("h1").inner_text() == "Sign-in through your organisation did not work"
    page_check(page, "sso-error")
