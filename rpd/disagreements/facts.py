"""What the oversight figures count, kept as the transitions happen.

Facts that stop changing when a stage or a case ends are stored on its row when it ends,
counted by the one calendar the deadlines use (`rpd.pathways.calendar`), so a figure is an
aggregate over columns rather than a count of days for every case at every reading:

- a stage's working days, from its start to its end, the paused ones taken out
  (`StageEpisode.working_days_taken`, by `stage_ended`);
- a case's working days from raising to closing, the same way
  (`Disagreement.working_days_taken`, by `case_closed`);
- the London day each milestone was met (`Milestone.met_on`, by `met`).

These are evidence columns: the transitions write them in their effects, before the
audit event vouches for the rows. A contested resolution reopens the stage and the case,
and takes its facts away with their end (`reopened`).

Drift over time asks how each case stood on mornings long past: open or not, paused or
not, the due date of the stage then running, the day of its last transition. Those are
kept as stretches of days over which none of them changed (`OpenStretch`, by
`stretches`), derived from the rows and the audit log and written again after every
transition's event (`keep_stretches`), since that event is one of the case's transitions.

`fill` computes every one of them for rows written before they existed (a migration) or
in bulk (the tests' mixes), by the same functions.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Sum

from rpd.pathways.calendar import WorkingCalendar, get_calendar, local_date

DAY = datetime.timedelta(days=1)
# A transition is the audit log's `disagreement.*` event on the case (what `updated_at`
# follows): a download or a report is not activity.
TRANSITION = "disagreement."
# What the facts read of a case itself.
CASE = ("pk", "partnership_id", "reference", "raised_at", "closed_at")
# When a transition happened, by the clock its rows were written with, in its event's data:
# the event's own time is when it was written, which is the same moment but for a demo
# told on back-dated days (`rpd.disagreements.demo`).
ACTED_AT = "acted_at"


def acted_at(event) -> datetime.datetime:
    """When the transition `event` records happened (`ACTED_AT`; before it was kept, the
    event's own time)."""
    return _when(event.at, (event.data or {}).get(ACTED_AT))


def _when(written: datetime.datetime, acted: str | None) -> datetime.datetime:
    return datetime.datetime.fromisoformat(acted) if acted else written


def working_days_taken(
    calendar: WorkingCalendar, first: datetime.date, last: datetime.date, paused: int
) -> int:
    """Working days after `first` up to and including `last`, less the `paused` ones."""
    return calendar.working_days_between(first, last) - paused


# -- Kept by the transitions ----------------------------------------------------------------


def stage_ended(episode, calendar: WorkingCalendar) -> None:
    """Before `episode` (its `ended_at` set) is saved."""
    paused = episode.pauses.aggregate(n=Sum("working_days_paused"))["n"] or 0
    episode.working_days_taken = working_days_taken(
        calendar, episode.started_on, local_date(episode.ended_at), paused
    )


def case_closed(d, calendar: WorkingCalendar) -> None:
    """Before `d` (its `closed_at` set) is saved."""
    paused = d.pauses.aggregate(n=Sum("working_days_paused"))["n"] or 0
    d.working_days_taken = working_days_taken(
        calendar, local_date(d.raised_at), local_date(d.closed_at), paused
    )


def reopened(d, episode) -> None:
    """A closed case and its last stage running again: neither has ended."""
    d.working_days_taken = episode.working_days_taken = None


def met(milestones, at: datetime.datetime) -> None:
    """Mark `milestones` (a queryset) met at `at`."""
    milestones.update(met_at=at, met_on=local_date(at))


def keep_stretches(d, rows: dict) -> None:
    """Write `d`'s open stretches again, after its transition's audit event. `rows`: the
    case's evidence rows as the change left them (`evidence.read`), which the change has
    just read for its event: its stages, pauses and extensions are taken from them rather
    than read again."""
    from django.apps import apps

    known = [{f: getattr(d, f) for f in CASE}], {d.partnership_id: d.partnership.slug}
    _write(apps, _Read(apps, [d.pk], known=known, rows=rows), facts_on_rows=False)


# -- Stretches of days --------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """What stretches read of a stage episode."""

    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    due: datetime.date
    # (agreed_at, old_due) of each extension, in the order they were agreed.
    extensions: tuple[tuple[datetime.datetime, datetime.date], ...] = ()


@dataclass(frozen=True)
class Stretch:
    """Days `first_day` to `last_day` (None: on still) on each of which, that morning, the
    case was open and not paused, its last transition was on `last_active` and the stage
    then running was due on `due` (None: no stage ran)."""

    first_day: datetime.date
    last_day: datetime.date | None
    last_active: datetime.date | None
    due: datetime.date | None


def stretches(
    raised_at: datetime.datetime,
    closed_at: datetime.datetime | None,
    transitions: Iterable[datetime.datetime],
    pauses: Iterable[tuple[datetime.date, datetime.date | None]],
    stages: Iterable[Stage],
) -> list[Stretch]:
    """How the case stood on the morning of each day D (the first moment of D in London),
    as the deadline sweep would have found it:

    - open if raised before D and not closed before it; paused if paused on a day before
      D and not resumed before D; so a case paused on Monday and resumed on Wednesday is
      paused on Tuesday's and Wednesday's mornings;
    - its stage then the one started before D and not ended before it, due on the date it
      had then: an extension agreed on D or later is read back to the date it moved from
      (the stage's own date otherwise, as it stands);
    - its last transition the latest one on a day before D.

    Each of those changes only on the day after an event (a raise, a close, a pause, a
    resume, a stage's start or end, an extension, a transition), so the days between two
    such days are alike: one stretch, merged with the one before where nothing differs.
    """
    raised_on = local_date(raised_at)
    closed_on = local_date(closed_at) if closed_at else None
    active = sorted({local_date(t) for t in transitions})
    pauses = list(pauses)
    stages = [
        (
            local_date(s.started_at),
            local_date(s.ended_at) if s.ended_at else None,
            s.due,
            [(local_date(at), old) for at, old in s.extensions],
        )
        for s in stages
    ]
    changes = {raised_on, *active}
    changes.update(d for d in (closed_on,) if d)
    for paused_on, resumed_on in pauses:
        changes.update(d for d in (paused_on, resumed_on) if d)
    for started_on, ended_on, _, extensions in stages:
        changes.update(d for d in (started_on, ended_on) if d)
        changes.update(on for on, _ in extensions)
    days = sorted(d + DAY for d in changes if d >= raised_on)

    def open_on(day: datetime.date) -> bool:
        return (
            raised_on < day
            and (closed_on is None or day <= closed_on)
            and not any(p < day and (r is None or day <= r) for p, r in pauses)
        )

    def due_on(day: datetime.date) -> datetime.date | None:
        dues = [
            next((old for on, old in extensions if on >= day), due)
            for started_on, ended_on, due, extensions in stages
            if started_on < day and (ended_on is None or day <= ended_on)
        ]
        return min(dues, default=None)

    out: list[Stretch] = []
    for i, first in enumerate(days):
        last = days[i + 1] - DAY if i + 1 < len(days) else None
        if not open_on(first):
            continue
        before = bisect_left(active, first)
        stretch = Stretch(first, last, active[before - 1] if before else None, due_on(first))
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.last_day == first - DAY
            and (previous.last_active, previous.due) == (stretch.last_active, stretch.due)
        ):
            out[-1] = replace(previous, last_day=last)
        else:
            out.append(stretch)
    return out


