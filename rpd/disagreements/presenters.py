"""What the pages show, in words: due dates on the partnership's working calendar, who
has the next step, a case's stage tracker and timeline, and how much of a case a
person may see. Views call these; templates only lay the results out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.forms import (
    BooleanField,
    ChoiceField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    NullBooleanField,
)

from rpd.audit import log as audit
from rpd.frontend import time_in_words
from rpd.pathways.calendar import LONDON, WorkingCalendar, local_date
from rpd.people.models import User
from rpd.templatetags.govuk import visually_hidden

from . import access, deadlines, transitions
from .access import Capacity
from .facts import acted_at
from .models import (
    Account,
    AgreedAction,
    ContestOutcome,
    Disagreement,
    Record,
    RecordKind,
    RecordOutcome,
    StageEpisode,
    Status,
)
from .nhs_number import spaced


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
    review: bool = False,
) -> str:
    """ "due tomorrow", "overdue since Friday 4 December (2 working days)", "paused until
    3 December"; a review date (`review`: the policy sets the stage no limit) "to be
    reviewed by Friday 11 December (in 4 working days)".

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
    if review:
        # The policy set no limit: what has passed is the date to review the case by.
        if due >= today:
            return _review_in_words(due, today, calendar)
        return f"review {overdue_in_words(due, today, calendar)}"
    if due == today:
        return "due today"
    if due > today:
        if due - today == datetime.timedelta(days=1):
            return "due tomorrow"
        n = calendar.working_days_between(today, due)
        return f"due in {_working_days(n)} ({due:%A} {day_in_words(due, today)})"
    return overdue_in_words(due, today, calendar)


def _review_in_words(due: datetime.date, today: datetime.date, calendar) -> str:
    if due == today:
        return "to be reviewed today"
    if due - today == datetime.timedelta(days=1):
        return f"to be reviewed by tomorrow ({due:%A} {day_in_words(due, today)})"
    n = calendar.working_days_between(today, due)
    return f"to be reviewed by {due:%A} {day_in_words(due, today)} (in {_working_days(n)})"


def overdue_in_words(due: datetime.date, today: datetime.date, calendar: WorkingCalendar) -> str:
    """The one wording for a date passed, on every page and list: "overdue since Friday 4
    December (2 working days)"; the count only once a working day has passed since."""
    late = calendar.working_days_between(due, today)
    since = f"overdue since {due:%A} {day_in_words(due, today)}"
    return f"{since} ({_working_days(late)})" if late else since


def stage_due_in_words(d: Disagreement, episode, today: datetime.date) -> str:
    """What an extension or a shorter deadline moves, worded as the case page words its due
    date: "Stage 2's deadline is due in 4 working days (Friday 11 December)", "Stage 1 is to
    be reviewed by Friday 11 December (in 4 working days)"."""
    stage = next(x for x in deadlines.deadlines(d, episode) if x.kind == deadlines.STAGE)
    review = deadlines.is_review(stage)
    calendar = d.partnership.working_calendar()
    due = due_in_words(d.status, stage.due, today, calendar, review)
    if review:  # "Stage 1 is to be reviewed by ...", "Stage 1: review overdue since ..."
        joined = " is " if due.startswith("to be") else ": "
        return f"Stage {episode.number}{joined}{due}."
    return f"Stage {episode.number}'s {deadlines.what(d, episode, stage)} is {due}."


def stage_to_come_in_words(d: Disagreement, coming, today: datetime.date) -> dict:
    """What escalating would do (`transitions.stage_to_come`), as the escalate page says it
    before it is done: who takes over for each agency, and the new stage's date."""
    dates = coming.dates
    calendar = d.partnership.working_calendar()
    due = due_in_words(Status.OPEN, dates.due, today, calendar, dates.due_is_review)
    return {
        "who": [
            {"lead": d.raising_agency.name, "text": _acting(coming.raising_actor)},
            {"lead": d.receiving_agency.name, "text": _acting(coming.receiving_actor)},
        ],
        # "would be reviewed by ...", "would be due in 5 working days (...)".
        "when": f"Stage {dates.number} would be {due.removeprefix('to be ')}: {dates.timescale}.",
        # Its milestones with a date from the start: often sooner than the stage's own
        # ("Contact between the agencies' line managers: due tomorrow").
        "milestones": [
            {"lead": m.name, "text": due_in_words(Status.OPEN, m.due, today, calendar)}
            for m in dates.milestones
            if m.due is not None
        ],
    }


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
    name: str = ""  # the transition asked for
    target: int | None = None  # the record it is asked on


