"""The information governance role's pages: find a person's cases, export everything
held about them, record a restriction or a correction, and read the access log by case
or by person. Anyone without the role is told the pages do not exist."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rpd.disagreements.presenters import at_moment
from rpd.oversight import pdf
from rpd.pathways.calendar import today as london_today
from rpd.people.models import User
from rpd.templatetags.govuk import visually_hidden

from . import retention
from . import subject_access as sar
from .forms import HoldForm, PersonForm, PolicyForm, ReaderForm, RectifyForm, RestrictForm
from .models import Read, RequestKind

READ_WORDS = dict(Read.choices)


def governance(view):
    @login_required
    @wraps(view)
    def page(request, *args, **kwargs):
        if not request.user.governed_partnership_ids:
            raise Http404("Page not found")
        return view(request, *args, **kwargs)

    return page


def _criteria(form: PersonForm) -> sar.Criteria:
    data = form.cleaned_data
    return sar.Criteria(
        nhs_number=data.get("nhs_number") or "",
        given_name=data.get("given_name") or "",
        family_name=data.get("family_name") or "",
        date_of_birth=data.get("date_of_birth"),
    )


def _case_rows(cases) -> list[list]:
    return [
        [
            {"text": d.reference, "href": reverse("dataprotection:case", args=[d.pk])},
            d.partnership.name,
            str(d.subject),
            at_moment(d.raised_at),
            d.get_status_display(),
        ]
        for d in cases
    ]


@governance
@require_http_methods(["GET", "POST"])
def search(request):
    form = PersonForm(request.POST if request.method == "POST" else None)
    cases = None
    if request.method == "POST" and form.is_valid():
        cases = sar.find(request.user, _criteria(form))
    return render(
        request,
        "dataprotection/search.html",
        {
            "form": form,
            "partnerships": sar.governed(request.user),
            "cases": cases,
            "rows": _case_rows(cases or []),
            "rows_head": ["Reference", "Partnership", "About", "Raised", "Status"],
            "hidden": form.data if cases else {},
        },
    )


@governance
@require_POST
def export(request):
    form = PersonForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dataprotection/search.html",
            {"form": form, "partnerships": sar.governed(request.user), "cases": None},
            status=400,
        )
    as_pdf = request.POST.get("format") == "pdf"
    if as_pdf:
        try:
            pdf.check()
        except pdf.PdfUnavailable as error:
            return render(
                request, "dataprotection/pdf_unavailable.html", {"message": str(error)}, status=503
            )
    document = sar.export(request.user, _criteria(form), request)
    if as_pdf:
        content = pdf.from_template(
            "oversight/document_pdf.html", {"document": sar.as_document(document)}
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="subject-access.pdf"'
        return response
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="subject-access.json"'
    return response


def _governed_case(request, pk):
    d = sar.governed_case_or_none(request.user, pk)
    if d is None:
        raise Http404("Page not found")
    return d


@governance
@require_GET
def case(request, pk: int):
    d = _governed_case(request, pk)
    reads = [
        [at_moment(r.at), r.user.display_name, READ_WORDS.get(r.what, r.what), r.detail]
        for r in sar.reads_of(d)[:500]
    ]
    requests = [
        [
            at_moment(r.recorded_at),
            r.get_kind_display(),
            r.reason,
            ", ".join(r.fields) or "",
            (
                "Lifted " + at_moment(r.lifted_at)
                if r.lifted_at
                else (
                    {
                        "post": reverse("dataprotection:lift", args=[d.pk, r.pk]),
                        "text": "Lift",
                        "hidden": "this restriction",
                    }
                    if r.kind == RequestKind.RESTRICTION
                    else ""
                )
            ),
        ]
        for r in d.subject_requests.order_by("-recorded_at")
    ]
    return render(
        request,
        "dataprotection/case.html",
        {
            "d": d,
            "reads": reads,
            "reads_head": ["When", "Who", "What", "Detail"],
            "requests": requests,
            "requests_head": [
                "Recorded",
                "Kind",
                "Reason",
                "Fields corrected",
                visually_hidden("Lift"),
            ],
            "restricted": sar.restricted(d),
            "erased": retention.erased(d),
            "holds": [
                [
                    at_moment(h.placed_at),
                    h.placed_by.display_name,
                    h.reason,
                    "Lifted " + at_moment(h.lifted_at)
                    if h.lifted_at
                    else {
                        "post": reverse("dataprotection:lift-hold", args=[d.pk, h.pk]),
                        "text": "Lift",
                        "hidden": "this legal hold",
                    },
                ]
                for h in d.legal_holds.select_related("placed_by").order_by("-placed_at")
            ],
            "holds_head": ["Placed", "By", "Reason", visually_hidden("Lift")],
        },
    )


def _form_page(request, d, form, title, done):
    if request.method == "POST" and form.is_valid():
        try:
            done(form)
        except sar.Refused as refused:
            form.add_error(
                None if refused.field not in form.fields else refused.field, str(refused)
            )
        else:
            return redirect("dataprotection:case", d.pk)
    return render(
        request,
        "dataprotection/form.html",
        {"d": d, "form": form, "title": title},
        status=400 if request.method == "POST" else 200,
    )


@governance
@require_http_methods(["GET", "POST"])
def restrict(request, pk: int):
    d = _governed_case(request, pk)
    return _form_page(
        request,
        d,
        RestrictForm(request.POST if request.method == "POST" else None),
        "Record a restriction of processing",
        lambda form: sar.record_restriction(d, request.user, form.cleaned_data["reason"]),
    )


@governance
@require_http_methods(["GET", "POST"])
def rectify(request, pk: int):
    d = _governed_case(request, pk)
    return _form_page(
        request,
        d,
        RectifyForm(request.POST if request.method == "POST" else None),
        "Correct the person's details",
        lambda form: sar.rectify(d, request.user, form.changes(), form.cleaned_data["reason"]),
    )


@governance
@require_POST
def lift(request, pk: int, request_pk: int):
    d = _governed_case(request, pk)
    found = d.subject_requests.filter(pk=request_pk).first()
    if found is None:
        raise Http404("Page not found")
    try:
        sar.lift_restriction(found, request.user)
    except sar.Refused:
        pass  # lifted already, by someone else: the page shows when
    return redirect("dataprotection:case", d.pk)


@governance
@require_GET
def reader(request):
    form = ReaderForm(request.GET or None)
    rows, person = [], None
    if request.GET and form.is_valid():
        person = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if person is None:
            form.add_error("email", "No one with this email address has an account")
        else:
            rows = [
                [
                    at_moment(r.at),
                    {
                        "text": r.disagreement.reference,
                        "href": reverse("dataprotection:case", args=[r.disagreement_id]),
                    },
                    READ_WORDS.get(r.what, r.what),
                    r.detail,
                ]
                for r in sar.reads_by(request.user, person)[:500]
            ]
    return render(
        request,
        "dataprotection/reader.html",
        {
            "form": form,
            "person": person,
            "rows": rows,
            "rows_head": ["When", "Case", "What", "Detail"],
        },
        status=400 if request.GET and form.errors else 200,
    )


@governance
@require_http_methods(["GET", "POST"])
def hold(request, pk: int):
    d = _governed_case(request, pk)
    return _form_page(
        request,
        d,
        HoldForm(request.POST if request.method == "POST" else None),
        "Place a legal hold",
        lambda form: retention.place_hold(d, request.user, form.cleaned_data["reason"]),
    )


@governance
@require_POST
def lift_hold(request, pk: int, hold_pk: int):
    d = _governed_case(request, pk)
    found = d.legal_holds.filter(pk=hold_pk).first()
    if found is None:
        raise Http404("Page not found")
    try:
        retention.lift_hold(found, request.user)
    except retention.Refused:
        pass  # lifted already: the page shows when
    return redirect("dataprotection:case", d.pk)


def _governed_partnership(request, slug):
    for partnership in sar.governed(request.user):
        if partnership.slug == slug:
            return partnership
    raise Http404("Page not found")


@governance
@require_GET
def retention_page(request):
    today = london_today()
    partnerships = sar.governed(request.user)
    sections = []
    for partnership in partnerships:
        policy = retention.policy_of(partnership)
        due = retention.due([partnership], today)
        sections.append(
            {
                "partnership": partnership,
                "policy": policy,
                "rows": [
                    [
                        {
                            "text": item.disagreement.reference,
                            "href": reverse("dataprotection:case", args=[item.disagreement.pk]),
                        },
                        item.disagreement.get_status_display(),
                        at_moment(item.disagreement.closed_at),
                        f"{item.keep_until.day} {item.keep_until:%B %Y}",
                    ]
                    for item in due
                ],
            }
        )
    return render(
        request,
        "dataprotection/retention.html",
        {"sections": sections, "head": ["Case", "Status", "Closed", "Keep until"]},
    )


@governance
@require_http_methods(["GET", "POST"])
def retention_policy(request, slug: str):
    partnership = _governed_partnership(request, slug)
    policy = retention.policy_of(partnership)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial={
            "years_after_closure": policy.years_after_closure,
            "child_until_age": policy.child_until_age,
        },
    )
    if request.method == "POST" and form.is_valid():
        retention.set_policy(
            partnership,
            request.user,
            form.cleaned_data["years_after_closure"],
            form.cleaned_data["child_until_age"],
        )
        return redirect("dataprotection:retention")
    return render(
        request,
        "dataprotection/policy.html",
        {"form": form, "partnership": partnership},
        status=400 if request.method == "POST" else 200,
    )


@governance
@require_http_methods(["GET", "POST"])
def erase(request, slug: str):
    """Ask, then erase every case of the partnership past its retention period."""
    partnership = _governed_partnership(request, slug)
    due = retention.due([partnership], london_today())
    if request.method == "POST":
        for item in due:
            try:
                retention.erase(item.disagreement, request.user)
            except retention.Refused:
                continue  # a hold placed, or erased by someone else, since the list was read
        return redirect("dataprotection:retention")
    return render(
        request,
        "dataprotection/erase.html",
        {"partnership": partnership, "count": len(due)},
    )
