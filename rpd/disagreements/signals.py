"""Keep who-may-see rows right when line management changes."""

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from rpd.audit import log as audit
from rpd.people.models import User

from .access import rebuild_viewers, subordinate_ids


@receiver(pre_save, sender=User)
def remember_line_manager(sender, instance: User, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance._previous_line_manager_id = (
        User.objects.filter(pk=instance.pk).values_list("line_manager_id", flat=True).first()
    )


@receiver(post_save, sender=User)
def line_manager_changed(sender, instance: User, created=False, raw=False, **kwargs):
    previous = getattr(instance, "_previous_line_manager_id", None)
    if raw or created or previous == instance.line_manager_id:
        return
    # Everyone below the person who moved has a new chain above them too.
    people = subordinate_ids(instance) | {instance.pk}
    with transaction.atomic():
        rebuild_viewers(people)
        # Who may see what follows from it, so it is evidence too. The signal does not know
        # who made the change: the system is named.
        audit.append(
            action="user.line_manager_changed",
            target=audit.user_target(instance),
            partnership_id=instance.partnership_id,
            data={"from": previous, "to": instance.line_manager_id},
        )
