"""Learning suggested in the transaction of the transition that records its reason.

Receivers on the rows the transitions create, so the transitions module stays as it is
and oversight reads what they write: a resolution with learning flags, a record covering
wider lessons, a referral to a learning activity.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from rpd.disagreements.models import Record, Referral, Resolution

from . import learning
from .models import LearningKind, LearningSource


@receiver(post_save, sender=Resolution, dispatch_uid="oversight-learning-resolution")
def resolution_flags(sender, instance: Resolution, created: bool, **kwargs) -> None:
    if not created:
        return
    for flag, kind in learning.FLAGS.items():
        if getattr(instance, flag):
            learning.suggest(
                instance.disagreement, kind, LearningSource.RESOLUTION, instance.resolved_at
            )


@receiver(post_save, sender=Record, dispatch_uid="oversight-learning-record")
def wider_lessons(sender, instance: Record, created: bool, **kwargs) -> None:
    if created and learning.WIDER_LESSONS in (instance.covers or []):
        learning.suggest(
            instance.disagreement,
            LearningKind.WIDER_LESSONS,
            LearningSource.RECORD,
            instance.created_at,
        )


@receiver(post_save, sender=Referral, dispatch_uid="oversight-learning-referral")
def learning_referral(sender, instance: Referral, created: bool, **kwargs) -> None:
    kind = learning.referral_kind(instance.referred_to) if created else None
    if kind:
        learning.suggest(instance.episode.disagreement, kind, LearningSource.REFERRAL, instance.at)
