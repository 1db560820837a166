"""allauth, fitted to a partnership's service: nobody signs up, and its emails go through
the outbox like every other notice, so a mail server that is down loses no reset link."""

from __future__ import annotations

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from rpd.notifications import outbox


class AccountAdapter(DefaultAccountAdapter):
    # In GOV.UK words: what went wrong and what to do, without a full stop.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": "This account is switched off: ask your partnership's administrator",
        "email_password_mismatch": "The email address or password is not right",
        "too_many_login_attempts": (
            "Too many wrong passwords for this email address: try again in 5 minutes, "
            "or reset your password"
        ),
        "incorrect_password": "The password is not right",
        "rate_limited": "Too many attempts: wait a minute, then try again",
    }

    def is_open_for_signup(self, request) -> bool:
        # People are registered by their partnership (or matched from its identity
        # provider), never by themselves.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A sign-in a moment ago is proof enough for a second-factor change: someone made
        # to set one up as they sign in is not asked for the password twice in a row.
        # Later than REAUTHENTICATION_TIMEOUT after it, the password is asked for again.
        if app == "allauth.mfa" and _signed_in_moments_ago(allauth_context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_reset_password_from_key_url(self, key: str) -> str:
        # From RPD_BASE_URL, not the request's Host header: a forged Host must not put
        # someone else's server in a reset link.
        uid, _, token = key.partition("-")
        return outbox.link(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
        )

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # People are registered with the address on their user row, and allauth's own
        # address book is not kept: tell them at that address.
        context = {"user": user, **(context or {})}
        return super().send_notification_mail(
            template_prefix, user, context, email or user.email or None
        )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix, email, {"request": request, "email": email, **context}
        )
        outbox.queue_account_notice(
            to_address=email,
            to_user=context.get("user"),
            subject=message.subject,
            body_text=message.body,
        )


def _signed_in_moments_ago(request) -> bool:
    from allauth.account import app_settings
    from allauth.account.internal.flows.login import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    signed_in = [r["at"] for r in get_authentication_records(request, user) if "at" in r]
    return bool(signed_in) and time.time() - signed_in[-1] < app_settings.REAUTHENTICATION_TIMEOUT


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": (
            "The code is not right: enter the code your app shows now, or a recovery code"
        ),
    }
