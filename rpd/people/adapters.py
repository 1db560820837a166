"""allauth, fitted to a partnership's service: nobody signs up, and its emails go through
the outbox like every other notice, so a mail server that is down loses no reset link."""

from __future__ import annotations

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

    def get_reset_password_from_key_url(self, key: str) -> str:
        # From RPD_BASE_URL, not the request's Host header: a forged Host must not put
        # someone else's server in a reset link.
        uid, _, token = key.partition("-")
        return outbox.link(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
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


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": (
            "The code is not right: enter the code your app shows now, or a recovery code"
        ),
    }
