"""Learning items: the one thing oversight writes (with its exports' audit events).

Suggested by what a case records (the resolution's learning flags, Jersey's wider lessons,
Cambridgeshire's referral for a learning and improvement activity) or added by an
overseer, and tracked to done: an owner, a due date, a status and notes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rpd.disagreements.models import Disagreement
from rpd.people.models import Partnership


class LearningKind(models.TextChoices):
    MULTI_AGENCY_AUDIT = "multi-agency-audit", "Multi-agency audit"
    CASE_REVIEW = "case-review", "Case review"
    PROCEDURE_AMENDMENT = "procedure-amendment", "Change to procedures"
    WIDER_LESSONS = "wider-lessons", "Wider lessons, including inconsistencies in policy"
    IMPROVEMENT_ACTIVITY = "improvement-activity", "Learning and improvement activity"
    OTHER = "other", "Other learning"


class LearningStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    AGREED = "agreed", "Agreed"
    IN_PROGRESS = "in-progress", "In progress"
    DONE = "done", "Done"
    NOT_TAKEN = "not-taken", "Not taken forward"


class LearningSource(models.TextChoices):
    RESOLUTION = "resolution", "The resolution's learning flags"
    RECORD = "record", "A record of wider lessons"
    REFERRAL = "referral", "A referral for learning"
    OVERSEER = "overseer", "Added by an overseer"


class LearningItem(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=LearningKind.choices)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=16, choices=LearningSource.choices)
    status = models.CharField(
        max_length=16, choices=LearningStatus.choices, default=LearningStatus.SUGGESTED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The cases that led to it: a suggestion has its one; an overseer's may have several.
    cases = models.ManyToManyField(Disagreement, related_name="learning_items", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "-created_at", "-id"]
        indexes = [models.Index(fields=["partnership", "status"], name="learning_status_idx")]

    def __str__(self) -> str:
        return self.title
