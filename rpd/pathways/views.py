import datetime

from django.http import Http404
from django.shortcuts import render

from . import registry
from .calendar import CALENDARS, today
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
    error = None
    start = today()
    if "start" in request.GET:
        try:
            start = datetime.date.fromisoformat(request.GET["start"])
        except ValueError:
            error = "Enter the date as YYYY-MM-DD, for example 2026-11-25"
    return render(
        request,
        "pathways/detail.html",
        {
            "pack": entry.pack,
            "calendar": CALENDARS[entry.pack.calendar],
            "simulation": simulate(entry.pack, start),
            "start": start,
            "error": error,
        },
    )
