"""The figures a board asks for, for a period and some partnerships, each computed by the
database: aggregate queries that read the same on SQLite and PostgreSQL, never a loop over
cases in Python. Counts that read the same rows are one query of conditional counts.

Dates are the partnership's (Europe/London): a case raised at 00:30 BST on 1 April counts
in April. Working days are each partnership's own calendar (holidays and closure days),
counted when a stage or a case ended and kept on its row (`disagreements.facts`), paused
working days taken out (shared/POLICIES.md); drift over time reads how each case stood on
each morning from its open stretches, kept the same way. Medians and 90th percentiles are
a spreadsheet's (MEDIAN, PERCENTILE.INC: between the two values either side, in
proportion; the median of 0 and 6 is 3), from the values picked with ROW_NUMBER() over
each group: both databases have window functions, neither has the same percentile
function.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber

from rpd.disagreements.access import seen_whole_by_overseers
from rpd.disagreements.models import (
    Disagreement,
    Extension,
    Milestone,
    OpenStretch,
    PathwayVersion,
    Pause,
    StageEpisode,
    Status,
)
from rpd.notifications.sweep import start_of
from rpd.pathways.calendar import LONDON
from rpd.people.models import Agency, AgencyType, Partnership

from .register import drifting, overdue, quiet_since


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # the last day, included
    name: str

    @property
    def since(self) -> datetime.datetime:
        return start_of(self.start)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period."""
        return start_of(self.end + datetime.timedelta(days=1))

    def quarters(self) -> list[Period]:
        """The calendar quarters the period touches, each cut to the period."""
        out, year, q = [], self.start.year, (self.start.month - 1) // 3
        while True:
            first = datetime.date(year + (q // 4), (q % 4) * 3 + 1, 1)
            if first > self.end:
                return out
            following = datetime.date(year + ((q + 1) // 4), ((q + 1) % 4) * 3 + 1, 1)
            last = following - datetime.timedelta(days=1)
            out.append(
                Period(
                    max(first, self.start),
                    min(last, self.end),
                    f"Q{q % 4 + 1} {first.year}",
                )
            )
            q += 1

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        out, year, month = [], self.start.year, self.start.month
        while (first := datetime.date(year, month, 1)) <= self.end:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            last = datetime.date(year, month, 1) - datetime.timedelta(days=1)
            out.append(Period(max(first, self.start), min(last, self.end), f"{first:%b %Y}"))
        return out

    def drift_points(self, today: datetime.date) -> list[tuple[str, datetime.date]]:
        """The days drift is taken on: the last of each month of a period of up to a year,
        else of each quarter; none after today (the last one today where the period runs on)."""
        spans = self.months() if (self.end - self.start).days <= 366 else self.quarters()
        return [(s.name, min(s.end, today)) for s in spans if s.start <= today]

    def before(self) -> Period:
        """The same span a year earlier (year on year)."""

        def back(d: datetime.date) -> datetime.date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)

        return Period(back(self.start), back(self.end), f"{self.name} a year before")


@dataclass(frozen=True)
class Spread:
    """Working days for one group: how many cases, the median and the 90th percentile."""

    label: str
    cases: int
    median: int | float | None
    p90: int | float | None


def _days(value) -> int | float | None:
    """Working days to one decimal place, a whole number as one (3, not 3.0)."""
    if value is None:
        return None
    tenths = round(float(value), 1)
    return int(tenths) if tenths.is_integer() else tenths


@dataclass(frozen=True)
class DriftPoint:
    """The cases open on one day, and those of them overdue or drifting, as the deadline
    sweep would have found them that morning."""

    label: str
    day: datetime.date
    open: int
    overdue: int
    drifting: int


@dataclass(frozen=True)
class Reason:
    """A fast-track, pause or extension in the period, with the reason given for it as the
    partnership holds it (`reason_as_held`)."""

    partnership: str
    reference: str
    kind: str
    stage: str  # "1", or "1 to 3" for a fast-track
    on: datetime.date
    reason: str


ERASED = "Erased under the retention policy"
HELD_BACK = "Not shared with the partnership yet"
NONE_GIVEN = "None given"


def reason_as_held(text: str, seen_whole: bool, erased: bool) -> str:
    """A reason is free text about a case: quoted only where the partnership's oversight
    roles see the case whole, and gone once the case was erased (ADR 017)."""
    if erased:
        return ERASED
    if not seen_whole:
        return HELD_BACK
    return text or NONE_GIVEN


@dataclass
class Figures:
    period: Period
    partnerships: list[Partnership]
    raised: int = 0
    resolved: int = 0
    withdrawn: int = 0
    open_at_end: int = 0
    by_stage_reached: dict[int, int] = field(default_factory=dict)
    by_stage_resolved: dict[int, int] = field(default_factory=dict)
    # {(raising agency name, receiving agency name): cases}
    agency_pairs: dict[tuple[str, str], int] = field(default_factory=dict)
    categories: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    by_category: dict[str, int] = field(default_factory=dict)
    quarters: list[Period] = field(default_factory=list)
    category_trend: dict[str, list[int]] = field(default_factory=dict)
    to_resolution: list[Spread] = field(default_factory=list)  # by stage resolved at, then all
    in_stage: list[Spread] = field(default_factory=list)  # working days spent in each stage
    milestones_due: int = 0
    milestones_on_time: int = 0
    milestones_late: int = 0
    milestones_missed: int = 0
    fast_tracks: int = 0
    pauses: int = 0
    working_days_paused: int = 0
    extensions: int = 0
    # (kind, the stage or route, how many): fast-tracks by the stage they left (or "raised
    # at") and went to; pauses and extensions by the stage they were at.
    changes_by_stage: list[tuple[str, str, int]] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)  # all, or the newest (`figures`)
    raised_none: list[str] = field(default_factory=list)
    raised_against_none: list[str] = field(default_factory=list)
    drifting_now: int = 0
    overdue_now: int = 0
    drift: list[DriftPoint] = field(default_factory=list)
    today: datetime.date | None = None  # the day they were taken: the last point may be it

    @property
    def reasons_given(self) -> int:
        """Every fast-track, pause and extension of the period has a reason: how many, when
        `reasons` lists only the newest."""
        return self.fast_tracks + self.pauses + self.extensions

    # Figures of the day the report is made, not of its period: no year-on-year value.
    OF_TODAY = ("Drifting now", "Overdue now")

    def headline(self) -> list[tuple[str, int]]:
        """The single numbers, as the report's first rows read them (`Raised,14`)."""
        return [
            ("Raised", self.raised),
            ("Resolved", self.resolved),
            ("Withdrawn", self.withdrawn),
            ("Open at the end", self.open_at_end),
            ("Milestones due", self.milestones_due),
            ("Milestones met on time", self.milestones_on_time),
            ("Milestones met late", self.milestones_late),
            ("Milestones missed", self.milestones_missed),
            ("Fast-tracked stages", self.fast_tracks),
            ("Pauses", self.pauses),
            ("Working days paused", self.working_days_paused),
            ("Extensions", self.extensions),
            ("Drifting now", self.drifting_now),
            ("Overdue now", self.overdue_now),
        ]


def figures(
    partnerships: list[Partnership],
    period: Period,
    today: datetime.date,
    *,
    reasons: int | None = None,
) -> Figures:
    """Every figure for `period` across `partnerships` (one, or a region's); with
    `reasons`, only that many of the newest reasons given are listed (a page), and
    otherwise all of them (an export, the annual report)."""
    ids = [p.pk for p in partnerships]
    f = Figures(period, partnerships, today=today)
    f.quarters = period.quarters()
    raised_under = _cases(f, ids, today)
    f.categories = _categories(partnerships, raised_under)
    _by_category(f, ids)
    f.to_resolution, f.in_stage = _spreads(ids, period)
    _milestones(f, ids, period, today)
    _changes(f, ids, period, reasons)
    f.drift = _drift(partnerships, period.drift_points(today))
    return f


def _cases(f: Figures, ids: list[int], today: datetime.date) -> set[int]:
    """Every count of the cases themselves, in one pass over them: conditional counts for
    each group of stage, raising and receiving agency and pathway version, added up here
    into the totals, the stages, the agency pairs and the agencies that raised nothing or
    had nothing raised against them. Returns the pathway versions cases were raised under."""
    period = f.period
    raised = Q(raised_at__gte=period.since, raised_at__lt=period.until)
    closed = Q(closed_at__gte=period.since, closed_at__lt=period.until)
    groups = (
        Disagreement.objects.filter(partnership_id__in=ids)
        .order_by()
        .values_list("stage", "raising_agency_id", "receiving_agency_id", "pathway_id")
        .annotate(
            raised=Count("pk", filter=raised),
            resolved=Count("pk", filter=Q(status=Status.RESOLVED) & closed),
            withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN) & closed),
            open_at_end=Count(
                "pk",
                filter=Q(raised_at__lt=period.until)
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=period.until)),
            ),
            drifting_now=Count("pk", filter=drifting(f.partnerships, today)),
            overdue_now=Count("pk", filter=overdue(today)),
        )
    )
    pairs: dict[tuple[int, int], int] = {}
    raised_under: set[int] = set()
    for stage, raising, receiving, pathway, n, resolved, withdrawn, *now in groups:
        f.raised += n
        f.resolved += resolved
        f.withdrawn += withdrawn
        f.open_at_end += now[0]
        f.drifting_now += now[1]
        f.overdue_now += now[2]
        if n:
            f.by_stage_reached[stage] = f.by_stage_reached.get(stage, 0) + n
            pairs[raising, receiving] = pairs.get((raising, receiving), 0) + n
            raised_under.add(pathway)
        if resolved:
            f.by_stage_resolved[stage] = f.by_stage_resolved.get(stage, 0) + resolved
    # "Nobody can see which agencies never escalate" (Hillingdon): the partnerships' agencies
    # that raised no case in the period, and those no case was raised against; and the
    # names of every agency of a pair.
    serving = Agency.partnerships.through.objects.filter(
        agency_id=OuterRef("pk"), partnership_id__in=ids
    )
    agencies = (
        Agency.objects.filter(Exists(serving) | Q(pk__in={a for pair in pairs for a in pair}))
        .annotate(serving=Exists(serving))
        .order_by("name")
        .values_list("pk", "name", "type", "serving")
    )
    raisers, receivers = {a for a, _ in pairs}, {b for _, b in pairs}
    names = {}
    for pk, name, kind, serves in agencies:
        names[pk] = name
        if serves and kind != AgencyType.PARTNERSHIP:
            if pk not in raisers:
                f.raised_none.append(name)
            if pk not in receivers:
                f.raised_against_none.append(name)
    for (a, b), n in pairs.items():
        key = (names[a], names[b])
        f.agency_pairs[key] = f.agency_pairs.get(key, 0) + n
    return raised_under