# -- For rows written before, or in bulk ---------------------------------------------------


def fill(apps, pks: Iterable[int] | None = None, batch: int = 1000) -> None:
    """Every fact of the cases `pks` (all where None), computed from their rows: stage and
    case working days, days milestones were met, open stretches. `apps` is a migration's
    app registry or Django's own."""
    Disagreement = apps.get_model("disagreements", "Disagreement")
    everything = Disagreement.objects.order_by("pk").values_list("pk", flat=True)
    pks = list(everything if pks is None else pks)
    for start in range(0, len(pks), batch):
        _write(apps, _Read(apps, pks[start : start + batch]), facts_on_rows=True)


# What stretches and the rows' facts read of a case's stages, extensions and pauses.
EPISODE = ("pk", "disagreement_id", "number", "started_on", "started_at", "ended_at", "due")
EXTENSION = ("episode_id", "agreed_at", "old_due")
PAUSE = ("disagreement_id", "episode_id", "paused_on", "resumed_on", "working_days_paused")


class _Read:
    """The rows a batch of cases' facts are computed from, each table read once."""

    def __init__(self, apps, pks: list[int], known: tuple[list, dict] | None = None, rows=None):
        """`known`: the cases (as `values()` gives them) and their partnerships' slugs,
        where the caller holds them (a transition): no calendars are read then. `rows`:
        one case's evidence rows by label (`keep_stretches`)."""
        model = apps.get_model
        if known is not None:
            self.cases, slugs = known
            self.calendars = {}
        else:
            self.cases = list(
                model("disagreements", "Disagreement").objects.filter(pk__in=pks).values(*CASE)
            )
            partnerships = (
                model("people", "Partnership")
                .objects.filter(pk__in={c["partnership_id"] for c in self.cases})
                .values("pk", "slug", "calendar", "closure_days")
            )
            slugs, self.calendars = {}, {}
            for p in partnerships:
                slugs[p["pk"]] = p["slug"]
                self.calendars[p["pk"]] = get_calendar(p["calendar"], p["closure_days"])
        self.episodes = defaultdict(list)
        self.extensions = defaultdict(list)
        self.pauses = defaultdict(list)
        if rows is not None:
            self._from_rows(rows)
        else:
            self._from_database(model, pks)
        self.targets = {
            f"disagreement:{slugs[c['partnership_id']]}/{c['reference']}": c["pk"]
            for c in self.cases
        }
        self.transitions = defaultdict(list)
        for target, at, acted in (
            model("audit", "Event")
            .objects.filter(target__in=list(self.targets), action__startswith=TRANSITION)
            .values_list("target", "at", f"data__{ACTED_AT}")
        ):
            self.transitions[self.targets[target]].append(_when(at, acted))
        self.pks = pks

    def _from_database(self, model, pks: list[int]) -> None:
        for e in (
            model("disagreements", "StageEpisode")
            .objects.filter(disagreement_id__in=pks)
            .order_by("number")
            .values(*EPISODE)
        ):
            self.episodes[e["disagreement_id"]].append(e)
        for x in (
            model("disagreements", "Extension")
            .objects.filter(episode__disagreement_id__in=pks)
            .order_by("agreed_at", "pk")
            .values_list(*EXTENSION)
        ):
            self.extensions[x[0]].append(x[1:])
        for p in (
            model("disagreements", "Pause").objects.filter(disagreement_id__in=pks).values(*PAUSE)
        ):
            self.pauses[p["disagreement_id"]].append(p)

    def _from_rows(self, rows: dict) -> None:
        """The same, from one case's evidence rows (columns by attribute name, "id" for
        "pk"), in the same order."""

        def of(name: str, columns: tuple[str, ...]) -> list[dict]:
            found = [row.columns for label, row in rows.items() if label.startswith(name)]
            return [{c: row["id" if c == "pk" else c] for c in columns} for row in found]

        for e in sorted(of("stageepisode:", EPISODE), key=lambda e: e["number"]):
            self.episodes[e["disagreement_id"]].append(e)
        extensions = of("extension:", (*EXTENSION, "pk"))
        for x in sorted(extensions, key=lambda x: (x["agreed_at"], x["pk"])):
            self.extensions[x["episode_id"]].append((x["agreed_at"], x["old_due"]))
        for p in of("pause:", PAUSE):
            self.pauses[p["disagreement_id"]].append(p)


