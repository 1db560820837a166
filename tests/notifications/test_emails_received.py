"""From a change to an inbox: what a real SMTP server receives when a Stoke-on-Trent
disagreement climbs to stage 3, is sent by the worker and read by the people told."""

import datetime

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.notifications.worker import deliver_batch
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import discuss, escalate, fresh, raise_data

from .smtp import SMTPServer

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def smtp(settings):
    settings.RPD_BASE_URL = "https://rpd.partnership.example.org"
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


def body(message, subtype):
    return message.get_body(preferencelist=(subtype,)).get_content()


@time_machine.travel(MONDAY, tick=False)
def test_the_people_told_receive_plain_and_html_emails_with_a_link_and_nothing_sensitive(smtp):
    demo = build_partnership("stoke-on-trent")
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(
        raiser,
        raise_data(demo, challenged_on="2026-02-27", lead_professional=demo.colleague["csc"].pk),
    )
    for _ in range(2):
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        escalate(actor, d)
    d = fresh(d)
    assert d.stage == 3

    while deliver_batch("test-worker"):
        pass

    messages = smtp.mailbox.messages()
    by_address = {}
    for message in messages:
        by_address.setdefault(message["To"], []).append(message)

    # Told: the receiving practitioner (stage 1 started), the IRO (stage 1, the pathway),
    # the actors of stages 2 and 3, the partnership (stage 3, with its form) and the raiser
    # (feedback once others act for them).
    expected = {
        demo.ladder["police"][0],
        demo.colleague["csc"],
        demo.ladder["csc"][1],
        demo.ladder["police"][1],
        demo.ladder["csc"][2],
        demo.ladder["police"][2],
        demo.unit,
        raiser,
    }
    assert set(by_address) == {user.email for user in expected}
    unit_mail = by_address[demo.unit.email]
    assert any(
        "Professionals Concerns Resolutions Notifications and Outcomes Form" in body(m, "plain")
        for m in unit_mail
    )

    subject = d.subject
    secrets = [
        subject.given_name,
        subject.family_name,
        subject.nhs_number,
        subject.address,
        "14 March 2019",
        "2019-03-14",
    ]
    link = f"https://rpd.partnership.example.org/disagreements/{d.pk}/"
    for message in messages:
        assert message["Subject"].startswith(d.reference)
        plain, html = body(message, "plain"), body(message, "html")
        # A notice about the partnership's form links to the form's own page.
        here = link + "forms/concerns-resolution-form/" if "Form" in plain else link
        assert here in plain and f'href="{here}"' in html
        for text in (message["Subject"], plain, html):
            assert not any(secret in text for secret in secrets), message["Subject"]
    # Each notice arrived once.
    assert max(smtp.mailbox.message_ids().values()) == 1
