"""Each email's footer lets its reader choose single emails or a daily digest, and never
lets them switch off overdue notices."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from rpd.audit.models import Event
from rpd.notifications import outbox, preferences
from rpd.notifications.models import Kind, Status
from rpd.notifications.preferences import preferences_token, prefers_digest
from rpd.people.demo import build_partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return build_partnership("jersey")


def notice_to(demo, user, kind):
    return outbox.queue(
        partnership=demo.partnership,
        kind=kind,
        to_user=user,
        subject="A notice",
        template="transition",
        context={"message": "Something happened.", "stage": None},
    )


def footer_link(notice) -> str:
    return re.search(r"https?://[^/]+(/notices/preferences/[^/]+/)", notice.body_text).group(1)


def test_the_link_in_an_email_opens_that_persons_choice(client, demo):
    person = demo.ladder["csc"][0]
    page = client.get(footer_link(notice_to(demo, person, Kind.ESCALATED)))
    assert page.status_code == 200
    assert person.email in page.text
    assert "they cannot be held or switched off" in page.text


def test_choosing_a_digest_holds_notices_but_never_overdue_ones(client, demo):
    person = demo.ladder["police"][1]
    link = footer_link(notice_to(demo, person, Kind.ESCALATED))

    response = client.post(link, {"delivery": "digest"})
    assert response.status_code == 302
    assert "Saved." in client.get(response["Location"]).text

    assert notice_to(demo, person, Kind.STAGE_STARTED).status == Status.HELD
    for kind in (Kind.OVERDUE, Kind.PAUSE_OVERDUE, Kind.CAP):
        assert notice_to(demo, person, kind).status == Status.PENDING

    client.post(link, {"delivery": "single"})
    assert notice_to(demo, person, Kind.STAGE_STARTED).status == Status.PENDING


def test_a_choice_must_be_made_and_is_named(client, demo):
    link = f"/notices/preferences/{preferences_token(demo.ladder['csc'][0])}/"
    response = client.post(link, {"delivery": "never"})
    assert response.status_code == 400
    assert "Select single emails or a daily digest" in response.text


@pytest.mark.parametrize("token", ["nonsense", "1:abc:def"])
def test_a_forged_or_broken_link_is_not_found(client, demo, token):
    assert client.get(f"/notices/preferences/{token}/").status_code == 404


def test_one_persons_link_cannot_be_turned_into_anothers(client, demo):
    mine = preferences_token(demo.ladder["csc"][0])
    theirs = str(demo.ladder["police"][0].pk) + mine[mine.index(":") :]
    assert client.get(f"/notices/preferences/{theirs}/").status_code == 404


def test_a_link_older_than_thirty_days_is_refused_with_a_page_saying_so(client, demo):
    person = demo.ladder["csc"][0]
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31), tick=False):
        old = preferences_token(person)
    response = client.get(f"/notices/preferences/{old}/")
    assert response.status_code == 404
    assert "This link has expired: links in emails work for 30 days" in response.text
    assert person.email not in response.text
    fresh_link = client.get(f"/notices/preferences/{preferences_token(person)}/")
    assert fresh_link.status_code == 200


@pytest.mark.parametrize(
    "sign",
    [
        lambda pk: signing.TimestampSigner().sign(str(pk)),  # Django's own default salt
        lambda pk: signing.TimestampSigner(salt="rpd.other-purpose").sign(str(pk)),
        lambda pk: signing.dumps(pk),  # what sessions and cookies sign
        lambda pk: signing.TimestampSigner(salt="rpd.notifications.preferences").sign("x1"),
    ],
)
def test_a_value_signed_for_another_purpose_is_refused_with_a_clear_page(client, demo, sign):
    person = demo.ladder["csc"][0]
    response = client.get(f"/notices/preferences/{sign(person.pk)}/")
    assert response.status_code == 404
    assert "This link is not valid: use the one in your latest email." in response.text
    assert person.email not in response.text


def link_signed(person, ago: datetime.timedelta) -> str:
    with time_machine.travel(timezone.now() - ago, tick=False):
        return f"/notices/preferences/{preferences_token(person)}/"


def test_an_old_link_replayed_after_a_save_from_a_newer_one_is_refused(client, demo):
    person = demo.ladder["csc"][0]
    old = link_signed(person, datetime.timedelta(days=3))
    newer = link_signed(person, datetime.timedelta(days=1))
    assert client.post(newer, {"delivery": "digest"}).status_code == 302

    for replay in (client.get(old), client.post(old, {"delivery": "single"})):
        assert replay.status_code == 404
        assert "This link no longer works: your preferences were saved from a newer email" in (
            replay.text
        )
        assert person.email not in replay.text
    assert prefers_digest(person)  # the replayed choice changed nothing
    # The link they saved from goes on working, and so does a later one.
    assert client.get(newer).status_code == 200
    assert client.get(f"/notices/preferences/{preferences_token(person)}/").status_code == 200


def test_an_old_links_form_sent_after_a_newer_links_save_is_refused(demo):
    # Both pages were open at once: the older one's Save arrives second.
    person = demo.ladder["csc"][0]
    old = preferences.open_link(link_signed(person, datetime.timedelta(days=3)).split("/")[3])
    newer = preferences.open_link(link_signed(person, datetime.timedelta(days=1)).split("/")[3])
    preferences.set_daily_digest(person, True, link=newer)
    with pytest.raises(preferences.LinkRefused):
        preferences.set_daily_digest(person, False, link=old)
    assert prefers_digest(person)


def test_a_revoked_link_is_refused(client, demo):
    person = demo.ladder["police"][0]
    link = link_signed(person, datetime.timedelta(minutes=5))
    page = client.get(link)
    assert "Turn off these links" in page.text

    turned_off = client.post(link, {"revoke": "1"})
    assert turned_off.status_code == 200
    assert "no longer work" in turned_off.text

    for attempt in (client.get(link), client.post(link, {"delivery": "digest"})):
        assert attempt.status_code == 404
        assert "This link no longer works" in attempt.text
    assert not prefers_digest(person)
    assert Event.objects.filter(action="notices.preference_links_revoked").count() == 1
