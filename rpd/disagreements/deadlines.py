"""Which deadlines a disagreement has: the one answer for the stored next date, the deadline
sweep and the calendar feed.

While it is open: the current stage's due date, each milestone not yet met whose date is
known (one counted from another milestone has none until that one is met), and the
overall cap while the stage counts towards it (Blackpool's 15 working days). While it
is paused the stage's clock is stopped and its dates will move, so its one date is the
expected resume date. Once closed it has none.

Agreed actions are deadlines of their own: each is owned by one person and lasts until
it is marked done, whatever the disagreement's status, since the next steps agreed at a
resolution are exactly what must not drift.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Model, QuerySet

from .models import CLOSED, AgreedAction, Disagreement, StageEpisode, Status

STAGE, MILESTONE, CAP, PAUSE, ACTION = "stage", "milestone", "cap", "pause", "action"
IMMEDIATELY = "immediately"  # StageEpisode.due_basis of a stage due the same day


@dataclass(frozen=True, eq=False)
class Deadline:
    kind: str  # STAGE, MILESTONE, CAP, PAUSE or ACTION
    row: Model  # where the date lives: the episode, milestone, disagreement, pause or action
    due: datetime.date
    stage: int  # the stage it belongs to; for an action, the stage it was agreed at
    # "Immediately": due the same day whatever the calendar; reminded out of working hours.
    immediate: bool = False
    # The one side whose step it is ("raising", "receiving": a milestone's `by`), or None
    # for both.
    side: str | None = None

    def owned_by(self, episode: StageEpisode, user_id: int) -> bool:
        """Whether the stage's actor `user_id` owns it: both do, unless it is one side's."""
        if self.side is None:
            return user_id in (episode.raising_actor_id, episode.receiving_actor_id)
        return user_id == getattr(episode, f"{self.side}_actor_id")

    @property
    def ref(self) -> str:
        """Stable while the date moves (a pause, an extension): "milestone:42"."""
        return f"{self.kind}:{self.row.pk}"


def deadlines(
    d: Disagreement, episode: StageEpisode | None, *, milestones=None, pause=None
) -> list[Deadline]:
    """The open deadlines of `d` at its current stage `episode`, in no particular order.

    `milestones` (the episode's unmet ones) and `pause` (the open one) may be given when
    read in bulk; otherwise they are read here.
    """
    if d.status in CLOSED or episode is None:
        return []
    if d.status == Status.PAUSED:
        if pause is None:
            pause = d.pauses.filter(resumed_on__isnull=True).first()
        return [] if pause is None else [Deadline(PAUSE, pause, pause.expected_resume, d.stage)]
    if milestones is None:
        milestones = episode.milestones.filter(met_at__isnull=True)
    immediately = episode.due_basis == IMMEDIATELY
    found = [Deadline(STAGE, episode, episode.due, episode.number, immediately)]
    sides = {m.id: m.by for m in d.pack.stage(episode.number).milestones if m.by != "both"}
    found += [
        Deadline(MILESTONE, m, m.due, episode.number, m.immediate, sides.get(m.key))
        for m in milestones
        if m.due is not None
    ]
    cap = d.pack.overall_cap
    if d.cap_due and cap and episode.number in cap.stages:
        found.append(Deadline(CAP, d, d.cap_due, episode.number))
    return found


def open_actions() -> QuerySet[AgreedAction]:
    """Agreed actions not yet done, whatever their disagreement's status."""
    return AgreedAction.objects.filter(done_at__isnull=True)


def action_deadline(action: AgreedAction) -> Deadline:
    return Deadline(ACTION, action, action.due, action.record.episode.number)


def what(d: Disagreement, episode: StageEpisode, deadline: Deadline) -> str:
    """The deadline in a few words, as the case page and the calendar feed name it; a
    milestone by its name in the pack."""
    if deadline.kind == STAGE:
        return "review date" if episode.due_is_review else "stage deadline"
    if deadline.kind == MILESTONE:
        return deadline.row.name
    if deadline.kind == CAP:
        return f"overall limit of {d.pack.overall_cap.working_days} working days"
    return "expected to resume"


def is_review(deadline: Deadline | None) -> bool:
    """Whether the deadline is a stage's review date (the policy sets the stage no limit)."""
    return deadline is not None and deadline.kind == STAGE and deadline.row.due_is_review


def first(d: Disagreement, episode: StageEpisode | None) -> Deadline | None:
    """The case's next deadline: the one its stored `next_due` is the date of."""
    return min(deadlines(d, episode), key=lambda deadline: deadline.due, default=None)
