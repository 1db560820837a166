"""The audit log: append-only events linked by a hash chain.

Events name their actor and partnership by id, not by foreign key: the log is
evidence and must outlive the people and partnerships it mentions. Rows are
written only by `rpd.audit.log.append`, which also moves the `ChainHead`.
"""

from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Someone tried to change or remove an audit event."""


class EventQuerySet(models.QuerySet):
    # Bulk update() and delete() skip Model.save()/delete(), so refuse them here too.
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")

    update.alters_data = True
    delete.alters_data = True


class Event(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=200)
    partnership_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            # A disagreement's history page: one target's events in order.
            models.Index(fields=["target", "seq"], name="audit_event_target_seq"),
            # Drift over time (oversight.figures): whether a case had a transition in a
            # window of days, read as a range of this index rather than all its events.
            models.Index(fields=["target", "at"], name="audit_event_target_at"),
        ]

    def __str__(self):
        return f"{self.seq} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("audit events are append-only: they cannot be updated")
        # An event built with an explicit pk must still be an INSERT, never an UPDATE.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")


class ChainHead(models.Model):
    """The one row that says where the chain ends.

    Appenders lock it, so events get consecutive numbers with no gaps and
    no two events claim the same predecessor; verification compares it with
    the last event, so a truncated tail shows.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # An HMAC of seq and hash under a key outside the database (rpd.audit.seal), so the
    # head cannot be wound back over a cut-off tail by someone holding only the database.
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chainhead_singleton"),
        ]

    def __str__(self):
        return f"chain head at event {self.seq}"


class EventText(models.Model):
    """Free text an event is about (a reason, a panel's outcome), kept beside the chain
    rather than in it. The event holds the text's digest (`data["texts"]`), so a changed
    text shows; erasure may remove a text, and says so in an event of its own
    (`data["texts_erased"]`), which nothing could do to text sealed inside the chain
    (ADR 006, amended)."""

    seq = models.BigIntegerField()  # the event's
    name = models.CharField(max_length=64)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seq", "name"], name="audit_event_text_unique")
        ]
