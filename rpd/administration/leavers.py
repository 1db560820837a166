"""Leavers and movers: nobody leaves a disagreement with no one acting on it.

Deactivating someone, or moving them to another agency, takes away their standing in
every case they act on (access.capacities: standing follows the person as they are
now). So first each part they hold in an open case is handed over: each side they act
for at a disagreement's current stage, and each agreed action they own that is not done
(actions outlive the case). The administrator chooses who takes each over, or hands
them all to the person's line manager; the hand-overs are the case's own transitions
(`hand_over`, `hand_over_action`), performed as the administrator, so each is checked,
recorded and audited as any hand-over is. Then the change itself; who may see what is
rebuilt by disagreements/signals.py. All of it commits together or not at all.

A move within the same agency (another rung, another line manager) keeps their
standing: each part may be handed over, or kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q

from rpd.audit import log as audit
from rpd.disagreements import transitions
from rpd.disagreements.access import acting_for
from rpd.disagreements.fields import people_choices
from rpd.disagreements.models import LIVE, AgreedAction, Disagreement, Side, StageEpisode
from rpd.people import roles as pack_roles
from rpd.people.models import Agency, Partnership, RoleHolder, StandIn, User

from . import access
from .forms import PLACE, PersonForm
from .operations import (
    Invalid,
    _apply,
    _governs_person,
    _may,
    _person_in,
    _record,
    _valid,
    refuse,
)

KEEP = "keep"
LINE_MANAGER = "line-manager"
# A row left to whoever is chosen once for everything else: an agency may have thousands
# of people, listed once on the page rather than once a row.
REST = "rest"


@dataclass(frozen=True)
class Item:
    """One part a person holds in an open case, to be handed over."""

    key: str  # the field that says who takes it over
    disagreement: Disagreement
    what: str  # for the page: the register line only, never the subject or the records
    agency: Agency | None  # a side passes to someone of its agency; an action to anyone
    side: str = ""
    action_id: int | None = None


# What a hand-over reads of each case (`Item.disagreement`).
ITEM_CASE_FIELDS = (
    "reference",
    "stage",
    "status",
    "partnership_id",
    "raised_by_id",
    "raising_agency_id",
    "receiving_agency_id",
)


def open_items(person: User) -> list[Item]:
    """Every side `person` acts for at a live disagreement's current stage, and every
    agreed action they own that is not done, oldest case first."""
    items = []
    episodes = (
        StageEpisode.objects.filter(
            Q(raising_actor=person) | Q(receiving_actor=person),
            disagreement__status__in=list(LIVE),
            disagreement__stage=F("number"),
            ended_at__isnull=True,
        )
        .select_related(
            "disagreement__partnership",
            "disagreement__raising_agency",
            "disagreement__receiving_agency",
        )
        # What the page says of each part: a case's text is no part of it, and reading it
        # for each case someone acts on was most of the page's time.
        .only(
            "number",
            "due",
            "raising_actor_id",
            "receiving_actor_id",
            *(f"disagreement__{name}" for name in ITEM_CASE_FIELDS),
            "disagreement__partnership__name",
            "disagreement__raising_agency__name",
            "disagreement__receiving_agency__name",
        )
        .order_by("disagreement_id", "number")
    )
    for episode in episodes:
        d = episode.disagreement
        for side in (Side.RAISING, Side.RECEIVING):
            if getattr(episode, f"{side}_actor_id") != person.pk:
                continue
            agency = d.raising_agency if side == Side.RAISING else d.receiving_agency
            items.append(
                Item(
                    key=f"side-{episode.pk}-{side}",
                    disagreement=d,
                    what=(
                        f"Acts for the {side} side ({agency.name}) at stage {d.stage}, "
                        f"due {episode.due:%-d %B %Y}"
                    ),
                    agency=agency,
                    side=side,
                )
            )
    actions = (
        AgreedAction.objects.filter(owner=person, done_at__isnull=True)
        .select_related("record__disagreement__partnership")
        .only(
            "due",
            "record__id",
            *(f"record__disagreement__{name}" for name in ITEM_CASE_FIELDS),
            "record__disagreement__partnership__name",
        )
        .order_by("record__disagreement_id", "due", "pk")
    )
    for action in actions:
        items.append(
            Item(
                key=f"action-{action.pk}",
                disagreement=action.record.disagreement,
                what=f"Owns an agreed action due {action.due:%-d %B %Y}",
                agency=None,
                action_id=action.pk,
            )
        )
    return items


def candidates(item: Item, person: User, partnership: Partnership):
    """Who may take `item` over: someone active in the side's agency, or named to act for
    it; for an action, anyone active in the partnership."""
    return listed(item.agency, person, partnership)


def listed_agency(item: Item, person: User) -> Agency | None:
    """Whose people a hand-over row lists: the side's agency; for an action (which may pass
    to anyone active, `candidates`), the leaver's own, whose colleagues most often take it
    on. None: everyone active (a leaver of no agency)."""
    return item.agency if item.agency is not None else person.agency


def listed(agency: Agency | None, person: User, partnership: Partnership, among=None):
    """Everyone a row of `agency` lists (`listed_agency`): `candidates` of that agency;
    with `among` (ids), only those of them."""
    if agency is None:
        people = partnership.people()
    else:
        # The partnership's agencies as an IN: joined to them, the database walks every
        # agency's people to find one agency's.
        agencies = access.agencies_of(partnership).values("pk")
        people = User.objects.filter(acting_for(agency.pk), agency_id__in=agencies)
    people = people.filter(is_active=True).exclude(pk=person.pk)
    if among is not None:
        people = people.filter(pk__in=among)
    return people.order_by("last_name", "first_name", "pk")


def suggested(items, person: User, partnership: Partnership, everyone: list) -> dict[str, list]:
    """Whom each row offers by name (`people_choices`), a few whatever the agency's size:
    those who have acted on that case and the leaver's line manager, each only if they may
    take the row over (`listed`). Anyone else is chosen once, for every row left to them
    (`REST`), from `everyone`: `listed` of the leaver's own agency, as `people_choices`."""
    ours = [i for i in items if i.disagreement.partnership_id == partnership.pk]
    on_case: dict[int, set[int]] = {}
    actors = StageEpisode.objects.filter(
        disagreement_id__in={i.disagreement.pk for i in ours}
    ).values_list("disagreement_id", "raising_actor_id", "receiving_actor_id")
    for disagreement_id, *acting in actors:
        on_case.setdefault(disagreement_id, set()).update(a for a in acting if a)
    for item in ours:
        on_case.setdefault(item.disagreement.pk, set()).add(item.disagreement.raised_by_id)
    manager = {person.line_manager_id} if person.line_manager_id else set()
    wanted = {i.key: (on_case[i.disagreement.pk] | manager) - {person.pk} for i in ours}
    agency_of = {i.key: listed_agency(i, person) for i in ours}
    may_take: dict[int | None, list] = {person.agency_id: everyone}
    for agency in agency_of.values():
        key = _pk(agency)
        if key not in may_take:
            # One read an agency, of everyone its rows might name.
            rows = [k for k, a in agency_of.items() if a == agency]
            names = set().union(*(wanted[k] for k in rows))
            may_take[key] = people_choices(listed(agency, person, partnership, among=names))
    return {
        i.key: [row for row in may_take[_pk(agency_of[i.key])] if row[0] in wanted[i.key]]
        for i in ours
    }


