"""Every change to a disagreement, in one place.

Each transition takes the acting user and, for an existing disagreement, the
version they last saw. In one database transaction it locks the row, refuses
a stale version (two managers escalating at once: exactly one wins), checks
the status, the actor's standing and the pathway, validates the input field by
field, writes the change, recomputes the stored deadlines and appends the
audit event. Whatever it refuses, it changes nothing.

The transitions are declared as data (`RULES`): which statuses each applies
in, who may perform it, which form validates its input and which effect it
has. `perform` applies any of them the same way.
"""

from __future__ import annotations

import datetime
import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import holidays
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from rpd.audit import log as audit
from rpd.frontend import day_in_full, time_in_words
from rpd.notifications import notices
from rpd.pathways.calendar import LONDON, WorkingCalendar, local_date
from rpd.pathways.loader import PackInvalid, digest, load_pack_text
from rpd.pathways.schema import EarlierStage, Pack, earlier_key
from rpd.pathways.simulate import StageDates, due_date, milestone_timescale, stage_dates
from rpd.people import roles
from rpd.people.models import (
    OVERSIGHT_ROLES,
    AgencyType,
    Partnership,
    Role,
    RoleHolder,
    StandIn,
    User,
)

from . import access, deadlines, evidence, facts, forms, formsubmissions, sends
from .access import (
    ACTORS,
    Capacity,
    administers,
    capacities,
    grant_sight,
    involved,
    manages,
    nearest_manager_in_agency,
    on_the_case,
    stands_in,
    tell_partnership,
)
from .models import (
    CLOSED,
    LIVE,
    Account,
    AgreedAction,
    CaseDeadline,
    CaseReference,
    ContestedResolution,
    ContestOutcome,
    CopiedAgency,
    Disagreement,
    EpisodeOutcome,
    Extension,
    Handover,
    Milestone,
    PanelSitting,
    Participant,
    PathwayVersion,
    Pause,
    Record,
    RecordOutcome,
    ReferenceCounter,
    Referral,
    Resolution,
    RiskChange,
    Side,
    StageEpisode,
    Status,
    Subject,
)


class TransitionError(Exception):
    """A refusal, with a message fit to show the person who asked."""


class NotFound(TransitionError):
    """The disagreement does not exist, or the actor has no need to know it exists."""

    def __init__(self):
        super().__init__("disagreement not found")


# What people wrote about the case in a transition's details (a reason, a panel's outcome):
# kept beside the audit chain, not in it, so erasing the case can remove it (ADR 006).
FREE_TEXT = frozenset({"reason", "panel_outcome"})


class NotAllowed(TransitionError):
    """The pathway, the status or the actor's standing forbids this."""


class Conflict(TransitionError):
    """Someone else changed the disagreement since the actor last saw it."""


class Invalid(TransitionError):
    """Input that fails validation: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        )


def now() -> datetime.datetime:
    return timezone.now()


# PostgreSQL's deadlock_detected and serialization_failure: the database rolled the
# transaction back and running it again is safe; anything else is a real error.
RETRYABLE = frozenset({"40P01", "40001"})
ATTEMPTS = 3


def retried(change):
    """Run `change` again when the database gives up on it for contention, a few times.

    Only as the outermost transaction: inside a caller's, the caller's whole transaction
    was rolled back and is the one to run again.
    """

    @functools.wraps(change)
    def run(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            return change(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return change(*args, **kwargs)
            except OperationalError as error:
                if getattr(error.__cause__, "sqlstate", None) not in RETRYABLE:
                    raise
                # Apart, so the same transactions do not meet again in the same order.
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise Conflict("too many changes were being made at the same moment; please try again")

    return run


def _valid(form) -> dict:
    if not form.is_valid():
        raise Invalid({name: list(messages) for name, messages in form.errors.items()})
    return form.cleaned_data


# -- Who acts at a stage ------------------------------------------------------------------


def actor_for(pack: Pack, person: User, agency, rung_id: str, stage: int) -> User:
    """Who acts for `agency`'s side at a stage whose pathway names `rung_id`.

    The person themself if they already stand that high on the pathway's ladder;
    otherwise the nearest manager above them who does; otherwise anyone in their
    agency on that rung (an agency whose chain is incomplete). Always someone in
    `agency`: a worker seconded into another agency's team (a MASH) may be managed
    across agencies, and a manager who acted for both sides would resolve alone.
    """
    rank = {r.id: i for i, r in enumerate(pack.rungs)}
    needed = rank[rung_id]

    def stands_high_enough(user: User) -> bool:
        return bool(user.rung_id) and rank.get(user.rung.pathway_rung, -1) >= needed

    if person.agency_id == agency.pk and stands_high_enough(person):
        return person
    # The nearest manager on exactly that rung; failing that, the nearest above it
    # (a chain with a gap, e.g. a lead who reports straight to the top).
    above = [m for m in person.managers() if m.is_active and stands_high_enough(m)]
    managers = [m for m in above if m.agency_id == agency.pk]
    exact = [m for m in managers if m.rung.pathway_rung == rung_id]
    if exact or managers:
        return (exact or managers)[0]
    fallback = (
        User.objects.filter(agency_id=agency.pk, rung__pathway_rung=rung_id, is_active=True)
        .order_by("pk")
        .first()
    )
    if fallback is None:
        # No one on that rung (a GP practice has no senior manager): whoever the
        # partnership names to act for the agency there.
        stand_in = StandIn.objects.filter(
            agency_id=agency.pk, pathway_rung=rung_id, person__is_active=True
        ).first()
        fallback = stand_in.person if stand_in else None
    if fallback is None:
        across = " (a line manager in another agency cannot act for it)" if above else ""
        raise NotAllowed(
            f"no one in {agency} stands on the {pack.rung(rung_id).name} rung that "
            f"stage {stage} needs{across}; an administrator must complete the agency's ladder"
        )
    return fallback


@dataclass(frozen=True)
class StageToCome:
    """Who would act for each side at a stage entered now, and its dates: what escalating
    would do, shown before it is done (the escalate page), and what it does."""

    raising_actor: User
    receiving_actor: User
    dates: StageDates


def stage_to_come(
    d: Disagreement, number: int, raising: User, receiving: User, at: datetime.datetime
) -> StageToCome:
    """`d` entering stage `number` at `at`, its sides now held by `raising` and
    `receiving`; NotAllowed if an agency has no one on the rung the stage needs."""
    pack = d.pack
    dates = stage_dates(
        pack,
        number,
        local_date(at),
        d.partnership.working_calendar(),
        d.immediate_rule or None,
        at=at,
        decided_on=d.challenged_on,
        earlier=_earlier_events(d, pack.stage(number)),
    )
    stage = pack.stage(number)
    raising_actor = actor_for(pack, raising, d.raising_agency, stage.raising.rung, number)
    receiving_actor = actor_for(pack, receiving, d.receiving_agency, stage.receiving.rung, number)
    if raising_actor == receiving_actor:
        # Unreachable while the two agencies differ; kept so one person never holds both.
        raise NotAllowed(
            f"{raising_actor.display_name} would act for both sides at stage {number}; an "
            "administrator must give each agency its own person on that rung"
        )
    return StageToCome(raising_actor, receiving_actor, dates)


def _open_episode(
    d: Disagreement, number: int, raising: User, receiving: User, at: datetime.datetime
) -> StageEpisode:
    pack = d.pack
    calendar = d.partnership.working_calendar()
    started_on = local_date(at)
    coming = stage_to_come(d, number, raising, receiving, at)
    dates, stage = coming.dates, pack.stage(number)
    raising_actor, receiving_actor = coming.raising_actor, coming.receiving_actor
    episode = StageEpisode.objects.create(
        disagreement=d,
        partnership_id=d.partnership_id,
        number=number,
        raising_actor=raising_actor,
        receiving_actor=receiving_actor,
        # Who leads may depend on whether the subject is a child or an adult at risk.
        led_by_role=stage.lead_for(d.subject.kind) or "",
        started_on=started_on,
        started_at=at,
        due=dates.due,
        due_basis=dates.due_basis,
        calendar=calendar.name,
        holidays_version=holidays.__version__,
    )
    if episode.led_by_role:
        tell_partnership(d, at)  # a stage the partnership leads: it has the case now
    # One counted from another milestone has no date until that one is met (see _record).
    Milestone.objects.bulk_create(
        Milestone(
            episode=episode,
            partnership_id=d.partnership_id,
            key=m.id,
            name=m.name,
            due=None if m.waits_for else m.due,
            after=m.waits_for or "",
            immediate=m.immediate,
        )
        for m in dates.milestones
    )
    _take_parts(
        d, [(episode.raising_actor, Side.RAISING), (episode.receiving_actor, Side.RECEIVING)]
    )
    d.stage = number
    return episode


def _earlier_events(d: Disagreement, stage) -> dict:
    """When this case's earlier stages started and ended and their milestones were met, for
    a milestone counted from one of them ("within five working days of step 1"); read only
    where the stage has such a milestone. A stage skipped or a milestone never met is
    absent, and stage_dates counts from this stage's start instead."""
    if not any(isinstance(m.counts_from, EarlierStage) for m in stage.milestones):
        return {}
    events = {}
    for episode in d.episodes.filter(number__lt=stage.number).prefetch_related("milestones"):
        events[earlier_key(episode.number, "start")] = (episode.started_on, episode.started_at)
        if episode.ended_at:
            events[earlier_key(episode.number, "end")] = (
                local_date(episode.ended_at),
                episode.ended_at,
            )
        for m in episode.milestones.all():
            if m.met_at:
                events[earlier_key(episode.number, milestone=m.key)] = (
                    local_date(m.met_at),
                    m.met_at,
                )
    return events


def _set_case_deadline(
    episode: StageEpisode, by: User, new_due: datetime.date, reason: str, at: datetime.datetime
) -> None:
    """A shorter deadline the case needs, kept beside the pathway's own (pack: case_timescale)."""
    CaseDeadline.objects.create(
        episode=episode, set_by=by, reason=reason, old_due=episode.due, new_due=new_due, set_at=at
    )
    episode.due, episode.due_basis = new_due, "case"
    episode.save(update_fields=["due", "due_basis"])


def _take_parts(d: Disagreement, people: list[tuple[User, str]]) -> None:
    """Each person a participant of `d` on their side, unless they are one already; those
    new to it may see it (`grant_sight`). The participants are read once and written in
    one statement however many: only a transition adds them, under the case's row lock
    (`perform`; a new case in `raise_disagreement`), so no one else adds the same person
    between the read and the write."""
    wanted: dict[int, tuple[User, str]] = {}
    for user, side in people:
        wanted.setdefault(user.pk, (user, side))
    there = Participant.objects.filter(disagreement=d, user_id__in=list(wanted))
    already = set(there.values_list("user_id", flat=True))
    new = [person for pk, person in wanted.items() if pk not in already]
    Participant.objects.bulk_create(
        [Participant(disagreement=d, user=user, side=side) for user, side in new]
    )
    grant_sight(d, *(user for user, _ in new))


def _stage_date(episode: StageEpisode, key: str = "due") -> dict:
    """The stage's date as an event records it, saying when it is a review date (the
    policy sets the stage no limit), so the timeline words it as the case page does."""
    return {key: episode.due.isoformat(), **({"review": True} if episode.due_is_review else {})}


def refresh_deadlines(d: Disagreement, episode: StageEpisode | None) -> None:
    """Store the earliest open deadline, so the sweep is one indexed query."""
    d.stage_due = None if d.status in CLOSED or episode is None else episode.due
    first = deadlines.first(d, episode)
    d.next_due = first.due if first else None
    d.next_due_is_review = deadlines.is_review(first)
    refresh_list_columns(d, episode)


