"""Read-only views onto disagreements, always scoped by who is asking.

Every list starts from `access.visible_to(user)`, so no page or endpoint can
show a row its reader has no need to know about; each list is a fixed number
of queries however many rows it shows.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery

from rpd.people.models import User

from .access import visible_to
from .models import CLOSED, Disagreement, StageEpisode


def open_disagreements(user: User) -> QuerySet[Disagreement]:
    """The user's open and paused disagreements, soonest deadline first, with stage due dates."""
    episode = StageEpisode.objects.filter(disagreement=OuterRef("pk"), number=OuterRef("stage"))
    return (
        visible_to(user)
        .exclude(status__in=CLOSED)
        .select_related("subject", "raising_agency", "receiving_agency", "partnership")
        .annotate(stage_due=Subquery(episode.values("due")[:1]))
        .order_by(F("next_due").asc(nulls_last=True), "pk")
    )
