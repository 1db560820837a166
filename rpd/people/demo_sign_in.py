"""Demo mode: who the sign-in page lists, and whether it may."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .models import Role, User


def demo_mode() -> bool:
    # Development too (RPD_DEBUG=1): production settings refuse demo sign-ins whatever
    # RPD_DEMO says, so a demo flag left in a production environment opens nothing. Not
    # DEBUG itself: the demo runs without debug pages (`rpd serve --demo`).
    return bool(settings.RPD_DEMO and settings.RPD_DEVELOPMENT)


def demo_mail_folder() -> str:
    """Where the demo's emails go, when they are written as files rather than sent (the
    default without RPD_SMTP_HOST): "" outside demo mode or when they are really sent."""
    if demo_mode() and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return str(settings.EMAIL_FILE_PATH)
    return ""


# What a newcomer can try as each demo person, in the order the sign-in page lists them.
TRY_AS = {
    "raise": "Raise a disagreement",
    "respond": "Respond as the other agency",
    "approve": "Approve as a manager",
    "later": "Act at the later stages (senior managers and safeguarding leads)",
    "oversee": "Oversee",
    "administer": "Administer",
}


@dataclass(frozen=True)
class DemoPerson:
    pk: int
    name: str
    job_title: str
    agency: str
    partnership: str
    roles: str
    try_as: str  # a key of TRY_AS


def _try_as(roles: set[str], receives: bool) -> str:
    """The one thing worth trying as this person: the rarest of what they may do first."""
    if Role.ADMINISTRATOR in roles:
        return "administer"
    if roles & {Role.PARTNERSHIP_UNIT, Role.BOARD_CHAIR}:
        return "oversee"
    if receives:
        return "respond"
    if Role.PRACTITIONER in roles:
        return "raise"
    if Role.MANAGER in roles and not roles & {Role.SENIOR_MANAGER, Role.SAFEGUARDING_LEAD}:
        return "approve"
    return "later"


def demo_people() -> list[DemoPerson]:
    """Everyone the demo made, by partnership, what to try as them, agency and
    rung."""
    if not demo_mode():
        return []
    from django.apps import apps  # the people layer does not import the cases' models

    disagreement = apps.get_model("disagreements", "Disagreement")
    receivers = set(
        disagreement.objects.filter(status__in=("open", "paused")).values_list(
            "receiving_professional_id", flat=True
        )
    )
    labels = dict(Role.choices)
    people = (
        User.objects.filter(is_active=True, agency__isnull=False, demo_made=True)
        .select_related("agency", "rung")
        .prefetch_related("role_grants", "agency__partnerships")
        .order_by("agency__name", "rung__position", "pk")
    )
    everyone = [
        DemoPerson(
            pk=person.pk,
            name=person.display_name,
            job_title=person.job_title,
            agency=person.agency.name,
            partnership=", ".join(p.name for p in person.agency.partnerships.all()),
            roles=", ".join(sorted(labels.get(role, role) for role, _ in person._grants)),
            try_as=_try_as({role for role, _ in person._grants}, person.pk in receivers),
        )
        for person in people
    ]
    order = list(TRY_AS)
    return sorted(everyone, key=lambda p: (p.partnership, order.index(p.try_as)))


def demo_person(raw: str | None) -> User | None:
    """The demo person a sign-in button names, or None for anything else: someone the
    demo made (`User.demo_made`), never another person of the same database, whose
    account this button would otherwise open without a password or a second factor."""
    if not demo_mode() or not raw or not raw.isdigit() or len(raw) > 18:
        return None
    return User.objects.filter(
        pk=int(raw), is_active=True, agency__isnull=False, demo_made=True
    ).first()
