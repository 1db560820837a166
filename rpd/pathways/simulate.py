"""'If it were raised on this day...': every stage and milestone of a pathway with its date.

Assumes each stage runs its full timescale and the next starts on the day the
previous one is due. A stage the policy leaves open runs for the
partnership's default review interval, and the result says so.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from .calendar import WorkingCalendar, get_calendar
from .schema import Immediately, NotFixed, Pack, timescale_days


@dataclass(frozen=True)
class MilestoneDate:
    id: str
    name: str
    timescale: str
    due: datetime.date


@dataclass(frozen=True)
class StageDates:
    number: int
    name: str
    starts: datetime.date
    due: datetime.date
    timescale: str
    # "limit": the policy's own deadline; "review": the default review date of a
    # stage the policy leaves open; "immediately": the same working day.
    due_basis: str
    milestones: list[MilestoneDate]


@dataclass(frozen=True)
class CapDate:
    stages: list[int]
    working_days: int
    due: datetime.date


@dataclass(frozen=True)
class Simulation:
    pathway: str
    calendar: str
    start: datetime.date
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


def stage_dates(
    pack: Pack,
    number: int,
    starts: datetime.date,
    calendar: WorkingCalendar,
    immediate_rule: str | None = None,
) -> StageDates:
    """One stage's due date and milestones if it starts on `starts`.

    `immediate_rule` names one of the pack's immediate rules (e.g. Cambridgeshire's
    suspected non-accidental injury of an infant): its timescale then replaces the
    stage's and its milestones' own.
    """
    stage = pack.stage(number)
    override = pack.immediate_rule(immediate_rule).timescale if immediate_rule else None
    milestones = [
        MilestoneDate(
            m.id,
            m.name,
            (override or m.timescale).describe(),
            calendar.add_working_days(starts, timescale_days(override or m.timescale)),
        )
        for m in stage.milestones
    ]
    timescale = override or stage.timescale
    return StageDates(
        stage.number,
        stage.name,
        starts,
        calendar.add_working_days(starts, timescale_days(timescale)),
        timescale.describe(),
        _basis(timescale),
        milestones,
    )


def simulate(
    pack: Pack, start: datetime.date, first_stage: int = 1, immediate_rule: str | None = None
) -> Simulation:
    calendar = get_calendar(pack.calendar, tuple(pack.closure_days))
    stages: list[StageDates] = []
    starts = start
    for stage in pack.stages:
        if stage.number >= first_stage:
            stages.append(stage_dates(pack, stage.number, starts, calendar, immediate_rule))
            starts = stages[-1].due

    cap = None
    if pack.overall_cap:
        capped = [s for s in stages if s.number in pack.overall_cap.stages]
        if capped:
            cap = CapDate(
                pack.overall_cap.stages,
                pack.overall_cap.working_days,
                calendar.add_working_days(capped[0].starts, pack.overall_cap.working_days),
            )
    return Simulation(pack.id, pack.calendar, start, stages, cap)
