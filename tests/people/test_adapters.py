"""A password reset link goes out through the outbox and the worker, like every notice:
requested, delivered by the worker to a real SMTP server, followed, a new password set,
and then a normal sign-in. Nobody can sign up."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from rpd.notifications import worker
from rpd.notifications.models import Kind, Notice, Preference, Status
from tests.notifications.smtp import SMTPServer

from .conftest import error_summary, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message)[0]


def test_a_reset_link_goes_through_the_outbox_and_the_worker_then_works_once(
    client, person, smtp, settings
):
    settings.RPD_BASE_URL = "https://rpd.example.org"
    response = client.post("/accounts/password/reset/", {"email": "Amara.Ashcombe@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()

    # Written to the outbox, not sent from the request.
    [notice] = Notice.objects.all()
    assert (notice.kind, notice.status, notice.recipient) == (Kind.ACCOUNT, Status.PENDING, person)
    assert notice.partnership is None  # the person's account, in no one partnership
    assert mail.outbox == [] and smtp.mailbox.received == []

    assert worker.run(once=True) == 1
    [received] = smtp.mailbox.messages()
    assert received["To"] == "amara.ashcombe@example.org"
    assert received["Subject"] == "Resolving Professional Differences: Reset your password"
    link = reset_link(received.get_body(("plain",)).get_content())
    assert link.startswith("https://rpd.example.org/accounts/password/reset/key/")

    path = urlparse(link).path
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_password = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(
        set_password, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True
    )
    assert "Password changed" in done.content.decode()
    assert "_auth_user_id" not in client.session  # a reset does not sign anyone in

    assert error_summary(sign_in(client)) == ["The email address or password is not right"]
    assert sign_in(client, password=NEW_PASSWORD)["Location"] == "/"
    client.post("/accounts/logout/")

    # The link worked once.
    again = client.get(path, follow=True)
    assert "This link does not work" in again.content.decode()


def test_the_link_is_built_from_the_base_url_whatever_the_host_header_says(
    client, person, settings
):
    settings.RPD_BASE_URL = "https://rpd.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    client.post("/accounts/password/reset/", {"email": person.email}, HTTP_HOST="evil.example")
    [notice] = Notice.objects.all()
    assert "https://rpd.example.org/accounts/password/reset/key/" in notice.body_text
    assert "evil.example" not in notice.body_text + notice.body_html


def test_someone_on_the_daily_digest_still_gets_the_link_straight_away(client, person):
    Preference.objects.create(user=person, daily_digest=True)
    client.post("/accounts/password/reset/", {"email": person.email})
    assert Notice.objects.get().status == Status.PENDING


def test_an_unknown_address_gets_the_same_page_and_no_email(client, person):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert "Check your email" in client.get(response["Location"]).content.decode()
    assert not Notice.objects.exists()


def test_an_empty_or_malformed_address_is_named_in_an_error_summary(client, person):
    assert error_summary(client.post("/accounts/password/reset/", {"email": ""})) == [
        "Enter your email address"
    ]
    assert error_summary(client.post("/accounts/password/reset/", {"email": "not-an-address"}))
    assert not Notice.objects.exists()


def test_mismatched_new_passwords_are_named_in_an_error_summary(client, person):
    client.post("/accounts/password/reset/", {"email": person.email})
    path = urlparse(reset_link(Notice.objects.get().body_text)).path
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": "something else"}
    )
    assert response.status_code == 200
    assert error_summary(response) == ["You must type the same password each time."]


def test_changing_a_second_factor_tells_the_person_by_email(
    client, person, django_capture_on_commit_callbacks
):
    from .conftest import totp_code

    sign_in(client)
    page = client.get("/accounts/2fa/totp/activate/")
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())[1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    [notice] = Notice.objects.filter(kind=Kind.ACCOUNT)
    assert notice.to_address == person.email
    assert notice.subject == "Resolving Professional Differences: Authenticator App Activated"
    assert notice.status == Status.PENDING
