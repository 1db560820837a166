"""Channels deliver a batch of notices and say, for each, sent or why not, and whether
trying again could help; checked against a real SMTP server and a fake Notify API."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core.exceptions import ImproperlyConfigured

from rpd.notifications.channels import (
    DeliveryFailed,
    EmailChannel,
    NotifyChannel,
    channel_for,
    message_id,
)

from .smtp import (
    NOTIFY_SERVICE_ID,
    NOTIFY_TEMPLATE_ID,
    FakeNotify,
    Mailbox,
    SMTPServer,
    free_port,
    make_notices,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


@pytest.fixture
def notify(settings):
    with FakeNotify() as fake:
        fake.use_in(settings)
        yield fake


def test_an_email_arrives_with_its_plain_and_html_parts_from_the_service(smtp, settings):
    settings.DEFAULT_FROM_EMAIL = "Safeguarding partnership <rpd@partnership.example.org>"
    [notice] = make_notices(1)

    assert EmailChannel().send([notice]) == {notice.pk: None}

    [received] = smtp.mailbox.received
    assert received.rcpt_tos == ["practitioner1@example.org"]
    assert received.mail_from == "rpd@partnership.example.org"
    message = received.message()
    assert message["To"] == "practitioner1@example.org"
    assert message["From"] == "Safeguarding partnership <rpd@partnership.example.org>"
    assert message["Subject"] == "RPD-2026-0001 was paused"
    assert message["Message-ID"] == message_id(notice)
    assert message["Message-ID"].endswith("@partnership.example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    # (on the wire, lines end CRLF)
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == notice.body_text
    assert message.get_body(("html",)).get_content().strip() == notice.body_html
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.parametrize(
    "subject, body",
    [
        ("RPD-2026-0001: Café referral — paused", "Ünïcödé line\n.\n= sign and =3D\n"),
        ("RPD-2026-0001 " + "long subject " * 90 + "end", "a line of " + "x" * 2000 + "\n\r\nend"),
    ],
    ids=["non-ascii", "long"],
)
def test_an_email_on_the_wire_reads_as_djangos_own_message_of_it(smtp, settings, subject, body):
    settings.DEFAULT_FROM_EMAIL = "Partneriaeth Diogelu Plant Gŵyr <rpd@partnership.example.org>"
    [notice] = make_notices(1)
    notice.subject, notice.body_text, notice.body_html = subject, body, f"<p>{body}</p>"
    notice.to_address = "practitioner1@exämple.org"  # an international domain

    assert EmailChannel().send([notice]) == {notice.pk: None}

    [received] = smtp.mailbox.received
    ours = received.message()
    django = email.message_from_bytes(
        EmailChannel().message(notice).message().as_bytes(), policy=email.policy.default
    )
    assert received.rcpt_tos == ["practitioner1@xn--exmple-cua.org"]
    for header in ("Subject", "From", "To", "Message-ID", "Auto-Submitted", "MIME-Version"):
        assert ours[header] == django[header], header
    assert ours.get_content_type() == django.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        mine, theirs = ours.get_body((kind,)), django.get_body((kind,))
        assert mine.get_content().replace("\r\n", "\n") == theirs.get_content().replace(
            "\r\n", "\n"
        )
    assert all(len(line) <= 998 for line in received.content.split(b"\r\n"))


def test_a_retry_of_a_notice_carries_the_same_message_id_and_others_differ(smtp):
    first, second = make_notices(2)
    EmailChannel().send([first, second])
    EmailChannel().send([first])
    ids = [m["Message-ID"] for m in smtp.mailbox.messages()]
    assert ids[0] == ids[2] != ids[1]


def test_a_batch_goes_through_one_smtp_connection(smtp):
    notices = make_notices(5)
    sessions = []
    original = smtp.mailbox.handle_RCPT

    async def spy(server, session, envelope, address, options):
        sessions.append(id(session))
        return await original(server, session, envelope, address, options)

    smtp.mailbox.handle_RCPT = spy
    results = EmailChannel().send(notices)
    assert results == {n.pk: None for n in notices}
    assert len(set(sessions)) == 1 and len(sessions) == 5


def test_a_recipient_refused_for_good_is_a_permanent_failure_and_the_batch_goes_on(smtp):
    refused, fine = make_notices(2)
    smtp.mailbox.refuse = None

    async def refuse_the_first(server, session, envelope, address, options):
        if address == refused.to_address:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.mailbox.handle_RCPT = refuse_the_first
    results = EmailChannel().send([refused, fine])

    failure = results[refused.pk]
    assert isinstance(failure, DeliveryFailed) and failure.permanent
    assert "550" in str(failure) and "No such user here" in str(failure)
    assert results[fine.pk] is None
    assert [r.rcpt_tos for r in smtp.mailbox.received] == [[fine.to_address]]


def test_a_recipient_refused_for_now_is_a_temporary_failure(smtp):
    smtp.mailbox.refuse = "451 4.3.0 Mailbox busy, try again later"
    [notice] = make_notices(1)
    failure = EmailChannel().send([notice])[notice.pk]
    assert not failure.permanent
    assert "451" in str(failure)
    assert smtp.mailbox.received == []


def test_a_mail_server_that_refuses_connections_is_a_temporary_failure_for_the_batch(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listening
    notices = make_notices(3)
    results = EmailChannel().send(notices)
    assert set(results) == {n.pk for n in notices}
    for failure in results.values():
        assert not failure.permanent
        assert "could not connect" in str(failure) and "ConnectionRefused" in str(failure)


def test_a_server_dropping_the_connection_mid_batch_fails_the_rest_for_now(settings):
    with SMTPServer(Mailbox(crash_after=1)) as smtp:
        smtp.use_in(settings)
        notices = make_notices(3)
        results = EmailChannel().send(notices)
    assert results[notices[0].pk] is None
    assert [f.permanent for f in list(results.values())[1:]] == [False, False]
    assert "connection failed" in str(results[notices[1].pk])
    assert "could not connect" in str(results[notices[2].pk])
    assert len(smtp.mailbox.received) == 1


def test_a_header_that_cannot_be_sent_is_a_permanent_failure(smtp):
    [notice] = make_notices(1)
    notice.subject = "Paused\nBcc: everyone@example.org"
    failure = EmailChannel().send([notice])[notice.pk]
    assert failure.permanent
    assert smtp.mailbox.received == []


def test_the_channel_stops_when_the_report_says_so(smtp):
    notices = make_notices(4)
    seen = []

    def report(notice, result):
        seen.append((notice.pk, result))
        return len(seen) < 2

    results = EmailChannel().send(notices, report)
    assert list(results) == [n.pk for n in notices[:2]]
    assert seen == [(n.pk, None) for n in notices[:2]]
    assert len(smtp.mailbox.received) == 2


def test_notify_sends_the_subject_body_and_reference_with_a_signed_token(notify, settings):
    [notice] = make_notices(1)
    assert channel_for(settings).send([notice]) == {notice.pk: None}

    [request] = notify.requests
    assert request["path"] == "/v2/notifications/email"
    assert request["json"] == {
        "email_address": "practitioner1@example.org",
        "template_id": NOTIFY_TEMPLATE_ID,
        "personalisation": {"subject": notice.subject, "body": notice.body_text},
        "reference": str(notice.pk),
    }
    import jwt  # the Notify client's own dependency

    claims = jwt.decode(request["token"], options={"verify_signature": False})
    assert claims["iss"] == NOTIFY_SERVICE_ID


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (403, True), (429, False), (500, False)]
)
def test_notify_refusals_say_whether_to_try_again(notify, settings, status, permanent):
    notify.status = status
    [notice] = make_notices(1)
    failure = channel_for(settings).send([notice])[notice.pk]
    assert isinstance(failure, DeliveryFailed)
    assert failure.permanent is permanent
    assert str(failure).startswith(f"GOV.UK Notify: {status}")


def test_notify_out_of_reach_is_a_temporary_failure(notify, settings):
    settings.RPD_NOTIFY_BASE_URL = f"http://127.0.0.1:{free_port()}"
    [notice] = make_notices(1)
    failure = channel_for(settings).send([notice])[notice.pk]
    assert not failure.permanent
    assert "ConnectionError" in str(failure)


def test_the_channel_follows_the_setting_and_refuses_an_unknown_one(settings):
    settings.RPD_NOTICE_CHANNEL = "email"
    assert isinstance(channel_for(settings), EmailChannel)
    settings.RPD_NOTICE_CHANNEL = "notify"
    settings.RPD_NOTIFY_API_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="RPD_NOTIFY_API_KEY"):
        channel_for(settings)
    settings.RPD_NOTICE_CHANNEL = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured, match="unknown channel 'carrier-pigeon'"):
        channel_for(settings)


def test_notify_needs_its_template(settings, notify):
    settings.RPD_NOTIFY_TEMPLATE_ID = ""
    with pytest.raises(ImproperlyConfigured, match="RPD_NOTIFY_TEMPLATE_ID"):
        NotifyChannel()
