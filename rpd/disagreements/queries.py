"""Read-only views onto disagreements, always scoped by who is asking.

Every list starts from `access.visible_to(user)`, so no page or endpoint can
show a row its reader has no need to know about; each list is a fixed number
of queries however many rows it shows.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from rpd.people.models import User

from .access import visible_to
from .models import CLOSED, Disagreement

LIST_FIELDS = (
    "reference",
    "status",
    "stage",
    "next_due",
    "stage_due",
    "urgent",
    "risk",
    "partnership_id",
    "raised_at",
    "subject__given_name",
    "subject__family_name",
    "raising_agency__name",
    "receiving_agency__name",
)


def open_disagreements(user: User) -> QuerySet[Disagreement]:
    """The open and paused disagreements `user` may see, soonest deadline first."""
    return (
        visible_to(user)
        .exclude(status__in=CLOSED)
        .select_related("subject", "raising_agency", "receiving_agency")
        # Only what a list shows: the long texts stay in the database until a case is opened.
        .only(*LIST_FIELDS)
        .order_by(F("next_due").asc(nulls_last=True), "pk")
    )