def next_step(steps: list[dict], me: User, names: dict[int, str]) -> NextStep:
    """Who must act next on a case, and what they must do, as the transitions' rules asked
    it (`transitions.next_steps`, stored on the case as `steps`): the reader's own step
    where one is theirs, else the first step and whom it waits for (`names`: id to "Ana
    Example (Police)", for everyone the steps name)."""
    for step in steps:
        if me.pk in step["people"]:
            return NextStep("You", f"You must {step['what']}", True, step["name"], step["target"])
    if not steps:
        return NextStep("", "Nothing is waiting for anyone", False)
    step = steps[0]
    who = " and ".join(names[p] for p in step["people"] if p in names)
    if not who:
        return NextStep("", f"No one can {step['what']} yet: ask an administrator", False)
    return NextStep(who, f"Waiting for {who} to {step['what']}", False, step["name"])


def people_named(steps_of_rows) -> dict[int, str]:
    """Everyone the rows' steps name, as "Ana Example (Police)": one query for a page,
    however many rows and whether or not they name anyone (a page's cost stays fixed)."""
    ids = {p for steps in steps_of_rows for step in steps for p in step["people"]}
    people = User.objects.filter(pk__in=ids or [0]).select_related("agency")
    return {
        u.pk: f"{u.display_name} ({u.agency.name})" if u.agency_id else u.display_name
        for u in people
    }


# -- A case's stage tracker and timeline ----------------------------------------------------


@dataclass
class StageView:
    number: int
    name: str
    summary: str
    state: str  # "done", "current", "paused", "skipped", "not reached", "not started"
    started_on: datetime.date | None = None
    due: datetime.date | None = None
    due_words: str = ""
    review: bool = False  # the date is a review date (no limit in the policy), not a deadline
    ended_on: datetime.date | None = None
    outcome: str = ""
    milestones: list = field(default_factory=list)
    raising_actor: User | None = None
    receiving_actor: User | None = None


def stage_tracker(d: Disagreement, episodes: list[StageEpisode], today) -> list[StageView]:
    calendar = d.partnership.working_calendar()
    by_number = {e.number: e for e in episodes}
    highest = max(by_number, default=0)
    views = []
    for stage in d.pack.stages:
        e = by_number.get(stage.number)
        # A stage below one the case reached was fast-tracked past; above, on a closed
        # case, it never came.
        unstarted = (
            "skipped" if stage.number < highest else "not reached" if d.is_closed else "not started"
        )
        view = StageView(stage.number, stage.name, stage.summary, unstarted)
        if e is not None:
            current = e.ended_at is None and not d.is_closed
            view.state = (
                ("paused" if d.status == Status.PAUSED else "current") if current else "done"
            )
            view.started_on, view.due, view.review = e.started_on, e.due, e.due_is_review
            view.ended_on = local_date(e.ended_at) if e.ended_at else None
            view.outcome = e.get_outcome_display()
            view.raising_actor, view.receiving_actor = e.raising_actor, e.receiving_actor
            if current and d.status == Status.OPEN and not e.due_is_review:
                view.due_words = due_in_words(Status.OPEN, e.due, today, calendar)
            view.milestones = [
                {
                    "name": m.name,
                    "due": m.due,
                    "met_on": local_date(m.met_at) if m.met_at else None,
                    "met_late": bool(m.met_at and m.due and local_date(m.met_at) > m.due),
                    "overdue": m.met_at is None and current and m.due < today,
                }
                for m in e.milestones.all()
            ]
        views.append(view)
    return views


