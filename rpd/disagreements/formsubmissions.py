"""The partnerships' forms, assembled from the record, completed by hand and kept.

A stage whose pathway names a form (Hillingdon's Request for Dispute Resolution,
Jersey's Appendix 3, Stoke-on-Trent's Professionals Concerns Resolutions
Notifications and Outcomes Form) has it assembled here: each field's value read
from the record by the path its `source` names in the pack, and only what the
record lacks asked for (`SubmissionForm`). Submitting (the `submit_form`
transition) stores every value as sent, as a new version each time; the
special-category values apart from the rest (`FormSubmissionSensitive`), and the
subject's family details and special-category data written back to the subject
where the form asked for them, and only then.

Nothing here composes an email: a notice names the form and links to its page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from rpd.audit import log as audit
from rpd.frontend import GovukTimeField, time_in_words
from rpd.pathways.calendar import local_date
from rpd.pathways.schema import ASKED, FORM_SOURCES, Form, FormField

from .fields import OLDEST_PERSON_YEARS, LongText, PastDate, Text
from .forms import Context, ContextForm
from .models import (
    AgreedAction,
    Disagreement,
    FormSubmission,
    FormSubmissionSensitive,
    Record,
    SubjectSensitive,
)
from .nhs_number import normalise_nhs_number, spaced


def _day(day: datetime.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _lines(items) -> str:
    return "\n".join(item for item in items if item)


@dataclass(frozen=True)
class Reading:
    """What a source reads: the disagreement, as of a moment."""

    d: Disagreement
    at: datetime.datetime

    @property
    def subject(self):
        return self.d.subject

    def sensitive(self, name: str) -> str:
        row = SubjectSensitive.objects.filter(subject_id=self.d.subject_id).first()
        return getattr(row, name, "") if row else ""

    def approved_records(self):
        return (
            Record.objects.filter(
                disagreement=self.d, approved_at__isnull=False, superseded_by__isnull=True
            )
            .select_related("episode", "author")
            .order_by("occurred_at", "pk")
        )


def _record_line(record: Record) -> str:
    return (
        f"Stage {record.episode.number}, {record.get_kind_display().lower()} on "
        f"{_day(local_date(record.occurred_at))}: {record.summary}"
    )


def _stages(r: Reading) -> str:
    d = r.d
    lines = []
    for e in d.episodes.select_related("raising_actor", "receiving_actor").order_by("number"):
        ended = e.get_outcome_display().lower() if e.outcome else "in progress"
        lines.append(
            f"Stage {e.number} ({d.pack.stage(e.number).name}): "
            f"{e.raising_actor.display_name} for {d.raising_agency.name}, "
            f"{e.receiving_actor.display_name} for {d.receiving_agency.name}; {ended}"
        )
    return _lines(lines)


def _actions(r: Reading) -> str:
    actions = (
        AgreedAction.objects.filter(record__disagreement=r.d)
        .select_related("owner")
        .order_by("due", "pk")
    )
    return _lines(
        f"{a.text} ({a.owner.display_name}, due {_day(a.due)}{', done' if a.done_at else ''})"
        for a in actions
    )


def _participants(r: Reading) -> str:
    people = [p.user for p in r.d.participants.select_related("user__agency").order_by("pk")]
    return _lines(
        f"{u.display_name}"
        f"{', ' + u.job_title if u.job_title else ''}"
        f"{', ' + u.agency.name if u.agency_id else ''}"
        for u in people
    )


def _escalation_reasons(r: Reading) -> str:
    d = r.d
    lines = []
    if d.fast_track_reason:
        first = d.episodes.order_by("number").values_list("number", flat=True).first()
        lines.append(f"Started at stage {first}: {d.fast_track_reason}")
    escalations = list(audit.events_for(d.audit_target).filter(action="disagreement.escalate"))
    # The reasons are kept beside the chain (transitions.FREE_TEXT); older events held them.
    texts = audit.texts_of(e.seq for e in escalations)
    for event in escalations:
        data = {**event.data, **texts.get(event.seq, {})}
        if data.get("reason"):
            lines.append(
                f"Stage {data.get('from_stage')} to {data.get('to_stage')}: {data['reason']}"
            )
    return _lines(lines)


def _response(r: Reading) -> str:
    return _lines(
        _record_line(record)
        for record in r.approved_records()
        if record.author.agency_id == r.d.receiving_agency_id
    )


def _next_steps(r: Reading) -> str:
    resolution = getattr(r.d, "resolution", None)
    if resolution is not None:
        return resolution.next_steps
    pack, number = r.d.pack, r.d.stage
    if number < pack.last_stage.number:
        following = pack.stage(number + 1)
        return f"Stage {following.number}: {following.name}. {following.summary}"
    return _lines(pack.last_stage.referral_names)


def _agreed_outcome(r: Reading) -> str:
    resolution = getattr(r.d, "resolution", None)
    return resolution.agreed_outcome if resolution is not None else ""


def _contact(r: Reading) -> str:
    u = r.d.raised_by
    return _lines([u.email, f"Phone: {u.phone}" if u.phone else "", u.team])


def _agency_team(r: Reading) -> str:
    u = r.d.raised_by
    return ", ".join(x for x in (r.d.raising_agency.name, u.team) if x)


_nhs = spaced


def _personal_details(r: Reading) -> str:
    s = r.subject
    return _lines(
        [
            f"{s} ({s.get_kind_display().lower()})",
            f"Date of birth: {_day(s.date_of_birth)}" if s.date_of_birth else "",
            f"NHS number: {_nhs(s.nhs_number)}" if s.nhs_number else "",
            f"Address: {s.address}" if s.address else "",
        ]
    )


def _consent(r: Reading) -> str:
    return {True: "Yes", False: "No"}.get(r.subject.consent_given, "")


def _case_references(r: Reading) -> str:
    return _lines(r.subject.case_references_in_words())


def _raised_by(r: Reading) -> str:
    u = r.d.raised_by
    return f"{u.display_name}{', ' + u.job_title if u.job_title else ''}"


def _challenged(r: Reading) -> str:
    d = r.d
    said = f": {d.challenged_description}" if d.challenged_description else ""
    return f"{d.get_challenged_display()} on {_day(d.challenged_on)}{said}"


READERS: dict[str, Callable[[Reading], str]] = {
    "today": lambda r: _day(local_date(r.at)),
    "stage": lambda r: f"Stage {r.d.stage}: {r.d.pack.stage(r.d.stage).name}",
    "stages": _stages,
    "records": lambda r: _lines(_record_line(x) for x in r.approved_records()),
    "actions": _actions,
    "participants": _participants,
    "challenged": _challenged,
    "summary": lambda r: r.d.summary,
    "outcome_sought": lambda r: r.d.outcome_sought,
    "escalation_reasons": _escalation_reasons,
    "response": _response,
    "next_steps": _next_steps,
    "resolution.agreed_outcome": _agreed_outcome,
    "raised_by": _raised_by,
    "raised_by.contact": _contact,
    "raised_by.agency_team": _agency_team,
    "raising_agency": lambda r: r.d.raising_agency.name,
    "receiving_agency": lambda r: r.d.receiving_agency.name,
    "subject.name": lambda r: str(r.subject),
    "subject.personal_details": _personal_details,
    "subject.date_of_birth": lambda r: _day(r.subject.date_of_birth),
    "subject.nhs_number": lambda r: _nhs(r.subject.nhs_number),
    "subject.address": lambda r: r.subject.address,
    "subject.consent_given": _consent,
    "subject.case_references": _case_references,
    "subject.family_details": lambda r: r.subject.family_details,
    "subject.sensitive.ethnicity": lambda r: r.sensitive("ethnicity"),
    "subject.sensitive.disability": lambda r: r.sensitive("disability"),
    "subject.sensitive.religion": lambda r: r.sensitive("religion"),
    "subject.sensitive.health": lambda r: r.sensitive("health"),
    "subject.sensitive.gender": lambda r: r.sensitive("gender"),
}
assert set(READERS) == set(FORM_SOURCES), "every source the schema allows has a reader"

# Sources a person's answer is kept back into, once submitted: the record had no place
# for them before the forms asked.
SENSITIVE_PREFIX = "subject.sensitive."
WRITES_BACK = {"subject.family_details"} | {s for s in READERS if s.startswith(SENSITIVE_PREFIX)}


# -- Assembling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    field: FormField
    value: str
    # The page asks for it: only a person can supply it, or the record lacks it.
    asked: bool
    # Special-category and the reader may not see it: shown as withheld, never read.
    withheld: bool = False

    @property
    def id(self) -> str:
        return self.field.id

    @property
    def missing(self) -> bool:
        return not self.withheld and not self.value.strip()


@dataclass(frozen=True)
class Assembled:
    form: Form
    values: list[Value]

    def value(self, field_id: str) -> Value:
        return next(v for v in self.values if v.id == field_id)

    @property
    def missing_required(self) -> list[Value]:
        return [v for v in self.values if v.field.required and v.missing]

    @property
    def asked(self) -> list[Value]:
        return [v for v in self.values if v.asked]


def forms_of_stage(d: Disagreement) -> list[Form]:
    pack = d.pack
    return [pack.form(form_id) for form_id in pack.stage(d.stage).forms]


def latest(d: Disagreement, form_id: str) -> FormSubmission | None:
    return d.form_submissions.filter(form_id=form_id).order_by("-version").first()


def assemble(
    d: Disagreement,
    form_id: str,
    *,
    at: datetime.datetime,
    special: bool,
    typed: dict[str, str] | None = None,
) -> Assembled:
    """The form as it would be sent now: each field from the record, else from `typed`,
    else from the last version submitted; special-category fields read only if `special`."""
    form = d.pack.form(form_id)
    reading = Reading(d, at)
    typed = typed or {}
    previous = latest(d, form_id)
    before = dict(previous.values) if previous else {}
    if previous is not None and special:
        row = FormSubmissionSensitive.objects.filter(submission=previous).first()
        before.update(row.values if row else {})
    values = []
    for f in form.fields:
        if f.special_category and not special:
            values.append(Value(f, "", asked=False, withheld=True))
            continue
        sources = f.sources
        from_record = "" if sources == [ASKED] else _lines(READERS[s](reading) for s in sources)
        if from_record.strip():
            values.append(Value(f, from_record, asked=False))
            continue
        given = typed.get(f.id)
        value = given if given is not None else before.get(f.id, "")
        values.append(Value(f, str(value or ""), asked=True))
    return Assembled(form, values)


# -- Asking --------------------------------------------------------------------------------


YES_NO = [("Yes", "Yes"), ("No", "No")]


def _column_limit(f: FormField) -> int | None:
    """The length of the subject's column an answer is written back to, if it has one: a
    longer answer is refused by name rather than failing in the database."""
    if len(f.sources) != 1 or not f.sources[0].startswith(SENSITIVE_PREFIX):
        return None
    return SubjectSensitive._meta.get_field(f.sources[0].removeprefix(SENSITIVE_PREFIX)).max_length


def _input_for(f: FormField) -> forms.Field:
    kind = {"label": f.label, "required": False}
    if limit := _column_limit(f):
        return Text(max_length=limit, **kind)
    if f.type == "long_text":
        return LongText(widget=forms.Textarea(attrs={"rows": 4}), **kind)
    if f.type == "date":
        return PastDate(earliest=OLDEST_PERSON_YEARS, help_text="For example, 27/3/2019", **kind)
    if f.type == "yes_no":
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **kind)
    if f.type == "time":
        return GovukTimeField(help_text="Use the 24-hour clock, for example 14:30", **kind)
    return Text(**kind)


def as_text(f: FormField, value) -> str:
    """A typed value as the form keeps it."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return _day(value)
    if isinstance(value, datetime.time):
        return time_in_words(value)  # "2:30pm", which the time boxes read back
    if f.type == "nhs_number" and value:
        return _nhs(normalise_nhs_number(value))
    return str(value).strip()


