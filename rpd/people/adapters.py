"""allauth, fitted to a partnership's service: nobody signs up, and its emails go through
the outbox like every other notice, so a mail server that is down loses no reset link.
An agency's identity provider signs in only the people the partnership registered
(rpd/people/sso.py), and its second factor stands in for ours when its token says so."""

from __future__ import annotations

import logging
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.shortcuts import render
from django.urls import reverse

from rpd.audit import account_events
from rpd.notifications import outbox

from . import sso

logger = logging.getLogger(__name__)


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

    def add_message(self, request, level, message_template=None, *args, **kwargs) -> None:
        # Not "Successfully signed in" while the service is still closed to them: the page
        # they land on asks them to set up a second factor first.
        from .middleware import lacks_second_factor

        if message_template == "account/messages/logged_in.txt" and lacks_second_factor(request):
            return
        super().add_message(request, level, message_template, *args, **kwargs)

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

    def get_reauthentication_methods(self, user) -> list[dict]:
        # Someone with a second factor confirms it is them with it (docs/adr/010); the
        # password is asked only of someone who has none.
        methods = super().get_reauthentication_methods(user)
        second_factor = [m for m in methods if m["id"].startswith("mfa_reauthenticate")]
        return second_factor or methods

    def pre_authenticate(self, request, **credentials) -> None:
        from django.core.exceptions import ValidationError

        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from rpd.audit import account_events

            account_events.throttled(request, credentials.get("email", ""))
            raise

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        # From RPD_BASE_URL, as the reset link is.
        return outbox.link(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_login_stages(self) -> list[str]:
        # allauth's second-factor stage, skipped when the identity provider used one.
        return [
            "rpd.people.adapters.SecondFactorStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]

    def get_reset_password_from_key_url(self, key: str) -> str:
        # From RPD_BASE_URL, not the request's Host header: a forged Host must not put
        # someone else's server in a reset link.
        uid, _, token = key.partition("-")
        return outbox.link(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
        )

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # People are registered with the address on their user row: tell them there,
        # never at an address they claimed and have not verified (docs/adr/010).
        from .addresses import notice_address

        context = {"user": user, **(context or {})}
        return super().send_notification_mail(
            template_prefix, user, context, email or notice_address(user) or None
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


class SecondFactorStage(AuthenticateStage):
    """Ask for the person's own second factor, unless they signed in through their
    agency's identity provider and its ID token says it used one (`amr`)."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and sso.asserted_second_factor(sociallogin.account.extra_data):
            return False
        return super()._should_handle(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through an agency's OpenID Connect provider, for registered people only."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return False

    def list_apps(self, request, provider=None, client_id=None):
        # The client secret is not in the database: each provider names the environment
        # variable that holds it.
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        for app in apps:
            if app.provider == sso.PROVIDER and not app.secret:
                app.secret = sso.secret(app)
        return apps

    def pre_social_login(self, request, sociallogin) -> None:
        """Let in only the registered, active person of the provider's agency whose
        verified address the ID token carries; refuse anyone else with a page saying what
        to do. Never a sign-up, never a link to another person."""
        provider = sso.by_provider_id(sociallogin.account.provider)
        who = sso.identity(provider.app, sociallogin.account.extra_data) if provider else None
        person = sso.registered_person(provider, who) if provider else None
        if reason := _refusal(sociallogin, provider, who, person):
            logger.warning(
                "sign-in through %s refused for %r: %s",
                sociallogin.account.provider,
                who.email if who else "",
                reason,
            )
            account_events.sign_in_refused_by_provider(
                request, who.email if who else "", sociallogin.account.provider, reason
            )
            raise ImmediateHttpResponse(not_registered(request, provider, who))
        if not sociallogin.is_existing:
            sociallogin.connect(request, person)  # remembered by the token's `sub`
        sociallogin.user = person


def _refusal(sociallogin, provider, who, person) -> str | None:
    """Why this sign-in is refused, or None."""
    if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
        return "only signing in is allowed, not connecting another account"
    if provider is None:
        return "no such provider"
    if not who.verified:
        return "no verified address in the token"
    if person is None:
        return "no registered, active person of the provider's agency with that address"
    if sociallogin.is_existing and sociallogin.user.pk != person.pk:
        return "the provider's account is linked to someone else"
    return None


def not_registered(request, provider, who):
    return render(
        request,
        "socialaccount/not_registered.html",
        {
            "agency": provider.agency if provider else None,
            "email": who.email if who else "",
            "unverified": bool(who and who.email and not who.verified),
        },
        status=403,
    )
