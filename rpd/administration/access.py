"""Who may administer a partnership, and what of the installation belongs to one.

The one place that answers "is this person an administrator of this partnership": every
administration page and operation asks `administers`, so a practitioner, or another
partnership's administrator, is told the page does not exist. The other helpers say
which agencies and people a partnership has, so the pages and operations never spell
out how agencies belong to partnerships.
"""

from __future__ import annotations

from django.db.models import QuerySet

from rpd.people.models import Agency, Partnership, Role, User


def administers(user, partnership: Partnership | int) -> bool:
    """Whether `user` is, now, an administrator of `partnership`."""
    if not (user.is_authenticated and user.is_active):
        return False
    pk = partnership if isinstance(partnership, int) else partnership.pk
    return user.has_role(Role.ADMINISTRATOR) and user.partnership_id == pk


def administered(user) -> list[Partnership]:
    """The partnerships `user` administers, by name."""
    if not (user.is_authenticated and user.is_active and user.has_role(Role.ADMINISTRATOR)):
        return []
    return [p for p in Partnership.objects.order_by("name") if administers(user, p)]


def partnership_for(user, slug: str) -> Partnership | None:
    """The partnership `slug` if `user` administers it; None (answer "not found") if not."""
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not administers(user, partnership):
        return None
    return partnership


def agencies_of(partnership: Partnership) -> QuerySet[Agency]:
    return Agency.objects.filter(partnership=partnership).order_by("name")


def in_partnership(agency: Agency, partnership: Partnership) -> bool:
    return agency.partnership_id == partnership.pk


def people_of(partnership: Partnership) -> QuerySet[User]:
    """Everyone whose agency takes part in `partnership`, active or not."""
    return User.objects.filter(agency__partnership=partnership)


def add_agency(partnership: Partnership, **fields) -> Agency:
    return Agency.objects.create(partnership=partnership, **fields)
