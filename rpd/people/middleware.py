"""Everyone sets up a second factor before using the service.

A signed-in person without one is sent to set up an authenticator app; only the
sign-in and second-factor pages (and static files) are open to them until then. The
rule is off with RPD_REQUIRE_MFA=0 (for an identity provider that enforces its own),
does not apply to a demo sign-in, which by design has no second factor, nor to a sign-in
through an agency's identity provider whose ID token says it used one (`amr`).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Set once the person is known to have a second factor, so each request does not ask the
# database again; cleared when they remove one (see signals in apps.py).
MFA_CHECKED_KEY = "rpd_has_second_factor"
DEMO_SESSION_KEY = "rpd_demo_sign_in"
# Set when the person signed in through their agency's identity provider and its ID
# token says it asked for a second factor (rpd/people/sso.py).
PROVIDER_SECOND_FACTOR_KEY = "rpd_provider_second_factor"


class SecondFactorRequired:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        return self.get_response(request)

    def _must_set_up(self, request) -> bool:
        # The sign-in and second-factor pages (under /accounts/) stay open: they are how
        # a second factor is set up, and how someone signs out instead.
        open_prefixes = (reverse("account_login").rsplit("login/", 1)[0], settings.STATIC_URL)
        if request.path.startswith(tuple("/" + p.lstrip("/") for p in open_prefixes)):
            return False
        return lacks_second_factor(request)


def lacks_second_factor(request) -> bool:
    """Whether the signed-in person must still set up a second factor to use the service."""
    user = getattr(request, "user", None)
    if not settings.RPD_REQUIRE_MFA or user is None or not user.is_authenticated:
        return False
    session = request.session
    if any(session.get(k) for k in (MFA_CHECKED_KEY, DEMO_SESSION_KEY, PROVIDER_SECOND_FACTOR_KEY)):
        return False
    from allauth.mfa.utils import is_mfa_enabled

    if is_mfa_enabled(user):
        session[MFA_CHECKED_KEY] = True
        return False
    return True


def forget_second_factor(sender, request=None, **kwargs) -> None:
    """A removed authenticator: check again on the next request."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(MFA_CHECKED_KEY, None)


def remember_provider_second_factor(sender, request=None, sociallogin=None, **kwargs) -> None:
    """A sign-in through an identity provider that used a second factor: ours is not
    asked for, for as long as this session lasts."""
    from .sso import asserted_second_factor

    if request is not None and sociallogin is not None:
        if asserted_second_factor(sociallogin.account.extra_data):
            request.session[PROVIDER_SECOND_FACTOR_KEY] = True


# The session's last touch (seconds since the epoch), rewritten at most once a minute.
TOUCHED_KEY = "rpd_touched"
TOUCH_EVERY_SECONDS = 60


class IdleSession:
    """Keeps the idle timeout (SESSION_COOKIE_AGE) without a write on every request.

    A session is saved only when it changes; this rewrites a signed-in session's touch
    time when it is a minute old or more, which saves it and so moves its expiry on. A
    page view therefore writes at most once a minute per person, and never takes
    SQLite's one write lock for a read otherwise; the idle timeout counts from the last
    request give or take that minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists: not one just ended (sign-out), nor a stale cookie's
        # (reading a session whose key is unknown clears the key).
        if session is not None and session.session_key:
            touched = session.get(TOUCHED_KEY, 0)
            now = int(time.time())
            if session.session_key and now - touched >= TOUCH_EVERY_SECONDS:
                session[TOUCHED_KEY] = now
        return response
