"""What the pages show, in words: due dates on the partnership's working calendar, who
has the next step, a case's stage tracker and timeline, and how much of a case a
person may see. Views call these; templates only lay the results out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from rpd.audit import log as audit
from rpd.pathways.calendar import WorkingCalendar, local_date
from rpd.people.models import User

from .access import Capacity
from .models import AgreedAction, Disagreement, Record, StageEpisode, Status


def day_in_words(day: datetime.date, today: datetime.date) -> str:
    """3 December; 3 December 2027 when it is not this year."""
    text = f"{day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


def _working_days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def due_in_words(
    status: str,
    due: datetime.date | None,
    today: datetime.date,
    calendar: WorkingCalendar,
) -> str:
    """ "due tomorrow", "2 working days overdue", "paused until 3 December".

    For a paused disagreement `due` is its expected resume date (the stored next_due).
    Overdue counts the working days that have passed since the due date.
    """
    if status == Status.RESOLVED:
        return "resolved"
    if status == Status.WITHDRAWN:
        return "withdrawn"
    if due is None:
        return "no due date"
    if status == Status.PAUSED:
        if due < today:
            return f"paused: was due to resume on {day_in_words(due, today)}"
        return f"paused until {day_in_words(due, today)}"
    if due == today:
        return "due today"
    if due > today:
        if due - today == datetime.timedelta(days=1):
            return "due tomorrow"
        n = calendar.working_days_between(today, due)
        return f"due in {_working_days(n)} ({due:%A} {day_in_words(due, today)})"
    late = calendar.working_days_between(due, today)
    if late == 0:  # due on a working day, today is not one
        return f"overdue since {due:%A} {day_in_words(due, today)}"
    return f"{_working_days(late)} overdue"


def is_overdue(status: str, due: datetime.date | None, today: datetime.date) -> bool:
    return due is not None and due < today and status in (Status.OPEN, Status.PAUSED)


# -- Who has the next step ----------------------------------------------------------------


def person_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


@dataclass(frozen=True)
class NextStep:
    who: str  # who holds it, as a reader scans for it: "You", "Ana Example (Police)"
    what: str  # the step itself, named
    mine: bool  # the reader must take it


def next_step(row, me: User) -> NextStep:
    """Who must act next on a list row, and what they must do.

    Reads only the row's own columns (see queries.work_rows), so a list needs no
    query per row.
    """
    if row.status == Status.PAUSED:
        what = "resume it when the reason for the pause has passed, or agree a new date"
    elif row.awaiting_approval:
        what = "approve the record of the discussion"
    elif not row.has_unresolved:
        what = f"record the stage {row.stage} discussion"
    else:
        what = f"resolve it, or escalate it beyond stage {row.stage}"
    sides = [
        (row.raising_actor_id, row.raising_actor_name, row.raising_agency),
        (row.receiving_actor_id, row.receiving_actor_name, row.receiving_agency),
    ]
    if me.pk in (row.raising_actor_id, row.receiving_actor_id):
        if not (row.awaiting_approval and not row.awaiting_my_approval):
            return NextStep("You", f"You must {what}", True)
        # The reader wrote the record waiting: the other side approves it.
        sides = [s for s in sides if s[0] != me.pk]
    who = " and ".join(f"{name} ({agency})" for _, name, agency in sides if name)
    if row.led_by_role:
        who = f"{who}, with the partnership" if who else "The partnership"
    return NextStep(who, f"{who}: {what}", False)


# -- A case's stage tracker and timeline ----------------------------------------------------


@dataclass
class StageView:
    number: int
    name: str
    summary: str
    state: str  # "done", "current", "paused", "not started"
    started_on: datetime.date | None = None
    due: datetime.date | None = None
    due_words: str = ""
    ended_on: datetime.date | None = None
    outcome: str = ""
    milestones: list = field(default_factory=list)
    raising_actor: User | None = None
    receiving_actor: User | None = None


def stage_tracker(d: Disagreement, episodes: list[StageEpisode], today) -> list[StageView]:
    calendar = d.partnership.working_calendar()
    by_number = {e.number: e for e in episodes}
    views = []
    for stage in d.pack.stages:
        e = by_number.get(stage.number)
        view = StageView(stage.number, stage.name, stage.summary, "not started")
        if e is not None:
            current = e.ended_at is None and not d.is_closed
            view.state = (
                ("paused" if d.status == Status.PAUSED else "current") if current else "done"
            )
            view.started_on, view.due = e.started_on, e.due
            view.ended_on = local_date(e.ended_at) if e.ended_at else None
            view.outcome = e.get_outcome_display()
            view.raising_actor, view.receiving_actor = e.raising_actor, e.receiving_actor
            if current and d.status == Status.OPEN:
                view.due_words = due_in_words(Status.OPEN, e.due, today, calendar)
            view.milestones = [
                {
                    "name": m.name,
                    "due": m.due,
                    "met_on": local_date(m.met_at) if m.met_at else None,
                    "overdue": m.met_at is None and current and m.due < today,
                }
                for m in e.milestones.all()
            ]
        views.append(view)
    return views


EVENT_WORDS = {
    "disagreement.raised": "Raised",
    "disagreement.record": "Recorded a discussion",
    "disagreement.approve": "Approved a record",
    "disagreement.correct": "Corrected a record",
    "disagreement.escalate": "Escalated",
    "disagreement.resolve": "Resolved",
    "disagreement.refer": "Referred on",
    "disagreement.pause": "Paused",
    "disagreement.resume": "Resumed",
    "disagreement.extend": "Extended the deadline",
    "disagreement.hand_over": "Handed over",
    "disagreement.hand_over_action": "Handed over an agreed action",
    "disagreement.complete_action": "Marked an agreed action done",
    "disagreement.withdraw": "Withdrew",
}


@dataclass
class TimelineEntry:
    at: datetime.datetime
    what: str
    by: str
    detail: str = ""
    record: Record | None = None


def _event_detail(data: dict, today) -> str:
    parts = []
    if "to_stage" in data:
        parts.append(f"from stage {data['from_stage']} to stage {data['to_stage']}")
    for key, label in (
        ("reason", "Reason"),
        ("referred_to", "Referred to"),
    ):
        if data.get(key):
            parts.append(f"{label}: {data[key]}")
    for key, label in (
        ("expected_resume", "expected to resume"),
        ("new_due", "new due date"),
        ("due", "due"),
    ):
        if data.get(key):
            try:
                day = datetime.date.fromisoformat(data[key])
            except (TypeError, ValueError):
                continue
            parts.append(f"{label} {day_in_words(day, today)}")
            break
    return "; ".join(parts)


def _named(events) -> tuple[list, dict]:
    """The events, and each actor's name for people: the log keeps the username it
    sealed, which a page shows only for someone no longer on record."""
    from rpd.people.models import User

    events = list(events)
    people = User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
    return events, {u.pk: u.display_name for u in people}


def timeline(d: Disagreement, records: dict[int, Record], today) -> list[TimelineEntry]:
    """Every change from the audit log, oldest first, each record's text beside its event."""
    entries = []
    events, names = _named(audit.events_for(d.audit_target))
    for event in events:
        data = event.data or {}
        record = (
            records.get(data.get("record"))
            if event.action
            in (
                "disagreement.record",
                "disagreement.correct",
            )
            else None
        )
        entries.append(
            TimelineEntry(
                event.at,
                EVENT_WORDS.get(event.action, event.action),
                names.get(event.actor_id, event.actor_label),
                _event_detail(data, today),
                record,
            )
        )
    return entries


