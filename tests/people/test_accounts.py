"""A person's own account: changing their address, password or second factor asks for
the second factor again and is audited; a new address becomes theirs only once confirmed;
another registered person's address is refused; notices never reach an unverified one."""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail

from rpd.audit import log as audit
from rpd.audit.models import Event
from rpd.notifications import outbox, worker
from rpd.notifications.models import Kind, Notice
from rpd.people.forms import CLAIMED_ADDRESS
from rpd.people.models import User

from .conftest import PASSWORD, error_summary, sign_in, totp_code

pytestmark = pytest.mark.django_db
NEW = "amara.new@example.org"


@pytest.fixture
def clock():
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as traveller:
        yield traveller


def signed_in_with_code(client, person, clock):
    sign_in(client, person.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code()}).status_code == 302
    clock.shift(datetime.timedelta(seconds=31))  # a code is accepted once


def confirm_it_is_me(client, response, clock):
    """The second factor again, as the reauthentication page asks; the change resumes."""
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    resumed = client.post(response["Location"], {"code": totp_code()})
    clock.shift(datetime.timedelta(seconds=31))
    return resumed


def test_changing_the_address_asks_for_the_second_factor_and_waits_for_confirmation(
    client, person_with_totp, clock
):
    person = person_with_totp
    signed_in_with_code(client, person, clock)
    asked = client.post("/accounts/email/", {"email": NEW, "action_add": ""})
    assert not EmailAddress.objects.filter(email=NEW).exists()  # nothing until confirmed
    confirm_it_is_me(client, asked, clock)

    claim = EmailAddress.objects.get(email=NEW)
    assert not claim.verified and not claim.primary
    person.refresh_from_db()
    assert person.email == "amara.ashcombe@example.org"  # still theirs, notices go there
    page = client.get("/accounts/email/").content.decode()
    assert "You asked to change it to amara.new@example.org" in page

    worker.run(once=True)
    [confirmation] = [m for m in mail.outbox if NEW in m.to]
    link = re.search(r"http://\S+(/accounts/confirm-email/\S+/)", confirmation.body)[1]
    assert client.get(link).status_code == 200
    client.post(link)
    person.refresh_from_db()
    assert person.email == NEW
    [address] = EmailAddress.objects.filter(user=person)
    assert address.email == NEW and address.verified and address.primary

    events = list(Event.objects.filter(target=audit.user_target(person)))
    texts = audit.texts_of(e.seq for e in events)  # addresses are kept beside the chain
    actions = [
        (e.action, texts.get(e.seq, {}).get("address"))
        for e in events
        if e.action.startswith("account.address")
    ]
    assert actions == [
        ("account.address_added", NEW),
        ("account.address_verified", NEW),
        ("account.address_made_primary", NEW),
    ]


def test_changing_the_password_asks_for_the_second_factor_again(client, person_with_totp, clock):
    signed_in_with_code(client, person_with_totp, clock)
    new = {"oldpassword": PASSWORD, "password1": "a whole new passphrase", "password2": ""}
    new["password2"] = new["password1"]
    asked = client.post("/accounts/password/change/", new)
    person_with_totp.refresh_from_db()
    assert person_with_totp.check_password(PASSWORD)
    confirm_it_is_me(client, asked, clock)
    person_with_totp.refresh_from_db()
    assert person_with_totp.check_password("a whole new passphrase")
    assert Event.objects.filter(action="account.password_changed").count() == 1


def test_another_registered_persons_address_is_refused_without_saying_whose(
    client, person_with_totp, agency, clock
):
    User.objects.create_user(username="ben", email="Ben.Other@example.org", agency=agency)
    signed_in_with_code(client, person_with_totp, clock)
    asked = client.post("/accounts/email/", {"email": "ben.other@EXAMPLE.org", "action_add": ""})
    refused = confirm_it_is_me(client, asked, clock)
    assert refused.status_code == 200
    assert [html.unescape(line) for line in error_summary(refused)] == [CLAIMED_ADDRESS]
    assert "Ben" not in error_summary(refused)[0]
    assert not EmailAddress.objects.filter(email__iexact="ben.other@example.org").exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter your new email address"),
        ("not an address", "Enter an email address in the correct format, like name@example.org"),
        ("AMARA.ashcombe@example.org", "This is your email address already: enter a new one"),
    ],
)
def test_a_bad_new_address_is_named(client, person_with_totp, clock, value, message):
    signed_in_with_code(client, person_with_totp, clock)
    asked = client.post("/accounts/email/", {"email": value, "action_add": ""})
    page = confirm_it_is_me(client, asked, clock)
    assert page.status_code == 200
    assert error_summary(page) == [message]


def test_an_unverified_address_is_never_made_primary(client, person_with_totp, clock):
    person = person_with_totp
    # Even where allauth's own rule would allow it: no verified address on the account.
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=person, email=person.email, verified=False, primary=True),
            EmailAddress(user=person, email=NEW, verified=False, primary=False),
        ]
    )
    signed_in_with_code(client, person, clock)
    asked = client.post("/accounts/email/", {"email": NEW, "action_primary": ""})
    if asked["Location"].startswith("/accounts/2fa/reauthenticate/"):
        confirm_it_is_me(client, asked, clock)
    person.refresh_from_db()
    assert person.email == "amara.ashcombe@example.org"
    assert not EmailAddress.objects.get(email=NEW).primary


def test_notices_never_go_to_an_unverified_address(person):
    def notice_to(user):
        return outbox.queue(
            partnership=None,
            kind=Kind.CHANGED,
            to_user=user,
            subject="A test notice",
            template="no_address",
            context={"named": "x", "username": "x"},
        )

    # Registered by the partnership, no address record yet: the partnership vouched for it.
    assert notice_to(person).to_address == "amara.ashcombe@example.org"
    # An address the person claimed and has not verified receives nothing, even if
    # something put it on their user row.
    EmailAddress.objects.create(user=person, email=NEW)  # a claim: not the address of record
    person.email = NEW
    person.save()
    assert notice_to(person) is None
    assert not Notice.objects.filter(to_address=NEW).exists()


def test_the_account_pages_are_linked_from_every_page(client, person_with_totp, clock):
    signed_in_with_code(client, person_with_totp, clock)
    home = client.get("/").content.decode()
    assert 'href="/accounts/your-account/"' in home
    page = client.get("/accounts/your-account/").content.decode()
    for href in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"):
        assert f'href="{href}"' in page, href
    for path in ("/accounts/email/", "/accounts/password/change/"):
        html = client.get(path).content.decode()
        assert 'class="govuk-heading-l"' in html and "<p>" not in html, path


@pytest.mark.parametrize("seconds_before, accepted", [(0, True), (30, True), (60, False)])
def test_a_code_of_the_30_seconds_before_is_accepted_one_older_is_not(
    client, person_with_totp, clock, seconds_before, accepted
):
    import time

    sign_in(client, person_with_totp.email)
    code = totp_code(at=time.time() - seconds_before)
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert (response.status_code == 302) is accepted
