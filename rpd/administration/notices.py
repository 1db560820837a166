"""What administration tells people by email: a request to join an agency (to the people
accountable for it), its answer (to whoever asked), and a role that gives sight of cases
(to its holder). Through the outbox, written in the change's own transaction; about
accounts and agencies only, never a case's text."""

from __future__ import annotations

from django.urls import reverse

from rpd.notifications import outbox
from rpd.people import roles
from rpd.people.models import JoinRequest, Partnership, Role, User

LABELS = dict(Role.choices)


def administrators_of(partnership: Partnership):
    return roles.holding(partnership.pk, [Role.ADMINISTRATOR]).exclude(email="").order_by("pk")


def _tell(person: User, subject: str, body: str, *, save: bool = True):
    notice = outbox.account_notice(
        to_address=person.email, to_user=person, subject=subject, body_text=body
    )
    if notice is not None and save:
        notice.save()
    return notice


def join_requested(request: JoinRequest) -> int:
    """Tell the agency's accountable people (its owning partnership's administrators)."""
    told = 0
    owner, asking, agency = request.agency.owner, request.partnership, request.agency
    link = outbox.link(reverse("administration:agencies", args=[owner.slug]))
    for administrator in administrators_of(owner):
        _tell(
            administrator,
            f"{asking.name} asks to be served by {agency.name}",
            f"{asking.name} asks that {agency.name}, which {owner.name} governs, take part "
            f"in its disagreements too. Until you accept, {asking.name} sees the agency's "
            f"name only. Accepting lets its people raise and receive {asking.name}'s "
            f"disagreements, and its safeguarding leads see them; {owner.name} alone "
            "still changes the agency's ladder, people and roles.\n\n"
            f"Accept or decline: {link}\n\n"
            "You get this because you administer the partnership that governs the agency.",
        )
        told += 1
    return told


def join_decided(request: JoinRequest) -> None:
    """Tell whoever asked what the agency's owner decided."""
    if request.requested_by is None or not request.requested_by.email:
        return
    agency, owner = request.agency, request.agency.owner
    _tell(
        request.requested_by,
        f"{owner.name} {request.outcome} your request to be served by {agency.name}",
        f"{owner.name}'s administrators {request.outcome} {request.partnership.name}'s "
        f"request to be served by {agency.name}.\n\n"
        "You get this because you asked for it.",
    )


def role_granted(person: User, roles, where: Partnership, by: User | None, *, save=True):
    """Tell `person` they now hold roles that give sight of cases, and who gave them (the
    notice, unsaved with `save` False, for an import to write in bulk)."""
    if not roles or not person.email:
        return None
    named = ", ".join(LABELS.get(r, r) for r in sorted(roles))
    giver = by.display_name if by is not None else "The installation's operator"
    return _tell(
        person,
        f"You have been given a role in {where.name}: {named}",
        f"{giver} gave you the role of {named} in {where.name}. It lets you see "
        "professional disagreements you do not take part in. If you did not expect "
        f"this, tell {where.name}'s administrators.",
        save=save,
    )


def stand_in_named(person: User, agency_name: str, rung: str, by: User) -> None:
    """Tell `person` they now act for an agency on a rung it has no one on."""
    if not person.email:
        return
    _tell(
        person,
        f"You have been named to act for {agency_name}",
        f"{by.display_name} named you to act for {agency_name} on the {rung} rung, "
        "where it has no one: its disagreements at that rung may come to you. If you did "
        "not expect this, tell the partnership's administrators.",
    )
