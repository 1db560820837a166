"""People: who they are, where they sit (agency, rung, line manager), their roles, and
signing off leavers and moving movers once their part in open cases is handed over."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
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
    form_page,
    one_of,
    question,
    url,
)

PAGE_SIZE = 50
SEARCH_CHARS = 100


@administration
def people(request, partnership):
    from rpd.people.invitations import not_signed_in

    everyone = partnership.people().select_related("agency", "rung", "line_manager")
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
    return one_of(partnership.people().select_related("agency", "rung", "line_manager"), pk)


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
    # Each row offers by name only the few who acted on its case and the line manager; the
    # agency's whole list, which may run to thousands, is drawn once, for everything else.
    everyone = people_choices(leavers.listed(person.agency, person, partnership))
    offered = leavers.suggested(items, person, partnership, everyone)
    rest = "The person chosen for everything else"
    first = "Keep it" if may_keep else rest
    rows = []
    for item in items:
        elsewhere = item.disagreement.partnership_id != partnership.pk
        options = ""
        if not elsewhere:
            listed = [("", first)]
            if may_keep:
                listed.append((leavers.REST, rest))
            listed += offered[item.key]
            options = options_html(listed, {str(choices.get(item.key, ""))})
        rows.append(
            {
                "label": f"{item.disagreement.reference}: {item.what}",
                "id": f"item-{item.key}",
                "name": item.key,
                "options": options,
                "error": (errors.get(item.key) or [""])[0],
                "elsewhere": item.disagreement.partnership.name if elsewhere else "",
            }
        )
    if any(not row["elsewhere"] for row in rows):
        rows.append(
            {
                "label": "Who takes over everything else",
                "hint": "Every part above left to the person chosen for everything else.",
                "id": "item-rest",
                "name": leavers.REST,
                "options": options_html(
                    [("", "Choose someone"), *everyone],
                    {str(choices.get(leavers.REST, ""))},
                ),
                "error": (errors.get(leavers.REST) or [""])[0],
                "autocomplete": True,
            }
        )
    return rows


def _hand_over_page(request, partnership, person, *, moving_to: dict | None = None):
    """Who takes over each part `person` holds: before they are signed off, or (with
    `moving_to`, where they move, already chosen and checked) before they move."""
    items = leavers.open_items(person)
    errors: dict = {}
    choices = {item.key: request.POST.get(item.key, "") for item in items}
    choices[leavers.REST] = request.POST.get(leavers.REST, "")
    move = moving_to is not None
    if request.method == "POST":
        given = dict(choices)
        if request.POST.get("bulk") == leavers.LINE_MANAGER:
            given["bulk"] = leavers.LINE_MANAGER
        try:
            if request.POST.get("only"):
                done = leavers.hand_over(person, partnership, request.user, given)
                messages.success(request, f"Handed over {len(done)}")
            elif move:
                leavers.move(person, partnership, request.user, moving_to["data"], given)
                messages.success(request, f"{person.display_name} moved")
            else:
                leavers.deactivate(person, partnership, request.user, given)
                messages.success(request, f"{person.display_name} can no longer sign in")
            return redirect(url("person", partnership, person.pk))
        except operations.Invalid as refused:
            errors = refused.errors
    keys = {item.key for item in items} | {leavers.REST}
    summary = [
        {"text": m, "href": f"#item-{k}" if k in keys else "#main-content"}
        for k, ms in errors.items()
        for m in ms
    ]
    manager = person.line_manager if person.line_manager and person.line_manager.is_active else None
    may_keep = move and not moving_to["leaves_agency"]
    return render(
        request,
        "administration/hand_over.html",
        {
            "partnership": partnership,
            "person": person,
            "moving_to": moving_to,
            "move": move,
            "rows": _item_rows(items, person, partnership, choices, errors, may_keep=may_keep),
            "errors": summary,
            "page_has_errors": bool(errors),
            "manager": manager,
            "bulk": leavers.LINE_MANAGER,
            "governed": access.governs_person(partnership, person),
        },
        status=400 if errors else 200,
    )


def _governed_active(partnership, pk):
    person = _active_person(partnership, pk)
    if not access.governs_person(partnership, person):
        raise Http404("Page not found")
    return person


@administration
def move(request, partnership, pk):
    """Where they move to: which agency first (its own question, so that the next lists
    that agency's rungs and line managers, without JavaScript too), then rung and line
    manager there; then, if they hold a part in an open case, who takes each over
    (`move_hand_over`), one agency's list on each page."""
    person = _governed_active(partnership, pk)
    if request.method == "POST" and "agency" not in request.GET:
        agency = request.POST.get("agency", "")  # sent whole: checked with the rest
    else:
        agency = agency_first(
            request, partnership, agencies=access.governed_agencies(partnership),
            label="Which agency are they moving to?", title="Which agency are they moving to?",
            hint="Choose their own agency to change only their rung or line manager",
            back=url("person", partnership, pk), initial=person.agency_id,
            caption=person.display_name,
        )  # fmt: skip
        if isinstance(agency, HttpResponse):
            return agency
    # Back from the hand-over to change it: what was chosen there; within their own
    # agency, where they are now.
    own = str(agency) == str(person.agency_id)
    initial = {n: request.GET.get(n) or (getattr(person, f"{n}_id") if own else None)
               for n in ("rung", "line_manager")}  # fmt: skip
    there = {"partnership": partnership, "person": person, "only": ("rung", "line_manager")}
    form = PersonForm(None, initial={"agency": agency, **initial}, **there)
    status = 200
    if request.method == "POST":
        form = PersonForm({**request.POST.dict(), "agency": agency}, **there)
        data = {**answers_of(request.POST, form), "agency": agency}
        try:
            leavers.place(person, partnership, data)
            if not leavers.open_items(person):
                leavers.move(person, partnership, request.user, data, {})
                messages.success(request, f"{person.display_name} moved")
                return redirect(url("person", partnership, person.pk))
        except operations.Invalid as refused:
            with_errors(form, refused.errors)
            status = 400
        else:
            place = {name: data.get(name, "") for name in PLACE}
            return redirect(f"{url('move-hand-over', partnership, pk)}?{urlencode(place)}")
    chosen = access.governed_agencies(partnership).filter(pk=parse_int(agency)).first()
    return form_page(
        request,
        partnership,
        form,
        title=f"Their rung and line manager in {chosen.name}"
        if chosen
        else "Where are they moving to?",
        back=url("move", partnership, pk),
        cancel=url("person", partnership, pk),
        caption=person.display_name,
        status=status,
    )


@administration
def move_hand_over(request, partnership, pk):
    """The parts a mover holds, each handed over or (within their agency) kept; where they
    move comes from the question before, and is checked again."""
    person = _governed_active(partnership, pk)
    data = {name: request.GET.get(name, "") for name in PLACE}
    try:
        cleaned = leavers.place(person, partnership, data)
    except operations.Invalid:
        return redirect(url("move", partnership, pk))
    change = f"{url('move', partnership, pk)}?{urlencode(data)}"
    manager = cleaned["line_manager"]
    moving_to = {
        "data": data,
        "leaves_agency": cleaned["agency"].pk != person.agency_id,
        "summary": [
            {"key": "Agency", "value": cleaned["agency"].name, "href": change},
            {
                "key": "Rung",
                "value": cleaned["rung"].title if cleaned["rung"] else "None",
                "href": change,
            },
            {
                "key": "Line manager",
                "value": manager.display_name if manager else "None",
                "href": change,
            },
        ],
    }
    return _hand_over_page(request, partnership, person, moving_to=moving_to)


@administration
def deactivate(request, partnership, pk):
    """Deactivate someone of an agency this partnership governs; for anyone else, hand
    over their part in this partnership's cases only."""
    return _hand_over_page(request, partnership, _active_person(partnership, pk))


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
