"""Signing in: email and password, then the second factor; wrong passwords named and
throttled in the shared cache; sign-out by POST; idle sessions end; nobody signs up."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection

from rpd.people.models import User

from .conftest import PASSWORD, error_summary, recovery_codes, sign_in, totp_code

pytestmark = pytest.mark.django_db

WRONG_CODE = "The code is not right: enter the code your app shows now, or a recovery code"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_the_home_page_asks_a_stranger_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_the_sign_in_page_is_a_gov_uk_page_without_a_sign_up_link(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in - Resolving professional differences</title>" in html
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in html
    assert 'class="govuk-input' in html and 'class="govuk-label"' in html
    assert "placeholder=" not in html
    assert '<label class="govuk-label" for="id_login">Email address</label>' in html
    assert "aria-describedby" not in html  # no hint or error to point at yet
    assert "/accounts/signup/" not in html
    assert "I have forgotten my password" in html


def test_a_person_signs_in_with_email_and_password_and_is_asked_to_set_up_a_second_factor(
    client, person
):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/"

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_the_address_is_matched_whatever_its_capitals(client, person):
    response = sign_in(client, email="  Amara.Ashcombe@EXAMPLE.org ")
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_is_named_in_an_error_summary(client, person):
    response = sign_in(client, password="not the password")
    assert response.status_code == 200
    assert error_summary(response) == ["The email address or password is not right"]
    assert "<title>Error: Sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_missing_address_is_named_and_linked_to_its_field(client, person):
    response = client.post("/accounts/login/", {"login": "", "password": ""})
    assert error_summary(response) == ["Enter your email address", "Enter your password"]
    html = response.content.decode()
    assert '<a href="#id_login">' in html and '<a href="#id_password">' in html
    assert 'id="id_login_error"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html


def test_five_wrong_passwords_lock_the_address_even_for_the_right_one(client, person):
    for _ in range(5):
        assert error_summary(sign_in(client, password="wrong")) != []
    response = sign_in(client, password=PASSWORD)
    assert response.status_code == 200
    assert error_summary(response) == [
        "Too many wrong passwords for this email address: try again in 5 minutes, "
        "or reset your password"
    ]
    assert "_auth_user_id" not in client.session


def test_the_failed_attempts_are_counted_in_the_shared_database_cache(client, person, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    table = settings.CACHES["default"]["LOCATION"]
    sign_in(client, password="wrong")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(table)}")
        keys = [row[0] for row in cursor.fetchall()]
    # Every web process reads these rows, so the lock holds across processes and servers.
    assert any("login_failed" in key for key in keys)


def test_a_second_factor_code_completes_the_sign_in(client, person_with_totp):
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not signed in on a password alone
    assert client.get("/").status_code == 302

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_named_in_an_error_summary(client, person_with_totp):
    sign_in(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert error_summary(response) == [WRONG_CODE]
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, person_with_totp):
    code = recovery_codes(person_with_totp)[0]
    sign_in(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": code})["Location"] == "/"
    client.post("/accounts/logout/")

    sign_in(client)
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200
    assert error_summary(response) == [WRONG_CODE]
    assert code not in recovery_codes(person_with_totp)


def test_sign_out_asks_first_and_happens_only_by_post(client, person_with_totp):
    client.force_login(person_with_totp)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert "Are you sure you want to sign out?" in response.content.decode()
    assert client.get("/").status_code == 200  # still signed in

    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_a_session_ends_after_thirty_idle_minutes_and_activity_keeps_it_going(
    client, person_with_totp, settings
):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(person_with_totp)
        for _ in range(3):  # an hour and a half of work, a page every 29 minutes
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_nobody_can_sign_up(client, agency):
    response = client.get("/accounts/signup/")
    assert "You cannot create an account here" in response.content.decode()
    client.post(
        "/accounts/signup/",
        {"email": "newcomer@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_two_people_cannot_share_an_address_in_any_capitals(person, agency):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="other", email="AMARA.ashcombe@example.org")
    # Several people may have no address yet.
    User.objects.create_user(username="a", email="")
    User.objects.create_user(username="b", email="")
