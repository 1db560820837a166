"""Raise a disagreement: one question per page, answers kept in the session, then check
your answers and a confirmation. Works without JavaScript."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ModelChoiceField
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from rpd.frontend import GovukErrors, as_sentence, day_in_full
from rpd.pathways.calendar import today as london_today
from rpd.pathways.simulate import stage_dates
from rpd.people.models import Partnership

from .. import presenters, sends, transitions
from ..forms import Context, RaiseForm, covered_kinds, unasked_questions
from ..models import Disagreement, Risk
from ..nhs_number import spaced
from ..presenters import answer_in_words
from .common import error_summary, label, parse_int, posted, with_errors

SESSION_KEY = "raise-answers"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[str, ...]


STEPS = [
    Step("about", "Who is the concern about?", ("subject_kind",)),
    Step(
        "subject",
        "Their details",
        (
            "subject_given_name",
            "subject_family_name",
            "subject_date_of_birth",
            "subject_nhs_number",
            "subject_address",
            "subject_consent_given",
        ),
    ),
    Step("agency", "The agency you disagree with", ("receiving_agency", "copied_agencies")),
    # Asked once the agency is known, so the list is its people, not the partnership's.
    Step(
        "professional",
        "The people involved",
        ("receiving_professional", "receiver_unknown", "lead_professional"),
    ),
    Step(
        "challenged",
        # Not the first question's words again (a heading and a question alike).
        "The decision, action or inaction",
        ("challenged", "challenged_on"),
    ),
    Step("categories", "What is the disagreement about?", ("categories",)),
    Step("summary", "Your evidence", ("summary", "outcome_sought")),
    Step("risk", "How serious is the risk?", ("risk", "urgent")),
    Step("tried", "What have you already done?", ("pre_escalation",)),
    Step("start", "Where should it start?", ("start_stage", "fast_track_reason", "immediate_rule")),
]
BY_SLUG = {s.slug: s for s in STEPS}


PARTNERSHIP_KEY = "raise-partnership"


class PartnershipForm(GovukErrors, forms.Form):
    partnership = forms.ChoiceField(
        label="Which partnership is this disagreement in?",
        help_text="Your agency works with more than one. Choose the one for the area where "
        "the child or adult lives: its escalation policy applies.",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the partnership this disagreement is in",
            "invalid_choice": "Select the partnership this disagreement is in",
        },
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].choices = [(p.slug, p.name) for p in partnerships]


def _partnerships(user) -> list[Partnership]:
    return list(Partnership.objects.filter(pk__in=user.partnership_ids).order_by("name"))


def _context(request) -> Context | None:
    """The partnership, pathway and day a raise is under; None while a person whose agency
    serves several partnerships has not yet said which (ADR 007)."""
    user = request.user
    if user.agency_id is None or not user.partnership_ids:
        raise Http404("Page not found")
    partnerships = _partnerships(user)
    if len(partnerships) == 1:
        partnership = partnerships[0]
    else:
        chosen = request.session.get(PARTNERSHIP_KEY)
        partnership = next((p for p in partnerships if p.slug == chosen), None)
        if partnership is None:
            return None
    return Context(london_today(), partnership, partnership.pathway_entry().pack, user)


def with_context(view):
    """Give the view the raise's Context, or first ask which partnership it is in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        context = _context(request)
        if context is None:
            return redirect("disagreements:raise-partnership")
        return view(request, context, *args, **kwargs)

    return wrapped


@login_required
@require_http_methods(["GET", "POST"])
def partnership(request):
    """For a person whose agency serves several partnerships: which one is this in?"""
    partnerships = _partnerships(request.user)
    if request.user.agency_id is None or not partnerships:
        raise Http404("Page not found")
    form = PartnershipForm(
        request.POST if request.method == "POST" else None,
        partnerships=partnerships,
        initial={"partnership": request.session.get(PARTNERSHIP_KEY)},
    )
    if request.method == "POST" and form.is_valid():
        request.session[PARTNERSHIP_KEY] = form.cleaned_data["partnership"]
        request.session.pop(SESSION_KEY, None)  # answers given under another pathway
        return redirect("disagreements:raise")
    return render(
        request,
        "disagreements/raise_partnership.html",
        {"form": form, "page_has_errors": bool(form.errors)},
        status=400 if form.errors else 200,
    )


