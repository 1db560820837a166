"""The oversight pages: thin, each asking `register`, `figures` and `exports` for what it shows.

A page for one partnership answers "not found" to anyone who does not oversee it; the
region's pages (/oversight/...) cover every partnership the reader oversees.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from rpd.dataprotection import readings
from rpd.dataprotection.models import Read
from rpd.disagreements import access
from rpd.disagreements.access import oversees
from rpd.disagreements.models import Disagreement, FormSubmission, Status
from rpd.frontend import GovukErrors
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Partnership
from rpd.templatetags.govuk import govuk_tag

from . import documents, exports, learning, pdf, register
from .charts import drawn
from .figures import Period, figures
from .forms import LearningForm, Options, PeriodForm, RegisterForm
from .models import LearningItem
from .report import REPORT_KINDS, annual, render_report
from .tables import tables


def overseen_partnerships(user, slug: str | None) -> list[Partnership]:
    """The one partnership `slug` names, or every one `user` oversees; "not found" for
    anyone who oversees none of them."""
    if not oversees(user):
        raise Http404("Page not found")
    found = Partnership.objects.filter(pk__in=user.overseen_partnership_ids).order_by("name")
    if slug is not None:
        found = found.filter(slug=slug)
    partnerships = list(found)
    if not partnerships:
        raise Http404("Page not found")
    return partnerships


def register_table(rows: list[register.RegisterRow], region: bool) -> dict:
    head = ["Reference", "Raised", "Closed", "Agencies", "Categories", "Outcome", "About"]
    if region:
        head.insert(1, "Partnership")
    cells = []
    for row in rows:
        outcome = row.outcome
        if row.overdue:
            outcome = format_html("{} {}", row.outcome, govuk_tag("Overdue", "red"))
        line = [
            {"text": row.reference, "href": reverse("disagreements:detail", args=[row.pk])},
            f"{row.raised_on:%-d %b %Y}",
            f"{row.closed_on:%-d %b %Y}" if row.closed_on else "Open",
            f"{row.raising_agency} with {row.receiving_agency}",
            ", ".join(row.categories) or "None given",
            {"text": outcome, "hint": row.pathway},
            row.subject_name or "Register line only",
        ]
        if region:
            line.insert(1, row.partnership)
        cells.append(line)
    return {"head": head, "rows": cells}


@login_required
@require_GET
def register_page(request, slug: str | None = None):
    partnerships = overseen_partnerships(request.user, slug)
    form = RegisterForm(request.GET or None, options=Options(partnerships))
    if form.is_bound:
        form.is_valid()
    return _register_page(request, slug, partnerships, form)


def _register_page(request, slug, partnerships, form, status: int = 200):
    chosen = form.chosen(london_today())
    qs, covered = register.cases(request.user, chosen)
    counted = register.totals(qs)
    page = _page(request, counted.cases)
    rows = register.rows(qs, register.PAGE, (page - 1) * register.PAGE)
    _note_shown(request, rows, Read.LIST, "register")
    first, last = (page - 1) * register.PAGE + 1, (page - 1) * register.PAGE + len(rows)
    return render(
        request,
        "oversight/register.html",
        {
            "form": form,
            "partnership": partnerships[0] if slug else None,
            "region": slug is None,
            "table": register_table(rows, region=slug is None),
            "totals_rows": [{"key": "Cases", "value": f"{counted.cases:,}"}]
            + [
                {"key": label, "value": f"{counted.by_status[value]:,}"}
                for value, label in Status.choices
            ],
            "caption": f"Cases {first:,} to {last} of {counted.cases:,}",
            "page": page,
            "more": page * register.PAGE < counted.cases,
            "exports": _exports(request, form),
        },
        status=status,
    )


def _exports(request, form) -> list[tuple[str, str]]:
    """The page's downloads, with its filters; none while a filter is wrong (the page says
    which), so no download is taken for filtered that is not."""
    if form.errors:
        return []
    query = request.GET.urlencode()
    return [
        (kind, f"{request.path}export.{kind}" + (f"?{query}" if query else ""))
        for kind in ("csv", "xlsx")
    ]


def _note_shown(request, rows, what: str, detail: str) -> None:
    """The access log: the rows that name whom their case is about are reads of it."""
    shown = [r.pk for r in rows if r.subject_name is not None]
    if shown:
        cases = Disagreement.objects.filter(pk__in=shown).values_list("pk", "partnership_id")
        readings.note_many(request, list(cases), what, detail)


def _page(request, total: int) -> int:
    from rpd.disagreements.views.common import parse_int

    page = parse_int(request.GET.get("page")) or 1
    last = max(1, -(-total // register.PAGE))
    return min(max(page, 1), last)


# How many reasons a figures page lists, the newest: a region's year holds thousands,
# which the exports and the annual report list whole.
REASONS_ON_PAGE = 50


def period_form(request, slug: str | None) -> PeriodForm:
    """The period and partnerships asked for, checked, among those the person oversees."""
    form = PeriodForm(request.GET or None, partnerships=overseen_partnerships(request.user, slug))
    if form.is_bound:
        form.is_valid()
    return form


def period_figures(form: PeriodForm, reasons: int | None = None):
    """The figures a figures page or export shows for its form (`reasons`: how many of the
    newest reasons given to list; all where None)."""
    today = london_today()
    period = Period(*form.period(today))
    return figures(form.chosen_partnerships(), period, today, reasons=reasons)


@login_required
@require_GET
def figures_page(request, slug: str | None = None):
    return _figures_page(request, slug, period_form(request, slug))


def _figures_page(request, slug, form, status: int = 200):
    f = period_figures(form, reasons=REASONS_ON_PAGE)
    return render(
        request,
        "oversight/figures.html",
        {
            "form": form,
            "partnership": f.partnerships[0] if slug else None,
            "figures": f,
            "headline": [{"key": k, "value": f"{v:,}"} for k, v in f.headline()[:4]],
            "sections": drawn(tables(f)),
            "exports": _exports(request, form),
        },
        status=status,
    )


def _download(content: bytes, kind: str, name: str, kinds=exports.KINDS) -> HttpResponse:
    response = HttpResponse(content, content_type=kinds[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@login_required
@require_GET
def register_export(request, kind: str, slug: str | None = None):
    if kind not in exports.KINDS:
        raise Http404("Page not found")
    partnerships = overseen_partnerships(request.user, slug)
    form = RegisterForm(request.GET or None, options=Options(partnerships))
    if form.is_bound and not form.is_valid():
        return _register_page(request, slug, partnerships, form, status=400)
    chosen = form.chosen(london_today())
    qs, covered = register.cases(request.user, chosen)
    rows = register.rows(qs, limit=None)
    _note_shown(request, rows, Read.EXPORT, f"register.{kind}")
    table = exports.register_table(rows)
    exports.audited(request.user, "register", kind, covered, chosen.as_audit(), len(table.rows))
    return _download(exports.render(kind, [], [table]), kind, "register")


@login_required
@require_GET
def figures_export(request, kind: str, slug: str | None = None):
    if kind not in exports.KINDS:
        raise Http404("Page not found")
    form = period_form(request, slug)
    if form.errors:
        return _figures_page(request, slug, form, status=400)
    f = period_figures(form)
    filters = {"start": f.period.start.isoformat(), "end": f.period.end.isoformat()}
    exports.audited(request.user, "figures", kind, f.partnerships, filters, len(f.headline()))
    name = f"figures-{slug or 'region'}-{filters['start']}-to-{filters['end']}"
    return _download(exports.render(kind, f.headline(), tables(f)), kind, name)


def learning_table(items: list[learning.Item], slug: str | None) -> dict:
    head = ["Learning", "Kind", "Status", "Owner", "Due", "Cases"]
    rows = []
    for i in items:
        title = i.title
        if slug:
            title = {"text": i.title, "href": reverse("oversight:learning-item", args=[slug, i.pk])}
        rows.append(
            [
                title,
                {"text": i.kind, "hint": i.source},
                i.status,
                i.owner or "No one yet",
                f"{i.due:%-d %b %Y}" if i.due else "Not set",
                [
                    {"text": ref, "href": reverse("disagreements:detail", args=[pk])}
                    for pk, ref in i.cases
                ]
                or "None",
            ]
        )
    return {"head": head, "rows": rows}


@login_required
@require_GET
def learning_page(request, slug: str):
    [partnership] = overseen_partnerships(request.user, slug)
    items = learning.items_for([partnership])
    return render(
        request,
        "oversight/learning.html",
        {"partnership": partnership, "table": learning_table(items, slug)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def learning_add(request, slug: str):
    [partnership] = overseen_partnerships(request.user, slug)
    form = LearningForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        learning.add(request.user, partnership, form.cleaned_data)
        messages.success(request, "Learning item added")
        return redirect("oversight:learning", slug)
    return render(
        request,
        "oversight/learning_form.html",
        {"partnership": partnership, "form": form, "heading": "Add a learning item"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def learning_item(request, slug: str, pk: int):
    [partnership] = overseen_partnerships(request.user, slug)
    item = get_object_or_404(LearningItem, pk=pk, partnership=partnership)
    initial = {
        "status": item.status,
        "owner": str(item.owner_id or ""),
        "due": item.due,
        "notes": item.notes,
    }
    form = LearningForm(
        request.POST or None, initial=initial, partnership=partnership, adding=False
    )
    if request.method == "POST" and form.is_valid():
        learning.update(request.user, item, form.cleaned_data)
        messages.success(request, "Learning item updated")
        return redirect("oversight:learning", slug)
    return render(
        request,
        "oversight/learning_form.html",
        {"partnership": partnership, "form": form, "heading": item.title, "item": item},
    )


class YearForm(GovukErrors, forms.Form):
    # Left empty: this year's report (the page shows it), not an error above it.
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100, required=False)


@login_required
@require_GET
def report_page(request, slug: str):
    [partnership] = overseen_partnerships(request.user, slug)
    form = YearForm(request.GET or None)
    valid = not form.errors  # an unbound form (no year asked) has none
    year = (valid and form.is_bound and form.cleaned_data["year"]) or london_today().year
    kind = request.GET.get("format", "")
    report = annual(partnership, year)
    # A download asked for a year the form cannot read is the page again naming what is
    # wrong (as the register's and the figures' downloads), never this year's report.
    if kind in REPORT_KINDS and valid:
        try:
            content = render_report(report, kind)
        except pdf.PdfUnavailable as error:
            return render(
                request,
                "oversight/pdf_unavailable.html",
                {"partnership": partnership, "message": str(error)},
                status=503,
            )
        exports.audited(request.user, "annual-report", kind, [partnership], {"year": year}, 1)
        return _download(content, kind, f"annual-report-{partnership.slug}-{year}", REPORT_KINDS)
    return render(
        request,
        "oversight/report.html",
        {
            "form": form,
            "partnership": partnership,
            "report": report,
            "headline": [{"key": k, "value": f"{v:,}"} for k, v in report.headline()[:4]],
            "sections": drawn(report.tables()),
            "downloads": [
                (label, f"{request.path}?year={year}&format={kind}")
                for kind, label in (("pdf", "PDF"), ("csv", "CSV"), ("xlsx", "XLSX"))
            ]
            if valid
            else [],
        },
        status=200 if valid or kind not in REPORT_KINDS else 400,
    )


# -- Documents ------------------------------------------------------------------------------


def _case_seen_whole(request, slug: str, pk: int) -> Disagreement:
    """The case, if the reader sees it whole (access.sight); "not found" otherwise."""
    d = (
        Disagreement.objects.select_related(
            "partnership", "pathway", "subject", "raising_agency", "receiving_agency"
        )
        .filter(pk=pk, partnership__slug=slug)
        .first()
    )
    if d is None or not access.sight(request.user, d).records:
        raise Http404("Page not found")
    return d


def _document(request, d, document, kind: str, what: str, detail: dict):
    """The document as a page, a PDF or plain text; the downloads audited."""
    if kind not in ("", "pdf", "txt"):
        raise Http404("Page not found")
    readings.note(request, d, Read.DOCUMENT, f"{what}.{kind}" if kind else what)
    if kind == "":
        base = request.path
        return render(
            request,
            "oversight/document_page.html",
            {
                "d": d,
                "document": document,
                "sections": [
                    (heading, [{"key": line.label, "value": line.value} for line in lines])
                    for heading, lines in document.sections
                ],
                "pdf_url": f"{base.rstrip('/')}.pdf",
                "text_url": f"{base.rstrip('/')}.txt",
            },
        )
    if kind == "pdf":
        try:
            content = pdf.from_template("oversight/document_pdf.html", {"document": document})
        except pdf.PdfUnavailable as error:
            return render(
                request,
                "oversight/pdf_unavailable.html",
                {"partnership": d.partnership, "message": str(error)},
                status=503,
            )
        kinds = {"pdf": "application/pdf"}
    else:
        content, kinds = document.text().encode("utf-8"), {"txt": "text/plain; charset=utf-8"}
    documents.audited(request.user, d, what, kind, detail)
    return _download(content, kind, f"{d.reference}-{what}", kinds)


@login_required
@require_GET
def form_version(request, slug: str, pk: int, form_id: str, version: int, kind: str = ""):
    d = _case_seen_whole(request, slug, pk)
    submission = get_object_or_404(
        FormSubmission.objects.select_related("submitted_by"),
        disagreement=d,
        form_id=form_id,
        version=version,
    )
    submission.disagreement = d
    special = access.may_see_special_category(request.user, d)
    document = documents.form_version(submission, special)
    detail = {"form": form_id, "version": version}
    return _document(request, d, document, kind, "form", detail)


def _agency_of(d: Disagreement, agency_id: int):
    for agency in (d.raising_agency, d.receiving_agency):
        if agency.pk == agency_id:
            return agency
    raise Http404("Page not found")


@login_required
@require_GET
def case_copy(request, slug: str, pk: int, agency_id: int, kind: str = ""):
    d = _case_seen_whole(request, slug, pk)
    agency = _agency_of(d, agency_id)
    document = documents.agency_copy(d, agency)
    return _document(request, d, document, kind, "case-copy", {"agency": agency.pk})


@login_required
@require_GET
def record_copy(request, slug: str, pk: int, record_id: int, agency_id: int, kind: str = ""):
    d = _case_seen_whole(request, slug, pk)
    agency = _agency_of(d, agency_id)
    record = next((r for r in documents.approved_records(d) if r.pk == record_id), None)
    if record is None:
        raise Http404("Page not found")
    document = documents.agency_copy(d, agency, [record])
    detail = {"agency": agency.pk, "record": record.pk}
    return _document(request, d, document, kind, "record-copy", detail)