def refresh_list_columns(d: Disagreement, episode: StageEpisode | None) -> None:
    """Store what the lists show of the current stage on the disagreement itself (who
    acts, who leads, the state of its records), so a page of rows needs no join or
    subquery: as queries.FILL_LIST_COLUMNS computes it for rows written in bulk."""
    if episode is None:
        d.current_raising_actor_id = d.current_receiving_actor_id = None
        d.current_led_by_role, d.awaiting_approval, d.awaiting_only_by_id = "", False, None
        d.has_unresolved = False
        d.next_steps = []
        return
    d.current_raising_actor_id = episode.raising_actor_id
    d.current_receiving_actor_id = episode.receiving_actor_id
    d.current_led_by_role = episode.led_by_role
    records = episode.records.values_list("author_id", "approved_at", "outcome", "superseded_by")
    waiting, unresolved = set(), False
    for author_id, approved_at, outcome, superseded_by in records:
        if approved_at is None and superseded_by is None:
            waiting.add(author_id)
        unresolved = unresolved or outcome == RecordOutcome.UNRESOLVED
    d.awaiting_approval = bool(waiting)
    d.awaiting_only_by_id = next(iter(waiting)) if len(waiting) == 1 else None
    d.has_unresolved = unresolved
    d.next_steps = [step.as_json() for step in next_steps(d, episode)]


# -- Raising ------------------------------------------------------------------------------

MAY_RAISE = frozenset(
    {Role.PRACTITIONER, Role.MANAGER, Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER}
)


def raise_refusal(actor: User) -> str | None:
    """Why `actor` may not raise a disagreement at all, or None: the check raising makes
    first, which a page asks before offering it."""
    if not actor.is_active or actor.agency_id is None or not actor.has_role(*MAY_RAISE):
        return "only a professional in one of the partnership's agencies can raise one"
    if actor.agency.type == AgencyType.PARTNERSHIP:
        return "disagreements are raised by the agencies, not the partnership"
    return None


def _raised_in(actor: User, chosen) -> Partnership:
    """The partnership a disagreement is raised in: one the raiser's agency serves, named
    by the raiser where it serves several (ADR 007)."""
    ids = actor.partnership_ids
    if chosen is None and len(ids) == 1:
        chosen = next(iter(ids))
    if chosen is None:
        raise Invalid({"partnership": ["say which partnership the disagreement is in"]})
    pk = chosen.pk if isinstance(chosen, Partnership) else chosen
    if pk not in ids:
        raise NotAllowed("your agency does not take part in that partnership")
    return Partnership.objects.get(pk=pk)


@retried
def raise_disagreement(actor: User, data: dict) -> Disagreement:
    """Open a disagreement at stage 1, or higher where the pathway's fast-track rule allows."""
    refused = raise_refusal(actor)
    if refused:
        raise NotAllowed(refused)
    partnership = _raised_in(actor, data.get("partnership"))
    pack, text, text_digest = _pathway_now(partnership)
    at = now()
    context = forms.Context(local_date(at), partnership, pack, actor)
    data = _valid(forms.RaiseForm(data, context=context))
    if data["receiver_unknown"]:
        data["receiving_professional"] = names_the_receiver(data["receiving_agency"], partnership)

    with transaction.atomic():
        pinned, pinned_now = PathwayVersion.objects.get_or_create(
            pathway_id=pack.id,
            digest=text_digest,
            defaults={"version": pack.version, "text": text},
        )
        subject = Subject.objects.create(
            partnership=partnership,
            kind=data["subject_kind"],
            given_name=data["subject_given_name"],
            family_name=data["subject_family_name"],
            date_of_birth=data["subject_date_of_birth"],
            nhs_number=data["subject_nhs_number"],
            address=data["subject_address"],
            consent_given=data["subject_consent_given"],
        )
        d = Disagreement(
            reference=_next_reference(partnership, at),
            partnership=partnership,
            pathway=pinned,
            subject=subject,
            raised_by=actor,
            raising_agency=actor.agency,
            receiving_agency=data["receiving_agency"],
            receiving_professional=data["receiving_professional"],
            lead_professional=data["lead_professional"],
            challenged=data["challenged"],
            challenged_description=data["challenged_description"],
            challenged_on=data["challenged_on"],
            categories=data["categories"],
            summary=data["summary"],
            outcome_sought=data["outcome_sought"],
            risk=data["risk"],
            urgent=data["urgent"],
            receiver_to_name=data["receiver_unknown"],
            pre_escalation=data["pre_escalation"],
            immediate_rule=data["immediate_rule"],
            fast_track_reason=data["fast_track_reason"],
            stage=data["start_stage"],
            raised_at=at,
            updated_at=at,
        )
        d.save()
        _take_parts(d, [(actor, Side.RAISING), (d.receiving_professional, Side.RECEIVING)])
        CopiedAgency.objects.bulk_create(
            CopiedAgency(disagreement=d, agency=agency, added_by=actor, added_at=at)
            for agency in data["copied_agencies"]
        )
        episode = _open_episode(d, data["start_stage"], actor, d.receiving_professional, at)
        _meet_by_raising(d, episode, at)
        if data["due_by"]:
            _set_case_deadline(episode, actor, data["due_by"], data["due_by_reason"], at)
        cap = pack.overall_cap
        if cap and d.stage in cap.stages:
            calendar = partnership.working_calendar()
            d.cap_due = calendar.add_working_days(episode.started_on, cap.working_days)
        refresh_deadlines(d, episode)
        d.save()
        notices.after_transition("raised", d, None, episode, actor, {}, at, [])
        after = evidence.read(d, pathway=pinned_now)  # for the event, and the stretches after it
        audit.append(
            action="disagreement.raised",
            target=d.audit_target,
            actor=actor,
            partnership_id=partnership.pk,
            data={
                "stage": d.stage,
                "pathway": pinned.pathway_id,
                "digest": pinned.digest,
                "fast_track": bool(d.fast_track_reason),
                **_stage_date(episode),
                "rows": evidence.changed({}, after),
                facts.ACTED_AT: at.isoformat(),
            },
        )
        facts.keep_stretches(d, after)
    return d