def required_message(f: FormField) -> str:
    return f"{f.label} is required: the record does not hold it, so enter it here"


def check_typed(assembled: Assembled, form: forms.Form) -> None:
    """Each required field the record lacks and nobody typed, named on its own input."""
    for v in assembled.missing_required:
        name = v.id if v.id in form.fields else "form"
        if name in form.errors:
            continue  # already refused as typed
        form.add_error(name, required_message(v.field))


def write_back(d: Disagreement, assembled: Assembled) -> None:
    """The subject's family details and special-category data, where the form asked."""
    subject, sensitive = d.subject, None
    for v in assembled.asked:
        [source] = v.field.sources if len(v.field.sources) == 1 else [None]
        if source not in WRITES_BACK or not v.value.strip():
            continue
        if source == "subject.family_details":
            subject.family_details = v.value
            subject.save(update_fields=["family_details"])
        else:
            if sensitive is None:
                sensitive, _ = SubjectSensitive.objects.get_or_create(subject=subject)
            setattr(sensitive, source.removeprefix(SENSITIVE_PREFIX), v.value)
    if sensitive is not None:
        sensitive.save()


def store(d: Disagreement, assembled: Assembled, actor, at: datetime.datetime) -> FormSubmission:
    """A new version, every value as sent: the special-category ones apart."""
    previous = latest(d, assembled.form.id)
    plain = {v.id: v.value for v in assembled.values if not v.field.special_category}
    special = {v.id: v.value for v in assembled.values if v.field.special_category}
    submission = FormSubmission.objects.create(
        disagreement=d,
        form_id=assembled.form.id,
        stage=d.stage,
        version=(previous.version + 1) if previous else 1,
        values=plain,
        submitted_by=actor,
        submitted_at=at,
    )
    if special:
        FormSubmissionSensitive.objects.create(submission=submission, values=special)
    return submission


