"""The figures a board asks for, for a period and some partnerships, each computed by the
database: aggregate queries that read the same on SQLite and PostgreSQL, never a loop over
cases in Python.

Dates are the partnership's (Europe/London): a case raised at 00:30 BST on 1 April counts
in April. Working days are each partnership's own calendar (holidays and closure days),
handed to the database as a list of its working days for the span the query needs, so a
count of working days between two dates is a count of rows; paused working days
(`Pause.working_days_paused`) do not count (shared/POLICIES.md). Medians and 90th
percentiles are nearest-rank (the smallest value with at least that share of values at or
below it), picked with ROW_NUMBER() over each group: both databases have window
functions, neither has the same percentile function.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from rpd.disagreements.access import seen_whole_by_overseers
from rpd.disagreements.models import (
    Disagreement,
    Extension,
    Milestone,
    Pause,
    StageEpisode,
    Status,
)
from rpd.notifications.sweep import start_of
from rpd.pathways.calendar import LONDON
from rpd.people.models import Agency, AgencyType, Partnership

from .register import categories_text, drifting, drifting_before, has_category, overdue


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
    median: int | None
    p90: int | None


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
    reasons: list[Reason] = field(default_factory=list)
    raised_none: list[str] = field(default_factory=list)
    raised_against_none: list[str] = field(default_factory=list)
    drifting_now: int = 0
    overdue_now: int = 0
    drift: list[DriftPoint] = field(default_factory=list)

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


def figures(partnerships: list[Partnership], period: Period, today: datetime.date) -> Figures:
    """Every figure for `period` across `partnerships` (one, or a region's)."""
    ids = [p.pk for p in partnerships]
    cases = Disagreement.objects.filter(partnership_id__in=ids)
    raised = cases.filter(raised_at__gte=period.since, raised_at__lt=period.until)
    closed = cases.filter(closed_at__gte=period.since, closed_at__lt=period.until)
    f = Figures(period, partnerships)

    counts = cases.aggregate(
        raised=Count("pk", filter=Q(raised_at__gte=period.since, raised_at__lt=period.until)),
        resolved=Count(
            "pk",
            filter=Q(
                status=Status.RESOLVED, closed_at__gte=period.since, closed_at__lt=period.until
            ),
        ),
        withdrawn=Count(
            "pk",
            filter=Q(
                status=Status.WITHDRAWN, closed_at__gte=period.since, closed_at__lt=period.until
            ),
        ),
        open_at_end=Count(
            "pk",
            filter=Q(raised_at__lt=period.until)
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=period.until)),
        ),
        drifting_now=Count("pk", filter=drifting(partnerships, today)),
        overdue_now=Count("pk", filter=overdue(today)),
    )
    for name, value in counts.items():
        setattr(f, name, value)

    f.by_stage_reached = _grouped(raised, "stage")
    f.by_stage_resolved = _grouped(closed.filter(status=Status.RESOLVED), "stage")
    f.agency_pairs = {
        (a, b): n
        for a, b, n in raised.order_by()
        .values_list("raising_agency__name", "receiving_agency__name")
        .annotate(n=Count("pk"))
        .values_list("raising_agency__name", "receiving_agency__name", "n")
    }

    f.categories = _categories(partnerships, raised)
    f.quarters = period.quarters()
    if f.categories:
        with_text = raised.annotate(categories_text=categories_text())
        aggregates = {}
        for i, (cid, _) in enumerate(f.categories):
            aggregates[f"c{i}"] = Count("pk", filter=has_category(cid))
            for j, q in enumerate(f.quarters):
                aggregates[f"c{i}q{j}"] = Count(
                    "pk",
                    filter=has_category(cid) & Q(raised_at__gte=q.since, raised_at__lt=q.until),
                )
        got = with_text.aggregate(**aggregates)
        for i, (cid, _) in enumerate(f.categories):
            f.by_category[cid] = got[f"c{i}"]
            f.category_trend[cid] = [got[f"c{i}q{j}"] for j in range(len(f.quarters))]

    f.to_resolution = _to_resolution(partnerships, closed.filter(status=Status.RESOLVED), period)
    f.in_stage = _in_stage(partnerships, ids, period)
    _milestones(f, ids, period, today)

    _changes(f, ids, period)
    f.raised_none, f.raised_against_none = _under_use(ids, raised)
    f.drift = _drift(partnerships, ids, period.drift_points(today))
    return f


