"""What each transition takes, validated field by field.

The transitions module validates every input through these forms, so a bad
value comes back naming its field whether it arrived from a web page, the API
or a script. The web pages render the same forms.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from rpd.frontend import GovukDateField, GovukErrors, day_in_full
from rpd.pathways.calendar import local_date
from rpd.pathways.schema import Pack
from rpd.pathways.simulate import stage_dates
from rpd.people import roles
from rpd.people.models import Agency, Partnership, User

from .fields import (
    FURTHEST_AHEAD,
    OLDEST_PERSON_YEARS,
    RECORDS_BEGIN,
    Choices,
    FutureDate,
    JSONInput,
    LongText,
    One,
    PastDate,
    PastDateTime,
    People,
    Person,
    Several,
    Text,
    Today,
    check_date,
)
from .models import Challenged, RecordKind, RecordOutcome, Risk, Side, SubjectKind
from .nhs_number import normalise_nhs_number


@dataclass(frozen=True)
class Context:
    """What a form needs to know beyond its fields."""

    today: datetime.date
    partnership: Partnership
    pack: Pack
    actor: User
    stage: int = 1


def _choices(options) -> list[tuple[str, str]]:
    return [(o.id, o.name) for o in options]


# Longer than any real summary or reason; a megabyte pasted by mistake is refused by name
# rather than stored.
LONGEST_TEXT = 20_000


# What each field asks for, as its error messages name it ("Select `the agency you
# disagree with`"): the pages' labels are questions, and the transitions' forms have none.
NOUNS = {
    "subject_kind": "whether the concern is about a child or an adult at risk",
    "subject_given_name": "their given name",
    "subject_family_name": "their family name",
    "subject_date_of_birth": "date of birth",
    "subject_nhs_number": "their NHS number",
    "subject_address": "their address",
    "subject_consent_given": "whether consent has been given",
    "receiving_agency": "the agency you disagree with",
    "receiving_professional": "the person who made the decision or holds the case",
    "receiver_unknown": "whether you know who",
    "lead_professional": "the lead professional, IRO or meeting chair",
    "copied_agencies": "the other agencies involved",
    "challenged": "what you disagree with",
    "challenged_description": "the decision, action or inaction",
    "challenged_on": "the date of the decision, action or inaction",
    "categories": "what the disagreement is about",
    "summary": "what happened, and why you disagree",
    "outcome_sought": "the outcome you are seeking",
    "risk": "how serious the risk is",
    "urgent": "whether it is urgent",
    "pre_escalation": "what you have already done",
    "start_stage": "the stage it should start at",
    "fast_track_reason": "why it must start above stage 1",
    "immediate_rule": "which same-day rule applies",
    "due_by": "the shorter deadline",
    "due_by_reason": "why the case needs a shorter deadline",
    "kind": "how the discussion took place",
    "occurred_at": "the date the discussion took place",
    "participants": "who took part",
    "other_participants": "anyone else who took part",
    "outcome": "the outcome of the discussion",
    "covers": "what the record covers",
    "meets": "the milestones the discussion meets",
    "actions": "the agreed actions",
    "not_applicable": "why each item does not apply",
    "reason": "the reason",
    "agreed_outcome": "the agreed outcome",
    "next_steps": "the next steps",
    "written_confirmation": "the written confirmation to all parties",
    "feedback_to_raiser": "the feedback to the practitioner who raised it",
    "referred_to": "who to refer it to",
    "recommendation": "the recommendation",
    "agency": "the agency",
    "person": "who should get the copies",
    "expected_resume": "when you expect to resume",
    "note": "the note",
    "new_due": "the new due date",
    "asked_by": "who asked for more time",
    "side": "which side is being handed over",
    "to_user": "who to hand over to",
    "action": "the agreed action",
    "record": "the record",
    "to_stage": "the stage it should go straight to",
    "non_involvement": "whether an agency keeps a position of non-involvement",
    "held_on": "the date the panel sat",
    "members": "who sat on the panel",
    "chronology_reviewed": "whether the panel reviewed the escalation chronology",
    "reference": "your agency's case reference",
    "decision": "whether you uphold the resolution",
}


@dataclass(frozen=True)
class Sent:
    """What a page sent, to be read into the fields of the form that takes it once that
    form is built: by the transition, under the case's lock. A page need not build the
    form first only to learn its fields (which the case decides: an extension's
    milestones, the people offered), as every submission from a page did."""

    read: Callable[[forms.Form], dict]  # the form built, unbound: its fields' values
    post: Mapping[str, str]  # as sent

    def get(self, name: str, default=None):
        """One value as sent, for a form that offers by it as it is built (a hand-over's
        side, the agency of a party added)."""
        return self.post.get(name, default)


class ContextForm(GovukErrors, forms.Form):
    error_nouns = NOUNS

    def __init__(self, data, *, context: Context):
        # Sent: bound now, its values read when the form is first cleaned (full_clean),
        # after the subclass has set up its fields.
        self._sent = data if isinstance(data, Sent) else None
        super().__init__({} if self._sent else data)
        self.context = context
        for field in self.fields.values():
            if isinstance(field, Today):  # dates bounded by today count from the action's
                field.today = context.today

    def full_clean(self):
        if self._sent is not None:
            self.data, self._sent = self._sent.read(self), None
        super().full_clean()


# A reason or confirmation is words, not a token: "." or "n/a" closes nothing.
MIN_LETTERS = 10


def is_real_text(value) -> bool:
    return sum(ch.isalpha() for ch in str(value or "")) >= MIN_LETTERS


def _in_words(text: str, what: str) -> str:
    if not is_real_text(text):
        raise ValidationError(f"say in words {what} (at least {MIN_LETTERS} letters)")
    return text


def partnership_users(partnership: Partnership):
    return partnership.people().filter(is_active=True)


def unasked_questions(pack) -> set[str]:
    """Questions of raising the pathway leaves nothing to choose from: not asked, nor
    checked (no immediate rules, no fast track)."""
    unasked = set()
    if not pack.immediate_rules:
        unasked.add("immediate_rule")
    if not pack.fast_track:
        unasked |= {"start_stage", "fast_track_reason"}
    return unasked


class RaiseForm(ContextForm):
    # Answers chosen in the light of earlier ones: the person is chosen from the agency's
    # people, a fast-track reason is for the stage chosen. When an earlier answer changes,
    # these no longer stand and are asked again (`dependents`).
    depends_on: dict[str, tuple[str, ...]] = {
        "receiving_professional": ("receiving_agency",),
        "receiver_unknown": ("receiving_agency",),
        "lead_professional": ("receiving_agency",),
        "fast_track_reason": ("start_stage",),
        "immediate_rule": ("start_stage",),
        "due_by": ("start_stage", "challenged_on", "immediate_rule"),
        "due_by_reason": ("due_by",),
    }

    @classmethod
    def dependents(cls, changed: set[str]) -> set[str]:
        """Every answer that rests, directly or through another, on one of `changed`."""
        found: set[str] = set()
        todo = set(changed)
        while todo:
            name = todo.pop()
            for answer, bases in cls.depends_on.items():
                if name in bases and answer not in found:
                    found.add(answer)
                    todo.add(answer)
        return found - set(changed)

    # Not asked where the pathway covers one kind: the pathway has answered it.
    subject_kind = forms.ChoiceField(choices=SubjectKind.choices, required=False)
    subject_given_name = Text(max_length=100)
    subject_family_name = Text(max_length=100)
    subject_date_of_birth = PastDate(required=False, earliest=OLDEST_PERSON_YEARS)
    subject_nhs_number = Text(required=False, max_length=20)
    subject_address = Text(required=False, max_length=500)
    subject_consent_given = forms.NullBooleanField(required=False)
    receiving_agency = One(queryset=Agency.objects.none())
    # Empty with `receiver_unknown`: the raiser does not know who; the agency's lead names them.
    receiving_professional = Person(queryset=User.objects.none(), required=False)
    receiver_unknown = forms.BooleanField(required=False)
    lead_professional = Person(queryset=User.objects.none(), required=False)
    # Other agencies involved in the matter, copied in where the pathway says so.
    copied_agencies = Several(queryset=Agency.objects.none(), required=False)
    challenged = forms.ChoiceField(choices=Challenged.choices)
    # The web journey asks for one description, the summary; a script may still send this.
    challenged_description = LongText(required=False)
    challenged_on = PastDate()
    categories = Choices(choices=())
    summary = LongText()
    outcome_sought = LongText()
    risk = forms.ChoiceField(choices=Risk.choices)
    urgent = forms.BooleanField(required=False)
    pre_escalation = Choices(choices=(), required=False)
    start_stage = forms.IntegerField(required=False, min_value=1)
    fast_track_reason = LongText(required=False)
    immediate_rule = forms.ChoiceField(choices=(), required=False)
    # A shorter deadline for the starting stage, where the pack lets the raiser set one.
    due_by = FutureDate(required=False)
    due_by_reason = LongText(required=False)

    def __init__(self, data, *, context: Context):
        super().__init__(data, context=context)
        pack = context.pack
        self.fields["receiving_agency"].queryset = Agency.objects.filter(
            partnerships=context.partnership
        ).exclude(type="partnership")
        self.fields["receiving_professional"].queryset = partnership_users(context.partnership)
        # Needed depending on another answer (`clean`): never "(optional)".
        self.fields["receiving_professional"].required_when = "receiver_unknown"
        self.fields["fast_track_reason"].required_when = "start_stage"
        self.fields["lead_professional"].queryset = partnership_users(context.partnership)
        self.fields["copied_agencies"].queryset = self.fields["receiving_agency"].queryset
        # The raiser's own agency is never the other side, nor another agency to copy: it is
        # not offered, though sent it is still refused by name (`clean`).
        others = self.fields["receiving_agency"].queryset.exclude(pk=context.actor.agency_id)
        self.fields["receiving_agency"].offer(others.order_by("name"))
        self.fields["copied_agencies"].offer(others.order_by("name"))
        kind = self.fields["subject_kind"]
        kind.choices = [(k, words) for k, words in SubjectKind.choices if k in covered_kinds(pack)]
        kind.required = len(kind.choices) > 1
        kind.error_messages["invalid_choice"] = (
            f"this partnership's pathway covers {pack.scope.value} only"
        )
        self.fields["categories"].choices = _choices(pack.categories)
        self.fields["categories"].required = bool(pack.categories)  # a policy may name none
        self.fields["pre_escalation"].choices = _choices(pack.pre_escalation)
        self.fields["immediate_rule"].choices = [("", "None")] + [
            (r.id, r.when) for r in pack.immediate_rules
        ]
        # The stages it may start at, by name: a bare number box asked a practitioner to
        # know the policy's ladder (found by a try-out). Another number sent is refused by
        # name (`clean`).
        self.fields["start_stage"].widget = forms.RadioSelect(
            choices=[(n, f"Stage {n}: {pack.stage(n).name}") for n in may_start_at(pack)]
        )
        self.fields["start_stage"].initial = 1

    def offer_people_of(self, agency_id: int | None) -> None:
        """List only the chosen agency's people as the one disagreed with. Whoever is sent
        is still checked against the agency (`clean`)."""
        if agency_id is not None:
            field = self.fields["receiving_professional"]
            people = field.queryset.filter(agency_id=agency_id)
            field.offer(people.order_by("last_name", "first_name"))
            # The lead professional, IRO or chair is of one of the two agencies.
            lead = self.fields["lead_professional"]
            sides = (agency_id, self.context.actor.agency_id)
            lead.offer(
                lead.queryset.filter(agency_id__in=sides).order_by("last_name", "first_name")
            )

    def clean_subject_kind(self):
        # Empty only where the pathway covers one kind (otherwise the field requires it).
        return self.cleaned_data["subject_kind"] or covered_kinds(self.context.pack)[0]

    def clean_subject_nhs_number(self):
        value = self.cleaned_data["subject_nhs_number"]
        return normalise_nhs_number(value) if value else ""

    def clean_receiving_professional(self):
        person = self.cleaned_data["receiving_professional"]
        if person is not None and person == self.context.actor:
            raise ValidationError("you cannot raise a disagreement with yourself")
        return person

    def clean(self):
        data = super().clean()
        agency, person = data.get("receiving_agency"), data.get("receiving_professional")
        unknown = data.get("receiver_unknown")
        if person is None and not unknown and "receiving_professional" not in self.errors:
            self.add_error(
                "receiving_professional",
                "Select the person who made the decision or holds the case, or say you do "
                "not know who",
            )
        elif person is not None and unknown:
            self.add_error(
                "receiver_unknown",
                "Select the person, or say you do not know who: not both",
            )
        if agency and agency.pk == self.context.actor.agency_id:
            # Each stage climbs both agencies' ladders: within one agency the two sides
            # would meet at a shared manager, who would then be disagreeing with themself.
            self.add_error(
                "receiving_agency",
                "is your own agency: this pathway resolves disagreements between agencies",
            )
        elif agency and person and person.agency_id != agency.pk:
            self.add_error("receiving_professional", f"is not in {agency.name}")
        sides = {self.context.actor.agency_id, agency.pk if agency else None}
        for copied in data.get("copied_agencies") or []:
            if copied.pk in sides:
                self.add_error(
                    "copied_agencies",
                    f"{copied.name} is a side of the disagreement, not another agency to copy",
                )
        stage = data.get("start_stage") or 1
        pack = self.context.pack
        if stage > pack.last_stage.number:
            self.add_error("start_stage", f"the policy has stages 1 to {pack.last_stage.number}")
        elif stage > 1:
            allowed = may_start_at(pack)[1:]
            if stage not in allowed:
                # The pack's own condition decides (Jersey: "may require immediate action"),
                # not the "urgent" box, which only flags the case: so the message names none.
                where = (
                    "only at stage " + " or ".join(map(str, allowed))
                    if allowed
                    else "at no stage: every disagreement starts at stage 1"
                )
                self.add_error(
                    "start_stage",
                    f"this policy lets a disagreement start above stage 1 {where}",
                )
            elif not data.get("fast_track_reason", "").strip():
                self.add_error("fast_track_reason", "say why this must start above stage 1")
        elif (data.get("fast_track_reason") or "").strip():
            self.add_error(
                "fast_track_reason",
                "is only for a disagreement that starts above "
                "stage 1: choose the stage, or leave the reason out",
            )
        data["start_stage"] = stage
        if stage <= pack.last_stage.number:
            self._clean_due_by(data, stage)
        return data

    def _clean_due_by(self, data: dict, stage: int) -> None:
        due_by, reason = data.get("due_by"), (data.get("due_by_reason") or "").strip()
        if due_by is None:
            if reason:
                self.add_error(
                    "due_by_reason",
                    "is only for a shorter deadline: give the date, or leave the reason out",
                )
            return
        case = self.context.pack.stage(stage).case_timescale
        if case is None or "raiser" not in case.set_by:
            self.add_error("due_by", f"this pathway sets stage {stage}'s timescale itself")
            return
        latest = stage_dates(
            self.context.pack,
            stage,
            self.context.today,
            self.context.partnership.working_calendar(),
            data.get("immediate_rule") or None,
            decided_on=data.get("challenged_on"),
        ).due
        try:
            shorter_deadline(due_by, self.context, latest)
        except ValidationError as error:
            self.add_error("due_by", error)
        if not reason:
            self.add_error("due_by_reason", "say why the case needs a shorter deadline")


def may_start_at(pack: Pack) -> list[int]:
    """The stages a disagreement may start at: 1, and those the fast track allows."""
    return sorted({1} | {n for rule in pack.fast_track for n in rule.start_at})


def covered_kinds(pack: Pack) -> list[str]:
    """Whom the pathway is for: children, adults at risk, or both."""
    scope = pack.scope.value
    return {"children": ["child"], "adults": ["adult"]}.get(scope, ["child", "adult"])


class RecordForm(ContextForm):
    # Its summary is of the discussion, not the raiser's case.
    error_nouns = {**NOUNS, "summary": "a summary of the discussion"}

    kind = forms.ChoiceField(choices=RecordKind.choices)
    occurred_at = PastDateTime()
    participants = People(queryset=User.objects.none())
    other_participants = LongText(required=False)
    summary = LongText()
    outcome = forms.ChoiceField(choices=RecordOutcome.choices)
    covers = Choices(choices=(), required=False)
    meets = Choices(choices=(), required=False)
    # Agreed actions: a list of {"text", "owner", "due"}; checked in clean_actions.
    actions = JSONInput(required=False)

    def __init__(self, data, *, context: Context, milestones=(), listed=None, owners=None):
        super().__init__(data, context=context)
        stage = context.pack.stage(context.stage)
        self.fields["participants"].queryset = partnership_users(context.partnership)
        if listed is not None:  # the page ticks from the people of the case
            self.fields["participants"].offer(listed)
        # Who may own an agreed action: the transitions' rule (`action_owners`); the page's
        # owner menus list the people of the case among them (`listed`).
        self.owners = owners if owners is not None else partnership_users(context.partnership)
        self.listed = listed if listed is not None else self.owners
        self.fields["covers"].choices = [(r.id, r.text) for r in stage.must_record]
        self.fields["meets"].choices = [(m.key, m.name) for m in milestones]
        if not milestones:  # none left to meet: not asked (an empty question reads as broken)
            self.fields["meets"].widget = forms.MultipleHiddenInput()

    def clean_actions(self):
        raw = self.cleaned_data.get("actions") or []
        if not isinstance(raw, list):
            raise ValidationError("must be a list of agreed actions")
        actions, wrong = [], []
        for i, item in enumerate(raw, start=1):
            try:
                actions.append(self._action(i, item))
            except ValidationError as error:
                wrong.append(error)
        if wrong:
            # Every action's mistake at once, each naming its action and box.
            raise ValidationError(wrong)
        return actions

    def _action(self, i: int, item) -> dict:
        """Agreed action `i` as the transition stores it, or its first mistake."""
        wrong = functools.partial(_action_error, i)
        if not isinstance(item, dict):
            raise wrong(f"action {i} must have text, owner and due", "text")
        text = str(item.get("text") or "").strip()
        if not text:
            raise wrong(f"Enter what was agreed for action {i}", "text")
        if not str(item.get("owner") or "").strip():
            raise wrong(f"Choose who owns action {i}", "owner")
        owner = self.owners.filter(pk=_pk(item.get("owner"))).first()
        if owner is None:
            raise wrong(f"Action {i}: {NOT_AN_OWNER}", "owner")
        given = item.get("due") or ""
        # As the page asks it: three boxes (a list), or a date written whole.
        given = tuple(map(str, given)) if isinstance(given, list) else str(given)
        if not "".join(given).strip():
            raise wrong(f"Enter the due date of action {i}", "due")
        if isinstance(given, tuple) and len(given) != 3:
            raise wrong(f"The due date of action {i} must be a real date", "due")
        try:
            due = GovukDateField(label=f"The due date of action {i}").clean(given)
        except ValidationError as error:
            raise wrong(error.messages[0], "due") from None
        try:
            check_date(due, RECORDS_BEGIN, self.context.today + FURTHEST_AHEAD)
        except ValidationError as error:
            raise wrong(f"The due date of action {i} {error.messages[0]}", "due") from None
        occurred = self.cleaned_data.get("occurred_at")
        if occurred is not None and due < local_date(occurred):
            # Agreed at the discussion: not due before it (found by a try-out).
            raise wrong(
                f"The due date of action {i} must be on or after the day of the "
                f"discussion, {day_in_full(local_date(occurred))}",
                "due",
            )
        return {"text": text, "owner": owner, "due": due}


def _action_error(n: int, message: str, box: str) -> ValidationError:
    """A mistake in agreed action `n`, saying which of its boxes (text, owner, due) it is
    about: the page puts the message there and links the error summary to it."""
    return ValidationError(message, code="action", params={"action": n, "box": box})


# Why someone may not own an agreed action (transitions.action_owners).
NOT_AN_OWNER = (
    "choose its owner from the partnership's people: until the partnership is told about "
    "this disagreement, someone in one of the two agencies, or the partnership's business "
    "unit or chair"
)


def _pk(value):
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StageCloseForm(ContextForm):
    """Escalating or resolving closes a stage: everything it must record is accounted for."""

    # {requirement id: why it does not apply}, for items no record covers.
    not_applicable = JSONInput(required=False)

    resolving: bool  # how it closes the stage: what it must account for (`Stage.to_record`)

    def __init__(self, data, *, context: Context, covered: set[str] = frozenset()):
        super().__init__(data, context=context)
        self.covered = covered

    def clean_not_applicable(self):
        raw = self.cleaned_data.get("not_applicable") or {}
        if not isinstance(raw, dict):
            raise ValidationError("must map each requirement id to why it does not apply")
        stage = self.context.pack.stage(self.context.stage)
        asked = stage.to_record(resolving=self.resolving)
        known = {r.id for r in stage.must_record}
        may_not_apply = {r.id for r in asked if r.may_not_apply}
        words = {r.id: r.text for r in stage.must_record}  # a person reads the item, not its id
        for key, reason in raw.items():
            if key not in known:
                raise ValidationError(
                    f"Stage {stage.number} records nothing called {str(key)[:40]!r}"
                )
            if key not in {r.id for r in asked}:
                raise ValidationError(
                    f"“{words[key]}” is asked only when the stage resolves: leave it out "
                    "when escalating"
                )
            if key not in may_not_apply:
                raise ValidationError(
                    f"Stage {stage.number} must record “{words[key]}”: it cannot be left out "
                    "as not applying"
                )
            if not str(reason or "").strip():
                raise ValidationError(f"Say why “{words[key]}” does not apply")
            if not is_real_text(reason):
                raise ValidationError(
                    f"Say in words why “{words[key]}” does not apply (at least {MIN_LETTERS} "
                    "letters)"
                )
        uncovered = [r for r in asked if r.id not in self.covered and r.id not in raw]
        required = [r.text for r in uncovered if not r.may_not_apply]
        problems = [
            f"Say why “{r.text}” does not apply, or record a discussion covering it"
            for r in uncovered
            if r.may_not_apply
        ]
        if required:
            problems.insert(
                0,
                f"Stage {stage.number} must still record: {'; '.join(required)}. Record a "
                f"discussion covering {'it' if len(required) == 1 else 'them'}, and have the "
                "record approved",
            )
        if problems:
            raise ValidationError(problems)
        return raw


class EscalateForm(StageCloseForm):
    resolving = False
    error_nouns = {**NOUNS, "reason": "why it is being escalated"}
    reason = LongText()


# What the partnership may learn from a resolved case (Resolution's learning flags).
LEARNING = {
    "learning_multi_agency_audit": "A multi-agency audit",
    "learning_case_review": "A case review",
    "learning_procedure_amendment": "A change to procedures",
}


def _flag(value) -> bool:
    """A learning flag as a script sends it: true, or "on", "true", "yes", "1"."""
    if isinstance(value, str):
        return value.strip().lower() in {"on", "true", "yes", "1"}
    return bool(value)


class ResolveForm(StageCloseForm):
    resolving = True
    agreed_outcome = LongText()
    next_steps = LongText()
    written_confirmation = LongText()
    feedback_to_raiser = LongText()
    # One question, each suggestion an answer to it (three boxes, each its own label and no
    # question, read as three things to do, found by a try-out). Stored as the resolution's
    # three flags; a script may still send the flags themselves.
    learning = forms.MultipleChoiceField(
        choices=list(LEARNING.items()), widget=forms.CheckboxSelectMultiple, required=False
    )

    def clean(self):
        data = super().clean()
        chosen = set(data.get("learning") or ())
        for flag in LEARNING:
            data[flag] = flag in chosen or _flag(self.data.get(flag))
        return data

    # What both sides stand behind and everyone involved reads: in words, not a mark.
    def clean_written_confirmation(self):
        return _in_words(self.cleaned_data["written_confirmation"], "what all parties read")

    def clean_agreed_outcome(self):
        return _in_words(self.cleaned_data["agreed_outcome"], "what was agreed")


class ReferForm(ContextForm):
    referred_to = forms.ChoiceField(choices=())
    recommendation = LongText()

    def __init__(self, data, *, context: Context):
        super().__init__(data, context=context)
        options = context.pack.stage(context.stage).referral_names
        self.fields["referred_to"].choices = [(o, o) for o in options]


class AddPartyForm(ContextForm):
    """Another involved agency to copy in, with the person there to receive the copies."""

    agency = One(queryset=Agency.objects.none())
    person = Person(queryset=User.objects.none(), required=False)

    def __init__(self, data, *, context: Context, sides=(), copied=()):
        super().__init__(data, context=context)
        self.sides, self.copied = set(sides), set(copied)
        agencies = Agency.objects.filter(partnerships=context.partnership).exclude(
            type="partnership"
        )
        self.fields["agency"].queryset = agencies
        # Offered: the partnership's agencies but the two sides and those copied in already
        # (still refused by name if sent); whom there, once the agency is chosen.
        self.fields["agency"].offer(
            agencies.exclude(pk__in=self.sides | self.copied).order_by("name")
        )
        self.fields["person"].queryset = partnership_users(context.partnership)
        self.choose((data or {}).get("agency"))

    def choose(self, agency) -> None:
        """List the people of the chosen agency alone (none before one is chosen)."""
        text = str(agency or "").strip()
        chosen = int(text) if text.isdigit() and len(text) < 10 else None
        self.fields["agency"].initial = chosen
        self.fields["person"].offer(
            partnership_users(self.context.partnership)
            .filter(agency_id=chosen)
            .order_by("last_name", "first_name", "pk")
        )

    def clean_agency(self):
        agency = self.cleaned_data["agency"]
        if agency.pk in self.sides:
            raise ValidationError(f"{agency.name} is a side of the disagreement already")
        if agency.pk in self.copied:
            raise ValidationError(f"{agency.name} is copied in already")
        return agency

    def clean(self):
        data = super().clean()
        agency, person = data.get("agency"), data.get("person")
        if agency and person and person.agency_id != agency.pk:
            self.add_error("person", f"is not in {agency.name}")
        return data


class PauseForm(ContextForm):
    error_nouns = {**NOUNS, "reason": "why it is being paused"}
    reason = LongText()
    expected_resume = FutureDate()

    def clean_expected_resume(self):
        day = self.cleaned_data["expected_resume"]
        if day <= self.context.today:
            raise ValidationError("must be after today")
        calendar = self.context.partnership.working_calendar()
        # The clock restarts on it: a day the partnership does not work, as for an extension.
        if not calendar.is_working_day(day):
            raise ValidationError(f"{day_in_full(day)} is not a working day")
        # An open-ended pause silences every reminder: it is reviewed at the latest by this.
        most = self.context.pack.max_pause_working_days
        limit = calendar.add_working_days(self.context.today, most)
        if day > limit:
            raise ValidationError(
                f"must be within {most} working days, by {day_in_full(limit)}: resume and "
                "pause again if it takes longer"
            )
        return day


class ResumeForm(ContextForm):
    note = LongText(required=False)


def shorter_deadline(day: datetime.date, context: Context, latest: datetime.date):
    """A deadline the case sets: a working day (as an extension's), not past, and never
    later than the pathway's own."""
    if day < context.today:
        raise ValidationError("must be today or later")
    if not context.partnership.working_calendar().is_working_day(day):
        raise ValidationError(f"{day_in_full(day)} is not a working day")
    if day > latest:
        raise ValidationError(
            f"may bring the deadline forward, never back: no later than {day_in_full(latest)}"
        )
    return day


class ShortenForm(ContextForm):
    """The stage's actor sets a shorter deadline the case needs, where the pack allows."""

    new_due = FutureDate()
    reason = LongText()

    def __init__(self, data, *, context: Context, old_due: datetime.date):
        super().__init__(data, context=context)
        self.old_due = old_due

    def clean_new_due(self):
        day = self.cleaned_data["new_due"]
        if day >= self.old_due:
            raise ValidationError(
                f"may bring the deadline forward, never back: before {self.old_due:%A} "
                f"{self.old_due.day} {self.old_due:%B %Y}"
            )
        return shorter_deadline(day, self.context, self.old_due)


MILESTONE_PREFIX = "milestone_"


class ExtendForm(ContextForm):
    """An agreed extension names which of the stage's open deadlines it moves (Stoke-on-Trent
    §6 "any changes or requests for extensions to timescales should be agreed and
    recorded"): the stage's review date (`new_due`), each unmet milestone (`milestone_<id>`),
    each to a later working day within the pack's bound."""

    asked_by = Person(queryset=User.objects.none())
    reason = LongText()
    new_due = FutureDate(required=False)

    def __init__(
        self,
        data,
        *,
        context: Context,
        old_due: datetime.date,
        stage_is_deadline: bool = True,
        milestones=(),
        askers=None,
    ):
        super().__init__(data, context=context)
        self.old_due = old_due
        self.stage_is_deadline = stage_is_deadline
        self.fields["asked_by"].queryset = partnership_users(context.partnership)
        if askers is not None:  # who may ask (`transitions._asker`): those taking part
            # ... but not the one agreeing it (`clean_asked_by`): offered, they were refused.
            self.fields["asked_by"].offer(askers.exclude(pk=context.actor.pk))
        self.milestones = {
            MILESTONE_PREFIX + m.key.replace("-", "_"): m for m in milestones if m.due
        }
        for name, m in self.milestones.items():
            field = FutureDate(required=False, label=f"New date for: {m.name}")
            field.today = context.today
            self.fields[name] = field

    def clean_asked_by(self):
        person = self.cleaned_data["asked_by"]
        if person == self.context.actor:
            raise ValidationError(
                "you cannot agree more time you asked for yourself: choose who asked you, or "
                "ask someone else taking part to agree it"
            )
        return person

    def _later(self, day: datetime.date, old: datetime.date, instead: str = "") -> datetime.date:
        """`day`, a working day after `old` within the pathway's bound; `instead`: how to
        move something else, said when it is not after."""
        if day <= old:
            also = f": to move {instead}" if instead else ""
            raise ValidationError(f"must be after the current due date, {day_in_full(old)}{also}")
        calendar = self.context.partnership.working_calendar()
        if not calendar.is_working_day(day):
            raise ValidationError(f"{day_in_full(day)} is not a working day")
        most = self.context.pack.max_extension_working_days
        limit = calendar.add_working_days(old, most)
        if day > limit:
            raise ValidationError(
                f"may be at most {most} working days after the current due date: "
                f"by {day_in_full(limit)}"
            )
        return day

    def clean_new_due(self):
        day = self.cleaned_data["new_due"]
        # A date before the stage's, meant for a milestone due sooner (found by a try-out):
        # said where that goes.
        instead = (
            "only a milestone, leave this empty and give the milestone its new date"
            if self.milestones
            else ""
        )
        return None if day is None else self._later(day, self.old_due, instead)

    def clean(self):
        data = super().clean()
        moves = []
        stage_due = data.get("new_due")
        if stage_due:
            moves.append({"deadline": "stage", "milestone": None, "new": stage_due})
        for name, m in self.milestones.items():
            day = data.get(name)
            if day is None:
                if stage_due and m.due < stage_due:
                    # More time for the stage is more time for what falls due within it,
                    # unless the extension dates that itself: else the case would stay due
                    # on the old date, as though nothing had been agreed.
                    moves.append(
                        {"deadline": f"milestone:{m.key}", "milestone": m, "new": stage_due}
                    )
                continue
            try:
                self._later(day, m.due)
            except ValidationError as error:
                self.add_error(name, error)
                continue
            # A step of the stage falls within its deadline: never due after the stage.
            within = stage_due or self.old_due
            if self.stage_is_deadline and day > within and not self.has_error("new_due"):
                self.add_error(
                    name,
                    f"must be on or before the date the stage is due, {within:%-d %B %Y}: "
                    "move the stage's date too",
                )
                continue
            moves.append({"deadline": f"milestone:{m.key}", "milestone": m, "new": day})
        if not moves and not self.errors:
            self.add_error("new_due", "name at least one deadline the extension moves")
        data["moves"] = moves
        return data


class RaiseRiskForm(ContextForm):
    """Risk recorded as it stands now, mid-case; with it, whether an agency keeps a position
    of non-involvement that others dispute while they see life-threatening risk."""

    risk = forms.ChoiceField(choices=Risk.choices)
    non_involvement = forms.BooleanField(required=False)
    reason = LongText()

    def __init__(self, data, *, context: Context, current_risk: str = ""):
        super().__init__(data, context=context)
        self.current_risk = current_risk

    def clean(self):
        data = super().clean()
        risk = data.get("risk")
        if data.get("non_involvement") and risk and risk != Risk.IMMEDIATE:
            self.add_error(
                "non_involvement",
                "is reported where others see a risk of immediate or significant harm: "
                "record that risk with it",
            )
        elif risk and risk == self.current_risk and not data.get("non_involvement"):
            self.add_error("risk", "is already recorded as this: choose the risk as it is now")
        return data


class PanelForm(ContextForm):
    """Who sat on the stage's panel, checked against the pathway's rule for its make-up."""

    held_on = PastDate()
    members = People(queryset=User.objects.none())
    chronology_reviewed = forms.BooleanField(required=False)
    outcome = LongText()

    def __init__(self, data, *, context: Context, concerned=(), offered=None):
        super().__init__(data, context=context)
        self.panel = context.pack.stage(context.stage).panel
        self.concerned = concerned  # the two agencies the disagreement is between
        self.fields["members"].queryset = partnership_users(context.partnership).select_related(
            "agency"
        )
        if offered is not None:
            self.fields["members"].offer(offered)

    def clean_members(self):
        members = list(self.cleaned_data["members"])
        panel = self.panel
        if panel is None:
            return members
        types = {m.agency.type for m in members}
        sat = {m.pk for m in members}

        def filled(seat) -> bool:
            if seat.role:  # only a holder of the pack role fills it
                holders = roles.holders(self.context.partnership, seat.role)
                return any(h.user_id in sat for h in holders)
            return bool(types & set(seat.agency_types))

        missing = [seat.name for seat in panel.seats if not filled(seat)]
        if panel.includes_agencies_concerned:
            sat = {m.agency_id for m in members}
            missing += [agency.name for agency in self.concerned if agency.pk not in sat]
        if missing:
            raise ValidationError(
                f"the {panel.name} must include a representative of: " + ", ".join(missing)
            )
        return members

    def clean_chronology_reviewed(self):
        reviewed = self.cleaned_data["chronology_reviewed"]
        if self.panel is not None and self.panel.reviews_chronology and not reviewed:
            raise ValidationError(
                f"the {self.panel.name} reviews the escalation chronology up to this point: "
                "record that it did"
            )
        return reviewed


class FastTrackForm(ContextForm):
    """A recorded jump, mid-case, to a higher stage the pathway's fast-track rule allows."""

    to_stage = forms.TypedChoiceField(choices=(), coerce=int)
    reason = LongText()

    def __init__(self, data, *, context: Context):
        super().__init__(data, context=context)
        self.fields["to_stage"].choices = [
            (n, f"Stage {n}: {context.pack.stage(n).name}")
            for n in fast_track_stages(context.pack, context.stage)
        ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if not is_real_text(reason):
            raise ValidationError(
                f"say in words why it cannot wait (at least {MIN_LETTERS} letters)"
            )
        return reason


def fast_track_stages(pack: Pack, current: int) -> list[int]:
    """Stages above the current one that the pathway's fast-track rule lets a case reach
    now: without the stage's own discussion first, as a raise above stage 1 could."""
    return sorted({n for rule in pack.fast_track for n in rule.start_at if n > current})


class HandOverForm(ContextForm):
    side = forms.ChoiceField(choices=Side.choices)
    to_user = Person(queryset=User.objects.none())
    reason = LongText()

    def __init__(self, data, *, context: Context, offered=None, sides=None):
        """`offered`: for each side the actor may hand over, whom it may pass to
        (`transitions._hand_over_needs`); the rule refuses any other side by name, so the
        field still accepts both."""
        super().__init__(data, context=context)
        self.fields["to_user"].queryset = partnership_users(context.partnership)
        self.offered = offered or {}
        if sides is not None:
            self.fields["side"].widget.choices = [c for c in Side.choices if c[0] in sides]
        only = list(self.offered)[0] if len(self.offered) == 1 else None
        self.choose((data or {}).get("side") or only)

    def choose(self, side) -> bool:
        """List the people of `side` alone; False if it is not a side offered (then
        everyone any offered side may pass to is listed)."""
        if side in self.offered:
            self.fields["side"].initial = side
            self.fields["to_user"].offer(self.offered[side])
            return True
        if self.offered:
            everyone = functools.reduce(operator.or_, self.offered.values())
            self.fields["to_user"].offer(everyone.distinct())
        return False


class NameReceiverForm(ContextForm):
    """Who in the receiving agency made the decision or holds the case."""

    error_nouns = {**NOUNS, "to_user": "who holds the case"}
    to_user = Person(queryset=User.objects.none())
    reason = LongText(required=False)

    def __init__(self, data, *, context: Context, agency_id: int):
        super().__init__(data, context=context)
        people = partnership_users(context.partnership)
        self.fields["to_user"].queryset = people
        self.fields["to_user"].offer(people.filter(agency_id=agency_id).order_by("last_name"))


class HandOverActionForm(ContextForm):
    action = forms.IntegerField()
    to_user = Person(queryset=User.objects.none())
    reason = LongText()

    def __init__(self, data, *, context: Context, owners=None, offered=None):
        super().__init__(data, context=context)
        self.fields["to_user"].queryset = partnership_users(context.partnership)
        # Who may own an agreed action (transitions.action_owners); the picker lists the
        # people of the case among them (transitions.listed_owners).
        self.owners = owners
        if offered is not None:
            self.fields["to_user"].offer(offered)

    def clean_to_user(self):
        to_user = self.cleaned_data["to_user"]
        if self.owners is not None and not self.owners.filter(pk=to_user.pk).exists():
            raise ValidationError(NOT_AN_OWNER[0].upper() + NOT_AN_OWNER[1:])
        return to_user


class MoveActionForm(ContextForm):
    """An agreed action's new due date, and why: a date agreed at a discussion is kept as
    agreed (a correction rewrites the record, never its actions), so it moves on its own."""

    action = forms.IntegerField()
    due = FutureDate(label="The new due date")
    reason = LongText()


class WithdrawForm(ContextForm):
    reason = LongText()


class CompleteActionForm(ContextForm):
    action = forms.IntegerField()


class CaseReferenceForm(ContextForm):
    # An agency's own number for the subject (a social care ID, a crime reference).
    reference = Text(max_length=64, label="Your agency's case reference")


class ApproveForm(ContextForm):
    record = forms.IntegerField()


class CorrectForm(ContextForm):
    record = forms.IntegerField()
    summary = LongText()
    reason = LongText()


class AccountForm(ContextForm):
    record = forms.IntegerField()
    account = LongText()


class ConfirmResolutionForm(ContextForm):
    pass


class ContestResolutionForm(ContextForm):
    reason = LongText()


class DecideContestedForm(ContextForm):
    """The stage's leader upholds a contested resolution, or does not: then the case goes on
    as the pathway says of a contested one (`escalates`: to the next stage; else the stage
    stays open)."""

    error_nouns = {**NOUNS, "reason": "your reasons"}
    UPHOLD, NOT_UPHELD = "uphold", "not-upheld"
    decision = forms.ChoiceField(choices=())
    reason = LongText()

    def __init__(self, data, *, context: Context, escalates: bool = False):
        super().__init__(data, context=context)
        then = (
            f"escalate it to stage {context.stage + 1}"
            if escalates
            else f"keep stage {context.stage} open to resolve it again"
        )
        self.fields["decision"].choices = [
            (self.UPHOLD, "Uphold the resolution: the disagreement closes as resolved"),
            (self.NOT_UPHELD, f"Do not uphold it: {then}"),
        ]
