from __future__ import annotations

from django import forms

from rpd.frontend import GovukErrors

from .csvformat import MAX_BYTES

MODES = [
    ("check", "Check the file and show what would change"),
    ("import", "Import it"),
]


class ImportForm(GovukErrors, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One row per person, in the template's columns, saved as CSV UTF-8. "
        f"At most {MAX_BYTES // (1024 * 1024)} MB.",
        error_messages={
            "required": "Select a CSV file",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: choose it again",
        },
    )
    mode = forms.ChoiceField(
        label="What to do",
        choices=MODES,
        widget=forms.RadioSelect,
        initial="check",
        error_messages={
            "required": "Select whether to check the file or import it",
            "invalid_choice": "Select whether to check the file or import it",
        },
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(
                f"The selected file must be smaller than {MAX_BYTES // (1024 * 1024)} MB"
            )
        name = upload.name or ""
        if not name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("The selected file must be a CSV file")
        return upload.read()
