"""People: who they are, where they sit (agency, rung, line manager), their roles, and
signing off leavers and moving movers once their part in open cases is handed over."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from rpd.disagreements.fields import options_html, people_choices, person_label
from rpd.disagreements.views.common import parse_int, with_errors
from rpd.people.models import Role

from .. import access, leavers, operations
from ..forms import PERSON_DETAILS, PLACE, PersonForm, RolesForm
from .common import (
    adding,
    administration,
    agency_first,
    answers_of,
    checking,
    one_of,
    question,
    url,
)

PAGE_SIZE = 50
SEARCH_CHARS = 100


@administration
def people(request, partnership):
    from rpd.people.invitations import not_signed_in

    everyone = access.people_of(partnership).select_related("agency", "rung", "line_manager")
    agencies = access.agencies_of(partnership)
    chosen = parse_int(request.GET.get("agency"))
    if chosen is not None:
        everyone = everyone.filter(agency_id=chosen)
    waiting = request.GET.get("signed-in") == "no"
    if waiting:
        everyone = everyone.filter(last_login__isnull=True)
    q = request.GET.get("q", "")[:SEARCH_CHARS].replace("\x00", "").strip()
    for word in q.split()[:5]:
        everyone = everyone.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    page = Paginator(
        everyone.prefetch_related("role_grants").order_by(
            "-is_active", "last_name", "first_name", "pk"
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    labels = dict(Role.choices)
    rows = [
        [
            [
                {"text": p.display_name, "href": url("person", partnership, p.pk)},
                *([] if p.is_active else [{"text": "Left", "tag": "grey"}]),
                *(
                    [{"text": "Not signed in yet", "tag": "yellow"}]
                    if p.is_active and p.last_login is None
                    else []
                ),
            ],
            p.agency.name if p.agency else "None",
            p.rung.title if p.rung else "None",
            p.line_manager.display_name if p.line_manager else "None",
            ", ".join(sorted(labels[r] for r in p.roles_in(partnership.pk))) or "None",
        ]
        for p in page
    ]
    count = page.paginator.count
    return render(
        request,
        "administration/people.html",
        {
            "partnership": partnership,
            "head": ["Name", "Agency", "Rung", "Line manager", "Roles"],
            "rows": rows,
            "caption": f"{count} {'person' if count == 1 else 'people'}",
            "page_obj": page,
            "agencies": agencies,
            "chosen": chosen,
            "q": q,
            "waiting": waiting,
            "to_invite": not_signed_in(access.governed_people(partnership)).count(),
            "invitation_days": settings.RPD_INVITATION_DAYS,
        },
    )


def _person_form(partnership, person=None, only=None, agency=None):
    """`agency`: the one chosen first, when adding someone (its rungs and managers listed)."""

    def make(data, **kwargs):
        if agency is not None:
            kwargs.setdefault("initial", {"agency": agency})
        return PersonForm(data, partnership=partnership, person=person, only=only, **kwargs)

    return make


@administration
def add_person(request, partnership):
    kept = request.session.get(f"administration:{partnership.slug}:person") or {}
    agency = agency_first(
        request, partnership, agencies=access.governed_agencies(partnership),
        label="Which agency are they in?", title="Add a person",
        back=url("people", partnership), kept=kept.get("agency"),
    )  # fmt: skip
    if isinstance(agency, HttpResponse):
        return agency
    return adding(
        request,
        partnership,
        key="person",
        make_form=_person_form(partnership, agency=agency),
        title="Add a person",
        back=url("people", partnership),
        check_url=url("add-person-check", partnership),
    )


@administration
def add_person_check(request, partnership):
    return checking(
        request,
        partnership,
        key="person",
        make_form=_person_form(partnership),
        add=lambda data: operations.add_person(partnership, request.user, data),
        title="Check their details",
        form_url=url("add-person", partnership),
        button="Add the person",
        done=lambda p: (f"{p.display_name} added", url("person", partnership, p.pk)),
    )


def _person(partnership, pk):
    return one_of(
        access.people_of(partnership).select_related("agency", "rung", "line_manager"), pk
    )


FIELD_SLUGS = {name.replace("_", "-"): name for name in PERSON_DETAILS}


@administration
def person(request, partnership, pk):
    person = _person(partnership, pk)
    labels = dict(Role.choices)
    # Someone of an agency another partnership governs: only this partnership's own
    # roles and hand-overs of its cases are changed here (ADR 007, 2026-12-05).
    governed = access.governs_person(partnership, person)
    changes = person.is_active and governed

    def row(name, value):
        label = PersonForm.base_fields[name].label
        href = url("person-field", partnership, pk, name.replace("_", "-"))
        shown = {"key": label, "value": value or "Not given"}
        return {**shown, "href": href if changes else ""}

    details = [row(name, getattr(person, name)) for name in PERSON_DETAILS]
    held = person.roles_in(partnership.pk)
    move_href = url("move", partnership, pk) if changes else ""
    place = [
        {
            "key": "Agency",
            "value": person.agency.name if person.agency else "None",
            "href": move_href,
        },
        {"key": "Rung", "value": person.rung.title if person.rung else "None", "href": move_href},
        {
            "key": "Line manager",
            "value": person_label(person.line_manager) if person.line_manager else "None",
            "href": move_href,
        },
        {
            "key": "Roles",
            "value": ", ".join(sorted(labels[r] for r in held)) or "None",
            "href": url("roles-of", partnership, pk) if person.is_active else "",
        },
    ]
    return render(
        request,
        "administration/person.html",
        {
            "partnership": partnership,
            "person": person,
            "details": details,
            "place": place,
            "items": leavers.open_items(person) if person.is_active else [],
            "governed": governed,
            "owner": person.agency.owner if person.agency_id else None,
            "may_invite": access.may_invite(partnership, person),
            "invited": person.invitations.order_by("-sent_at").first(),
        },
    )


def _governed_person(partnership, pk):
    """Someone in an agency this partnership governs, or "not found"."""
    return one_of(
        access.governed_people(partnership).select_related("agency", "rung", "line_manager"), pk
    )


@administration
def person_field(request, partnership, pk, field):
    person = _governed_person(partnership, pk)
    name = FIELD_SLUGS.get(field)
    if name is None or not person.is_active:
        raise Http404("Page not found")
    label = PersonForm.base_fields[name].label
    make = _person_form(partnership, person, only=(name,))
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: make(data, initial={name: getattr(person, name)}),
        change=lambda data: operations.change_person(
            person, partnership, request.user, data, fields=(name,)
        ),
        title=label,
        caption=person.display_name,
        back=url("person", partnership, pk),
        done=f"{label} saved",
    )


@administration
def roles_of(request, partnership, pk):
    person = _person(partnership, pk)
    if not person.is_active:
        raise Http404("Page not found")
    held = person.roles_in(partnership.pk)
    governed = access.governs_person(partnership, person)
    return question(
        request,
        partnership,
        make_form=lambda data, **kw: RolesForm(
            data, agency_roles=governed, initial={"roles": sorted(held)}
        ),
        change=lambda data: operations.set_roles(person, partnership, request.user, data),
        title="Which roles do they hold?",
        caption=person.display_name,
        back=url("person", partnership, pk),
        done="Roles saved",
    )


def _item_rows(items, person, partnership, choices: dict, errors: dict, may_keep: bool):
    # Each agency's list is read and drawn once, however many rows list it: a leaver may
    # hold twenty parts, and an agency have thousands of people.
    drawn: dict[int | None, str] = {}
    rows = []
    for item in items:
        elsewhere = item.disagreement.partnership_id != partnership.pk
        options = ""
        if not elsewhere:
            agency = leavers.listed_agency(item, person)
            key = agency.pk if agency is not None else None
            if key not in drawn:
                people = leavers.listed(agency, person, partnership)
                drawn[key] = options_html(people_choices(people))
            options = drawn[key]
        chosen = str(choices.get(item.key, ""))
        if chosen.isdigit():
            options = options.replace(f'value="{chosen}">', f'value="{chosen}" selected>', 1)
        rows.append(
            {
                "item": item,
                "id": f"item-{item.key}",
                "name": item.key,
                "options": mark_safe(options),
                "error": (errors.get(item.key) or [""])[0],
                "may_keep": may_keep,
                "elsewhere": item.disagreement.partnership.name if elsewhere else "",
            }
        )
    return rows


def _hand_over_page(request, partnership, person, *, move: bool):
    items = leavers.open_items(person)
    errors: dict = {}
    choices = {item.key: request.POST.get(item.key, "") for item in items}
    form = PersonForm(
        None,
        partnership=partnership,
        person=person,
        only=PLACE,
        initial={n: getattr(person, f"{n}_id") for n in PLACE},
    ) if move else None  # fmt: skip
    if request.method == "POST":
        given = dict(choices)
        if request.POST.get("bulk") == leavers.LINE_MANAGER:
            given["bulk"] = leavers.LINE_MANAGER
        try:
            if request.POST.get("only"):
                done = leavers.hand_over(person, partnership, request.user, given)
                messages.success(request, f"Handed over {len(done)}")
                return redirect(url("person", partnership, person.pk))
            if move:
                data = answers_of(request.POST, form)
                form = PersonForm(data, partnership=partnership, person=person, only=PLACE)
                leavers.move(person, partnership, request.user, data, given)
                messages.success(request, f"{person.display_name} moved")
            else:
                leavers.deactivate(person, partnership, request.user, given)
                messages.success(request, f"{person.display_name} can no longer sign in")
            return redirect(url("person", partnership, person.pk))
        except operations.Invalid as refused:
            errors = refused.errors
            if form is not None:
                with_errors(form, {k: v for k, v in errors.items() if k in PLACE})
    keys = {item.key for item in items}
    summary = [
        {"text": m, "href": f"#item-{k}" if k in keys else "#main-content"}
        for k, ms in errors.items()
        if k not in PLACE
        for m in ms
    ]
    manager = person.line_manager if person.line_manager and person.line_manager.is_active else None
    return render(
        request,
        "administration/hand_over.html",
        {
            "partnership": partnership,
            "person": person,
            "form": form,
            "move": move,
            "rows": _item_rows(items, person, partnership, choices, errors, may_keep=move),
            "errors": summary,
            "page_has_errors": bool(errors),
            "manager": manager,
            "bulk": leavers.LINE_MANAGER,
            "governed": access.governs_person(partnership, person),
        },
        status=400 if errors else 200,
    )


@administration
def move(request, partnership, pk):
    person = _active_person(partnership, pk)
    if not access.governs_person(partnership, person):
        raise Http404("Page not found")
    return _hand_over_page(request, partnership, person, move=True)


@administration
def deactivate(request, partnership, pk):
    """Deactivate someone of an agency this partnership governs; for anyone else, hand
    over their part in this partnership's cases only."""
    return _hand_over_page(request, partnership, _active_person(partnership, pk), move=False)


