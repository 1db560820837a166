from django.http import Http404
from django.shortcuts import render

from . import registry
from .calendar import CALENDARS
from .forms import simulated


def pathway_list(request):
    rows = [(entry, CALENDARS[entry.pack.calendar]) for entry in registry.all_entries()]
    return render(request, "pathways/list.html", {"rows": rows})


def pathway_detail(request, pathway_id):
    try:
        entry = registry.get(pathway_id)
    except registry.UnknownPathway:
        raise Http404("No such pathway") from None
    form, simulation = simulated(entry.pack, request.GET)
    return render(
        request,
        "pathways/detail.html",
        {
            "pack": entry.pack,
            "calendar": CALENDARS[entry.pack.calendar],
            "form": form,
            "simulation": simulation,
        },
    )
