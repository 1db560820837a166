"""Figures for a period: every figure the database computes is computed again here, from
the plan of a known mix of 2,400 cases across three years, and the two compared."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from dataclasses import astuple

import pytest

from rpd.disagreements.models import Status
from rpd.oversight.figures import Period, figures
from rpd.oversight.forms import quarter_of
from rpd.people.demo import build_partnership

from . import mix

pytestmark = pytest.mark.django_db

TODAY = mix.local(mix.NOW)


@pytest.fixture
def built():
    demo = build_partnership("stoke-on-trent")
    cases = mix.plan(demo, 2400, seed=19)
    mix.write(demo, cases)
    return demo, cases


def inside(at, period: Period) -> bool:
    return at is not None and period.start <= mix.local(at) <= period.end


def as_shown(value: float):
    """As the page gives working days: to one decimal place, whole numbers whole."""
    tenths = round(float(value), 1)
    return int(tenths) if tenths.is_integer() else tenths


def ninetieth(values: list[int]):
    """A spreadsheet's PERCENTILE.INC(values, 0.9): Python's inclusive quantiles."""
    if len(values) == 1:
        return as_shown(values[0])
    return as_shown(statistics.quantiles(values, n=10, method="inclusive")[-1])


def working_days(calendar, first: datetime.date, last: datetime.date) -> int:
    """Working days d with first < d <= last, counted one day at a time."""
    days, d = 0, first
    while d < last:
        d += datetime.timedelta(days=1)
        days += calendar.is_working_day(d)
    return days


def spread(values):
    return (len(values), as_shown(statistics.median(values)), ninetieth(values))


def drift(demo, cases, period: Period) -> list[tuple]:
    """Each point's open, overdue and drifting cases, one case and one day at a time."""
    from rpd.notifications.sweep import start_of
    from rpd.oversight.register import drifting_before

    out = []
    for label, day in period.drift_points(TODAY):
        at, quiet_since = start_of(day), drifting_before(demo.partnership, day)
        counts = [0, 0, 0]
        for c in cases:
            if not (c.raised_at < at and (c.closed_at is None or c.closed_at >= at)):
                continue
            paused = [s for s in c.stages if s.pause_on and s.pause_on < day]
            if any(
                c.status == Status.PAUSED
                and s is c.stages[-1]
                or mix.local(s.ended_at or mix.NOW) >= day
                for s in paused
            ):
                continue
            counts[0] += 1
            now = [
                s
                for s in c.stages
                if s.started_at < at and (s.ended_at is None or s.ended_at >= at)
            ]
            if now:
                s = now[0]
                due = mix.local(s.started_at) + datetime.timedelta(days=7)
                if s.extension_at and s.extension_at >= at:
                    due -= datetime.timedelta(days=5)
                counts[1] += due < day
            counts[2] += not any(quiet_since <= t < at for t in c.transitions())
        out.append((label, day, *counts))
    return out


def changes(demo, cases, period: Period) -> tuple[list, list]:
    """Fast-tracks by route, pauses and extensions by stage, and each with its reason as the
    partnership holds it: quoted where it was told of the case, gone where erased."""
    from rpd.oversight.figures import ERASED, HELD_BACK

    name = demo.partnership.name
    routes, paused, extended, reasons = Counter(), Counter(), Counter(), []

    def held(c, text):
        return ERASED if c.erased else text if c.told else HELD_BACK

    for c in cases:
        for i, s in enumerate(c.stages):
            before = c.stages[i - 1].number if i else None
            if s.number > 1 and inside(s.started_at, period) and before != s.number - 1:
                routes[(before, s.number)] += 1
                stage = f"Raised at {s.number}" if before is None else f"{before} to {s.number}"
                on = mix.local(s.started_at)
                reasons.append((name, c.reference, "Fast-track", stage, on,
                                held(c, c.fast_track_reason)))  # fmt: skip
            if s.pause_on and period.start <= s.pause_on <= period.end:
                paused[s.number] += 1
                reasons.append((name, c.reference, "Pause", str(s.number), s.pause_on,
                                held(c, mix.pause_reason(c, s))))  # fmt: skip
            if inside(s.extension_at, period):
                extended[s.number] += 1
                on, text = mix.local(s.extension_at), held(c, mix.extension_reason(c, s))
                reasons.append((name, c.reference, "Extension", str(s.number), on, text))
    by_stage = [
        ("Fast-track", f"Raised at stage {b}" if a is None else f"Stage {a} to {b}", n)
        for (a, b), n in sorted(routes.items(), key=lambda r: (r[0][0] or 0, r[0][1]))
    ]
    by_stage += [("Pause", f"At stage {k}", n) for k, n in sorted(paused.items())]
    by_stage += [("Extension", f"At stage {k}", n) for k, n in sorted(extended.items())]
    return by_stage, sorted(reasons)


