"""Invitations: how a person the partnership registered (by hand or by import) signs in for
the first time (docs/adr/010).

An administrator invites someone who has not signed in yet; the invitation is emailed
through the outbox to their address of record and carries a link that works once, for
RPD_INVITATION_DAYS days. Only the newest invitation of a person works: re-sending
replaces the link. Following it proves the address (it becomes verified), then sets the
password (or, where the person's agency has its own sign-in, sends them there), and signs
them in, after which the second factor is set up before any other page (middleware.py).
Someone who has signed in already resets their password instead: an invitation cannot be
used to take over an account in use.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from rpd.audit import account_events
from rpd.audit import log as audit

from . import addresses
from .models import Invitation, Partnership, User


class CannotInvite(ValueError):
    """Why this person cannot be invited, in words for the administrator."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def refusal(person: User) -> str | None:
    """Why `person` cannot be invited now, or None."""
    if not person.is_active:
        return f"{person.display_name} has left: they cannot be invited"
    if not person.email:
        return f"{person.display_name} has no email address: add one first"
    if person.last_login is not None:
        return (
            f"{person.display_name} has signed in already: if they cannot sign in, they can "
            "reset their password from the sign-in page"
        )
    return None


def not_signed_in(people):
    """Those of `people` who could be invited: active, with an address, never signed in."""
    return people.filter(is_active=True, last_login__isnull=True).exclude(email="")


def invite(
    people, *, by: User | None, partnership: Partnership | None, now=None
) -> list[Invitation]:
    """Invite each of `people` (re-sending replaces an earlier link), each with its email
    in the outbox and its audit event, all in one transaction. Raises CannotInvite, and
    invites nobody, if any of them cannot be invited."""
    people = list(people)
    for person in people:
        if reason := refusal(person):
            raise CannotInvite(reason)
    now = now or timezone.now()
    expires = now + datetime.timedelta(days=settings.RPD_INVITATION_DAYS)
    sent = []
    with transaction.atomic():
        # An earlier link stops working once a newer one is sent.
        Invitation.objects.filter(
            person__in=people, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        for person in people:
            token = secrets.token_urlsafe(32)
            invitation = Invitation.objects.create(
                person=person,
                digest=_digest(token),
                invited_by=by,
                partnership=partnership,
                sent_at=now,
                expires_at=expires,
            )
            _send(invitation, token)
            audit.append(
                action="person.invited",
                target=audit.user_target(person),
                actor=by,
                partnership_id=partnership.pk if partnership else None,
                data={"expires_at": expires.isoformat()},
            )
            sent.append(invitation)
    return sent


def _send(invitation: Invitation, token: str) -> None:
    from rpd.notifications import outbox

    person = invitation.person
    context = {
        "name": person.first_name or person.display_name,
        "partnership": invitation.partnership.name if invitation.partnership else "",
        "link": outbox.link(reverse("invitation", args=[token])),
        "expires": timezone.localtime(invitation.expires_at).strftime("%-d %B %Y"),
        "sign_in": outbox.link(reverse("account_login")),
    }
    outbox.queue_account_notice(
        to_address=person.email,
        to_user=person,
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + "you are invited to sign in",
        body_text=render_to_string("account/email/invitation_message.txt", context),
    )


def find(token: str, now=None) -> Invitation | None:
    """The invitation this link's token opens, if it still works."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("person", "person__agency")
        .filter(digest=_digest(token), used_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if invitation is None or refusal(invitation.person) is not None:
        return None
    return invitation


def accept(invitation: Invitation, request, *, password: str | None) -> User:
    """Use the invitation: the address is proved, the password set (unless the person
    signs in through their agency), the link spent; audited. The caller signs them in."""
    person = invitation.person
    with transaction.atomic():
        # Spent first, under a row lock, so the same link posted twice works once.
        spent = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not spent:
            raise CannotInvite("This link has been used already")
        address = addresses.prove(person)
        account_events.record(
            "address_verified", person, request, address=address.email, via="invitation"
        )
        if password is not None:
            person.set_password(password)
            person.save(update_fields=["password"])
            account_events.record("password_set", person, request, via="invitation")
        account_events.record("invitation_accepted", person, request)
    return person
