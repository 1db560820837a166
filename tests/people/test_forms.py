"""Bad input to every sign-in form gets a page with its message, never a 500: NUL
characters, a megabyte of text, markup that must come back escaped."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from rpd.notifications.models import Notice

from .conftest import sign_in, totp_code

pytestmark = pytest.mark.django_db

BAD = [
    "\x00",
    "amara\x00@example.org",
    "x" * 1_000_000,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "١٢٣٤٥٦",  # digits, but not ASCII ones
    "",
]


def assert_handled(response, value):
    assert response.status_code < 500
    if response.status_code == 200:
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        if value:
            assert "There is a problem" in html, value[:40]


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_sign_in_form(client, person, value):
    assert_handled(client.post("/accounts/login/", {"login": value, "password": value}), value)
    assert_handled(client.post("/accounts/login/", {"login": person.email, "password": value}), "")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_password_reset_request(client, person, value):
    assert_handled(client.post("/accounts/password/reset/", {"email": value}), value)
    assert not Notice.objects.exists()


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_new_password_form(client, person, value):
    client.post("/accounts/password/reset/", {"email": person.email})
    link = re.search(
        r"https?://\S+/accounts/password/reset/key/\S+/", Notice.objects.get().body_text
    )
    form = client.get(urlparse(link[0]).path, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"password1": value, "password2": value})
    assert_handled(response, value)
    person.refresh_from_db()
    if len(value) < 12:  # too short, or holding a NUL: refused
        assert not person.check_password(value)


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_a_forged_reset_link(client, value):
    path = "/accounts/password/reset/key/1-" + value.replace("/", "") + "/"
    if "\x00" in value or not value:
        path = "/accounts/password/reset/key/1-%00/"
    assert client.get(path[:5000]).status_code < 500


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_second_factor_code(client, person_with_totp, value):
    sign_in(client)
    assert_handled(client.post("/accounts/2fa/authenticate/", {"code": value}), value)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_authenticator_set_up_code(client, person, value):
    sign_in(client)
    client.get("/accounts/2fa/totp/activate/")
    assert_handled(client.post("/accounts/2fa/totp/activate/", {"code": value}), value)


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_password_asked_again(client, person, value, settings):
    settings.RPD_REQUIRE_MFA = False
    sign_in(client)
    assert_handled(client.post("/accounts/reauthenticate/", {"password": value}), value)


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_the_security_key_forms(client, person_with_totp, value):
    sign_in(client)
    # A security-key answer is JSON made by the browser: anything else is refused.
    assert client.post("/accounts/2fa/authenticate/", {"credential": value}).status_code < 500
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    response = client.post("/accounts/2fa/webauthn/add/", {"name": value, "credential": value})
    assert response.status_code < 500
