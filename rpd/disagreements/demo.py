"""Synthetic disagreements for a demo partnership, made through the real transitions.

`populate` tells each disagreement's story step by step (raised, discussed,
records approved, escalated, paused, resolved...) through `raise_disagreement`
and `perform`, so every row, due date and audit event is exactly what the
product would have written; nothing here writes a row directly. The steps are
back-dated (see `_backdated`), so a demo has disagreements raised weeks ago:
some overdue, some paused, some resolved.

Every subject is invented: names from the lists below, addresses on Example
Street in Testville, NHS numbers only from the NHS's reserved test range.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rpd.pathways.calendar import LONDON, WorkingCalendar, local_date
from rpd.pathways.calendar import today as london_today
from rpd.pathways.schema import Pack
from rpd.people.demo import DemoPartnership, build_partnership
from rpd.people.models import User

from . import formsubmissions, transitions
from .models import Disagreement, Record, RecordOutcome, Subject
from .nhs_number import synthetic

CHILD_NAMES = [
    "Alfie", "Bea", "Cody", "Daisy", "Eli", "Freya", "Gus", "Hallie", "Isla", "Jax",
    "Kit", "Lola", "Milo", "Nell", "Ollie", "Pippa", "Reuben", "Skye", "Theo", "Willow",
]  # fmt: skip
ADULT_NAMES = [
    "Agnes", "Bernard", "Cecily", "Desmond", "Edna", "Frank", "Gwen", "Harold", "Irene",
    "Jim", "Kathleen", "Leonard", "Maud", "Norman",
]  # fmt: skip
FAMILY_NAMES = [
    "Testwood", "Examplefield", "Mockley", "Sampleton", "Fictor", "Placeholme", "Madeupton",
    "Demoford", "Notrealby", "Inventley", "Pretendon", "Specimen",
]  # fmt: skip
STREETS = ["Example Street", "Sample Road", "Demo Close", "Fictional Lane", "Test Avenue"]

# (raising agency, receiving agency): keys of DemoPartnership.ladder.
CHILD_PAIRS = [
    ("csc", "police"),
    ("health", "csc"),
    ("school", "csc"),
    ("police", "health"),
    ("charity", "csc"),
    ("csc", "school"),
    ("school", "health"),
]
ADULT_PAIRS = [("asc", "health"), ("police", "asc"), ("health", "asc"), ("asc", "police")]

STAGE_DAYS = 2  # working days each demo stage runs before it is escalated


def build(
    pathway_id: str, slug: str | None = None, *, today: datetime.date | None = None
) -> tuple[DemoPartnership, list[Disagreement]]:
    """A demo partnership and its disagreements, in one transaction."""
    with transaction.atomic():
        demo = build_partnership(pathway_id, slug)
        return demo, populate(demo, today=today)


def populate(demo: DemoPartnership, *, today: datetime.date | None = None) -> list[Disagreement]:
    """Disagreements at every stage and in every state, made through the transitions."""
    today = today or london_today()
    if today > london_today():
        raise ValueError(f"today ({today}) cannot be in the future")
    teller = _Teller(demo, today)
    with transaction.atomic(), _backdated(teller):
        for _raised, story in sorted(_stories(teller), key=lambda s: -s[0]):
            story()
    pks = [d.pk for d in teller.made]
    return list(Disagreement.objects.filter(pk__in=pks).order_by("pk"))


@contextmanager
def _backdated(clock: Callable[[], datetime.datetime]) -> Iterator[None]:
    """Point the transitions' clock at `clock` while the demo stories are told.

    Demo data only. Every transition takes its time from `transitions.now()`;
    pointing that at a settable clock lets a demo disagreement be raised weeks
    ago and escalated since, so its due dates are counted from those days and
    some have passed, as in a live system. Everything else is the real path:
    validation, the pathway, the version check and the audit event. The audit
    event keeps its own, real time: the log records when each change was
    written, and its times must never go backwards along the chain. The patch
    is process-wide, so this runs only where nothing is serving requests
    (`rpd demo`, and `rpd serve` before it starts).
    """
    original = transitions.now
    transitions.now = clock
    try:
        yield
    finally:
        transitions.now = original


@dataclass
class _Subject:
    kind: str
    pair: tuple[str, str]


class _Teller:
    """Tells disagreements' stories on back-dated working days, as their actors would."""

    def __init__(self, demo: DemoPartnership, today: datetime.date):
        self.demo = demo
        self.pack: Pack = demo.partnership.pathway_entry().pack
        self.calendar: WorkingCalendar = demo.partnership.working_calendar()
        self.today = today
        self.made: list[Disagreement] = []
        self.at = timezone.now()
        self._step = 0
        self._n = 0

    def __call__(self) -> datetime.datetime:  # stands in for transitions.now
        return self.at

    # -- time ---------------------------------------------------------------------------

    def day(self, working_days_ago: int) -> datetime.date:
        d = self.today
        while working_days_ago > 0:
            d -= datetime.timedelta(days=1)
            if self.calendar.is_working_day(d):
                working_days_ago -= 1
        return d

    def on(self, working_days_ago: int) -> None:
        """Move the clock to a working day; steps on one day follow each other by minutes."""
        self._step += 1
        start = datetime.datetime.combine(self.day(working_days_ago), datetime.time(9), LONDON)
        self.at = min(start + datetime.timedelta(minutes=15 * self._step), timezone.now())

    @property
    def date(self) -> datetime.date:
        return local_date(self.at)

    # -- people -------------------------------------------------------------------------

    def subject(self) -> _Subject:
        """Children only, or alternately children and adults at risk where the pathway has both."""
        self._n += 1
        scope = self.pack.scope.value
        adult = scope == "adults" or (scope == "both" and self._n % 2 == 0)
        pairs = ADULT_PAIRS if adult else CHILD_PAIRS
        return _Subject("adult" if adult else "child", pairs[self._n % len(pairs)])

    def nhs_number(self, seed: int) -> str:
        """A test-range number no other demo subject has (nearby seeds can share one)."""
        number = synthetic(seed)
        while Subject.objects.filter(nhs_number=number).exists():
            seed += 7
            number = synthetic(seed)
        return number

    def raiser(self, agency_key: str) -> User:
        # Alternate the two practitioners, so a demo user has a varied list.
        people = [self.demo.ladder[agency_key][0], self.demo.colleague[agency_key]]
        return people[self._n % 2]

    # -- transitions --------------------------------------------------------------------

    def raise_(self, working_days_ago: int, **extra) -> Disagreement:
        self._step = 0
        self.on(working_days_ago)
        subject = self.subject()
        raising, receiving = subject.pair
        pack, n = self.pack, self._n
        seed = self.demo.partnership.pk * 1000 + n
        if subject.kind == "child":
            given, age = CHILD_NAMES[seed % len(CHILD_NAMES)], 1 + seed % 16
        else:
            given, age = ADULT_NAMES[seed % len(ADULT_NAMES)], 24 + seed * 7 % 66
        born = self.today.replace(year=self.today.year - age, day=1) - datetime.timedelta(
            days=seed * 37 % 300
        )
        data = {
            "subject_kind": subject.kind,
            "subject_given_name": given,
            "subject_family_name": FAMILY_NAMES[seed * 5 % len(FAMILY_NAMES)],
            "subject_date_of_birth": born.isoformat(),
            "subject_nhs_number": self.nhs_number(seed),
            "subject_address": f"{seed % 90 + 1} {STREETS[seed % len(STREETS)]}, Testville",
            "subject_consent_given": subject.kind == "adult" or None,
            "receiving_agency": self.demo.agencies[receiving].pk,
            "receiving_professional": self.demo.ladder[receiving][0].pk,
            "challenged": ["decision", "action", "inaction"][n % 3],
            "challenged_description": SITUATIONS[n % len(SITUATIONS)][0],
            "challenged_on": self.day(working_days_ago + 1).isoformat(),
            "categories": [pack.categories[n % len(pack.categories)].id],
            "summary": SITUATIONS[n % len(SITUATIONS)][1],
            "outcome_sought": SITUATIONS[n % len(SITUATIONS)][2],
            "risk": ["medium", "high", "low"][n % 3],
            "pre_escalation": [pack.pre_escalation[0].id] if pack.pre_escalation else [],
            **extra,
        }
        d = transitions.raise_disagreement(self.raiser(raising), data)
        self.made.append(d)
        return d

    def perform(self, name: str, actor: User, d: Disagreement, data: dict) -> Disagreement:
        return transitions.perform(name, actor, d.pk, d.version, data)

    def record(
        self, d: Disagreement, outcome: str = RecordOutcome.UNRESOLVED, *, complete=True, **extra
    ) -> tuple[Disagreement, Record]:
        """The raising actor records a meeting; `complete` covers all the stage must record."""
        episode = d.current_episode()
        stage = d.pack.stage(d.stage)
        covers = [r.id for r in stage.must_record]
        data = {
            "kind": "meeting" if d.stage > 1 else "conversation",
            "occurred_at": (self.at - datetime.timedelta(minutes=10)).isoformat(),
            "participants": [episode.raising_actor.pk, episode.receiving_actor.pk],
            "summary": RECORD_SUMMARIES[outcome].format(stage=d.stage, name=stage.name),
            "outcome": outcome,
            "covers": covers if complete else covers[:1],
            "meets": [m.key for m in episode.milestones.filter(met_at__isnull=True)]
            if complete
            else [],
            **extra,
        }
        d = self.perform("record", episode.raising_actor, d, data)
        return d, d.records.order_by("-pk").first()

    def discuss_and_approve(self, d: Disagreement, outcome=RecordOutcome.UNRESOLVED, **extra):
        """A complete record of the stage, approved on its author's side (by their manager,
        or the agency's safeguarding lead at the top of the ladder), never by its author."""
        d, record = self.record(d, outcome, **extra)
        author = record.author
        approver = author.line_manager or next(
            lead for lead in self.demo.lead.values() if lead.agency_id == author.agency_id
        )
        return self.perform("approve", approver, d, {"record": record.pk})

    def climb(self, d: Disagreement, to_stage: int, started_ago: int) -> Disagreement:
        """Escalate stage by stage, STAGE_DAYS apart, each stage recorded before it closes."""
        ago = started_ago
        while d.stage < to_stage:
            ago -= STAGE_DAYS
            self.on(ago + 1)
            d = self.discuss_and_approve(d)
            self.on(ago)
            d = self.send_forms(d)
            d = self.perform(
                "escalate",
                d.current_episode().raising_actor,
                d,
                {"reason": f"Still unresolved after the stage {d.stage} discussion"},
            )
        return d

    def send_forms(self, d: Disagreement) -> Disagreement:
        """The partnership's form, where the stage must send it before it closes."""
        for form_id in formsubmissions.still_to_send(d):
            answers = formsubmissions.sample_answers(d, form_id, self.at)
            d = self.perform("submit_form", d.current_episode().raising_actor, d, answers)
        return d

    def resolve(self, d: Disagreement, **learning) -> Disagreement:
        d = self.send_forms(d)
        owner = d.current_episode().receiving_actor
        action = {
            "text": "Joint home visit and a strategy discussion booked",
            "owner": owner.pk,
            "due": self.calendar.add_working_days(self.date, 5).isoformat(),
        }
        d = self.discuss_and_approve(d, RecordOutcome.RESOLVED, actions=[action])
        data = {
            "agreed_outcome": "Both agencies agreed the plan set out in the last record.",
            "next_steps": "The receiving agency carries out the agreed actions by their dates.",
            "written_confirmation": "Confirmed by email to everyone involved the same day.",
            "feedback_to_raiser": "Thank you for raising this: the challenge changed the plan.",
            **{f"learning_{flag}": value for flag, value in learning.items()},
        }
        return self.perform("resolve", d.current_episode().raising_actor, d, data)

    def pause(self, d: Disagreement, resume_after: int) -> Disagreement:
        resume = self.calendar.add_working_days(self.date, resume_after)
        data = {
            "reason": "Waiting for the outcome of a child protection medical",
            "expected_resume": resume.isoformat(),
        }
        return self.perform("pause", d.current_episode().raising_actor, d, data)


