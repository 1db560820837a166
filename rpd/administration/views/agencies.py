"""Agencies: their type, safeguarding leads and management ladder on the pathway's rungs."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rpd.people.models import AgencyType, Role, Rung, StandIn, User
from rpd.templatetags.govuk import visually_hidden

from .. import access, operations
from ..forms import AgencyForm, JoinAgencyForm, JoinDecisionForm, RungForm
from .common import adding, administration, checking, form_page, one_of, question, refusals, url


@administration
def agencies(request, partnership):
    rows = access.agencies_of(partnership).annotate(rung_count=Count("rungs", distinct=True))
    leads = {}
    for user in User.objects.filter(
        agency__in=rows, role_grants__role=Role.SAFEGUARDING_LEAD, is_active=True
    ).order_by("last_name"):
        leads.setdefault(user.agency_id, []).append(user.display_name)
    rows = rows.select_related("owner")
    table = [
        [
            {"text": agency.name, "href": url("agency", partnership, agency.pk)},
            agency.get_type_display(),
            "This partnership" if agency.owner_id == partnership.pk else agency.owner.name,
            ", ".join(leads.get(agency.pk, [])) or "None",
            agency.rung_count,
        ]
        for agency in rows
    ]
    # Requests to join our agencies, to answer; ours to join others', of which only the
    # agency's name shows until accepted (ADR 007, 2026-12-05).
    asked = [
        {
            "key": f"{r.partnership.name} asks to join {r.agency.name}",
            "value": f"Asked {r.requested_at:%-d %B %Y}",
            "href": url("join-request", partnership, r.pk),
            "action": "Answer",
            "hidden": f" the request from {r.partnership.name}",
        }
        for r in access.pending_requests_to(partnership)
    ]
    waiting = [r.agency.name for r in access.pending_requests_from(partnership)]
    return render(
        request,
        "administration/agencies.html",
        {
            "partnership": partnership,
            "table": {
                "head": ["Agency", "Type", "Governed by", "Safeguarding leads", "Rungs"],
                "rows": table,
                "caption": f"{len(table)} agenc{'y' if len(table) == 1 else 'ies'}",
                "numeric": [4],
            },
            "asked": asked,
            "waiting": waiting,
        },
    )


@administration
def join_agency(request, partnership):
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: JoinAgencyForm(data, partnership=partnership),
        change=lambda data: operations.join_agency(partnership, request.user, data),
        title="Ask to be served by an agency another partnership governs",
        back=url("agencies", partnership),
        done="Request sent: the agency's partnership is asked to accept it",
    )


@administration
def join_request(request, partnership, pk):
    """Accept or decline another partnership's request to join an agency we govern."""
    asked = one_of(access.pending_requests_to(partnership), pk)
    title = f"{asked.partnership.name} asks to be served by {asked.agency.name}"

    def make_form(data, **kwargs):
        form = JoinDecisionForm(data)
        form.fields["decision"].label = title
        form.fields["decision"].help_text = (
            f"Accepting lets {asked.agency.name}'s people raise and receive "
            f"{asked.partnership.name}'s disagreements, and its safeguarding leads see them. "
            f"{partnership.name} alone still changes its name, ladder, people and roles."
        )
        return form

    return question(
        request,
        partnership,
        make_form=make_form,
        change=lambda data: operations.decide_join(asked, request.user, data),
        title=title,
        caption=asked.agency.name,
        back=url("agencies", partnership),
        done="Answered",
    )


def _agency_form(partnership):
    return lambda data, **kwargs: AgencyForm(data, partnership=partnership, **kwargs)


@administration
def add_agency(request, partnership):
    return adding(
        request,
        partnership,
        key="agency",
        make_form=_agency_form(partnership),
        title="Add an agency",
        back=url("agencies", partnership),
        check_url=url("add-agency-check", partnership),
    )


@administration
def add_agency_check(request, partnership):
    return checking(
        request,
        partnership,
        key="agency",
        make_form=_agency_form(partnership),
        add=lambda data: operations.add_agency(partnership, request.user, data),
        title="Check the agency's details",
        form_url=url("add-agency", partnership),
        button="Add the agency",
        done=lambda agency: (f"{agency.name} added", url("agency", partnership, agency.pk)),
    )


