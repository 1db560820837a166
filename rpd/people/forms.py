"""allauth's sign-in forms in GOV.UK words: labels as the design system writes them, and
each empty field's message saying what to enter."""

from __future__ import annotations

from allauth.account import forms as allauth_forms


def _govuk(form, fields: dict[str, tuple[str, str]]) -> None:
    """Give each named field its label and its "Enter ..." message; drop help texts (each
    page writes its own hint, and allauth's reset link is on the page already)."""
    for name, (label, required) in fields.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.label = label
        field.help_text = ""
        field.error_messages = {**field.error_messages, "required": required}


class SignInForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "login": ("Email address", "Enter your email address"),
                "password": ("Password", "Enter your password"),
            },
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(self, {"email": ("Email address", "Enter your email address")})


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "password1": ("New password", "Enter a new password"),
                "password2": ("Confirm the new password", "Enter the new password again"),
            },
        )


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(self, {"password": ("Password", "Enter your password")})