SITUATIONS = [
    (
        "Referral closed at the front door with no further action",
        "Three bruises seen in four weeks; the referral was closed without a home visit.",
        "A strategy discussion and a home visit",
    ),
    (
        "Decision not to hold an initial child protection conference",
        "Repeated missed health appointments and a sibling's recent disclosure were not weighed.",
        "An initial child protection conference",
    ),
    (
        "No response to a request for information sharing",
        "Police hold information about domestic abuse at the address that was not shared.",
        "The information shared within two working days",
    ),
    (
        "Case stepped down to early help",
        "Neglect indicators persist at school: hunger, poor hygiene and low attendance.",
        "The case kept open to social care with a reassessment",
    ),
    (
        "Carers' assessment refused",
        "The carer is exhausted and the person at risk has had two falls and a pressure sore.",
        "A safeguarding enquiry and a carers' assessment",
    ),
]

RECORD_SUMMARIES = {
    RecordOutcome.UNRESOLVED: (
        "Stage {stage} ({name}): both positions and the evidence for them set out; "
        "no agreement reached."
    ),
    RecordOutcome.ONGOING: "Stage {stage} ({name}): first discussion; more information requested.",
    RecordOutcome.RESOLVED: "Stage {stage} ({name}): agreement reached on the plan.",
}


