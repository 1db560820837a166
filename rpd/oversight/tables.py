"""The figures as named tables: what the page draws (with a chart where one helps), what
the CSV and XLSX exports write and what the annual report prints. Written once here."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import Figures, Spread


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    head: list[str]
    rows: list[list]
    chart: bool = False  # drawn as bars of its last column too
    numeric: tuple[int, ...] = ()
    chart_title: str = ""  # what the chart draws, where it is less than the whole table

    @property
    def charted(self) -> str:
        return self.chart_title or self.title

    def bars(self) -> list[tuple[str, int]]:
        return [(str(row[0]), int(row[-1] or 0)) for row in self.rows]


def _spreads(rows: list[Spread]) -> list[list]:
    return [
        [s.label, s.cases, "" if s.median is None else s.median, "" if s.p90 is None else s.p90]
        for s in rows
    ]


def tables(f: Figures) -> list[Table]:
    quarter_names = [q.name for q in f.quarters]
    receiving = sorted({b for _, b in f.agency_pairs})
    raising = sorted({a for a, _ in f.agency_pairs})
    return [
        Table(
            "stage-reached",
            "Cases raised in the period, by the highest stage reached",
            ["Stage", "Cases"],
            [[f"Stage {n}", c] for n, c in sorted(f.by_stage_reached.items())],
            chart=True,
            numeric=(1,),
        ),
        Table(
            "stage-resolved",
            "Cases resolved in the period, by the stage they were resolved at",
            ["Stage", "Cases"],
            [[f"Stage {n}", c] for n, c in sorted(f.by_stage_resolved.items())],
            chart=True,
            numeric=(1,),
        ),
        Table(
            "agencies",
            "Cases raised in the period: raising agency (rows) against receiving agency",
            ["Raising agency", *receiving, "Total"],
            [
                [
                    a,
                    *(f.agency_pairs.get((a, b), 0) for b in receiving),
                    sum(f.agency_pairs.get((a, b), 0) for b in receiving),
                ]
                for a in raising
            ],  # fmt: skip
            numeric=tuple(range(1, len(receiving) + 2)),
        ),
        Table(
            "categories",
            "Categories of the cases raised in the period, by quarter",
            ["Category", *quarter_names, "Total"],
            [
                [name, *f.category_trend.get(cid, []), f.by_category.get(cid, 0)]
                for cid, name in f.categories
            ],
            chart=True,
            numeric=tuple(range(1, len(quarter_names) + 2)),
        ),
        Table(
            "to-resolution",
            "Working days from raising to resolution, for cases resolved in the period",
            ["Resolved", "Cases", "Median", "90th percentile"],
            _spreads(f.to_resolution),
            numeric=(1, 2, 3),
        ),
        Table(
            "in-stage",
            "Working days spent in each stage, for stages that ended in the period",
            ["Stage", "Cases", "Median", "90th percentile"],
            _spreads(f.in_stage),
            numeric=(1, 2, 3),
        ),
        Table(
            "milestones",
            "Milestones due in the period",
            ["Milestones", "Number"],
            [
                ["Met on time", f.milestones_on_time],
                ["Met late", f.milestones_late],
                ["Missed (not met, past due)", f.milestones_missed],
                ["Due", f.milestones_due],
            ],
            numeric=(1,),
        ),
        Table(
            "changes",
            "Fast-tracks, pauses and extensions in the period",
            ["What", "Number"],
            [
                ["Stages fast-tracked to", f.fast_tracks],
                ["Pauses", f.pauses],
                ["Working days paused", f.working_days_paused],
                ["Extensions agreed", f.extensions],
            ],
            numeric=(1,),
        ),
        Table(
            "changes-by-stage",
            "Fast-tracks by route, pauses and extensions by stage, in the period",
            ["Kind", "Route or stage", "Number"],
            [list(row) for row in f.changes_by_stage],
            numeric=(2,),
        ),
        Table(
            "reasons",
            "The reasons given for each fast-track, pause and extension in the period"
            + (
                f": the newest {len(f.reasons):,} of {f.reasons_given:,} (the exports list "
                "every one)"
                if len(f.reasons) < f.reasons_given
                else ""
            ),
            [
                *(["Partnership"] if len(f.partnerships) > 1 else []),
                "Reference",
                "Kind",
                "Stage",
                "On",
                "Reason",
            ],
            [
                [
                    *([r.partnership] if len(f.partnerships) > 1 else []),
                    r.reference,
                    r.kind,
                    r.stage,
                    f"{r.on:%-d %b %Y}",
                    r.reason,
                ]
                for r in f.reasons
            ],
        ),  # fmt: skip
        Table(
            "under-use",
            "Agencies that raised none, or had none raised against them, in the period",
            ["Agency", "Raised none", "Raised against none"],
            [
                [
                    name,
                    "Yes" if name in f.raised_none else "No",
                    "Yes" if name in f.raised_against_none else "No",
                ]
                for name in sorted(set(f.raised_none) | set(f.raised_against_none))
            ],  # fmt: skip
        ),
        Table(
            "drift-over-time",
            "Drift over the period: open cases on the morning of the last day of each "
            + ("month" if f.drift and f.drift[0].label[0] != "Q" else "quarter")
            + " (this morning, for a period that runs on), and those overdue or drifting "
            "(no activity)",
            ["Period", "On", "Open", "Overdue", "Drifting"],
            [
                [
                    p.label,
                    f"{p.day:%-d %b %Y}" + (", this morning" if p.day == f.today else ""),
                    p.open,
                    p.overdue,
                    p.drifting,
                ]
                for p in f.drift
            ],
            chart=True,
            numeric=(2, 3, 4),
            chart_title="Drifting cases (open, no activity) on the last day of each period",
        ),
        Table(
            "drift",
            "Drift now: the open cases as they stand, with today's changes",
            ["Open cases", "Number"],
            [["Drifting (no activity)", f.drifting_now], ["Overdue", f.overdue_now]],
            numeric=(1,),
        ),
    ]