EVENT_WORDS = {
    "disagreement.raised": "Raised the disagreement",
    "disagreement.record": "Recorded a discussion",
    "disagreement.approve": "Approved a record",
    "disagreement.correct": "Corrected a record",
    "disagreement.escalate": "Escalated the disagreement",
    "disagreement.resolve": "Resolved the disagreement",
    "disagreement.refer": "Referred the disagreement on",
    "disagreement.pause": "Paused the disagreement",
    "disagreement.resume": "Resumed the disagreement",
    "disagreement.extend": "Extended the deadline",
    "disagreement.hand_over": "Handed over a side",
    "disagreement.hand_over_action": "Handed over an agreed action",
    "disagreement.move_action": "Changed an agreed action's due date",
    "disagreement.complete_action": "Marked an agreed action done",
    "disagreement.withdraw": "Withdrew the disagreement",
    "disagreement.fast_track": "Fast-tracked the disagreement",
    "disagreement.raise_risk": "Recorded a change of risk",
    "disagreement.record_panel": "Recorded the panel's sitting",
    "disagreement.add_party": "Copied in another agency",
    "disagreement.shorten": "Set a shorter deadline",
    "disagreement.name_receiver": "Named who holds the case",
    "disagreement.submit_form": "Submitted a form",
    "disagreement.add_case_reference": "Added their agency's case reference",
    "disagreement.add_account": "Added their own account of a discussion",
    "disagreement.confirm_resolution": "Confirmed the resolution",
    "disagreement.contest_resolution": "Contested the resolution",
    "disagreement.decide_contested": "Decided the contested resolution",
}


@dataclass
class TimelineEntry:
    at: datetime.datetime
    what: str
    by: str
    detail: str = ""
    record: Record | None = None

    def as_item(self) -> dict:
        """As the list component takes it: the moment in bold, then who did what ("Recorded
        a discussion by ..." read as if the discussion were theirs), then what it said."""
        text = f"{self.by} {_in_sentence(self.what)}." + (f" {self.detail}" if self.detail else "")
        item = {"lead": at_moment(self.at), "text": text}
        if self.record is not None:
            item.update(href=f"#record-{self.record.pk}", link="Read the record")
        return item


def _event_detail(data: dict, today) -> str:
    """What an event said beyond what happened, in sentences: its reason, where it was
    referred, the date it set ("Reason: ... concerns continue. To be reviewed by ...")."""
    sentences = [
        f"{label}: {data[key]}"
        for key, label in (("reason", "Reason"), ("referred_to", "Referred to"))
        if data.get(key)
    ]
    # An extension's moves, each deadline from its old date to its new (found by a try-out:
    # the timeline said only the new date).
    for moved in data.get("moved") or ():
        try:
            old, new = (datetime.date.fromisoformat(moved[k]) for k in ("old", "new"))
        except (KeyError, TypeError, ValueError):
            continue
        what = "The stage" if moved.get("deadline") == "stage" else moved.get("name", "")
        sentences.append(
            f"{what} moved from {day_in_words(old, today)} to {day_in_words(new, today)}"
        )
    for key, label in (
        ("expected_resume", "Expected to resume"),
        ("new_due", "New due date"),
        ("due", "Due"),
    ):
        if data.get(key):
            try:
                day = datetime.date.fromisoformat(data[key])
            except (TypeError, ValueError):
                continue
            if data.get("review") and key != "expected_resume":
                label = "To be reviewed by"
            sentences.append(f"{label} {day_in_words(day, today)}")
            break
    return " ".join(s if s.rstrip().endswith((".", "!", "?")) else f"{s}." for s in sentences)


def _moved(data: dict) -> str:
    return (
        f" from stage {data['from_stage']} to stage {data['to_stage']}"
        if "to_stage" in data
        else ""
    )


def _in_sentence(words: str) -> str:
    """An event's words after the name of who did it: "Recorded a discussion" as "Wren
    Kestrelmoor recorded a discussion" (the words hold no proper noun first)."""
    return words[:1].lower() + words[1:]


_EVENT_FIELDS = ("at", "actor_id", "actor_label", "action", "data")


def _who(event, people: dict) -> str:
    """An event's actor by name; the log keeps the username it sealed, which a page shows
    only for someone no longer on record."""
    person = people.get(event.actor_id)
    return person.display_name if person is not None else event.actor_label


def history(d: Disagreement) -> list:
    """`d`'s events in the audit log, oldest first, as the timeline reads them, each with
    the free texts kept beside the chain (a reason) back in its data."""
    events = list(audit.events_for(d.audit_target).values_list("seq", *_EVENT_FIELDS, named=True))
    texts = audit.texts_of(e.seq for e in events if e.data and "texts" in e.data)
    return [e._replace(data={**e.data, **texts[e.seq]}) if e.seq in texts else e for e in events]


def timeline(events, records: dict[int, Record], people: dict, today) -> list[TimelineEntry]:
    """Every change from the audit log (`history`), oldest first, each record's text beside
    its event; `people` by id holds every actor still on record."""
    entries = []
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
                acted_at(event),
                EVENT_WORDS.get(event.action, event.action) + _moved(data),
                _who(event, people),
                _event_detail(data, today),
                record,
            )
        )
    return entries


