"""The policy pack: a partnership's escalation policy as typed data.

Every deadline, notice and form in the product comes from a pack, so the
schema is strict (unknown keys are errors, not silently ignored) and every
cross-reference (a rung, a role, a form, a stage number) is checked in
`consistency_problems`, which reports the path of the field at fault so the
loader can name the line.
"""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PositiveInt, Tag

from .calendar import EARLIEST, LATEST

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", min_length=1, max_length=64)]
Text = Annotated[str, Field(min_length=1)]
# No escalation policy gives a stage more than a year (260 working days); a bigger number
# is a typo that would put deadlines centuries away.
MAX_WORKING_DAYS = 260
Days = Annotated[PositiveInt, Field(le=MAX_WORKING_DAYS)]
# Dates in a pack lie in the window every computed date does.
WindowDate = Annotated[datetime.date, Field(ge=EARLIEST, le=LATEST)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(StrEnum):
    CHILDREN = "children"
    ADULTS = "adults"
    BOTH = "both"

    @property
    def covers(self) -> str:
        """Who the pathway is for, as a sentence says it."""
        return {
            "children": "children and young people",
            "adults": "adults at risk",
            "both": "children, young people and adults at risk",
        }[self.value]


# -- Timescales ---------------------------------------------------------------


class WorkingDays(Strict):
    """Within N working days of the stage (or milestone's anchor) starting."""

    kind: Literal["working_days"]
    days: Days
    note: str = ""

    def describe(self) -> str:
        return f"within {self.days} working day{'s' if self.days != 1 else ''}"


class Immediately(Strict):
    """The seeds' "immediately" (e.g. suspected NAI of an infant): now, not next working day.

    Due the same calendar day as its anchor, or within `hours` of it where the pack says
    so, whatever the working-day calendar: a non-accidental injury raised on Good Friday
    does not wait for Tuesday. Its reminders are not held for working hours either.
    """

    kind: Literal["immediately"]
    hours: PositiveInt | None = None
    note: str = ""

    def describe(self) -> str:
        when = f"within {self.hours} hours" if self.hours else "the same day"
        return f"immediately: {when}, whatever the working-day calendar"


class NotFixed(Strict):
    """The seed sets no limit; the partnership's default review interval applies.

    The review interval is a default the partnership may change, and the
    product shows it as such, so a stage without a limit still cannot drift
    unseen.
    """

    kind: Literal["not_fixed"]
    review_every_working_days: Days
    note: str = ""

    def describe(self) -> str:
        return (
            f"not fixed by the policy; reviewed every {self.review_every_working_days} "
            "working days (partnership default)"
        )


Timescale = Annotated[WorkingDays | Immediately | NotFixed, Field(discriminator="kind")]


class Event(Strict):
    """A milestone that is an event with no deadline of its own ("the initial discussion"),
    met when a record says so, for others to count from ("an agreed action plan within 2
    working days of the initial discussion")."""

    kind: Literal["event"]
    note: str = ""

    def describe(self) -> str:
        return "an event, with no deadline of its own"


MilestoneTimescale = Annotated[
    WorkingDays | Immediately | NotFixed | Event, Field(discriminator="kind")
]


def timescale_days(timescale: WorkingDays | Immediately | NotFixed) -> int:
    """Working days to add to the anchor date (0 for immediately: see simulate.due_date)."""
    if isinstance(timescale, WorkingDays):
        return timescale.days
    if isinstance(timescale, NotFixed):
        return timescale.review_every_working_days
    return 0


# -- People the pack refers to ------------------------------------------------


class Rung(Strict):
    """A generic rung of every agency's management ladder.

    Agencies map their own titles onto these (a police DS and a school's
    designated safeguarding lead may both be `line-manager`).
    """

    id: Slug
    name: Text
    examples: list[str] = []


class Role(Strict):
    """Someone outside the two agencies' ladders: the partnership unit, a chair, a panel."""

    id: Slug
    name: Text
    kind: Literal["partnership", "independent", "party", "agency"] = "partnership"
    # For a party role, which of the case's parties it means: the Lead Professional / IRO /
    # chair named when raising, or the other involved agencies copied in (Hillingdon §4
    # Stage Four "copies provided to other involved agencies").
    party: Literal["lead-professional", "other-involved-agencies"] = "lead-professional"
    contact: str = ""
    # For an agency role: whose holder it means, the raising agency's, the receiving
    # agency's, or each of the two's ("the referrer's designated safeguarding lead").
    agency: Literal["both", "raising", "receiving"] = "both"
    source: str = ""


LEADING_KINDS = ("partnership", "independent")


class Side(Strict):
    rung: Slug
    description: Text


# What a milestone's timescale counts from, besides another milestone of the same stage
# being met (named by its id, a slug, so never one of these): the day the stage starts, or
# the date of the disputed decision the raiser gave (Stoke-on-Trent §5 Stage 1: "within one
# working day of the disagreement or on receipt of the disputed decision").
STAGE_START = "stage_start"
DISPUTED_DECISION = "disputed_decision"


# -- Anchors on an earlier stage ------------------------------------------------


def earlier_key(stage: int, event: str = "", milestone: str = "") -> str:
    """How an earlier stage's start or end, or one of its milestones, is named where its
    date is looked up: "stage-1:start", "stage-1:milestone:initial-discussion" (a slug
    never holds a colon, so no milestone id is mistaken for one of these)."""
    return f"stage-{stage}:milestone:{milestone}" if milestone else f"stage-{stage}:{event}"


class EarlierStage(Strict):
    """What a milestone counts from at an earlier stage: its start, its end (the case
    leaving it), or one of its milestones being met (Lincolnshire step 2: "This discussion
    must occur within five working days of step 1"). Where the case never had that event
    (it started above that stage, or the milestone was never met), the milestone counts
    from its own stage's start, so it is never left without a date."""

    stage: PositiveInt
    event: Literal["start", "end"] | None = None
    milestone: Slug | None = None

    @property
    def key(self) -> str:
        return earlier_key(self.stage, self.event or "", self.milestone or "")


# A mapping is an earlier stage's anchor, anything else a name: so a mistake in either is
# reported against that one alone, not as "must be a valid string" beside it.
Anchor = Annotated[
    Annotated[str, Tag("name")] | Annotated[EarlierStage, Tag("earlier")],
    Discriminator(lambda v: "earlier" if isinstance(v, dict | EarlierStage) else "name"),
]


def is_earlier_key(key: str) -> bool:
    return ":" in key


def is_milestone_key(key: str) -> bool:
    """A milestone being met, of this stage (its id) or of an earlier one."""
    return key not in (STAGE_START, DISPUTED_DECISION) and (
        not is_earlier_key(key) or ":milestone:" in key
    )


# -- Milestones -------------------------------------------------------------------


class Milestone(Strict):
    id: Slug
    name: Text
    timescale: MilestoneTimescale
    # STAGE_START, DISPUTED_DECISION, the id of a milestone of this stage (then this one's
    # date is unknown until that one is met: "an action plan within 2 working days of the
    # initial discussion"), or an earlier stage's start, end or milestone (EarlierStage).
    counts_from: Anchor = STAGE_START
    # Whose step it is: both sides' actors (the default), or one side's alone (Jersey's
    # "inform your own line manager" is the raiser's). Only they are reminded of it and
    # find it in their calendar feed.
    by: Literal["both", "raising", "receiving"] = "both"
    source: str = ""

    @property
    def anchor_key(self) -> str:
        """What it counts from as one string: STAGE_START, DISPUTED_DECISION, a milestone
        id of the same stage, or an earlier stage's key (earlier_key)."""
        cf = self.counts_from
        return cf.key if isinstance(cf, EarlierStage) else cf


class Requirement(Strict):
    """Something the stage requires done and recorded before it can close."""

    id: Slug
    text: Text
    # Whether closing the stage may declare it "not applicable" (with a reason) instead of
    # recording it. Only where the policy itself makes the item conditional ("where a
    # resolution is reached", "if this is in a meeting"): otherwise it must be recorded.
    may_not_apply: bool = False
    # Whether the item is asked only when the stage resolves ("where a resolution is
    # reached ... the agreed points of resolution"): escalating does not ask for it at all,
    # not even why it does not apply.
    only_when_resolved: bool = False
    # The form whose submission this item is: the stage cannot close until a version of it
    # is submitted at this stage (a record covering it is not enough).
    form: Slug | None = None

    @property
    def conditions(self) -> str:
        """When the item may go unrecorded, in words after its text (describe, diff)."""
        words = ["only when the stage resolves"] if self.only_when_resolved else []
        words += ["may be declared not applicable"] if self.may_not_apply else []
        return "".join(f" ({w})" for w in words)


class Notice(Strict):
    to: Slug
    when: Literal[
        "stage_started",
        "stage_unresolved",
        "resolved",
        "senior_officers_involved",
        "non_involvement_in_life_threatening_risk",
        # A risk of immediate or significant harm recorded, when raising or later.
        "immediate_harm",
    ]
    what: Text
    form: Slug | None = None
    condition: str = ""
    # Where the pack names one role per kind of subject (Hillingdon's child or adult
    # Safeguarding Board chair): only for a disagreement about that kind of subject.
    for_subject: Literal["child", "adult"] | None = None
    source: str = ""


class ReferralNotice(Strict):
    """Who is told when the case is referred to one option, and what."""

    to: Slug
    what: Text
    for_subject: Literal["child", "adult"] | None = None
    source: str = ""


class ReferralOption(Strict):
    """Where the last stage may send the matter, with whom that tells.

    An option written as plain text tells whoever the stage's `stage_unresolved` notices
    name; one written out with `notify` tells exactly those (an empty list: nobody beyond
    the parties), so "consider a learning activity" never tells a chair "no resolution".
    """

    name: Text
    notify: list[ReferralNotice] = []
    # "Communicated to all involved" (Jersey §4.6): every party of every stage is told,
    # and reads the recommendation on the disagreement's page.
    tell_everyone_involved: bool = False
    source: str = ""


class CaseTimescale(Strict):
    """The policy lets the case set a shorter deadline for the stage, never a longer one.

    "Within a timescale that protects the child": whoever `set_by` names (the raiser, when
    raising at this stage; the stage's actors, while it runs) may bring the stage's due
    date forward, with a reason. The pack's own timescale stays the latest it may be.
    """

    set_by: list[Literal["raiser", "actor"]] = Field(min_length=1)
    source: Text


# The kinds of agency a partnership registers (people.AgencyType's values): a panel's seat
# names which of them may fill it.
AGENCY_TYPES = (
    "childrens-social-care",
    "adult-social-care",
    "police",
    "health",
    "education",
    "probation",
    "voluntary",
    "partnership",
    "other",
)


class PanelSeat(Strict):
    """A seat on a panel, filled by someone from an agency of one of `agency_types`, or
    by a holder of the pack role `role` (a specific body: "the ICB", not any health
    agency)."""

    name: Text
    agency_types: list[Literal[AGENCY_TYPES]] = []  # type: ignore[valid-type]
    role: Slug | None = None


class StandInRule(Strict):
    """Who acts where a kind of agency has no one on a rung, as the policy says it ("GPs
    have no senior liaison officer: the ICB's acts for them"). The go-live check holds
    each such agency to it: someone on the rung, or a stand-in named for it."""

    agency_type: Literal[AGENCY_TYPES]  # type: ignore[valid-type]
    rung: Slug
    acted_by: Text  # who acts, in the policy's words
    source: Text


class Panel(Strict):
    """A body the stage may convene whose composition the policy fixes (Hillingdon's
    Resolution Panel: "representatives from three agencies (Local Authority, Police and
    CCG), including those agencies directly concerned")."""

    name: Text
    seats: list[PanelSeat] = Field(min_length=1)
    # The agencies the disagreement is between sit on it too.
    includes_agencies_concerned: bool = False
    # It reviews the escalation chronology up to that point, and says so in its record.
    reviews_chronology: bool = False
    source: Text


# -- Leads and form recipients by subject kind -------------------------------------

SUBJECT_KINDS = ("child", "adult")
SUBJECT_WORDS = {"child": "a child", "adult": "an adult at risk"}


class BySubject(Strict):
    """A role per kind of subject, where the policy names one body for a child and another
    for an adult (Lincolnshire step 4: "LSAB or LSCP independent chaired meeting"). A kind
    left out takes the default beside it (`led_by`, `sent_to`)."""

    child: Slug | None = None
    adult: Slug | None = None

    def named(self) -> list[tuple[str, str]]:
        """(subject kind, role id) for each kind it names."""
        return [(kind, getattr(self, kind)) for kind in SUBJECT_KINDS if getattr(self, kind)]


def for_subject(default: str | None, by: BySubject | None, kind: str) -> str | None:
    """The role `by` names for a subject of `kind`, else `default`."""
    return (getattr(by, kind, None) if by else None) or default


class Contest(Strict):
    """What contesting a resolution does: the side that did not resolve it contests it with
    a reason, which escalates the case to the next stage or reopens the stage resolved at
    ("as the pathway says"); at the last stage there is no next, so it reopens. Where
    `leader_decides` and the stage is led by a role (`led_by`), contesting reopens the stage
    for its leader to decide: uphold the resolution (the case closes) or do what `then` says.

    Without one, the seeds' "if it is not resolved, escalate" and no one decides for the
    parties: a leader decides only where the policy gives them that power.
    """

    then: Literal["escalate", "reopen"] = "escalate"
    leader_decides: bool = False
    source: str = ""


class Stage(Strict):
    number: PositiveInt
    name: Text
    summary: Text
    raising: Side
    receiving: Side
    # Stages run by someone other than the two ladders (Hillingdon's
    # Implementation Unit, Jersey's board chair) name that role here.
    led_by: Slug | None = None
    # Where the lead depends on whether the subject is a child or an adult at risk.
    led_by_for: BySubject | None = None
    timescale: Timescale
    case_timescale: CaseTimescale | None = None
    milestones: list[Milestone] = []
    must_record: list[Requirement] = []
    notify: list[Notice] = []
    forms: list[Slug] = []
    # At the last stage: where the matter may go next (panel, executive group...).
    referral_options: list[ReferralOption | Text] = []
    panel: Panel | None = None
    # What contesting a resolution reached at this stage does; the pack's `contest` if none.
    contest: Contest | None = None
    source: Text

    def lead_for(self, subject_kind: str) -> str | None:
        """The role leading the stage for a case about a subject of this kind (None: the two
        agencies lead it)."""
        return for_subject(self.led_by, self.led_by_for, subject_kind)

    @property
    def lead_roles(self) -> set[str]:
        """Every role that leads the stage for some kind of subject."""
        return {self.lead_for(kind) for kind in SUBJECT_KINDS} - {None}

    def timescales_in_words(self) -> str:
        """The stage's limits as the policy sets them: its own, and those of its timed
        milestones. A stage the policy limits only through a milestone ("contact within one
        working day") is not "not fixed by the policy": it says the milestone's limit, then
        the review interval that keeps the rest from drifting."""
        timed = [m for m in self.milestones if not isinstance(m.timescale, NotFixed | Event)]
        parts = [f"{m.name.rstrip('.')}, {m.timescale.describe()}" for m in timed]
        if isinstance(self.timescale, NotFixed) and timed:
            every = self.timescale.review_every_working_days
            return "; ".join(parts) + (
                f"; otherwise reviewed every {every} working days (partnership default)"
            )
        return "; ".join([self.timescale.describe(), *parts])

    @property
    def met_by_raising(self) -> list[Milestone]:
        """What raising the case meets: a milestone counted from the disputed decision
        (Stoke-on-Trent §5 Stage 1, "raise the matter with the other practitioner ...
        within one working day of the disputed decision"), since raising it here is raising
        the matter, on time or late."""
        return [m for m in self.milestones if m.counts_from == DISPUTED_DECISION]

    def to_record(self, *, resolving: bool) -> list[Requirement]:
        """What closing the stage accounts for: all it must record when it resolves; when it
        escalates, not what only a resolution reaches (`only_when_resolved`)."""
        return [r for r in self.must_record if resolving or not r.only_when_resolved]

    @property
    def referral_names(self) -> list[str]:
        return [o if isinstance(o, str) else o.name for o in self.referral_options]

    def referral_option(self, name: str) -> ReferralOption | None:
        """The option called `name` written out with its notices; None for plain text."""
        for option in self.referral_options:
            if isinstance(option, ReferralOption) and option.name == name:
                return option
        return None


class FastTrack(Strict):
    """When urgent or serious disagreements may start above stage 1."""

    start_at: list[PositiveInt]
    when: Text
    must_record: list[Requirement]
    source: Text


class ImmediateRule(Strict):
    """A class of dispute that must be resolved within its own timescale at any stage."""

    id: Slug
    when: Text
    timescale: Timescale
    source: Text


class OverallCap(Strict):
    working_days: Days
    stages: list[PositiveInt]
    source: Text


# Where a form field's value comes from: a path in the disagreement's record
# (rpd.disagreements.formsubmissions reads each), or ASKED when only a person can supply it.
# A field whose record path is empty is asked for too; the subject's family details and
# special-category data typed on a form are written back to the subject.
ASKED = "asked"
FORM_SOURCES: dict[str, str] = {
    "today": "the date the form is submitted",
    "stage": "the current stage, its number and name",
    "stages": "each stage so far: who acted for each agency, and how it ended",
    "records": "the approved records of the discussions so far",
    "actions": "the actions agreed so far, their owners and whether done",
    "participants": "everyone who has taken part, with their agency",
    "challenged": "the decision, action or inaction challenged, and when",
    "summary": "the summary of the disagreement given when raising it",
    "outcome_sought": "the outcome the raiser seeks",
    "escalation_reasons": "the reason given at each escalation so far",
    "response": "the receiving agency's approved records",
    "next_steps": "the resolution's next steps, else where the pathway goes next",
    "resolution.agreed_outcome": "the agreed outcome, once resolved",
    "raised_by": "who raised it",
    "raised_by.contact": "their email address, phone number and team",
    "raised_by.agency_team": "their agency and team",
    "raising_agency": "the agency raising it",
    "receiving_agency": "the agency receiving it",
    "subject.name": "the subject's name",
    "subject.personal_details": "the subject's name, date of birth, NHS number and address",
    "subject.date_of_birth": "the subject's date of birth",
    "subject.nhs_number": "the subject's NHS number",
    "subject.address": "the subject's address",
    "subject.consent_given": "whether consent has been given",
    "subject.case_references": "the agencies' case references",
    "subject.family_details": "family and carer details (asked where missing, then kept)",
    "subject.sensitive.ethnicity": "ethnicity (special category; kept apart)",
    "subject.sensitive.disability": "disability (special category; kept apart)",
    "subject.sensitive.religion": "religion (special category; kept apart)",
    "subject.sensitive.health": "health (special category; kept apart)",
    "subject.sensitive.gender": "gender (kept with the special-category data)",
}


class FormField(Strict):
    id: Slug
    label: Text
    # `time`: a time of day (a meeting's, a call's), asked as hour and minute boxes.
    type: Literal[
        "text", "long_text", "date", "time", "nhs_number", "choice", "yes_no", "stage"
    ] = "text"
    required: bool = True
    # Ethnicity, religion, disability, health: shown only where the form needs them.
    special_category: bool = False
    # A FORM_SOURCES path, several joined in order, or ASKED.
    source: str | list[str]

    @property
    def sources(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)


class Form(Strict):
    id: Slug
    name: Text
    sent_to: Slug
    # Where the recipient depends on whether the subject is a child or an adult at risk.
    sent_to_for: BySubject | None = None
    fields: list[FormField] = Field(min_length=1)
    source: Text

    def recipient_for(self, subject_kind: str) -> str:
        """The role the form is sent to for a case about a subject of this kind."""
        return for_subject(self.sent_to, self.sent_to_for, subject_kind) or self.sent_to


class Option(Strict):
    id: Slug
    name: Text


class Pointer(Strict):
    """What this process is not for, and where to go instead."""

    topic: Literal[
        "allegations", "whistleblowing", "urgent-referral", "conference-dissent", "other"
    ]
    text: Text
    contact: str = ""


class Source(Strict):
    title: Text
    # Where the policy gives one.
    year: Annotated[int, Field(ge=EARLIEST.year, le=LATEST.year)] | None = None
    seed: str = ""
    # The date the policy says it is next reviewed by ("Review Date: January 2026"): shown
    # to administrators, and a problem for the go-live check once it has passed.
    review_date: WindowDate | None = None

    @property
    def cited(self) -> str:
        """The title, with its year where the policy gives one."""
        return f"{self.title} ({self.year})" if self.year else self.title


# "Upper stage": senior management and beyond, on every pathway shipped.
DEFAULT_UPPER_STAGE = 3


class Pack(Strict):
    id: Slug
    # Stored in a 32-bit integer column (PathwayVersion.version).
    version: Annotated[PositiveInt, Field(le=2_147_483_647)]
    name: Text
    partnership: Text
    scope: Scope
    calendar: Text
    closure_days: list[WindowDate] = []
    source: Source
    rungs: list[Rung] = Field(min_length=1)
    roles: list[Role] = []
    stages: list[Stage] = Field(min_length=1)
    fast_track: list[FastTrack] = []
    stand_ins: list[StandInRule] = []
    immediate_rules: list[ImmediateRule] = []
    overall_cap: OverallCap | None = None
    forms: list[Form] = []
    pre_escalation: list[Option] = []
    # The kinds of dispute the partnership reports on; a policy may name none.
    categories: list[Option] = []
    not_this_process: list[Pointer] = []
    # Values the seed leaves open, each with the default the pack holds.
    open_values: list[Text] = []
    # How far a pause may look ahead for its expected resume date, and how far one
    # extension may move a stage's due date, in working days. The seeds set neither; a
    # partnership may.
    max_pause_working_days: PositiveInt = 65  # about three months
    max_extension_working_days: PositiveInt = 20  # about four weeks
    # The first of the "upper stages" the partnership's oversight lists and reports follow
    # ("disputes reaching stage 3 and above"); stage 3 where the pack does not say.
    oversight_from_stage: PositiveInt | None = None
    # What contesting a resolution does, for every stage that does not say otherwise.
    contest: Contest = Contest()

    def contest_at(self, number: int) -> Contest:
        """What contesting a resolution reached at stage `number` does."""
        return self.stage(number).contest or self.contest

    def contest_escalates(self, number: int) -> bool:
        """Whether contesting a resolution at stage `number` moves on to the next stage
        (the last stage has none, so it reopens)."""
        return self.contest_at(number).then == "escalate" and number < self.last_stage.number

    def leader_decides_contest(self, number: int) -> bool:
        """Whether the leader of stage `number` decides a resolution contested there: only
        where the pack gives them the power, and only at a stage a role leads."""
        return self.contest_at(number).leader_decides and self.stage(number).led_by is not None

    def stand_in_rule(self, agency_type: str, rung: str) -> StandInRule | None:
        return next(
            (r for r in self.stand_ins if r.agency_type == agency_type and r.rung == rung), None
        )

    def stage(self, number: int) -> Stage:
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise KeyError(number)

    @property
    def last_stage(self) -> Stage:
        return self.stages[-1]

    @property
    def upper_stages(self) -> list[int]:
        """The numbers of the stages oversight counts as upper (`oversight_from_stage` on)."""
        first = self.oversight_from_stage or DEFAULT_UPPER_STAGE
        return [s.number for s in self.stages if s.number >= first]

    def immediate_rule(self, rule_id: str) -> ImmediateRule:
        for rule in self.immediate_rules:
            if rule.id == rule_id:
                return rule
        known = ", ".join(r.id for r in self.immediate_rules) or "none"
        raise KeyError(f"{self.id} has no immediate rule {rule_id!r} (it has: {known})")

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def rung(self, rung_id: str) -> Rung:
        return next(r for r in self.rungs if r.id == rung_id)

    def form(self, form_id: str) -> Form:
        return next(f for f in self.forms if f.id == form_id)


Loc = tuple[str | int, ...]


def consistency_problems(pack: Pack, known_calendars: dict[str, str]) -> list[tuple[Loc, str]]:
    """Cross-references a typed schema cannot check: each problem with the path at fault."""
    problems: list[tuple[Loc, str]] = []
    if pack.calendar not in known_calendars:
        known = ", ".join(sorted(known_calendars))
        problems.append((("calendar",), f"unknown calendar {pack.calendar!r} (known: {known})"))

    def unique(items, loc: Loc, what: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                problems.append(((*loc, i, "id"), f"duplicate {what} id {item.id!r}"))
            seen.add(item.id)
        return seen

    rungs = unique(pack.rungs, ("rungs",), "rung")
    roles = unique(pack.roles, ("roles",), "role")
    forms = unique(pack.forms, ("forms",), "form")
    unique(pack.categories, ("categories",), "category")
    unique(pack.pre_escalation, ("pre_escalation",), "pre-escalation option")

    def check_ref(value: str | None, known: set[str], loc: Loc, what: str) -> None:
        if value is not None and value not in known:
            listed = ", ".join(sorted(known)) or "none defined"
            problems.append((loc, f"{what} {value!r} is not defined (defined: {listed})"))

    for i, form in enumerate(pack.forms):
        check_ref(form.sent_to, roles, ("forms", i, "sent_to"), "role")
        problems += _by_subject_problems(pack, form.sent_to_for, roles, ("forms", i, "sent_to_for"))
        unique(form.fields, ("forms", i, "fields"), "form field")
        for j, form_field in enumerate(form.fields):
            problems += _source_problems(form_field, ("forms", i, "fields", j, "source"))

    for i, rule in enumerate(pack.stand_ins):
        check_ref(rule.rung, rungs, ("stand_ins", i, "rung"), "rung")
    for i, role in enumerate(pack.roles):
        if role.agency != "both" and role.kind != "agency":
            problems.append(
                (
                    ("roles", i, "agency"),
                    f"only an agency role names whose agency it means; {role.id!r} is of "
                    f"kind {role.kind!r}",
                )
            )

    numbers = [s.number for s in pack.stages]
    for i, stage in enumerate(pack.stages):
        loc: Loc = ("stages", i)
        if stage.number != i + 1:
            problems.append(
                (
                    (*loc, "number"),
                    f"stage numbers must run 1, 2, 3... in order; got {stage.number} "
                    f"in position {i + 1}",
                )
            )
        check_ref(stage.raising.rung, rungs, (*loc, "raising", "rung"), "rung")
        check_ref(stage.receiving.rung, rungs, (*loc, "receiving", "rung"), "rung")
        problems += _lead_problems(pack, stage, roles, loc)
        milestone_ids = unique(stage.milestones, (*loc, "milestones"), "milestone")
        problems += _anchor_problems(stage, milestone_ids, loc)
        problems += _earlier_anchor_problems(pack, stage, loc)
        unique(stage.must_record, (*loc, "must_record"), "requirement")
        for j, requirement in enumerate(stage.must_record):
            where = (*loc, "must_record", j, "form")
            check_ref(requirement.form, forms, where, "form")
            # Once the stage's own list is sound (an unknown form there is its own problem).
            listed = set(stage.forms)
            if requirement.form in forms - listed and listed <= forms:
                problems.append((where, f"form {requirement.form!r} is not one of the stage's"))
        for j, notice in enumerate(stage.notify):
            check_ref(notice.to, roles, (*loc, "notify", j, "to"), "notification role")
            check_ref(notice.form, forms, (*loc, "notify", j, "form"), "form")
        for j, form_id in enumerate(stage.forms):
            check_ref(form_id, forms, (*loc, "forms", j), "form")
        for j, seat in enumerate(stage.panel.seats if stage.panel else []):
            where = (*loc, "panel", "seats", j)
            if bool(seat.agency_types) == bool(seat.role):
                problems.append(
                    (where, "a seat names either the agency types that fill it or a role")
                )
            check_ref(seat.role, roles, (*where, "role"), "role")
        for j, option in enumerate(stage.referral_options):
            for k, notice in enumerate(getattr(option, "notify", [])):
                where = (*loc, "referral_options", j, "notify", k, "to")
                check_ref(notice.to, roles, where, "notification role")

    for i, rule in enumerate(pack.fast_track):
        for j, number in enumerate(rule.start_at):
            if number not in numbers:
                problems.append(
                    (("fast_track", i, "start_at", j), f"stage {number} does not exist")
                )
    if pack.oversight_from_stage is not None and pack.oversight_from_stage not in numbers:
        problems.append(
            (
                ("oversight_from_stage",),
                f"stage {pack.oversight_from_stage} does not exist (the stages are "
                f"{', '.join(map(str, numbers))})",
            )
        )
    problems += _contest_problems(pack)
    if pack.overall_cap:
        for j, number in enumerate(pack.overall_cap.stages):
            if number not in numbers:
                problems.append((("overall_cap", "stages", j), f"stage {number} does not exist"))
    return problems


def _contest_problems(pack: Pack) -> list[tuple[Loc, str]]:
    """A leader decides a contested resolution only at a stage a role leads (`led_by`)."""
    problems: list[tuple[Loc, str]] = []
    for i, stage in enumerate(pack.stages):
        if stage.contest and stage.contest.leader_decides and stage.led_by is None:
            problems.append(
                (
                    ("stages", i, "contest", "leader_decides"),
                    f"stage {stage.number} has no leader to decide (give it `led_by`, or "
                    "leave `leader_decides` out)",
                )
            )
    if pack.contest.leader_decides and not any(s.led_by for s in pack.stages):
        problems.append(
            (
                ("contest", "leader_decides"),
                "no stage is led by a role, so no one can decide (give a stage `led_by`, or "
                "leave `leader_decides` out)",
            )
        )
    return problems


def _source_problems(form_field: FormField, loc: Loc) -> list[tuple[Loc, str]]:
    sources = form_field.sources
    if not sources:
        return [(loc, "name where the value comes from")]
    if ASKED in sources and len(sources) > 1:
        return [(loc, f"{ASKED!r} stands alone: a person supplies the whole value")]
    known = ", ".join([ASKED, *FORM_SOURCES])
    return [
        (loc, f"unknown source {name!r} (known: {known})")
        for name in sources
        if name != ASKED and name not in FORM_SOURCES
    ]


def _anchor_problems(stage: Stage, milestone_ids: set[str], loc: Loc) -> list[tuple[Loc, str]]:
    """Each milestone counts from the stage's start, the disputed decision, or another
    milestone of the same stage, and no chain of them comes back on itself. (One counted
    from an earlier stage is _earlier_anchor_problems'.)"""
    problems: list[tuple[Loc, str]] = []
    after = {m.id: m.anchor_key for m in stage.milestones}
    for j, m in enumerate(stage.milestones):
        where = (*loc, "milestones", j, "counts_from")
        if isinstance(m.counts_from, EarlierStage):
            continue
        if m.counts_from in (STAGE_START, DISPUTED_DECISION):
            continue
        if m.counts_from not in milestone_ids:
            known = ", ".join([STAGE_START, DISPUTED_DECISION, *sorted(milestone_ids - {m.id})])
            problems.append(
                (where, f"{m.counts_from!r} is not something to count from (known: {known})")
            )
            continue
        seen, current = {m.id}, m.counts_from
        while current in after and current not in seen:
            seen.add(current)
            current = after[current]
        if current in seen:
            problems.append((where, f"milestone {m.id!r} counts, through others, from itself"))
    return problems


def _earlier_anchor_problems(pack: Pack, stage: Stage, loc: Loc) -> list[tuple[Loc, str]]:
    """A milestone counted from an earlier stage names a stage before its own, and either
    that stage's start or end, or one of that stage's milestones."""
    problems: list[tuple[Loc, str]] = []
    numbers = {s.number for s in pack.stages}
    for j, m in enumerate(stage.milestones):
        anchor = m.counts_from
        if not isinstance(anchor, EarlierStage):
            continue
        where = (*loc, "milestones", j, "counts_from")
        if (anchor.event is None) == (anchor.milestone is None):
            problems.append(
                (where, "name either the earlier stage's `event` (start or end) or its `milestone`")
            )
            continue
        if anchor.stage >= stage.number or anchor.stage not in numbers:
            problems.append(
                (
                    (*where, "stage"),
                    f"stage {anchor.stage} is not a stage before stage {stage.number}: count "
                    "from an earlier stage, or from this stage's own start or milestones",
                )
            )
            continue
        earlier = {e.id: e for e in pack.stage(anchor.stage).milestones}
        if anchor.milestone is not None and anchor.milestone not in earlier:
            known = ", ".join(sorted(earlier)) or "none"
            problems.append(
                (
                    (*where, "milestone"),
                    f"stage {anchor.stage} has no milestone {anchor.milestone!r} (it has: {known})",
                )
            )
    return problems


def counted_from(pack: Pack, number: int, milestone: Milestone) -> str:
    """What a milestone of stage `number` counts from, as a sentence continues "within 2
    working days of ...": the one wording of show, diff, simulate and the pages."""
    anchor = milestone.counts_from
    if isinstance(anchor, EarlierStage):
        if anchor.milestone is not None:
            name = next(
                (m.name for m in _stage_or_none(pack, anchor.stage) if m.id == anchor.milestone),
                anchor.milestone,
            )
            return f"\u201c{name}\u201d at stage {anchor.stage}"
        return f"the {anchor.event} of stage {anchor.stage}"
    if anchor == STAGE_START:
        return f"the start of stage {number}"
    if anchor == DISPUTED_DECISION:
        return "the disputed decision"
    name = next((m.name for m in _stage_or_none(pack, number) if m.id == anchor), anchor)
    return f"\u201c{name}\u201d"


def joined(within: bool, words: str) -> str:
    """What a timescale counts from, after it: "within 2 working days" continues " of
    ..."; "immediately: the same day..." continues "; counted from ..."."""
    return f" of {words}" if within else f"; counted from {words}"


def _stage_or_none(pack: Pack, number: int) -> list[Milestone]:
    return next((s.milestones for s in pack.stages if s.number == number), [])


def _lead_problems(pack: Pack, stage: Stage, roles: set[str], loc: Loc) -> list[tuple[Loc, str]]:
    """The stage's lead, and its lead for each kind of subject, are defined roles of a kind
    that can lead: the product gives a stage's lead to the partnership unit or the board
    chair; an agency's own officer or a party to the case would silently become the unit."""
    problems = _by_subject_problems(pack, stage.led_by_for, roles, (*loc, "led_by_for"))
    leads = [((*loc, "led_by_for", kind), role) for kind, role in _named(stage.led_by_for)]
    if stage.led_by is not None:
        if stage.led_by in roles:
            leads.insert(0, ((*loc, "led_by"), stage.led_by))
        else:
            known = ", ".join(sorted(roles)) or "none defined"
            problems.append(
                ((*loc, "led_by"), f"role {stage.led_by!r} is not defined (defined: {known})")
            )
    for where, role_id in leads:
        kind = pack.role(role_id).kind if role_id in roles else None
        if kind is not None and kind not in LEADING_KINDS:
            problems.append(
                (
                    where,
                    f"role {role_id!r} is of kind {kind!r}; a stage is led by a partnership "
                    "or independent role (leave led_by out for the two agencies to lead it)",
                )
            )
    return problems


def _named(by: BySubject | None) -> list[tuple[str, str]]:
    return by.named() if by else []


def _by_subject_problems(
    pack: Pack, by: BySubject | None, roles: set[str], loc: Loc
) -> list[tuple[Loc, str]]:
    """Each role named for a kind of subject is defined, and the pathway covers that kind."""
    problems: list[tuple[Loc, str]] = []
    covered = {"children": {"child"}, "adults": {"adult"}, "both": {"child", "adult"}}
    for kind, role_id in _named(by):
        if role_id not in roles:
            known = ", ".join(sorted(roles)) or "none defined"
            problems.append(((*loc, kind), f"role {role_id!r} is not defined (defined: {known})"))
        if kind not in covered[pack.scope.value]:
            problems.append(
                (
                    (*loc, kind),
                    f"this pathway covers {pack.scope.covers} only: a role for "
                    f"{SUBJECT_WORDS[kind]} would never be used",
                )
            )
    return problems
