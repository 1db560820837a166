"""A partnership with a known mix of cases, written in bulk as the transitions leave them.

Every case is planned in Python first (`Case`), then its rows written table by table:
the disagreement, its subject, each stage it reached (an episode, closed as escalated,
resolved or withdrawn), a milestone per stage, pauses with the working days they took
out, extensions, the resolution; then the facts the transitions keep as they go, by
`facts.fill` (what the migration did for rows written before). The tests compute each
figure again from the plans.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.apps import apps

from rpd.audit.models import Event
from rpd.dataprotection.models import Erasure
from rpd.disagreements import facts
from rpd.disagreements.models import (
    Disagreement,
    EpisodeOutcome,
    Extension,
    Milestone,
    PathwayVersion,
    Pause,
    Resolution,
    StageEpisode,
    Status,
    Subject,
)
from rpd.pathways.calendar import LONDON
from rpd.people.demo import DemoPartnership

NOW = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=LONDON)
UTC = datetime.UTC


@dataclass
class Stage:
    number: int
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    outcome: str
    paused: int = 0  # working days paused in it (resumed pauses)
    milestone_due: datetime.date | None = None
    milestone_met: datetime.datetime | None = None
    pause_on: datetime.date | None = None
    extension_at: datetime.datetime | None = None


@dataclass
class Case:
    partnership_id: int
    raised_at: datetime.datetime
    status: str
    raising: str
    receiving: str
    categories: list[str]
    stages: list[Stage] = field(default_factory=list)
    closed_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    next_due: datetime.date | None = None
    learning: tuple[bool, bool, bool] = (False, False, False)
    told: bool = False  # the pathway told the partnership (it reached stage 3)
    erased: bool = False  # closed long ago and erased under retention: its reasons gone
    pk: int | None = None
    reference: str = ""

    @property
    def fast_track_reason(self) -> str:
        """The case's, if any of its stages was entered past one (the latest's, as kept)."""
        numbers = [s.number for s in self.stages]
        jumped = numbers[0] > 1 or any(
            b - a > 1 for a, b in zip(numbers, numbers[1:], strict=False)
        )
        return f"Fast-tracked {self.raised_at:%H%M%S}" if jumped else ""

    @property
    def stage(self) -> int:
        return self.stages[-1].number

    def transitions(self) -> list[datetime.datetime]:
        """When its transitions happened, as the audit log records them: the raise, each
        stage entered, each pause, resume and extension, each milestone met, the close,
        and an open case's last activity."""
        at = [self.raised_at]
        for i, s in enumerate(self.stages):
            at += [s.started_at] if i else []
            at += [s.started_at] if s.pause_on else []
            at += [x for x in (s.ended_at, s.extension_at, s.milestone_met) if x]
        return at + ([self.updated_at] if self.updated_at else [])


def local(at: datetime.datetime) -> datetime.date:
    return at.astimezone(LONDON).date()


