"""Read-only views onto disagreements, always scoped by who is asking.

Every list starts from `access.visible_to(user)`, so no page or endpoint can
show a row its reader has no need to know about, and carries each row's
`access.Grade` as `sight`: the subject's name comes out of the database only
for rows its reader may see whole. Each list is a fixed number of queries
however many rows it shows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, QuerySet

from rpd.people.models import User

from .access import Grade, with_sight
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
    "raising_agency__name",
    "receiving_agency__name",
)


def open_disagreements(user: User) -> QuerySet[Disagreement]:
    """The open and paused disagreements `user` may see, soonest deadline first.

    Each carries `sight` (an `access.Grade`) and `subject_name`, None unless the
    reader may see the case whole; the subject itself is not loaded.
    """
    return (
        with_sight(user)
        .exclude(status__in=CLOSED)
        .select_related("raising_agency", "receiving_agency")
        # Only what a list shows: the long texts stay in the database until a case is opened.
        .only(*LIST_FIELDS)
        .order_by(F("next_due").asc(nulls_last=True), "pk")
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a list page: what a person scans for, no more."""

    pk: int
    reference: str
    status: str
    stage: int
    stage_due: datetime.date | None
    next_due: datetime.date | None
    urgent: bool
    risk: str
    subject_name: str | None  # None where the reader sees only the register line
    raising_agency: str
    receiving_agency: str
    sight: Grade


ROW_COLUMNS = (
    "pk",
    "reference",
    "status",
    "stage",
    "stage_due",
    "next_due",
    "urgent",
    "risk",
    "subject_name",
    "raising_agency__name",
    "receiving_agency__name",
    "sight",
)


def open_rows(user: User, limit: int = 50, offset: int = 0) -> list[Row]:
    """A page of `open_disagreements` as plain rows: one query, no model instances."""
    page = open_disagreements(user).values_list(*ROW_COLUMNS)[offset : offset + limit]
    return [Row(*v[:-1], Grade(v[-1])) for v in page]