@administration
def agency(request, partnership, pk):
    agency = one_of(access.agencies_of(partnership).select_related("owner"), pk)
    governed = access.governs(partnership, agency)
    on_rung = dict(
        User.objects.filter(rung__agency=agency, is_active=True)
        .values_list("rung")
        .annotate(n=Count("pk"))
    )
    pack = partnership.pathway_entry().pack
    names = {r.id: r.name for r in pack.rungs}
    ladder = [
        {
            "rung": rung,
            "pathway_rung": names.get(rung.pathway_rung)
            or f"{rung.pathway_rung} (not in the pathway)",
            "people": on_rung.get(rung.pk, 0),
            "href": url("rung", partnership, agency.pk, rung.pk),
        }
        for rung in agency.rungs.order_by("position")
    ]
    held = {row["rung"].pathway_rung for row in ladder if row["people"]}
    stood = {
        s.pathway_rung: s for s in StandIn.objects.filter(agency=agency).select_related("person")
    }
    gaps = [
        {"name": r.name, "stand_in": stood[r.id].person.display_name if r.id in stood else ""}
        for r in pack.rungs
        if r.id not in held
    ]
    leads = User.objects.filter(
        agency=agency, role_grants__role=Role.SAFEGUARDING_LEAD, is_active=True
    ).order_by("last_name")
    rows = [
        {
            "key": "Name",
            "value": agency.name,
            "href": url("agency-field", partnership, agency.pk, "name") if governed else "",
        },
        {
            "key": "Type",
            "value": agency.get_type_display(),
            "href": url("agency-field", partnership, agency.pk, "type") if governed else "",
        },
        {"key": "Code", "value": agency.code},
        {"key": "Governed by", "value": agency.owner.name if agency.owner_id else "No one"},
        {
            "key": "Partnerships it serves",
            "value": ", ".join(agency.partnerships.order_by("name").values_list("name", flat=True)),
        },
    ]
    return render(
        request,
        "administration/agency.html",
        {
            "partnership": partnership,
            "agency": agency,
            "rows": rows,
            "ladder": {
                "head": ["Position", "Title", "Pathway rung", "People", visually_hidden("Change")],
                "rows": [
                    [
                        row["rung"].position,
                        row["rung"].title,
                        row["pathway_rung"],
                        row["people"],
                        {
                            "text": "Change",
                            "href": row["href"],
                            "hidden": f" rung {row['rung'].position}, {row['rung'].title}",
                        }
                        if governed
                        else "",
                    ]
                    for row in ladder
                ],
                "numeric": [0, 3],
            },
            "gaps": gaps,
            "leads": [(p, url("person", partnership, p.pk)) for p in leads],
            "is_partnership": agency.type == AgencyType.PARTNERSHIP,
            "governed": governed,
        },
    )


@administration
def agency_field(request, partnership, pk, field):
    agency = one_of(access.governed_agencies(partnership), pk)
    if field not in ("name", "type"):
        raise Http404("Page not found")
    label = AgencyForm.base_fields[field].label
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: AgencyForm(
            data,
            partnership=partnership,
            only=(field,),
            initial={"pk": agency.pk, field: getattr(agency, field)},
        ),
        change=lambda data: operations.change_agency(
            agency, partnership, request.user, data, fields=(field,)
        ),
        title=label,
        caption=agency.name,
        back=url("agency", partnership, agency.pk),
        done=f"{label} saved",
    )


@administration
def add_rung(request, partnership, pk):
    agency = one_of(access.governed_agencies(partnership), pk)
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: RungForm(data, partnership=partnership),
        change=lambda data: operations.add_rung(agency, partnership, request.user, data),
        title="Add a rung at the top of the ladder",
        caption=agency.name,
        back=url("agency", partnership, agency.pk),
        done="Rung added",
    )


def _rung(partnership, pk, rung_pk) -> Rung:
    agency = one_of(access.governed_agencies(partnership), pk)
    return one_of(Rung.objects.filter(agency=agency).select_related("agency"), rung_pk)


@administration
def rung(request, partnership, pk, rung_pk):
    rung = _rung(partnership, pk, rung_pk)
    initial = {"title": rung.title, "pathway_rung": rung.pathway_rung}
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: RungForm(data, partnership=partnership, initial=initial),
        change=lambda data: operations.change_rung(rung, partnership, request.user, data),
        title=f"Rung {rung.position}",
        caption=rung.agency.name,
        back=url("agency", partnership, pk),
        done="Rung saved",
        remove=url("remove-rung", partnership, pk, rung.pk),
    )


@require_POST
@administration
def remove_rung(request, partnership, pk, rung_pk):
    rung = _rung(partnership, pk, rung_pk)
    try:
        operations.remove_rung(rung, partnership, request.user)
    except operations.Invalid as refused:
        initial = {"title": rung.title, "pathway_rung": rung.pathway_rung}
        form = RungForm(None, partnership=partnership, initial=initial)
        return form_page(
            request,
            partnership,
            form,
            title=f"Rung {rung.position}",
            caption=rung.agency.name,
            back=url("agency", partnership, pk),
            status=400,
            remove=url("remove-rung", partnership, pk, rung.pk),
            errors=refusals(refused),
        )
    messages.success(request, "Rung removed")
    return redirect(url("agency", partnership, pk))
