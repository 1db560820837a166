"""Each worker says it is alive, once round its loop; the readiness check reads it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import WorkerHeartbeat

# Rows of workers gone this long are deleted when another worker beats.
FORGET_AFTER = datetime.timedelta(days=7)


def beat(worker_id: str, at: datetime.datetime | None = None) -> None:
    at = at or timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker_id[:100], defaults={"beat_at": at})
    WorkerHeartbeat.objects.filter(beat_at__lt=at - FORGET_AFTER).delete()


def latest() -> datetime.datetime | None:
    """When any worker last went round its loop; None if none ever has."""
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