def _active_person(partnership, pk):
    """Someone still active here; a leaver has nothing left to move or sign off."""
    person = _person(partnership, pk)
    if not person.is_active:
        raise Http404("Page not found")
    return person


@require_POST
@administration
def reactivate(request, partnership, pk):
    person = _governed_person(partnership, pk)
    try:
        leavers.reactivate(person, partnership, request.user)
    except operations.Invalid:
        pass  # already back: the person's page says so
    else:
        messages.success(request, f"{person.display_name} can sign in again")
    return redirect(url("person", partnership, pk))


@administration
@require_POST
def invite(request, partnership):
    """Invite one person, the people an import created, or everyone not yet signed in."""
    from rpd.people.invitations import not_signed_in

    everyone = access.governed_people(partnership)
    if request.POST.get("everyone") == "not-signed-in":
        chosen = not_signed_in(everyone)
    else:
        ids = [i for i in (parse_int(v) for v in request.POST.getlist("person")) if i is not None]
        chosen = everyone.filter(pk__in=ids[:5000])
    back = request.POST.get("back") or url("people", partnership)
    if not back.startswith(url("home", partnership)):
        back = url("people", partnership)
    try:
        sent = operations.invite(partnership, request.user, chosen)
    except operations.Invalid as error:
        for message in error.errors.get("person", []):
            messages.error(request, message)
        return redirect(back)
    count = len(sent)
    messages.success(
        request,
        f"Invitation sent to {sent[0].person.display_name}"
        if count == 1
        else f"Invitations sent to {count} people",
    )
    return redirect(back)