def _changes(f: Figures, ids: list[int], period: Period) -> None:
    """Fast-tracks, pauses and extensions in the period: counted, counted by stage and route,
    and listed with their reasons. A fast-track is a stage entered with no stage before it
    on the case: a raise above stage 1, or a jump past one (transitions' fast_track); its
    reason is the case's (the latest fast-track's)."""
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
            disagreement__partnership_id__in=ids,
            number__gt=1,
            started_at__gte=period.since,
            started_at__lt=period.until,
        )
        .filter(~Exists(skipped))
        .annotate(from_stage=Subquery(before.values("number")[:1]))
    )
    pauses = Pause.objects.filter(
        disagreement__partnership_id__in=ids,
        paused_on__gte=period.start,
        paused_on__lte=period.end,
    )
    extensions = Extension.objects.filter(
        episode__disagreement__partnership_id__in=ids,
        agreed_at__gte=period.since,
        agreed_at__lt=period.until,
    ).annotate(disagreement_id=F("episode__disagreement_id"))
    counted = pauses.aggregate(n=Count("pk"), days=Coalesce(Sum("working_days_paused"), 0))
    f.pauses, f.working_days_paused = counted["n"], counted["days"]

    by_route = fast.order_by().values_list("from_stage", "number").annotate(n=Count("pk"))
    f.fast_tracks = 0
    for leaving, entered, n in sorted(by_route, key=lambda r: (r[0] or 0, r[1])):
        route = f"Raised at stage {entered}" if leaving is None else f"Stage {leaving} to {entered}"
        f.changes_by_stage.append(("Fast-track", route, n))
        f.fast_tracks += n
    for kind, qs, stage in (
        ("Pause", pauses, "episode__number"),
        ("Extension", extensions, "episode__number"),
    ):
        for number, n in qs.order_by(stage).values_list(stage).annotate(n=Count("pk")):
            f.changes_by_stage.append((kind, f"At stage {number}", n))
    f.extensions = sum(n for kind, _, n in f.changes_by_stage if kind == "Extension")

    quoted = {"whole": Exists(whole), "erased": Exists(erased)}
    rows = [
        ("Fast-track", r)
        for r in fast.annotate(**quoted).values_list(
            "disagreement__partnership__name",
            "disagreement__reference",
            "from_stage",
            "number",
            "started_at",
            "disagreement__fast_track_reason",
            "whole",
            "erased",
        )  # fmt: skip
    ]
    rows += [
        ("Pause", r)
        for r in pauses.annotate(**quoted).values_list(
            "disagreement__partnership__name",
            "disagreement__reference",
            "episode__number",
            "episode__number",
            "paused_on",
            "reason",
            "whole",
            "erased",
        )  # fmt: skip
    ]
    rows += [
        ("Extension", r)
        for r in extensions.annotate(**quoted).values_list(
            "episode__disagreement__partnership__name",
            "episode__disagreement__reference",
            "episode__number",
            "episode__number",
            "agreed_at",
            "reason",
            "whole",
            "erased",
        )  # fmt: skip
    ]
    for kind, (partnership, reference, leaving, entered, at, text, seen, gone) in rows:
        on = at.astimezone(LONDON).date() if isinstance(at, datetime.datetime) else at
        if kind != "Fast-track":
            stage = str(entered)
        else:
            stage = f"Raised at {entered}" if leaving is None else f"{leaving} to {entered}"
        reason = reason_as_held(text, seen, gone)
        f.reasons.append(Reason(partnership, reference, kind, stage, on, reason))
    f.reasons.sort(key=lambda r: (r.on, r.reference, r.kind))


def _grouped(qs: QuerySet, column: str) -> dict:
    return dict(qs.order_by().values_list(column).annotate(n=Count("pk")).values_list(column, "n"))


def _categories(partnerships, raised: QuerySet) -> list[tuple[str, str]]:
    """The categories of the partnerships' pathways in use and of every version the cases
    of the period were raised under, by name."""
    from rpd.disagreements.models import PathwayVersion

    packs = [p.pathway_entry().pack for p in partnerships]
    versions = PathwayVersion.objects.filter(
        pk__in=raised.order_by().values("pathway_id").distinct()
    )
    packs += [v.pack for v in versions]
    found: dict[str, str] = {}
    for pack in packs:
        for c in pack.categories:
            found.setdefault(c.id, c.name)
    return sorted(found.items(), key=lambda c: c[1])


def _milestones(f: Figures, ids: list[int], period: Period, today: datetime.date) -> None:
    """Milestones due in the period: met by the end of their due day, met after it, or not
    met and past due. A milestone with no date yet (waiting for another) is not counted."""
    due = Milestone.objects.filter(
        episode__disagreement__partnership_id__in=ids,
        due__gte=period.start,
        due__lte=period.end,
    ).annotate(met_on=TruncDate("met_at", tzinfo=LONDON))
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


