"""'If it were raised on this day...': every stage and milestone of a pathway with its date.

Assumes each stage runs its full timescale and the next starts on the day the
previous one is due. A stage the policy leaves open runs for the
partnership's default review interval, and the result says so. Each milestone
says what it counts from: the stage's start, the disputed decision, another milestone
being met (then its date assumes that one is met on its own due date), or an earlier
stage's start, end (in the simulation, its due date) or milestone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .calendar import WorkingCalendar, get_calendar, local_date
from .schema import (
    DISPUTED_DECISION,
    STAGE_START,
    EarlierStage,
    Event,
    Immediately,
    NotFixed,
    Pack,
    WorkingDays,
    counted_from,
    earlier_key,
    is_earlier_key,
    is_milestone_key,
    timescale_days,
)


@dataclass(frozen=True)
class MilestoneDate:
    id: str
    name: str
    timescale: str
    due: datetime.date | None  # None: an event, or counted from one
    # "stage_start", "disputed_decision", the id of the milestone of the same stage it
    # counts from, or an earlier stage's start, end or milestone ("stage-1:start").
    counts_from: str
    # The date counted from; for a milestone counted from another, that one's due date;
    # None where that is an event, whose date is not known until it happens.
    anchor: datetime.date | None
    immediate: bool = False
    # What it counts from in words ("the start of stage 2", "“Initial discussion” at
    # stage 1"), as "within 2 working days of ..." continues.
    counted_from: str = ""
    event: bool = False  # an event: no deadline of its own, so counted from nothing
    within: bool = False  # "within N working days", which " of ..." continues

    @property
    def waits_for(self) -> str | None:
        """The milestone of the same stage that must be met before this one's date is
        known (one counted from an earlier stage has its date when its stage starts)."""
        if self.counts_from in (STAGE_START, DISPUTED_DECISION):
            return None
        return None if is_earlier_key(self.counts_from) else self.counts_from


@dataclass(frozen=True)
class StageDates:
    number: int
    name: str
    starts: datetime.date
    due: datetime.date
    timescale: str
    # "limit": the policy's own deadline; "review": the default review date of a
    # stage the policy leaves open; "immediately": the same day, whatever the calendar.
    due_basis: str
    milestones: list[MilestoneDate]

    @property
    def due_is_review(self) -> bool:
        """As `StageEpisode.due_is_review`: the date is a review date, not a deadline."""
        return self.due_basis == "review"


@dataclass(frozen=True)
class CapDate:
    stages: list[int]
    working_days: int
    due: datetime.date
    from_stage: int  # counted from the start of this stage: the first of them simulated


@dataclass(frozen=True)
class Simulation:
    pathway: str
    calendar: str
    start: datetime.date
    decided_on: datetime.date
    stages: list[StageDates]
    overall_cap: CapDate | None

    def as_json(self) -> dict:
        def convert(value):
            if isinstance(value, datetime.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: convert(v) for k, v in value.items()}
            if isinstance(value, list):
                return [convert(v) for v in value]
            return value

        return convert(asdict(self))


def _basis(timescale) -> str:
    if isinstance(timescale, NotFixed):
        return "review"
    if isinstance(timescale, Immediately):
        return "immediately"
    return "limit"


def due_date(
    timescale,
    anchor: datetime.date,
    calendar: WorkingCalendar,
    at: datetime.datetime | None = None,
) -> datetime.date | None:
    """When something with `timescale` counted from `anchor` falls due.

    "Immediately" is the anchor's own calendar day (a Good Friday is not moved to
    Tuesday), or the day `hours` after the moment `at` where the pack gives hours;
    without a moment, hours count from the start of the anchor day.
    An event (a milestone with no deadline of its own), or anything counted from a date
    not yet known, has none.
    """
    if isinstance(timescale, Event) or anchor is None:
        return None
    if isinstance(timescale, Immediately):
        if timescale.hours is None:
            return anchor
        if at is not None:
            return local_date(at + datetime.timedelta(hours=timescale.hours))
        return anchor + datetime.timedelta(days=timescale.hours // 24)
    return calendar.add_working_days(anchor, timescale_days(timescale))


def milestone_timescale(pack: Pack, number: int, key: str, immediate_rule: str | None = None):
    """The timescale a milestone runs to: an immediate rule's, where one applies, or its own."""
    if immediate_rule:
        return pack.immediate_rule(immediate_rule).timescale
    return next(m for m in pack.stage(number).milestones if m.id == key).timescale


