"""The pathway page's one question: which day to count the deadlines from."""

from django import forms

from rpd.frontend import GovukDateField, GovukErrors

from .calendar import DateOutOfRange, today
from .schema import Pack
from .simulate import Simulation, simulate


class SimulationForm(GovukErrors, forms.Form):
    start = GovukDateField(
        label="Date the disagreement is raised",
        help_text="For example, 25 11 2026",
    )


def simulated(pack: Pack, query) -> tuple[SimulationForm, Simulation | None]:
    """The form as asked (`query`: the request's GET) and the pathway's dates from its day.

    A date that is not one is named, kept in the boxes as typed, and no dates are shown
    for some other day instead. No date given: today's.
    """
    form = SimulationForm(query if query else None, initial={"start": today()})
    start = form.cleaned_data["start"] if form.is_valid() else None
    if not form.is_bound:
        start = today()
    simulation = None
    if start is not None:
        try:
            simulation = simulate(pack, start)
        except DateOutOfRange:
            # Named like the form's own date messages ("... must include a month").
            label = form.fields["start"].label
            form.add_error("start", f"{label} must be between 1900-01-01 and 2200-12-31")
    return form, simulation
