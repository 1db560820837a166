"""Who may administer a partnership, who governs an agency, and what of the installation
belongs to one: the one place that says who may change what, asked by the administration
pages, the operations behind them, the import and the CLI alike.

Every administration page and operation asks `administers` (the one function, kept in
rpd/disagreements/access.py with the rest of who may do what), so a practitioner, or
another partnership's administrator, is told the page does not exist.

An agency may serve several partnerships (ADR 007), but one partnership governs it: its
`owner`, whose administrators alone change the agency's name, type, ladder, people,
their addresses and agency-wide roles (safeguarding lead, stand-ins for it), and accept
or decline another partnership's request to join it (`governs`, ADR 007, 2026-12-05).
Another partnership it serves reaches into it only through that partnership's own
settings: who holds its pathway's roles, who holds its partnership roles, and handing
over its own cases.
"""

from __future__ import annotations

from django.db.models import QuerySet

from rpd.disagreements.access import administers
from rpd.people.models import (
    Agency,
    JoinRequest,
    Membership,
    Partnership,
    Role,
    User,
)

__all__ = [
    "administers",
    "administered_by",
    "agencies_of",
    "governed_agencies",
    "governs",
    "governs_person",
    "may_invite",
    "SIGHT_ROLES",
]

# Roles that by themselves give sight of cases (ADR 004: a lead sees every case of their
# agency, the unit and the chair their partnership's): granting one names who granted it
# in the audit event, and the holder is told by email. (A manager's sight comes from line
# management, not the role; an administrator sees no case.)
# The information governance role finds any person's cases and reads them whole for a
# subject access request (ADR 017): it is told too.
SIGHT_ROLES = frozenset(
    {
        Role.SAFEGUARDING_LEAD,
        Role.PARTNERSHIP_UNIT,
        Role.BOARD_CHAIR,
        Role.INFORMATION_GOVERNANCE,
    }
)


def administered_by(user) -> list[Partnership]:
    """The partnerships `user` administers, by name."""
    if not (user.is_authenticated and user.is_active):
        return []
    ids = user.administered_partnership_ids
    return list(Partnership.objects.filter(pk__in=ids).order_by("name")) if ids else []


def agencies_of(partnership: Partnership) -> QuerySet[Agency]:
    """The agencies serving `partnership`: its own and those whose owner accepted it."""
    return Agency.objects.filter(partnerships=partnership).order_by("name")


def governed_agencies(partnership: Partnership) -> QuerySet[Agency]:
    """The agencies `partnership` governs: the only ones its administrators, its import
    and its CLI may add people to, rename, or change the ladder or people of."""
    return Agency.objects.filter(owner=partnership).order_by("name")


def governs(partnership: Partnership, agency: Agency | None) -> bool:
    """Whether `partnership`'s administrators govern `agency` (ADR 007, 2026-12-05)."""
    return agency is not None and agency.owner_id == partnership.pk


def governs_person(partnership: Partnership, person: User) -> bool:
    """Whether `partnership` governs `person`'s agency: their name, address, place,
    agency roles and whether they may sign in."""
    return person.agency_id is not None and governs(partnership, person.agency)


def may_invite(partnership: Partnership, person: User) -> bool:
    """Whether the partnership's administrators may invite `person` now: someone of an
    agency it governs (an invitation sets their password), who can be invited
    (`invitations.refusal`): the person page offers the button by it; the invite
    operation asks the same of many at once (`governed_people`, then `invitations.invite`)."""
    from rpd.people.invitations import refusal

    return governs_person(partnership, person) and refusal(person) is None


def in_partnership(agency: Agency, partnership: Partnership) -> bool:
    return Membership.objects.filter(partnership=partnership, agency=agency).exists()


def stand_in_candidates(partnership: Partnership, agency_id, pathway_rung) -> QuerySet[User]:
    """Who may stand in for an agency on a rung of the pathway it has no one on: someone
    active in another agency of the partnership who stands on that rung of their own
    (Stoke-on-Trent: the ICB's designated nurse for a GP practice's senior manager).
    Nobody until the agency and the rung are chosen: the partnership is no list to pick
    from, and the picker lists, and the form accepts, exactly these."""
    if not agency_id or not pathway_rung:
        return User.objects.none()
    return (
        partnership.people()
        .filter(is_active=True, rung__pathway_rung=pathway_rung)
        .exclude(agency_id=agency_id)
        .order_by("last_name", "first_name", "pk")
    )


def governed_people(partnership: Partnership) -> QuerySet[User]:
    """Everyone in an agency `partnership` governs, active or not."""
    return User.objects.filter(agency__owner=partnership)


def pending_requests_to(partnership: Partnership) -> QuerySet[JoinRequest]:
    """Other partnerships' requests to join agencies `partnership` governs."""
    return JoinRequest.objects.filter(agency__owner=partnership, outcome="").select_related(
        "agency", "partnership", "requested_by"
    )


def pending_requests_from(partnership: Partnership) -> QuerySet[JoinRequest]:
    """`partnership`'s own requests still waiting: of each, only the agency's name shows."""
    return JoinRequest.objects.filter(partnership=partnership, outcome="").select_related("agency")


def add_agency(partnership: Partnership, **fields) -> Agency:
    return Agency.objects.create_in(partnership, **fields)