def _categories(partnerships, raised_under: set[int]) -> list[tuple[str, str]]:
    """The categories of the partnerships' pathways in use and of every version the cases
    of the period were raised under, by name."""
    packs = [p.pathway_entry().pack for p in partnerships]
    packs += [v.pack for v in PathwayVersion.objects.filter(pk__in=raised_under)]
    found: dict[str, str] = {}
    for pack in packs:
        for c in pack.categories:
            found.setdefault(c.id, c.name)
    return sorted(found.items(), key=lambda c: c[1])


def _by_category(f: Figures, ids: list[int]) -> None:
    """Cases raised in the period in each category, and in each quarter: counted by the
    database for each set of categories a case was given, added up here by category."""
    if not f.categories:
        return
    period = f.period
    quarters = {
        f"q{j}": Count("pk", filter=Q(raised_at__gte=q.since, raised_at__lt=q.until))
        for j, q in enumerate(f.quarters)
    }
    chosen = (
        Disagreement.objects.filter(
            partnership_id__in=ids, raised_at__gte=period.since, raised_at__lt=period.until
        )
        .order_by()
        .values_list("categories")
        .annotate(n=Count("pk"), **quarters)
    )
    wanted = {cid for cid, _ in f.categories}
    f.by_category = dict.fromkeys(wanted, 0)
    f.category_trend = {cid: [0] * len(f.quarters) for cid in wanted}
    for categories, n, *by_quarter in chosen:
        for cid in set(categories or ()) & wanted:
            f.by_category[cid] += n
            trend = f.category_trend[cid]
            f.category_trend[cid] = [a + b for a, b in zip(trend, by_quarter, strict=True)]


