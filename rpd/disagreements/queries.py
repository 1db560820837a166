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

from django.db import connection
from django.db.models import BooleanField, CharField, F, QuerySet
from django.db.models.expressions import RawSQL

from rpd.people.models import User

from .access import Grade, overseen_by, sight_conditions, with_sight
from .models import CLOSED, LIVE_IN, Disagreement, RecordOutcome, Status

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


# -- The web pages' lists -------------------------------------------------------------------


def is_live() -> RawSQL:
    """`status IN ('open', 'paused')` written into the SQL, not bound as parameters.

    The live lists are read down partial indexes on that condition, and SQLite uses a
    partial index only when the query's own text holds the condition's constants: a bound
    value could be anything, so it sorts the whole table instead (45 ms for the oversight
    list at 100,000 disagreements, against under 1 ms). The values are the model's own.
    """
    quote = connection.ops.quote_name
    column = f"{quote(Disagreement._meta.db_table)}.{quote('status')}"
    # In the order the indexes name them (LIVE_IN): SQLite matches the condition as written.
    values = ", ".join(f"'{status}'" for status in LIVE_IN)
    return RawSQL(f"{column} IN ({values})", (), output_field=BooleanField())


@dataclass(frozen=True, slots=True)
class WorkRow:
    """A row of My work or of an oversight list, with who acts now: one query for all."""

    pk: int
    reference: str
    status: str
    stage: int
    next_due: datetime.date | None
    next_due_is_review: bool  # next_due is the stage's review date, not a deadline
    updated_at: datetime.datetime
    raising_agency_id: int
    raising_agency: str
    receiving_agency_id: int
    receiving_agency: str
    raising_actor_id: int | None
    raising_actor_name: str
    receiving_actor_id: int | None
    receiving_actor_name: str
    led_by_role: str
    awaiting_approval: bool  # a record of this stage is waiting for approval
    awaiting_my_approval: bool  # ... one the reader did not write
    has_unresolved: bool  # this stage has a record saying it is unresolved
    partnership_id: int  # whose calendar its due date counts on
    next_steps: list  # who is asked to do what (transitions.next_steps, as stored)


def _page(branches: list[QuerySet[Disagreement]], limit: int, offset: int) -> list[int]:
    """One page of disagreements, soonest due first then by id, as ids.

    Each branch (a reason to see them, or the list's one filter) is read in that order
    down its own partial index, only as far as the page reaches, and the branches merged
    here: so the database never reads, joins or sorts the thousands of rows below the
    page, however many there are.
    """
    ordered = [b.order_by("next_due", "pk").values_list("pk", "next_due") for b in branches]
    if len(ordered) == 1:
        return [pk for pk, _ in ordered[0][offset : offset + limit]]
    due_of: dict[int, datetime.date | None] = {}
    for branch in ordered:
        due_of.update(branch[: offset + limit])
    # As the database orders them: PostgreSQL puts no date last, SQLite first.
    nulls_last = connection.features.nulls_order_largest

    def shown(item):
        pk, due = item
        return ((due is None) == nulls_last, due or datetime.date.min, pk)

    return [pk for pk, _ in sorted(due_of.items(), key=shown)[offset : offset + limit]]


def _rows(pks: list[int], user: User) -> list[WorkRow]:
    """The page's rows, in the order of `pks`, with who acts now: one query for all.

    Read by primary key with no join to the episodes and no subquery over the records:
    who acts and the state of the stage's records are the disagreement's own columns,
    kept by the transitions (transitions.refresh_list_columns).
    """
    if not pks:
        return []
    rows = []
    position = {pk: i for i, pk in enumerate(pks)}
    page = (
        Disagreement.objects.filter(pk__in=pks)
        .annotate(raising_name=_ACTOR_NAME["raising"], receiving_name=_ACTOR_NAME["receiving"])
        .values_list(*_ROW_COLUMNS)
    )
    for v in sorted(page, key=lambda v: position[v[0]]):
        (pk, reference, status, stage, next_due, review, updated_at, raising_agency_id,
         raising_agency, receiving_agency_id, receiving_agency, raising_id, raising_name,
         receiving_id, receiving_name, led_by, awaiting, only_by, unresolved, partnership_id,
         steps) = v  # fmt: skip
        rows.append(
            WorkRow(
                pk,
                reference,
                status,
                stage,
                next_due,
                review,
                updated_at,
                raising_agency_id,
                raising_agency,
                receiving_agency_id,
                receiving_agency,
                raising_id,
                (raising_name or "").strip(),
                receiving_id,
                (receiving_name or "").strip(),
                led_by,
                awaiting,
                # Every record waiting was written by the reader: someone else approves it.
                awaiting and only_by != user.pk,
                unresolved,
                partnership_id,
                steps or [],
            )
        )
    return rows


