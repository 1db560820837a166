"""The access log: who was shown which case's personal data, when, and on what.

Pages call `note` as they decide to show personal data; nothing is written then. Once
the response is ready, `ReadingsMiddleware` writes the request's readings in one insert,
so an export of fifty cases costs one statement, not fifty. Only answers that showed the
data are kept (2xx): a refused or failed request read nothing. If the readings cannot
be written the request fails rather than show data that went unrecorded.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from .models import Read, Reading

_PENDING = "_rpd_readings"

# A page's name (its URL pattern's) as the kind of read it is.
_PAGES = {"detail": Read.CASE, "form": Read.FORM, "act": Read.ACTION}


def note(request, disagreement, what: str | None = None, detail: str = "") -> None:
    """Record, with the request's answer, that its person is shown `disagreement`'s data."""
    note_many(request, [(disagreement.pk, disagreement.partnership_id)], what, detail)


def note_many(request, cases, what: str | None = None, detail: str = "") -> None:
    """As `note`, for `(disagreement_id, partnership_id)` pairs shown at once (a list)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    if what is None:
        match = getattr(request, "resolver_match", None)
        name = match.url_name if match else ""
        what = _PAGES.get(name, Read.CASE)
        if match and not detail:
            detail = str(match.kwargs.get("form_id") or match.kwargs.get("action") or "")
    pending = request.__dict__.setdefault(_PENDING, {})
    for pk, partnership_id in cases:
        pending.setdefault((pk, what, detail[:64]), partnership_id)


def write(request, at: datetime.datetime | None = None) -> int:
    pending = request.__dict__.pop(_PENDING, None)
    if not pending:
        return 0
    at = at or timezone.now()
    Reading.objects.bulk_create(
        Reading(
            at=at,
            user_id=request.user.pk,
            disagreement_id=pk,
            partnership_id=partnership_id,
            what=what,
            detail=detail,
        )
        for (pk, what, detail), partnership_id in pending.items()
    )
    return len(pending)


class ReadingsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if 200 <= response.status_code < 300:
            write(request)
        else:
            request.__dict__.pop(_PENDING, None)
        return response


def cutoff(today: datetime.datetime | None = None) -> datetime.datetime:
    """Readings older than this are past their retention period."""
    now = today or timezone.now()
    return now - datetime.timedelta(days=settings.RPD_ACCESS_LOG_DAYS)


def prune(before: datetime.datetime) -> int:
    """Delete readings older than `before`, in batches so no one statement holds the
    write lock for long. Returns how many went."""
    removed = 0
    while True:
        batch = list(Reading.objects.filter(at__lt=before).values_list("pk", flat=True)[:5000])
        if not batch:
            return removed
        removed += Reading.objects.filter(pk__in=batch).delete()[0]
