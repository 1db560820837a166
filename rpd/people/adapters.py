"""allauth, fitted to a partnership's service: nobody signs up, and its emails go through
the outbox like every other notice, so a mail server that is down loses no reset link."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.urls import reverse

from rpd.notifications import outbox


class AccountAdapter(DefaultAccountAdapter):
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