def _stories(t: _Teller) -> list[tuple[int, Callable[[], None]]]:
    """(working days ago it was raised, the story) for every demo disagreement."""
    pack = t.pack
    last = pack.last_stage.number
    stories: list[tuple[int, Callable[[], None]]] = []

    def story(raised_ago: int):
        def register(fn):
            stories.append((raised_ago, fn))
            return fn

        return register

    # One open at every stage, its current stage started a working day ago.
    for stage in range(1, last + 1):
        raised = 1 + STAGE_DAYS * (stage - 1)

        def at_stage(stage=stage, raised=raised):
            d = t.climb(t.raise_(raised), stage, raised)
            t.on(1)
            d, _ = t.record(d, RecordOutcome.ONGOING, complete=False)
            if stage == 1:  # the receiving practitioner goes on leave
                episode = d.current_episode()
                colleague = t.demo.colleague[_key(t, episode.receiving_actor)]
                d = t.perform(
                    "hand_over",
                    episode.receiving_actor,
                    d,
                    {"side": "receiving", "to_user": colleague.pk, "reason": "Annual leave"},
                )
            if stage == 2:  # more time agreed for a meeting both managers can attend
                episode = d.current_episode()
                new_due = t.calendar.add_working_days(episode.due, 5)
                d = t.perform(
                    "extend",
                    episode.raising_actor,
                    d,
                    {
                        "asked_by": episode.receiving_actor.pk,
                        "reason": "The receiving manager is on leave until next week",
                        "new_due": new_due.isoformat(),
                    },
                )
            if stage == last and pack.last_stage.referral_options:
                t.perform(
                    "refer",
                    t.demo.unit,
                    d,
                    {
                        "referred_to": pack.last_stage.referral_names[0],
                        "recommendation": "Both agencies meet with the partnership within a week.",
                    },
                )

        story(raised)(at_stage)

    # Overdue: raised weeks ago, then nothing happened (the drift oversight looks for).
    @story(25)
    def overdue_at_stage_1():
        d = t.raise_(25)
        t.on(22)
        t.record(d, RecordOutcome.ONGOING, complete=False)

    # A pathway with one stage tells the stage 2 stories at its only stage.
    second = min(2, last)

    @story(30)
    def overdue_at_stage_2():
        t.climb(t.raise_(30), second, 30)

    # Discussed and not resolved, the record approved: the stage waits to be escalated
    # (or, at a pathway's only stage, resolved or referred on), and each side is asked to.
    @story(6)
    def waiting_to_be_escalated():
        d = t.raise_(6)
        t.on(4)
        d = t.discuss_and_approve(d)
        t.send_forms(d)

    # Paused: one due back in a fortnight, one whose expected resume date has passed,
    # one paused and resumed (its deadlines moved on by the working days it was paused).
    @story(8)
    def paused():
        d = t.raise_(8)
        t.on(3)
        t.pause(d, resume_after=13)

    @story(20)
    def paused_past_its_resume_date():
        d = t.raise_(20)
        t.on(15)
        t.pause(d, resume_after=10)

    @story(14)
    def paused_and_resumed():
        d = t.raise_(14)
        t.on(12)
        d = t.pause(d, resume_after=10)
        t.on(4)
        t.perform("resume", d.current_episode().raising_actor, d, {"note": "Medical completed"})

    # Resolved, at rising stages, with rising learning.
    @story(40)
    def resolved_at_stage_1():
        d = t.raise_(40)
        t.on(38)
        t.resolve(d)

    @story(50)
    def resolved_at_stage_2():
        d = t.climb(t.raise_(50), second, 50)
        t.on(44)
        t.resolve(d, multi_agency_audit=True)

    if last >= 3:

        @story(60)
        def resolved_at_stage_3():
            d = t.climb(t.raise_(60), 3, 60)
            t.on(52)
            t.resolve(d, case_review=True, procedure_amendment=True)

    # Resolved, then contested by the other side, where the pathway gives the stage's
    # leader the decision (Hillingdon's Implementation Unit): it awaits the leader.
    decides = [s.number for s in pack.stages if pack.leader_decides_contest(s.number)]
    if decides:

        @story(45)
        def contested_for_the_leader_to_decide(stage=decides[-1]):
            d = t.climb(t.raise_(45), stage, 45)
            t.on(37)
            d = t.resolve(d)
            t.on(36)
            t.perform(
                "contest_resolution",
                d.episodes.get(number=d.stage).receiving_actor,
                d,
                {"reason": "The agreed plan leaves the child at home with the adult of concern."},
            )

    @story(18)
    def withdrawn():
        d = t.raise_(18)
        t.on(17)
        t.perform(
            "withdraw",
            d.raised_by,
            d,
            {"reason": "New information: the other agency's decision was right."},
        )

    if pack.fast_track:
        start = min(n for rule in pack.fast_track for n in rule.start_at)

        @story(2)
        def fast_tracked():
            t.raise_(
                2,
                start_stage=start,
                urgent=True,
                risk="immediate",
                fast_track_reason="Risk of immediate harm: the child is due home from hospital "
                "tomorrow to the adult under investigation.",
            )

    for rule in pack.immediate_rules:

        @story(0)
        def under_an_immediate_rule(rule=rule):
            t.raise_(0, immediate_rule=rule.id, urgent=True, risk="immediate")

    return stories


def _key(t: _Teller, user: User) -> str:
    return next(key for key, agency in t.demo.agencies.items() if agency.pk == user.agency_id)
