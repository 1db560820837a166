"""The notice preferences page's one question."""

from django import forms

from rpd.frontend import GovukErrors


class DeliveryForm(GovukErrors, forms.Form):
    delivery = forms.ChoiceField(
        label="Send me",
        choices=[
            ("single", "Each notice as its own email, straight away"),
            ("digest", "One email a working day with everything since the last"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select single emails or a daily digest",
            "invalid_choice": "Select single emails or a daily digest",
        },
    )
