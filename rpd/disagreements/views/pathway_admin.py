"""A partnership administrator's pathway pages: the version in use and earlier ones,
uploading a new version, what it changes, its simulated dates, and switching to it.

Thin: who may see these pages is `access.administers`; every change is an operation of
`pathway_versions`, whose refusals are shown at the field they name.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rpd.frontend import GovukErrors
from rpd.pathways.calendar import CALENDARS
from rpd.pathways.describe import describe
from rpd.pathways.diff import diff
from rpd.pathways.forms import simulated
from rpd.people.models import Partnership
from rpd.templatetags.govuk import govuk_tag, visually_hidden

from .. import pathway_versions
from ..models import PartnershipPathway
from .common import administered_or_404


class UploadForm(GovukErrors, forms.Form):
    file = forms.FileField(
        label="Pack file",
        help_text=f"A YAML file of at most {pathway_versions.MAX_BYTES // 1024} KB, in UTF-8",
        error_messages={"required": "Choose a pack file to upload"},
    )


class SwitchForm(GovukErrors, forms.Form):
    seen_in_use = forms.CharField(widget=forms.HiddenInput)
    other_pathway = forms.BooleanField(required=False)
    # Shown only where the go-live check finds problems with the version.
    anyway = forms.CharField(
        label="Why switch before these are fixed",
        help_text="Kept in the audit log with the problems listed above",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@require_GET
def overview(request, slug: str):
    partnership = administered_or_404(request, slug)
    current = pathway_versions.in_use(partnership)
    listed = pathway_versions.versions(partnership)
    return render(
        request,
        "pathway_admin/overview.html",
        {
            "partnership": partnership,
            "in_use": _in_use_rows(current, listed),
            "described": describe(current.pack),
            "uploaded": [
                [
                    _version_name(v.pathway),
                    _when(v.row.uploaded_at, "j F Y")
                    + (f" by {v.row.uploaded_by.display_name}" if v.row.uploaded_by else ""),
                    {
                        "text": "Review and switch",
                        "href": _version_url(partnership, v.row),
                        "hidden": f" to {v.pathway.pathway_id} version {v.pathway.version}",
                    },
                ]
                for v in listed
                if _waiting(v)
            ],
            "earlier": [
                [
                    {"text": _version_name(v.pathway), "href": _version_url(partnership, v.row)}
                    if v.row
                    else _version_name(v.pathway),
                    _when(v.row.in_use_until, "j F Y, H:i")
                    if v.row and v.row.in_use_until
                    else "Not recorded",
                    v.open,
                    v.total,
                ]
                for v in listed
                if v.pathway.digest != current.digest and not _waiting(v)
            ],
            "uploaded_head": ["Version", "Uploaded", visually_hidden("Action")],
            "earlier_head": [
                "Version",
                "New disagreements until",
                "Still open under it",
                "All under it",
            ],
            "earlier_numeric": [2, 3],
        },
    )


def _in_use_rows(current, listed) -> list[dict]:
    pack, row = current.pack, current.row
    if row and row.uploaded_by:
        source = f"Uploaded by {row.uploaded_by.display_name} on {_when(row.uploaded_at, 'j F Y')}"
    else:
        source = "Built in" if current.built_in else "Installed on the server"
    rows = [
        {"key": "Pathway", "value": format_html("{} (<code>{}</code>)", pack.name, pack.id)},
        {"key": "Version", "value": pack.version},
        {"key": "Where it came from", "value": source},
    ]
    if row and row.in_use_from:
        by = f", switched by {row.switched_by.display_name}" if row.switched_by else ""
        rows.append({"key": "In use since", "value": _when(row.in_use_from, "j F Y, H:i") + by})
    open_now = next((v.open for v in listed if v.pathway.digest == current.digest), 0)
    if review := pack.source.review_date:
        passed = govuk_tag("Passed", "red") if review < timezone.localdate() else ""
        rows.append(
            {
                "key": "Policy review date",
                "value": format_html("{} {}", f"{review:%-d %B %Y}", passed),
            }
        )
    return rows + [
        {"key": "Working days of", "value": CALENDARS.get(pack.calendar, pack.calendar)},
        {"key": "Open disagreements under it", "value": open_now},
    ]


CHANGE_TAGS = {"added": ("Added", "green"), "removed": ("Removed", "red")}


def _change_row(change) -> list:
    what = [change.what]
    if change.kind in CHANGE_TAGS:
        text, colour = CHANGE_TAGS[change.kind]
        what.append({"text": text, "tag": colour})
    return [change.where, what, change.before or "Not there", change.after or "Not there"]


def _version_rows(row, pack, current) -> list[dict]:
    if row.in_use:
        status = govuk_tag("In use", "green")
    elif row.in_use_until:
        status = govuk_tag("Earlier version", "grey")
    else:
        status = govuk_tag("Not in use", "blue")
    rows = [
        {
            "key": "Pathway",
            "value": format_html("<code>{}</code> version {}", pack.id, pack.version),
        },
        {"key": "Status", "value": status},
    ]
    if row.uploaded_by:
        uploaded = f"{_when(row.uploaded_at, 'j F Y, H:i')} by {row.uploaded_by.display_name}"
        rows.append({"key": "Uploaded", "value": uploaded})
    in_use = format_html("<code>{}</code> version {}", current.pack.id, current.pack.version)
    return rows + [{"key": "In use now", "value": in_use}]


def _when(moment, shape: str) -> str:
    # As the template's date filter shows it: in the service's time zone, not UTC.
    return date_format(timezone.localtime(moment), shape)


def _version_name(pathway):
    return format_html("<code>{}</code> v{}", pathway.pathway_id, pathway.version)


def _version_url(partnership, row) -> str:
    return reverse("disagreements:pathway-version", args=[partnership.slug, row.pk])


def _waiting(version: pathway_versions.Version) -> bool:
    """Uploaded and never yet in use."""
    row = version.row
    return row is not None and row.in_use_from is None and row.in_use_until is None


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, slug: str):
    partnership = administered_or_404(request, slug)
    problems: list[str] = []
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # No more than one byte past the limit is read; the operation names the size.
        data = upload.read(pathway_versions.MAX_BYTES + 1)
        try:
            row = pathway_versions.upload(
                partnership, data, upload.name, by=request.user, size=upload.size
            )
        except pathway_versions.PathwayVersionError as refused:
            form.add_error("file", refused.message)
            problems = refused.problems
        else:
            return redirect("disagreements:pathway-version", slug=slug, pk=row.pk)
    return render(
        request,
        "pathway_admin/upload.html",
        {
            "partnership": partnership,
            "form": form,
            "problems": problems,
            "max_kb": pathway_versions.MAX_BYTES // 1024,
        },
        status=400 if request.method == "POST" else 200,
    )


def _version_or_404(partnership: Partnership, pk: int) -> PartnershipPathway:
    return get_object_or_404(
        PartnershipPathway.objects.select_related("pathway", "uploaded_by", "switched_by"),
        partnership=partnership,
        pk=pk,
    )


def _review(request, partnership, row, switch_form, status=200):
    current = pathway_versions.in_use(partnership)
    new = row.pathway.pack
    form, simulation = simulated(new, request.GET)
    switchable = not row.in_use and row.in_use_until is None
    if switch_form is None:
        switch_form = SwitchForm(initial={"seen_in_use": current.digest})
    switch_form.fields[
        "other_pathway"
    ].label = f"New disagreements follow {new.id} instead of {current.pack.id}"
    return render(
        request,
        "pathway_admin/version.html",
        {
            "partnership": partnership,
            "row": row,
            "pack": new,
            "current": current,
            "summary": _version_rows(row, new, current),
            "sections": [
                {
                    "title": section.title,
                    "rows": [_change_row(c) for c in section.changes],
                }
                for section in (diff(current.pack, new) if switchable else [])
            ],
            "changes_head": [
                "Where",
                "What",
                f"In use (v{current.pack.version})",
                f"This version (v{new.version})",
            ],
            "other_pathway": new.id != current.pack.id,
            "problems": pathway_versions.switch_problems(partnership, new) if switchable else [],
            "calendar_differs": new.calendar != partnership.calendar,
            "calendar": CALENDARS.get(partnership.calendar, partnership.calendar),
            "form": form,
            "simulation": simulation,
            "switch_form": switch_form,
            "switchable": switchable,
            "page_has_errors": bool(switch_form.errors),
        },
        status=status,
    )


@login_required
@require_GET
def version(request, slug: str, pk: int):
    partnership = administered_or_404(request, slug)
    return _review(request, partnership, _version_or_404(partnership, pk), None)


@login_required
@require_POST
def switch(request, slug: str, pk: int):
    partnership = administered_or_404(request, slug)
    row = _version_or_404(partnership, pk)
    form = SwitchForm(request.POST)
    if form.is_valid():
        try:
            pathway_versions.switch(
                partnership,
                row.pk,
                by=request.user,
                seen_in_use=form.cleaned_data["seen_in_use"],
                other_pathway=form.cleaned_data["other_pathway"],
                anyway=form.cleaned_data["anyway"],
            )
        except pathway_versions.PathwayVersionError as refused:
            field = refused.field if refused.field in form.fields else None
            if field == "seen_in_use":
                field = None
            form.add_error(field, refused.message)
        else:
            pack = row.pathway.pack
            messages.success(
                request,
                f"New disagreements now start under {pack.id} v{pack.version}. Open "
                "disagreements keep the version they started under.",
            )
            return redirect("disagreements:pathway", slug=slug)
    # Shown against the comparison as it is now, with a fresh view of the version in use.
    form = _refreshed(form, pathway_versions.in_use(partnership).digest)
    return _review(request, partnership, row, form, status=400)


def _refreshed(form: SwitchForm, digest: str) -> SwitchForm:
    data = form.data.copy()
    data["seen_in_use"] = digest
    fresh = SwitchForm(data)
    fresh.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            fresh.add_error(None if field == "__all__" else field, error)
    return fresh