def _steps(context: Context) -> list[Step]:
    """The pathway decides which questions there are: no start page without a fast track."""
    pack = context.pack
    steps = list(STEPS)
    if len(covered_kinds(pack)) == 1:
        steps.remove(BY_SLUG["about"])  # the pathway is for children (or adults) only
    if not (pack.fast_track or pack.immediate_rules):
        steps.remove(BY_SLUG["start"])
    if not pack.pre_escalation:
        steps.remove(BY_SLUG["tried"])
    return steps


def _day(value) -> datetime.date | None:
    """A date the session keeps as text ("2026-12-01"), where it is one."""
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _answers(request) -> dict:
    return dict(request.session.get(SESSION_KEY, {}))


def _pointers(context: Context, *topics: str) -> list:
    return [p for p in context.pack.not_this_process if p.topic in topics]


@login_required
@require_http_methods(["GET", "POST"])
@with_context
def start(request, context: Context):
    """First: is anyone at immediate risk? Then: is this really about unsafe practice?"""
    form = YesOrNo(
        request.POST if request.method == "POST" else None,
        name="immediate_risk",
        question=immediate_risk_question(context.pack),
        hint="For example, a child who cannot safely go home tonight",
        error=f"Select yes if {subject_words(context.pack)} is at immediate risk of significant "
        "harm",
    )
    if form.is_valid():
        answer = form.cleaned_data["immediate_risk"]
        request.session[SESSION_KEY] = {"immediate_risk": answer}
        return redirect(
            "disagreements:raise-urgent" if answer == "yes" else "disagreements:raise-practice"
        )
    return _question(request, form)


class YesOrNo(GovukErrors, forms.Form):
    """One yes-or-no question, the page's heading."""

    def __init__(
        self, data, *, name: str, question: str, hint: str, error: str, answers=("Yes", "No")
    ):
        super().__init__(data)
        self.name = name
        self.fields[name] = forms.ChoiceField(
            label=question,
            help_text=hint,
            choices=list(zip(("yes", "no"), answers, strict=True)),
            widget=forms.RadioSelect,
            error_messages={"required": error, "invalid_choice": error},
        )


