"""A month in the life of one disagreement under each seed pathway, a day at a time.

Time is frozen at 09:30 London each day, weekends and bank holidays included, and the
sweep runs; then the day's steps (raise, record, escalate) happen at 11:00. Every
reminder the month should bring is listed by hand below, with its day, counted from the
bank holidays named beside it, never with the calendar or the sweep under test. Because
the sweep runs once, at 09:30, a deadline that falls on the day a stage starts at 11:00
gets no "due today" from it (in production the sweep runs every few minutes).

Who is who: "csc-1" is the practitioner in Children's Social Care, "csc-2" their line
manager, and so on up each agency's ladder (demo partnerships have one person per rung).
Reminders go to the current stage's actors on both sides; once overdue, also to each
actor's line manager (there is none above the top rung). Drift: after 5 working days
with no activity, once per spell.
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.notifications import sweep
from rpd.notifications.models import Kind, Notice
from rpd.people.demo import build_partnership
from tests.disagreements.helpers import discuss, escalate, fresh, raise_data

pytestmark = pytest.mark.django_db

D = datetime.date
LONDON = ZoneInfo("Europe/London")
REMINDERS = [Kind.DUE_SOON, Kind.DUE_TODAY, Kind.OVERDUE, Kind.PAUSE_OVERDUE, Kind.DRIFT, Kind.CAP]


def to(kind, what, *people):
    return [(kind, what, person) for person in people]


class Walk:
    """One partnership's month: the sweep each morning, then the day's steps."""

    def __init__(self, pathway: str, first: datetime.date, last: datetime.date):
        self.demo = build_partnership(pathway)
        self.slug = self.demo.partnership.slug
        self.first, self.last = first, last
        self.steps: dict[datetime.date, list] = defaultdict(list)
        self.swept: dict[datetime.date, int] = {}  # partnerships swept each day
        self.d = None

    def on(self, day: datetime.date, *steps) -> None:
        self.steps[day].extend(steps)

    def run(self) -> None:
        day = self.first
        with time_machine.travel(self.at(day, 9, 30), tick=False) as traveller:
            while day <= self.last:
                traveller.move_to(self.at(day, 9, 30))
                self.swept[day] = sweep.run().partnerships
                traveller.move_to(self.at(day, 11))
                for step in self.steps.get(day, ()):
                    step()
                day += datetime.timedelta(days=1)

    @staticmethod
    def at(day, hour, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)

    # -- steps ----------------------------------------------------------------------------

    def raise_(self, raiser: str, receiver: str, **data):
        def step():
            self.d = transitions.raise_disagreement(
                self.demo.ladder[raiser][0], raise_data(self.demo, receiver, **data)
            )

        return step

    def escalate(self):
        actor = fresh(self.d).current_episode().raising_actor
        discuss(actor, self.d)
        escalate(actor, self.d)

    def meet(self, *milestones):
        def step():
            actor = fresh(self.d).current_episode().raising_actor
            discuss(actor, self.d, outcome="ongoing", covers=[], meets=milestones)

        return step

    # -- what was written -----------------------------------------------------------------

    def who(self, user) -> str:
        return user.username.removeprefix(f"{self.slug}-")

    def reminders(self) -> dict[datetime.date, list]:
        found = defaultdict(list)
        for n in Notice.objects.filter(kind__in=REMINDERS).select_related("recipient"):
            what = n.dedupe_key.split(":")[2]
            found[n.created_at.astimezone(LONDON).date()].append(
                (n.kind, what, self.who(n.recipient))
            )
        return {day: sorted(rows) for day, rows in sorted(found.items())}

    def pathway_notices(self) -> list:
        return sorted(
            (n.created_at.astimezone(LONDON).date(), self.who(n.recipient))
            for n in Notice.objects.filter(disagreement=self.d, kind=Kind.PATHWAY)
        )

    def check(self, expected: dict, closed: set[datetime.date]) -> None:
        """Exactly the expected reminders, and no sweep at all on a weekend or holiday."""
        assert self.reminders() == {day: sorted(rows) for day, rows in sorted(expected.items())}
        for day, swept in self.swept.items():
            assert swept == (0 if day.weekday() >= 5 or day in closed else 1), day


# England and Wales, May 2026: Mon 4 May (early May) and Mon 25 May (spring) bank holidays.
ENGLAND_MAY_2026 = {D(2026, 5, 4), D(2026, 5, 25)}
# Jersey, May 2025: Mon 5 May (early May), Fri 9 May (Liberation Day), Mon 26 May (spring).
JERSEY_MAY_2025 = {D(2025, 5, 5), D(2025, 5, 9), D(2025, 5, 26)}


def test_a_month_in_hillingdon():
    walk = Walk("hillingdon", D(2026, 5, 1), D(2026, 5, 31))
    # Raised Fri 1 May. Stage 1 has no limit: reviewed after 5 working days, Tue 5 (after the
    # bank holiday), 6, 7, 8, Mon 11 May.
    walk.on(D(2026, 5, 1), walk.raise_("csc", "police"))
    # Escalated Tue 12 May: stage 2 reviewed 13, 14, 15, 18, Tue 19 May.
    walk.on(D(2026, 5, 12), walk.escalate)
    # Escalated Wed 20 May: stage 3 reviewed 21, 22, (bank holiday) 26, 27, Thu 28 May.
    walk.on(D(2026, 5, 20), walk.escalate)
    # Escalated Thu 28 May to stage 4, the Implementation Unit: reviewed 29 May, 1, 2, 3,
    # Thu 4 June, after the month ends.
    walk.on(D(2026, 5, 28), walk.escalate)
    walk.run()
    walk.check(
        {
            D(2026, 5, 8): to("due-soon", "stage", "csc-1", "police-1"),
            D(2026, 5, 11): to("due-today", "stage", "csc-1", "police-1"),
            # 6 working days after Fri 1 May without activity (5, 6, 7, 8, 11, 12): drift.
            D(2026, 5, 12): to("overdue", "stage", "csc-1", "police-1", "csc-2", "police-2")
            + to("drift", "disagreement", "csc-1", "police-1"),
            D(2026, 5, 18): to("due-soon", "stage", "csc-2", "police-2"),
            D(2026, 5, 19): to("due-today", "stage", "csc-2", "police-2"),
            # Drift again 6 working days after Tue 12 (13, 14, 15, 18, 19, 20).
            D(2026, 5, 20): to("overdue", "stage", "csc-2", "police-2", "csc-3", "police-3")
            + to("drift", "disagreement", "csc-2", "police-2"),
            D(2026, 5, 27): to("due-soon", "stage", "csc-3", "police-3"),
            D(2026, 5, 28): to("due-today", "stage", "csc-3", "police-3"),
        },
        ENGLAND_MAY_2026,
    )
    # Stage 4: referred to the Implementation Unit on the day it starts.
    assert walk.pathway_notices() == [(D(2026, 5, 28), "unit")]


def test_a_month_in_cambridgeshire():
    walk = Walk("cambridgeshire", D(2026, 5, 1), D(2026, 5, 31))
    # Raised Tue 5 May by health: stage 1 reviewed 6, 7, 8, 11, Tue 12 May.
    walk.on(D(2026, 5, 5), walk.raise_("health", "csc"))
    # Escalated Mon 11 May: stage 2 reviewed 12, 13, 14, 15, Mon 18 May.
    walk.on(D(2026, 5, 11), walk.escalate)
    # Escalated Tue 19 May: stage 3, the designated leads liaise immediately (Tue 19 itself);
    # reviewed 20, 21, 22, (bank holiday) 26, Wed 27 May.
    walk.on(D(2026, 5, 19), walk.escalate)
    walk.on(D(2026, 5, 20), walk.meet("designated-leads-liaise"))
    # Escalated Tue 26 May to stage 4, the Head of Service for Partnerships and QA: reviewed
    # 27, 28, 29 May, 1, Tue 2 June.
    walk.on(D(2026, 5, 26), walk.escalate)
    walk.run()
    walk.check(
        {
            D(2026, 5, 11): to("due-soon", "stage", "health-1", "csc-1"),
            D(2026, 5, 15): to("due-soon", "stage", "health-2", "csc-2"),  # Mon 18 is next
            D(2026, 5, 18): to("due-today", "stage", "health-2", "csc-2"),
            # Drift 6 working days after Mon 11 (12, 13, 14, 15, 18, 19).
            D(2026, 5, 19): to("overdue", "stage", "health-2", "csc-2", "health-3", "csc-3")
            + to("drift", "disagreement", "health-2", "csc-2"),
            # The liaison was due Tue 19, the day stage 3 started: overdue on Wed 20, to the
            # senior managers only (the top of Cambridgeshire's three rungs), met that day.
            D(2026, 5, 20): to("overdue", "milestone", "health-3", "csc-3"),
            # Not on Fri 22: the next working day then is Tue 26, not Wed 27.
            D(2026, 5, 26): to("due-soon", "stage", "health-3", "csc-3"),
        },
        ENGLAND_MAY_2026,
    )
    assert walk.pathway_notices() == [(D(2026, 5, 26), "unit")]


def test_a_month_in_jersey():
    walk = Walk("jersey", D(2025, 5, 1), D(2025, 5, 31))
    # Raised Thu 1 May 2025: stage 1 and informing the line manager within 5 working days,
    # Fri 2, Tue 6, Wed 7, Thu 8, Mon 12 May (Liberation Day, Fri 9, is a holiday).
    walk.on(D(2025, 5, 1), walk.raise_("school", "csc", challenged_on="2025-04-30"))
    # Escalated Tue 13 May: stage 2 within 14, 15, 16, 19, Tue 20 May.
    walk.on(D(2025, 5, 13), walk.escalate)
    # Escalated Wed 21 May to stage 3, and on Thu 22 May to stage 4, the board's independent
    # chair: within 23, (bank holiday) 27, 28, 29, Fri 30 May.
    walk.on(D(2025, 5, 21), walk.escalate)
    walk.on(D(2025, 5, 22), walk.escalate)
    walk.run()
    walk.check(
        {
            # Due soon on Thu 8 May: the next working day is Mon 12 May.
            # Informing one's own line manager is the raiser's (school-1) alone.
            D(2025, 5, 8): to("due-soon", "stage", "school-1", "csc-1")
            + to("due-soon", "milestone", "school-1"),
            D(2025, 5, 12): to("due-today", "stage", "school-1", "csc-1")
            + to("due-today", "milestone", "school-1"),
            # Drift 6 working days after Thu 1 May (2, 6, 7, 8, 12, 13).
            D(2025, 5, 13): to("overdue", "stage", "school-1", "csc-1", "school-2", "csc-2")
            + to("overdue", "milestone", "school-1", "school-2")
            + to("drift", "disagreement", "school-1", "csc-1"),
            D(2025, 5, 19): to("due-soon", "stage", "school-2", "csc-2"),
            D(2025, 5, 20): to("due-today", "stage", "school-2", "csc-2"),
            # Drift 6 working days after Tue 13 (14, 15, 16, 19, 20, 21).
            D(2025, 5, 21): to("overdue", "stage", "school-2", "csc-2", "school-3", "csc-3")
            + to("drift", "disagreement", "school-2", "csc-2"),
            # The board's chair leads stage 4 and the case waits for them too: reminded.
            D(2025, 5, 29): to("due-soon", "stage", "school-3", "csc-3", "chair"),
            D(2025, 5, 30): to("due-today", "stage", "school-3", "csc-3", "chair"),
        },
        JERSEY_MAY_2025,
    )
    # Stage 4: referred to the Independent Chair of the board on the day it starts.
    assert walk.pathway_notices() == [(D(2025, 5, 22), "chair")]


def test_a_month_in_stoke_on_trent():
    walk = Walk("stoke-on-trent", D(2026, 5, 1), D(2026, 5, 31))
    # Raised Fri 1 May, the day the disputed decision came: raising it here meets "raise it
    # with the other practitioner within 1 working day", so it is never reminded; stage 1
    # reviewed after 5, 5, 6, 7, 8, Mon 11 May.
    walk.on(D(2026, 5, 1), walk.raise_("csc", "police", challenged_on="2026-05-01"))
    # Escalated Mon 11 May: contact between the agencies within 1, Tue 12 May (met Thu 14);
    # stage 2 reviewed 12, 13, 14, 15, Mon 18 May.
    walk.on(D(2026, 5, 11), walk.escalate)
    walk.on(D(2026, 5, 14), walk.meet("contact-between-agencies"))
    # Escalated Mon 18 May: stage 3, contact the counterpart within 1, Tue 19 (met that day);
    # meeting, decision in writing and the stage itself within 2, Wed 20 May.
    walk.on(D(2026, 5, 18), walk.escalate)
    walk.on(D(2026, 5, 19), walk.meet("contact-counterpart"))
    # Escalated Wed 20 May: stage 4, raise at senior leader level within 5 working days and
    # reviewed after 5: 21, 22, (bank holiday) 26, 27, Thu 28 May.
    walk.on(D(2026, 5, 20), walk.escalate)
    walk.run()
    walk.check(
        {
            D(2026, 5, 8): to("due-soon", "stage", "csc-1", "police-1"),
            D(2026, 5, 11): to("due-today", "stage", "csc-1", "police-1"),
            D(2026, 5, 12): to("due-today", "milestone", "csc-2", "police-2"),
            D(2026, 5, 13): to("overdue", "milestone", "csc-2", "police-2", "csc-3", "police-3"),
            D(2026, 5, 14): to("overdue", "milestone", "csc-2", "police-2", "csc-3", "police-3"),
            D(2026, 5, 15): to("due-soon", "stage", "csc-2", "police-2"),
            D(2026, 5, 18): to("due-today", "stage", "csc-2", "police-2"),
            D(2026, 5, 19): to("due-today", "milestone", "csc-3", "police-3")
            + to("due-soon", "milestone", "csc-3", "police-3") * 2  # meeting; decision
            + to("due-soon", "stage", "csc-3", "police-3"),
            D(2026, 5, 20): to("due-today", "milestone", "csc-3", "police-3") * 2
            + to("due-today", "stage", "csc-3", "police-3"),
            D(2026, 5, 27): to("due-soon", "milestone", "csc-4", "police-4")
            + to("due-soon", "stage", "csc-4", "police-4"),
            D(2026, 5, 28): to("due-today", "milestone", "csc-4", "police-4")
            + to("due-today", "stage", "csc-4", "police-4"),
            # Senior leaders are the top rung: no line manager to tell. Drift 6 working days
            # after Wed 20 (21, 22, 26, 27, 28, 29).
            D(2026, 5, 29): to("overdue", "milestone", "csc-4", "police-4")
            + to("overdue", "stage", "csc-4", "police-4")
            + to("drift", "disagreement", "csc-4", "police-4"),
        },
        ENGLAND_MAY_2026,
    )
    # Stages 3 and 4: the partnership is notified on the day each starts, and gets the
    # form stage 3 sent before it closed, on Wed 20 May too.
    assert walk.pathway_notices() == [
        (D(2026, 5, 18), "unit"),
        (D(2026, 5, 20), "unit"),
        (D(2026, 5, 20), "unit"),
    ]


def test_a_month_in_blackpool():
    walk = Walk("blackpool", D(2026, 5, 1), D(2026, 5, 31))
    # Raised Tue 5 May: stage 1 within 6, 7, 8, 11, Tue 12 May; stages 1 to 3 within 15
    # working days: 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, (bank holiday) 26,
    # Wed 27 May.
    walk.on(D(2026, 5, 5), walk.raise_("school", "police"))
    # Escalated Thu 7 May: stage 2 within 8, 11, 12, 13, Thu 14 May.
    walk.on(D(2026, 5, 7), walk.escalate)
    # Escalated Wed 13 May: stage 3 within 14, 15, 18, 19, Wed 20 May.
    walk.on(D(2026, 5, 13), walk.escalate)
    # Escalated Thu 28 May to stage 4 (not capped), reviewed 29 May, 1, 2, 3, Thu 4 June.
    walk.on(D(2026, 5, 28), walk.escalate)
    walk.run()
    stage_3_overdue = to("overdue", "stage", "school-3", "police-3", "school-4", "police-4")
    walk.check(
        {
            D(2026, 5, 13): to("due-soon", "stage", "school-2", "police-2"),
            D(2026, 5, 19): to("due-soon", "stage", "school-3", "police-3"),
            D(2026, 5, 20): to("due-today", "stage", "school-3", "police-3"),
            # Drift 6 working days after Wed 13 (14, 15, 18, 19, 20, 21).
            D(2026, 5, 21): stage_3_overdue + to("drift", "disagreement", "school-3", "police-3"),
            D(2026, 5, 22): stage_3_overdue,
            D(2026, 5, 26): stage_3_overdue + to("cap", "cap", "school-3", "police-3"),  # soon
            D(2026, 5, 27): stage_3_overdue + to("cap", "cap", "school-3", "police-3"),  # today
            D(2026, 5, 28): stage_3_overdue
            + to("cap", "cap", "school-3", "police-3", "school-4", "police-4"),  # overdue
        },
        ENGLAND_MAY_2026,
    )
    cap = Notice.objects.filter(kind=Kind.CAP, recipient__username="blackpool-school-3")
    assert [n.subject.split(": ", 1)[1] for n in cap.order_by("created_at")] == [
        "the overall limit of 15 working days for stages 1, 2 and 3 is on the next working "
        "day, Wednesday 27 May 2026",
        "the overall limit of 15 working days for stages 1, 2 and 3 is today",
        "the overall limit of 15 working days for stages 1, 2 and 3 has passed (it was "
        "Wednesday 27 May 2026)",
    ]
    # Stage 4, the highest level of management: the MASA team is made aware.
    assert walk.pathway_notices() == [(D(2026, 5, 28), "unit")]
