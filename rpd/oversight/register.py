"""The register: every case of the partnerships someone oversees, open or closed.

Rows come from `access.with_sight`, so each carries its `access.Grade` and the subject's
name only where the reader may see whom it is about: an oversight role reads the register
line of every case, and the rest once the pathway has told the partnership. Filters are
conditions on the disagreement's own columns; totals are one grouped query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from rpd.disagreements.access import Grade, with_sight
from rpd.disagreements.models import (
    Disagreement,
    PathwayVersion,
    Referral,
    Status,
)
from rpd.notifications.sweep import start_of, working_days_back
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Partnership, User

PAGE = 50

SIDES = {"either": "Raising or receiving", "raising": "Raising", "receiving": "Receiving"}
FLAGS = {"overdue": "Overdue", "drifting": "Drifting (no activity)"}


@dataclass(frozen=True)
class Chosen:
    """What the register is filtered by: each empty value filters by nothing."""

    partnerships: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    raised_from: datetime.date | None = None
    raised_to: datetime.date | None = None
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    stage: int | None = None  # the highest stage reached
    agency: int | None = None
    side: str = "either"
    category: str = ""
    pathway: int | None = None  # a PathwayVersion's key
    flag: str = ""  # overdue / drifting
    reference: str = ""
    today: datetime.date = field(default_factory=london_today)

    def as_audit(self) -> dict:
        """The filters as an audit event records them: only those chosen."""
        shown = {
            "partnerships": list(self.partnerships),
            "statuses": list(self.statuses),
            "raised_from": self.raised_from,
            "raised_to": self.raised_to,
            "closed_from": self.closed_from,
            "closed_to": self.closed_to,
            "stage": self.stage,
            "agency": self.agency,
            "side": self.side if self.agency else "",
            "category": self.category,
            "pathway": self.pathway,
            "flag": self.flag,
            "reference": self.reference,
        }
        return {
            k: v.isoformat() if isinstance(v, datetime.date) else v
            for k, v in shown.items()
            if v not in (None, "", [])
        }


def has_category(category: str) -> Q:
    """Whether a disagreement's categories (a JSON list of the pack's ids) hold `category`:
    the list's text holds it in quotes, on SQLite and PostgreSQL alike (ids are slugs)."""
    return Q(categories_text__contains=f'"{category}"')


def categories_text() -> Cast:
    return Cast("categories", CharField())


def quiet_since(partnership: Partnership, today: datetime.date) -> datetime.date:
    """The first day activity on which keeps an open case from drifting `today`, on the
    partnership's own calendar (as the oversight list and the sweep count it)."""
    calendar = partnership.working_calendar()
    return working_days_back(
        calendar, calendar.next_working_day(today), settings.RPD_DRIFT_WORKING_DAYS
    )


def drifting_before(partnership: Partnership, today: datetime.date) -> datetime.datetime:
    """The last activity before which an open case counts as drifting."""
    return start_of(quiet_since(partnership, today))


def drifting(partnerships: list[Partnership], today: datetime.date) -> Q:
    """Open cases with no activity for the drift threshold, each on its own calendar."""
    q = Q(pk__in=[])
    for p in partnerships:
        q |= Q(partnership_id=p.pk, updated_at__lt=drifting_before(p, today))
    return Q(status=Status.OPEN) & q


def overdue(today: datetime.date) -> Q:
    return Q(status=Status.OPEN, next_due__lt=today)


def filtered(base: QuerySet[Disagreement], chosen: Chosen, partnerships) -> QuerySet:
    """`base` narrowed by every filter chosen."""
    qs = base.annotate(categories_text=categories_text())
    if chosen.statuses:
        qs = qs.filter(status__in=chosen.statuses)
    if chosen.raised_from:
        qs = qs.filter(raised_at__gte=start_of(chosen.raised_from))
    if chosen.raised_to:
        qs = qs.filter(raised_at__lt=start_of(chosen.raised_to + datetime.timedelta(days=1)))
    if chosen.closed_from:
        qs = qs.filter(closed_at__gte=start_of(chosen.closed_from))
    if chosen.closed_to:
        qs = qs.filter(closed_at__lt=start_of(chosen.closed_to + datetime.timedelta(days=1)))
    if chosen.stage is not None:
        # Stages only climb (escalate, fast-track): the current one is the highest reached.
        qs = qs.filter(stage=chosen.stage)
    if chosen.agency is not None:
        raising, receiving = (
            Q(raising_agency_id=chosen.agency),
            Q(receiving_agency_id=chosen.agency),
        )
        qs = qs.filter(
            {"raising": raising, "receiving": receiving}.get(chosen.side, raising | receiving)
        )
    if chosen.category:
        qs = qs.filter(has_category(chosen.category))
    if chosen.pathway is not None:
        qs = qs.filter(pathway_id=chosen.pathway)
    if chosen.flag == "overdue":
        qs = qs.filter(overdue(chosen.today))
    elif chosen.flag == "drifting":
        qs = qs.filter(drifting(partnerships, chosen.today))
    if chosen.reference:
        qs = qs.filter(reference__icontains=chosen.reference)
    return qs


