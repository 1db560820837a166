"""Keep who-may-see rows right when people move, leave or lose their manager."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from rpd.audit import log as audit
from rpd.people.models import User

from .access import rebuild_viewers, subordinate_ids

# What a person's standing depends on: who manages them, where they work, whether they
# still do.
STANDING = ("line_manager_id", "agency_id", "is_active")


@receiver(pre_save, sender=User)
def remember_standing(sender, instance: User, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._previous_standing = User.objects.filter(pk=instance.pk).values_list(*STANDING).first()


@receiver(post_save, sender=User)
def standing_changed(sender, instance: User, created=False, raw=False, **kwargs):
    previous = getattr(instance, "_previous_standing", None)
    if raw or created or previous == tuple(getattr(instance, f) for f in STANDING):
        return
    # Everyone below the person who moved has a new chain above them too.
    people = subordinate_ids(instance) | {instance.pk}
    with transaction.atomic():
        rebuild_viewers(people)
        # Who may see what follows from it, so it is evidence too. The signal does not know
        # who made the change: the system is named.
        now = tuple(getattr(instance, f) for f in STANDING)
        for field, before, after in zip(STANDING, previous, now, strict=True):
            if before != after:
                audit.append(
                    action=f"user.{field.removesuffix('_id')}_changed",
                    target=audit.user_target(instance),
                    partnership_id=None,  # a person, in no one partnership (ADR 007)
                    data={"from": before, "to": after},
                )


@receiver(pre_delete, sender=User)
def remember_reports(sender, instance: User, **kwargs):
    # Deleting a manager sets their reports' line manager to null by a bulk update, which
    # sends no save signal: the people below them are found now, while they still can be.
    instance._reports = subordinate_ids(instance)


@receiver(post_delete, sender=User)
def manager_deleted(sender, instance: User, **kwargs):
    people = getattr(instance, "_reports", set())
    if people:
        rebuild_viewers(people)