def expected(demo, cases, period: Period) -> dict:
    calendar = demo.partnership.working_calendar()
    names = {key: agency.name for key, agency in demo.agencies.items()}
    raised = [c for c in cases if inside(c.raised_at, period)]
    resolved = [c for c in cases if c.status == Status.RESOLVED and inside(c.closed_at, period)]
    until = period.until
    to_resolution: dict[int, list[int]] = {}
    for c in resolved:
        days = working_days(calendar, mix.local(c.raised_at), mix.local(c.closed_at))
        days -= sum(s.paused for s in c.stages)
        to_resolution.setdefault(c.stage, []).append(days)
    in_stage: dict[int, list[int]] = {}
    for c in cases:
        for s in c.stages:
            if inside(s.ended_at, period):
                days = working_days(calendar, mix.local(s.started_at), mix.local(s.ended_at))
                in_stage.setdefault(s.number, []).append(days - s.paused)
    stages = [s for c in cases for s in c.stages]
    due = [s for s in stages if s.milestone_due and period.start <= s.milestone_due <= period.end]
    quarters = period.quarters()
    all_days = [d for values in to_resolution.values() for d in values]
    fast = sum(
        1
        for c in cases
        for i, s in enumerate(c.stages)
        if s.number > 1
        and inside(s.started_at, period)
        and (i == 0 or c.stages[i - 1].number != s.number - 1)
    )
    return {
        "raised": len(raised),
        "resolved": len(resolved),
        "withdrawn": sum(
            1 for c in cases if c.status == Status.WITHDRAWN and inside(c.closed_at, period)
        ),
        "open_at_end": sum(
            1
            for c in cases
            if c.raised_at < until and (c.closed_at is None or c.closed_at >= until)
        ),
        "by_stage_reached": dict(Counter(c.stage for c in raised)),
        "by_stage_resolved": dict(Counter(c.stage for c in resolved)),
        "agency_pairs": dict(Counter((names[c.raising], names[c.receiving]) for c in raised)),
        "by_category": {
            cid: sum(cid in c.categories for c in raised)
            for cid in {x for c in cases for x in c.categories}
        },
        "category_trend": {
            cid: [
                sum(cid in c.categories and inside(c.raised_at, q) for c in raised)
                for q in quarters
            ]
            for cid in {x for c in cases for x in c.categories}
        },  # fmt: skip
        "to_resolution": [
            (f"Resolved at stage {n}", *spread(v)) for n, v in sorted(to_resolution.items())
        ]
        + ([("Every stage", *spread(all_days))] if all_days else []),  # fmt: skip
        "in_stage": [(f"Stage {n}", *spread(v)) for n, v in sorted(in_stage.items())],
        "milestones_due": len(due),
        "milestones_on_time": sum(
            1 for s in due if s.milestone_met and mix.local(s.milestone_met) <= s.milestone_due
        ),
        "milestones_late": sum(
            1 for s in due if s.milestone_met and mix.local(s.milestone_met) > s.milestone_due
        ),
        "milestones_missed": sum(
            1 for s in due if s.milestone_met is None and s.milestone_due < TODAY
        ),
        "fast_tracks": fast,
        "pauses": sum(1 for s in stages if s.pause_on and period.start <= s.pause_on <= period.end),
        "working_days_paused": sum(
            s.paused for s in stages if s.pause_on and period.start <= s.pause_on <= period.end
        ),
        "extensions": sum(1 for s in stages if inside(s.extension_at, period)),
        "raised_none": sorted(
            n for k, n in names.items() if not any(c.raising == k for c in raised)
        ),
        "raised_against_none": sorted(
            n for k, n in names.items() if not any(c.receiving == k for c in raised)
        ),
        "drift": drift(demo, cases, period),
        "changes_by_stage": changes(demo, cases, period)[0],
        "reasons": changes(demo, cases, period)[1],
        "overdue_now": sum(
            1 for c in cases if c.status == Status.OPEN and c.next_due and c.next_due < TODAY
        ),
    }


