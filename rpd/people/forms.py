"""allauth's sign-in forms in GOV.UK words: labels as the design system writes them, and
each empty field's message saying what to enter."""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.core import context
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from rpd.frontend import GovukErrors

from . import sso


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


class SignInForm(GovukErrors, allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "login": ("Email address", "Enter your email address"),
                "password": ("Password", "Enter your password"),
            },
        )


class ResetPasswordForm(GovukErrors, allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(self, {"email": ("Email address", "Enter your email address")})


class ResetPasswordKeyForm(GovukErrors, allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "password1": ("New password", "Enter a new password"),
                "password2": ("Confirm the new password", "Enter the new password again"),
            },
        )


class ReauthenticateForm(GovukErrors, allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(self, {"password": ("Password", "Enter your password")})


class ActivateAuthenticatorForm(GovukErrors, totp_forms.ActivateTOTPForm):
    """allauth makes a new secret each time the set-up page is shown: a person who scanned
    the QR code and then reloaded the page (or came back to it from their app) had every
    code refused. The secret waiting in the session is kept until the app is set up
    (allauth clears it then) or the session ends."""

    def __init__(self, *args, **kwargs):
        pending = context.request.session.get(SECRET_SESSION_KEY)
        super().__init__(*args, **kwargs)
        if pending and not self.is_bound:
            self.secret = context.request.session[SECRET_SESSION_KEY] = pending

    def clean_code(self):
        # The adapter's words for a wrong code offer a recovery code, which is made only
        # once the app is set up.
        try:
            return super().clean_code()
        except forms.ValidationError as error:
            if error.code != "incorrect_code":
                raise
            raise forms.ValidationError(SET_UP_CODE_WRONG, code="incorrect_code") from None


SET_UP_CODE_WRONG = "The code is not right: enter the 6-digit code your app shows now"


CLAIMED_ADDRESS = (
    "You cannot use this email address: enter your own work email address, or ask your "
    "partnership's administrator"
)


class ChangeAddressForm(GovukErrors, allauth_forms.AddEmailForm):
    """A new address for oneself: refused when it is another registered person's (without
    saying whose), confirmed by a link before it replaces the old one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.label = "New email address"
        field.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        field.error_messages = {
            **field.error_messages,
            "required": "Enter your new email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        }

    def clean_email(self):
        from .addresses import belongs_to_someone_else

        value = (self.cleaned_data.get("email") or "").lower()
        if self.user is not None and value == (self.user.email or "").lower():
            raise forms.ValidationError("This is your email address already: enter a new one")
        if value and belongs_to_someone_else(value, self.user):
            raise forms.ValidationError(CLAIMED_ADDRESS)
        return super().clean_email()


class ChangePasswordForm(GovukErrors, allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "oldpassword": ("Current password", "Enter your current password"),
                "password1": ("New password", "Enter a new password"),
                "password2": ("Confirm the new password", "Enter the new password again"),
            },
        )


# Signing in through an agency's identity provider (rpd/people/sso.py): by the person's
# work address, or by choosing their organisation from those that have one.
NO_PROVIDER = (
    "Your organisation has not set up its own sign-in here: sign in with your email "
    "address and password, or ask your partnership's administrator"
)


class _StartsProviderSignIn(GovukErrors, forms.Form):
    provider = None  # the SignInProvider chosen, once valid

    def _usable(self, field: str, provider) -> None:
        if provider is not None and not sso.secret(provider.app):
            # Configured, but this server lacks the secret: say so, log which variable.
            sso.log_missing_secret(provider)
            self.add_error(
                field,
                f"Sign-in through {provider.agency.name} is not working at the moment: sign "
                "in with your email address and password, or ask your partnership's "
                "administrator",
            )
        self.provider = provider


class OrganisationEmailForm(_StartsProviderSignIn):
    email = forms.EmailField(
        label="Your work email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )

    def clean(self):
        email = self.cleaned_data.get("email")
        if email:
            provider = sso.for_email(email)
            if provider is None:
                self.add_error("email", NO_PROVIDER)
            else:
                self._usable("email", provider)
        return self.cleaned_data


class OrganisationChoiceForm(_StartsProviderSignIn):
    organisation = forms.ChoiceField(
        label="Your organisation",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose your organisation",
            "invalid_choice": "Choose your organisation from the list",
        },
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.providers = {p.app.provider_id: p for p in providers}
        self.fields["organisation"].choices = [
            (key, p.agency.name) for key, p in self.providers.items()
        ]

    def clean(self):
        if chosen := self.cleaned_data.get("organisation"):
            self._usable("organisation", self.providers[chosen])
        return self.cleaned_data


class InvitationPasswordForm(GovukErrors, SetPasswordForm):
    """The password chosen on an invitation's page (the service's password rules)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _govuk(
            self,
            {
                "new_password1": ("Create a password", "Enter a password"),
                "new_password2": ("Confirm the password", "Enter the password again"),
            },
        )
        self.fields["new_password1"].widget.attrs["autocomplete"] = "new-password"
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The passwords do not match: enter the same password twice",
        }
