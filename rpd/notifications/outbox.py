"""Writing notices into the outbox, inside the caller's transaction.

Bodies are rendered when the notice is written, so what was sent is what
the change said at the time. They carry the disagreement's reference, stage,
dates and agencies, and a link: never the subject's name or any
special-category data, which stay behind the sign-in.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Kind, Notice, Status
from .preferences import may_be_held, preferences_token, prefers_digest


def link(path: str) -> str:
    return settings.RPD_BASE_URL.rstrip("/") + path


def disagreement_link(disagreement) -> str:
    return link(f"/disagreements/{disagreement.pk}/")


def queue(
    *,
    partnership,
    kind: str,
    subject: str,
    template: str,
    context: dict,
    to_user=None,
    to_address: str | None = None,
    disagreement=None,
    dedupe_key: str | None = None,
    at: datetime.datetime | None = None,
) -> Notice | None:
    """Write one notice; None when its dedupe key says it was written before."""
    address = to_address or (to_user.email if to_user is not None else "")
    if not address:
        return None  # no address to write to: nothing to send, and nothing to retry
    at = at or timezone.now()
    context = {
        "recipient": to_user,
        "subject": subject,
        "link": disagreement_link(disagreement) if disagreement is not None else link("/"),
        "disagreement": disagreement,
        "preferences_link": (
            link(f"/notices/preferences/{preferences_token(to_user)}/") if to_user else ""
        ),
        **context,
    }
    body_text = render_to_string(f"notifications/{template}.txt", context)
    body_html = render_to_string(
        "notifications/email.html",
        {**context, "body": render_to_string(f"notifications/{template}.html", context)},
    )
    # The digest itself is what a digest user waits for; checked first, the preference
    # query is spent only on notices that could be held.
    held = kind != Kind.DIGEST and may_be_held(kind) and prefers_digest(to_user)
    notice = Notice(
        partnership=partnership,
        disagreement=disagreement,
        kind=kind,
        recipient=to_user,
        to_address=address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
        status=Status.HELD if held else Status.PENDING,
        next_attempt_at=at,
        created_at=at,
    )
    if dedupe_key is None:
        notice.save()
        return notice
    try:
        # A savepoint, so a duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        return None
    return notice


def queue_account_notice(
    *, to_address: str, subject: str, body_text: str, to_user=None
) -> Notice | None:
    """A sign-in notice (a password reset link, a second factor changed): sent straight
    away whatever the person's digest choice, and belonging to no partnership's cases."""
    if not to_address:
        return None
    partnership = None
    if to_user is not None and getattr(to_user, "agency_id", None):
        partnership = to_user.agency.partnership
    now = timezone.now()
    return Notice.objects.create(
        partnership=partnership,
        kind=Kind.ACCOUNT,
        recipient=to_user,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=render_to_string(
            "notifications/account.html", {"subject": subject, "body_text": body_text}
        ),
        status=Status.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