def outcome_forms(d: Disagreement) -> list[str]:
    """The forms the pathway sends the outcome on when the current stage resolves the case:
    those a `resolved` notice of the stage names (Stoke-on-Trent Appendix 2: "Resolution of
    Issues", "Actions Taken", sent "at stages 3 to 5"), for a case the partnership was told
    of. A case resolved before the partnership heard of it sends it nothing."""
    if d.partnership_told_at is None:
        return []
    notices = d.pack.stage(d.stage).notify
    return list(dict.fromkeys(n.form for n in notices if n.when == "resolved" and n.form))


def submit_outcome(d: Disagreement, actor, at: datetime.datetime) -> list[FormSubmission]:
    """Once resolved: each of `outcome_forms` as a new version, assembled from the record
    as it now stands (the resolution, the actions) with the answers last typed on it kept,
    so the partnership gets the outcome on the same form it was sent."""
    return [
        store(d, assemble(d, form_id, at=at, special=True), actor, at)
        for form_id in outcome_forms(d)
    ]


def submitted_at_stage(d: Disagreement, form_id: str, stage: int) -> bool:
    return d.form_submissions.filter(form_id=form_id, stage=stage).exists()


def validate_form_id(d: Disagreement, form_id: str) -> Form:
    if form_id not in d.pack.stage(d.stage).forms:
        names = ", ".join(d.pack.stage(d.stage).forms) or "none"
        raise ValidationError(
            f"stage {d.stage}'s pathway names no form {form_id!r} (it names: {names})"
        )
    return d.pack.form(form_id)