def changes_since(d: Disagreement, version: int) -> list[str]:
    """What others changed after the version a person saw: one line per change."""
    lines = []
    events = history(d)
    people = User.objects.only("first_name", "last_name", "username").in_bulk(
        {e.actor_id for e in events if e.actor_id}
    )
    for event in events:
        seen = (event.data or {}).get("version")
        if isinstance(seen, int) and seen > version:
            words = EVENT_WORDS.get(event.action, event.action)
            on = local_date(acted_at(event))
            lines.append(f"{_who(event, people)} {_in_sentence(words)}, {on.day} {on:%B %Y}")
    return lines


def open_actions(d: Disagreement) -> list[AgreedAction]:
    return list(
        AgreedAction.objects.filter(record__disagreement=d)
        .select_related("owner")
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


# -- The disagreement page --------------------------------------------------------------------
# Each part as the components take it (summary list rows, summary cards, table cells), with
# dates already in words: a page of fifty records and their timeline is hundreds of values,
# and Django's date filter costs more than the rest of drawing one.


def on_day(day: datetime.date | None) -> str:
    """3 December 2026, as the date filter's "j F Y" writes it."""
    return f"{day.day} {day:%B %Y}" if day else ""


def at_moment(at: datetime.datetime) -> str:
    """3 December 2026 14:30 in London, as the date filter's "j F Y H:i" writes it."""
    at = at.astimezone(LONDON)
    return f"{at.day} {at:%B %Y %H:%M}"


def answer_in_words(field, value, typed) -> str:
    """An answer as the form's field understood it (`value`, cleaned; `typed`, as sent),
    in the words the question offered: yes, no or not known; a date as "1 December
    2026"; a time as "2:30pm"; a choice by its label; several, one a line; nothing given
    as "Not given"."""
    if isinstance(field, NullBooleanField):  # before BooleanField, its base class
        words = {"true": "Yes", "false": "No", "unknown": "Not known"}
        return words.get(str(typed).lower(), "Not given")
    if isinstance(field, BooleanField):
        return "Yes" if value else "No"
    if value in (None, "", [], ()):
        return "Not given"
    if isinstance(value, datetime.datetime):  # a date's subclass: before it
        return f"{on_day(local_date(value))} at {time_in_words(value.astimezone(LONDON).time())}"
    if isinstance(value, datetime.date):
        return on_day(value)
    if isinstance(value, datetime.time):
        return time_in_words(value)
    if isinstance(field, ModelMultipleChoiceField):
        # Cleaned, none chosen is an empty query set: not one of the empties above.
        return "\n".join(field.label_from_instance(row) for row in value) or "Not given"
    if isinstance(field, ModelChoiceField):
        return field.label_from_instance(value)
    if isinstance(field, ChoiceField):
        names = {str(k): v for k, v in field.choices}
        if isinstance(value, list | tuple):
            return "\n".join(names[k] for k in names if k in set(map(str, value))) or "Not given"
        return names.get(str(value), str(value))
    return str(value)


# A record's kind and outcome in words, as get_FOO_display gives them, which rebuilds its
# table of choices at every call: a page of fifty records asks a hundred times.
_KIND_WORDS = dict(RecordKind.choices)
_OUTCOME_WORDS = dict(RecordOutcome.choices)


def summary_rows(d: Disagreement, texts: bool) -> list[dict]:
    """The register line, and the texts of the case only where `texts` (access.Sight.records)."""
    raised = on_day(local_date(d.raised_at))
    if d.fast_track_reason and texts:
        raised = f"{raised}, fast-tracked: {d.fast_track_reason}"
    rows = []
    if texts:
        rows = [
            {
                "key": "What is disagreed with",
                "value": f"{d.get_challenged_display()} on {on_day(d.challenged_on)}"
                + (f": {d.challenged_description}" if d.challenged_description else ""),
            },
            {"key": "Summary", "value": d.summary},
            {"key": "Outcome sought", "value": d.outcome_sought},
            {"key": "Already tried", "value": _named(d.pack.pre_escalation, d.pre_escalation)},
        ]
    return rows + [
        # The categories chosen from the pack's list (no free text): part of the register.
        {"key": "What it is about", "value": _named(d.pack.categories, d.categories)},
        {"key": "Risk", "value": d.get_risk_display() + (" (urgent)" if d.urgent else "")},
        {"key": "Raised", "value": raised},
    ]


def _named(listed, ids: list) -> str:
    """The names of the pack's entries (categories, what was tried) chosen by id, one a
    line, in the pack's order."""
    chosen = set(ids)
    return "\n".join(entry.name for entry in listed if entry.id in chosen) or "Not given"


def subject_rows(d: Disagreement, whole: bool) -> list[dict]:
    """What it is about; who, only to those who may see the subject."""
    s = d.subject
    rows = [{"key": "About", "value": s.get_kind_display()}]
    if whole:
        rows += [
            {"key": "Name", "value": f"{s.given_name} {s.family_name}"},
            {"key": "Date of birth", "value": on_day(s.date_of_birth) or "Not given"},
            {"key": "NHS number", "value": spaced(s.nhs_number) if s.nhs_number else "Not given"},
            {"key": "Address", "value": s.address or "Not given"},
            {
                # As asked ("Has consent been given to share their details?"): "Not given"
                # reads elsewhere as not answered.
                "key": "Consent to share their details",
                "value": {True: "Yes", False: "No"}.get(s.consent_given, "Not known"),
            },
        ]
        # Each agency's own number for them (add_case_reference), so its records are found.
        lines = s.case_references_in_words()
        if lines:
            rows.append({"key": "Case references", "value": "\n".join(lines)})
    return rows


def _acting(person: User) -> str:
    return f"{person.display_name}, {person.job_title}" if person.job_title else person.display_name


def party_rows(d: Disagreement, episode, led_by: str, copied) -> list[dict]:
    rows = [
        {"key": "Raised by", "value": f"{d.raised_by.display_name}, {d.raising_agency.name}"},
        {
            "key": "Raised with",
            "value": f"{d.receiving_professional.display_name}, {d.receiving_agency.name}",
        },
    ]
    if d.lead_professional:
        rows.append({"key": "Lead Professional", "value": d.lead_professional.display_name})
    if episode is not None and not d.is_closed:
        rows.append(
            {
                "key": f"Acting for {d.raising_agency.name} now",
                "value": _acting(episode.raising_actor),
            }
        )
        rows.append(
            {
                "key": f"Acting for {d.receiving_agency.name} now",
                "value": _acting(episode.receiving_actor),
            }
        )
        if led_by:
            rows.append({"key": "Stage led by", "value": led_by})
    for c in copied:
        who = f"({c.person.display_name})" if c.person else "(its safeguarding leads)"
        rows.append({"key": "Copied in", "value": f"{c.agency.name} {who}"})
    return rows


def referral_rows(r) -> list[dict]:
    return [
        {"key": "Referred to", "value": r.referred_to},
        {"key": "Recommendation", "value": r.recommendation},
        {"key": "By", "value": f"{r.by.display_name}, {on_day(local_date(r.at))}"},
    ]


def record_rows(record: Record, d: Disagreement) -> list[dict]:
    """A record of a discussion whole, as the summary list takes it: what someone approving,
    correcting or answering it vouches for (the outcome decides what happens next)."""
    stage = d.pack.stage(record.episode.number)
    covers = [r.text for r in stage.must_record if r.id in set(record.covers)]
    people = [p.display_name for p in record.participants.order_by("last_name", "first_name")]
    if record.other_participants:
        people.append(record.other_participants)
    # The actions agreed at the discussion: a correction's are the record's it corrects
    # (`_correct` writes the summary again, not the actions).
    corrected = [record.pk]
    earlier = record
    while (earlier := earlier.supersedes or earlier.amends) is not None:
        corrected.append(earlier.pk)
    actions = [
        f"{a.text} (owner {a.owner.display_name}, due {on_day(a.due)})"
        for a in AgreedAction.objects.filter(record__in=corrected)
        .select_related("owner")
        .order_by("due", "pk")
    ]
    return [
        {
            "key": "Discussion",
            "value": f"{_KIND_WORDS.get(record.kind, record.kind)}, "
            f"{at_moment(record.occurred_at)}",
        },
        {"key": "Written by", "value": record.author.display_name},
        {"key": "Who took part", "value": "\n".join(people) or "Not given"},
        {"key": "Outcome", "value": _OUTCOME_WORDS.get(record.outcome, record.outcome)},
        # Items that run to several lines each, a blank line between them.
        {"key": "What it covers", "value": "\n\n".join(covers) or "Nothing the stage must record"},
        {"key": "Agreed actions", "value": "\n\n".join(actions) or "None"},
        {"key": "Summary", "value": record.summary},
    ]


def copying_in_words(d: Disagreement, copied: access.Sight) -> tuple[str, str]:
    """What an agency copied in will read of `d` (`copied`: their sight, access.sight's
    for a copied agency), and a warning where consent to share the subject's details was
    not given and the copy shows whom it is about (a copied agency saw them with no word
    of it, found by a try-out). Sharing for safeguarding needs no consent; it needs a
    reason, which the person copying in is asked to weigh."""
    reads = ["the case's reference, stage and dates"]
    if copied.subject:
        reads.append("whom it is about")
    if copied.outcome:
        reads.append("its outcome")
    text = f"The agency you copy in reads {', '.join(reads[:-1])} and {reads[-1]}"
    text += ", never its records." if not copied.records else "."
    warning = ""
    if copied.subject and d.subject.consent_given is False:
        warning = (
            "Consent to share their details was not given: copy an agency in only where "
            "sharing them is necessary to keep them safe."
        )
    return text, warning


def correction_approval_in_words(approvers: list) -> str:
    """Who approves a correction, before it is sent (`transitions.approvers_of_correction`)."""
    names = [u.display_name for u in approvers]
    if not names:
        return "Your correction replaces the record once it is approved."
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"Your correction replaces the record once it is approved. It is sent to {who} to approve."
    )


