"""The daily digest: held notices combined once a working day; overdue notices never held.

May 2026 in England and Wales: bank holidays Mon 4 May and Mon 25 May. A Blackpool
disagreement raised Tue 5 May has stage 1 due Tue 12 May (Wed 6, Thu 7, Fri 8, Mon 11,
Tue 12): due soon on Mon 11, due today on Tue 12, overdue from Wed 13 May.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.notifications import digest, outbox, preferences, sweep
from rpd.notifications.models import ALWAYS_IMMEDIATE, RECEIPTS, Kind, Notice, Preference, Status
from rpd.notifications.worker import deliver_batch
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import raise_data

from .smtp import SMTPServer

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")


def london(year, month, day, hour=9, minute=30):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def blackpool():
    return build_partnership("blackpool")


@pytest.fixture
def practitioner(blackpool):
    """The raising practitioner, who has chosen a daily digest."""
    school = blackpool.ladder["school"]
    preferences.set_daily_digest(school[0], True)
    return school[0]


def raise_on(demo, at):
    with time_machine.travel(at, tick=False):
        return transitions.raise_disagreement(demo.ladder["school"][0], raise_data(demo))


def mine(user, **filters):
    return Notice.objects.filter(recipient=user, **filters)


def test_a_digest_user_has_reminders_held_but_overdue_ones_sent_straight_away(
    blackpool, practitioner
):
    police = blackpool.ladder["police"]
    raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))
    assert mine(practitioner, kind=Kind.DUE_SOON).get().status == Status.HELD
    assert mine(police[0], kind=Kind.DUE_SOON).get().status == Status.PENDING
    sweep.run(london(2026, 5, 13))
    assert mine(practitioner, kind=Kind.OVERDUE).get().status == Status.PENDING


def test_held_notices_are_combined_into_one_digest_once_a_working_day(blackpool, practitioner):
    d = raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))  # due soon, held
    soon = mine(practitioner, kind=Kind.DUE_SOON).get()

    assert digest.run(london(2026, 5, 12, 7, 59)).digests == 0  # before working hours
    result = digest.run(london(2026, 5, 12, 8))
    assert (result.digests, result.notices) == (1, 1)
    letter = mine(practitioner, kind=Kind.DIGEST).get()
    assert letter.status == Status.PENDING and letter.disagreement is None
    assert letter.subject == "Your daily digest for 12 May 2026: 1 notice"
    assert soon.subject in letter.body_text and soon.subject in letter.body_html
    assert f"/disagreements/{d.pk}/" in letter.body_text
    soon.refresh_from_db()
    assert (soon.status, soon.digest) == (Status.DIGESTED, letter)
    assert Preference.objects.get(user=practitioner).last_digest_on == D(2026, 5, 12)

    # What is held after today's digest waits for tomorrow's.
    sweep.run(london(2026, 5, 12))  # due today, held
    assert digest.run(london(2026, 5, 12, 16)).digests == 0
    assert digest.run(london(2026, 5, 13, 8)).digests == 1
    today = mine(practitioner, kind=Kind.DUE_TODAY).get()
    assert today.status == Status.DIGESTED
    assert today.digest.subject == "Your daily digest for 13 May 2026: 1 notice"
    assert digest.run(london(2026, 5, 14, 8)).digests == 0  # nothing held, nothing sent


def test_no_digest_at_weekends_or_on_bank_holidays(blackpool, practitioner):
    # Raised Mon 18 May: due Tue 26 May (19, 20, 21, 22, and 26 after the bank holiday),
    # so due soon, held, on Fri 22 May. No digest on Sat 23, Sun 24 or Mon 25: Tue 26 May.
    raise_on(blackpool, london(2026, 5, 18, 10))
    sweep.run(london(2026, 5, 22))
    assert digest.run(london(2026, 5, 22, 18)).digests == 0
    for day in (23, 24, 25):
        for hour in range(24):
            assert digest.run(london(2026, 5, day, hour)).digests == 0
    assert digest.run(london(2026, 5, 26, 8)).digests == 1


def test_two_runs_at_once_write_one_digest(blackpool, practitioner):
    raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))
    assert digest.run(london(2026, 5, 11, 10)).digests == 1
    # A second worker that read the preference before the first updated it: the day's
    # dedupe key stops a second digest, and what it held waits for tomorrow's.
    Preference.objects.filter(user=practitioner).update(last_digest_on=None)
    sweep.run(london(2026, 5, 12))
    assert digest.run(london(2026, 5, 11, 10)).digests == 0
    assert mine(practitioner, kind=Kind.DIGEST).count() == 1
    assert mine(practitioner, kind=Kind.DUE_TODAY).get().status == Status.HELD


def test_switching_the_digest_off_releases_what_is_held(blackpool, practitioner):
    raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))
    preferences.set_daily_digest(practitioner, False)
    assert mine(practitioner, kind=Kind.DUE_SOON).get().status == Status.PENDING
    assert digest.run(london(2026, 5, 12, 8)).digests == 0
    sweep.run(london(2026, 5, 12))
    assert mine(practitioner, kind=Kind.DUE_TODAY).get().status == Status.PENDING


def test_a_person_without_a_digest_gets_none(blackpool):
    raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))
    assert digest.run(london(2026, 5, 12, 8)).digests == 0
    assert not Notice.objects.filter(status=Status.HELD).exists()


def test_a_digest_user_is_acknowledged_at_once_when_they_raise_one(blackpool, practitioner):
    raise_on(blackpool, london(2026, 5, 5, 10))
    receipt = mine(practitioner, kind=Kind.RAISED_ACKNOWLEDGEMENT).get()
    assert receipt.status == Status.PENDING


def test_overdue_notices_can_never_be_held_or_switched_off(blackpool, practitioner):
    assert ALWAYS_IMMEDIATE == {Kind.OVERDUE, Kind.PAUSE_OVERDUE, Kind.CAP}
    for kind in Kind.values:
        assert preferences.may_be_held(kind) == (kind not in ALWAYS_IMMEDIATE | RECEIPTS)
    d = raise_on(blackpool, london(2026, 5, 5, 10))
    for kind in sorted(ALWAYS_IMMEDIATE):
        notice = outbox.queue(
            partnership=blackpool.partnership,
            kind=kind,
            to_user=practitioner,
            disagreement=d,
            subject=f"{d.reference}: test",
            template="reminder",
            context={"stage": d.pack.stage(1), "message": "m", "deadline": "x", "why": "y"},
        )
        assert notice.status == Status.PENDING, kind
    # The only preference there is, the digest, leaves them alone either way.
    for on, day in ((True, 13), (False, 14), (True, 15)):
        preferences.set_daily_digest(practitioner, on)
        sweep.run(london(2026, 5, day))
    assert not mine(practitioner, kind__in=ALWAYS_IMMEDIATE, status=Status.HELD).exists()
    swept = mine(practitioner, kind=Kind.OVERDUE, dedupe_key__startswith="sweep:")
    assert swept.count() == 3  # Wed 13, Thu 14, Fri 15 May


@pytest.fixture
def smtp(settings):
    with SMTPServer() as server:
        server.use_in(settings)
        yield server


def test_a_digest_that_fails_for_good_releases_what_it_held_to_be_sent_singly(
    blackpool, practitioner, smtp
):
    raise_on(blackpool, london(2026, 5, 5, 10))
    sweep.run(london(2026, 5, 11))
    soon = mine(practitioner, kind=Kind.DUE_SOON).get()
    receipt = mine(practitioner, kind=Kind.RAISED_ACKNOWLEDGEMENT).get()
    deliver_batch("w1", now=london(2026, 5, 11, 10))  # all but what is held
    digest.run(london(2026, 5, 12, 8))
    letter = mine(practitioner, kind=Kind.DIGEST).get()
    # The server refuses the digest for good (say, as too large for the mailbox).
    smtp.mailbox.refuse = "552 5.2.2 Mailbox full"
    deliver_batch("w1", now=london(2026, 5, 12, 9))
    letter.refresh_from_db()
    soon.refresh_from_db()
    assert letter.status == Status.FAILED
    assert soon.status == Status.PENDING
    assert "daily digest" in soon.last_error and "552" in soon.last_error

    smtp.mailbox.refuse = None
    deliver_batch("w1", now=london(2026, 5, 12, 10))
    soon.refresh_from_db()
    assert soon.status == Status.SENT
    to_them = [m["Subject"] for m in smtp.mailbox.messages() if m["To"] == practitioner.email]
    assert to_them == [receipt.subject, soon.subject]


def test_a_change_of_notice_preference_is_in_the_audit_log(blackpool, practitioner):
    from rpd.audit import log

    preferences.set_daily_digest(practitioner, False)

    events = log.events_for(log.user_target(practitioner))
    # The fixture switched the digest on; this test switched it off.
    assert [(e.action, e.data, e.actor_id) for e in events] == [
        ("notices.preference_changed", {"daily_digest": True}, practitioner.pk),
        ("notices.preference_changed", {"daily_digest": False}, practitioner.pk),
    ]