def _write(apps, read: _Read, facts_on_rows: bool) -> None:
    model = apps.get_model
    Stretch_ = model("disagreements", "OpenStretch")
    rows = []
    for case in read.cases:
        pk = case["pk"]
        found = stretches(
            case["raised_at"],
            case["closed_at"],
            read.transitions[pk],
            [(p["paused_on"], p["resumed_on"]) for p in read.pauses[pk]],
            [
                Stage(e["started_at"], e["ended_at"], e["due"], tuple(read.extensions[e["pk"]]))
                for e in read.episodes[pk]
            ],
        )
        rows += [
            Stretch_(disagreement_id=pk, partnership_id=case["partnership_id"], **vars(s))
            for s in found
        ]
    Stretch_.objects.filter(disagreement_id__in=read.pks).delete()
    Stretch_.objects.bulk_create(rows, batch_size=1000)
    if facts_on_rows:
        _fill_rows(apps, read)


def _fill_rows(apps, read: _Read) -> None:
    """Working days of the ended stages and the closed cases, days milestones were met."""
    model = apps.get_model
    Disagreement = model("disagreements", "Disagreement")
    StageEpisode = model("disagreements", "StageEpisode")
    Milestone = model("disagreements", "Milestone")
    cases, episodes = [], []
    for case in read.cases:
        pk, calendar = case["pk"], read.calendars[case["partnership_id"]]
        pauses = read.pauses[pk]
        for e in read.episodes[pk]:
            if e["ended_at"] is None:
                continue
            paused = sum(
                p["working_days_paused"] or 0 for p in pauses if p["episode_id"] == e["pk"]
            )
            days = working_days_taken(calendar, e["started_on"], local_date(e["ended_at"]), paused)
            episodes.append(StageEpisode(pk=e["pk"], working_days_taken=days))
        if case["closed_at"] is not None:
            paused = sum(p["working_days_paused"] or 0 for p in pauses)
            days = working_days_taken(
                calendar, local_date(case["raised_at"]), local_date(case["closed_at"]), paused
            )
            cases.append(Disagreement(pk=pk, working_days_taken=days))
    Disagreement.objects.bulk_update(cases, ["working_days_taken"], batch_size=500)
    StageEpisode.objects.bulk_update(episodes, ["working_days_taken"], batch_size=500)
    met = [
        Milestone(pk=pk, met_on=local_date(at))
        for pk, at in Milestone.objects.filter(
            episode__disagreement_id__in=read.pks, met_at__isnull=False
        ).values_list("pk", "met_at")
    ]
    Milestone.objects.bulk_update(met, ["met_on"], batch_size=500)