def resolution_rows(resolution, d: Disagreement) -> list[dict]:
    """The resolution as everyone told of it reads it, with whether the other side has
    confirmed it in writing (or the stage's leader upheld it, contested)."""
    resolved = (
        f"{resolution.resolved_by.display_name}, {on_day(local_date(resolution.resolved_at))}"
    )
    if resolution.confirmed_at:
        who = (
            f"{resolution.confirmed_by.display_name}, {on_day(local_date(resolution.confirmed_at))}"
        )
        # Contested, then upheld by the stage's leader: their decision stands for it.
        upheld = d.contested_resolutions.filter(
            outcome=ContestOutcome.UPHELD, decided_by_id=resolution.confirmed_by_id
        ).exists()
        confirmed = f"Upheld by the stage's leader: {who}" if upheld else f"Confirmed by {who}"
    else:
        confirmed = "Not yet confirmed by the other side"
    rows = [
        {"key": "Agreed outcome", "value": resolution.agreed_outcome},
        {"key": "Next steps", "value": resolution.next_steps},
        {"key": "Written confirmation", "value": resolution.written_confirmation},
        {"key": "Feedback to the raiser", "value": resolution.feedback_to_raiser},
        {"key": "Resolved by", "value": resolved},
        {"key": "Confirmed by the other side", "value": confirmed},
    ]
    return rows


