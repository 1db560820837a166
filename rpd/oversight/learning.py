"""Learning items, from suggestion to done.

Suggested in the transaction of the transition that records the reason (`signals.py`):
each learning flag of a resolution, a record that covers Jersey's wider lessons (§4.6),
a referral to a learning and improvement activity (Cambridgeshire §3: "Consider a
Learning and Improvement activity via QEG or SCR"). The partnership's oversight roles are
told through the outbox: the kind, the reference and the agencies, never a case's text.
An overseer adds their own and moves each to done; every change is audited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from rpd.audit import log as audit
from rpd.disagreements.models import Disagreement
from rpd.notifications import outbox
from rpd.notifications.models import Kind
from rpd.people import roles
from rpd.people.models import OVERSIGHT_ROLES, Partnership, User

from .models import LearningItem, LearningKind, LearningSource, LearningStatus
from .tables import Table

# The resolution's three learning flags and the kind of item each suggests.
FLAGS = {
    "learning_multi_agency_audit": LearningKind.MULTI_AGENCY_AUDIT,
    "learning_case_review": LearningKind.CASE_REVIEW,
    "learning_procedure_amendment": LearningKind.PROCEDURE_AMENDMENT,
}
# The must-record item a record ticks when wider lessons were considered (Jersey's pack).
WIDER_LESSONS = "wider-lessons"


def referral_kind(referred_to: str) -> str | None:
    """The learning a referral onward is, if any: the packs' options name it (Cambridgeshire:
    "Consider a Learning and Improvement activity via QEG or SCR"; Jersey: "Consideration
    of wider lessons, including possible inconsistencies ...")."""
    name = referred_to.lower()
    if "learning" in name:  # before "lessons": Cambridgeshire's ends "lessons are learned"
        return LearningKind.IMPROVEMENT_ACTIVITY
    if "lessons" in name:
        return LearningKind.WIDER_LESSONS
    return None


def suggest(
    d: Disagreement, kind: str, source: str, at: datetime.datetime | None = None
) -> LearningItem | None:
    """A suggested item for `d` of `kind`, once per case and kind, and its notices."""
    if LearningItem.objects.filter(cases=d, kind=kind).exists():
        return None
    at = at or timezone.now()
    item = LearningItem.objects.create(
        partnership_id=d.partnership_id,
        kind=kind,
        title=f"{LearningKind(kind).label}: {d.reference}",
        source=source,
        created_at=at,
        updated_at=at,
    )
    item.cases.add(d)
    _tell_oversight(item, d, at)
    audit.append(
        action="learning.suggested",
        target=f"learning:{item.pk}",
        partnership_id=d.partnership_id,
        data={"kind": kind, "source": source, "disagreement": d.pk},
    )
    return item


def overseers(partnership_id: int):
    return roles.holding(partnership_id, OVERSIGHT_ROLES)


def _tell_oversight(item: LearningItem, d: Disagreement, at: datetime.datetime) -> None:
    partnership = d.partnership
    for person in overseers(d.partnership_id):
        outbox.queue(
            partnership=partnership,
            kind=Kind.LEARNING,
            to_user=person,
            subject=f"Learning suggested from {d.reference}",
            template="learning_suggested",
            context={
                "kind": LearningKind(item.kind).label,
                "learning_link": outbox.link(
                    reverse("oversight:learning", args=[partnership.slug])
                ),
            },
            disagreement=d,
            dedupe_key=f"learning:{item.pk}:u{person.pk}",
            at=at,
        )


# -- What pages and the report read -------------------------------------------------------


@dataclass(frozen=True)
class Item:
    pk: int
    partnership: str
    kind: str
    title: str
    source: str
    status: str
    owner: str
    due: datetime.date | None
    notes: str
    cases: list[tuple[int, str]]  # (key, reference)


def items_for(partnerships: list[Partnership], status: str = "") -> list[Item]:
    qs = (
        LearningItem.objects.filter(partnership__in=partnerships)
        .select_related("owner", "partnership")
        .prefetch_related("cases")
    )
    if status:
        qs = qs.filter(status=status)
    return [_item(i) for i in qs]


def items_of_case(d: Disagreement) -> list[Item]:
    return [_item(i) for i in d.learning_items.select_related("owner", "partnership")]


def _item(i: LearningItem) -> Item:
    return Item(
        i.pk,
        i.partnership.name,
        i.get_kind_display(),
        i.title,
        i.get_source_display(),
        i.get_status_display(),
        i.owner.display_name if i.owner else "",
        i.due,
        i.notes,
        [(d.pk, d.reference) for d in i.cases.all()],
    )


def table(items: list[Item]) -> Table:
    return Table(
        "learning",
        "Learning items",
        ["Title", "Kind", "From", "Status", "Owner", "Due", "Cases"],
        [
            [
                i.title,
                i.kind,
                i.source,
                i.status,
                i.owner or "No one yet",
                i.due.isoformat() if i.due else "",
                ", ".join(r for _, r in i.cases),
            ]
            for i in items
        ],  # fmt: skip
    )


# -- An overseer's changes ----------------------------------------------------------------


def add(user: User, partnership: Partnership, data: dict) -> LearningItem:
    """An overseer's own item (data cleaned by forms.LearningForm)."""
    at = timezone.now()
    with transaction.atomic():
        item = LearningItem.objects.create(
            partnership=partnership,
            kind=data["kind"],
            title=data["title"],
            source=LearningSource.OVERSEER,
            status=data["status"],
            owner=data.get("owner"),
            due=data.get("due"),
            notes=data.get("notes", ""),
            created_by=user,
            created_at=at,
            updated_at=at,
            done_at=at if data["status"] == LearningStatus.DONE else None,
        )
        item.cases.set(data.get("cases", []))
        audit.append(
            action="learning.added",
            target=f"learning:{item.pk}",
            actor=user,
            partnership_id=partnership.pk,
            data={
                "kind": item.kind,
                "status": item.status,
                "cases": [d.pk for d in data.get("cases", [])],
            },
        )
    return item


def update(user: User, item: LearningItem, data: dict) -> LearningItem:
    """Its owner, due date, status and notes, as an overseer sets them."""
    at = timezone.now()
    with transaction.atomic():
        before = {"status": item.status, "owner": item.owner_id, "due": item.due}
        item.status = data["status"]
        item.owner = data.get("owner")
        item.due = data.get("due")
        item.notes = data.get("notes", "")
        item.updated_at = at
        if item.status == LearningStatus.DONE and item.done_at is None:
            item.done_at = at
        elif item.status != LearningStatus.DONE:
            item.done_at = None
        item.save()
        audit.append(
            action="learning.updated",
            target=f"learning:{item.pk}",
            actor=user,
            partnership_id=item.partnership_id,
            data={
                "status": [before["status"], item.status],
                "owner": [before["owner"], item.owner_id],
                "due": [
                    before["due"].isoformat() if before["due"] else None,
                    item.due.isoformat() if item.due else None,
                ],
            },
        )
    return item
