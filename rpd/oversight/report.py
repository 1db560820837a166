"""The annual report: the year's figures beside the year before's, every case that reached
the top stage with its recommendation (Jersey §4.6: "The SPB will retain a record of any
unresolved concerns which reach Stage 4 and include this information in the SPB Annual
Report"), and the learning items with their status.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q

from rpd.disagreements import access
from rpd.disagreements.models import Disagreement, PathwayVersion, Referral, Resolution
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Partnership

from . import charts, exports, learning, pdf
from .figures import Figures, Period, figures
from .register import local
from .stages import top_stage
from .tables import Table, tables

NONE = "—"  # a figure that has no value in that column


@dataclass(frozen=True)
class TopCase:
    reference: str
    raised_on: datetime.date
    stage: int
    status: str
    referred_to: str
    recommendation: str


@dataclass
class AnnualReport:
    partnership: Partnership
    year: int
    figures: Figures
    before: Figures
    top_cases: list[TopCase]
    learning: list[learning.Item]
    made_on: datetime.date  # the "now" figures are of this day, so of its year alone

    @property
    def title(self) -> str:
        return f"{self.partnership.name}: annual report {self.year}"

    def headline(self) -> list[tuple[str, int]]:
        current = self.made_on.year == self.year
        return [
            (name, value)
            for name, value in self.figures.headline()
            if current or name not in Figures.OF_TODAY
        ]

    def year_on_year(self) -> Table:
        current = self.made_on.year == self.year
        rows = []
        for (name, now), (_, then) in zip(
            self.figures.headline(), self.before.headline(), strict=True
        ):
            if name in Figures.OF_TODAY:  # today's, never the year before's
                rows.append([name, now if current else NONE, NONE, NONE])
            else:
                rows.append([name, now, then, now - then])
        return Table(
            "year-on-year",
            f"{self.year} against {self.year - 1}",
            ["Figure", str(self.year), str(self.year - 1), "Change"],
            rows,
            numeric=(1, 2, 3),
        )

    def top_table(self) -> Table:
        return Table(
            "top-stage",
            "Cases that reached the top stage, with the recommendation",
            ["Reference", "Raised", "Stage", "Status", "Referred to", "Recommendation"],
            [
                [
                    c.reference,
                    c.raised_on.isoformat(),
                    c.stage,
                    c.status,
                    c.referred_to,
                    c.recommendation,
                ]
                for c in self.top_cases
            ],  # fmt: skip
        )

    def learning_table(self) -> Table:
        return learning.table(self.learning)

    def tables(self) -> list[Table]:
        return [
            self.year_on_year(),
            *tables(self.figures),
            self.top_table(),
            self.learning_table(),
        ]


def top_cases(partnership: Partnership, period: Period) -> list[TopCase]:
    """Every case of the partnership that reached its pathway's top stage in the period,
    with where it was referred and the recommendation, or its agreed outcome. The texts
    only where the pathway had told the partnership (its oversight roles' sight)."""
    versions = PathwayVersion.objects.filter(
        pk__in=Disagreement.objects.filter(partnership=partnership).values("pathway_id")
    )
    reached = Q(pk__in=[])
    for v in versions:
        reached |= Q(
            pathway_id=v.pk,
            episodes__number=top_stage(v.pack),
            episodes__started_at__gte=period.since,
            episodes__started_at__lt=period.until,
        )
    cases = list(
        Disagreement.objects.filter(reached, partnership=partnership)
        .annotate(
            told=ExpressionWrapper(access.seen_whole_by_overseers(), output_field=BooleanField())
        )
        .distinct()
        .order_by("raised_at", "pk")
    )
    referrals = {
        r.episode.disagreement_id: r
        for r in Referral.objects.filter(episode__disagreement__in=cases).select_related("episode")
    }
    outcomes = dict(
        Resolution.objects.filter(disagreement__in=cases).values_list(
            "disagreement_id", "agreed_outcome"
        )
    )
    out = []
    for d in cases:
        told = d.told
        referral = referrals.get(d.pk)
        text = referral.recommendation if referral else outcomes.get(d.pk, "")
        out.append(
            TopCase(
                d.reference,
                local(d.raised_at),
                d.stage,
                d.get_status_display(),
                referral.referred_to if referral else "",
                (text or "None recorded yet") if told else "Not shared with the partnership",
            )
        )
    return out


def annual(
    partnership: Partnership, year: int, progress: Callable[[str], None] = lambda _: None
) -> AnnualReport:
    today = london_today()
    period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))
    progress(f"Figures for {year}")
    now = figures([partnership], period, today)
    progress(f"Figures for {year - 1}")
    before = figures([partnership], period.before(), today)
    progress("Cases that reached the top stage")
    top = top_cases(partnership, period)
    progress("Learning items")
    items = learning.items_for([partnership])
    return AnnualReport(partnership, year, now, before, top, items, today)


REPORT_KINDS = {**exports.KINDS, "pdf": "application/pdf"}


def render_report(report: AnnualReport, kind: str) -> bytes:
    """The report as CSV (one row per figure, then the tables), XLSX or PDF."""
    if kind == "pdf":
        sections = charts.drawn(report.tables(), image=True)
        return pdf.from_template(
            "oversight/report_document.html", {"report": report, "sections": sections}
        )
    return exports.render(kind, report.headline(), report.tables())
