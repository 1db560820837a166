"""Everyone sets up a second factor before using the service: a signed-in person without
one reaches only the sign-in and second-factor pages until they have."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator

from .conftest import PASSWORD, error_summary, sign_in, totp_code

pytestmark = pytest.mark.django_db


def secret_on(page) -> str:
    return re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())[1]


def test_without_a_second_factor_every_page_leads_to_setting_one_up(client, person):
    sign_in(client)
    for path in ["/", "/pathways/", "/pathways/jersey/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert (
            response["Location"] == f"/accounts/2fa/totp/activate/?next={path.replace('/', '%2F')}"
        )


def test_signing_in_without_a_second_factor_does_not_say_signed_in_yet(client, person):
    response = sign_in(client)
    page = client.get(client.get(response["Location"])["Location"])
    assert "Set up your authenticator app" in page.content.decode()
    assert "signed in" not in page.content.decode().lower()


def test_the_sign_in_pages_stay_open_so_they_can_set_one_up_or_sign_out(client, person):
    sign_in(client)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_setting_up_an_authenticator_app_opens_the_service(client, person):
    sign_in(client)
    page = client.get("/accounts/2fa/totp/activate/")
    html = page.content.decode()
    assert (
        "<title>Set up your authenticator app - Resolving professional differences</title>" in html
    )
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, drawn here, not fetched

    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret_on(page))})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200
    # Recovery codes come with it, shown on a GOV.UK page.
    codes = client.get("/accounts/2fa/recovery-codes/")
    assert codes.status_code == 200
    assert 'id="recovery_codes"' in codes.content.decode()


def test_reloading_the_set_up_page_keeps_the_secret_already_scanned(client, person):
    # A person scans the QR code, then reloads (or comes back from the app): the code
    # their app shows must still be accepted.
    sign_in(client)
    first = secret_on(client.get("/accounts/2fa/totp/activate/"))
    assert secret_on(client.get("/accounts/2fa/totp/activate/")) == first

    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(first)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def test_a_wrong_code_at_set_up_is_named_in_an_error_summary(client, person):
    sign_in(client)
    client.get("/accounts/2fa/totp/activate/")
    response = client.post("/accounts/2fa/totp/activate/", {"code": "123"})
    assert response.status_code == 200
    # Setting the app up, nobody has recovery codes yet: the message offers none.
    assert error_summary(response) == [
        "The code is not right: enter the 6-digit code your app shows now"
    ]
    assert not Authenticator.objects.filter(user=person).exists()


def test_removing_the_authenticator_app_asks_for_one_again(client, person_with_totp):
    sign_in(client)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/").status_code == 200
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert page.status_code == 200
    assert "govuk-button--warning" in page.content.decode()

    client.post("/accounts/2fa/totp/deactivate/")
    assert not Authenticator.objects.filter(
        user=person_with_totp, type=Authenticator.Type.TOTP
    ).exists()
    assert client.get("/")["Location"].startswith("/accounts/2fa/totp/activate/")


def test_a_second_factor_change_asks_for_the_second_factor_again_after_a_while(
    client, person_with_totp
):
    import datetime

    import time_machine

    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        sign_in(client)
        client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
        clock.shift(datetime.timedelta(minutes=10))
        response = client.get("/accounts/2fa/recovery-codes/generate/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
        page = client.get(response["Location"])
        assert '<h1 class="govuk-heading-l">Confirm it is you</h1>' in page.content.decode()
        wrong = client.post(response["Location"], {"code": "000000"})
        assert error_summary(wrong) == [
            "The code is not right: enter the code your app shows now, or a recovery code"
        ]
        # The password alone is not enough for someone who has a second factor.
        by_password = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
        assert by_password["Location"].startswith("/accounts/2fa/reauthenticate/")
        assert client.get("/accounts/2fa/recovery-codes/generate/").status_code == 302
        clock.shift(datetime.timedelta(seconds=31))
        right = client.post(response["Location"], {"code": totp_code()})
        assert right.status_code == 302
        assert client.get("/accounts/2fa/recovery-codes/generate/").status_code == 200


def test_the_requirement_can_be_left_to_an_identity_provider(client, person, settings):
    settings.RPD_REQUIRE_MFA = False
    sign_in(client)
    assert client.get("/").status_code == 200


def test_the_second_factor_pages_are_gov_uk_pages(client, person_with_totp):
    sign_in(client)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    for path in [
        "/accounts/2fa/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/webauthn/add/",
    ]:
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert 'class="govuk-heading-l"' in html, path
        assert " - Resolving professional differences</title>" in html, path
        assert "<p>" not in html, path  # no unstyled allauth markup left