def _pk(agency: Agency | None) -> int | None:
    return agency.pk if agency is not None else None


def _chosen(items, person, partnership, choices: dict, *, may_keep: bool) -> dict:
    """Who takes each item over (None: kept), or Invalid naming each item not settled."""
    if choices.get("bulk") == LINE_MANAGER:
        if person.line_manager is None or not person.line_manager.is_active:
            refuse("bulk", f"{person.display_name} has no line manager: choose for each one")
        choices = {item.key: str(person.line_manager.pk) for item in items}

    chosen, errors = {}, {}
    for item in items:
        if item.disagreement.partnership_id != partnership.pk:
            # A shared agency's person (ADR 007): each partnership hands over its own cases.
            where = item.disagreement.partnership.name
            errors[item.key] = [
                f"{item.disagreement.reference} is {where}'s: its administrator hands it over"
            ]
            continue
        raw = str(choices.get(item.key) or "").strip()
        if may_keep and raw in ("", KEEP):
            chosen[item.key] = None
            continue
        if raw in ("", REST):
            raw = str(choices.get(REST) or "").strip()
            if not raw:
                # Said once, where it is answered, not on every part left to it.
                errors[REST] = ["Choose who takes over everything else, or someone for each part"]
                continue
        to = None
        if raw.isdigit() and len(raw) <= 18:
            to = candidates(item, person, partnership).filter(pk=int(raw)).first()
        if to is None:
            whom = f"someone in {item.agency.name}" if item.agency else "someone active"
            errors[item.key] = [f"{item.disagreement.reference}: choose {whom} to take it over"]
        chosen[item.key] = to
    if errors:
        raise Invalid(errors)
    return chosen


def _hand_over(items, chosen: dict, by: User, reason: str) -> dict:
    """Perform each hand-over as `by`; Invalid naming each item a transition refused."""
    errors, done = {}, {}
    for item in items:
        to = chosen[item.key]
        if to is None:
            continue
        d = Disagreement.objects.get(pk=item.disagreement.pk)  # its version now
        if item.action_id is not None:
            name, data = "hand_over_action", {"action": item.action_id}
        else:
            name, data = "hand_over", {"side": item.side}
        try:
            data |= {"to_user": to.pk, "reason": reason}
            transitions.perform(name, by, d.pk, d.version, data)
        except transitions.Invalid as refused:
            errors[item.key] = [f"{d.reference}: {m}" for ms in refused.errors.values() for m in ms]
        except transitions.TransitionError as refused:
            errors[item.key] = [f"{d.reference}: {refused}"]
        else:
            done[item.key] = to.pk
    if errors:
        raise Invalid(errors)
    return done