def _under_use(ids: list[int], raised: QuerySet) -> tuple[list[str], list[str]]:
    """The partnerships' agencies that raised no case in the period, and those no case was
    raised against: "nobody can see which agencies never escalate" (Hillingdon)."""
    agencies = (
        Agency.objects.filter(partnerships__in=ids)
        .exclude(type=AgencyType.PARTNERSHIP)
        .distinct()
        .order_by("name")
    )
    raised_by = raised.filter(raising_agency_id=OuterRef("pk"))
    raised_against = raised.filter(receiving_agency_id=OuterRef("pk"))
    rows = agencies.annotate(
        raised_any=Exists(raised_by), raised_against_any=Exists(raised_against)
    ).values_list("name", "raised_any", "raised_against_any")
    rows = list(rows)
    return [n for n, r, _ in rows if not r], [n for n, _, a in rows if not a]


def _drift(partnerships, ids: list[int], points) -> list[DriftPoint]:
    """Drift over time ("every effort should be made ... to ensure that the process does not
    drift", Stoke-on-Trent), one query for every point of every partnership: a list of
    (point, partnership, day, its first moment, the start of its drift window) joined to
    the cases open then, grouped by point.

    On the morning of each day D a case counts as open if raised before D and not closed
    by then, and not paused (paused on an earlier day, not resumed before D); as overdue
    if the stage it was at was due before D (the due date it had then: an extension
    agreed later is read back through its old date); as drifting if none of its
    transitions (the audit log's `disagreement.*` events, which `updated_at` follows) fell
    in the drift threshold's working days before D, on its partnership's calendar."""
    if not points:
        return []
    ops = connection.ops
    rows, params = [], []
    for i, (_, day) in enumerate(points):
        for p in partnerships:
            rows.append("(%s, %s, CAST(%s AS TEXT), %s, %s, %s)")
            params += [
                i,
                p.pk,
                f"disagreement:{p.slug}/",
                ops.adapt_datefield_value(day),
                ops.adapt_datetimefield_value(start_of(day)),
                ops.adapt_datetimefield_value(drifting_before(p, day)),
            ]
    sql = f"""
        WITH pts (i, p, prefix, day, at, quiet) AS (VALUES {", ".join(rows)})
        SELECT pts.i, COUNT(*),
            SUM(CASE WHEN EXISTS (
                SELECT 1 FROM disagreements_stageepisode e
                WHERE e.disagreement_id = d.id AND e.started_at < pts.at
                    AND (e.ended_at IS NULL OR e.ended_at >= pts.at)
                    AND COALESCE((
                        SELECT x.old_due FROM disagreements_extension x
                        WHERE x.episode_id = e.id AND x.agreed_at >= pts.at
                        ORDER BY x.agreed_at, x.id LIMIT 1
                    ), e.due) < pts.day
            ) THEN 1 ELSE 0 END),
            SUM(CASE WHEN NOT EXISTS (
                SELECT 1 FROM audit_event v
                WHERE v.target = pts.prefix || d.reference
                    AND v.action LIKE 'disagreement.%%'
                    AND v.at >= pts.quiet AND v.at < pts.at
            ) THEN 1 ELSE 0 END)
        FROM pts
        JOIN disagreements_disagreement d ON d.partnership_id = pts.p
            AND d.raised_at < pts.at AND (d.closed_at IS NULL OR d.closed_at >= pts.at)
        WHERE NOT EXISTS (
            SELECT 1 FROM disagreements_pause u
            WHERE u.disagreement_id = d.id AND u.paused_on < pts.day
                AND (u.resumed_on IS NULL OR u.resumed_on >= pts.day)
        )
        GROUP BY pts.i"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        got = {i: (n, overdue, quiet) for i, n, overdue, quiet in cursor.fetchall()}
    return [
        DriftPoint(label, day, *(int(x) for x in got.get(i, (0, 0, 0))))
        for i, (label, day) in enumerate(points)
    ]


# -- Working days, counted by the database ------------------------------------------------


def _calendar_table(partnerships: list[Partnership], lo: datetime.date, hi: datetime.date):
    """SQL for every day of each partnership's calendar from `lo` to `hi`, as rows
    (p, day, w) with w 1 for a working day and 0 for any other, and its parameters (the
    days): the calendar is data, the counting is the database's."""
    parts, params = [], []
    days = [lo + datetime.timedelta(days=i) for i in range((hi - lo).days + 1)]
    for p in partnerships:
        calendar = p.working_calendar()
        values = ", ".join(f"(%s, {int(calendar.is_working_day(d))})" for d in days)
        parts.append(
            f"SELECT {int(p.pk)} AS p, column1 AS day, column2 AS w FROM (VALUES {values}) v"
        )
        params += days
    return " UNION ALL ".join(parts), params