def overseen(user: User, chosen: Chosen) -> list[Partnership]:
    """The partnerships the register covers: those chosen that `user` oversees."""
    ids = user.overseen_partnership_ids
    if chosen.partnerships:
        ids = ids & set(chosen.partnerships)
    return list(Partnership.objects.filter(pk__in=ids).order_by("name"))


def cases(user: User, chosen: Chosen) -> tuple[QuerySet[Disagreement], list[Partnership]]:
    """Every case of the chosen partnerships `user` oversees, filtered, each annotated with
    `sight` and `subject_name` (None unless the reader may see whom it is about)."""
    partnerships = overseen(user, chosen)
    base = with_sight(user).filter(partnership_id__in=[p.pk for p in partnerships])
    return filtered(base, chosen, partnerships), partnerships


@dataclass(frozen=True)
class Totals:
    cases: int
    by_status: dict[str, int]


def totals(qs: QuerySet[Disagreement]) -> Totals:
    """How many match, and how many of each status: one query."""
    counts = qs.order_by().aggregate(
        total=Count("pk"),
        **{s.value: Count("pk", filter=Q(status=s.value)) for s in Status},
    )
    return Totals(counts.pop("total"), counts)


@dataclass(frozen=True)
class RegisterRow:
    pk: int
    partnership: str
    reference: str
    status: str
    stage: int
    raised_on: datetime.date
    closed_on: datetime.date | None
    raising_agency: str
    receiving_agency: str
    categories: list[str]
    outcome: str
    pathway: str
    overdue: bool
    subject_name: str | None
    sight: Grade


ROW_VALUES = (
    "pk",
    "partnership__name",
    "reference",
    "status",
    "stage",
    "raised_at",
    "closed_at",
    "raising_agency__name",
    "receiving_agency__name",
    "categories",
    "pathway_id",
    "next_due",
    "referred",
    "subject_name",
    "sight",
)


def outcome(status: str, stage: int, referred: bool) -> str:
    """How a case ended, or where it stands: never the agreed outcome's text."""
    if status == Status.RESOLVED:
        return f"Resolved at stage {stage}"
    if status == Status.WITHDRAWN:
        return f"Withdrawn at stage {stage}"
    if referred:
        return f"Referred on from stage {stage}"
    return f"{Status(status).label} at stage {stage}"


def local(at: datetime.datetime | None) -> datetime.date | None:
    from rpd.pathways.calendar import LONDON

    return at.astimezone(LONDON).date() if at else None


def rows(qs: QuerySet[Disagreement], limit: int | None = PAGE, offset: int = 0) -> list:
    """A page of the register, newest raised first: one query for the rows, one for the
    pathway versions they were raised under."""
    referred = Referral.objects.filter(episode__disagreement=OuterRef("pk"))
    ordered = qs.annotate(referred=Exists(referred)).order_by("-raised_at", "-pk")
    values = ordered.values_list(*ROW_VALUES)
    page = list(values[offset : offset + limit] if limit is not None else values.iterator())
    versions = {v.pk: v for v in PathwayVersion.objects.filter(pk__in={v[10] for v in page})}
    today = london_today()
    out = []
    for (pk, partnership, reference, status, stage, raised_at, closed_at, raising, receiving,
         categories, pathway_id, next_due, was_referred, subject_name, sight) in page:  # fmt: skip
        version = versions[pathway_id]
        names = {c.id: c.name for c in version.pack.categories}
        out.append(
            RegisterRow(
                pk,
                partnership,
                reference,
                status,
                stage,
                local(raised_at),
                local(closed_at),
                raising,
                receiving,
                [names.get(c, c) for c in categories or []],
                outcome(status, stage, was_referred),
                f"{version.pathway_id} v{version.version}",
                status == Status.OPEN and next_due is not None and next_due < today,
                subject_name,
                Grade(sight),
            )
        )
    return out
