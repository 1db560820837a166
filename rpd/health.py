"""Health checks for a load balancer or a service manager: cheap, unauthenticated, and
saying nothing about any case.

- ``/health/live``: the process answers (restart it if not).
- ``/health/ready``: it can serve, and the service around it is working: the database is
  reachable, every migration is applied, a worker has been round its loop lately
  (RPD_HEALTH_WORKER_SECONDS, default 300) and no notice has waited to be sent longer than
  RPD_HEALTH_OUTBOX_SECONDS (default 900). 200 when all hold, 503 naming what does not.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Once every migration is seen applied, a process does not look again: the code that
# declares them cannot change under a running process, and reading the migration files
# costs more than the rest of the check together.
_migrated = False


@require_GET
def live(request):
    return JsonResponse({"status": "live"})


@require_GET
def ready(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as error:
        logger.error("health: the database is unreachable: %s", first_line(error))
        checks["database"] = "unreachable"
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
        checks["worker"] = _worker(timezone.now())
        checks["outbox"] = _outbox(timezone.now())
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ok else "not ready", "checks": checks}, status=200 if ok else 503
    )


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _migrations() -> str:
    global _migrated
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} to apply"
        _migrated = True
    return "ok"


def _worker(now: datetime.datetime) -> str:
    from rpd.notifications.heartbeat import latest

    beat = latest()
    if beat is None:
        return "no worker has run"
    age = (now - beat).total_seconds()
    if age > settings.RPD_HEALTH_WORKER_SECONDS:
        return f"no heartbeat for {int(age)} s"
    return "ok"


def _outbox(now: datetime.datetime) -> str:
    from rpd.notifications.models import Notice, Status

    bound = datetime.timedelta(seconds=settings.RPD_HEALTH_OUTBOX_SECONDS)
    # One indexed look (notice_due_idx): is anything due longer ago than the bound?
    oldest = (
        Notice.objects.filter(status=Status.PENDING, next_attempt_at__lt=now - bound)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if oldest is not None:
        return f"a notice has waited {int((now - oldest).total_seconds())} s"
    return "ok"
