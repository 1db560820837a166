"""Who may administer a partnership, and what of the installation belongs to one.

Every administration page and operation asks `administers` (the one function, kept in
rpd/disagreements/access.py with the rest of who may do what), so a practitioner, or
another partnership's administrator, is told the page does not exist. The other helpers
say which agencies and people a partnership has (an agency may serve several: ADR 007),
so the pages and operations never spell out how agencies belong to partnerships.
"""

from __future__ import annotations

from django.db.models import QuerySet

from rpd.disagreements.access import administers
from rpd.people.models import Agency, Membership, Partnership, User

__all__ = ["administers", "administered_by", "agencies_of", "people_of"]


def administered_by(user) -> list[Partnership]:
    """The partnerships `user` administers, by name."""
    if not (user.is_authenticated and user.is_active):
        return []
    ids = user.administered_partnership_ids
    return list(Partnership.objects.filter(pk__in=ids).order_by("name")) if ids else []


def agencies_of(partnership: Partnership) -> QuerySet[Agency]:
    return Agency.objects.filter(partnerships=partnership).order_by("name")


def in_partnership(agency: Agency, partnership: Partnership) -> bool:
    return Membership.objects.filter(partnership=partnership, agency=agency).exists()


def people_of(partnership: Partnership) -> QuerySet[User]:
    """Everyone whose agency takes part in `partnership`, active or not."""
    return User.objects.filter(agency__partnerships=partnership)


def add_agency(partnership: Partnership, **fields) -> Agency:
    return Agency.objects.create_in(partnership, **fields)