def _spreads(partnerships, spans: QuerySet, lo: datetime.date | None, hi: datetime.date):
    """Count, median and 90th percentile of working days per group, for `spans`: a
    queryset of (partnership, group, first day, last day, paused working days). The days
    counted are those after the first day up to and including the last: the running count
    of working days on the last day less the one on the first (a window SUM over the
    calendar's days), joined by equality, so the cost follows the spans, not spans times
    days. Both are MATERIALIZED (SQLite 3.35 and PostgreSQL 12 read it alike): otherwise
    SQLite re-ran the spans, with their time-zone conversion, for every pair of days.
    """
    if lo is None or not partnerships:
        return []
    table, table_params = _calendar_table(partnerships, lo, hi)
    spans_sql, spans_params = spans.query.sql_with_params()
    sql = f"""
        WITH wd (p, day, w) AS ({table}),
        ord AS MATERIALIZED (
            SELECT p, day, SUM(w) OVER (PARTITION BY p ORDER BY day) AS n FROM wd
        ),
        spans (p, grp, first_day, last_day, paused) AS MATERIALIZED ({spans_sql}),
        days AS (
            SELECT s.grp AS grp, e.n - b.n - s.paused AS n
            FROM spans s
            JOIN ord b ON b.p = s.p AND b.day = s.first_day
            JOIN ord e ON e.p = s.p AND e.day = s.last_day
        ),
        ranked AS (
            SELECT grp, n, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY n) AS r,
                COUNT(*) OVER (PARTITION BY grp) AS c
            FROM days
        )
        SELECT grp, MAX(c), MIN(CASE WHEN r = (c + 1) / 2 THEN n END),
            MIN(CASE WHEN r = (9 * c + 9) / 10 THEN n END)
        FROM ranked GROUP BY grp ORDER BY grp"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*table_params, *spans_params])
        return cursor.fetchall()


def _paused(of: str) -> Subquery:
    """The working days the case (or the stage) was paused, summed."""
    paused = (
        Pause.objects.filter(**{of: OuterRef("pk")})
        .order_by()
        .values(of)
        .annotate(days=Sum("working_days_paused"))
        .values("days")
    )
    return Coalesce(Subquery(paused, output_field=IntegerField()), Value(0))


def _to_resolution(partnerships, resolved: QuerySet, period: Period) -> list[Spread]:
    """Working days from raising to resolution, by the stage it was resolved at, then all."""
    spans = resolved.order_by().annotate(
        first_day=TruncDate("raised_at", tzinfo=LONDON),
        last_day=TruncDate("closed_at", tzinfo=LONDON),
        paused_days=_paused("disagreement"),
    )
    lo = resolved.aggregate(lo=Min("raised_at"))["lo"]
    lo = lo.astimezone(LONDON).date() if lo else None
    by_stage = _spreads(
        partnerships,
        spans.values_list("partnership_id", "stage", "first_day", "last_day", "paused_days"),
        lo,
        period.end,
    )
    everything = _spreads(
        partnerships,
        spans.annotate(all=Value(0)).values_list(
            "partnership_id", "all", "first_day", "last_day", "paused_days"
        ),
        lo,
        period.end,
    )
    out = [Spread(f"Resolved at stage {g}", c, m, p) for g, c, m, p in by_stage]
    return out + [Spread("Every stage", c, m, p) for _, c, m, p in everything]


def _in_stage(partnerships, ids: list[int], period: Period) -> list[Spread]:
    """Working days spent in each stage, for the stages that ended in the period."""
    ended = StageEpisode.objects.filter(
        disagreement__partnership_id__in=ids,
        ended_at__gte=period.since,
        ended_at__lt=period.until,
    ).order_by()
    lo = ended.aggregate(lo=Min("started_on"))["lo"]
    spans = ended.annotate(
        last_day=TruncDate("ended_at", tzinfo=LONDON), paused_days=_paused("episode")
    ).values_list("disagreement__partnership_id", "number", "started_on", "last_day", "paused_days")
    rows = _spreads(partnerships, spans, lo, period.end)
    return [Spread(f"Stage {g}", c, m, p) for g, c, m, p in rows]
