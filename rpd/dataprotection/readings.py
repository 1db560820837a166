"""The access log: who was shown which case's personal data, when, and on what.

Pages call `note` as they decide to show personal data; nothing is written then. Once
the response is ready, `ReadingsMiddleware` hands the request's reads to the process's
gatherer, which writes them in one insert every `RPD_ACCESS_LOG_FLUSH_SECONDS` (or every
`RPD_ACCESS_LOG_BATCH` reads), and at exit: a page view then takes no write lock, which
on SQLite is the database's one (issue 17: reads never write). With 0 seconds each
request's reads are written as it answers. Only answers that showed the data are kept
(2xx): a refused or failed request read nothing. A process killed outright loses the
reads gathered since its last write (seconds' worth; ADR 017).
"""

from __future__ import annotations

import atexit
import datetime
import threading
import time

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
    """Hand the request's reads to the gatherer (or write them, with no gathering)."""
    pending = request.__dict__.pop(_PENDING, None)
    if not pending:
        return 0
    at = at or timezone.now()
    rows = [
        Reading(
            at=at,
            user_id=request.user.pk,
            disagreement_id=pk,
            partnership_id=partnership_id,
            what=what,
            detail=detail,
        )
        for (pk, what, detail), partnership_id in pending.items()
    ]
    if settings.RPD_ACCESS_LOG_FLUSH_SECONDS == 0:
        Reading.objects.bulk_create(rows)
    else:
        _GATHERED.add(rows)
    return len(rows)


class _Gatherer:
    """The reads a web process has served and not yet written, shared by its threads."""

    def __init__(self):
        self.rows: list[Reading] = []
        self.since: float | None = None
        self.lock = threading.Lock()
        atexit.register(self.flush)

    def add(self, rows: list[Reading]) -> None:
        with self.lock:
            self.rows.extend(rows)
            self.since = self.since or time.monotonic()
            due = (
                len(self.rows) >= settings.RPD_ACCESS_LOG_BATCH
                or time.monotonic() - self.since >= settings.RPD_ACCESS_LOG_FLUSH_SECONDS
            )
        if due:
            self.flush()

    def flush(self) -> int:
        with self.lock:
            rows, self.rows, self.since = self.rows, [], None
        if rows:
            Reading.objects.bulk_create(rows)
        return len(rows)


_GATHERED = _Gatherer()


def flush() -> int:
    """Write every read the process has gathered: at exit, and for a test."""
    return _GATHERED.flush()


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
