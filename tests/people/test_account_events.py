"""Sign-in and account events in the audit log: each names the person and the IP address,
belongs to no partnership, and `rpd audit verify` walks them like any other event."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail

from rpd.audit import log as audit
from rpd.audit.models import Event
from rpd.notifications import worker

from .conftest import PASSWORD, recovery_codes, sign_in, through_provider, totp_code

pytestmark = pytest.mark.django_db
IP = "127.0.0.1"


def account_events(person=None):
    """The account events, each with the addresses kept beside the chain back in its data
    (and their digests, which the chain holds, left out)."""
    events = Event.objects.filter(action__startswith="account.")
    if person is not None:
        events = events.filter(target=audit.user_target(person))
    events = list(events)
    texts = audit.texts_of(e.seq for e in events)
    for e in events:
        e.data = {k: v for k, v in e.data.items() if k != "texts"} | texts.get(e.seq, {})
    return events


def only(action: str, person=None) -> Event:
    [event] = [e for e in account_events(person) if e.action == f"account.{action}"]
    assert event.data["ip"] == IP and event.partnership_id is None
    if person is not None:
        assert event.actor_id == person.pk
    return event


@pytest.fixture(autouse=True)
def chain_verifies_after_each_test():
    yield
    result = audit.verify()
    assert result.ok, result.reason


def test_a_password_sign_in_and_sign_out(client, person):
    sign_in(client)
    assert only("signed_in", person).data["method"] == "password"
    client.post("/accounts/logout/")
    only("signed_out", person)


def test_a_failed_sign_in_names_the_address_whether_or_not_anyone_has_it(client, person):
    known = sign_in(client, password="wrong")
    unknown = sign_in(client, "nobody@example.org", password="wrong")
    assert known.content.decode().count("not right") == unknown.content.decode().count("not right")
    failed = [e for e in account_events() if e.action == "account.sign_in_failed"]
    assert [(e.target, e.actor_id, e.data) for e in failed] == [
        ("sign-in", None, {"ip": IP, "address": person.email}),
        ("sign-in", None, {"ip": IP, "address": "nobody@example.org"}),
    ]


def test_a_throttled_address_is_recorded(client, person):
    for _ in range(5):
        sign_in(client, password="wrong")
    sign_in(client)  # the right password, refused for the rest of the five minutes
    [event] = [e for e in account_events() if e.action == "account.sign_in_throttled"]
    assert event.target == "sign-in" and event.data["ip"] == IP
    assert event.data["address"] == "amara.ashcombe@example.org"
    # Kept beside the chain, which holds its digest: a leaver's can be removed (ADR 017).
    assert "amara" not in str(Event.objects.get(seq=event.seq).data)
    assert not [e for e in account_events() if e.action == "account.signed_in"]


def test_second_factors_added_removed_and_a_recovery_code_used(
    client, person, django_capture_on_commit_callbacks
):
    from .test_middleware import secret_on

    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        sign_in(client)
        page = client.get("/accounts/2fa/totp/activate/")
        secret = secret_on(page)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
        added = [e.data["type"] for e in account_events(person) if "added" in e.action]
        assert added == ["totp", "recovery_codes"]

        client.post("/accounts/logout/")
        sign_in(client)
        client.post("/accounts/2fa/authenticate/", {"code": recovery_codes(person)[0]})
        only("recovery_code_used", person)
        clock.shift(datetime.timedelta(seconds=31))
        client.post("/accounts/2fa/totp/deactivate/")
        removed = [e.data["type"] for e in account_events(person) if "removed" in e.action]
        assert removed == ["totp", "recovery_codes"]  # the codes go with the app


def test_a_wrong_second_factor_code_is_recorded(client, person_with_totp):
    sign_in(client)
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    only("second_factor_failed", person_with_totp)


def test_a_password_reset_is_recorded_and_proves_the_address(client, person):
    client.post("/accounts/password/reset/", {"email": person.email})
    worker.run(once=True)
    [message] = mail.outbox
    link = re.search(r"http://\S+?(/accounts/password/reset/key/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    new = "another good passphrase"
    client.post(form.request["PATH_INFO"], {"password1": new, "password2": new})
    only("password_reset", person)
    assert only("address_verified", person).data["via"] == "password reset"


def test_a_sign_in_through_the_agencys_provider_names_it_and_the_link(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(person.email, email_verified=True, amr=["pwd", "mfa"])
    through_provider(client, fake_idp, {"by": "email", "email": person.email})
    provider_id = sso_provider.app.provider_id
    assert only("signed_in", person).data == {"ip": IP, "method": "sso", "provider": provider_id}
    assert only("sso_linked", person).data["provider"] == provider_id


def test_the_password_is_never_in_the_log(client, person):
    sign_in(client, password="wrong")
    sign_in(client)
    assert all(
        PASSWORD not in str(e.data) and "wrong" not in str(e.data) for e in Event.objects.all()
    )


def test_a_sign_in_the_provider_vouched_for_but_we_refuse_is_recorded(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as("stranger@example.org", email_verified=True, amr=["pwd"])
    through_provider(client, fake_idp, {"by": "email", "email": person.email})
    [event] = [e for e in account_events() if e.action == "account.sign_in_failed"]
    assert event.target == "sign-in" and event.actor_id is None
    assert event.data["address"] == "stranger@example.org"
    assert event.data["provider"] == sso_provider.app.provider_id