def plan(demo: DemoPartnership, n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    pack = demo.partnership.pathway_entry().pack
    last = pack.last_stage.number
    categories = [c.id for c in pack.categories]
    keys = sorted(demo.ladder)
    calendar = demo.partnership.working_calendar()
    first = datetime.datetime(2024, 1, 1, tzinfo=LONDON)
    span = (NOW - datetime.timedelta(days=20) - first).total_seconds()
    cases = []
    for _ in range(n):
        raised_at = first + datetime.timedelta(seconds=rng.uniform(0, span))
        raising, receiving = rng.sample(keys, 2)
        roll = rng.random()
        status = (
            Status.RESOLVED
            if roll < 0.55
            else Status.WITHDRAWN
            if roll < 0.7
            else Status.PAUSED
            if roll < 0.75
            else Status.OPEN
        )
        case = Case(
            demo.partnership.pk,
            raised_at,
            status,
            raising,
            receiving,
            rng.sample(categories, rng.choice([0, 1, 1, 2])),
        )
        number = 3 if rng.random() < 0.08 else 1  # a fast-track raise
        at = raised_at
        while True:
            stage = Stage(number, at, None, "")
            case.stages.append(stage)
            length = datetime.timedelta(hours=rng.uniform(1, 24 * 25))
            end = min(at + length, NOW - datetime.timedelta(hours=1))
            if rng.random() < 0.8:
                stage.milestone_due = local(at) + datetime.timedelta(days=rng.randint(0, 9))
                if rng.random() < 0.75:
                    stage.milestone_met = at + datetime.timedelta(hours=rng.uniform(0, 24 * 12))
                    stage.milestone_met = min(stage.milestone_met, end)
            if rng.random() < 0.1 and (end - at).days >= 3:
                stage.pause_on = local(at)
                # Whole working days strictly between pausing and resuming.
                resumed = local(end)
                stage.paused = calendar.working_days_between(
                    stage.pause_on, resumed - datetime.timedelta(days=1)
                ) if resumed > stage.pause_on else 0  # fmt: skip
                stage.paused = max(0, stage.paused - 1) if stage.paused else 0
            if rng.random() < 0.08:
                stage.extension_at = at + (end - at) / 2
            climbs = number < last and rng.random() < 0.45
            if not climbs:
                if case.status in (Status.OPEN, Status.PAUSED):
                    case.updated_at = at + (end - at) * rng.random()
                    case.next_due = local(NOW) + datetime.timedelta(days=rng.randint(-15, 20))
                    if case.status == Status.PAUSED:
                        stage.paused, stage.pause_on = 0, local(at)
                        case.next_due = None
                else:
                    stage.ended_at = end
                    stage.outcome = (
                        EpisodeOutcome.RESOLVED
                        if case.status == Status.RESOLVED
                        else EpisodeOutcome.WITHDRAWN
                    )
                    case.closed_at = case.updated_at = end
                    if case.status == Status.RESOLVED:
                        case.learning = tuple(rng.random() < 0.1 for _ in range(3))
                break
            stage.ended_at, stage.outcome = end, EpisodeOutcome.ESCALATED
            jump = 2 if number + 2 <= last and rng.random() < 0.1 else 1
            number, at = number + jump, end
        case.told = case.stage >= 3
        case.erased = (
            case.closed_at is not None and case.closed_at.year == 2024 and rng.random() < 0.3
        )
        cases.append(case)
    return cases


def pause_reason(case: Case, stage: Stage) -> str:
    return f"Paused at {stage.number} on {case.raised_at:%H%M%S}"


def extension_reason(case: Case, stage: Stage) -> str:
    return f"Extended at {stage.number} on {case.raised_at:%H%M%S}"


def write(demo: DemoPartnership, cases: list[Case]) -> None:
    entry = demo.partnership.pathway_entry()
    pinned, _ = PathwayVersion.objects.get_or_create(
        pathway_id=entry.pack.id,
        digest=entry.digest,
        defaults={"version": entry.pack.version, "text": entry.path.read_text("utf-8")},
    )
    subjects = Subject.objects.bulk_create(
        Subject(partnership=demo.partnership, kind="child", given_name="Mix", family_name=f"{i}")
        for i in range(len(cases))
    )
    rows = []
    for i, (case, subject) in enumerate(zip(cases, subjects, strict=True)):
        raiser = demo.ladder[case.raising][0]
        receiver = demo.ladder[case.receiving][0]
        rows.append(
            Disagreement(
                reference=f"MIX-{i:05d}",
                partnership=demo.partnership,
                pathway=pinned,
                subject=subject,
                raised_by=raiser,
                raising_agency=demo.agencies[case.raising],
                receiving_agency=demo.agencies[case.receiving],
                receiving_professional=receiver,
                challenged="decision",
                challenged_description="Planned",
                challenged_on=local(case.raised_at),
                categories=case.categories,
                summary="Planned",
                outcome_sought="Planned",
                risk="medium",
                fast_track_reason="" if case.erased else case.fast_track_reason,
                partnership_told_at=case.raised_at if case.told else None,
                status=case.status,
                stage=case.stage,
                next_due=case.next_due,
                raised_at=case.raised_at,
                updated_at=case.updated_at,
                closed_at=case.closed_at,
            )
        )
    for case, d in zip(cases, Disagreement.objects.bulk_create(rows), strict=True):
        case.pk, case.reference = d.pk, d.reference
    episodes = []
    for case in cases:
        for stage in case.stages:
            rung = min(stage.number - 1, len(demo.ladder[case.raising]) - 1)
            episodes.append(
                StageEpisode(
                    disagreement_id=case.pk,
                    partnership=demo.partnership,
                    number=stage.number,
                    raising_actor=demo.ladder[case.raising][rung],
                    receiving_actor=demo.ladder[case.receiving][
                        min(rung, len(demo.ladder[case.receiving]) - 1)
                    ],
                    started_on=local(stage.started_at),
                    started_at=stage.started_at,
                    due=local(stage.started_at) + datetime.timedelta(days=7),
                    due_basis="limit",
                    calendar="england-and-wales",
                    holidays_version="planned",
                    outcome=stage.outcome,
                    ended_at=stage.ended_at,
                )
            )
    episodes = StageEpisode.objects.bulk_create(episodes)
    pairs = [(case, stage) for case in cases for stage in case.stages]
    milestones, pauses, extensions = [], [], []
    for (case, stage), episode in zip(pairs, episodes, strict=True):
        if stage.milestone_due:
            milestones.append(
                Milestone(
                    episode=episode,
                    partnership=demo.partnership,
                    key="planned",
                    name="Planned",
                    due=stage.milestone_due,
                    met_at=stage.milestone_met,
                )
            )
        if stage.pause_on:
            still = case.status == Status.PAUSED and stage is case.stages[-1]
            pauses.append(
                Pause(
                    disagreement_id=case.pk,
                    episode=episode,
                    partnership=demo.partnership,
                    reason="" if case.erased else pause_reason(case, stage),
                    paused_by=episode.raising_actor,
                    paused_on=stage.pause_on,
                    expected_resume=stage.pause_on + datetime.timedelta(days=14),
                    resumed_on=None if still else local(stage.ended_at or NOW),
                    working_days_paused=None if still else stage.paused,
                )
            )
        if stage.extension_at:
            extensions.append(
                Extension(
                    episode=episode,
                    partnership=demo.partnership,
                    asked_by=episode.raising_actor,
                    agreed_by=episode.receiving_actor,
                    reason="" if case.erased else extension_reason(case, stage),
                    # The stage was due five days sooner before it.
                    old_due=episode.due - datetime.timedelta(days=5),
                    new_due=episode.due,
                    agreed_at=stage.extension_at,
                )
            )
    # Far above any the chain has given, so a transition later in a test never meets one.
    seq = 10**12
    events = []
    for case in cases:
        target = f"disagreement:{demo.partnership.slug}/{case.reference}"
        for at in case.transitions():
            seq += 1
            events.append(
                Event(
                    seq=seq,
                    at=at,
                    actor_label="mix",
                    action="disagreement.planned",
                    target=target,
                    prev_hash="",
                    hash="",
                )
            )
        # Something that is not a transition (a download, say) is not activity.
        seq += 1
        events.append(
            Event(
                seq=seq,
                at=case.raised_at + datetime.timedelta(days=3),
                actor_label="mix",
                action="document.planned",
                target=target,
                prev_hash="",
                hash="",
            )
        )
    Event.objects.bulk_create(events, batch_size=2000)
    Erasure.objects.bulk_create(
        Erasure(disagreement_id=case.pk, erased_at=NOW) for case in cases if case.erased
    )
    Milestone.objects.bulk_create(milestones)
    Pause.objects.bulk_create(pauses)
    Extension.objects.bulk_create(extensions)
    Resolution.objects.bulk_create(
        Resolution(
            disagreement_id=case.pk,
            agreed_outcome="Planned",
            next_steps="Planned",
            written_confirmation="Planned",
            feedback_to_raiser="Planned",
            learning_multi_agency_audit=case.learning[0],
            learning_case_review=case.learning[1],
            learning_procedure_amendment=case.learning[2],
            resolved_by=demo.ladder[case.raising][0],
            resolved_at=case.closed_at,
        )
        for case in cases
        if case.status == Status.RESOLVED
    )
    facts.fill(apps, [case.pk for case in cases])
