"""A person's private calendar feed lists the deadlines they own, and nothing about the subject.

A Stoke-on-Trent disagreement raised Fri 8 May 2026 at 11:00 (England and Wales; bank
holidays Mon 4 and Mon 25 May): raise it with the other practitioner within 1 working day,
Mon 11 May; stage 1 reviewed after 5 working days, Mon 11 to Fri 15 May.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar

from rpd.disagreements import transitions
from rpd.notifications import feeds
from rpd.notifications.models import CalendarFeed
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")
RAISED = datetime.datetime(2026, 5, 8, 11, tzinfo=LONDON)


def events(user):
    calendar = Calendar.from_ical(feeds.feed_for(user))
    return [
        {
            "uid": str(e["UID"]),
            "summary": str(e["SUMMARY"]),
            "start": e.decoded("DTSTART"),
            "end": e.decoded("DTEND"),
            "description": str(e["DESCRIPTION"]),
            "url": str(e["URL"]),
        }
        for e in calendar.walk("VEVENT")
    ]


def listed(user):
    return [(e["start"], e["summary"]) for e in events(user)]


@pytest.fixture
def stoke():
    return build_partnership("stoke-on-trent")


@pytest.fixture
def raised(stoke):
    with time_machine.travel(RAISED, tick=False):
        return transitions.raise_disagreement(
            # The disputed decision received the day it is raised, which stage 1's first
            # milestone counts from (Stoke-on-Trent §5 Stage 1).
            stoke.ladder["csc"][0],
            raise_data(stoke, "police", challenged_on="2026-05-08"),
        )


def do(name, actor, d, at, **data):
    with time_machine.travel(at, tick=False):
        transitions.perform(name, actor, d.pk, fresh(d).version, data)
    return fresh(d)


def test_the_feed_lists_the_stage_and_its_milestones_to_both_actors(stoke, raised):
    # Raising it met stage 1's milestone, raising the matter with the other practitioner:
    # the review date is left (stage 2's milestone is listed below, once it starts).
    ref = raised.reference
    expected = [
        (D(2026, 5, 15), f"{ref}, stage 1 (Practitioner to practitioner): review date"),
    ]  # fmt: skip
    assert listed(stoke.ladder["csc"][0]) == expected
    assert listed(stoke.ladder["police"][0]) == expected
    # Managers, colleagues and outsiders own none of it.
    for user in (stoke.ladder["csc"][1], stoke.colleague["csc"], stoke.outsider, stoke.unit):
        assert listed(user) == []


def test_events_are_all_day_with_a_link_and_never_name_the_subject(stoke, raised):
    feed = feeds.feed_for(stoke.ladder["csc"][0])
    for e in events(stoke.ladder["csc"][0]):
        assert type(e["start"]) is datetime.date
        assert e["end"] == e["start"] + datetime.timedelta(days=1)
        link = f"http://127.0.0.1:8000/disagreements/{raised.pk}/"
        assert e["url"] == link and link in e["description"]
        assert "Children's Social Care" in e["description"]
        assert "Police Public Protection Unit" in e["description"]
    subject = raised.subject
    shown = " ".join(e["summary"] + e["description"] for e in events(stoke.ladder["csc"][0]))
    for hidden in (subject.given_name, subject.family_name, subject.nhs_number, "Example Row"):
        assert hidden not in shown and hidden.encode() not in feed
    assert b"BEGIN:VCALENDAR" in feed and b"X-WR-CALNAME:Disagreement deadlines" in feed


def test_each_deadline_keeps_its_uid_when_its_date_moves(stoke, raised):
    csc, police = stoke.ladder["csc"], stoke.ladder["police"]
    before = {e["uid"]: e["start"] for e in events(csc[0])}
    # Extended on Mon 11 May from Fri 15 to Tue 19 May.
    do("extend", csc[0], raised, datetime.datetime(2026, 5, 11, 10, tzinfo=LONDON),
       asked_by=police[0].pk, reason="Waiting for a report", new_due="2026-05-19")  # fmt: skip
    after = {e["uid"]: e["start"] for e in events(csc[0])}
    assert set(after) == set(before) and len(after) == 1
    assert sorted(after.values()) == [D(2026, 5, 19)]
    assert all(uid.endswith("@127.0.0.1") for uid in after)


def test_met_milestones_and_past_stages_leave_the_feed(stoke, raised):
    csc, police = stoke.ladder["csc"], stoke.ladder["police"]
    with time_machine.travel(datetime.datetime(2026, 5, 11, 10, tzinfo=LONDON), tick=False):
        discuss(csc[0], raised, outcome="ongoing", covers=[])
    assert [summary.rsplit(": ", 1)[1] for _, summary in listed(csc[0])] == ["review date"]
    # Escalated Tue 12 May: stage 2 from Tue 12, contact between the agencies within 1
    # working day, Wed 13 May; reviewed after 5: 13, 14, 15, 18, Tue 19 May.
    with time_machine.travel(datetime.datetime(2026, 5, 12, 10, tzinfo=LONDON), tick=False):
        discuss(csc[0], raised)
        escalate(csc[0], raised)
    assert listed(csc[0]) == listed(police[0]) == []
    ref = raised.reference
    assert listed(csc[1]) == [
        (D(2026, 5, 13), f"{ref}, stage 2 (Line manager to line manager): "
         "Contact between the agencies' line managers"),
        (D(2026, 5, 19), f"{ref}, stage 2 (Line manager to line manager): review date"),
    ]  # fmt: skip


def test_a_paused_disagreement_shows_when_it_is_expected_to_resume(stoke, raised):
    csc = stoke.ladder["csc"]
    do("pause", csc[0], raised, datetime.datetime(2026, 5, 11, 10, tzinfo=LONDON),
       reason="Meeting cancelled", expected_resume="2026-05-20")  # fmt: skip
    assert listed(csc[0]) == [
        (D(2026, 5, 20), f"{raised.reference}, stage 1 (Practitioner to practitioner): "
         "expected to resume"),
    ]  # fmt: skip


def test_agreed_actions_are_listed_for_their_owner(stoke, raised):
    # A police colleague: before the partnership is told, an owner is in one of the agencies.
    csc, health = stoke.ladder["csc"], [stoke.colleague["police"]]
    with time_machine.travel(datetime.datetime(2026, 5, 11, 10, tzinfo=LONDON), tick=False):
        d = fresh(raised)
        transitions.perform(
            "record",
            csc[0],
            d.pk,
            d.version,
            {
                "kind": "meeting",
                "occurred_at": "2026-05-11T09:00:00+01:00",
                "participants": [csc[0].pk, stoke.ladder["police"][0].pk],
                "summary": "Agreed a joint visit.",
                "outcome": "ongoing",
                "covers": [],
                "actions": [{"text": "Visit Robin at home", "owner": health[0].pk,
                             "due": "2026-05-14"}],
            },
        )  # fmt: skip
    [action] = events(health[0])
    assert action["start"] == D(2026, 5, 14)
    assert action["summary"] == f"{d.reference}, stage 1: agreed action due"
    assert "Robin" not in action["summary"] + action["description"]


def test_an_agreed_action_stays_in_its_owners_feed_after_the_resolution_until_done(stoke, raised):
    csc, police = stoke.ladder["csc"], stoke.ladder["police"]
    health = [stoke.colleague["police"]]  # an owner in one of the agencies, as it must be
    with time_machine.travel(datetime.datetime(2026, 5, 11, 10, tzinfo=LONDON), tick=False):
        d = fresh(raised)
        transitions.perform("record", csc[0], d.pk, d.version, {
            "kind": "meeting", "occurred_at": "2026-05-11T09:00:00+01:00",
            "participants": [csc[0].pk, police[0].pk], "summary": "Agreed a joint visit.",
            "outcome": "resolved", "covers": [r.id for r in d.pack.stage(1).must_record],
            "actions": [{"text": "Joint visit", "owner": health[0].pk, "due": "2026-05-14"}],
        })  # fmt: skip
        d = fresh(raised)
        transitions.perform("approve", csc[1], d.pk, d.version, {"record": d.records.get().pk})
        d = fresh(raised)
        transitions.perform("resolve", police[0], d.pk, d.version, {
            "agreed_outcome": "A joint visit", "next_steps": "The visit",
            "written_confirmation": "Confirmed by email to both sides",
            "feedback_to_raiser": "Agreed",
        })  # fmt: skip
    assert fresh(raised).status == "resolved"
    assert listed(csc[0]) == []  # the stage's dates went with it
    assert listed(health[0]) == [(D(2026, 5, 14), f"{d.reference}, stage 1: agreed action due")]
    action = fresh(raised).records.get().actions.get()
    do("complete_action", health[0], raised, datetime.datetime(2026, 5, 12, 9, tzinfo=LONDON),
       action=action.pk)  # fmt: skip
    assert listed(health[0]) == []


def test_blackpools_overall_cap_is_in_the_feed():
    blackpool = build_partnership("blackpool")
    # Raised Tue 5 May 2026: stage 1 due Tue 12 May; the cap, 15 working days, Wed 27 May
    # (6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 26 after the bank holiday, 27).
    with time_machine.travel(datetime.datetime(2026, 5, 5, 10, tzinfo=LONDON), tick=False):
        d = transitions.raise_disagreement(blackpool.ladder["school"][0], raise_data(blackpool))
    assert [(start, summary.rsplit(": ", 1)[1]) for start, summary in listed(d.raised_by)] == [
        (D(2026, 5, 12), "stage deadline"),
        (D(2026, 5, 27), "overall limit of 15 working days"),
    ]


# -- The private address -------------------------------------------------------------------


def test_the_feed_address_is_made_on_first_use_and_then_kept(stoke):
    user = stoke.ladder["csc"][0]
    assert not CalendarFeed.objects.filter(user=user).exists()
    url = feeds.feed_url(user)
    token = CalendarFeed.objects.get(user=user).token
    assert url == f"http://127.0.0.1:8000/calendar/{token}.ics"
    assert feeds.feed_url(user) == url
    assert len(token) >= 40


def test_the_address_serves_the_feed_as_text_calendar(client, stoke, raised):
    user = stoke.ladder["csc"][0]
    path = feeds.feed_url(user).removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 1
    assert client.post(path).status_code == 405


def test_an_unknown_or_retired_address_is_not_found(client, stoke):
    user = stoke.ladder["csc"][0]
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    old = feeds.feed_url(user).removeprefix("http://127.0.0.1:8000")
    new = feeds.new_feed_url(user).removeprefix("http://127.0.0.1:8000")
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(new).status_code == 404


def test_a_new_feed_address_is_in_the_audit_log_without_the_address(stoke):
    from rpd.audit import log

    user = stoke.ladder["csc"][0]
    old = feeds.feed_url(user)
    new = feeds.new_feed_url(user)

    (event,) = log.events_for(log.user_target(user))
    assert (event.action, event.actor_id) == ("calendar_feed.renewed", user.pk)
    text = str(event.data)
    assert old.rsplit("/", 1)[1] not in text and new.rsplit("/", 1)[1] not in text


def test_jersey_the_raisers_own_milestone_is_in_the_raisers_feed_not_the_other_sides():
    jersey = build_partnership("jersey")
    with time_machine.travel(datetime.datetime(2025, 4, 28, 10, tzinfo=LONDON), tick=False):
        d = transitions.raise_disagreement(
            jersey.ladder["csc"][0], raise_data(jersey, "police", challenged_on="2025-04-25")
        )
    milestone = "Inform your own line manager that you have raised a concern"
    assert any(milestone in summary for _, summary in listed(jersey.ladder["csc"][0]))
    assert not any(milestone in summary for _, summary in listed(jersey.ladder["police"][0]))
    assert any(d.reference in summary for _, summary in listed(jersey.ladder["police"][0]))