def names_the_receiver(agency, partnership: Partnership) -> User:
    """Who takes a disagreement whose raiser does not know who made the decision: the
    agency's safeguarding lead, else whoever the partnership names for the pathway's
    agency role there (its designated lead); they name the person ("name_receiver")."""
    lead = (
        User.objects.filter(agency=agency, is_active=True, role_grants__role=Role.SAFEGUARDING_LEAD)
        .order_by("pk")
        .first()
    )
    if lead is None:
        holder = (
            RoleHolder.objects.filter(partnership=partnership, agency=agency, user__is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        lead = holder.user if holder else None
    if lead is None:
        raise Invalid(
            {
                "receiver_unknown": [
                    f"{agency.name} has no safeguarding lead to pass it to: select the person"
                ]
            }
        )
    return lead


def _pathway_now(partnership) -> tuple[Pack, str, str]:
    """The partnership's pathway, its text and that text's digest, all from one read.

    A pack installed between looking the entry up and reading its file would otherwise
    pin one version's digest with another's text.
    """
    entry = partnership.pathway_entry()
    if entry.text is not None:  # a version kept in the database: text and digest as stored
        return entry.pack, entry.text, entry.digest
    try:
        text = entry.path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        raise NotAllowed(
            f"the pathway {entry.pack.id!r} cannot be read; an administrator must reinstall it"
        ) from None
    text_digest = digest(text)
    if text_digest == entry.digest:
        return entry.pack, text, text_digest
    try:
        return load_pack_text(text, str(entry.path)), text, text_digest
    except PackInvalid:
        raise NotAllowed(
            f"the pathway {entry.pack.id!r} was replaced by an invalid pack; an administrator "
            "must reinstall it"
        ) from None


def _next_reference(partnership, at: datetime.datetime) -> str:
    year = local_date(at).year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        partnership=partnership, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{partnership.reference_prefix}-{year}-{counter.last:04d}"


# -- Transitions on an existing disagreement ----------------------------------------------


@dataclass
class Act:
    """Everything an effect needs: who, on what, when, with what input."""

    actor: User
    d: Disagreement
    episode: StageEpisode
    held: set[str]
    at: datetime.datetime
    data: dict = field(default_factory=dict)
    # The record, agreed action or person the input names (Rule.target), once found.
    target: object = None
    # Read once however many targets are asked about (a page's fifty records): who manages
    # each person asked about, and which side each person stands on.
    _above: dict[int, set[int]] = field(default_factory=dict, repr=False)
    _sides: dict[int, str | None] = field(default_factory=dict, repr=False)
    # Why each rule is not ready, by the rule's id, for an act that only asks (`_ready`).
    _why_not: dict[int, str | None] = field(default_factory=dict, repr=False)
    _covered: set[str] | None = field(default=None, repr=False)

    def covered(self) -> set[str]:
        """What the stage's approved records cover (`covers`), read once an act: the rule's
        evidence and its form both ask."""
        if self._covered is None:
            self._covered = covers(self.episode)
        return self._covered

    def manages(self, person: User) -> bool:
        """Whether the actor is in `person`'s line management, at any depth (`manages`)."""
        return manages(self.actor, person, self._above)

    def side(self, person: User) -> str | None:
        if person.pk not in self._sides:
            self._sides[person.pk] = side_of(self.d, person)
        return self._sides[person.pk]

    @property
    def today(self) -> datetime.date:
        return local_date(self.at)

    @property
    def calendar(self) -> WorkingCalendar:
        return self.d.partnership.working_calendar()

    @property
    def context(self) -> forms.Context:
        return forms.Context(self.today, self.d.partnership, self.d.pack, self.actor, self.d.stage)


@dataclass(frozen=True)
class Rule:
    verb: str
    statuses: frozenset[str]
    # Who may attempt it at all: the capacities of access.capacities.
    who: frozenset[str]
    form: type[forms.ContextForm]
    effect: Callable[[Act], dict]
    # What the pathway must allow, checked before the input is validated: otherwise a
    # refusal such as "this is the last stage" hides behind field errors, or never shows
    # at all (a form whose choices the pathway leaves empty).
    guard: Callable[[Act], None] | None = None
    # What the form needs besides the context, from the disagreement as it stands.
    form_needs: Callable[[Act], dict] = lambda act: {}
    # The record, action or person the validated input names, found in this disagreement
    # (unknown: Invalid), and whether its state allows the transition (the refusal to
    # show, or None). Apart, so a page can ask about every target it has already loaded.
    target: Callable[[Act], object] | None = None
    state: Callable[[Act, object], str | None] | None = None
    # Who may do it to that target, decided by its author, owner or side: the refusal to
    # show, or None. Capacities say who may act on the case; this says on what.
    who_on_target: Callable[[Act, object], str | None] | None = None
    # What the stage must hold before this closes it, checked once the input is valid.
    evidence: Callable[[Act], None] | None = None
    # Whom a next step of this transition asks (`next_steps`), from the case as it stands
    # and the target: the candidates, of whom only those this rule lets do it are named.
    asks: Callable[[Disagreement, StageEpisode, object], list[User]] | None = None

    def validate(self, data: dict | forms.Sent, act: Act) -> dict:
        return _valid(self.form(data, context=act.context, **self.form_needs(act)))

    def check_target(self, act: Act) -> None:
        if self.target is not None:
            act.target = self.target(act)
        refusal = self.refusal(act, act.target)
        if refusal:
            raise NotAllowed(refusal)
        if self.evidence is not None:
            self.evidence(act)

    def refusal(self, act: Act, target) -> str | None:
        """Why the actor may not do this to `target` in its present state, or None."""
        if self.state is not None:
            refusal = self.state(act, target)
            if refusal:
                return refusal
        if self.who_on_target is not None:
            return self.who_on_target(act, target)
        return None


def _approved(episode: StageEpisode):
    """A stage's evidence: records approved by someone other than their author, not since
    corrected. Addenda made after closure never count (the case is closed by then)."""
    return episode.records.filter(approved_at__isnull=False, superseded_by__isnull=True)


def still_to_record(
    d: Disagreement, episode: StageEpisode, covered: set | None = None, *, resolving: bool
) -> list:
    """What the stage must record to close (`Stage.to_record`: resolving, or escalating) that
    no approved record covers and the pathway does not let be left out as not applying
    (`may_not_apply`): the stage closes only once a record covering it is approved.
    `covered`: `covers(episode)`, where already read."""
    covered = covers(episode) if covered is None else covered
    return [
        r
        for r in d.pack.stage(episode.number).to_record(resolving=resolving)
        if r.id not in covered and not r.may_not_apply
    ]


def covers(episode: StageEpisode) -> set[str]:
    """What the stage's approved records cover: a record is evidence once approved."""
    covered: set[str] = set()
    for ids in _approved(episode).values_list("covers", flat=True):
        covered.update(ids)
    # An item the pathway meets with a form is covered once the form is submitted here.
    d = episode.disagreement
    for r in d.pack.stage(episode.number).must_record:
        if r.form and formsubmissions.submitted_at_stage(d, r.form, episode.number):
            covered.add(r.id)
    return covered


# -- Sides: which agency a person stands with -------------------------------------------


def side_of(d: Disagreement, user: User) -> str | None:
    """The side `user` stands on by their agency; None for the partnership or a third agency."""
    if user.agency_id == d.raising_agency_id:
        return Side.RAISING
    if user.agency_id == d.receiving_agency_id:
        return Side.RECEIVING
    if stands_in(user, d.raising_agency_id):
        return Side.RAISING
    if stands_in(user, d.receiving_agency_id):
        return Side.RECEIVING
    return None


# -- Targets and who may act on them ------------------------------------------------------


def _record_in(act: Act) -> Record:
    record = act.d.records.select_related("author").filter(pk=act.data["record"]).first()
    if record is None:
        raise Invalid({"record": ["no such record in this disagreement"]})
    return record


# A record's state is read from its own columns and its `superseded_by`, which
# `records_of` fills for a whole page of records without a query each.
def _approvable(act: Act, record: Record) -> str | None:
    if act.d.is_closed and record.amends_id is None:
        # A closed case's evidence is frozen: only an addendum made since is approved.
        status = act.d.get_status_display().lower()
        return f"{act.d.reference} is {status}: you cannot approve a record"
    if record.is_approved:
        return "this record is already approved; correct it with a new version"
    if hasattr(record, "superseded_by"):
        return "this record has been corrected; approve the newer version"
    return None


def _may_approve(act: Act, record: Record) -> str | None:
    """Each agency approves its own record of a discussion (Hillingdon §3: professionals
    "record each ... discussion they have, approve and date the record"); the partnership
    role leading a stage may approve any of its records. A record by someone on neither
    side (the stage's leader) is approved by either side."""
    author = record.author
    if author.pk == act.actor.pk:
        return "a record is approved by someone other than its author"
    if Capacity.LEADER in act.held or act.manages(author):
        return None
    mine, theirs = act.side(act.actor), act.side(author)
    if mine is not None and (theirs is None or mine == theirs):
        return None
    return "a record is approved by someone on its author's side, or by whoever leads the stage"


def _the_actors(d: Disagreement, episode: StageEpisode, target=None) -> list[User]:
    """Who a step of the stage itself is asked of: each side's actor, and the partnership's
    leader where it leads the stage."""
    return [episode.raising_actor, episode.receiving_actor, *_leaders(d, episode)]


def _leaders(d: Disagreement, episode: StageEpisode) -> list[User]:
    if not episode.led_by_role:
        return []
    kind = d.pack.role(episode.led_by_role).kind
    role = Role.BOARD_CHAIR if kind == "independent" else Role.PARTNERSHIP_UNIT
    return list(
        User.objects.filter(
            is_active=True, role_grants__role=role, role_grants__partnership_id=d.partnership_id
        )
        .distinct()
        .order_by("pk")
    )


def _approvers(d: Disagreement, episode: StageEpisode, record: Record) -> list[User]:
    """Whom a record is sent to for approval: on its author's side (`_may_approve`), their
    nearest manager in their agency, or at the top of its ladder their agency's safeguarding
    leads; the stage's leader where the partnership leads it; and for a record by someone on
    neither side (the leader), the two sides' actors."""
    author = record.author
    if side_of(d, author) is None:
        return _the_actors(d, episode)
    nearest = nearest_manager_in_agency(author)
    managers = [nearest] if nearest is not None else []
    if not managers and author.agency_id is not None:
        managers = roles.safeguarding_leads([author.agency_id])
    return [*managers, *_leaders(d, episode)]


def approvers_of_correction(actor: User, d: Disagreement, record: Record) -> list[User]:
    """Whom `actor`'s correction of `record` will be sent to for approval: its author is
    the corrector, so the approvers are theirs (`_approvers`), not the record's (a manager
    correcting moves the approval up a rung: the page says so, found by a try-out)."""
    correction = Record(disagreement=d, episode=record.episode, author=actor)
    return [u for u in _approvers(d, record.episode, correction) if u.pk != actor.pk]


def _may_add_account(act: Act, record: Record) -> str | None:
    """An account is the other side's, beside a record it did not write: a side corrects its
    own records, and never edits the other's."""
    mine, theirs = act.side(act.actor), act.side(record.author)
    if record.author_id != act.actor.pk and mine is not None and mine != theirs:
        return None
    return "an account of a discussion is added by the side that did not write its record"


def _resolution(act: Act) -> Resolution:
    return act.d.resolution


def _unconfirmed(act: Act) -> None:
    """A resolution is confirmed or contested once: after, neither is offered (the target
    is always the case's own resolution, so it is the rule's to refuse, not the target's)."""
    if act.d.resolution.confirmed_at is not None:
        raise NotAllowed("the resolution is already confirmed")


def _may_confirm(act: Act, resolution: Resolution) -> str | None:
    """The side that did not resolve it confirms the resolution in writing, or contests it
    (Cambridgeshire §11, Stoke-on-Trent §7: "written confirmation between the parties")."""
    mine, theirs = act.side(act.actor), act.side(resolution.resolved_by)
    if mine is not None and mine != theirs:
        return None
    return "a resolution is confirmed or contested by the side that did not resolve it"


def _confirmers(d: Disagreement, episode: StageEpisode, resolution) -> list[User]:
    """Whom a resolution is sent to for confirmation: the other side's actor at the stage
    it was resolved at (or both, where the stage's leader resolved it)."""
    last = d.episodes.select_related("raising_actor", "receiving_actor").order_by("-number")[0]
    return [last.raising_actor, last.receiving_actor]


def records_of(
    d: Disagreement, also: set[int] | frozenset[int] = frozenset()
) -> tuple[list[Record], dict[int, User]]:
    """`d`'s records, oldest first, each with its author and approver and with what the
    rules read of its state: the correction that supersedes it, found among the same
    records (a correction is a record of the same disagreement), so asking the rules about
    all of them takes no query more. Not a join: SQLite scans the table for that one.

    The people come from one lookup by key, with the ids in `also` (the page's other
    people, whom it returns with them): a join built two of them for every record; those
    read with the case (`d.people_read`, where a page read them) are not read again. Each
    record's `taking_part`: the people it names as taking part, by name."""
    records = list(d.records.order_by("occurred_at", "pk"))
    # Who took part in each, from the same lookup of people: `Record.taking_part`.
    took_part = (
        list(
            Record.participants.through.objects.filter(record_id__in=[r.pk for r in records])
            .order_by("pk")
            .values_list("record_id", "user_id")
        )
        if records
        else []
    )
    people = with_people(
        [(records, ("author", "approved_by"))],
        set(also) | {u for _, u in took_part},
        known=getattr(d, "people_read", None),
    )
    by_record: dict[int, list[User]] = {}
    for record_id, user_id in took_part:
        by_record.setdefault(record_id, []).append(people[user_id])
    for r in records:
        r.taking_part = sorted(
            by_record.get(r.pk, ()), key=lambda u: (u.last_name, u.first_name, u.pk)
        )
    correction = {r.supersedes_id: r for r in records if r.supersedes_id}
    superseded_by = Record.superseded_by.related
    for r in records:
        superseded_by.set_cached_value(r, correction.get(r.pk))
    return records, people


def with_people(
    named: list[tuple[list, tuple[str, ...]]], also=frozenset(), known: dict | None = None
) -> dict[int, User]:
    """Give each object the people its fields name (`named`: objects, and the names of
    their fields for people), as select_related would, from one lookup by key with the
    ids in `also`; return the people read. A join built each person again for every row,
    and joins of up to nine tables took PostgreSQL longer to plan than to read. People in
    `known` (by id, read already) are not read again."""
    known = known or {}
    ids = set(also)
    for objects, fields in named:
        ids |= {getattr(o, f"{name}_id") for o in objects for name in fields}
    missing = ids - {None} - set(known)
    people = {**known, **(User.objects.in_bulk(missing) if missing else {})}
    for objects, fields in named:
        for o in objects:
            for name in fields:
                field = o._meta.get_field(name)
                field.set_cached_value(o, people.get(getattr(o, field.attname)))
    return people


def _correctable(act: Act, record: Record) -> str | None:
    if hasattr(record, "superseded_by"):
        return "this record has already been corrected; correct the newest version"
    return None


def _may_correct(act: Act, record: Record) -> str | None:
    if record.author_id == act.actor.pk or act.manages(record.author):
        return None
    return "a record is corrected by its author or someone in their line management"


def _action_in(act: Act) -> AgreedAction:
    action = (
        AgreedAction.objects.select_related("owner", "record")
        .filter(pk=act.data["action"], record__disagreement=act.d)
        .first()
    )
    if action is None:
        raise Invalid({"action": ["no such agreed action in this disagreement"]})
    return action


def _open_action(act: Act, action: AgreedAction) -> str | None:
    return "this action is already marked done" if action.done_at is not None else None


def _may_complete(act: Act, action: AgreedAction) -> str | None:
    owner = action.owner
    if owner.pk == act.actor.pk or act.manages(owner):
        return None
    if Capacity.LEAD in act.held and act.actor.agency_id == owner.agency_id:
        return None
    return (
        "an agreed action is marked done by its owner, someone in their line management or "
        "their agency's safeguarding lead"
    )


def _may_move_action(act: Act, action: AgreedAction) -> str | None:
    """An agreed action's date moves as it is marked done: by its owner, their line
    management or their agency's lead."""
    if _may_complete(act, action) is None:
        return None
    return (
        "an agreed action's due date is changed by its owner, someone in their line "
        "management or their agency's safeguarding lead"
    )


def _may_hand_over_action(act: Act, action: AgreedAction) -> str | None:
    """An agreed action passes to someone else the way it is marked done: by its owner,
    their line management or their agency's lead; or by the partnership's administrator
    when the owner leaves or moves."""
    if _may_complete(act, action) is None or Capacity.ADMINISTRATOR in act.held:
        return None
    return (
        "an agreed action is handed over by its owner, someone in their line management or "
        "their agency's safeguarding lead"
    )


# -- Whom a choice of person may name --------------------------------------------------------
# Each is the rule its transition checks, and what the page's picker lists: the people of
# the case, never the partnership's thousands.


def action_owners(act: Act):
    """Who may own an agreed action: anyone active in the partnership (an action may fall
    to an agency the disagreement is not between) once the pathway has told the
    partnership about the case; before that, only people of the two agencies (or standing
    in for one) and the partnership's oversight. An owner sees their action and the
    register line (access.sight): naming someone of a third agency earlier would tell that
    agency about a case the partnership itself has not yet been told of."""
    d = act.d
    users = forms.partnership_users(d.partnership)
    if d.partnership_told_at is not None:
        return users
    sides = (d.raising_agency_id, d.receiving_agency_id)
    return users.filter(
        Q(agency_id__in=sides)
        | Q(stands_in_for__agency_id__in=sides)
        | Q(role_grants__role__in=OVERSIGHT_ROLES, role_grants__partnership=d.partnership)
    ).distinct()


def listed_owners(act: Act):
    """Whom an owner menu lists: the people of the case (those taking part and their
    managers), the two agencies' safeguarding leads and stand-ins, and, where the
    partnership leads the stage, its unit and chair; never the partnership's thousands. Not
    the owner of the action being handed over (`_hand_over_action` refuses them)."""
    listed = on_the_case(act.d, partnership_leads=bool(act.episode and act.episode.led_by_role))
    if isinstance(act.target, AgreedAction):
        listed = listed.exclude(pk=act.target.owner_id)
    return listed


def panel_candidates(act: Act):
    """Whom the panel page lists (`PanelForm` accepts anyone in the partnership): the case's
    people and the partnership's leads, the holders of the roles that fill its seats, the
    safeguarding leads of the kinds of agency its seats need, and, of those agencies and the
    two concerned, whoever stands as high as the stage's actors; never the thousands."""
    d, pack = act.d, act.d.pack
    stage = pack.stage(d.stage)
    who = Q(pk__in=on_the_case(d, partnership_leads=True).values("pk"))
    if stage.panel is not None:
        seats = stage.panel.seats
        held = [roles.holders(d.partnership, seat.role) for seat in seats if seat.role]
        types = {kind for seat in seats for kind in seat.agency_types}
        ladder = [rung.id for rung in pack.rungs]  # lowest first
        lowest = min(ladder.index(stage.raising.rung), ladder.index(stage.receiving.rung))
        agencies = Q(agency__type__in=types) | Q(
            agency_id__in=(d.raising_agency_id, d.receiving_agency_id)
        )
        who |= (
            Q(pk__in=[h.user_id for holders in held for h in holders if h.user_id])
            | (agencies & Q(rung__pathway_rung__in=ladder[lowest:]))
            | Q(
                agency__type__in=types,
                role_grants__role=Role.SAFEGUARDING_LEAD,
                role_grants__partnership__isnull=True,
            )
        )
    return (
        forms.partnership_users(d.partnership)
        .filter(who)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def taking_part(d: Disagreement):
    """Who may ask for more time (`_asker`): those taking part."""
    return User.objects.filter(pk__in=d.participants.values("user_id"), is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def may_act_for(agency_id: int):
    """Whom a side of `agency_id` may pass to (`_handed_over`): someone active in its
    agency or standing in for it."""
    return User.objects.filter(access.acting_for(agency_id), is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def sides_handed_over_by(act: Act) -> list[str]:
    """The sides `act.actor` may hand over (`_may_hand_over`, as `perform` asks it), for
    the page to offer only those, with only their agencies' people."""
    return [
        side
        for side in (Side.RAISING, Side.RECEIVING)
        if act.episode is not None
        and _may_hand_over(replace(act, data={"side": side}), act.episode.actor(side)) is None
    ]


def _hand_over_needs(act: Act) -> dict:
    """Each side the actor may hand over, with whom it may pass to (`_handed_over`)."""
    agencies = {Side.RAISING: act.d.raising_agency_id, Side.RECEIVING: act.d.receiving_agency_id}
    offered = {side: may_act_for(agencies[side]) for side in sides_handed_over_by(act)}
    return {"offered": offered, "sides": list(offered)}


def _asker(act: Act) -> User:
    asker = act.data["asked_by"]
    if not act.d.participants.filter(user=asker).exists():
        raise Invalid({"asked_by": ["must be someone taking part in this disagreement"]})
    return asker


def _may_agree_extension(act: Act, asker: User) -> str | None:
    """Stoke-on-Trent §5: "requests for extensions to timescales should be agreed": by the
    side that did not ask, or the stage's leader, never by the asking side alone."""
    if Capacity.LEADER in act.held:
        return None
    mine, theirs = act.side(act.actor), act.side(asker)
    if mine is not None and mine != theirs:
        return None
    return (
        "an extension asked for by one side is agreed by the other side or by whoever leads "
        "the stage"
    )


def _handed_over(act: Act) -> User:
    """Who acts for the side now; the person it passes to must be of the same agency."""
    side, to_user = act.data["side"], act.data["to_user"]
    agency = act.d.raising_agency if side == Side.RAISING else act.d.receiving_agency
    if to_user.agency_id != agency.pk and not stands_in(to_user, agency.pk):
        raise Invalid({"to_user": [f"must be someone in {agency.name}, or named to act for it"]})
    from_user = act.episode.actor(side)
    if to_user == from_user:
        raise Invalid({"to_user": ["already acts for that side"]})
    return from_user


def _may_hand_over(act: Act, from_user: User) -> str | None:
    # Each agency decides who acts for it: the side's own actor, their managers or
    # their agency's safeguarding lead; the partnership where it leads the stage; and the
    # partnership's administrator, who moves people between posts and signs leavers off.
    agency = act.d.raising_agency if act.data["side"] == Side.RAISING else act.d.receiving_agency
    if (
        act.actor == from_user
        or act.manages(from_user)
        or (Capacity.LEAD in act.held and act.actor.agency_id == agency.pk)
        or Capacity.LEADER in act.held
        or Capacity.ADMINISTRATOR in act.held
    ):
        return None
    return f"only {agency.name} can hand over who acts for it"


# -- What closing a stage needs -----------------------------------------------------------


def _shows_unresolved(act: Act) -> None:
    if not act.episode.records.filter(outcome=RecordOutcome.UNRESOLVED).exists():
        raise NotAllowed("first record the discussion that shows why it is unresolved")


def _shows_resolved(act: Act) -> None:
    # Even with every item declared not applicable, a stage the pathway asks records of
    # is not resolved on one side's word: the discussion is recorded and approved.
    if act.d.pack.stage(act.d.stage).must_record and not _approved(act.episode).exists():
        raise NotAllowed(
            "first record the discussion that resolved it, approved by someone other than "
            "its author"
        )


def _forms_sent(act: Act) -> None:
    """A stage whose pathway requires its form sent cannot close until it is: a record
    saying it was sent is not the form (Hillingdon §4 Stage Four, Jersey Appendix 3,
    Stoke-on-Trent Appendix 2)."""
    d = act.d
    for r in d.pack.stage(d.stage).must_record:
        if r.form and not formsubmissions.submitted_at_stage(d, r.form, d.stage):
            raise NotAllowed(
                f"first submit the {d.pack.form(r.form).name}: stage {d.stage} must send it"
            )


def _recorded_what_it_must(*, resolving: bool):
    """Closing a stage waits for an approved record of what it must record that no reason
    can leave out (a form's item waits for the form: `_forms_sent`): until then, the form
    offered would only be refused. Escalating needs less than resolving: not what only a
    resolution reaches ("where resolved, the agreed points of resolution")."""

    def check(act: Act) -> None:
        missing = [
            r.text
            for r in still_to_record(act.d, act.episode, act.covered(), resolving=resolving)
            if not r.form
        ]
        if missing:
            raise NotAllowed(
                f"first record a discussion covering what stage {act.d.stage} must still "
                f"record ({'; '.join(missing)}) and have the record approved"
            )

    return check


def _all(*checks: Callable[[Act], None]) -> Callable[[Act], None]:
    def check(act: Act) -> None:
        for each in checks:
            each(act)

    return check


def _stage_has_forms(act: Act) -> None:
    if not act.d.pack.stage(act.d.stage).forms:
        raise NotAllowed(f"stage {act.d.stage}'s pathway names no form to submit")


# -- Effects: the change itself, once every rule above has passed -------------------------


def _record(act: Act) -> dict:
    data = act.data
    record = Record.objects.create(
        disagreement=act.d,
        episode=act.episode,
        kind=data["kind"],
        occurred_at=data["occurred_at"],
        other_participants=data["other_participants"],
        summary=data["summary"],
        outcome=data["outcome"],
        covers=data["covers"],
        author=act.actor,
        created_at=act.at,
    )
    record.participants.set(data["participants"])
    AgreedAction.objects.bulk_create(
        AgreedAction(record=record, text=a["text"], owner=a["owner"], due=a["due"])
        for a in data["actions"]
    )
    # An owner elsewhere in the partnership sees their action, not the case (access.sight);
    # one in an agency involved takes part in it.
    owners = {a["owner"].pk: a["owner"] for a in data["actions"]}.values()
    _take_parts(act.d, [(owner, "") for owner in owners if involved(owner, act.d)])
    facts.met(act.episode.milestones.filter(key__in=data["meets"], met_at__isnull=True), act.at)
    _date_milestones_after(act, data["meets"])
    return {
        "record": record.pk,
        "outcome": record.outcome,
        "covers": record.covers,
        "meets": data["meets"],
    }


def _date_milestones_after(act: Act, met: list[str]) -> None:
    _date_after(act.d, act.episode, met, act.at)


def _date_after(d: Disagreement, episode: StageEpisode, met: list[str], at) -> None:
    """Milestones counted from one just met now have their date, counted from that moment."""
    calendar = d.partnership.working_calendar()
    for milestone in episode.milestones.filter(after__in=met, due__isnull=True):
        timescale = milestone_timescale(
            d.pack, episode.number, milestone.key, d.immediate_rule or None
        )
        milestone.due = due_date(timescale, local_date(at), calendar, at)
        milestone.save(update_fields=["due"])


def _meet_by_raising(d: Disagreement, episode: StageEpisode, at) -> None:
    """Raising it here is raising the matter: a milestone of the stage it starts at that
    counts from the disputed decision (Stoke-on-Trent §5 Stage 1, "raise the matter with
    the other practitioner ... within one working day of the disputed decision") is met
    by raising it, on time or late, never left to fall overdue on a fresh case."""
    met = [m.id for m in d.pack.stage(episode.number).met_by_raising]
    if met:
        facts.met(episode.milestones.filter(key__in=met, met_at__isnull=True), at)
        _date_after(d, episode, met, at)


def _approve(act: Act) -> dict:
    record = act.target
    record.approved_by, record.approved_at = act.actor, act.at
    record.save(update_fields=["approved_by", "approved_at"])
    return {"record": record.pk}


def _correct(act: Act) -> dict:
    """A new version pointing at the old. Once the case is closed its evidence is frozen:
    the correction is an addendum beside the record, approved in its turn, and covers
    nothing."""
    old = act.target
    closed = act.d.is_closed
    new = Record.objects.create(
        disagreement=act.d,
        episode=old.episode,
        kind=old.kind,
        occurred_at=old.occurred_at,
        other_participants=old.other_participants,
        summary=act.data["summary"],
        outcome=old.outcome,
        covers=[] if closed else old.covers,
        author=act.actor,
        created_at=act.at,
        supersedes=None if closed else old,
        amends=old if closed else None,
    )
    new.participants.set(old.participants.all())
    link = "amends" if closed else "supersedes"
    return {"record": new.pk, link: old.pk, "reason": act.data["reason"]}


def _close_episode(act: Act, outcome: str) -> None:
    act.episode.outcome, act.episode.ended_at = outcome, act.at
    facts.stage_ended(act.episode, act.calendar)
    act.episode.save(update_fields=["outcome", "ended_at", "working_days_taken"])


def _close_case(act: Act, status: str) -> None:
    act.d.status, act.d.closed_at = status, act.at
    facts.case_closed(act.d, act.calendar)


def _may_escalate(act: Act) -> None:
    d, last = act.d, act.d.pack.last_stage
    if d.stage == last.number:
        onward = "refer it on instead" if last.referral_options else "resolve it at this stage"
        raise NotAllowed(f"stage {d.stage} is the last stage of this pathway; {onward}")


def _escalate(act: Act) -> dict:
    d = act.d
    _close_episode(act, EpisodeOutcome.ESCALATED)
    episode = _open_episode(
        d, d.stage + 1, act.episode.raising_actor, act.episode.receiving_actor, act.at
    )
    act.episode = episode
    return {
        "from_stage": episode.number - 1,
        "to_stage": episode.number,
        **_stage_date(episode),
        "reason": act.data["reason"],
        "not_applicable": act.data["not_applicable"],
    }


def _may_fast_track(act: Act) -> None:
    if not forms.fast_track_stages(act.d.pack, act.d.stage):
        raise NotAllowed(
            f"this pathway names no stage a case at stage {act.d.stage} may jump to; escalate it"
        )


def _fast_track(act: Act) -> dict:
    """Jersey §4.2 "may quickly escalate from Stage 1 to 3"; Stoke-on-Trent §5 "straight to
    the Head of Service level": the next rungs take over at once, the reason on record."""
    d, to_stage = act.d, act.data["to_stage"]
    from_stage = d.stage
    _close_episode(act, EpisodeOutcome.ESCALATED)
    episode = _open_episode(
        d, to_stage, act.episode.raising_actor, act.episode.receiving_actor, act.at
    )
    act.episode = episode
    d.fast_track_reason = act.data["reason"]
    cap = d.pack.overall_cap
    if cap and to_stage in cap.stages and not d.cap_due:
        d.cap_due = act.calendar.add_working_days(episode.started_on, cap.working_days)
    return {
        "from_stage": from_stage,
        "to_stage": to_stage,
        **_stage_date(episode),
        "reason": act.data["reason"],
    }


def _raise_risk(act: Act) -> dict:
    d, data = act.d, act.data
    RiskChange.objects.create(
        disagreement=d,
        episode=act.episode,
        old_risk=d.risk,
        new_risk=data["risk"],
        non_involvement=data["non_involvement"],
        reason=data["reason"],
        by=act.actor,
        at=act.at,
    )
    old, d.risk = d.risk, data["risk"]
    return {
        "old_risk": old,
        "risk": d.risk,
        "non_involvement": data["non_involvement"],
        "reason": data["reason"],
    }


def _may_record_panel(act: Act) -> None:
    if act.d.pack.stage(act.d.stage).panel is None:
        raise NotAllowed(f"this pathway names no panel at stage {act.d.stage}")


def _record_panel(act: Act) -> dict:
    data, panel = act.data, act.d.pack.stage(act.d.stage).panel
    members = data["members"]
    agencies = sorted({m.agency.name for m in members})
    sitting = PanelSitting.objects.create(
        episode=act.episode,
        name=panel.name,
        held_on=data["held_on"],
        agencies=agencies,
        chronology_reviewed=data["chronology_reviewed"],
        outcome=data["outcome"],
        by=act.actor,
        at=act.at,
    )
    sitting.members.set(members)
    _take_parts(act.d, [(member, "") for member in members if involved(member, act.d)])
    return {
        "panel": panel.name,
        "held_on": data["held_on"].isoformat(),
        "agencies": agencies,
        "chronology_reviewed": data["chronology_reviewed"],
        # Free text: kept out of the notices (not in notices.FACTS, unlike a record's outcome).
        "panel_outcome": data["outcome"],
    }


def _resolve(act: Act) -> dict:
    data = act.data
    Resolution.objects.create(
        disagreement=act.d,
        agreed_outcome=data["agreed_outcome"],
        next_steps=data["next_steps"],
        written_confirmation=data["written_confirmation"],
        feedback_to_raiser=data["feedback_to_raiser"],
        learning_multi_agency_audit=data["learning_multi_agency_audit"],
        learning_case_review=data["learning_case_review"],
        learning_procedure_amendment=data["learning_procedure_amendment"],
        resolved_by=act.actor,
        resolved_at=act.at,
    )
    _close_episode(act, EpisodeOutcome.RESOLVED)
    _close_case(act, Status.RESOLVED)
    # The outcome goes on the partnership's form where the pathway says so; the stage's
    # `resolved` notice links to it (notices.pathway_notices).
    outcome = formsubmissions.submit_outcome(act.d, act.actor, act.at)
    return {
        "stage": act.d.stage,
        "not_applicable": data["not_applicable"],
        "outcome_forms": {s.form_id: s.version for s in outcome},
    }


def referred_from(d: Disagreement, episodes: list[StageEpisode]) -> list[StageEpisode]:
    """Which of `d`'s episodes a referral can have been made at: the last stage's, the only
    one `_may_refer` allows (so a page reads referrals of those alone)."""
    return [e for e in episodes if e.number == d.pack.last_stage.number]


def _may_refer(act: Act) -> None:
    stage = act.d.pack.stage(act.d.stage)
    if stage.number != act.d.pack.last_stage.number:
        raise NotAllowed(f"referring on is for the last stage; escalate stage {stage.number}")
    if not stage.referral_options:
        raise NotAllowed("this pathway names nowhere to refer on to")


def _add_account(act: Act) -> dict:
    account = Account.objects.create(
        record=act.target, author=act.actor, text=act.data["account"], at=act.at
    )
    return {"record": act.target.pk, "account": account.pk, "author": act.target.author_id}


def _confirm_resolution(act: Act) -> dict:
    resolution = act.target
    resolution.confirmed_by, resolution.confirmed_at = act.actor, act.at
    resolution.save(update_fields=["confirmed_by", "confirmed_at"])
    return {"stage": act.d.stage}


# What a resolution says, as its side wrote it: kept whole on a contested resolution, and
# written back if the stage's leader upholds it.
RESOLUTION_AS_WRITTEN = (
    "agreed_outcome",
    "next_steps",
    "written_confirmation",
    "feedback_to_raiser",
    "learning_multi_agency_audit",
    "learning_case_review",
    "learning_procedure_amendment",
    "resolved_by_id",
    "resolved_at",
)


def _resolution_as_written(row) -> dict:
    return {name: getattr(row, name) for name in RESOLUTION_AS_WRITTEN}


def _contest_resolution(act: Act) -> dict:
    """The resolution is kept as it stood, with the reason, and the case goes on as the
    pathway says (`Pack.contest_at`): to the next stage, or the stage reopened; or, where
    it gives the stage's leader the power, the stage reopened for the leader to decide."""
    d, resolution, pack = act.d, act.target, act.d.pack
    if pack.leader_decides_contest(d.stage):
        then = ContestOutcome.AWAITING_LEADER
    elif pack.contest_escalates(d.stage):
        then = ContestOutcome.ESCALATED
    else:
        then = ContestOutcome.REOPENED
    ContestedResolution.objects.create(
        disagreement=d,
        stage=d.stage,
        **_resolution_as_written(resolution),
        contested_by=act.actor,
        contested_at=act.at,
        reason=act.data["reason"],
        outcome=then,
    )
    resolution.delete()
    d.status, d.closed_at = Status.OPEN, None
    last = d.episodes.select_related("raising_actor", "receiving_actor").get(number=d.stage)
    from_stage = d.stage
    last.outcome, last.ended_at = "", None
    facts.reopened(d, last)
    last.save(update_fields=["outcome", "ended_at", "working_days_taken"])
    act.episode = last
    if then == ContestOutcome.ESCALATED:
        _move_on_after_contest(act)
    return {
        "from_stage": from_stage,
        "to_stage": d.stage,
        "then": str(then),
        "reason": act.data["reason"],
    }


def _move_on_after_contest(act: Act) -> None:
    """What is not resolved at a stage goes to the next (every seed escalates so)."""
    d, last = act.d, act.episode
    _close_episode(act, EpisodeOutcome.ESCALATED)
    act.episode = _open_episode(d, d.stage + 1, last.raising_actor, last.receiving_actor, act.at)


def _kept(d: Disagreement, name: str, key: tuple, make: Callable[[], object]):
    """`make()`, kept on the case object while `key` (its version first, and whatever else
    the answer depends on) stays the same: a change (`perform`) reads it before its effect,
    and anything after reads the next version's."""
    kept = d.__dict__.get(name)
    if kept is None or kept[0] != key:
        kept = d.__dict__[name] = (key, make())
    return kept[1]


def contested_of(d: Disagreement) -> list[ContestedResolution]:
    """Every resolution of `d` the other side contested, oldest first, with who resolved,
    contested and decided it: read once for this version of the case (`_kept`), however
    many rules ask whether one awaits the stage's leader and whatever the page then
    lists."""
    return _kept(d, "_rpd_contested", (d.version,), lambda: _contested_rows(d))


def _contested_rows(d: Disagreement) -> list[ContestedResolution]:
    # Most cases have none, asked several times a change: a plain query, and the people
    # read only where there are rows (joined to three people, it took a millisecond to
    # build each time).
    rows = list(d.contested_resolutions.order_by("contested_at", "pk"))
    if rows:
        with_people([(rows, ("resolved_by", "contested_by", "decided_by"))])
    return rows


def _awaiting_leader(d: Disagreement) -> ContestedResolution | None:
    """The resolution contested at this stage that awaits its leader, if any."""
    awaiting = ContestOutcome.AWAITING_LEADER
    return next((c for c in contested_of(d) if c.outcome == awaiting and c.stage == d.stage), None)


def _may_decide_contested(act: Act) -> None:
    if _awaiting_leader(act.d) is None:
        raise NotAllowed(f"no resolution contested at stage {act.d.stage} awaits a decision")


def _contest_to_decide(act: Act) -> ContestedResolution:
    return _awaiting_leader(act.d)


def _no_contest_awaiting(act: Act) -> None:
    """A resolution contested where the stage's leader decides is theirs to settle first."""
    if act.d.status == Status.OPEN and _awaiting_leader(act.d) is not None:
        raise NotAllowed("the stage's leader first decides the contested resolution")


def _leaders_asked(d: Disagreement, episode: StageEpisode, target=None) -> list[User]:
    return _leaders(d, episode)


def _decide_contested(act: Act) -> dict:
    """The stage's leader, where the pathway gives them the power (Hillingdon §4 Stage Four:
    the Implementation Unit "may seek to resolve the issue directly"), upholds the contested
    resolution, and the case closes as resolved, confirmed by their decision; or does not,
    and the case goes on as the pathway says of a contested resolution."""
    d, contested = act.d, act.target
    contested.decided_by, contested.decided_at = act.actor, act.at
    contested.decision_reason = act.data["reason"]
    from_stage = d.stage
    if act.data["decision"] == forms.DecideContestedForm.UPHOLD:
        contested.outcome = ContestOutcome.UPHELD
        Resolution.objects.create(
            disagreement=d,
            **_resolution_as_written(contested),
            confirmed_by=act.actor,
            confirmed_at=act.at,
        )
        _close_episode(act, EpisodeOutcome.RESOLVED)
        _close_case(act, Status.RESOLVED)
    elif d.pack.contest_escalates(d.stage):
        contested.outcome = ContestOutcome.ESCALATED
        _move_on_after_contest(act)
    else:
        contested.outcome = ContestOutcome.REOPENED
    contested.save()
    return {
        "decision": str(contested.outcome),
        "from_stage": from_stage,
        "to_stage": d.stage,
        "reason": act.data["reason"],
    }


def _refer(act: Act) -> dict:
    Referral.objects.create(
        episode=act.episode,
        referred_to=act.data["referred_to"],
        recommendation=act.data["recommendation"],
        by=act.actor,
        at=act.at,
    )
    tell_partnership(act.d, act.at)
    return {"referred_to": act.data["referred_to"]}


def _add_party(act: Act) -> dict:
    agency, person = act.data["agency"], act.data["person"]
    CopiedAgency.objects.create(
        disagreement=act.d, agency=agency, person=person, added_by=act.actor, added_at=act.at
    )
    return {"agency": agency.pk, "person": person.pk if person else None}


def _pause(act: Act) -> dict:
    Pause.objects.create(
        disagreement=act.d,
        episode=act.episode,
        partnership_id=act.d.partnership_id,
        reason=act.data["reason"],
        paused_by=act.actor,
        paused_on=act.today,
        expected_resume=act.data["expected_resume"],
    )
    act.d.status = Status.PAUSED
    return {"expected_resume": act.data["expected_resume"].isoformat()}


def _resume(act: Act) -> dict:
    """Paused working days do not count: every open deadline moves on by them.

    A working day counts as paused only if the case was paused for the whole of it: the
    days strictly between the day it paused and the day it resumed. A pause within one
    day, or from one evening to the next morning, moves nothing.
    """
    pause = act.d.pauses.get(resumed_on__isnull=True)
    calendar = act.calendar
    whole_from = pause.paused_on + datetime.timedelta(days=1)
    paused = len(calendar.paused_dates(whole_from, act.today))

    def moved(due: datetime.date) -> datetime.date:
        # A deadline already passed before the pause stays passed.
        return calendar.add_working_days(due, paused) if due >= pause.paused_on else due

    if paused:
        act.episode.due = moved(act.episode.due)
        act.episode.save(update_fields=["due"])
        for milestone in act.episode.milestones.filter(met_at__isnull=True, due__isnull=False):
            milestone.due = moved(milestone.due)
            milestone.save(update_fields=["due"])
        if act.d.cap_due:
            act.d.cap_due = moved(act.d.cap_due)
    pause.resumed_on, pause.resumed_by, pause.working_days_paused = act.today, act.actor, paused
    pause.save(update_fields=["resumed_on", "resumed_by", "working_days_paused"])
    act.d.status = Status.OPEN
    return {"working_days_paused": paused, **_stage_date(act.episode)}


def _extend(act: Act) -> dict:
    """Each deadline the extension names moves; the others stand. The row keeps every old
    date beside its new one."""
    old = act.episode.due
    moved = []
    for move in act.data["moves"]:
        milestone, new_due = move["milestone"], move["new"]
        if milestone is None:
            name, before = "stage", act.episode.due
            act.episode.due = new_due
            act.episode.save(update_fields=["due"])
        else:
            name, before = milestone.name, milestone.due
            milestone.due = new_due
            milestone.save(update_fields=["due"])
        moved.append(
            {
                "deadline": move["deadline"],
                "name": name,
                "old": before.isoformat(),
                "new": new_due.isoformat(),
            }
        )
    Extension.objects.create(
        episode=act.episode,
        partnership_id=act.d.partnership_id,
        asked_by=act.target,
        agreed_by=act.actor,
        reason=act.data["reason"],
        old_due=old,
        new_due=act.episode.due,
        moves=moved,
        agreed_at=act.at,
    )
    return {"old_due": old.isoformat(), **_stage_date(act.episode, "new_due"), "moved": moved}


def _may_shorten(act: Act) -> None:
    case = act.d.pack.stage(act.d.stage).case_timescale
    if case is None or "actor" not in case.set_by:
        raise NotAllowed(f"this pathway sets stage {act.d.stage}'s timescale itself")


def _shorten(act: Act) -> dict:
    old = act.episode.due
    _set_case_deadline(act.episode, act.actor, act.data["new_due"], act.data["reason"], act.at)
    return {"old_due": old.isoformat(), "new_due": act.episode.due.isoformat()}


def _hand_over(act: Act) -> dict:
    side, to_user, from_user = act.data["side"], act.data["to_user"], act.target
    Handover.objects.create(
        episode=act.episode,
        side=side,
        from_user=from_user,
        to_user=to_user,
        reason=act.data["reason"],
        by=act.actor,
        at=act.at,
    )
    setattr(act.episode, f"{side}_actor", to_user)
    act.episode.save(update_fields=[f"{side}_actor"])
    _take_parts(act.d, [(to_user, side)])
    return {"side": side, "from": from_user.pk, "to": to_user.pk}


def _name_receiver(act: Act) -> dict:
    """The receiving agency names who made the decision or holds the case: they hold it
    from now on, and the stage is acted for by whoever stands on its rung above them, as
    when a case is raised naming them (the person themself at stage 1; their senior
    manager at a stage 3 fast-tracked to)."""
    to_user, from_user = act.data["to_user"], act.episode.receiving_actor
    if to_user.agency_id != act.d.receiving_agency_id:
        raise Invalid({"to_user": [f"Select someone in {act.d.receiving_agency.name}"]})
    stage = act.d.pack.stage(act.episode.number)
    acting = actor_for(
        act.d.pack, to_user, act.d.receiving_agency, stage.receiving.rung, stage.number
    )
    Handover.objects.create(
        episode=act.episode,
        side=Side.RECEIVING,
        from_user=from_user,
        to_user=acting,
        reason=act.data["reason"] or "Named by the receiving agency",
        by=act.actor,
        at=act.at,
    )
    act.episode.receiving_actor = acting
    act.episode.save(update_fields=["receiving_actor"])
    act.d.receiving_professional = to_user
    act.d.receiver_to_name = False
    _take_parts(act.d, [(to_user, Side.RECEIVING), (acting, Side.RECEIVING)])
    return {"side": Side.RECEIVING, "from": from_user.pk, "to": acting.pk, "named": to_user.pk}


def _receiver_named(act: Act) -> None:
    """Raised with "I do not know who", there is no one to discuss it with until the other
    agency names who holds the case (`name_receiver`, the next step asked meanwhile)."""
    if act.d.receiver_to_name:
        raise NotAllowed(
            f"once {act.d.receiving_agency.name} has named who holds the case: until then "
            "there is no one to discuss it with"
        )


def _may_name_receiver(act: Act) -> None:
    """Only while unnamed, and only by whoever the case went to (the agency's lead) or
    another safeguarding lead of that agency: checked before the page is offered."""
    agency = act.d.receiving_agency
    if not act.d.receiver_to_name:
        raise NotAllowed(f"{agency.name} has already named who holds the case")
    mine = act.actor.agency_id == agency.pk
    went_to = act.actor.pk == act.d.receiving_professional_id
    if not (went_to or (Capacity.LEAD in act.held and mine)):
        raise NotAllowed(f"only {agency.name}'s safeguarding lead names who holds the case")


def _namers(d: Disagreement, episode: StageEpisode, target=None) -> list[User]:
    """Whom naming the receiver is asked of: whoever the case went to (`names_the_receiver`:
    it holds the case until someone is named) and the agency's other safeguarding leads
    (`_may_name_receiver`)."""
    return [d.receiving_professional, *roles.safeguarding_leads([d.receiving_agency_id])]


def _hand_over_action(act: Act) -> dict:
    action, to_user = act.target, act.data["to_user"]
    if to_user.pk == action.owner_id:
        raise Invalid(
            {
                "to_user": [
                    f"{to_user.get_full_name()} already owns this action: choose someone else"
                ]
            }
        )
    from_user = action.owner
    action.owner = to_user
    action.save(update_fields=["owner"])
    if involved(to_user, act.d):
        _take_parts(act.d, [(to_user, "")])
    # The reason typed is kept, beside the chain as every reason is (it was dropped).
    return {
        "action": action.pk,
        "from": from_user.pk,
        "to": to_user.pk,
        "reason": act.data["reason"],
    }


def _move_action(act: Act) -> dict:
    action, due = act.target, act.data["due"]
    if due == action.due:
        raise Invalid({"due": [f"enter a date other than the one it has, {day_in_full(due)}"]})
    agreed_on = local_date(action.record.occurred_at)
    if due < agreed_on:
        raise Invalid(
            {"due": [f"must be on or after the day it was agreed, {day_in_full(agreed_on)}"]}
        )
    moved = {"deadline": "action", "name": "The action's due date", "old": action.due.isoformat()}
    action.due = due
    action.save(update_fields=["due"])
    moved["new"] = due.isoformat()
    return {"action": action.pk, "moved": [moved], "reason": act.data["reason"]}


def _complete_action(act: Act) -> dict:
    action = act.target
    action.done_at = act.at
    action.save(update_fields=["done_at"])
    return {"action": action.pk}


def _submit_form(act: Act) -> dict:
    assembled = act.data["assembled"]
    formsubmissions.write_back(act.d, assembled)
    submission = formsubmissions.store(act.d, assembled, act.actor, act.at)
    return {"form": submission.form_id, "form_version": submission.version}


def _may_add_case_reference(act: Act) -> None:
    if not involved(act.actor, act.d):
        raise NotAllowed("a case reference is added by one of the two agencies involved")


def _add_case_reference(act: Act) -> dict:
    """An involved agency's own reference for the subject, so its records can be found."""
    reference = CaseReference.objects.create(
        subject=act.d.subject, agency=act.actor.agency, reference=act.data["reference"]
    )
    return {"case_reference": reference.pk, "agency": act.actor.agency_id}


def _withdraw(act: Act) -> dict:
    _close_episode(act, EpisodeOutcome.WITHDRAWN)
    _close_case(act, Status.WITHDRAWN)
    return {"reason": act.data["reason"]}


RUNNING = frozenset({Status.OPEN})
ACT = ACTORS | {Capacity.MANAGER}
# Anyone who took part, managed someone who did, or is an involved agency's lead: who
# among them may touch a given record or action is the rule's who_on_target.
TOOK_PART = ACT | {Capacity.LEAD, Capacity.PARTICIPANT, Capacity.PARTICIPANTS_MANAGER}

RULES: dict[str, Rule] = {
    "record": Rule(
        "record a discussion",
        LIVE,
        ACT | {Capacity.LEAD},
        forms.RecordForm,
        _record,
        _receiver_named,
        form_needs=lambda act: {
            "milestones": act.episode.milestones.filter(met_at__isnull=True),
            "listed": on_the_case(act.d, partnership_leads=bool(act.episode.led_by_role)),
            "owners": action_owners(act),
        },
        asks=_the_actors,
    ),
    # Closed cases too, for an addendum made after closure (its record is checked).
    "approve": Rule(
        "approve a record",
        LIVE | CLOSED,
        TOOK_PART,
        forms.ApproveForm,
        _approve,
        target=_record_in,
        state=_approvable,
        who_on_target=_may_approve,
        asks=_approvers,
    ),
    # The partnership's own records (a stage it led) stay its to correct after closure.
    "correct": Rule(
        "correct a record",
        LIVE | CLOSED,
        TOOK_PART | {Capacity.OVERSIGHT},
        forms.CorrectForm,
        _correct,
        target=_record_in,
        state=_correctable,
        who_on_target=_may_correct,
    ),
    "escalate": Rule(
        "escalate",
        RUNNING,
        ACT,
        forms.EscalateForm,
        _escalate,
        _may_escalate,
        form_needs=lambda act: {"covered": act.covered()},
        evidence=_all(
            _no_contest_awaiting,
            _shows_unresolved,
            _forms_sent,
            _recorded_what_it_must(resolving=False),
        ),
        asks=_the_actors,
    ),
    "fast_track": Rule(
        "fast-track to a higher stage",
        RUNNING,
        ACT,
        forms.FastTrackForm,
        _fast_track,
        _may_fast_track,
    ),
    # Risk rises (or falls) during a case; a position of non-involvement is reported with it.
    "raise_risk": Rule(
        "record a change of risk",
        LIVE,
        ACT | {Capacity.LEAD},
        forms.RaiseRiskForm,
        _raise_risk,
        form_needs=lambda act: {"current_risk": act.d.risk},
    ),
    # Hillingdon's Resolution Panel: convened by the Implementation Unit, which leads stage 4.
    "record_panel": Rule(
        "record the panel's sitting",
        RUNNING,
        frozenset({Capacity.LEADER}),
        forms.PanelForm,
        _record_panel,
        _may_record_panel,
        form_needs=lambda act: {
            "concerned": (act.d.raising_agency, act.d.receiving_agency),
            "offered": panel_candidates(act),
        },
    ),
    "resolve": Rule(
        "resolve",
        RUNNING,
        ACT,
        forms.ResolveForm,
        _resolve,
        form_needs=lambda act: {"covered": act.covered()},
        evidence=_all(
            _no_contest_awaiting,
            _shows_resolved,
            _forms_sent,
            _recorded_what_it_must(resolving=True),
        ),
        asks=_the_actors,
    ),
    "refer": Rule(
        "refer on",
        RUNNING,
        ACTORS | {Capacity.OVERSIGHT},
        forms.ReferForm,
        _refer,
        _may_refer,
        asks=_the_actors,
    ),
    # Another involved agency copied in (Hillingdon: copies of the written response).
    "add_party": Rule(
        "copy in another agency",
        LIVE,
        ACT | {Capacity.LEAD},
        forms.AddPartyForm,
        _add_party,
        form_needs=lambda act: {
            "sides": (act.d.raising_agency_id, act.d.receiving_agency_id),
            "copied": act.d.copied_agencies.values_list("agency_id", flat=True),
        },
    ),
    "pause": Rule("pause", RUNNING, ACT, forms.PauseForm, _pause),
    "resume": Rule(
        "resume", frozenset({Status.PAUSED}), ACT, forms.ResumeForm, _resume, asks=_the_actors
    ),
    "extend": Rule(
        "extend the deadline",
        RUNNING,
        ACT,
        forms.ExtendForm,
        _extend,
        form_needs=lambda act: {
            "old_due": act.episode.due,
            # A review date (no limit in the policy) bounds nothing within the stage.
            "stage_is_deadline": not act.episode.due_is_review,
            "milestones": act.episode.milestones.filter(met_at__isnull=True),
            "askers": taking_part(act.d),
        },
        target=_asker,
        who_on_target=_may_agree_extension,
    ),
    # Where the pack lets the case set "a timescale that protects the child": earlier only.
    "shorten": Rule(
        "set a shorter deadline",
        RUNNING,
        ACTORS,
        forms.ShortenForm,
        _shorten,
        _may_shorten,
        form_needs=lambda act: {"old_due": act.episode.due},
    ),
    "hand_over": Rule(
        "hand over",
        LIVE,
        ACT | {Capacity.LEAD, Capacity.ADMINISTRATOR},
        forms.HandOverForm,
        _hand_over,
        form_needs=_hand_over_needs,
        target=_handed_over,
        who_on_target=_may_hand_over,
    ),
    # Raised with "I don't know who": the receiving agency's lead names the person.
    "name_receiver": Rule(
        "name who holds the case",
        LIVE,
        ACT | {Capacity.LEAD},
        forms.NameReceiverForm,
        _name_receiver,
        guard=_may_name_receiver,
        form_needs=lambda act: {"agency_id": act.d.receiving_agency_id},
        asks=_namers,
    ),
    # An agreed action changes hands when its owner leaves or moves (or is away).
    "hand_over_action": Rule(
        "hand over an agreed action",
        LIVE | CLOSED,
        TOOK_PART | {Capacity.ACTION_OWNER, Capacity.ADMINISTRATOR},
        forms.HandOverActionForm,
        _hand_over_action,
        form_needs=lambda act: {"owners": action_owners(act), "offered": listed_owners(act)},
        target=_action_in,
        state=_open_action,  # done is done: nothing is left to hand over (found by a try-out)
        who_on_target=_may_hand_over_action,
    ),
    # A date agreed at a discussion that can no longer be kept moves, with the reason.
    "move_action": Rule(
        "change an agreed action's due date",
        LIVE | CLOSED,
        TOOK_PART | {Capacity.ACTION_OWNER},
        forms.MoveActionForm,
        _move_action,
        target=_action_in,
        state=_open_action,
        who_on_target=_may_move_action,
    ),
    # Agreed actions outlive the stage, and often the resolution ("next steps").
    "complete_action": Rule(
        "mark an agreed action done",
        LIVE | CLOSED,
        TOOK_PART | {Capacity.ACTION_OWNER},
        forms.CompleteActionForm,
        _complete_action,
        target=_action_in,
        state=_open_action,
        who_on_target=_may_complete,
    ),
    # The partnership's form, where the stage's pathway names one: each submission a new
    # version, asked only for what the record lacks.
    "submit_form": Rule(
        "submit a form",
        LIVE,
        ACT,
        formsubmissions.SubmissionForm,
        _submit_form,
        _stage_has_forms,
        form_needs=lambda act: {"disagreement": act.d, "at": act.at},
        asks=_the_actors,
    ),
    "add_case_reference": Rule(
        "add your agency's case reference",
        LIVE | CLOSED,
        TOOK_PART,
        forms.CaseReferenceForm,
        _add_case_reference,
        _may_add_case_reference,
    ),
    # The other side's own account beside a record it did not write (never an edit of it).
    "add_account": Rule(
        "add your own account of a discussion",
        LIVE | CLOSED,
        TOOK_PART,
        forms.AccountForm,
        _add_account,
        target=_record_in,
        state=_correctable,
        who_on_target=_may_add_account,
    ),
    # One side never resolves alone: the other confirms in writing, or contests it.
    "confirm_resolution": Rule(
        "confirm the resolution",
        frozenset({Status.RESOLVED}),
        TOOK_PART,
        forms.ConfirmResolutionForm,
        _confirm_resolution,
        target=_resolution,
        evidence=_unconfirmed,
        who_on_target=_may_confirm,
        asks=_confirmers,
    ),
    "contest_resolution": Rule(
        "contest the resolution",
        frozenset({Status.RESOLVED}),
        TOOK_PART,
        forms.ContestResolutionForm,
        _contest_resolution,
        target=_resolution,
        evidence=_unconfirmed,
        who_on_target=_may_confirm,
    ),
    # Where the pathway gives the stage's leader the power: uphold a contested resolution,
    # or let the case go on as a contested one does (`Pack.leader_decides_contest`).
    "decide_contested": Rule(
        "decide the contested resolution",
        RUNNING,
        frozenset({Capacity.LEADER}),
        forms.DecideContestedForm,
        _decide_contested,
        guard=_may_decide_contested,
        form_needs=lambda act: {"escalates": act.d.pack.contest_escalates(act.d.stage)},
        target=_contest_to_decide,
        asks=_leaders_asked,
    ),
    "withdraw": Rule(
        "withdraw",
        LIVE,
        frozenset({Capacity.RAISER, Capacity.RAISING_ACTOR}),
        forms.WithdrawForm,
        _withdraw,
    ),
}


@retried
def perform(
    name: str,
    actor: User,
    disagreement_id: int,
    version: int,
    data: dict | forms.Sent | None = None,
    sent_from: str | None = None,
):
    """Apply transition `name` as `actor` to the disagreement they saw at `version`:
    `data` as a dict, or as a page sent it (`forms.Sent`, read into the form built here).
    `sent_from`: the token of the page it was sent from, kept in its audit event so that
    the same page sent again is known for what it is (`sends`)."""
    rule = RULES[name]
    with transaction.atomic():
        # The row lock makes a concurrent transition wait, then fail the version check.
        # Only this row: locking the partnership and pathway too (select_related joins them)
        # would queue every transition in the partnership behind one another, and deadlock
        # with raising, whose inserts take a key-share lock on the partnership. The two
        # agencies are read with it: every notice names them (`outbox.case_facts`). The
        # pinned pack's text is not: it is parsed once per process (`PathwayVersion.pack`).
        try:
            d = (
                Disagreement.objects.select_for_update(of=("self",))
                .select_related("partnership", "pathway", "raising_agency", "receiving_agency")
                .defer("pathway__text")
                .get(pk=disagreement_id)  # not first(): its ordering costs more to build
            )
        except Disagreement.DoesNotExist:
            raise NotFound() from None
        episode = (
            d.episodes.select_related("raising_actor", "receiving_actor")
            .filter(number=d.stage)
            .first()
        )
        held = capacities(actor, d, episode if not d.is_closed else None)
        if Capacity.ADMINISTRATOR in rule.who and administers(actor, d.partnership):
            # Sees nothing of the case: only the transitions that name it know it exists.
            held.add(Capacity.ADMINISTRATOR)
        if not held:
            raise NotFound()
        if d.version != version:
            raise Conflict(
                f"{d.reference} was changed by someone else since you opened it; "
                "reload it and try again"
            )
        if d.status not in rule.statuses:
            raise NotAllowed(
                f"{d.reference} is {d.get_status_display().lower()}: you cannot {rule.verb}"
            )
        if not held & rule.who:
            raise NotAllowed(f"you cannot {rule.verb} on {d.reference} at stage {d.stage}")
        act = Act(actor, d, episode, held, now())
        if rule.guard is not None:
            rule.guard(act)
        act.data = rule.validate(data or {}, act)
        rule.check_target(act)
        before = evidence.read(d)
        asked_before = d.next_steps or []
        with evidence.writes() as written:
            details = rule.effect(act)
            d.version += 1
            d.updated_at = act.at
            refresh_deadlines(d, act.episode)
            d.save()
            notices.after_transition(
                name, d, episode, act.episode, actor, details, act.at, asked_before
            )
        after = evidence.read_again(d, before, written)  # for the event, and the stretches
        audit.append(
            action=f"disagreement.{name}",
            target=d.audit_target,
            actor=actor,
            partnership_id=d.partnership_id,
            data={
                "stage": d.stage,
                "version": d.version,
                **{k: v for k, v in details.items() if k not in FREE_TEXT},
                "rows": evidence.changed(before, after),
                facts.ACTED_AT: act.at.isoformat(),
                **({sends.FIELD: sent_from} if sent_from else {}),
            },
            texts={k: v for k, v in details.items() if k in FREE_TEXT},
        )
        facts.keep_stretches(d, after)
    return d


# -- Who is asked to do what next ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A next step on a case: the transition asked for, in words, of whom. Everyone named
    may take it now: the rule that permits it (statuses, capacities, guard, target and
    evidence) chose them from the candidates it `asks`."""

    name: str
    what: str  # to follow "You must": "approve the record of the discussion on 3 December at 2pm"
    people: tuple[int, ...]
    target: int | None = None  # the record it is asked on

    def as_json(self) -> dict:
        return {"name": self.name, "what": self.what, "people": list(self.people),
                "target": self.target}  # fmt: skip

    @classmethod
    def from_json(cls, value: dict) -> Step:
        return cls(value["name"], value["what"], tuple(value["people"]), value.get("target"))


def next_steps(d: Disagreement, episode: StageEpisode | None) -> list[Step]:
    """What the case waits for now, and from whom: the one answer for the case page's "what
    you need to do next", My work and the notices. In order: a paused case is resumed;
    a record waiting is approved (each by its author's side: `_approvers`); then the stage
    is discussed and recorded until an approved record covers what it must record; then
    the forms it must send are sent; then, as the latest approved record says, it is
    resolved, or escalated (referred on, or resolved, at the last stage)."""
    if d.status == Status.RESOLVED:
        resolution = Resolution.objects.filter(disagreement=d, confirmed_at__isnull=True).first()
        if resolution is None:
            return []
        # Confirming it here is the written confirmation the policies ask of the parties.
        what = "confirm the resolution, or contest it"
        return _asked(d, None, "confirm_resolution", what, resolution)
    if d.is_closed or episode is None:
        return []
    if d.status == Status.PAUSED:
        return _asked(d, episode, "resume", "resume it when the reason for the pause has passed")
    contested = _awaiting_leader(d)
    if contested is not None:
        what = "decide the contested resolution: uphold it, or not"
        return _asked(d, episode, "decide_contested", what, contested)
    if d.receiver_to_name:
        # Raised with "I do not know who": there is no one to discuss it with yet.
        return _asked(d, episode, "name_receiver", "name who holds the case")
    # The stage's records as far as the next step reads them: whether any waits, and how
    # the latest went. Only those waiting are built, to be asked about: a stage of fifty
    # records builds the one or two waiting, not fifty (a change's list columns ask this).
    current = episode.records.filter(superseded_by__isnull=True).order_by("occurred_at", "pk")
    outcomes = list(current.values_list("approved_at", "outcome"))
    if any(approved_at is None for approved_at, _ in outcomes):
        waiting = list(current.filter(approved_at__isnull=True))
        # One instance of each author, so walking their managers reads each rung once
        # however many of their records wait; and none is superseded, as the filter says.
        with_people([(waiting, ("author",))])
        asking = _Asking(d, episode)
        steps = []
        for r in waiting:
            Record.superseded_by.related.set_cached_value(r, None)
            # Its time too: two discussions of one day are told apart.
            when = r.occurred_at.astimezone(LONDON)
            what = (
                f"approve the record of the discussion on {when.day} {when:%B} at "
                f"{time_in_words(when.time())}"
            )
            steps.append(asking.step("approve", what, r))
        return steps
    latest = outcomes[-1][1] if outcomes else None  # how the latest record went
    # What is missing depends on how the stage will close: as the latest record went, or
    # at the last stage (nowhere to escalate to), by resolving.
    resolving = episode.number == d.pack.last_stage.number or latest == RecordOutcome.RESOLVED
    missing = still_to_record(d, episode, resolving=resolving)
    if latest is None or missing or latest == RecordOutcome.ONGOING:
        what = f"record the stage {episode.number} discussion"
        if latest is not None and missing:
            # Discussed, but not yet what the stage must record: say what, or it reads as
            # though the discussion so far counted for nothing.
            what += ", covering what it must still record: " + "; ".join(r.text for r in missing)
        return _asked(d, episode, "record", what)
    unsent = formsubmissions.still_to_send(d)
    if unsent:
        name = d.pack.form(unsent[0]).name
        return _asked(d, episode, "submit_form", f"submit the {name}")
    if latest == RecordOutcome.RESOLVED:
        return _asked(d, episode, "resolve", "resolve it, as the record agreed")
    last = d.pack.last_stage
    if episode.number != last.number:
        return _asked(d, episode, "escalate", f"escalate it to stage {episode.number + 1}")
    if last.referral_options:
        return _asked(d, episode, "refer", "refer it on, as the pathway says")
    return _asked(d, episode, "resolve", f"resolve it at stage {episode.number}")


def _asked(d, episode, name: str, what: str, target=None) -> list[Step]:
    return [_Asking(d, episode).step(name, what, target)]


class _Asking:
    """Whom a case asks, one step at a time: the step names those of the rule's
    candidates (`Rule.asks`) whom `refusal` would not refuse. Each candidate's capacities
    are read once however many steps name them (a record waiting for approval is a step
    each, and the same manager approves them all), with one `Act` each, which reads whom
    they manage once."""

    def __init__(self, d: Disagreement, episode: StageEpisode | None):
        self.d, self.episode, self.at = d, episode, now()
        self._acts: dict[int, Act] = {}

    def _act(self, person: User) -> Act:
        if person.pk not in self._acts:
            # access's own: `perform` reads the actor's through this module's name, once.
            held = access.capacities(person, self.d, self.episode)
            self._acts[person.pk] = Act(person, self.d, self.episode, held, self.at)
        return self._acts[person.pk]

    def step(self, name: str, what: str, target=None) -> Step:
        # The guard and evidence of a step that is asked read the case, not the person,
        # so they are read once.
        d, rule = self.d, RULES[name]
        people: list[int] = []
        ready = None
        for person in rule.asks(d, self.episode, target):
            if person.pk in people:
                continue
            act = self._act(person)
            if d.status not in rule.statuses or not act.held & rule.who:
                continue
            if ready is None:
                ready = _not_ready(rule, act) is None
            if not ready:
                break
            if rule.target is None or rule.refusal(act, target) is None:
                people.append(person.pk)
        return Step(name, what, tuple(people), target.pk if target is not None else None)


def refusal(name: str, actor: User, d: Disagreement, episode, target=None) -> str | None:
    """Why `actor` could not do `name` (to `target`) now, as `perform` would refuse it
    before reading any input, or None: the status, their capacities, the rule's guard,
    the target's state and who may act on it, and the stage's evidence."""
    rule = RULES[name]
    held = capacities(actor, d, episode if not d.is_closed else None)
    if not held:
        return "you cannot see it"
    if d.status not in rule.statuses:
        return f"{d.reference} is {d.get_status_display().lower()}: you cannot {rule.verb}"
    if not held & rule.who:
        return f"you cannot {rule.verb} on {d.reference} at stage {d.stage}"
    act = Act(actor, d, episode, held, now())
    if target is not None or rule.target is None:
        found = rule.refusal(act, target)
        if found:
            return found
    return _not_ready(rule, act)


def steps_for(d: Disagreement) -> list[Step]:
    """The next steps stored when the case last changed (`Disagreement.next_steps`)."""
    return [Step.from_json(value) for value in d.next_steps or []]


# -- Asking without performing (the web pages) ----------------------------------------------


def standing(
    actor: User, d: Disagreement, episodes: list[StageEpisode] | None = None
) -> tuple[StageEpisode | None, set[str]]:
    """The current episode and what `actor` holds, read exactly as `perform` reads them;
    from `episodes` where the caller has read all of `d`'s (with their actors)."""
    if episodes is None:
        episode = (
            d.episodes.select_related("raising_actor", "receiving_actor")
            .filter(number=d.stage)
            .first()
        )
    else:
        episode = next((e for e in episodes if e.number == d.stage), None)
    return episode, capacities(actor, d, episode if not d.is_closed else None)


def allowed(actor: User, d: Disagreement, known: tuple | None = None) -> list[str]:
    """The transitions `actor` may start on `d` now: each rule's statuses, capacities and
    guard, checked as `perform` checks them, without performing. Per-record checks (who
    may approve or correct a given record) still happen when the form is sent.

    `known` is `standing(actor, d)` where the caller has just read it."""
    act = _asking(actor, d, known if known is not None else standing(actor, d))
    return [name for name, rule in RULES.items() if _may_start(rule, act)]


def may_start(name: str, actor: User, d: Disagreement, known: tuple) -> bool:
    """Whether `name` is among `allowed(actor, d, known)`, asking its rule alone (a form
    page asks of one transition: the others' guards and evidence read the case for
    nothing)."""
    return _may_start(RULES[name], _asking(actor, d, known))


def _asking(actor: User, d: Disagreement, known: tuple) -> Act | None:
    """One `Act` to ask every rule with, none for someone who holds nothing. The guards
    and evidence only read (the effects change an act): what they read of the case, one
    rule's as another's, is read once (`contested_of`), and a page that asks `allowed`,
    then `held_back`, then `allowed_on` of each kind of target asks with the same act,
    kept on the case for its version, the person and the day (`_kept`), so each rule's
    guard and evidence are read once a page (`_ready`)."""
    episode, held = known
    if not held:
        return None
    at = now()
    key = (d.version, actor.pk, episode.pk if episode else None, frozenset(held), local_date(at))
    return _kept(d, "_rpd_asking", key, lambda: Act(actor, d, episode, held, at))


def _may_start(rule: Rule, act: Act | None) -> bool:
    if act is None or act.d.status not in rule.statuses or not act.held & rule.who:
        return False
    return _ready(rule, act) is None


def _ready(rule: Rule, act: Act) -> str | None:
    """`_not_ready(rule, act)`, asked once an act: an asking act (`_asking`) only reads."""
    if id(rule) not in act._why_not:
        act._why_not[id(rule)] = _not_ready(rule, act)
    return act._why_not[id(rule)]


def _not_ready(rule: Rule, act: Act) -> str | None:
    """Why the pathway or the stage refuses the rule now, whatever the input: its guard,
    and what the stage must hold first (its evidence), as `perform` would say it."""
    try:
        if rule.guard is not None:
            rule.guard(act)
        if rule.evidence is not None:
            rule.evidence(act)
    except TransitionError as e:
        return str(e)
    return None


def held_back(actor: User, d: Disagreement, known: tuple, names) -> dict[str, str]:
    """Of the transitions `names`, those `actor` could take but for what the pathway or the
    stage lacks now, each with the refusal `perform` would give (for a page to say why
    it offers no button)."""
    act = _asking(actor, d, known)
    found = {}
    for name in names:
        rule = RULES[name]
        if act is not None and d.status in rule.statuses and act.held & rule.who:
            why = _ready(rule, act)
            if why:
                found[name] = why
    return found


def allowed_on(actor: User, d: Disagreement, known: tuple, name: str, targets) -> set[int]:
    """Which of `targets` (records or agreed actions of `d`, as a page loaded them: records
    by `records_of`, actions with their owner) `actor` may start
    transition `name` on now: the rule's statuses, capacities, guard, the target's state and
    `who_on_target`, checked as `perform` checks them. As many queries for fifty targets
    as for one of the same people (each person's managers and side are read once)."""
    rule, act = RULES[name], _asking(actor, d, known)
    if not _may_start(rule, act):
        return set()
    return {t.pk for t in targets if rule.refusal(act, t) is None}


def form_for(
    name: str, actor: User, d: Disagreement, data=None, known: tuple | None = None, target=None
):
    """The form `perform(name, ...)` validates with, for a page to show (unbound when
    `data` is None), built from the disagreement as it stands; `known` as for `allowed`;
    `target`, the record or action the page is about, where it is known."""
    episode, held = known if known is not None else standing(actor, d)
    rule = RULES[name]
    act = Act(actor, d, episode, held, now(), target=target)
    return rule.form(data, context=act.context, **rule.form_needs(act))