# -- The transition's input ----------------------------------------------------------------


class SubmissionForm(ContextForm):
    """`submit_form`'s input: which form, and what the record lacks, field by field.

    Built from the pack's form definition: one input per field the page asks for (named
    by the field's id), none for what the record holds.
    """

    form = forms.CharField(max_length=64)

    def __init__(
        self,
        data,
        *,
        context: Context,
        disagreement: Disagreement,
        at: datetime.datetime,
        form_id: str | None = None,
    ):
        super().__init__(data, context=context)
        self.disagreement, self.at = disagreement, at
        self.form_id = str(form_id or (data or {}).get("form") or "")
        self.pack_form: Form | None = None
        self.assembled: Assembled | None = None
        if self.form_id in disagreement.pack.stage(disagreement.stage).forms:
            self.pack_form = disagreement.pack.form(self.form_id)
            self.fields["form"].initial = self.form_id
            now_ = assemble(disagreement, self.form_id, at=at, special=True)
            for v in now_.asked:
                self.fields[v.id] = _input_for(v.field)
                self.fields[v.id].initial = v.value

    def clean_form(self):
        return validate_form_id(self.disagreement, self.cleaned_data["form"]).id

    def clean(self):
        data = super().clean()
        if self.pack_form is None or self.errors.get("form"):
            return data
        fields = {f.id: f for f in self.pack_form.fields}
        typed = {}
        for name in self.fields:
            if name == "form" or name in self.errors:
                continue
            if name not in self.data:
                continue  # not sent: the last version's answer stands
            try:
                typed[name] = as_text(fields[name], data.get(name))
            except ValidationError as error:
                self.add_error(name, error)
        self.assembled = assemble(
            self.disagreement, self.form_id, at=self.at, special=True, typed=typed
        )
        check_typed(self.assembled, self)
        data["assembled"] = self.assembled
        return data


def still_to_send(d: Disagreement) -> list[str]:
    """The forms the current stage must send before it can close, not yet sent at it."""
    return [
        r.form
        for r in d.pack.stage(d.stage).must_record
        if r.form and not submitted_at_stage(d, r.form, d.stage)
    ]


# What a demo or a test types where the record lacks a value: synthetic, by field type.
SAMPLE_ANSWERS = {
    "date": "2019-03-14",
    "yes_no": "Yes",
    "time": "14:30",
    "nhs_number": "999 000 0018",
    "long_text": "Synthetic answer given on the form for the demonstration.",
    "text": "Synthetic answer",
}


def sample_answers(d: Disagreement, form_id: str, at: datetime.datetime) -> dict:
    """`submit_form`'s input with every asked field answered (demo data and tests)."""
    assembled = assemble(d, form_id, at=at, special=True)
    answers = {
        v.id: v.value or SAMPLE_ANSWERS.get(v.field.type, "Synthetic answer")
        for v in assembled.asked
    }
    return {"form": form_id, **answers}
