"""Keep who-may-see rows, and who each open case asks to act, right when people move,
leave, lose their manager, or gain or lose a role."""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from rpd.audit import log as audit
from rpd.audit import rows
from rpd.audit.upgrade import ROWS_AN_EVENT
from rpd.notifications import notices
from rpd.people.models import RoleGrant, RoleHolder, StandIn, User

from .access import rebuild_viewers, subordinate_ids
from .models import LIVE, Disagreement, Status

# What a person's standing depends on: who manages them, where they work, whether they
# still do.
STANDING = ("line_manager_id", "agency_id", "is_active")
# What whom a case asks also depends on: the rung a person stands on.
ASKING = (*STANDING, "rung_id")


@receiver(pre_save, sender=User)
def remember_standing(sender, instance: User, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    previous = User.objects.filter(pk=instance.pk).values_list(*ASKING).first()
    instance._previous_asking = previous
    instance._previous_standing = previous[: len(STANDING)] if previous else None


@receiver(post_save, sender=User)
def standing_changed(sender, instance: User, created=False, raw=False, **kwargs):
    if raw or created:
        return
    previous_asking = getattr(instance, "_previous_asking", None)
    if previous_asking and previous_asking != tuple(getattr(instance, f) for f in ASKING):
        restate_next_steps(people={instance.pk})
    previous = getattr(instance, "_previous_standing", None)
    if previous == tuple(getattr(instance, f) for f in STANDING):
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


# -- Who each open case asks -----------------------------------------------------------------
# A case stores whom it asks to act (transitions.next_steps), so My work reads one column;
# a change to the people or roles the rules read must restate it, or the page names a
# manager who left while the one who may act is told nothing.


def restate_next_steps(*, people=(), agency_ids=(), led_in=()) -> None:
    """Once the change commits, restate the next steps of the waiting cases that `people`
    (or anyone they manage) take part in, of these agencies (raising or receiving), and of
    those partnerships' stages the partnership leads. Changes within one transaction (an
    import) are gathered: the first callback restates them all, the rest find nothing left.
    (A rolled-back transaction's gathered ids stay; restating them later is harmless.)"""
    connection = transaction.get_connection()
    if not hasattr(connection, "_rpd_restate"):
        connection._rpd_restate = (set(), set(), set())
    for gathered, ids in zip(connection._rpd_restate, (people, agency_ids, led_in), strict=True):
        gathered.update(i for i in ids if i is not None)
    transaction.on_commit(_restate_pending)


def _restate_pending() -> None:
    people, agency_ids, led_in = transaction.get_connection().__dict__.pop(
        "_rpd_restate", (set(), set(), set())
    )
    if not (people or agency_ids or led_in):
        return
    from . import transitions

    for person in list(people):
        people |= subordinate_ids(User(pk=person))
    waiting = Q(status__in=LIVE) | Q(status=Status.RESOLVED, resolution__confirmed_at__isnull=True)
    where = (
        Q(participants__user_id__in=people)
        | Q(raising_agency_id__in=agency_ids)
        | Q(receiving_agency_id__in=agency_ids)
        | (Q(partnership_id__in=led_in) & ~Q(current_led_by_role=""))
    )
    cases = Disagreement.objects.filter(pk__in=Disagreement.objects.filter(waiting & where))
    restated: dict[object, dict[str, list]] = {}
    at = timezone.now()
    with transaction.atomic():
        # Locked, as a transition locks its case: one changing it now would store its own
        # steps, and the digests below would not be the chain's.
        for d in cases.select_for_update(of=("self",)).select_related("partnership"):
            episode = d.current_episode() if d.status in LIVE else None
            steps = [step.as_json() for step in transitions.next_steps(d, episode)]
            if steps == d.next_steps:
                continue
            before = rows.read_where(Disagreement, "pk", d.pk)
            Disagreement.objects.filter(pk=d.pk).update(next_steps=steps)
            written = rows.changes(before, rows.read_where(Disagreement, "pk", d.pk))
            restated.setdefault(d.partnership, {}).update(written)
            notices.newly_asked(d, d.next_steps or [], steps, at)
        # The steps are a column of the case, which the chain vouches for: each case
        # restated is in an event, or `rpd audit verify` reports it changed outside the
        # application. The system is named: the signal does not know who made the change.
        for partnership, written in restated.items():
            keys = sorted(written)
            for start in range(0, len(keys), ROWS_AN_EVENT):
                audit.append(
                    action="disagreement.next_steps_restated",
                    target=f"partnership:{partnership.slug}",
                    partnership_id=partnership.pk,
                    data={
                        "rows": {key: written[key] for key in keys[start : start + ROWS_AN_EVENT]}
                    },
                )


@receiver(post_save, sender=User)
def newcomer(sender, instance: User, created=False, raw=False, **kwargs):
    # Someone new on a rung of an agency may be the one its cases now ask (the rung was
    # empty, or a stand-in acted for it).
    if created and not raw and instance.agency_id and instance.rung_id:
        restate_next_steps(agency_ids={instance.agency_id})


@receiver(post_save, sender=RoleGrant)
@receiver(post_delete, sender=RoleGrant)
def role_granted_or_removed(sender, instance: RoleGrant, raw=False, **kwargs):
    if raw:
        return
    if instance.partnership_id is None:  # an agency role: counted wherever it serves
        agency = User.objects.filter(pk=instance.user_id).values_list("agency_id", flat=True)
        restate_next_steps(agency_ids=set(agency))
    else:
        restate_next_steps(led_in={instance.partnership_id})


@receiver(post_save, sender=RoleHolder)
@receiver(post_delete, sender=RoleHolder)
def pack_role_changed(sender, instance: RoleHolder, raw=False, **kwargs):
    if not raw:
        restate_next_steps(agency_ids={instance.agency_id}, led_in={instance.partnership_id})


@receiver(post_save, sender=StandIn)
@receiver(post_delete, sender=StandIn)
def stand_in_changed(sender, instance: StandIn, raw=False, **kwargs):
    if not raw:
        restate_next_steps(agency_ids={instance.agency_id})