def stage_dates(
    pack: Pack,
    number: int,
    starts: datetime.date,
    calendar: WorkingCalendar,
    immediate_rule: str | None = None,
    *,
    at: datetime.datetime | None = None,
    decided_on: datetime.date | None = None,
    earlier: dict[str, tuple[datetime.date | None, datetime.datetime | None]] | None = None,
) -> StageDates:
    """One stage's due date and milestones if it starts on `starts` (at the moment `at`).

    `immediate_rule` names one of the pack's immediate rules (e.g. Cambridgeshire's
    suspected non-accidental injury of an infant): its timescale then replaces the
    stage's and its milestones' own. `decided_on` is the disputed decision's date, for
    milestones that count from it (default: the stage's start). `earlier` holds the
    dates (and moments) of earlier stages' starts, ends and milestones met, by
    `earlier_key`; one missing (a stage the case skipped, a milestone never met) is
    counted from this stage's start instead.
    """
    stage = pack.stage(number)
    override = pack.immediate_rule(immediate_rule).timescale if immediate_rule else None
    anchors = {STAGE_START: (starts, at), DISPUTED_DECISION: (decided_on or starts, None)}
    milestones: list[MilestoneDate] = []
    # A milestone may count from one listed after it: resolve in dependency order.
    pending = list(stage.milestones)
    done: dict[str, MilestoneDate] = {}
    while pending:
        before = len(pending)
        for m in list(pending):
            key, words = m.anchor_key, counted_from(pack, number, m)
            if isinstance(m.counts_from, EarlierStage):
                if m.counts_from.key in (earlier or {}):
                    anchor, moment = earlier[m.counts_from.key]
                else:  # the case never had it: this stage's start stands in, and says so
                    anchor, moment = starts, at
                    key = STAGE_START
                    words = f"the start of stage {number} (in place of {words})"
            elif m.counts_from in anchors:
                anchor, moment = anchors[m.counts_from]
            elif m.counts_from in done:
                anchor, moment = done[m.counts_from].due, None
            else:
                continue
            # An event stays an event whatever rule shortens the deadlines.
            timescale = m.timescale if isinstance(m.timescale, Event) else override or m.timescale
            done[m.id] = MilestoneDate(
                m.id,
                m.name,
                timescale.describe(),
                due_date(timescale, anchor, calendar, moment),
                key,
                anchor,
                isinstance(timescale, Immediately),
                words,
                isinstance(timescale, Event),
                isinstance(timescale, WorkingDays),
            )
            pending.remove(m)
        if len(pending) == before:  # a cycle, which a validated pack cannot have
            raise ValueError(f"stage {number}: milestones count from each other in a cycle")
    milestones = [done[m.id] for m in stage.milestones]
    timescale = override or stage.timescale
    return StageDates(
        stage.number,
        stage.name,
        starts,
        due_date(timescale, starts, calendar, at),
        timescale.describe(),
        _basis(timescale),
        milestones,
    )


def simulate(
    pack: Pack,
    start: datetime.date,
    first_stage: int = 1,
    immediate_rule: str | None = None,
    decided_on: datetime.date | None = None,
) -> Simulation:
    calendar = get_calendar(pack.calendar, tuple(pack.closure_days))
    decided_on = decided_on or start
    stages: list[StageDates] = []
    starts = start
    earlier: dict[str, tuple[datetime.date | None, None]] = {}
    for stage in pack.stages:
        if stage.number >= first_stage:
            dates = stage_dates(
                pack,
                stage.number,
                starts,
                calendar,
                immediate_rule,
                decided_on=decided_on,
                earlier=earlier,
            )
            stages.append(dates)
            starts = dates.due
            earlier.update(simulated_events(dates))

    cap = None
    if pack.overall_cap:
        capped = [s for s in stages if s.number in pack.overall_cap.stages]
        if capped:
            cap = CapDate(
                pack.overall_cap.stages,
                pack.overall_cap.working_days,
                calendar.add_working_days(capped[0].starts, pack.overall_cap.working_days),
                capped[0].number,
            )
    return Simulation(pack.id, pack.calendar, start, decided_on, stages, cap)


def anchor_in_words(m: MilestoneDate, day: Callable[[datetime.date], str]) -> str:
    """What a simulated milestone counts from and on which day, as "within 2 working days
    of ..." continues: the one wording of the simulation page and `rpd pathway simulate`."""
    if m.anchor is None:  # counted from an event, whose date nobody knows yet
        return f"{m.counted_from} being met"
    if is_milestone_key(m.counts_from):
        return f"{m.counted_from} being met, if met on {day(m.anchor)}"
    return f"{m.counted_from} on {day(m.anchor)}"


def simulated_events(dates: StageDates) -> dict[str, tuple[datetime.date | None, None]]:
    """What later stages may count from, assuming the stage ends when it is due and each
    milestone is met on its due date (an event, with no date, leaves what counts from it
    with none either)."""
    events = {
        earlier_key(dates.number, "start"): (dates.starts, None),
        earlier_key(dates.number, "end"): (dates.due, None),
    }
    for m in dates.milestones:
        events[earlier_key(dates.number, milestone=m.id)] = (m.due, None)
    return events
