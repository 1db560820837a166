"""A partnership's form for one disagreement: assembled from the record, completed, sent.

Who may submit is the `submit_form` transition's to decide; who may read the form at all
is `access.sight` (the whole case: not an agency copied in on the outcome), and
special-category values are shown only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from rpd.templatetags.govuk import govuk_tag

from .. import access, formsubmissions, sends, transitions
from ..models import Disagreement, FormSubmissionSensitive
from .common import attempt, error_summary, posted, seen_or_404, with_errors


def _rows(assembled: formsubmissions.Assembled) -> list[dict]:
    """The form as it would be sent: each value, or a tag saying why it is not there."""
    rows = []
    for v in assembled.values:
        if v.withheld:
            value = govuk_tag("Special category: not shown to you", "grey")
        elif v.missing and v.field.required:
            value = format_html(
                '{} <a class="govuk-link" href="#id_{}">Enter it below</a>',
                govuk_tag("Missing", "red"),
                v.id,
            )
        elif v.missing:
            value = govuk_tag("Not given (optional)", "grey")
        elif v.asked:
            value = format_html(
                "{} {}", linebreaksbr(v.value), govuk_tag("Typed on this form", "blue")
            )
        else:
            value = v.value
        rows.append({"id": f"row-{v.id}", "key": v.field.label, "value": value})
    return rows


def _versions(d: Disagreement, form, special: bool) -> list[dict]:
    submissions = d.form_submissions.filter(form_id=form.id).select_related("submitted_by")
    sensitive = {}
    if special:
        sensitive = {
            row.submission_id: row.values
            for row in FormSubmissionSensitive.objects.filter(submission__in=submissions)
        }
    versions = []
    for s in submissions.order_by("-version"):
        values = {**s.values, **sensitive.get(s.pk, {})}
        versions.append(
            {
                "submission": s,
                "rows": [
                    {"key": f.label, "value": values.get(f.id, "") or "Not given"}
                    for f in form.fields
                    if special or not f.special_category
                ],
            }
        )
    return versions


@login_required
@require_http_methods(["GET", "POST"])
def form_page(request, pk: int, form_id: str):
    user = request.user
    d, episode, held, seen, _ = seen_or_404(request, pk)
    if not seen.records or form_id not in {f.id for f in d.pack.forms}:
        raise Http404("Page not found")
    pack_form = d.pack.form(form_id)
    special = access.may_see_special_category(user, d)
    may_submit = (
        transitions.may_start("submit_form", user, d, (episode, held))
        and form_id in d.pack.stage(d.stage).forms
    )
    page = {"extra": {}, "field_errors": {}, "version": d.version, "changes": []}
    data = None
    if request.method == "POST":
        if not may_submit:
            raise Http404("Page not found")
        blank = _form(user, d, form_id, None)
        data = {
            "form": form_id,
            # Dates and times typed into their boxes, as the transition takes them.
            **{n: v for n, v in posted(blank.fields, request.POST).items() if n != "form"},
        }
        if attempt("submit_form", user, d, request.POST, data, page):
            messages.success(request, f"{pack_form.name} submitted.")
            return redirect("disagreements:form", pk=d.pk, form_id=form_id)
    form = _form(user, d, form_id, data) if may_submit else None
    if form is not None and data is not None:
        with_errors(form, page["field_errors"])
    assembled = formsubmissions.assemble(d, form_id, at=transitions.now(), special=special)
    errors = error_summary(form, page["extra"])
    return render(
        request,
        "disagreements/form.html",
        {
            "page_has_errors": bool(errors),
            "d": d,
            "pack_form": pack_form,
            "rows": _rows(assembled),
            "missing": [v.field.label for v in assembled.missing_required],
            "form": form,
            "errors": errors,
            "version": page["version"],
            "sent_from": sends.token(),
            "changes": page["changes"],
            "conflict": "version" in page["extra"],
            "versions": _versions(d, pack_form, special),
            "sent_to": d.pack.role(pack_form.recipient_for(d.subject.kind)).name,
        },
        status=400 if request.method == "POST" else 200,
    )


def _form(user, d: Disagreement, form_id: str, data):
    episode, held = transitions.standing(user, d)
    act = transitions.Act(user, d, episode, held, transitions.now())
    form = formsubmissions.SubmissionForm(
        data, context=act.context, disagreement=d, at=act.at, form_id=form_id
    )
    form.fields["form"].widget = forms.HiddenInput()
    return form
