"""The deadline sweep: reminders of what falls due, written into the outbox.

Run every few minutes by a worker. For each partnership, in working hours
(RPD_WORKING_HOURS, London time) on one of that partnership's working days, it
writes what follows; at any other time, only the reminders of deadlines due
"immediately" (Cambridgeshire's suspected non-accidental injury of an infant,
raised on Good Friday, is due that day and is not held until Tuesday):

- due soon (the deadline is the next working day), due today, and overdue
  (then again every working day until it is met) for the current stage's due
  date, each unmet milestone and the overall cap (Blackpool's 15 working days),
  to the current stage's actors on both sides and, once overdue, to each
  actor's line manager; the same for agreed actions, to their owners, until
  done, whether or not the disagreement has since been resolved or withdrawn
  (the next steps agreed at a resolution are what must not drift);
- a notice when a paused disagreement is past its expected resume date, to
  whoever paused it and the current actors, every working day until resumed;
- a notice when nothing has happened for RPD_DRIFT_WORKING_DAYS working days,
  once per spell of inactivity (policy: "No drift").

Which deadlines a disagreement has is `rpd.disagreements.deadlines`' answer,
the one the stored dates and the calendar feed use too. What is due is found
from the stored, indexed `Disagreement.next_due` (the earliest open deadline,
which the transitions keep up to date) and, for drift, from a range of
`updated_at`: the cost grows with the number of due items, never with the
number of open disagreements. Every reminder carries a
dedupe key unique per deadline, phase and person (and day, once overdue), so a
sweep run twice, or by two workers at once, writes each reminder once.

Reminders say which deadline, when, the reference, the stage and the agencies,
and link to the disagreement: never the subject's name, special-category data
or any free text (an action's wording or a pause's reason may carry either).
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import dateformat, timezone

from rpd.disagreements import deadlines as due_dates
from rpd.disagreements.deadlines import ACTION, CAP, MILESTONE, PAUSE, STAGE, Deadline
from rpd.disagreements.models import (
    LIVE_IN,
    AgreedAction,
    Disagreement,
    Milestone,
    Pause,
    StageEpisode,
    Status,
)
from rpd.pathways.calendar import LONDON, WorkingCalendar
from rpd.people.models import Partnership, User

from . import outbox
from .models import Kind

logger = logging.getLogger(__name__)

# A spell of inactivity is reported on the first sweep after it reaches the drift
# threshold; a worker that was down for up to this many working days still reports it.
# Older spells were reported when they began, so the drift query stays a narrow range.
DRIFT_CATCH_UP_WORKING_DAYS = 5

SOON, TODAY, OVERDUE = "soon", "today", "overdue"
KINDS = {SOON: Kind.DUE_SOON, TODAY: Kind.DUE_TODAY, OVERDUE: Kind.OVERDUE}


@dataclass
class SweepResult:
    """How many reminders one run wrote, by notice kind."""

    counts: Counter = field(default_factory=Counter)
    partnerships: int = 0  # partnerships swept: in working hours on one of their working days
    failed: int = 0  # disagreements whose reminders could not be written (logged)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __getitem__(self, kind: str) -> int:
        return self.counts[kind]


@dataclass(frozen=True)
class Day:
    """One partnership's view of the sweep's day, on its own calendar."""

    partnership: Partnership
    calendar: WorkingCalendar
    today: datetime.date
    horizon: datetime.date  # the next working day: anything due by then is "due soon"
    # In working hours on one of the partnership's working days; otherwise only deadlines
    # due immediately are reminded.
    working: bool
    # Last activity in [drift_from, drift_until) means the spell of inactivity has just
    # reached the threshold (within the catch-up window).
    drift_from: datetime.datetime
    drift_until: datetime.datetime


@dataclass(frozen=True)
class Reminder:
    """A deadline as the sweep tells of it: in words, and to whom."""

    ref: str  # stable identity of the deadline, used in the dedupe key
    label: str  # "the stage 2 deadline", as a sentence needs it
    due: datetime.date
    kinds: dict  # phase -> notice kind
    recipients: tuple[tuple[int, str], ...]  # (user id, why they get it)
    # Once overdue, the line manager of each of these (user id, what they do) hears too.
    managed: tuple[tuple[int, str], ...] = ()
    # Due immediately: sent at once, never held for a daily digest.
    immediate: bool = False
    # What the case waits for, from whom (its next steps: `transitions.next_steps`), for a
    # deadline of the case's own; an agreed action's owner knows what they owe.
    steps: tuple[dict, ...] = ()


def in_working_hours(local: datetime.datetime) -> bool:
    start, end = settings.RPD_WORKING_HOURS
    return start <= local.hour < end


def london_now(now: datetime.datetime | None) -> datetime.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError(f"the sweep needs an aware datetime, got naive {now!r}")
    return now.astimezone(LONDON)


def working_days_back(calendar: WorkingCalendar, day: datetime.date, n: int) -> datetime.date:
    """The nth working day before `day` (a working day), counting back."""
    while n > 0:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LONDON)


def working_days(now: datetime.datetime) -> dict[int, Day]:
    """Every partnership with its dates, and whether `now` (London) is in its working time."""
    today = now.date()
    threshold = settings.RPD_DRIFT_WORKING_DAYS
    days = {}
    for partnership in Partnership.objects.all():
        calendar = partnership.working_calendar()
        # Activity on day L has drifted once more than `threshold` working days have
        # passed after L: L is before the threshold-th working day back from today.
        days[partnership.pk] = Day(
            partnership,
            calendar,
            today,
            calendar.add_working_days(today, 1),
            in_working_hours(now) and calendar.is_working_day(today),
            start_of(working_days_back(calendar, today, threshold + DRIFT_CATCH_UP_WORKING_DAYS)),
            start_of(working_days_back(calendar, today, threshold)),
        )
    return days


def run(now: datetime.datetime | None = None) -> SweepResult:
    """Write the reminders due at `now` (default: the current time)."""
    local = london_now(now)
    result = SweepResult()
    days = working_days(local)
    result.partnerships = sum(day.working for day in days.values())
    if days:
        Sweep(days, local).write(result)
    return result


def phase(due: datetime.date, day: Day) -> str | None:
    if due < day.today:
        return OVERDUE
    if due == day.today:
        return TODAY
    if due <= day.horizon:
        return SOON
    return None


def _waiting_for(steps, user: User, users: dict[int, User]) -> str:
    """What the case waits for, in its next steps' own words: asked of `user`, or of whom
    else (by name: a reminder to people who cannot act sends everyone looking)."""
    mine = [step["what"] for step in steps if user.pk in step["people"]]
    if mine:
        return "".join(f" You are asked to {what}." for what in mine)
    said = ""
    for step in steps:
        names = [users[pk].display_name for pk in step["people"] if pk in users]
        if names:
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            said += f" It waits for {who} to {step['what']}."
    return said


def sentence(text: str) -> str:
    # Not str.capitalize(), which would lower-case a milestone's own capitals.
    return text[:1].upper() + text[1:]


def long_date(d: datetime.date) -> str:
    return dateformat.format(d, "l j F Y")


class Sweep:
    def __init__(self, days: dict[int, Day], now: datetime.datetime):
        self.days = days
        self.now = now

    # -- reading what is due ------------------------------------------------------------

    def disagreements(self):
        return Disagreement.objects.filter(partnership_id__in=self.days).select_related(
            "partnership", "pathway", "raising_agency", "receiving_agency"
        )

    def due_query(self):
        """Live disagreements with a deadline (or expected resume date) by the latest next
        working day: a range on the (status, next_due) index. Outside working time, only
        those due by today whose current stage has a deadline due immediately."""
        latest = max(day.horizon for day in self.days.values())
        due = self.disagreements().filter(status__in=LIVE_IN, next_due__lte=latest)
        if any(day.working for day in self.days.values()):
            return due
        current = Q(episodes__ended_at__isnull=True)
        immediately = Q(episodes__due_basis=due_dates.IMMEDIATELY) | Q(
            episodes__milestones__immediate=True, episodes__milestones__met_at__isnull=True
        )
        today = max(day.today for day in self.days.values())
        return due.filter(current & immediately, next_due__lte=today).distinct()

    def drift_query(self):
        """Open disagreements whose last activity has just passed the drift threshold: a
        range on the (status, updated_at) index."""
        lo = min(day.drift_from for day in self.days.values())
        hi = max(day.drift_until for day in self.days.values())
        return self.disagreements().filter(
            status=Status.OPEN, updated_at__gte=lo, updated_at__lt=hi
        )

    def actions_query(self):
        """Agreed actions not yet done, due by the latest next working day, whatever their
        disagreement's status: a range on the partial index of open actions by due date,
        with their partnership. No condition on the joined disagreement, deliberately:
        with one, a planner without statistics (a SQLite file never analysed) starts from
        the disagreements and reads every one; partnerships not swept now are dropped in
        Python instead."""
        latest = max(day.horizon for day in self.days.values())
        return (
            due_dates.open_actions()
            .filter(due__lte=latest)
            .values_list("pk", "due", "record__disagreement__partnership_id")
        )

    # Partnerships' calendars differ around holidays: each query reads the widest range
    # any of them needs, and each row is then held to its own partnership's dates.

    def due(self) -> list[Disagreement]:
        def latest(d: Disagreement) -> datetime.date:
            day = self.days[d.partnership_id]
            return day.horizon if day.working else day.today

        return [d for d in self.due_query() if d.next_due <= latest(d)]

    def drifting(self) -> list[Disagreement]:
        days = self.days
        if not any(day.working for day in days.values()):
            return []
        return [
            d
            for d in self.drift_query()
            if days[d.partnership_id].working
            and days[d.partnership_id].drift_from
            <= d.updated_at
            < days[d.partnership_id].drift_until
        ]

    def actions(self) -> list[AgreedAction]:
        days = self.days
        if not any(day.working for day in days.values()):
            return []
        keep = [
            pk
            for pk, due, partnership in self.actions_query()
            if partnership in days
            and days[partnership].working
            and due <= days[partnership].horizon
        ]
        if not keep:
            return []
        return list(
            AgreedAction.objects.filter(pk__in=keep).select_related(
                "record__episode",
                "record__disagreement__partnership",
                "record__disagreement__pathway",
                "record__disagreement__raising_agency",
                "record__disagreement__receiving_agency",
            )
        )

    # -- deciding who hears what --------------------------------------------------------

    def write(self, result: SweepResult) -> None:
        due, drifting, actions = self.due(), self.drifting(), self.actions()
        touched = {d.pk: d for d in [*due, *drifting]}
        episodes = {
            e.disagreement_id: e
            for e in StageEpisode.objects.filter(disagreement_id__in=touched, ended_at__isnull=True)
        }
        milestones: dict[int, list[Milestone]] = {}
        for m in Milestone.objects.filter(
            episode_id__in=[e.pk for e in episodes.values()], met_at__isnull=True
        ):
            milestones.setdefault(m.episode_id, []).append(m)
        pauses = {
            p.disagreement_id: p
            for p in Pause.objects.filter(
                disagreement_id__in=[d.pk for d in due if d.status == Status.PAUSED],
                resumed_on__isnull=True,
            )
        }

        # Per disagreement: (reminder, phase) pairs, an overdue pause, and drift.
        work: dict[int, list] = {}
        for d in due:
            episode = episodes.get(d.pk)
            if episode is None or episode.number != d.stage:
                continue
            day = self.days[d.partnership_id]
            found = due_dates.deadlines(
                d, episode, milestones=milestones.get(episode.pk, ()), pause=pauses.get(d.pk)
            )
            for deadline in found:
                if not (day.working or deadline.immediate):
                    continue
                p = phase(deadline.due, day)
                if deadline.kind == PAUSE:
                    if p == OVERDUE:
                        work.setdefault(d.pk, []).append(("pause", deadline.row, episode))
                elif p is not None:
                    reminder = self.reminder(d, episode, deadline)
                    work.setdefault(d.pk, []).append(("deadline", reminder, p))
        for d in drifting:
            episode = episodes.get(d.pk)
            if episode is not None and episode.number == d.stage:
                work.setdefault(d.pk, []).append(("drift", d.updated_at, episode))
        for a in actions:
            d = a.record.disagreement
            touched.setdefault(d.pk, d)
            reminder = self.action_reminder(due_dates.action_deadline(a))
            p = phase(reminder.due, self.days[d.partnership_id])
            if p is not None:
                work.setdefault(d.pk, []).append(("deadline", reminder, p))

        users = self.users(work)
        for pk, items in work.items():
            d = touched[pk]
            counts = Counter()
            try:
                # One transaction per disagreement: its reminders are written together, and
                # one that cannot be (bad data, a broken pack) does not hold up the rest.
                with transaction.atomic():
                    for item in items:
                        if item[0] == "deadline":
                            self.remind(counts, users, d, item[1], item[2])
                        elif item[0] == "pause":
                            self.pause_overdue(counts, users, d, item[1], item[2])
                        else:
                            self.drift(counts, users, d, item[1], item[2])
            except Exception:
                logger.exception("sweep: reminders for %s (id %s) not written", d.reference, pk)
                result.failed += 1
            else:
                result.counts.update(counts)

    def reminder(self, d: Disagreement, episode: StageEpisode, deadline: Deadline) -> Reminder:
        """A deadline of the current stage, told to the actors of both sides, or of the one
        side whose step it is (a milestone's `by`)."""
        sides = [
            (side, pk)
            for side, pk in (
                ("raising", episode.raising_actor_id),
                ("receiving", episode.receiving_actor_id),
            )
            if deadline.owned_by(episode, pk)
        ]
        actors = tuple((pk, f"you act for the {side} side") for side, pk in sides)
        managed = tuple((pk, f"acts for the {side} side") for side, pk in sides)
        stage, kinds = deadline.stage, KINDS
        if deadline.kind == STAGE:
            label = f"the stage {stage} " + ("review date" if episode.due_is_review else "deadline")
        elif deadline.kind == MILESTONE:
            label = f"the stage {stage} milestone “{deadline.row.name}”"
        elif deadline.kind == CAP:
            cap = d.pack.overall_cap
            stages = ", ".join(str(n) for n in cap.stages[:-1]) + f" and {cap.stages[-1]}"
            label = f"the overall limit of {cap.working_days} working days for stages {stages}"
            kinds = {SOON: Kind.CAP, TODAY: Kind.CAP, OVERDUE: Kind.CAP}
        else:
            raise ValueError(f"no reminder for a {deadline.kind} deadline")
        # Whoever the case waits for hears too (a manager asked to approve a record, a
        # lead asked to name the person), told what it is they are asked.
        steps = tuple(d.next_steps or ())
        asked = tuple(
            (pk, "the disagreement waits for you to act on it")
            for step in steps
            for pk in step["people"]
            if pk not in (episode.raising_actor_id, episode.receiving_actor_id)
        )
        return Reminder(
            deadline.ref,
            label,
            deadline.due,
            kinds,
            actors + asked,
            managed,
            deadline.immediate,
            steps,
        )

    def action_reminder(self, deadline: Deadline) -> Reminder:
        assert deadline.kind == ACTION
        owner = deadline.row.owner_id
        return Reminder(
            deadline.ref,
            f"an action agreed at stage {deadline.stage}",
            deadline.due,
            KINDS,
            ((owner, "you own this agreed action"),),
            ((owner, "owns this agreed action"),),
        )

    def users(self, work) -> dict[int, User]:
        """Everyone who may hear, with their line manager and notice preference: one query."""
        ids = set()
        for items in work.values():
            for item in items:
                if item[0] == "deadline":
                    ids.update(pk for pk, _ in item[1].recipients)
                elif item[0] == "pause":
                    ids.update((item[1].paused_by_id, item[2].raising_actor_id))
                    ids.add(item[2].receiving_actor_id)
                else:
                    ids.update((item[2].raising_actor_id, item[2].receiving_actor_id))
        rows = User.objects.filter(pk__in=ids).select_related(
            "notice_preference", "line_manager__notice_preference"
        )
        return {u.pk: u for u in rows}

    # -- writing ------------------------------------------------------------------------

    def queue(self, counts, d, kind, user, subject, context, key, urgent=False) -> None:
        if user is None or not user.is_active:
            return
        stage = d.pack.stage(d.stage)
        notice = outbox.queue(
            partnership=d.partnership,
            kind=kind,
            to_user=user,
            disagreement=d,
            subject=f"{d.reference}: {subject}",
            template="reminder",
            context={"stage": stage, **context},
            dedupe_key=key,
            at=self.now,
            urgent=urgent,
        )
        if notice is not None:
            counts[str(kind)] += 1

    def remind(self, counts, users, d, deadline: Reminder, p: str) -> None:
        day = self.days[d.partnership_id]
        kind = deadline.kinds[p]
        when = long_date(deadline.due)
        subject, message = {
            SOON: (
                f"{deadline.label} is on the next working day, {when}",
                f"{sentence(deadline.label)} falls on the next working day.",
            ),
            TODAY: (
                f"{deadline.label} is today",
                f"{sentence(deadline.label)} falls today.",
            ),
            OVERDUE: (
                f"{deadline.label} has passed (it was {when})",
                f"{sentence(deadline.label)} has passed. Act on it now, or agree and "
                "record an extension; this reminder comes every working day until then.",
            ),
        }[p]
        # Once per deadline (its date included, so an extension starts afresh), phase and
        # person; once overdue, once per working day.
        key = f"sweep:{p}:{deadline.ref}:{deadline.due:%Y%m%d}"
        if p == OVERDUE:
            key += f":{day.today:%Y%m%d}"
        people = [(users.get(pk), why) for pk, why in deadline.recipients]
        if p == OVERDUE:
            for pk, role in deadline.managed:
                person = users.get(pk)
                manager = person.line_manager if person is not None else None
                if manager is not None:
                    people.append((manager, f"you line-manage {person.display_name}, who {role}"))
        seen = set()
        for user, why in people:
            if user is None or user.pk in seen:
                continue
            seen.add(user.pk)
            said = message + _waiting_for(deadline.steps, user, users)
            self.queue(
                counts,
                d,
                kind,
                user,
                subject,
                {"message": said, "deadline": deadline.label, "due": deadline.due, "why": why},
                f"{key}:u{user.pk}",
                deadline.immediate,
            )

    def pause_overdue(self, counts, users, d, pause: Pause, episode: StageEpisode) -> None:
        day = self.days[d.partnership_id]
        when = long_date(pause.expected_resume)
        people = [
            (pause.paused_by_id, "you paused it"),
            (episode.raising_actor_id, "you act for the raising side"),
            (episode.receiving_actor_id, "you act for the receiving side"),
        ]
        seen = set()
        for pk, why in people:
            if pk in seen:
                continue
            seen.add(pk)
            self.queue(
                counts,
                d,
                Kind.PAUSE_OVERDUE,
                users.get(pk),
                f"still paused after its expected resume date, {when}",
                {
                    "message": (
                        f"It was paused on {long_date(pause.paused_on)} and expected to resume "
                        f"on {when}. Resume it, possibly with someone else acting, so that it "
                        "does not drift; this reminder comes every working day until then."
                    ),
                    "deadline": "the expected resume date",
                    "due": pause.expected_resume,
                    "why": why,
                },
                f"sweep:pause-overdue:pause:{pause.pk}:{pause.expected_resume:%Y%m%d}"
                f":{day.today:%Y%m%d}:u{pk}",
            )

    def drift(self, counts, users, d, updated_at, episode: StageEpisode) -> None:
        threshold = settings.RPD_DRIFT_WORKING_DAYS
        last = updated_at.astimezone(LONDON)
        # Once per spell of inactivity: the spell is named by the last activity's time.
        spell = updated_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
        for pk, why in (
            (episode.raising_actor_id, "you act for the raising side"),
            (episode.receiving_actor_id, "you act for the receiving side"),
        ):
            self.queue(
                counts,
                d,
                Kind.DRIFT,
                users.get(pk),
                f"no activity for {threshold} working days",
                {
                    "message": (
                        f"Nothing has been recorded since {long_date(last.date())}. If the "
                        "process has halted, record why and pause it; otherwise record the "
                        "next discussion, so that it does not drift."
                    ),
                    "deadline": "",
                    "due": None,
                    "why": why,
                },
                f"sweep:drift:disagreement:{d.pk}:{spell}:u{pk}",
            )
