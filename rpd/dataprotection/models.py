"""What data protection keeps: every read of a case's personal data, and the requests a
person made about their data (restriction, rectification) with their reasons."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rpd.disagreements.models import Disagreement
from rpd.people.models import Partnership


class Read(models.TextChoices):
    CASE = "case", "Case page"
    FORM = "form", "Form page"
    ACTION = "action", "Action page"
    LIST = "list", "List of cases"
    DOCUMENT = "document", "Document"
    EXPORT = "export", "Export"
    SUBJECT_ACCESS = "subject-access", "Subject access export"


class Reading(models.Model):
    """Someone was shown a case's personal data (the subject, its records or forms).

    `Viewer` rows say who *may* see a case; these say who *did*. Written in bulk, one
    insert a request (`readings.ReadingsMiddleware`), and kept for their own retention
    period (`RPD_ACCESS_LOG_DAYS`, `rpd access-log prune`)."""

    at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="+")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="+")
    what = models.CharField(max_length=16, choices=Read.choices)
    detail = models.CharField(max_length=64, blank=True)  # a form's id, a list's name

    class Meta:
        indexes = [
            # "Who read this case?" and "What did this person read?", newest first.
            models.Index(fields=["disagreement", "-at"], name="reading_case_idx"),
            models.Index(fields=["user", "-at"], name="reading_user_idx"),
            # Pruning what is past its retention period.
            models.Index(fields=["at"], name="reading_at_idx"),
        ]


class RequestKind(models.TextChoices):
    RESTRICTION = "restriction", "Restriction of processing"
    RECTIFICATION = "rectification", "Rectification"


class SubjectRequest(models.Model):
    """A restriction or rectification a person asked for about one case's data, recorded
    by the information governance role with its reason. The reason is personal data, so
    it lives here, where erasure can reach it, and never in the audit chain."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="subject_requests"
    )
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    reason = models.TextField()
    fields = models.JSONField(default=list)  # rectification: which subject fields changed
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)  # a restriction ended


class RetentionPolicy(models.Model):
    """How long a partnership keeps a closed case's personal data (ADR 017).

    None of the five policies sets a period, so the defaults follow the records
    management guidance partnerships' agencies already keep to: six years after the case
    closed and, for a child, not before their 25th birthday (IRMS toolkit, child
    protection records). The information governance role may set the partnership's own."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="retention_policy"
    )
    years_after_closure = models.PositiveSmallIntegerField(default=6)
    child_until_age = models.PositiveSmallIntegerField(default=25)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(null=True)


class LegalHold(models.Model):
    """Keep this case's data past its retention period: a review, an inquiry, a claim."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True)


class Erasure(models.Model):
    """A closed case whose personal data was erased. The case row stays, anonymised: its
    register line (agencies, stages, dates, categories, outcome) keeps the partnership's
    figures and annual reports as they were. Kept here rather than as a column on the
    disagreement, whose every column the audit chain vouches for."""

    disagreement = models.OneToOneField(
        Disagreement, on_delete=models.CASCADE, related_name="erasure"
    )
    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