def changes_since(d: Disagreement, version: int) -> list[str]:
    """What others changed after the version a person saw: one line per change."""
    lines = []
    events, names = _named(audit.events_for(d.audit_target))
    for event in events:
        seen = (event.data or {}).get("version")
        if isinstance(seen, int) and seen > version:
            words = EVENT_WORDS.get(event.action, event.action)
            who = names.get(event.actor_id, event.actor_label)
            lines.append(f"{words} by {who}, {local_date(event.at):%d %B %Y}")
    return lines


def open_actions(d: Disagreement) -> list[AgreedAction]:
    return list(
        AgreedAction.objects.filter(record__disagreement=d)
        .select_related("owner", "record")
        .order_by("done_at", "due", "pk")
    )


def capacity_words(held: set[str]) -> list[str]:
    words = {
        Capacity.RAISER: "you raised it",
        Capacity.RAISING_ACTOR: "you act for the raising agency at this stage",
        Capacity.RECEIVING_ACTOR: "you act for the receiving agency at this stage",
        Capacity.LEADER: "you lead this stage for the partnership",
        Capacity.MANAGER: "you manage someone acting at this stage",
        Capacity.LEAD: "you are a safeguarding lead of an agency involved",
        Capacity.OVERSIGHT: "you oversee the partnership's disagreements",
        Capacity.COPIED: "your agency is copied in on its outcome",
    }
    return [words[c] for c in Capacity if c in held and c in words]