def hand_over(person: User, partnership: Partnership, by: User, choices: dict) -> dict:
    """Hand over the parts `person` holds in this partnership's open cases, changing
    nothing else: for someone going on long leave, or leaving an agency that serves
    several partnerships, whose other partnerships hand over their own. Each part not
    chosen for is kept."""
    _may(by, partnership)
    _person_in(person, partnership)
    items = [i for i in open_items(person) if i.disagreement.partnership_id == partnership.pk]
    chosen = _chosen(items, person, partnership, choices, may_keep=True)
    if not any(chosen.values()):
        refuse("bulk", "Choose who takes over at least one of them")
    with transaction.atomic():
        done = _hand_over(items, chosen, by, f"{person.display_name} handed over")
        _record(
            "person.handed_over",
            audit.user_target(person),
            by,
            partnership,
            {"handed_over": done},
        )
    return done


def deactivate(person: User, partnership: Partnership, by: User, choices: dict) -> dict:
    """Sign `person` off: every part they hold in an open case handed over (to whom
    `choices` names for each item's key, or all to their line manager with
    `bulk=line-manager`), their stand-ins and pack roles released, then they can no
    longer sign in and see nothing."""
    _may(by, partnership)
    _governs_person(person, partnership)
    if person.pk == by.pk:
        refuse("person", "You cannot deactivate yourself: ask another administrator")
    if not person.is_active:
        refuse("person", f"{person.display_name} has already left")
    items = open_items(person)
    chosen = _chosen(items, person, partnership, choices, may_keep=False)
    where = person.agency.name if person.agency_id else partnership.name
    with transaction.atomic():
        done = _hand_over(items, chosen, by, f"{person.display_name} has left {where}")
        for stand_in in StandIn.objects.filter(person=person):
            # Wherever they stood in: someone who has left acts for no agency.
            _record(
                "stand_in.removed",
                f"agency:{stand_in.agency_id}",
                by,
                partnership,
                {"stand_in": stand_in.pk, "pathway_rung": stand_in.pathway_rung},
            )
            stand_in.delete()
        for holder in RoleHolder.objects.filter(user=person).select_related("partnership"):
            if holder.mailbox:
                holder.user = None  # the mailbox still reaches the role
                holder.save(update_fields=["user"])
            else:
                pack_roles.remove(holder, by=by)
        person.is_active = False
        person.save(update_fields=["is_active"])
        _record(
            "person.deactivated",
            audit.user_target(person),
            by,
            partnership,
            {"handed_over": done},
        )
    return done


def place(person: User, partnership: Partnership, data: dict) -> dict:
    """Where `person` would move to (`data`: agency, rung, line_manager), checked: a place
    of this partnership's, and not the one they have. Invalid otherwise."""
    if not person.is_active:
        refuse("agency", f"{person.display_name} has left: nothing to move")
    cleaned = _valid(PersonForm(data, partnership=partnership, person=person, only=PLACE))
    if all(getattr(person, name) == cleaned[name] for name in PLACE):
        refuse("agency", "Change their agency, rung or line manager")
    return cleaned


def move(person: User, partnership: Partnership, by: User, data: dict, choices: dict) -> dict:
    """Move `person` to another agency, rung or line manager (`data`: agency, rung,
    line_manager). To another agency, every part they hold is handed over first; within
    theirs, each part is handed over where `choices` names someone, else kept."""
    _may(by, partnership)
    _governs_person(person, partnership)
    cleaned = place(person, partnership, data)
    leaves_agency = cleaned["agency"].pk != person.agency_id
    items = open_items(person)
    chosen = _chosen(items, person, partnership, choices, may_keep=not leaves_agency)
    with transaction.atomic():
        done = _hand_over(
            items, chosen, by, f"{person.display_name} has moved to {cleaned['agency'].name}"
        )
        changed = _apply(person, cleaned, PLACE)
        person.save(update_fields=list(changed))
        _record(
            "person.moved",
            audit.user_target(person),
            by,
            partnership,
            {**changed, "handed_over": done},
        )
    return changed


def reactivate(person: User, partnership: Partnership, by: User) -> None:
    """Someone signed off by mistake, or back: they may sign in again. They get back no
    part in any case (those were handed over), only what their place gives them."""
    _may(by, partnership)
    _governs_person(person, partnership)
    if person.is_active:
        refuse("person", f"{person.display_name} has not left")
    with transaction.atomic():
        person.is_active = True
        person.save(update_fields=["is_active"])
        _record("person.reactivated", audit.user_target(person), by, partnership, {})