PERIODS = [
    Period(*quarter_of(2025, 2)),
    Period(*quarter_of(2024, 1)),
    Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), "2025"),
    Period(datetime.date(2024, 3, 31), datetime.date(2026, 10, 25), "over clock changes"),
    Period(datetime.date(2023, 1, 1), datetime.date(2023, 12, 31), "a year before any case"),
]  # fmt: skip


def test_every_figure_for_a_quarter_a_year_and_a_range_is_what_the_cases_add_up_to(built):
    demo, cases = built
    assert len(cases) >= 2000
    for period in PERIODS:
        got = figures([demo.partnership], period, TODAY)
        want = expected(demo, cases, period)
        for name, value in want.items():
            actual = getattr(got, name)
            if name in ("to_resolution", "in_stage"):
                actual = [(s.label, s.cases, s.median, s.p90) for s in actual]
            if name == "reasons":
                actual = sorted(astuple(r) for r in actual)
            if name == "drift":
                actual = [(p.label, p.day, p.open, p.overdue, p.drifting) for p in actual]
            if name in ("by_category", "category_trend"):
                actual = {k: v for k, v in actual.items() if k in value}
            assert actual == value, (period.name, name)
    # The mix reaches every stage, outcome and year it is meant to.
    year = figures([demo.partnership], PERIODS[2], TODAY)
    assert set(year.by_stage_reached) == {1, 2, 3, 4, 5} and year.resolved > 300
    assert year.fast_tracks and year.pauses and year.extensions and year.milestones_late
    assert len(year.drift) == 12 and all(p.overdue and p.drifting < p.open for p in year.drift)
    assert any(0 < p.drifting for p in year.drift)
    # Every way a reason is held shows: quoted, not shared yet, erased.
    from rpd.oversight.figures import ERASED, HELD_BACK

    every = figures([demo.partnership], PERIODS[3], TODAY)
    held = {r.reason for r in every.reasons}
    assert {ERASED, HELD_BACK} < held and any(r.startswith("Paused at") for r in held)
    assert any(r.startswith("Fast-tracked") for r in held)
    # A region's year gives thousands of reasons: a page lists the newest, and counts
    # (and the exports list) all of them.
    newest = figures([demo.partnership], PERIODS[3], TODAY, reasons=5)
    assert every.reasons_given == len(every.reasons) > 5
    assert len(newest.reasons) == 5 and newest.reasons_given == every.reasons_given
    assert set(newest.reasons) < set(every.reasons)
    left_out = set(every.reasons) - set(newest.reasons)
    assert max(r.on for r in left_out) <= min(r.on for r in newest.reasons)
    # Each route and stage counted as before, and listed oldest first, as the export is.
    assert newest.changes_by_stage == every.changes_by_stage
    assert newest.reasons == sorted(newest.reasons, key=lambda r: (r.on, r.reference, r.kind))