def contested_rows(d: Disagreement) -> list[list[dict]]:
    """Each resolution the other side contested, as it stood, with their reason, what
    followed as the pathway says, and the stage leader's decision where they decide."""
    found = []
    for c in transitions.contested_of(d):
        rows = [
            {"key": "Agreed outcome", "value": c.agreed_outcome},
            {
                "key": "Resolved by",
                "value": f"{c.resolved_by.display_name}, {on_day(local_date(c.resolved_at))}",
            },
            {
                "key": "Contested by",
                "value": f"{c.contested_by.display_name}, {on_day(local_date(c.contested_at))}",
            },
            {"key": "Their reason", "value": c.reason},
        ]
        if c.outcome == ContestOutcome.AWAITING_LEADER:
            leader = d.pack.stage(c.stage).led_by
            who = d.pack.role(leader).name if leader else "the stage's leader"
            rows.append({"key": "Decision", "value": f"Awaiting the decision of {who}"})
        elif c.decided_by is not None:
            upheld = c.outcome == ContestOutcome.UPHELD
            rows += [
                {
                    "key": "Decision",
                    "value": f"{'Upheld' if upheld else 'Not upheld'} by "
                    f"{c.decided_by.display_name}, {on_day(local_date(c.decided_at))}"
                    + ("" if upheld else f": {c.get_outcome_display().lower()}"),
                },
                {"key": "Reasons for the decision", "value": c.decision_reason},
            ]
        else:
            rows.append({"key": "Then", "value": c.get_outcome_display()})
        found.append({"stage": c.stage, "rows": rows})
    return found


