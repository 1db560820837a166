"""Oversight lists for the partnership unit and board chair: upper-stage, overdue, paused
and drifting disagreements, by agency and stage."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rpd.notifications.sweep import start_of, working_days_back
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Agency, AgencyType, Partnership

from .. import queries
from ..access import oversees
from .common import parse_int
from .my_work import PAGE, list_items, page_number

SHOWS = {
    "all": "All open and paused",
    "upper": f"Stage {queries.UPPER_STAGE} and above",
    "overdue": "Overdue",
    "paused": "Paused",
    "drifting": "Drifting (no activity)",
}


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
    show = request.GET.get("show", "all")
    show = show if show in SHOWS else "all"
    agency = parse_int(request.GET.get("agency"))
    agency = agency if agency in {pk for pk, _ in agencies} else None
    stage = parse_int(request.GET.get("stage"))
    stage = stage if stage in {s.number for s in pack.stages} else None
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
        queries.OversightFilter(show, partnership.pk, agency, stage),
        PAGE + 1,
        (page - 1) * PAGE,
    )
    several = len(overseen) > 1
    chosen = {
        k: v
        for k, v in (
            ("partnership", partnership.slug if several else None),
            ("show", show),
            ("agency", agency),
            ("stage", stage),
        )
        if v
    }
    return render(
        request,
        "disagreements/oversight.html",
        {
            "items": list_items(rows[:PAGE], user, today, {partnership.pk: calendar}),
            "page": page,
            "more": len(rows) > PAGE,
            "partnerships": [(p.slug, p.name) for p in overseen] if several else [],
            "partnership": partnership,
            "shows": SHOWS,
            "show": show,
            "agencies": agencies,
            "agency": agency,
            "stages": pack.stages,
            "stage": stage,
            "query": urlencode(chosen) + "&" if chosen else "",
            "caption": SHOWS[show],
        },
    )
