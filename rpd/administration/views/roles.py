"""Who stands behind each of the pathway's roles, and who stands in for an agency."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from rpd.disagreements.views.common import parse_int
from rpd.people import roles as pack_roles
from rpd.people.models import RoleHolder, StandIn, User

from .. import access, operations
from ..forms import RoleHolderForm, StandInForm
from .common import (
    adding,
    administration,
    agency_first,
    checking,
    confirmed_removal,
    form_page,
    one_of,
    url,
)

KINDS = {
    "partnership": "Held by the partnership",
    "independent": "Independent of the agencies",
    "agency": "Each agency's (its safeguarding leads, unless you name someone)",
    "party": "Whoever the case names",
}


@administration
def roles(request, partnership):
    pack = partnership.pathway_entry().pack
    holders: dict[str, list] = {}
    rows = RoleHolder.objects.filter(partnership=partnership).select_related("user", "agency")
    for holder in rows:
        holders.setdefault(holder.role_id, []).append(holder)
    problems: dict[str, list[str]] = {}
    for problem in pack_roles.unfilled_roles(partnership, pack):
        problems.setdefault(problem.role_id, []).append(problem.message)
    rows = [
        {
            "role": role,
            "kind": KINDS.get(role.kind, role.kind),
            "holders": [_holder_row(partnership, role, h) for h in holders.get(role.id, [])],
            "problems": problems.get(role.id, []),
            "add": url("add-holder", partnership, role.id) if role.kind != "party" else "",
        }
        for role in pack.roles
    ]
    return render(request, "administration/roles.html", {"partnership": partnership, "rows": rows})


def _holder_row(partnership, role, holder):
    key = holder.user.display_name if holder.user else (holder.name or "Mailbox")
    lines = [holder.mailbox or (holder.user.email if holder.user else "")]
    if holder.agency:
        lines.append(f"For {holder.agency.name}")
    if holder.user and not holder.user.is_active:
        lines.append("Has left")
    who = holder.user.display_name if holder.user else holder.mailbox
    return {
        "key": key,
        "value": "\n".join(lines),
        "post": url("remove-holder", partnership, holder.pk),
        "hidden": f"{who} from {role.name}",
    }


def _role(partnership, role_id):
    role = next((r for r in partnership.pathway_entry().pack.roles if r.id == role_id), None)
    if role is None or role.kind == "party":
        raise Http404("Page not found")
    return role


def _holder_form(partnership, role, listed=None):
    def make(data, **kwargs):
        form = RoleHolderForm(data, partnership=partnership, listed=listed, **kwargs)
        if role.kind != "agency":
            del form.fields["agency"]
        return form

    return make


@administration
def add_holder(request, partnership, role_id):
    role = _role(partnership, role_id)
    key = f"holder-{role.id}"
    kept = request.session.get(f"administration:{partnership.slug}:{key}") or {}
    listed = agency_first(
        request, partnership, agencies=access.agencies_of(partnership),
        label="Which agency is the person in?", title=f"Who stands behind {role.name}?",
        back=url("roles", partnership), kept=_agency_of(kept.get("user")) or kept.get("agency"),
        hint="Its people are listed next. For a shared mailbox, choose the agency it belongs to",
    )  # fmt: skip
    if isinstance(listed, HttpResponse):
        return listed
    return adding(
        request,
        partnership,
        key=key,
        make_form=_holder_form(partnership, role, listed),
        title=f"Who stands behind {role.name}?",
        back=url("roles", partnership),
        check_url=url("add-holder-check", partnership, role.id),
    )


def _agency_of(user_pk) -> int | None:
    pk = parse_int(user_pk)
    if pk is None:
        return None
    return User.objects.filter(pk=pk).values_list("agency_id", flat=True).first()


@administration
def add_holder_check(request, partnership, role_id):
    role = _role(partnership, role_id)
    return checking(
        request,
        partnership,
        key=f"holder-{role.id}",
        make_form=_holder_form(partnership, role),
        add=lambda data: operations.assign_role_holder(partnership, request.user, role.id, data),
        title=f"Check who stands behind {role.name}",
        form_url=url("add-holder", partnership, role.id),
        button="Save",
        done=lambda holder: (f"Saved who stands behind {role.name}", url("roles", partnership)),
    )


@administration
def remove_holder(request, partnership, pk):
    holder = one_of(RoleHolder.objects.filter(partnership=partnership), pk)
    role = next((r for r in partnership.pathway_entry().pack.roles if r.id == holder.role_id), None)
    who = holder.user.display_name if holder.user else (holder.name or holder.mailbox)
    return confirmed_removal(
        request,
        partnership,
        title=f"Are you sure you want to remove {who} from "
        f"{role.name if role else holder.role_id}?",
        back=url("roles", partnership),
        remove=lambda: operations.remove_role_holder(holder, partnership, request.user),
        done="Removed",
    )


@administration
def stand_ins(request, partnership):
    pack = partnership.pathway_entry().pack
    names = {r.id: r.name for r in pack.rungs}
    rows = [
        {
            "key": f"{s.agency.name}: {names.get(s.pathway_rung, s.pathway_rung)}",
            "value": s.person.display_name
            + (f", {s.person.agency.name}" if s.person.agency else ""),
            "post": url("remove-stand-in", partnership, s.pk),
            "hidden": f"{s.person.display_name} for {s.agency.name}",
        }
        for s in StandIn.objects.filter(agency__in=access.governed_agencies(partnership))
        .select_related("agency", "person__agency")
        .order_by("agency__name", "pathway_rung")
    ]
    return render(
        request, "administration/stand_ins.html", {"partnership": partnership, "rows": rows}
    )


def _stand_in_form(partnership):
    return lambda data, **kwargs: StandInForm(data, partnership=partnership, **kwargs)


@administration
def add_stand_in(request, partnership):
    """The agency and the rung first (a GET form, so it works without JavaScript), then
    who may stand in there: only they are listed."""
    key = f"administration:{partnership.slug}:stand-in"
    place = StandInForm(
        request.GET if "agency" in request.GET else None, partnership=partnership, place_only=True
    )
    chosen = place.is_bound and place.is_valid()
    if chosen and request.method == "GET":
        request.session.pop(key, None)  # a new choice of agency and rung: list for it
    kept = request.session.get(key)
    if request.method == "GET" and not chosen and not kept:
        return form_page(
            request,
            partnership,
            place,
            title="Add a stand-in",
            back=url("stand-ins", partnership),
            method="get",
            status=400 if place.is_bound else 200,
        )
    return adding(
        request,
        partnership,
        key="stand-in",
        make_form=lambda data, **kwargs: StandInForm(
            data, partnership=partnership, **(kwargs or {"initial": dict(request.GET.items())})
        ),
        title="Add a stand-in",
        back=url("stand-ins", partnership),
        check_url=url("add-stand-in-check", partnership),
    )


@administration
def add_stand_in_check(request, partnership):
    return checking(
        request,
        partnership,
        key="stand-in",
        make_form=_stand_in_form(partnership),
        add=lambda data: operations.add_stand_in(partnership, request.user, data),
        title="Check the stand-in",
        form_url=url("add-stand-in", partnership),
        button="Add the stand-in",
        done=lambda s: ("Stand-in added", url("stand-ins", partnership)),
    )


@administration
def remove_stand_in(request, partnership, pk):
    found = StandIn.objects.filter(agency__in=access.governed_agencies(partnership))
    stand_in = one_of(found.select_related("agency", "person"), pk)
    return confirmed_removal(
        request,
        partnership,
        title=f"Are you sure you want to remove {stand_in.person.display_name} as a stand-in "
        f"for {stand_in.agency.name}?",
        consequence="Until someone else stands in, or joins that rung of the agency's ladder, "
        "a disagreement that needs it cannot climb there.",
        back=url("stand-ins", partnership),
        remove=lambda: operations.remove_stand_in(stand_in, partnership, request.user),
        done="Stand-in removed",
    )
