"""Warm a web process before it takes traffic (ADR 014).

Django loads lazily: the first request of each page imports its views, builds the URL
resolver, reads and compiles its templates (kept afterwards by the cached template
loader) and parses the pathway packs, and the first due date builds the calendar of
bank holidays (most of a second). Done at start-up instead, in the
WSGI module (so under gunicorn --preload, once in the parent before it forks), nobody's
first page pays for it. `warm_up(freeze=True)` would then move everything loaded out
of the garbage collector's way (`gc.freeze`); measured (bench/warm.py), it made no
difference to request times, so the WSGI module does not ask for it.

RPD_WARM=0 turns it off (a quick `rpd` command has no use for it).
"""

from __future__ import annotations

import gc
import logging
import os
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def warm_up(freeze: bool = False) -> dict[str, int]:
    """Load the URL resolver, every template of ours, the pathway packs, the calendars;
    with `freeze`, then move it all out of the garbage collector's way."""
    started = time.perf_counter()
    counts = {"urls": _urls(), "templates": _templates(), "packs": _packs()}
    if freeze:
        gc.collect()
        gc.freeze()
    logger.info(
        "warmed up in %.0f ms: %s",
        (time.perf_counter() - started) * 1000,
        ", ".join(f"{n} {what}" for what, n in counts.items()),
    )
    return counts


def _urls() -> int:
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.resolve("/")  # populates the resolver and imports every view module
    return len(resolver.reverse_dict)


def _templates() -> int:
    """Compile every template under our own directories into the cached loader."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template

    root = Path(settings.BASE_DIR)
    directories = [root / "templates", *sorted(root.glob("*/templates"))]
    loaded = 0
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.suffix not in {".html", ".txt"} or not path.is_file():
                continue
            try:
                get_template(path.relative_to(directory).as_posix())
            except (TemplateDoesNotExist, TemplateSyntaxError) as error:  # an override's base
                logger.debug("not warmed: %s", error)
                continue
            loaded += 1
    return loaded


def _packs() -> int:
    """The installed packs, the versions cases are pinned to (parsed once each), and the
    partnerships' working calendars."""
    from django.db import DatabaseError, connections

    from rpd.disagreements.models import PathwayVersion
    from rpd.pathways import registry
    from rpd.pathways.calendar import today
    from rpd.people.models import Partnership

    parsed = len(registry.all_entries())
    try:
        for version in PathwayVersion.objects.all():
            version.pack  # noqa: B018  (parsed and cached on first read)
            parsed += 1
        # Each partnership's working calendar: its first use imports and builds the bank
        # holidays (most of a second), which My work's due dates need at once.
        for partnership in Partnership.objects.all():
            partnership.working_calendar().next_working_day(today())
    except DatabaseError as error:  # not migrated yet: the first request will parse them
        logger.warning("pathway versions not warmed: %s", error)
    finally:
        # Nothing opened here may be shared with the workers a preloading parent forks.
        connections.close_all()
    return parsed


def enabled() -> bool:
    return os.environ.get("RPD_WARM", "1") != "0"
