"""Creating a partnership: the one place it is checked and audited (CLI and pages)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from rpd.audit import log as audit
from rpd.pathways import registry
from rpd.pathways.calendar import CALENDARS
from rpd.people.models import Partnership, User


class PartnershipError(ValueError):
    """Refused, naming the field at fault: `field: message`."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def create(
    *, slug: str, name: str, pathway_id: str, calendar: str = "", by: User | None = None
) -> Partnership:
    """A new partnership on a pathway (its calendar by default), audited."""
    slug, name = (slug or "").strip(), (name or "").strip()
    try:
        validate_slug(slug)
    except ValidationError:
        raise PartnershipError(
            "slug", f"{slug!r} is not a slug (letters, numbers, hyphens, underscores)"
        ) from None
    if len(slug) > 50:
        raise PartnershipError("slug", "is longer than 50 characters")
    if not name:
        raise PartnershipError("name", "give the partnership's name")
    if len(name) > 200:
        raise PartnershipError("name", "is longer than 200 characters")
    try:
        pack = registry.get(pathway_id).pack
    except registry.UnknownPathway:
        known = ", ".join(e.pack.id for e in registry.all_entries())
        raise PartnershipError(
            "pathway", f"no pathway with id {pathway_id!r} (known: {known})"
        ) from None
    calendar = calendar or pack.calendar
    if calendar not in CALENDARS:
        raise PartnershipError(
            "calendar", f"{calendar!r} is not a calendar (known: {', '.join(CALENDARS)})"
        )
    with transaction.atomic():
        if Partnership.objects.filter(slug=slug).exists():
            raise PartnershipError("slug", f"a partnership with slug {slug!r} already exists")
        partnership = Partnership.objects.create(
            slug=slug,
            name=name,
            pathway_id=pack.id,
            calendar=calendar,
            closure_days=[d.isoformat() for d in pack.closure_days],
        )
        audit.append(
            action="partnership.created",
            target=f"partnership:{slug}",
            actor=by,
            partnership_id=partnership.pk,
            data={"name": name, "pathway": pack.id, "calendar": calendar},
        )
    return partnership
