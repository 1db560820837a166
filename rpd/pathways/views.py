from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst

from . import registry
from .calendar import CALENDARS
from .forms import simulated


def pathway_list(request):
    cards = [
        {
            "title": entry.pack.name,
            "href": reverse("pathways:detail", args=[entry.pack.id]),
            "rows": [
                {"key": "Partnership", "value": entry.pack.partnership},
                {"key": "Covers", "value": capfirst(entry.pack.scope.covers)},
                {"key": "Working days of", "value": CALENDARS[entry.pack.calendar]},
                {"key": "Stages", "value": len(entry.pack.stages)},
            ],
        }
        for entry in registry.all_entries()
    ]
    return render(request, "pathways/list.html", {"cards": cards})


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
