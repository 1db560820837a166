"""Oversight lists for the partnership unit and board chair: upper-stage, overdue, paused
and drifting disagreements, by agency and stage."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rpd.frontend import GovukErrors
from rpd.notifications.sweep import start_of, working_days_back
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Agency, AgencyType, Partnership

from .. import queries
from ..access import oversees
from .my_work import PAGE, list_table, page_number

SHOWS = {
    "all": "All open and paused",
    "upper": "Upper stages",  # the pathway's (Pack.upper_stages): named per partnership
    "overdue": "Overdue",
    "paused": "Paused",
    "drifting": "Drifting (no activity)",
}


class FilterForm(GovukErrors, forms.Form):
    # Each filter always has a value ("Any agency" is one), so none is marked optional on
    # the page; one missing or wrong filters by nothing (the view reads only valid ones).
    show = forms.ChoiceField(label="Show", choices=list(SHOWS.items()), required=False)
    agency = forms.ChoiceField(label="Agency", required=False)
    stage = forms.ChoiceField(label="Stage", required=False)

    def __init__(self, *args, agencies, stages, partnerships=(), upper_from=3, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show"].choices = [
            (key, f"Stage {upper_from} and above" if key == "upper" else label)
            for key, label in SHOWS.items()
        ]
        if len(partnerships) > 1:
            # Someone who oversees several partnerships picks one list at a time.
            self.fields = {
                "partnership": forms.ChoiceField(
                    label="Partnership", choices=partnerships, required=False
                ),
                **self.fields,
            }
        self.fields["agency"].choices = [("", "Any agency"), *agencies]
        self.fields["stage"].choices = [("", "Any stage")] + [
            (s.number, f"Stage {s.number}: {s.name}") for s in stages
        ]


@login_required
@require_GET
def oversight(request):
    user = request.user
    if not oversees(user):
        raise Http404("Page not found")
    # One partnership's list at a time, under its own pathway and calendar: a person may
    # oversee several (ADR 007).
    overseen = list(
        Partnership.objects.filter(pk__in=user.overseen_partnership_ids).order_by("name")
    )
    partnership = next(
        (p for p in overseen if p.slug == request.GET.get("partnership")), overseen[0]
    )
    pack = partnership.pathway_entry().pack
    agencies = list(
        Agency.objects.filter(partnerships=partnership)
        .exclude(type=AgencyType.PARTNERSHIP)
        .order_by("name")
        .values_list("pk", "name")
    )
    # Filters are asked for as a form, but a wrong value filters by nothing rather than
    # answering an error: each field's cleaned value is kept only where it is valid.
    partnerships = [(p.slug, p.name) for p in overseen]
    upper_from = min(pack.upper_stages, default=pack.last_stage.number + 1)
    choose = FilterForm(
        request.GET,
        agencies=agencies,
        stages=pack.stages,
        partnerships=partnerships,
        upper_from=upper_from,
    )
    choose.is_valid()
    chosen = {k: choose.cleaned_data.get(k) for k in ("show", "agency", "stage")}
    show = chosen["show"] or "all"
    agency = int(chosen["agency"]) if chosen["agency"] else None
    stage = int(chosen["stage"]) if chosen["stage"] else None
    today = london_today()
    calendar = partnership.working_calendar()
    quiet_since = start_of(
        working_days_back(
            calendar, calendar.next_working_day(today), settings.RPD_DRIFT_WORKING_DAYS
        )
    )
    page = page_number(request)
    rows = queries.oversight_rows(
        user,
        today,
        quiet_since,
        queries.OversightFilter(show, partnership.pk, agency, stage, upper_from),
        PAGE + 1,
        (page - 1) * PAGE,
    )
    return render(
        request,
        "disagreements/oversight.html",
        {
            "table": list_table(
                rows[:PAGE], user, today, {partnership.pk: calendar}, oversight=True
            ),
            "page": page,
            "more": len(rows) > PAGE,
            # Shown unbound, with what is chosen as its initial values: never any errors.
            "form": FilterForm(
                initial={
                    "partnership": partnership.slug,
                    "show": show,
                    "agency": agency or "",
                    "stage": stage or "",
                },
                agencies=agencies,
                stages=pack.stages,
                partnerships=partnerships,
            ),
            "partnership": partnership,
            "caption": SHOWS[show],
        },
    )
