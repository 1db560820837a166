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
