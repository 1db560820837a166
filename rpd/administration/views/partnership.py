"""Which partnership, its home page (a task list), its details and closure days."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import dateformat
from django.views.decorators.http import require_GET

from rpd.pathways.calendar import CALENDARS
from rpd.people import roles as pack_roles
from rpd.people.models import StandIn

from .. import access, operations
from ..forms import ClosureDayForm, PartnershipDetailsForm
from .common import administration, confirmed_removal, form_page, question, refusals, url


@login_required
@require_GET
def choose(request):
    """An administrator of several partnerships picks one; of one, goes straight to it."""
    partnerships = access.administered_by(request.user)
    if not partnerships:
        raise Http404("Page not found")
    if len(partnerships) == 1:
        return redirect("administration:home", slug=partnerships[0].slug)
    return render(request, "administration/choose.html", {"partnerships": partnerships})


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@administration
def home(request, partnership):
    agencies = access.agencies_of(partnership)
    people = partnership.people().filter(is_active=True).count()
    unfilled = pack_roles.unfilled_roles(partnership)
    stand_ins = StandIn.objects.filter(agency__in=agencies).count()
    pack = partnership.pathway_entry().pack
    items = [
        {
            "title": "Partnership details",
            "href": url("details", partnership),
            "hint": "Name, working-day calendar, closure days and reference prefix",
            "status": CALENDARS[partnership.calendar],
        },
        {
            "title": "Agencies and their ladders",
            "href": url("agencies", partnership),
            "hint": "Type, safeguarding leads and each agency's management ladder",
            "status": _count(agencies.count(), "agency", "agencies"),
        },
        {
            "title": "People",
            "href": url("people", partnership),
            "hint": "Agency, rung, line manager and roles; leavers and movers",
            "status": _count(people, "person", "people"),
        },
        {
            "title": "Who stands behind the pathway's roles",
            "href": url("roles", partnership),
            "hint": "The partnership unit, chairs, panels and mailboxes the pathway names",
            "status": _count(len(unfilled), "problem", "problems") if unfilled else "Completed",
            "colour": "red" if unfilled else "",
        },
        {
            "title": "Stand-ins",
            "href": url("stand-ins", partnership),
            "hint": "Who acts for an agency on a rung it has no one on",
            "status": _count(stand_ins, "stand-in", "stand-ins"),
        },
        {
            "title": "Pathway",
            "href": f"/partnerships/{partnership.slug}/pathway/",
            "hint": "The escalation policy new disagreements follow, and its versions",
            "status": pack.name,
        },
        {
            "title": "Import people",
            "href": f"/partnerships/{partnership.slug}/import/",
            "hint": "Agencies, ladders and people from a CSV file",
            "status": "Optional",
            "colour": "grey",
        },
        {
            "title": "Go-live check",
            "href": f"/partnerships/{partnership.slug}/check/",
            "hint": "Everything that would stop a disagreement running end to end",
            "status": "Check",
            "colour": "blue",
        },
    ]
    return render(request, "administration/home.html", {"partnership": partnership, "items": items})


@administration
def details(request, partnership):
    rows = [
        {
            "key": "Partnership name",
            "value": partnership.name,
            "href": url("detail", partnership, "name"),
        },
        {
            "key": "Working-day calendar",
            "value": CALENDARS[partnership.calendar],
            "href": url("detail", partnership, "calendar"),
        },
        {
            "key": "Reference prefix",
            "value": partnership.reference_prefix,
            "href": url("detail", partnership, "reference-prefix"),
        },
    ]
    days = [datetime.date.fromisoformat(d) for d in sorted(partnership.closure_days)]
    closure_days = [
        {
            "key": dateformat.format(day, "l j F Y"),
            "post": url("remove-closure-day", partnership),
            "hidden": dateformat.format(day, "j F Y"),
            "fields": {"day": day.isoformat()},
        }
        for day in days
    ]
    return render(
        request,
        "administration/details.html",
        {"partnership": partnership, "rows": rows, "closure_days": closure_days},
    )


DETAIL_FIELDS = {"name": "name", "calendar": "calendar", "reference-prefix": "reference_prefix"}


@administration
def detail(request, partnership, field):
    name = DETAIL_FIELDS.get(field)
    if name is None:
        raise Http404("Page not found")

    def make_form(data, **kwargs):
        initial = {name: getattr(partnership, name)}
        return PartnershipDetailsForm(data, partnership=partnership, only=(name,), initial=initial)

    label = PartnershipDetailsForm.base_fields[name].label
    return question(
        request,
        partnership,
        make_form=make_form,
        change=lambda data: operations.change_partnership(
            partnership, request.user, data, fields=(name,)
        ),
        title=label,
        back=url("details", partnership),
        done=f"{label} saved",
    )


@administration
def add_closure_day(request, partnership):
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: ClosureDayForm(data, partnership=partnership),
        change=lambda data: operations.add_closure_day(partnership, request.user, data),
        title="Add a closure day",
        back=url("details", partnership),
        done="Closure day added",
    )


@administration
def remove_closure_day(request, partnership):
    day = request.POST.get("day", "")
    try:
        if day not in partnership.closure_days:  # the operation names what is wrong
            operations.remove_closure_day(partnership, request.user, day)
        return confirmed_removal(
            request,
            partnership,
            title=f"Are you sure you want to remove the closure day "
            f"{dateformat.format(datetime.date.fromisoformat(day), 'l j F Y')}?",
            back=url("details", partnership),
            remove=lambda: operations.remove_closure_day(partnership, request.user, day),
            done="Closure day removed",
            fields={"day": day},
        )
    except operations.Invalid as refused:
        return form_page(
            request,
            partnership,
            ClosureDayForm(None, partnership=partnership),
            title="Add a closure day",
            back=url("details", partnership),
            status=400,
            errors=refusals(refused),
        )