# Each actor's name by a lookup of their row, not a join: with a join, PostgreSQL hashes
# the whole people table (thousands of rows) for the page's fifty (bench/pages.py: 7x a
# primary-key lookup at 100,000 disagreements); a lookup reads two rows' worth per row.
_ACTOR_NAME = {
    side: RawSQL(
        f"SELECT u.first_name || ' ' || u.last_name FROM {User._meta.db_table} u "
        f'WHERE u.id = "{Disagreement._meta.db_table}".current_{side}_actor_id',
        [],
        output_field=CharField(),
    )
    for side in ("raising", "receiving")
}

_ROW_COLUMNS = (
    "pk",
    "reference",
    "status",
    "stage",
    "next_due",
    "next_due_is_review",
    "updated_at",
    "raising_agency_id",
    "raising_agency__name",
    "receiving_agency_id",
    "receiving_agency__name",
    "current_raising_actor_id",
    "raising_name",
    "current_receiving_actor_id",
    "receiving_name",
    "current_led_by_role",
    "awaiting_approval",
    "awaiting_only_by_id",
    "has_unresolved",
    "partnership_id",
    "next_steps",
)

# What transitions.refresh_list_columns keeps on each disagreement, computed for every row
# at once: for rows written in bulk (a migration, a benchmark's load), not by transitions.
# One pass over the episodes and their records, grouped, joined to each disagreement's
# current one: a subquery per disagreement left PostgreSQL joining every record for each
# row (over 15 minutes at 100,000 cases). Corrected records are found by an uncorrelated
# IN, which neither database turns into a scan per record.
_UNRESOLVED = RecordOutcome.UNRESOLVED.value
_WAITING = """r.approved_at IS NULL AND r.id NOT IN (
        SELECT supersedes_id FROM disagreements_record WHERE supersedes_id IS NOT NULL)"""
FILL_LIST_COLUMNS = f"""UPDATE disagreements_disagreement SET
    current_raising_actor_id = c.raising_actor_id,
    current_receiving_actor_id = c.receiving_actor_id,
    current_led_by_role = c.led_by_role,
    awaiting_approval = c.waiting > 0,
    awaiting_only_by_id = CASE WHEN c.authors = 1 THEN c.author END,
    has_unresolved = c.unresolved > 0,
    next_due_is_review = CASE WHEN c.due_basis = 'review'
        AND c.due = disagreements_disagreement.next_due
        AND disagreements_disagreement.status = '{Status.OPEN.value}' THEN TRUE ELSE FALSE END
FROM (
    SELECT e.disagreement_id, e.number, e.raising_actor_id, e.receiving_actor_id,
        e.led_by_role, e.due_basis, e.due,
        COUNT(CASE WHEN {_WAITING} THEN r.id END) AS waiting,
        COUNT(DISTINCT CASE WHEN {_WAITING} THEN r.author_id END) AS authors,
        MIN(CASE WHEN {_WAITING} THEN r.author_id END) AS author,
        COUNT(CASE WHEN r.outcome = '{_UNRESOLVED}' THEN 1 END) AS unresolved
    FROM disagreements_stageepisode e
    LEFT JOIN disagreements_record r ON r.episode_id = e.id
    GROUP BY e.id, e.disagreement_id, e.number, e.raising_actor_id, e.receiving_actor_id,
        e.led_by_role, e.due_basis, e.due
) c
WHERE c.disagreement_id = disagreements_disagreement.id
    AND c.number = disagreements_disagreement.stage"""


def fill_list_columns() -> None:
    with connection.cursor() as cursor:
        cursor.execute(FILL_LIST_COLUMNS)


