"""How each person takes their notices: one email each, or a daily digest.

A digest user's notices are held (Status.HELD) and sent together once a working
day by `digest.run`. Notices of something overdue (`ALWAYS_IMMEDIATE`) are never
held, whatever the preference, so they cannot be switched off or delayed: there
is deliberately no setting here for them. Nor is a receipt (`RECEIPTS`): the
acknowledgement of a disagreement just raised comes at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.utils import timezone

from rpd.audit import log as audit

from .models import ALWAYS_IMMEDIATE, RECEIPTS, Notice, Preference, Status


def preference_for(user) -> Preference:
    preference, _ = Preference.objects.get_or_create(user=user)
    return preference


def prefers_digest(user) -> bool:
    if user is None:
        return False
    # Asked afresh, not through the user's cached relation: a choice made a moment ago
    # on the preferences page counts for the very next notice.
    return Preference.objects.filter(user=user, daily_digest=True).exists()


def may_be_held(kind: str) -> bool:
    """Whether a notice of this kind waits for the digest of someone who chose one."""
    return kind not in ALWAYS_IMMEDIATE and kind not in RECEIPTS


def set_daily_digest(user, on: bool, link: PreferencesLink | None = None) -> Preference:
    """Switch `user`'s daily digest on or off; from `link` when the page was opened from one.

    Switching it off releases anything already held, to be sent straight away:
    otherwise it would wait for a digest that never comes. Saved from a link, links
    signed before that one stop working: checked again under the row's lock, so an old
    link's form sent a moment after a newer one's is refused rather than applied.
    """
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        if link is not None:
            _refuse_if_superseded(link, preference)
            preference.links_from = max(preference.links_from, link.signed_at)
        preference.daily_digest = bool(on)
        preference.save(update_fields=["daily_digest", "links_from"])
        if not on:
            Notice.objects.filter(recipient=user, status=Status.HELD).update(
                status=Status.PENDING, next_attempt_at=timezone.now()
            )
        audit.append(
            action="notices.preference_changed",
            target=audit.user_target(user),
            actor=user,
            # A person's own setting, in no one partnership (their agency may serve several).
            partnership_id=None,
            data={"daily_digest": preference.daily_digest},
        )
    user.notice_preference = preference  # what outbox.queue reads for this user from now on
    return preference


def revoke_links(user) -> None:
    """Every preferences link sent to `user` so far stops working (an email forwarded, a
    mailbox shared); the next notice carries a link that works."""
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
        # Past this second: a link signed in it, the one in hand included, is refused.
        preference.links_from = int(time.time()) + 1
        preference.save(update_fields=["links_from"])
        audit.append(
            action="notices.preference_links_revoked",
            target=audit.user_target(user),
            actor=user,
            partnership_id=None,
            data={},
        )


# Each email's footer links to this person's preferences page with a signed token, as an
# unsubscribe link does: no sign-in, and nobody can forge another person's link. The salt
# makes it good for this page only (a value signed for anything else is refused), and it
# lapses after a month: the page shows a name and an email address, and old emails get
# forwarded. Every notice carries a fresh one.
_SALT = "rpd.notifications.preferences"
TOKEN_MAX_AGE_DAYS = 30
TOKEN_MAX_AGE = 60 * 60 * 24 * TOKEN_MAX_AGE_DAYS


class LinkRefused(Exception):
    """A preferences link that does not open the page: the message says why, for its reader."""


def preferences_token(user) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(user.pk))


@dataclass(frozen=True)
class PreferencesLink:
    """An opened link: whose preferences, and when it was signed (seconds since the epoch)."""

    user: object
    signed_at: int


SUPERSEDED = (
    "This link no longer works: your preferences were saved from a newer email, or the "
    "links in your emails were turned off. Use the link in your latest email."
)


REVOKED = (
    "The links in the emails you have had so far no longer work. The next email you get "
    "has a link that does."
)


def _refuse_if_superseded(link: PreferencesLink, preference: Preference) -> None:
    if link.signed_at < preference.links_from:
        raise LinkRefused(SUPERSEDED)


def open_link(token: str) -> PreferencesLink:
    """The link `token` is, if it still opens the page; LinkRefused saying why if not."""
    user = user_for_preferences_token(token)
    # The signer has checked the token: its middle part is the time it was signed.
    link = PreferencesLink(user, signing.b62_decode(token.rsplit(":", 2)[1]))
    preference = Preference.objects.filter(user=user).first()
    if preference is not None:
        _refuse_if_superseded(link, preference)
    return link


def user_for_preferences_token(token: str):
    """The active person whose link this is; LinkRefused if it is expired or not one."""
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise LinkRefused(
            f"This link has expired: links in emails work for {TOKEN_MAX_AGE_DAYS} days. "
            "Use the one in your latest email."
        ) from None
    except signing.BadSignature:
        pk = ""
    from django.contrib.auth import get_user_model

    user = None
    if pk.isdigit():
        user = get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    if user is None:
        raise LinkRefused("This link is not valid: use the one in your latest email.")
    return user
