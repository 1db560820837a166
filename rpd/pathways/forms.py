"""The pathway page's one question: which day to count the deadlines from."""

from django import forms

from rpd.frontend import GovukDateField


class SimulationForm(forms.Form):
    start = GovukDateField(
        label="Date the disagreement is raised",
        help_text="For example, 25 11 2026",
    )