def accounts_of(d: Disagreement) -> dict[int, list]:
    """The other side's accounts beside each record of `d`, by record id, oldest first."""
    found: dict[int, list] = {}
    for a in Account.objects.filter(record__disagreement=d).select_related("author").order_by("at"):
        found.setdefault(a.record_id, []).append(a)
    return found


def record_cards(
    records: list[Record],
    approve: dict[int, str],
    correct: dict[int, str],
    account: dict[int, str] | None = None,
    accounts: dict[int, list] | None = None,
):
    """Each record of a discussion as a summary card, with the links to approve or correct
    it, or add the other side's own account, where the transitions' own rules offer them
    (`approve`, `correct`, `account`: record id to the address of that page), and the
    accounts the other side added (`accounts`)."""
    account, accounts = account or {}, accounts or {}
    cards = []
    for r in records:
        when = at_moment(r.occurred_at)
        title = f"{_KIND_WORDS.get(r.kind, r.kind)}, {when}"
        if r.supersedes_id:
            title += " (correction)"
        if hasattr(r, "superseded_by"):
            title += " (corrected since)"
        actions = [
            {"text": text, "href": links[r.pk], "hidden": f" the record of {when}"}
            for text, links in (
                ("Approve", approve),
                ("Correct", correct),
                ("Add your side's account", account),  # not a sign-in account
            )
            if r.pk in links
        ]
        outcome = _OUTCOME_WORDS.get(r.outcome, r.outcome)
        note = f"Outcome: {outcome}. Written by {r.author.display_name}."
        # Who was in the room, on the card (it was only on the approval page, found by a
        # try-out): `records_of` reads them with the page's other people.
        people = [u.display_name for u in getattr(r, "taking_part", ())]
        if r.other_participants:
            people.append(r.other_participants)
        if people:
            note += f" Took part: {'; '.join(people)}."
        text = r.summary
        for a in accounts.get(r.pk, ()):
            text += f"\n\nAccount by {a.author.display_name} ({at_moment(a.at)}): {a.text}"
        card = {"id": f"record-{r.pk}", "title": title, "actions": actions, "text": text}
        if r.is_approved:
            approved_on = on_day(local_date(r.approved_at))
            card["note"] = f"{note} Approved by {r.approved_by.display_name} on {approved_on}."
        elif hasattr(r, "superseded_by"):
            # Never approved now (`_approvable`): its correction is what awaits approval.
            card.update(note=note, tag="Replaced by a correction", tag_colour="grey")
        else:
            card.update(note=note, tag="Awaiting approval", tag_colour="yellow")
        cards.append(card)
    return cards


def action_table(
    actions: list[AgreedAction],
    done: dict[int, str],
    hand_over: dict[int, str] | None = None,
    today: datetime.date | None = None,
    move: dict[int, str] | None = None,
) -> dict:
    """The agreed actions as the table component's head and cells; `done`, `hand_over` and
    `move`: action id to the address of the page that marks it done, hands it over or
    changes its due date, where the rules offer it (a column for handing over only when
    someone may; changing the date is offered in the date's own cell). An action not done
    by its date (`today`) says so, in red, as a stage past its date does."""
    hand_over, move = hand_over or {}, move or {}

    def link(text: str, href: str, a: AgreedAction) -> dict:
        hidden = a.text if len(a.text) <= 60 else a.text[:59] + "…"
        return {"text": text, "href": href, "hidden": f": {hidden}"}

    rows = []
    for a in actions:
        if a.done_at:
            last = f"Done {on_day(local_date(a.done_at))}"
        elif a.pk in done:
            last = link("Mark done", done[a.pk], a)
        else:
            last = ""
        due = [on_day(a.due)]
        if today is not None and not a.done_at and a.due < today:
            due.append({"text": "Overdue", "tag": "red"})
        if a.pk in move:
            due.append(link("Change date", move[a.pk], a))
        due = due[0] if len(due) == 1 else due
        row = [a.text, a.owner.display_name, due, last]
        if hand_over:
            row.append(link("Hand over", hand_over[a.pk], a) if a.pk in hand_over else "")
        rows.append(row)
    head = ["Action", "Owner", "Due", visually_hidden("Done")]
    if hand_over:
        head.append(visually_hidden("Hand over"))
    return {"head": head, "rows": rows}
