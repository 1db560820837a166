import datetime

from django.http import Http404
from django.shortcuts import render

from . import registry
from .calendar import CALENDARS, DateOutOfRange, today
from .simulate import simulate


def pathway_list(request):
    return render(
        request, "pathways/list.html", {"entries": registry.all_entries(), "calendars": CALENDARS}
    )


def pathway_detail(request, pathway_id):
    try:
        entry = registry.get(pathway_id)
    except registry.UnknownPathway:
        raise Http404("No such pathway") from None
    # A date that is not one is named, kept in the box as typed, and no dates are shown
    # for some other day instead.
    raw = request.GET.get("start", "")
    start, error, simulation = today(), None, None
    if raw:
        try:
            start = datetime.date.fromisoformat(raw)
        except ValueError:
            error = f"Enter the date as YYYY-MM-DD, for example 2026-11-25 ({raw!r} is not one)"
    if error is None:
        try:
            simulation = simulate(entry.pack, start)
        except DateOutOfRange as problem:
            error = f"Enter a date the pathway's deadlines can be counted from ({problem})"
    return render(
        request,
        "pathways/detail.html",
        {
            "pack": entry.pack,
            "calendar": CALENDARS[entry.pack.calendar],
            "simulation": simulation,
            "start": raw if error else start.isoformat(),
            "error": error,
        },
    )
