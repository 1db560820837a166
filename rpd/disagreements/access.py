"""Need to know: the one place that decides who may see and who may act on a disagreement.

A person sees a disagreement only if they take part in it, manage someone
who does, are a safeguarding lead of an involved agency, or hold an oversight
role in its partnership. Everyone else is told it does not exist.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from rpd.people.models import OVERSIGHT_ROLES, Role, User

from .models import Disagreement, Participant, StageEpisode, Viewer


class Capacity(StrEnum):
    """Why someone may see or act on a disagreement."""

    RAISER = "raiser"
    RAISING_ACTOR = "raising-actor"  # acts for the raising side at the current stage
    RECEIVING_ACTOR = "receiving-actor"
    LEADER = "leader"  # the partnership role leading the current stage (a unit, a chair)
    MANAGER = "manager"  # in the line-management chain of a current actor
    PARTICIPANT = "participant"  # took part at some stage
    PARTICIPANTS_MANAGER = "participants-manager"
    LEAD = "lead"  # safeguarding lead of the raising or receiving agency
    OVERSIGHT = "oversight"  # partnership unit or board chair


ACTORS = frozenset({Capacity.RAISING_ACTOR, Capacity.RECEIVING_ACTOR, Capacity.LEADER})


def subordinate_ids(user: User) -> set[int]:
    """Everyone below `user` in line management, at any depth (ladders are a few rungs)."""
    found: set[int] = set()
    frontier = {user.pk}
    while frontier:
        below = set(User.objects.filter(line_manager__in=frontier).values_list("pk", flat=True))
        frontier = below - found - {user.pk}
        found |= frontier
    return found


def visible_to(user: User, *, partnership_wide: bool = True) -> QuerySet[Disagreement]:
    """Every disagreement `user` may see, as one query with no per-row checks.

    Without `partnership_wide`, an oversight role's sight of the whole partnership is
    left out: a person's own work, not everything they may look at.
    """
    conditions = sight_conditions(user, partnership_wide=partnership_wide)
    if not conditions:
        return Disagreement.objects.none()
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return Disagreement.objects.filter(condition)


def sight_conditions(user: User, *, partnership_wide: bool = True) -> list[Q]:
    """`visible_to`'s reasons to see a disagreement, one condition each (none for no one).

    A list reads each on its own, down its own index, and merges them in the order it
    shows (queries.work_rows): the database cannot walk one index in order for an OR
    of conditions on different columns.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    # `pk IN (...)` from the viewer index rather than a correlated EXISTS: the database
    # starts from this person's rows, so the cost follows what they may see, not every
    # disagreement in the partnership.
    sees = Viewer.objects.filter(user_id=user.pk).values("disagreement_id")
    conditions = [Q(pk__in=sees)]
    if user.agency_id and user.has_role(Role.SAFEGUARDING_LEAD):
        conditions += [Q(raising_agency_id=user.agency_id), Q(receiving_agency_id=user.agency_id)]
    if partnership_wide and user.agency_id and user.has_role(*OVERSIGHT_ROLES):
        conditions.append(Q(partnership_id=user.partnership_id))
    return conditions


def grant_sight(disagreement_id: int, participant: User) -> None:
    """A new participant: they and everyone above them in line management may see it."""
    people = [participant, *participant.managers()]
    Viewer.objects.bulk_create(
        [Viewer(disagreement_id=disagreement_id, user_id=p.pk) for p in people],
        ignore_conflicts=True,
    )


def rebuild_viewers(people: set[int]) -> int:
    """Recompute who may see every disagreement that any of `people` takes part in.

    Called when line management changes, so a manager who moves on stops seeing
    their old team's disagreements and the new one starts.
    """
    affected = set(
        Participant.objects.filter(user_id__in=people).values_list("disagreement_id", flat=True)
    )
    Viewer.objects.filter(disagreement_id__in=affected).delete()
    participants = Participant.objects.filter(disagreement_id__in=affected).select_related(
        "user__line_manager"
    )
    chains: dict[int, list[User]] = {}
    rows = []
    for participant in participants:
        if participant.user_id not in chains:
            chains[participant.user_id] = [participant.user, *participant.user.managers()]
        rows += [
            Viewer(disagreement_id=participant.disagreement_id, user_id=p.pk)
            for p in chains[participant.user_id]
        ]
    Viewer.objects.bulk_create(rows, ignore_conflicts=True)
    return len(affected)


def capacities(user: User, disagreement: Disagreement, episode: StageEpisode | None) -> set[str]:
    """Every capacity in which `user` stands to this disagreement; empty means 'not found'."""
    if not user.is_authenticated or not user.is_active:
        return set()
    held: set[str] = set()
    if disagreement.raised_by_id == user.pk:
        held.add(Capacity.RAISER)
    if episode is not None:
        if episode.raising_actor_id == user.pk:
            held.add(Capacity.RAISING_ACTOR)
        if episode.receiving_actor_id == user.pk:
            held.add(Capacity.RECEIVING_ACTOR)
        actors = [episode.raising_actor, episode.receiving_actor]
        if any(user.pk in {m.pk for m in actor.managers()} for actor in actors):
            held.add(Capacity.MANAGER)
    in_partnership = user.partnership_id == disagreement.partnership_id
    if in_partnership and user.has_role(*OVERSIGHT_ROLES):
        held.add(Capacity.OVERSIGHT)
        if episode is not None and episode.led_by_role:
            # An independent chair leads where the pack names one; the partnership's
            # unit leads where it names the partnership (a unit, an executive, a panel).
            kind = disagreement.pack.role(episode.led_by_role).kind
            leads = Role.BOARD_CHAIR if kind == "independent" else Role.PARTNERSHIP_UNIT
            if user.has_role(leads):
                held.add(Capacity.LEADER)
    if user.has_role(Role.SAFEGUARDING_LEAD) and user.agency_id in (
        disagreement.raising_agency_id,
        disagreement.receiving_agency_id,
    ):
        held.add(Capacity.LEAD)
    participants = set(disagreement.participants.values_list("user_id", flat=True))
    if user.pk in participants:
        held.add(Capacity.PARTICIPANT)
    elif participants & subordinate_ids(user):
        held.add(Capacity.PARTICIPANTS_MANAGER)
    return held


def may_see(user: User, disagreement: Disagreement) -> bool:
    return visible_to(user).filter(pk=disagreement.pk).exists()


def oversees(user: User) -> bool:
    """Whether `user` may use the partnership-wide oversight lists."""
    return bool(user.is_authenticated and user.is_active and user.agency_id) and user.has_role(
        *OVERSIGHT_ROLES
    )
