"""The deadline sweep writes each reminder once, on the right working day, to the right people.

Disagreements are raised and moved on through the real transitions with time frozen;
the sweep is run at chosen London times. Every expected date was counted by hand from
the bank holidays named beside it, never with the calendar under test. May 2026 in
England and Wales has two bank holidays: Mon 4 May and Mon 25 May.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.notifications import sweep
from rpd.notifications.models import Kind, Notice, Status
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")
REMINDERS = [
    Kind.DUE_SOON,
    Kind.DUE_TODAY,
    Kind.OVERDUE,
    Kind.PAUSE_OVERDUE,
    Kind.DRIFT,
    Kind.CAP,
]


def london(year, month, day, hour=9, minute=30):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def short(user):
    """ "school-1" for blackpool-school-1: the agency and rung (1 = practitioner)."""
    return "-".join(user.username.split("-")[-2:])


def written(d, day=None, kinds=REMINDERS):
    """Reminders about `d` as (kind, which deadline, who), written on London day `day`."""
    rows = Notice.objects.filter(disagreement=d, kind__in=kinds).select_related("recipient")
    return sorted(
        (n.kind, n.dedupe_key.split(":")[2], short(n.recipient))
        for n in rows
        if day is None or n.created_at.astimezone(LONDON).date() == day
    )


def raise_at(demo, at, raiser="school", receiver="police", **data):
    with time_machine.travel(at, tick=False):
        return transitions.raise_disagreement(
            demo.ladder[raiser][0], raise_data(demo, receiver, **data)
        )


def do(name, actor, d, at, **data):
    with time_machine.travel(at, tick=False):
        transitions.perform(name, actor, d.pk, fresh(d).version, data)
    return fresh(d)


def climb(d, at, to_stage):
    """Record an unresolved discussion and escalate, until the disagreement is at `to_stage`."""
    with time_machine.travel(at, tick=False):
        while fresh(d).stage < to_stage:
            actor = fresh(d).current_episode().raising_actor
            discuss(actor, d)
            escalate(actor, d)
    return fresh(d)


@pytest.fixture
def blackpool():
    return build_partnership("blackpool")


@pytest.fixture
def raised(blackpool):
    """Raised Tue 5 May 2026, the day after the early May bank holiday. Stage 1 has 5
    working days: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 May."""
    d = raise_at(blackpool, london(2026, 5, 5, 10))
    assert (d.stage_due, d.next_due) == (D(2026, 5, 12), D(2026, 5, 12))
    return d


# -- Due soon, due today, overdue -------------------------------------------------------


def test_due_soon_goes_to_both_actors_on_the_working_day_before_the_deadline(raised):
    for day in (6, 7, 8):
        assert sweep.run(london(2026, 5, day)).total == 0
    result = sweep.run(london(2026, 5, 11))
    assert dict(result.counts) == {Kind.DUE_SOON: 2}
    assert result.partnerships == 1
    assert written(raised) == [("due-soon", "stage", "police-1"), ("due-soon", "stage", "school-1")]


def test_due_today_goes_to_both_actors_on_the_day(raised):
    sweep.run(london(2026, 5, 11))
    result = sweep.run(london(2026, 5, 12))
    assert dict(result.counts) == {Kind.DUE_TODAY: 2}
    assert written(raised, D(2026, 5, 12)) == [
        ("due-today", "stage", "police-1"),
        ("due-today", "stage", "school-1"),
    ]


def test_overdue_reaches_the_line_managers_and_repeats_every_working_day(raised):
    overdue = [
        ("overdue", "stage", "police-1"),
        ("overdue", "stage", "police-2"),
        ("overdue", "stage", "school-1"),
        ("overdue", "stage", "school-2"),
    ]
    # Wed 13, Thu 14, Fri 15, (weekend), Mon 18 May.
    for day in range(13, 20):
        sweep.run(london(2026, 5, day))
        expected = [] if day in (16, 17) else overdue
        assert written(raised, D(2026, 5, day), [Kind.OVERDUE]) == expected, day
    manager_copy = Notice.objects.filter(
        disagreement=raised, kind=Kind.OVERDUE, recipient__username="blackpool-police-2"
    ).first()
    assert "you line-manage" in manager_copy.body_text
    assert "who acts for the receiving side" in manager_copy.body_text


def test_an_overdue_reminder_says_whom_the_case_waits_for_and_asks_them_by_name(blackpool, raised):
    """A reminder that says only "act on it now" to people who cannot (a record waits for
    a manager's approval) sends everyone looking: it says what the case waits for, from
    whom, in the words of its next step, and asks that person."""
    school, manager = blackpool.ladder["school"][0], blackpool.ladder["school"][1]
    with time_machine.travel(london(2026, 5, 11, 10), tick=False):
        discuss(school, raised, approve=False)
    sweep.run(london(2026, 5, 13))
    [step] = fresh(raised).next_steps
    what = step["what"]
    assert what.startswith("approve the record of the discussion on 11 May")
    overdue = Notice.objects.filter(disagreement=raised, kind=Kind.OVERDUE)
    for notice in overdue.exclude(recipient=manager):
        assert f"It waits for {manager.display_name} to {what}." in notice.body_text
        assert "You are asked" not in notice.body_text
    [asked] = overdue.filter(recipient=manager)
    assert f"You are asked to {what}." in asked.body_text


def test_overdue_stops_once_the_stage_is_escalated_and_the_new_stage_is_not_yet_due(raised):
    sweep.run(london(2026, 5, 13))
    # Escalated Wed 13 May at 11:00: stage 2 from Wed 13 has 5 working days, Wed 20 May.
    d = climb(raised, london(2026, 5, 13, 11), 2)
    assert d.stage_due == D(2026, 5, 20)
    assert sweep.run(london(2026, 5, 14)).total == 0


def test_running_twice_writes_nothing_new(raised):
    first = sweep.run(london(2026, 5, 13))
    assert first.total == 6  # overdue to two actors and two managers; drift to two actors
    assert sweep.run(london(2026, 5, 13)).total == 0
    assert sweep.run(london(2026, 5, 13, 17, 59)).total == 0
    assert Notice.objects.filter(kind__in=REMINDERS).count() == 6


def test_an_extension_starts_the_reminders_afresh(blackpool, raised):
    school, police = blackpool.ladder["school"], blackpool.ladder["police"]
    sweep.run(london(2026, 5, 11))
    # Extended on Mon 11 May to Thu 14 May: due soon again on Wed 13 May.
    do("extend", school[0], raised, london(2026, 5, 11, 11), asked_by=police[0].pk,
       reason="Waiting for the GP's letter", new_due="2026-05-14")  # fmt: skip
    assert sweep.run(london(2026, 5, 12)).total == 0
    sweep.run(london(2026, 5, 13))
    assert written(raised, D(2026, 5, 13), [Kind.DUE_SOON]) == [
        ("due-soon", "stage", "police-1"),
        ("due-soon", "stage", "school-1"),
    ]


# -- Working hours, weekends and bank holidays -------------------------------------------


def test_nothing_is_written_outside_working_hours_at_weekends_or_on_bank_holidays(blackpool):
    # Raised Mon 18 May 2026: 5 working days are Tue 19, Wed 20, Thu 21, Fri 22 and (after
    # the spring bank holiday, Mon 25 May) Tue 26 May. Due soon on Fri 22 May.
    d = raise_at(blackpool, london(2026, 5, 18, 10))
    assert d.stage_due == D(2026, 5, 26)
    assert sweep.run(london(2026, 5, 22, 7, 59)).total == 0
    assert sweep.run(london(2026, 5, 22, 18, 0)).total == 0
    assert sweep.run(london(2026, 5, 22, 8, 0)).total == 2
    for hour in range(8, 18):
        assert sweep.run(london(2026, 5, 22, hour)).total == 0
    for day in (23, 24, 25):  # Saturday, Sunday, spring bank holiday
        for hour in range(24):
            result = sweep.run(london(2026, 5, day, hour))
            assert (result.total, result.partnerships) == (0, 0), (day, hour)
    assert sweep.run(london(2026, 5, 26, 8)).counts == {Kind.DUE_TODAY: 2}


def test_each_partnership_is_swept_on_its_own_calendar(blackpool):
    jersey = build_partnership("jersey")
    # Jersey 2025: Mon 5 May (early May bank holiday) and Fri 9 May (Liberation Day);
    # England and Wales: Mon 5 May only.
    # Jersey, raised Mon 28 Apr 2025: Tue 29, Wed 30, Thu 1, Fri 2, Tue 6 May, for the stage
    # and its milestone (inform the line manager); overdue from Wed 7 May, every Jersey
    # working day: Wed 7, Thu 8, Mon 12 May.
    island = raise_at(jersey, london(2025, 4, 28, 10), challenged_on="2025-04-25")
    assert island.stage_due == D(2025, 5, 6)
    # Blackpool, raised Fri 2 May 2025: Tue 6, Wed 7, Thu 8, Fri 9, Mon 12 May: due soon
    # on Fri 9 May.
    mainland = raise_at(blackpool, london(2025, 5, 2, 10), challenged_on="2025-05-01")
    assert mainland.stage_due == D(2025, 5, 12)
    result = sweep.run(london(2025, 5, 9))
    assert (result.partnerships, dict(result.counts)) == (1, {Kind.DUE_SOON: 2})
    assert written(island, D(2025, 5, 9)) == []
    assert written(mainland, D(2025, 5, 9)) == [
        ("due-soon", "stage", "police-1"),
        ("due-soon", "stage", "school-1"),
    ]
    # No sweep ran on Wed 7 or Thu 8: the drift that began on Wed 7 May (5 working days
    # after Mon 28 Apr: 29, 30, 1, 2, 6) is caught up on Mon 12 May.
    sweep.run(london(2025, 5, 12))
    assert written(island, D(2025, 5, 12)) == [
        ("drift", "disagreement", "police-1"),
        ("drift", "disagreement", "school-1"),
    ] + sorted(
        # Informing one's own line manager is the raiser's step (by: raising): the
        # receiving side is not reminded of it.
        [("overdue", "milestone", who) for who in ("school-1", "school-2")]
        + [("overdue", "stage", who) for who in ("police-1", "police-2", "school-1", "school-2")]
    )


# -- Milestones and agreed actions -------------------------------------------------------


def test_jersey_informing_your_own_line_manager_is_reminded_to_the_raising_side_only(blackpool):
    """Jersey §4.3: "Inform your line manager that you have raised a concern ... and used
    escalation Stage 1": the raiser's step, not the other agency's."""
    jersey = build_partnership("jersey")
    d = raise_at(jersey, london(2025, 4, 28, 10), challenged_on="2025-04-25")
    sweep.run(london(2025, 5, 2))
    assert [w for w in written(d) if w[1] == "milestone"] == [("due-soon", "milestone", "school-1")]
    for day in (7, 8):
        sweep.run(london(2025, 5, day))
    overdue = [w for w in written(d, D(2025, 5, 8)) if w[1] == "milestone"]
    assert overdue == [("overdue", "milestone", "school-1"), ("overdue", "milestone", "school-2")]


def test_a_milestone_is_reminded_until_it_is_met():
    stoke = build_partnership("stoke-on-trent")
    csc = stoke.ladder["csc"]
    # Raised (which meets stage 1's "raise the matter with the other practitioner") and
    # escalated on Fri 8 May 2026: contact between the agencies' line managers within 1
    # working day of stage 2 starting, Mon 11 May; stage 2 is reviewed after 5: Mon 11,
    # 12, 13, 14, Fri 15 May.
    d = raise_at(stoke, london(2026, 5, 8, 10), "csc", "police", challenged_on="2026-05-08")
    d = climb(d, london(2026, 5, 8, 11), 2)
    assert (d.stage_due, d.next_due) == (D(2026, 5, 15), D(2026, 5, 11))
    sweep.run(london(2026, 5, 8, 14))
    assert written(d) == [
        ("due-soon", "milestone", "csc-2"),
        ("due-soon", "milestone", "police-2"),
    ]
    sweep.run(london(2026, 5, 11))
    assert written(d, D(2026, 5, 11)) == [
        ("due-today", "milestone", "csc-2"),
        ("due-today", "milestone", "police-2"),
    ]
    sweep.run(london(2026, 5, 12))
    assert written(d, D(2026, 5, 12)) == [
        ("overdue", "milestone", "csc-2"),
        ("overdue", "milestone", "csc-3"),
        ("overdue", "milestone", "police-2"),
        ("overdue", "milestone", "police-3"),
    ]
    subject = Notice.objects.filter(disagreement=d, kind=Kind.OVERDUE).first().subject
    assert "milestone “Contact between the agencies’ line managers”" in subject.replace("'", "’")
    with time_machine.travel(london(2026, 5, 12, 11), tick=False):
        discuss(csc[1], d, outcome="ongoing", covers=[], meets=["contact-between-agencies"])
    sweep.run(london(2026, 5, 13))
    assert written(d, D(2026, 5, 13)) == []
    # The stage's own review date, Fri 15 May, is next: due soon on Thu 14 May.
    sweep.run(london(2026, 5, 14))
    assert written(d, D(2026, 5, 14)) == [
        ("due-soon", "stage", "csc-2"),
        ("due-soon", "stage", "police-2"),
    ]
    assert (
        "the stage 2 review date"
        in Notice.objects.get(
            disagreement=d, kind=Kind.DUE_SOON, dedupe_key__contains=":stage:", recipient=csc[1]
        ).subject
    )


def test_an_agreed_action_is_reminded_to_its_owner(blackpool, raised):
    # A police colleague: before the partnership is told, an owner is in one of the agencies.
    school, health = blackpool.ladder["school"], [blackpool.colleague["police"]]
    with time_machine.travel(london(2026, 5, 5, 15), tick=False):
        d = fresh(raised)
        transitions.perform(
            "record",
            school[0],
            d.pk,
            d.version,
            {
                "kind": "meeting",
                "occurred_at": "2026-05-05T14:00:00+01:00",
                "participants": [school[0].pk, d.current_episode().receiving_actor.pk],
                "summary": "Agreed that the health visitor shares the growth charts.",
                "outcome": "ongoing",
                "covers": [],
                "actions": [
                    {"text": "Share the charts", "owner": health[0].pk, "due": "2026-05-07"}
                ],
            },
        )
    # Due Thu 7 May: due soon on Wed 6, today on Thu 7, overdue (to the owner and their line
    # manager) on Fri 8 May.
    expected = {
        6: [("due-soon", "action", "police-colleague")],
        7: [("due-today", "action", "police-colleague")],
        8: [("overdue", "action", "police-2"), ("overdue", "action", "police-colleague")],
    }
    for day, reminders in expected.items():
        sweep.run(london(2026, 5, day))
        assert written(raised, D(2026, 5, day)) == reminders
    body = Notice.objects.filter(kind=Kind.OVERDUE, recipient=health[0]).get().body_text
    assert "an action agreed at stage 1" in body and "Share the charts" not in body


def test_an_agreed_action_is_still_reminded_after_the_case_is_resolved_until_done(
    blackpool, raised
):
    # A police colleague: before the partnership is told, an owner is in one of the agencies.
    school, health = blackpool.ladder["school"], [blackpool.colleague["police"]]
    # Resolved Tue 5 May with a next step for the health visitor, due Thu 7 May.
    with time_machine.travel(london(2026, 5, 5, 15), tick=False):
        d = fresh(raised)
        police = d.current_episode().receiving_actor
        transitions.perform("record", school[0], d.pk, d.version, {
            "kind": "meeting", "occurred_at": "2026-05-05T14:00:00+01:00",
            "participants": [school[0].pk, police.pk], "summary": "Agreed a way forward.",
            "outcome": "resolved", "covers": [r.id for r in d.pack.stage(1).must_record],
            "actions": [{"text": "Share the charts", "owner": health[0].pk, "due": "2026-05-07"}],
        })  # fmt: skip
        d = fresh(raised)
        transitions.perform("approve", school[1], d.pk, d.version, {"record": d.records.get().pk})
        d = fresh(raised)
        transitions.perform("resolve", school[0], d.pk, d.version, {
            "agreed_outcome": "A joint visit", "next_steps": "The charts are shared",
            "written_confirmation": "Confirmed by email to both sides",
            "feedback_to_raiser": "Agreed",
        })  # fmt: skip
    assert fresh(raised).status == "resolved"
    expected = {
        6: [("due-soon", "action", "police-colleague")],
        7: [("due-today", "action", "police-colleague")],
        8: [("overdue", "action", "police-2"), ("overdue", "action", "police-colleague")],
    }
    for day, reminders in expected.items():
        sweep.run(london(2026, 5, day))
        assert written(raised, D(2026, 5, day)) == reminders, day
    # Marked done on Mon 11 May at 09:00: the reminders stop.
    action = fresh(raised).records.get().actions.get()
    do("complete_action", health[0], raised, london(2026, 5, 11, 9), action=action.pk)
    sweep.run(london(2026, 5, 11, 10))
    assert written(raised, D(2026, 5, 11)) == []


# -- Paused past the expected resume date ------------------------------------------------


def test_a_pause_past_its_expected_resume_date_is_reminded_every_working_day(blackpool, raised):
    school = blackpool.ladder["school"]
    # Paused Wed 6 May by the raising practitioner's team manager, expected back Fri 8 May.
    d = do("pause", school[1], raised, london(2026, 5, 6, 10), reason="Practitioner off sick",
           expected_resume="2026-05-08")  # fmt: skip
    assert d.next_due == D(2026, 5, 8)
    for day in (7, 8, 9, 10):  # the stage's clock is stopped; the 8th is not yet past
        assert sweep.run(london(2026, 5, day)).total == 0
    paused = [
        ("pause-overdue", "pause", "police-1"),
        ("pause-overdue", "pause", "school-1"),
        ("pause-overdue", "pause", "school-2"),
    ]
    sweep.run(london(2026, 5, 11))
    assert written(d, D(2026, 5, 11)) == paused
    sweep.run(london(2026, 5, 12))
    assert written(d, D(2026, 5, 12)) == paused
    pause_notice = Notice.objects.filter(kind=Kind.PAUSE_OVERDUE, recipient=school[1]).first()
    assert "Practitioner off sick" not in pause_notice.body_text  # a reason may be health data
    assert "you paused it" in pause_notice.body_text

    # Resumed Tue 12 May at 11:00. Working days paused whole (not the day it paused, nor the
    # day it resumed): Thu 7, Fri 8, Mon 11 = 3, so the stage moves from Tue 12 May to
    # Wed 13, Thu 14, Fri 15 May.
    d = do("resume", school[1], d, london(2026, 5, 12, 11))
    assert d.stage_due == D(2026, 5, 15)
    sweep.run(london(2026, 5, 13))
    assert written(d, D(2026, 5, 13)) == []
    sweep.run(london(2026, 5, 14))
    assert written(d, D(2026, 5, 14)) == [
        ("due-soon", "stage", "police-1"),
        ("due-soon", "stage", "school-1"),
    ]


# -- Drift -------------------------------------------------------------------------------


def test_drift_is_reported_once_per_spell_without_activity(blackpool, raised):
    school = blackpool.ladder["school"]
    # Last activity Tue 5 May; 5 working days pass without any: Wed 6, Thu 7, Fri 8, Mon 11,
    # Tue 12. Drifting on the 6th, Wed 13 May.
    for day in range(6, 15):
        sweep.run(london(2026, 5, day))
    drift = [("drift", "disagreement", "police-1"), ("drift", "disagreement", "school-1")]
    assert written(raised, kinds=[Kind.DRIFT]) == drift
    assert written(raised, D(2026, 5, 13), [Kind.DRIFT]) == drift

    # Activity on Thu 14 May starts a new spell: Fri 15, Mon 18, 19, 20, Thu 21 pass; drifting
    # again on Fri 22 May, once (not on Tue 26, after the spring bank holiday, nor later).
    with time_machine.travel(london(2026, 5, 14, 11), tick=False):
        discuss(school[0], raised, outcome="ongoing", covers=[])
    for day in range(15, 30):
        sweep.run(london(2026, 5, day))
    days = sorted(
        n.created_at.astimezone(LONDON).date()
        for n in Notice.objects.filter(kind=Kind.DRIFT, recipient=school[0])
    )
    assert days == [D(2026, 5, 13), D(2026, 5, 22)]


def test_a_paused_disagreement_does_not_drift(blackpool, raised):
    do("pause", blackpool.ladder["school"][0], raised, london(2026, 5, 5, 11),
       reason="Meeting cancelled", expected_resume="2026-06-30")  # fmt: skip
    for day in range(6, 30):
        assert sweep.run(london(2026, 5, day)).total == 0


# -- Blackpool's overall cap -------------------------------------------------------------


def test_blackpools_overall_cap_is_reminded_as_its_own_deadline(blackpool, raised):
    school, police = blackpool.ladder["school"], blackpool.ladder["police"]
    # The cap: 15 working days from Tue 5 May: 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22,
    # (spring bank holiday) Tue 26, Wed 27 May.
    assert raised.cap_due == D(2026, 5, 27)
    # Stage 2 on Wed 6 May; stage 3 on Thu 7 May, due Fri 8, 11, 12, 13, Thu 14 May, then
    # extended to Fri 29 May: the cap, Wed 27 May, comes first.
    d = climb(raised, london(2026, 5, 6, 11), 2)
    d = climb(d, london(2026, 5, 7, 11), 3)
    assert d.stage_due == D(2026, 5, 14)
    d = do("extend", school[2], d, london(2026, 5, 7, 12), asked_by=police[2].pk,
           reason="Both heads of service are at a conference", new_due="2026-05-29")  # fmt: skip
    assert (d.stage_due, d.next_due) == (D(2026, 5, 29), D(2026, 5, 27))

    for day in (22, 26, 27, 28, 29):
        sweep.run(london(2026, 5, day))
    assert written(d, D(2026, 5, 22), [Kind.CAP]) == []  # next working day is Tue 26 May
    assert written(d, D(2026, 5, 26), [Kind.CAP]) == [
        ("cap", "cap", "police-3"),
        ("cap", "cap", "school-3"),
    ]
    assert written(d, D(2026, 5, 27), [Kind.CAP]) == [
        ("cap", "cap", "police-3"),
        ("cap", "cap", "school-3"),
    ]
    overdue = [
        ("cap", "cap", "police-3"),
        ("cap", "cap", "police-4"),
        ("cap", "cap", "school-3"),
        ("cap", "cap", "school-4"),
    ]
    assert written(d, D(2026, 5, 28), [Kind.CAP]) == overdue
    assert written(d, D(2026, 5, 29), [Kind.CAP]) == overdue
    subjects = [
        n.subject
        for n in Notice.objects.filter(kind=Kind.CAP, recipient=school[2]).order_by("created_at")
    ]
    limit = "the overall limit of 15 working days for stages 1, 2 and 3"
    assert subjects == [
        f"{d.reference}: {limit} is on the next working day, Wednesday 27 May 2026",
        f"{d.reference}: {limit} is today",
        f"{d.reference}: {limit} has passed (it was Wednesday 27 May 2026)",
        f"{d.reference}: {limit} has passed (it was Wednesday 27 May 2026)",
    ]
    # The stage's own extended deadline, Fri 29 May, is due soon on Thu 28 May.
    assert written(d, D(2026, 5, 28), [Kind.DUE_SOON]) == [
        ("due-soon", "stage", "police-3"),
        ("due-soon", "stage", "school-3"),
    ]


def test_the_cap_is_no_longer_a_deadline_at_stage_4(blackpool, raised):
    d = climb(raised, london(2026, 5, 6, 11), 4)
    for day in range(26, 30):
        sweep.run(london(2026, 5, day))
    assert written(d, kinds=[Kind.CAP]) == []


# -- What a reminder says ----------------------------------------------------------------


def test_a_reminder_names_the_deadline_stage_and_agencies_but_never_the_subject(raised):
    sweep.run(london(2026, 5, 13))
    notice = Notice.objects.filter(kind=Kind.OVERDUE, recipient__username="blackpool-school-1")
    notice = notice.get()
    assert notice.subject == (
        "RPD-2026-0001: the stage 1 deadline has passed (it was Tuesday 12 May 2026)"
    )
    assert notice.status == Status.PENDING
    link = f"http://127.0.0.1:8000/disagreements/{raised.pk}/"
    for body in (notice.body_text, notice.body_html):
        for shown in (
            "RPD-2026-0001",
            "Practitioner level",
            "Tuesday 12 May 2026",
            "Brookside Primary School",
            "Police Public Protection Unit",
            link,
        ):
            assert shown in body
        subject = raised.subject
        for hidden in (
            subject.given_name,
            subject.family_name,
            subject.nhs_number,
            "Example Row",
            "2019",
            raised.summary[:20],
        ):
            assert hidden not in body and hidden not in notice.subject


def test_one_disagreement_that_cannot_be_reminded_does_not_hold_up_the_others(
    blackpool, raised, monkeypatch, caplog
):
    other = raise_at(blackpool, london(2026, 5, 5, 10, 5), "csc", "health")
    remind = sweep.Sweep.remind

    def broken(self, counts, users, d, deadline, phase):
        if d.pk == raised.pk:
            raise RuntimeError("a broken pack")
        return remind(self, counts, users, d, deadline, phase)

    monkeypatch.setattr(sweep.Sweep, "remind", broken)
    result = sweep.run(london(2026, 5, 11))
    assert (result.failed, dict(result.counts)) == (1, {Kind.DUE_SOON: 2})
    assert written(other) == [("due-soon", "stage", "csc-1"), ("due-soon", "stage", "health-1")]
    assert written(raised) == []
    assert f"reminders for {raised.reference}" in caplog.text
    monkeypatch.undo()
    assert sweep.run(london(2026, 5, 11, 10)).counts == {Kind.DUE_SOON: 2}  # caught up


# -- Immediately --------------------------------------------------------------------------


@pytest.fixture
def cambridgeshire():
    return build_partnership("cambridgeshire")


def test_cambridgeshire_an_nai_of_an_infant_raised_on_good_friday_evening_is_reminded_that_evening(
    cambridgeshire,
):
    # Cambridgeshire §2.6 "must be resolved immediately": raised on Good Friday 18 Apr 2025
    # at 19:00, out of hours on a bank holiday. Due that day; reminded at once, then overdue
    # on Easter Saturday morning, not held until Tuesday's working hours.
    d = raise_at(
        cambridgeshire,
        london(2025, 4, 18, 19),
        raiser="health",
        receiver="csc",
        challenged_on="2025-04-18",
        risk="immediate",
        urgent=True,
        immediate_rule="non-accidental-injury-infant",
    )
    ordinary = raise_at(
        cambridgeshire, london(2025, 4, 18, 19, 5), raiser="school", challenged_on="2025-04-17"
    )
    assert (d.stage_due, d.next_due) == (D(2025, 4, 18), D(2025, 4, 18))
    result = sweep.run(london(2025, 4, 18, 19, 30))
    assert dict(result.counts) == {Kind.DUE_TODAY: 2}
    assert written(d) == [("due-today", "stage", "csc-1"), ("due-today", "stage", "health-1")]
    sweep.run(london(2025, 4, 19, 6))
    assert written(d, D(2025, 4, 19)) == [
        ("overdue", "stage", "csc-1"),
        ("overdue", "stage", "csc-2"),
        ("overdue", "stage", "health-1"),
        ("overdue", "stage", "health-2"),
    ]
    assert written(ordinary) == []


def test_cambridgeshire_an_immediate_reminder_is_not_held_for_a_daily_digest(cambridgeshire):
    from rpd.notifications.preferences import set_daily_digest

    health = cambridgeshire.ladder["health"]
    set_daily_digest(health[0], True)
    raise_at(
        cambridgeshire,
        london(2025, 4, 18, 19),
        raiser="health",
        receiver="csc",
        challenged_on="2025-04-18",
        immediate_rule="non-accidental-injury-infant",
    )
    sweep.run(london(2025, 4, 18, 19, 30))
    notice = Notice.objects.get(kind=Kind.DUE_TODAY, recipient=health[0])
    assert notice.status == Status.PENDING


def test_cambridgeshire_designated_leads_liaison_is_reminded_on_a_bank_holiday(cambridgeshire):
    # Cambridgeshire §3: the designated leads liaise "immediately on becoming aware"; the
    # stage itself is reviewed after 5 working days and is not reminded out of hours.
    d = raise_at(cambridgeshire, london(2025, 4, 17, 10), challenged_on="2025-04-16")
    d = climb(d, london(2025, 4, 21, 10), 3)  # Easter Monday
    liaison = d.current_episode().milestones.get()
    assert liaison.due == D(2025, 4, 21)
    sweep.run(london(2025, 4, 21, 10, 30))
    assert written(d, D(2025, 4, 21)) == [
        ("due-today", "milestone", "police-3"),
        ("due-today", "milestone", "school-3"),
    ]