def _question(request, form: YesOrNo):
    return render(
        request,
        "disagreements/raise_question.html",
        {"form": form, "field": form[form.name], "title": form.fields[form.name].label},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@with_context
def urgent(request, context: Context):
    return render(
        request,
        "disagreements/raise_urgent.html",
        {
            "contacts": _pointers(context, "urgent-referral"),
            "fast_track": context.pack.fast_track,
            "immediate_rules": context.pack.immediate_rules,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@with_context
def practice(request, context: Context):
    form = YesOrNo(
        request.POST if request.method == "POST" else None,
        name="about_practice",
        # An either-or question answered in its own words: "Yes" to "this or that?" says
        # neither (found by a try-out).
        question=PRACTICE_QUESTION,
        hint="This process resolves disagreements between agencies",
        error="Select what your concern is about",
        answers=(
            "A person's unsafe practice, or whistleblowing",
            f"Another agency's decision, action or inaction about {subject_words(context.pack)}",
        ),
    )
    if form.is_valid():
        if form.cleaned_data["about_practice"] == "yes":
            return redirect("disagreements:raise-elsewhere")
        return redirect("disagreements:raise-step", step=_steps(context)[0].slug)
    return _question(request, form)


@login_required
@require_GET
@with_context
def elsewhere(request, context: Context):
    return render(
        request,
        "disagreements/raise_elsewhere.html",
        # Each route with its own heading: a pathway naming only the whistleblowing line
        # still says where an allegation goes (Stoke-on-Trent's page gave the helpline alone
        # under "Use the allegations route", found by a try-out).
        {
            "allegations": _pointers(context, "allegations"),
            "whistleblowing": _pointers(context, "whistleblowing"),
        },
    )


def _step_form(
    context: Context,
    answers: dict,
    step: Step,
    errors=None,
    agency=None,
    harm_ruled_out=False,
    kind="",
) -> forms.Form:
    form = RaiseForm(answers or None, context=context)
    form.offer_people_of(parse_int(agency))
    form = _labelled(form, context, kind)
    if errors is not None:
        with_errors(form, errors)
    unasked = unasked_questions(context.pack)
    for name in list(form.fields):
        if name not in step.fields or name in unasked:
            del form.fields[name]
    if "risk" in form.fields and harm_ruled_out:
        # Answered No at the start: immediate harm is not a risk they can now choose.
        risk = form.fields["risk"]
        risk.widget.choices = [c for c in risk.widget.choices if c[0] != Risk.IMMEDIATE]
    return form


def immediate_risk_question(pack) -> str:
    """The raise's first question (bench/raise_journey.py prints it too)."""
    return f"Is {subject_words(pack)} at immediate risk of significant harm?"


PRACTICE_QUESTION = "What is your concern about?"  # the second


def subject_words(pack) -> str:
    """Whom the pathway is for, as a question names them: "a child" on a children's
    pathway, not "a child or adult" (found by a try-out)."""
    kinds = covered_kinds(pack)
    return {("child",): "a child", ("adult",): "an adult at risk"}.get(
        tuple(kinds), "a child or adult"
    )


def _kind(context: Context, answered: str | None) -> str:
    """Whom this raise is about: the kind answered on the subject's page, else the one kind
    the pathway covers, else "" (not known yet on a pathway for both)."""
    kinds = covered_kinds(context.pack)
    return answered or (kinds[0] if len(kinds) == 1 else "")


def _labelled(form: forms.Form, context: Context, kind: str | None = "") -> forms.Form:
    """`label(form)`, the questions worded for whom this raise is about: "the child" once
    the subject's page says so, even on a pathway for both (found by a try-out)."""
    form = label(form)
    if "risk" in form.fields:
        whom = {"child": "child", "adult": "adult at risk"}.get(
            _kind(context, kind), "child or adult"
        )
        form.fields["risk"].label = f"How serious is the risk to the {whom}?"
    return form


def _step_title(context: Context, step: Step, answers: dict) -> str:
    """The page's heading; the subject's page says whose details it asks ("Their details"
    did not, found by a try-out)."""
    if step.slug != "subject":
        return step.title
    kind = _kind(context, answers.get("subject_kind"))
    whose = {"child": "The child's", "adult": "The adult's"}.get(kind)
    return f"{whose} details" if whose else "Details of the child or adult"


def _step_hint(context: Context, step: Step) -> str:
    if step.slug != "start":
        return ""
    starts = sorted({n for rule in context.pack.fast_track for n in rule.start_at})
    lines = ["Start at stage 1 unless your partnership's escalation policy lets it start higher."]
    lines += [
        f"It may start at stage {' or '.join(map(str, r.start_at))}. {r.when}"
        for r in context.pack.fast_track
    ]
    if not starts:
        lines = ["Your partnership's escalation policy starts every disagreement at stage 1."]
    return " ".join(lines)


@login_required
@require_http_methods(["GET", "POST"])
@with_context
def step(request, context: Context, step: str):
    steps = _steps(context)
    current = BY_SLUG.get(step)
    if current is None or current not in steps:
        raise Http404("Page not found")
    answers = _answers(request)
    index = steps.index(current)
    earlier = _unanswered_basis(context, steps[:index], current, answers)
    if earlier is not None:
        # Asked in the light of an earlier answer (the agency's people, not the whole
        # partnership's): that answer's page first, whoever opens this one directly.
        return redirect("disagreements:raise-step", step=earlier.slug)
    if request.method == "POST":
        fields = {name: RaiseForm.base_fields[name] for name in current.fields}
        proposed = {**answers, **posted(fields, request.POST)}
        form = RaiseForm(proposed, context=context)
        form.is_valid()
        errors = {n: list(m) for n, m in form.errors.items() if n in current.fields}
        if not errors:
            stale = _stale(answers, proposed, current)
            request.session[SESSION_KEY] = {k: v for k, v in proposed.items() if k not in stale}
            changing = request.GET.get("change") == "1"
            if changing and stale:
                # Asked again: the page of the first answer that no longer stands.
                again = next((s for s in steps if stale & set(s.fields)), None)
                if again is not None:
                    url = reverse("disagreements:raise-step", args=[again.slug]) + "?change=1"
                    return redirect(url)
            if changing or index + 1 == len(steps):
                return redirect("disagreements:raise-check")
            return redirect("disagreements:raise-step", step=steps[index + 1].slug)
        shown = _step_form(
            context,
            proposed,
            current,
            errors,
            proposed.get("receiving_agency"),
            harm_ruled_out=answers.get("immediate_risk") == "no",
            kind=proposed.get("subject_kind"),
        )
    else:
        shown = _step_form(
            context,
            {k: v for k, v in answers.items() if k in current.fields},
            current,
            {},
            answers.get("receiving_agency"),
            harm_ruled_out=answers.get("immediate_risk") == "no",
            kind=answers.get("subject_kind"),
        )
    back = (
        reverse("disagreements:raise-step", args=[steps[index - 1].slug])
        if index
        else reverse("disagreements:raise-practice")
    )
    return render(
        request,
        "disagreements/raise_step.html",
        {
            "step": current,
            "title": _step_title(context, current, answers),
            "form": shown,
            "errors": error_summary(shown),
            "back": back,
            "hint": _step_hint(context, current),
            "single": len(current.fields) == 1,
        },
        status=400 if shown.errors else 200,
    )


def _unanswered_basis(context: Context, before: list[Step], current: Step, answers: dict):
    """The first earlier step asking an answer `current`'s questions rest on
    (`RaiseForm.depends_on`) that has not been given, or None."""
    bases = {b for name in current.fields for b in RaiseForm.depends_on.get(name, ())}
    bases -= unasked_questions(context.pack) | answers.keys()
    return next((s for s in before if bases & set(s.fields)), None)


def _stale(answers: dict, proposed: dict, current: Step) -> set[str]:
    """The answers of other pages given in the light of an answer this page changed."""
    changed = {n for n in current.fields if n in answers and answers[n] != proposed.get(n)}
    return {n for n in RaiseForm.dependents(changed) if n in answers} - set(current.fields)


def _summary(context: Context, answers: dict, steps: list[Step]) -> list[dict]:
    """Each question that was asked, with the answer as the raise will store it (the
    form's own reading of what was typed) and a link to change it."""
    form = _labelled(RaiseForm(answers, context=context), context, answers.get("subject_kind"))
    form.is_valid()
    unasked = unasked_questions(context.pack) | {"receiver_unknown"}  # answered with "who"
    unknown = bool(form.cleaned_data.get("receiver_unknown", answers.get("receiver_unknown")))
    rows = []
    for s in steps:
        for name in s.fields:
            if name in unasked:
                continue
            field = form.fields[name]
            value = form.cleaned_data.get(name, answers.get(name))
            if name == "receiving_professional" and unknown:
                # "I do not know who" answers the question "who", not one of its own.
                text = str(form.fields["receiver_unknown"].label)
            else:
                if name in form.errors and isinstance(field, forms.ChoiceField | ModelChoiceField):
                    value = None  # a choice no longer offered is no answer (POST says why)
                elif getattr(field, "required_when", None) and value in (None, "", []):
                    # Needed only with another answer (`RaiseForm.clean` insists then): left
                    # empty, it did not apply (why start above stage 1, at stage 1).
                    continue
                text = answer_in_words(field, value, answers.get(name))
                if name == "subject_nhs_number" and value:
                    text = spaced(value)
                elif name == "start_stage":
                    number = value or 1
                    text = f"Stage {number}: {context.pack.stage(number).name}"
            # The question as asked, without "(optional)": an answer left out reads "Not
            # given" (GOV.UK's check answers pattern).
            question = str(field.label)
            rows.append(
                {
                    "name": name,
                    "key": question,
                    "value": text,
                    "href": reverse("disagreements:raise-step", args=[s.slug]) + "?change=1",
                    "hidden": question,
                }
            )
    return rows


# Check your answers sent twice at once would raise it twice: each send reads the answers
# before the first takes them away (`sends`).
SENT_TWICE = (
    "You sent this disagreement twice: only the first is raised. If it is not below, raise it again"
)


@login_required
@require_http_methods(["GET", "POST"])
@with_context
def check(request, context: Context):
    steps = _steps(context)
    answers = _answers(request)
    if not any(k in answers for k in steps[0].fields):
        return redirect("disagreements:raise")
    errors = []
    if request.method == "POST":
        send = sends.Send(f"session {request.session.session_key}", answers)
        if not send.claim():
            messages.info(request, SENT_TWICE)
            return redirect("home")
        try:
            d = transitions.raise_disagreement(
                request.user, {**answers, "partnership": context.partnership}
            )
        except transitions.Invalid as e:
            send.release()
            page = {n: s.slug for s in steps for n in s.fields}
            for name, said in e.errors.items():
                target = page.get(name, steps[0].slug)
                href = reverse("disagreements:raise-step", args=[target]) + "?change=1"
                if name in page:
                    bound = _labelled(
                        RaiseForm(None, context=context), context, answers.get("subject_kind")
                    )[name]
                    errors += [{"href": href, "text": as_sentence(bound, m)} for m in said]
                else:
                    errors += [{"href": href, "text": m[:1].upper() + m[1:]} for m in said]
        except transitions.NotAllowed as e:
            send.release()
            errors.append({"href": "#main-content", "text": str(e)[:1].upper() + str(e)[1:]})
        else:
            request.session.pop(SESSION_KEY, None)
            request.session["raised"] = d.pk
            return redirect("disagreements:raise-done", pk=d.pk)
    pack = context.pack
    stage_number = parse_int(answers.get("start_stage")) or 1
    try:
        first = stage_dates(
            pack,
            stage_number,
            context.today,
            context.partnership.working_calendar(),
            answers.get("immediate_rule") or None,
            decided_on=_day(answers.get("challenged_on")),
        )
    except KeyError:
        first = None
    # What raising it meets, already past its date: said before it is sent, not found
    # "met late" on the case straight after.
    met_now = {m.id for m in pack.stage(stage_number).met_by_raising} if first else set()
    late = [m for m in first.milestones if m.id in met_now and m.due and m.due < context.today]
    return render(
        request,
        "disagreements/raise_check.html",
        {
            "rows": _summary(context, answers, steps),
            "errors": errors,
            "page_has_errors": bool(errors),
            "pack": pack,
            "first": first,
            "late": " ".join(
                f"“{m.name}” was due by {day_in_full(m.due)} ({m.timescale} of "
                f"{m.counted_from}). Raising it now meets it late, and the case will say so."
                for m in late
            ),
            "stage": pack.stage(stage_number) if first else None,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def done(request, pk: int):
    # Only the person who has just raised it sees its confirmation.
    if request.session.get("raised") != pk:
        raise Http404("Page not found")
    d = Disagreement.objects.select_related("receiving_agency", "receiving_professional").get(pk=pk)
    # The case's next date, worded as its page and My work word it.
    calendar = d.partnership.working_calendar()
    due = presenters.due_in_words(
        d.status, d.next_due, london_today(), calendar, d.next_due_is_review
    )
    return render(
        request,
        "disagreements/raise_done.html",
        {"d": d, "due": due, "stage": d.pack.stage(d.stage)},
    )
