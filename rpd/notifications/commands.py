"""`rpd worker`: deliver the outbox, and run the deadline sweep and digests."""

from __future__ import annotations

import argparse
import collections
import logging
import os
import sys

from rpd.cli import CommandError, int_at_least, require_database

positive_int = int_at_least(1)


def seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not number >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "worker",
        help="send queued notices (with retries) and run the deadline sweep",
        description="Deliver the notice outbox: claim due notices, send them through "
        "RPD_NOTICE_CHANNEL, retry temporary failures with back-off. Several workers "
        "may run at once. SIGTERM or Ctrl-C finishes the notice in hand and stops.",
    )
    p.add_argument(
        "--once", action="store_true", help="send everything due now, then exit (for cron)"
    )
    p.add_argument(
        "--batch", type=positive_int, default=100, metavar="N", help="notices per claim (100)"
    )
    p.add_argument(
        "--poll",
        type=seconds,
        default=5.0,
        metavar="SECONDS",
        help="wait between looks at the outbox when nothing is due (5)",
    )
    p.add_argument(
        "--id",
        dest="worker_id",
        metavar="NAME",
        help="this worker's name in the delivery log (default: host, pid and a random tag)",
    )
    p.set_defaults(handler=worker)


def worker(args) -> int:
    require_database()
    from django.core.exceptions import ImproperlyConfigured

    from rpd.notifications import worker as delivery
    from rpd.notifications.channels import channel_for

    if args.worker_id is not None and not 0 < len(args.worker_id) <= 100:
        raise CommandError("--id: a name of 1 to 100 characters")
    # Its log lines are JSON on stderr, as every process's (settings.LOGGING, rpd/logs.py).
    try:
        channel = channel_for()
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from None
    worker_id = args.worker_id or delivery.default_worker_id()
    tally: collections.Counter = collections.Counter()
    root = logging.getLogger()
    level = root.level
    if args.once and not os.environ.get("RPD_LOG_LEVEL"):
        # From cron: only what needs someone's attention reaches stderr, and so cron's mail.
        root.setLevel(max(level, logging.WARNING))
    try:
        return _deliver(args, delivery, channel, worker_id, tally)
    finally:
        root.setLevel(level)


def _deliver(args, delivery, channel, worker_id, tally) -> int:
    from rpd.notifications.models import DeliveryAttempt, Status

    delivery.run(
        once=args.once,
        worker_id=worker_id,
        poll_seconds=args.poll,
        batch=args.batch,
        channel=channel,
        tally=tally,
    )
    if args.once and tally[Status.PENDING] and not tally[Status.SENT]:
        # Everything due failed for a reason that may pass (the mail server is down): the
        # notices wait for the next run, and cron must hear of the outage now.
        last = DeliveryAttempt.objects.filter(worker=worker_id, ok=False).latest("pk")
        print(
            f"rpd: worker: none of {tally[Status.PENDING]} due notice(s) could be delivered "
            f"by {channel.name} ({last.error}); they will be tried again",
            file=sys.stderr,
        )
        return 1
    if args.once and (tally[Status.SENT] or tally[Status.PENDING] or tally[Status.FAILED]):
        print(f"rpd worker: {_summary(tally, channel)}")
    return 0


def _summary(tally, channel) -> str:
    """What a run did, for the person who ran it (nothing when nothing was due, so cron
    mails nobody)."""
    from django.conf import settings

    from rpd.notifications.models import Status

    sent = tally[Status.SENT]
    said = f"sent {sent} notice{'' if sent == 1 else 's'} by {channel.name}"
    if channel.name == "email" and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        said += f", written as files in {settings.EMAIL_FILE_PATH}"
    if tally[Status.PENDING]:
        said += f"; {tally[Status.PENDING]} to be tried again"
    if tally[Status.FAILED]:
        said += f"; {tally[Status.FAILED]} failed for good"
    return said
