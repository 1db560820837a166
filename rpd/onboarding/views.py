"""The import page, its template download and the go-live check page: thin, the work is
in import_people and golive; who may use them is access.administered."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods

from rpd.disagreements.views.common import administered_or_404
from rpd.people.models import AgencyType, Role

from . import golive
from .csvformat import COLUMNS, FileProblem
from .forms import ImportForm
from .import_people import ImportRefused, import_file
from .import_people import template as template_csv

SHOWN_ERRORS = 500  # a file wrong on every row is named in full on the command line


@login_required
@require_http_methods(["GET", "POST"])
def import_people(request, slug):
    partnership = administered_or_404(request, slug)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {
        "partnership": partnership,
        "form": form,
        "columns": [
            {"key": c.name + ("" if c.required else " (optional)"), "value": capfirst(c.hint)}
            for c in COLUMNS
        ],
        "agency_types": ", ".join(AgencyType.values),
        "role_names": ", ".join(Role.values),
        "back_url": golive.home_url(slug),
    }
    if request.method == "GET":
        context["form"] = ImportForm()
        return render(request, "onboarding/import.html", context)
    if not form.is_valid():
        return render(request, "onboarding/import.html", context, status=400)
    dry_run = form.cleaned_data["mode"] == "check"
    upload = request.FILES["file"]
    try:
        plan = import_file(
            partnership,
            form.cleaned_data["file"],
            by=request.user,
            dry_run=dry_run,
            source=upload.name,
        )
    except FileProblem as error:
        form.add_error("file", f"The selected file cannot be imported: {error}")
        return render(request, "onboarding/import.html", context, status=400)
    except ImportRefused as error:
        problems = error.errors
        form.add_error(
            "file",
            f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
            "nothing was imported. Correct the rows below and upload it again",
        )
        context.update(
            problems=problems,
            problem_head=["Line", "Column", "Problem"],
            problem_rows=[[p.line, p.where, p.message] for p in problems[:SHOWN_ERRORS]],
            more_problems=max(0, len(problems) - SHOWN_ERRORS),
        )
        return render(request, "onboarding/import.html", context, status=400)
    counts = plan.counts()
    changed = [c for c in plan.changes if c.action != "unchanged"]
    if not dry_run:
        from rpd.people.invitations import not_signed_in

        created = [c.key for c in plan.changes if c.kind == "person" and c.action == "create"]
        context["created_people"] = list(
            not_signed_in(partnership.people())
            .filter(email__in=created)
            .values_list("pk", flat=True)
        )
    context.update(
        form=ImportForm(initial={"mode": "import"}),
        plan=plan,
        dry_run=dry_run,
        filename=upload.name,
        count_head=[
            "What",
            "Created" if not dry_run else "To create",
            "Updated" if not dry_run else "To update",
            "Unchanged",
        ],
        count_numeric=[1, 2, 3],
        count_rows=[
            [label, counts[kind]["create"], counts[kind]["update"], counts[kind]["unchanged"]]
            for kind, label in (("agency", "Agencies"), ("rung", "Rungs"), ("person", "People"))
        ],
        changed=changed,
        change_head=["Line", "Change", "What", "Fields"],
        change_caption="Rows that would change" if dry_run else "Rows that changed",
        change_rows=[
            [c.line or "", c.action.capitalize(), f"{c.kind} {c.key}", ", ".join(c.fields)]
            for c in changed[:SHOWN_ERRORS]
        ],
    )
    return render(request, "onboarding/import.html", context)


@login_required
@require_GET
def template(request, slug):
    partnership = administered_or_404(request, slug)
    response = HttpResponse(template_csv(partnership), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{partnership.slug}-people.csv"'
    return response


@login_required
@require_GET
def check(request, slug):
    partnership = administered_or_404(request, slug)
    problems = golive.check(partnership)
    areas = []
    for problem in problems:
        if not areas or areas[-1][0] != problem.area:
            areas.append((problem.area, golive.AREAS[problem.area], []))
        areas[-1][2].append(problem)
    return render(
        request,
        "onboarding/check.html",
        {
            "partnership": partnership,
            "problems": problems,
            "areas": areas,
            "back_url": golive.home_url(slug),
        },
    )
