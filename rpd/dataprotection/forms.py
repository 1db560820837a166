"""The information governance role's questions."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from rpd.disagreements.fields import LongText, PastDate, Text
from rpd.disagreements.nhs_number import normalise_nhs_number
from rpd.frontend import GovukErrors

OLDEST_PERSON_YEARS = 130


class PersonForm(GovukErrors, forms.Form):
    """Who the request is about: an NHS number, or a name and date of birth, or both
    (both finds cases raised without the NHS number too)."""

    nhs_number = Text(
        label="NHS number",
        required=False,
        max_length=20,
        help_text="For example, 999 000 0000",
    )
    given_name = Text(label="First name", required=False, max_length=100)
    family_name = Text(label="Last name", required=False, max_length=100)
    date_of_birth = PastDate(
        label="Date of birth",
        required=False,
        earliest=OLDEST_PERSON_YEARS,
        help_text="For example, 27 3 2012",
    )

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        if not value:
            return ""
        try:
            return normalise_nhs_number(value)
        except ValidationError:
            raise ValidationError(
                "Enter a valid NHS number, like 999 000 0000", code="invalid"
            ) from None

    def clean(self):
        data = super().clean()
        named = [data.get(k) for k in ("given_name", "family_name", "date_of_birth")]
        if data.get("nhs_number") or self.errors:
            return data
        if not any(named):
            raise ValidationError(
                "Enter an NHS number, or a first name, last name and date of birth",
                code="required",
            )
        for name, label in (
            ("given_name", "Enter the person's first name"),
            ("family_name", "Enter the person's last name"),
            ("date_of_birth", "Enter the person's date of birth"),
        ):
            if not data.get(name):
                self.add_error(name, ValidationError(label, code="required"))
        return data


class RestrictForm(GovukErrors, forms.Form):
    reason = LongText(
        label="Why is processing restricted?",
        help_text="Say what the person asked for and when, as they or their representative put it",
        error_messages={"required": "Enter why processing is restricted"},
    )


class RectifyForm(GovukErrors, forms.Form):
    given_name = Text(label="First name", required=False, max_length=100)
    family_name = Text(label="Last name", required=False, max_length=100)
    date_of_birth = PastDate(label="Date of birth", required=False, earliest=OLDEST_PERSON_YEARS)
    nhs_number = Text(label="NHS number", required=False, max_length=20)
    address = LongText(label="Address", required=False)
    reason = LongText(
        label="Why is the data being corrected?",
        error_messages={"required": "Enter why the data is being corrected"},
    )

    clean_nhs_number = PersonForm.clean_nhs_number

    def changes(self) -> dict:
        """The corrections given: an empty answer corrects nothing."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "reason" and value not in (None, "")
        }


class ReaderForm(GovukErrors, forms.Form):
    email = forms.EmailField(
        label="Their email address",
        max_length=254,
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )


class PolicyForm(GovukErrors, forms.Form):
    years_after_closure = forms.IntegerField(
        label="Years to keep a case after it closes",
        min_value=1,
        max_value=100,
        error_messages={
            "required": "Enter how many years to keep a case after it closes",
            "invalid": "Years to keep a case must be a whole number, like 6",
            "min_value": "Years to keep a case must be 1 or more",
            "max_value": "Years to keep a case must be 100 or fewer",
        },
    )
    child_until_age = forms.IntegerField(
        label="For a child, keep it at least until they are this old",
        min_value=18,
        max_value=120,
        error_messages={
            "required": "Enter the age until which a child's case is kept",
            "invalid": "The age must be a whole number, like 25",
            "min_value": "The age must be 18 or more",
            "max_value": "The age must be 120 or less",
        },
    )


class HoldForm(GovukErrors, forms.Form):
    reason = LongText(
        label="Why must this case be kept?",
        help_text="For example, a safeguarding practice review, an inquiry or a legal claim",
        error_messages={"required": "Enter why the case must be kept"},
    )
