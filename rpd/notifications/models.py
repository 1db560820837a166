"""The outbox: every notice a change causes, written in the change's own transaction.

A notice is never sent from the request that caused it: it waits here until a
worker claims it, and every delivery attempt is kept. So a mail server that is
down loses nothing, and a worker that dies mid-batch leaves its claims to
expire and be taken again.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    RAISED_ACKNOWLEDGEMENT = "raised", "Acknowledgement to the person who raised it"
    STAGE_STARTED = "stage-started", "Stage started"
    RECORD_TO_APPROVE = "record-to-approve", "Record awaiting approval"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"
    FEEDBACK = "feedback", "Feedback to the practitioner who raised it"
    PATHWAY = "pathway", "Notice the pathway requires"
    CHANGED = "changed", "Paused, resumed, extended, handed over or withdrawn"
    DUE_SOON = "due-soon", "Due on the next working day"
    DUE_TODAY = "due-today", "Due today"
    OVERDUE = "overdue", "Overdue"
    PAUSE_OVERDUE = "pause-overdue", "Paused past its expected resume date"
    DRIFT = "drift", "No activity"
    CAP = "cap", "Overall limit"
    DIGEST = "digest", "Daily digest"
    NO_ADDRESS = "no-address", "Someone has no email address"
    ACCOUNT = "account", "Sign-in: password reset or security change"
    LEARNING = "learning", "Learning suggested by a case (oversight roles)"
    ASKED = "asked", "Asked to take the next step on a case"


# Overdue notices cannot be switched off or folded into a digest. (Sign-in notices are
# never held either: outbox.queue_account_notice writes them ready to send.)
ALWAYS_IMMEDIATE = frozenset({Kind.OVERDUE, Kind.PAUSE_OVERDUE, Kind.CAP})
# A receipt for what the person has just done: held for tomorrow's digest, it would no
# longer confirm anything.
RECEIPTS = frozenset({Kind.RAISED_ACKNOWLEDGEMENT})


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Claimed by a worker"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed permanently"
    HELD = "held", "Held for the daily digest"
    DIGESTED = "digested", "Sent in a daily digest"


class Notice(models.Model):
    # None for a sign-in notice to someone outside any partnership (an administrator).
    partnership = models.ForeignKey(
        "people.Partnership", null=True, blank=True, on_delete=models.PROTECT
    )
    disagreement = models.ForeignKey(
        "disagreements.Disagreement", null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    # Reminders carry a key unique per deadline, person and day, so a sweep run twice
    # (or by two workers) writes each reminder once.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested"
    )

    class Meta:
        indexes = [
            # The worker's claim: pending notices whose time has come, oldest first. The id
            # too, so the index is in the claim's own order and a claim reads only the rows
            # it takes: without it PostgreSQL read and sorted a whole backlog every claim.
            models.Index(fields=["status", "next_attempt_at", "id"], name="notice_due_idx"),
            models.Index(fields=["recipient", "status"], name="notice_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address}"


class DeliveryAttempt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    worker = models.CharField(max_length=100)
    channel = models.CharField(max_length=32)
    ok = models.BooleanField()
    permanent = models.BooleanField(default=False)
    error = models.TextField(blank=True)


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    daily_digest = models.BooleanField(default=False)
    last_digest_on = models.DateField(null=True, blank=True)
    # Preferences links signed before this moment (whole seconds since the epoch, as the
    # link's own timestamp) no longer open the page: moved on when the preferences are saved
    # from a newer link, so an old, forwarded email cannot change them back, and past now
    # when the person turns their links off (preferences.revoke_links).
    links_from = models.PositiveBigIntegerField(default=0)


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private iCalendar address: whoever holds the token sees that person's deadlines."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)


class WorkerHeartbeat(models.Model):
    """The last time each worker went round its loop: how /health/ready knows the outbox
    is being delivered (rpd/health.py). A row per worker process; old ones are pruned."""

    worker = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField(db_index=True)