def _spreads(ids: list[int], period: Period) -> tuple[list[Spread], list[Spread]]:
    """Working days from raising to resolution (by the stage resolved at, then every
    stage) and in each stage (for the stages that ended in the period), each as how many,
    the median and the 90th percentile: one query over the working days each case and
    each stage took, as they were counted when it ended."""
    ended = StageEpisode.objects.filter(
        partnership_id__in=ids,
        ended_at__gte=period.since,
        ended_at__lt=period.until,
    ).order_by()
    parts = [ended.values_list(Value(2), "number", "working_days_taken")]
    for pk in ids:
        # Each partnership's read down its own range of (partnership, closed_at): given the
        # list of them, SQLite took the status index and read every partnership's resolved
        # cases (300 ms for a region of three at 100,000 cases).
        resolved = Disagreement.objects.filter(
            partnership_id=pk,
            status=Status.RESOLVED,
            closed_at__gte=period.since,
            closed_at__lt=period.until,
        ).order_by()
        parts += [
            resolved.values_list(Value(0), "stage", "working_days_taken"),
            resolved.values_list(Value(1), Value(0), "working_days_taken"),
        ]
    spans = parts[0].union(*parts[1:], all=True)
    spans_sql, params = spans.query.sql_with_params()
    sql = f"""
        WITH spans (kind, grp, n) AS ({spans_sql}),
        ranked AS (
            SELECT kind, grp, n, ROW_NUMBER() OVER (PARTITION BY kind, grp ORDER BY n) AS r,
                COUNT(*) OVER (PARTITION BY kind, grp) AS c
            FROM spans
        )
        SELECT kind, grp, MAX(c),
            (MIN(CASE WHEN r = (c + 1) / 2 THEN n END)
                + MIN(CASE WHEN r = c / 2 + 1 THEN n END)) / 2.0,
            MIN(CASE WHEN r = 1 + 9 * (c - 1) / 10 THEN n END)
                + (9 * (MAX(c) - 1) / 10.0 - 9 * (MAX(c) - 1) / 10) * (
                    MIN(CASE WHEN r = 1 + (9 * (c - 1) + 9) / 10 THEN n END)
                    - MIN(CASE WHEN r = 1 + 9 * (c - 1) / 10 THEN n END))
        FROM ranked GROUP BY kind, grp ORDER BY kind, grp"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    labels = {0: "Resolved at stage {}", 1: "Every stage", 2: "Stage {}"}
    spreads = {0: [], 1: [], 2: []}
    for kind, group, cases, median, p90 in rows:
        spreads[kind].append(Spread(labels[kind].format(group), cases, _days(median), _days(p90)))
    return spreads[0] + spreads[1], spreads[2]


def _milestones(f: Figures, ids: list[int], period: Period, today: datetime.date) -> None:
    """Milestones due in the period: met by the end of their due day, met after it, or not
    met and past due. A milestone with no date yet (waiting for another) is not counted."""
    due = Milestone.objects.filter(
        partnership_id__in=ids,
        due__gte=period.start,
        due__lte=period.end,
    )
    counts = due.aggregate(
        n_due=Count("pk"),
        on_time=Count("pk", filter=Q(met_on__lte=F("due"))),
        late=Count("pk", filter=Q(met_on__gt=F("due"))),
        missed=Count("pk", filter=Q(met_at__isnull=True, due__lt=today)),
    )
    f.milestones_due = counts["n_due"]
    f.milestones_on_time = counts["on_time"]
    f.milestones_late = counts["late"]
    f.milestones_missed = counts["missed"]


def _changes(f: Figures, ids: list[int], period: Period, newest: int | None) -> None:
    """Fast-tracks, pauses and extensions in the period, listed with their reasons and
    counted by stage and route, in one query. A fast-track is a stage entered with
    no stage before it on the case: a raise above stage 1, or a jump past one
    (transitions' fast_track); its reason is the case's (the latest fast-track's).

    With `newest`, only the newest that many are listed: the database sends the newest
    that many of each stage or route, among which are the newest of all, and its counts
    of every row (a region's year holds thousands, which a page drew as a table that
    no one reads to the end)."""
    from rpd.dataprotection.models import Erasure

    whole = Disagreement.objects.filter(seen_whole_by_overseers(), pk=OuterRef("disagreement_id"))
    erased = Erasure.objects.filter(disagreement_id=OuterRef("disagreement_id"))
    before = StageEpisode.objects.filter(
        disagreement_id=OuterRef("disagreement_id"), number__lt=OuterRef("number")
    ).order_by("-number")
    skipped = StageEpisode.objects.filter(
        disagreement_id=OuterRef("disagreement_id"), number=OuterRef("number") - 1
    )
    fast = (
        StageEpisode.objects.filter(
            partnership_id__in=ids,
            number__gt=1,
            started_at__gte=period.since,
            started_at__lt=period.until,
        )
        .filter(~Exists(skipped))
        .annotate(from_stage=Subquery(before.values("number")[:1], output_field=IntegerField()))
        .order_by()
    )
    pauses = Pause.objects.filter(
        partnership_id__in=ids,
        paused_on__gte=period.start,
        paused_on__lte=period.end,
    ).order_by()
    extensions = (
        Extension.objects.filter(
            partnership_id__in=ids,
            agreed_at__gte=period.since,
            agreed_at__lt=period.until,
        )
        .annotate(disagreement_id=F("episode__disagreement_id"))
        .order_by()
    )

    # Each row carries how many of its kind share its stage (or route), and for a pause the
    # working days they paused: counted by the database over the rows it lists.
    def counted(*by: str, when: str, days: str | None = None) -> dict:
        group = [F(name) for name in by]
        paused = Window(Sum(days), partition_by=group) if days else Value(0)
        found = {"n": Window(Count("pk"), partition_by=group), "days": paused}
        if newest is not None:
            newer = [F(when).desc(), F("disagreement_id").desc(), F("pk").desc()]
            found["rank"] = Window(RowNumber(), partition_by=group, order_by=newer)
        return found

    def listed(rows):
        return rows if newest is None else rows.filter(rank__lte=newest)

    # Nothing, typed (Cast): a bare NULL read through the subquery a page's newest are
    # picked in is text to PostgreSQL, which cannot be set beside a stage or a date.
    quoted = {"whole": Exists(whole), "erased": Exists(erased)}
    rows = (
        listed(fast.annotate(**quoted, **counted("from_stage", "number", when="started_at")))
        .values_list(
            Value("Fast-track"),
            "partnership__name",
            "disagreement__reference",
            "from_stage",
            "number",
            "started_at",
            Cast(None, DateField()),
            "disagreement__fast_track_reason",
            "whole",
            "erased",
            "n",
            "days",
        )
        .union(
            listed(
                pauses.annotate(
                    **quoted,
                    **counted("episode__number", when="paused_on", days="working_days_paused"),
                )
            ).values_list(
                Value("Pause"),
                "partnership__name",
                "disagreement__reference",
                # Left from no stage: only a fast-track leaves one.
                Cast(None, IntegerField()),
                "episode__number",
                Cast(None, DateTimeField()),
                "paused_on",
                "reason",
                "whole",
                "erased",
                "n",
                "days",
            ),
            listed(
                extensions.annotate(**quoted, **counted("episode__number", when="agreed_at"))
            ).values_list(
                Value("Extension"),
                "partnership__name",
                "episode__disagreement__reference",
                # Left from no stage: only a fast-track leaves one.
                Cast(None, IntegerField()),
                "episode__number",
                "agreed_at",
                Cast(None, DateField()),
                "reason",
                "whole",
                "erased",
                "n",
                "days",
            ),
            all=True,
        )
    )
    groups: dict[tuple, tuple[int, int]] = {}
    given = []
    for kind, partnership, reference, leaving, entered, at, on, text, seen, gone, n, days in rows:
        # When it happened, to find the newest: a pause has a day, the others a time.
        when = at if at is not None else start_of(on)
        on = at.astimezone(LONDON).date() if at is not None else on
        groups[kind, leaving, entered] = (n, days or 0)
        if kind != "Fast-track":
            stage = str(entered)
        else:
            stage = f"Raised at {entered}" if leaving is None else f"{leaving} to {entered}"
        reason = reason_as_held(text, seen, gone)
        given.append((when, Reason(partnership, reference, kind, stage, on, reason)))
    if newest is not None:
        given = sorted(given, key=lambda g: g[0], reverse=True)[:newest]
    f.reasons = [reason for _, reason in given]
    routes = sorted((k for k in groups if k[0] == "Fast-track"), key=lambda k: (k[1] or 0, k[2]))
    for key in routes:
        _, leaving, entered = key
        route = f"Raised at stage {entered}" if leaving is None else f"Stage {leaving} to {entered}"
        f.changes_by_stage.append(("Fast-track", route, groups[key][0]))
        f.fast_tracks += groups[key][0]
    for kind in ("Pause", "Extension"):
        for key in sorted((k for k in groups if k[0] == kind), key=lambda k: k[2]):
            n, days = groups[key]
            f.changes_by_stage.append((kind, f"At stage {key[2]}", n))
            if kind == "Pause":
                f.pauses += n
                f.working_days_paused += days
            else:
                f.extensions += n
    f.reasons.sort(key=lambda r: (r.on, r.reference, r.kind))


def _drift(partnerships, points) -> list[DriftPoint]:
    """Drift over time ("every effort should be made ... to ensure that the process does not
    drift", Stoke-on-Trent): on the morning of each point's day D, the cases open and not
    paused, those whose stage then running was due before D, and those with no transition
    in the drift threshold's working days before D (on their partnership's calendar), as
    the deadline sweep would have found them.

    How each case stood is kept as stretches of days alike (`facts.stretches`): the
    partnerships' stretches that reach the first point, each joined to the points whose
    day it holds and counted by point; a case's stretches never overlap, so each is one
    case. The points are a small table of rows (partnership, point, day, first quiet day),
    each partnership with its own calendar's quiet day: written as a count per point and
    partnership, the query was so long that PostgreSQL took longer to plan it than to run
    it (13 ms for a region of three with no rows at all)."""
    if not points:
        return []
    first = min(day for _, day in points)
    last = max(day for _, day in points)
    adapt = connection.ops.adapt_datefield_value
    table = connection.ops.quote_name(OpenStretch._meta.db_table)
    ids = [p.pk for p in partnerships]
    rows, params = [], []
    for p in partnerships:
        for i, (_, day) in enumerate(points):
            rows.append("(%s, %s, %s, %s)")
            params += [p.pk, i, adapt(day), adapt(quiet_since(p, day))]
    within = ", ".join(["%s"] * len(ids))
    columns = "partnership_id, first_day, last_day, last_active, due"
    # Those on still and those that end in the period or after, each an index range (as
    # one condition, SQLite read all of the partnerships' stretches).
    sql = f"""
        WITH points (partnership_id, i, day, quiet) AS (VALUES {", ".join(rows)}),
        reaching AS (
            SELECT {columns} FROM {table}
            WHERE partnership_id IN ({within}) AND first_day <= %s AND last_day IS NULL
            UNION ALL
            SELECT {columns} FROM {table}
            WHERE partnership_id IN ({within}) AND first_day <= %s AND last_day >= %s
        )
        SELECT points.i, COUNT(*),
            SUM(CASE WHEN s.due < points.day THEN 1 ELSE 0 END),
            SUM(CASE WHEN s.last_active IS NULL OR s.last_active < points.quiet
                THEN 1 ELSE 0 END)
        FROM reaching s JOIN points ON points.partnership_id = s.partnership_id
            AND s.first_day <= points.day AND (s.last_day IS NULL OR s.last_day >= points.day)
        GROUP BY points.i"""
    params += [*ids, adapt(last), *ids, adapt(last), adapt(first)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = {i: (n, overdue_, drifting_) for i, n, overdue_, drifting_ in cursor.fetchall()}
    return [
        DriftPoint(label, day, *counted.get(i, (0, 0, 0))) for i, (label, day) in enumerate(points)
    ]
