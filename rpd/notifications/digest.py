"""The daily digest: a digest user's held notices, combined into one, once a working day.

Run by a worker alongside the sweep. In working hours (RPD_WORKING_HOURS, London
time) on a working day of the person's partnership, everyone who chose a daily
digest and has not had one today gets one DIGEST notice listing what was held
for them; the held notices become DIGESTED and point at it. A dedupe key per
person and day means two workers running at once write one digest.

A digest that fails for good does not take its notices with it: they are
released to be sent one by one (`release_failed`), each with its own attempt
log, and still pointing at the digest that failed to carry them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.db import transaction
from django.db.models import Q
from django.utils import dateformat

from . import outbox
from .models import Kind, Notice, Preference, Status
from .sweep import in_working_hours, london_now


@dataclass
class DigestResult:
    digests: int = 0  # digest notices written
    notices: int = 0  # held notices they combine


def run(now: datetime.datetime | None = None) -> DigestResult:
    local = london_now(now)
    result = DigestResult()
    if not in_working_hours(local):
        return result
    today = local.date()
    held = (
        Notice.objects.filter(status=Status.HELD, recipient__notice_preference__daily_digest=True)
        .filter(
            Q(recipient__notice_preference__last_digest_on__isnull=True)
            | Q(recipient__notice_preference__last_digest_on__lt=today)
        )
        .select_related("recipient__notice_preference", "partnership")
        .order_by("recipient_id", "created_at", "pk")
    )
    for _, group in groupby(held, key=lambda n: n.recipient_id):
        notices = list(group)
        user = notices[0].recipient
        # The day counts on the calendar of the partnership whose cases the notices are about.
        partnership = notices[0].partnership
        if not partnership.working_calendar().is_working_day(today):
            continue
        if _write(user, partnership, notices, today, local):
            result.digests += 1
            result.notices += len(notices)
    return result


def _write(user, partnership, notices, today, now) -> bool:
    items = [
        {
            "subject": n.subject,
            "kind": n.get_kind_display(),
            "at": n.created_at,
            "link": outbox.disagreement_link(n.disagreement) if n.disagreement_id else "",
        }
        for n in notices
    ]
    count = f"{len(items)} notice{'s' if len(items) != 1 else ''}"
    with transaction.atomic():
        digest = outbox.queue(
            partnership=partnership,
            kind=Kind.DIGEST,
            to_user=user,
            subject=f"Your daily digest for {dateformat.format(today, 'j F Y')}: {count}",
            template="digest",
            context={"items": items, "today": today, "count": count},
            dedupe_key=f"digest:{user.pk}:{today:%Y%m%d}",
            at=now,
        )
        if digest is None:
            return False  # another worker wrote today's digest
        # Only those still held: a notice released meanwhile is sent on its own.
        Notice.objects.filter(pk__in=[n.pk for n in notices], status=Status.HELD).update(
            status=Status.DIGESTED, digest=digest
        )
        Preference.objects.filter(user=user).update(last_digest_on=today)
    return True


def release_failed(digest: Notice, at: datetime.datetime, error: str) -> int:
    """Send what a digest that failed for good held, one notice at a time, from `at`.

    A refusal of the digest (too large, its content refused, a full mailbox) may not
    be a refusal of each notice; where it is, each now fails on its own record, seen
    by whoever looks at that notice rather than hidden behind the digest.
    """
    return Notice.objects.filter(digest=digest, status=Status.DIGESTED).update(
        status=Status.PENDING, next_attempt_at=at, last_error=f"its daily digest failed: {error}"
    )
