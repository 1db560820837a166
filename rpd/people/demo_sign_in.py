"""Demo mode: who the sign-in page lists, and whether it may."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import Role, User


def demo_mode() -> bool:
    # DEBUG too: production settings refuse demo sign-ins whatever RPD_DEMO says, so a
    # demo flag left in a production environment opens nothing.
    return bool(settings.RPD_DEMO and settings.DEBUG)


@dataclass(frozen=True)
class DemoPerson:
    pk: int
    name: str
    job_title: str
    agency: str
    partnership: str
    roles: str


def demo_people() -> list[DemoPerson]:
    """Everyone the demo made, by agency and rung."""
    if not demo_mode():
        return []
    labels = dict(Role.choices)
    people = (
        User.objects.filter(is_active=True, agency__isnull=False, demo_made=True)
        .select_related("agency", "rung")
        .prefetch_related("role_grants", "agency__partnerships")
        .order_by("agency__name", "rung__position", "pk")
    )
    return [
        DemoPerson(
            pk=person.pk,
            name=person.display_name,
            job_title=person.job_title,
            agency=person.agency.name,
            partnership=", ".join(p.name for p in person.agency.partnerships.all()),
            roles=", ".join(sorted(labels.get(role, role) for role, _ in person._grants)),
        )
        for person in people
    ]


def demo_person(raw: str | None) -> User | None:
    """The demo person a sign-in button names, or None for anything else: someone the
    demo made (`User.demo_made`), never another person of the same database, whose
    account this button would otherwise open without a password or a second factor."""
    if not demo_mode() or not raw or not raw.isdigit() or len(raw) > 18:
        return None
    return User.objects.filter(
        pk=int(raw), is_active=True, agency__isnull=False, demo_made=True
    ).first()
