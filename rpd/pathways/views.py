from django.http import Http404
from django.shortcuts import render

from . import registry
from .calendar import CALENDARS, DateOutOfRange, today
from .forms import SimulationForm
from .simulate import simulate


def pathway_list(request):
    rows = [(entry, CALENDARS[entry.pack.calendar]) for entry in registry.all_entries()]
    return render(request, "pathways/list.html", {"rows": rows})


def pathway_detail(request, pathway_id):
    try:
        entry = registry.get(pathway_id)
    except registry.UnknownPathway:
        raise Http404("No such pathway") from None
    # A date that is not one is named, kept in the boxes as typed, and no dates are shown
    # for some other day instead. No date given: today's.
    form = SimulationForm(request.GET if request.GET else None, initial={"start": today()})
    start = form.cleaned_data["start"] if form.is_valid() else None
    if not form.is_bound:
        start = today()
    simulation = None
    if start is not None:
        try:
            simulation = simulate(entry.pack, start)
        except DateOutOfRange:
            # Named like the form's own date messages ("... must include a month").
            label = form.fields["start"].label
            form.add_error("start", f"{label} must be between 1900-01-01 and 2200-12-31")
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
