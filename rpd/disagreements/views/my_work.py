"""My work: the reader's disagreements and their team's, overdue first, in one query."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from rpd.notifications import feeds
from rpd.pathways.calendar import WorkingCalendar, local_date
from rpd.pathways.calendar import today as london_today
from rpd.people.models import Partnership
from rpd.templatetags.govuk import govuk_tag

from .. import presenters, queries, transitions
from ..models import Status
from .common import parse_int

PAGE = 50


def other_agency(row, user) -> str:
    """The agency on the other side from the reader's; on neither side (an agency copied
    in, a lead elsewhere), both, not one of them as though it were the other."""
    if user.agency_id == row.raising_agency_id:
        return str(row.receiving_agency)
    if user.agency_id == row.receiving_agency_id:
        return str(row.raising_agency)
    return f"{row.raising_agency} with {row.receiving_agency}"


def list_table(rows, user, today, calendars: dict[int, WorkingCalendar], oversight=False) -> dict:
    """Rows as the lists show them, as the table component's head and cells: the due date
    in words (on the calendar of each row's partnership) and who has the next step."""
    head = ["Reference", "Agencies" if oversight else "Other agency", "Stage", "Next step", "Due"]
    cells = []
    names = presenters.people_named(row.next_steps for row in rows)
    for row in rows:
        if oversight:
            agencies = f"{row.raising_agency} with {row.receiving_agency}"
        else:
            agencies = other_agency(row, user)
        stage = f"Stage {row.stage}"
        if row.status == Status.PAUSED:
            stage = format_html("{} {}", stage, govuk_tag("Paused", "grey"))
        step = presenters.next_step(row.next_steps, user, names)
        calendar = calendars[row.partnership_id]
        due = presenters.due_in_words(
            row.status, row.next_due, today, calendar, row.next_due_is_review
        )
        if row.status == Status.RESOLVED:
            due = "No deadline"  # a resolution to confirm: the policies set no date for it
        overdue = presenters.is_overdue(row.status, row.next_due, today)
        cells.append(
            [
                {"text": row.reference, "href": reverse("disagreements:detail", args=[row.pk])},
                agencies,
                stage,
                {"text": step.what, "strong": step.mine},
                {"text": due, "tag": "red"} if overdue else due,
            ]
        )
    return {"head": head, "rows": cells}


def page_number(request) -> int:
    return parse_int(request.GET.get("page")) or 1


@login_required
@require_GET
def my_work(request):
    user = request.user
    page = page_number(request)
    rows = queries.work_rows(user, PAGE + 1, (page - 1) * PAGE)
    confirming = queries.to_confirm(user) if page == 1 else []
    # A person whose agency serves several partnerships sees each case on its own
    # partnership's calendar (ADR 007).
    calendars = {
        p.pk: p.working_calendar()
        for p in Partnership.objects.filter(
            pk__in={row.partnership_id for row in [*rows, *confirming]}
        )
    }
    today = london_today()
    return render(
        request,
        "disagreements/my_work.html",
        {
            "table": list_table(rows[:PAGE], user, today, calendars),
            "to_confirm": list_table(confirming, user, today, calendars) if confirming else None,
            "page": page,
            "more": len(rows) > PAGE,
            "feed_url": feeds.feed_url(user),
            "may_raise": transitions.raise_refusal(user) is None,
        },
    )


@login_required
@require_GET
def closed(request):
    """The reader's closed cases and their team's: what they were part of, and how each
    ended, for when a child's case comes back or a review asks."""
    user = request.user
    page = page_number(request)
    rows = queries.closed_rows(user, PAGE + 1, (page - 1) * PAGE)
    cells = []
    for row in rows[:PAGE]:
        resolved = row.status == Status.RESOLVED
        cells.append(
            [
                {"text": row.reference, "href": reverse("disagreements:detail", args=[row.pk])},
                other_agency(row, user),
                {
                    "text": "Resolved" if resolved else "Withdrawn",
                    "tag": "green" if resolved else "grey",
                },
                f"Stage {row.stage}",
                presenters.on_day(local_date(row.closed_at)),
            ]
        )
    head = ["Reference", "Other agency", "Outcome", "Stage it closed at", "Closed"]
    return render(
        request,
        "disagreements/closed.html",
        {"table": {"head": head, "rows": cells}, "page": page, "more": len(rows) > PAGE},
    )