def work_rows(user: User, limit: int = 50, offset: int = 0) -> list[WorkRow]:
    """The reader's open and paused disagreements and their team's (and, for a
    safeguarding lead, their agency's): overdue first, then soonest due, in a fixed number of
    queries (one for each reason to see them, one for the rows)."""
    reasons = sight_conditions(user, partnership_wide=False)
    branches = [Disagreement.objects.filter(reason).filter(is_live()) for reason in reasons]
    if user.overseen_partnership_ids:
        # A stage the partnership leads is its unit's or chair's work: the row says whose
        # step it is (transitions.next_steps).
        led = Disagreement.objects.filter(partnership_id__in=user.overseen_partnership_ids)
        branches.append(led.filter(is_live()).exclude(current_led_by_role=""))
    return _rows(_page(branches, limit, offset), user)


def to_confirm(user: User) -> list[WorkRow]:
    """Resolutions the reader is asked to confirm in writing, or contest (the steps the
    transitions stored on each case): among the resolved cases they took part in."""
    resolved = Disagreement.objects.filter(
        status=Status.RESOLVED, resolution__confirmed_at__isnull=True, participants__user=user
    ).values_list("pk", "next_steps")
    asked = [pk for pk, steps in resolved if any(user.pk in s["people"] for s in steps or [])]
    return _rows(asked, user)


@dataclass(frozen=True, slots=True)
class ClosedRow:
    """A resolved or withdrawn case on its list: what it was, and when it closed."""

    pk: int
    reference: str
    status: str
    stage: int  # the stage it closed at
    closed_at: datetime.datetime
    raising_agency_id: int
    raising_agency: str
    receiving_agency_id: int
    receiving_agency: str


def closed_rows(user: User, limit: int = 50, offset: int = 0) -> list[ClosedRow]:
    """The reader's resolved and withdrawn disagreements and their team's (and, for a
    safeguarding lead, their agency's), latest closed first: the same reasons to see them
    as My work, each read down to the page on its own, then one query for the rows."""
    reasons = sight_conditions(user, partnership_wide=False)
    closed_at: dict[int, datetime.datetime] = {}
    for reason in reasons:
        branch = Disagreement.objects.filter(reason).filter(status__in=CLOSED)
        latest = branch.order_by("-closed_at", "-pk").values_list("pk", "closed_at")
        closed_at.update(latest[: offset + limit])
    ordered = sorted(closed_at, key=lambda pk: (closed_at[pk], pk), reverse=True)
    pks = ordered[offset : offset + limit]
    rows = Disagreement.objects.filter(pk__in=pks).values_list(
        "pk",
        "reference",
        "status",
        "stage",
        "closed_at",
        "raising_agency_id",
        "raising_agency__name",
        "receiving_agency_id",
        "receiving_agency__name",
    )
    by_pk = {row[0]: ClosedRow(*row) for row in rows}
    return [by_pk[pk] for pk in pks]


@dataclass(frozen=True)
class OversightFilter:
    show: str = "all"  # all / upper / overdue / paused / drifting
    partnership: int | None = None  # one of those the person oversees; None for all
    agency: int | None = None
    stage: int | None = None
    # "Upper": from this stage on, as the partnership's pathway says (Pack.upper_stages).
    upper_from: int = 3


def oversight_rows(
    user: User,
    today: datetime.date,
    drifting_before: datetime.datetime,
    chosen: OversightFilter,
    limit: int = 50,
    offset: int = 0,
) -> list[WorkRow]:
    """The partnership's open and paused disagreements for its unit and board chair,
    soonest due first (overdue first), read down disagreement_live_due_idx."""
    live = overseen_by(user, chosen.partnership).filter(is_live())
    if chosen.show == "upper":
        live = live.filter(stage__gte=chosen.upper_from)
    elif chosen.show == "overdue":
        live = live.filter(status=Status.OPEN, next_due__lt=today)
    elif chosen.show == "paused":
        live = live.filter(status=Status.PAUSED)
    elif chosen.show == "drifting":
        live = live.filter(status=Status.OPEN, updated_at__lt=drifting_before)
    if chosen.stage is not None:
        live = live.filter(stage=chosen.stage)
    branches = [live]
    if chosen.agency is not None:
        # Raised by the agency, and received by it: each read down its own index in the
        # order shown and merged, as a safeguarding lead's list is (an OR of the two
        # would read every live row of both and sort them).
        branches = [
            live.filter(raising_agency_id=chosen.agency),
            live.filter(receiving_agency_id=chosen.agency),
        ]
    return _rows(_page(branches, limit, offset), user)
