"""Every change a partnership's administrator makes, in one place.

Each operation takes the administrator (`by`), what it changes and the input as typed;
it checks that `by` administers that partnership, validates the input through its form
(rpd/administration/forms.py), makes the change and appends its audit event in one
database transaction. Whatever it refuses, it changes nothing, and the refusal names
the field (`Invalid.errors`), so a page, a command or a script shows the same message.

Who stands behind a pack's roles is changed through rpd/people/roles.py (`assign`,
`remove`), which audits it; the operations here wrap it with the same checks. Leavers
and movers, who must hand over their part in open disagreements first, are in
`leavers.py`.
"""

from __future__ import annotations

import datetime

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rpd.audit import log as audit
from rpd.people import roles as pack_roles
from rpd.people.models import (
    PARTNERSHIP_ROLES,
    Agency,
    JoinRequest,
    Membership,
    Partnership,
    Role,
    RoleGrant,
    RoleHolder,
    Rung,
    StandIn,
    User,
)

from . import access, notices
from .forms import (
    PERSON_DETAILS,
    AgencyForm,
    ClosureDayForm,
    JoinAgencyForm,
    JoinDecisionForm,
    PartnershipDetailsForm,
    PersonForm,
    RoleHolderForm,
    RolesForm,
    RungForm,
    StandInForm,
)


class Invalid(ValueError):
    """A change refused: `errors` maps each field at fault to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m}" for f, ms in errors.items() for m in ms))


class NotAdministrator(PermissionError):
    """`by` does not administer the partnership: a page answers "not found"."""


def refuse(field: str, message: str):
    raise Invalid({field: [message]})


def _may(by: User, partnership: Partnership) -> None:
    if not access.administers(by, partnership):
        raise NotAdministrator(f"{by} does not administer {partnership.slug}")


def _governs(by: User, partnership: Partnership, agency: Agency) -> None:
    """`by` administers `partnership`, which governs `agency` (ADR 007, 2026-12-05);
    anything else is "not found" to a page, as another partnership's agency is."""
    _may(by, partnership)
    if not access.governs(partnership, agency):
        raise NotAdministrator(f"{partnership.slug} does not govern agency {agency.pk}")


def _valid(form: forms.Form) -> dict:
    if not form.is_valid():
        raise Invalid({name: list(errors) for name, errors in form.errors.items()})
    return form.cleaned_data


def _record(action: str, target: str, by: User, partnership: Partnership, data: dict) -> None:
    audit.append(action=action, target=target, actor=by, partnership_id=partnership.pk, data=data)


def _target(partnership: Partnership) -> str:
    return f"partnership:{partnership.slug}"


def _agency_target(agency: Agency) -> str:
    return f"agency:{agency.pk}"


def _value(value):
    """A field's value as the audit log keeps it: ids for rows, ISO for dates."""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _apply(obj, cleaned: dict, fields) -> dict:
    """Set `fields` of `obj` from `cleaned`; the changes as {field: [before, after]}."""
    changed = {}
    for name in fields:
        before, after = getattr(obj, name), cleaned[name]
        if before != after:
            changed[name] = [_value(before), _value(after)]
            setattr(obj, name, after)
    return changed


# -- The partnership ------------------------------------------------------------------------

PARTNERSHIP_DETAILS = ("name", "calendar", "reference_prefix")


def change_partnership(
    partnership: Partnership, by: User, data: dict, fields=PARTNERSHIP_DETAILS
) -> dict:
    """Change any of the partnership's name, calendar and reference prefix."""
    _may(by, partnership)
    cleaned = _valid(PartnershipDetailsForm(data, partnership=partnership, only=fields))
    with transaction.atomic():
        changed = _apply(partnership, cleaned, fields)
        if changed:
            partnership.save(update_fields=list(changed))
            _record("partnership.changed", _target(partnership), by, partnership, changed)
    return changed


def add_closure_day(partnership: Partnership, by: User, data: dict) -> datetime.date:
    """A day the partnership is closed: not a working day for any deadline from now on
    (running deadlines keep the dates they were counted on)."""
    _may(by, partnership)
    day = _valid(ClosureDayForm(data, partnership=partnership))["day"]
    with transaction.atomic():
        partnership.closure_days = sorted([*partnership.closure_days, day.isoformat()])
        partnership.save(update_fields=["closure_days"])
        _record(
            "partnership.closure_day_added",
            _target(partnership),
            by,
            partnership,
            {"day": day.isoformat()},
        )
    return day


def remove_closure_day(partnership: Partnership, by: User, day: str) -> None:
    _may(by, partnership)
    if day not in partnership.closure_days:
        refuse("day", f"{str(day)[:20]!r} is not one of {partnership.name}'s closure days")
    with transaction.atomic():
        partnership.closure_days = [d for d in partnership.closure_days if d != day]
        partnership.save(update_fields=["closure_days"])
        _record(
            "partnership.closure_day_removed", _target(partnership), by, partnership, {"day": day}
        )


# -- Agencies and their ladders ---------------------------------------------------------------


def add_agency(partnership: Partnership, by: User, data: dict) -> Agency:
    _may(by, partnership)
    cleaned = _valid(AgencyForm(data, partnership=partnership))
    with transaction.atomic():
        agency = access.add_agency(
            partnership, name=cleaned["name"], type=cleaned["type"], code=cleaned["code"]
        )
        _record(
            "agency.added",
            _agency_target(agency),
            by,
            partnership,
            {"name": agency.name, "type": agency.type, "code": agency.code},
        )
    return agency


def join_agency(partnership: Partnership, by: User | None, data: dict) -> JoinRequest:
    """Ask that an agency another partnership governs (a police force, an ICB) take part
    in this one too. Nothing changes until someone accountable for the agency accepts
    (`decide_join`): its owning partnership's administrators are told by email, and this
    partnership sees only the agency's name meanwhile (ADR 007, 2026-12-05). `by` None is
    the operator's CLI."""
    if by is not None:
        _may(by, partnership)
    agency = _valid(JoinAgencyForm(data, partnership=partnership))["code"]
    with transaction.atomic():
        request = JoinRequest.objects.create(
            agency=agency, partnership=partnership, requested_by=by, requested_at=timezone.now()
        )
        _record(
            "agency.join_requested",
            _agency_target(agency),
            by,
            partnership,
            {"code": agency.code, "request": request.pk, "owner": agency.owner_id},
        )
        notices.join_requested(request)
    return request


def decide_join(request: JoinRequest, by: User | None, data: dict) -> JoinRequest:
    """Accept or decline another partnership's request to be served by an agency, as one
    of the people accountable for it (its owning partnership's administrators; `by` None
    is the operator's CLI). Accepted, the agency serves that partnership from now on,
    with its people and safeguarding leads; declined, nothing changes. Audited either way
    in the owning partnership, and whoever asked is told."""
    agency = request.agency
    if agency.owner_id is None:
        raise NotAdministrator(f"agency {agency.pk} serves no partnership: nobody governs it")
    if by is not None:
        _governs(by, agency.owner, agency)
    outcome = _valid(JoinDecisionForm(data))["decision"]
    with transaction.atomic():
        # Decided once: a second answer (two administrators at once) finds nothing pending.
        fresh = JoinRequest.objects.select_for_update().filter(pk=request.pk, outcome="")
        if not fresh.exists():
            refuse("decision", f"{request.partnership.name}'s request was answered already")
        request.outcome, request.decided_by, request.decided_at = outcome, by, timezone.now()
        request.save(update_fields=["outcome", "decided_by", "decided_at"])
        if outcome == JoinRequest.Outcome.ACCEPTED:
            Membership.objects.get_or_create(partnership=request.partnership, agency=agency)
        _record(
            f"agency.join_{outcome}",
            _agency_target(agency),
            by,
            agency.owner,
            {"code": agency.code, "request": request.pk, "partnership": request.partnership_id},
        )
        notices.join_decided(request)
    return request


def change_agency(
    agency: Agency, partnership: Partnership, by: User, data: dict, fields=("name", "type")
) -> dict:
    """An agency's name or type, by the partnership that governs it. An agency serving
    several partnerships is changed for all of them: its code, the key imports use, stays
    as it is."""
    _governs(by, partnership, agency)
    form = AgencyForm(data, partnership=partnership, only=fields, initial={"pk": agency.pk})
    cleaned = _valid(form)
    with transaction.atomic():
        changed = _apply(agency, cleaned, fields)
        if changed:
            agency.save(update_fields=list(changed))
            _record("agency.changed", _agency_target(agency), by, partnership, changed)
    return changed


def add_rung(agency: Agency, partnership: Partnership, by: User, data: dict) -> Rung:
    """A rung at the top of the agency's ladder."""
    _governs(by, partnership, agency)
    cleaned = _valid(RungForm(data, partnership=partnership))
    with transaction.atomic():
        top = agency.rungs.order_by("-position").values_list("position", flat=True).first()
        rung = Rung.objects.create(
            agency=agency,
            position=(top or 0) + 1,
            title=cleaned["title"],
            pathway_rung=cleaned["pathway_rung"],
        )
        _record(
            "rung.added",
            _agency_target(agency),
            by,
            partnership,
            {"rung": rung.pk, "position": rung.position, "pathway_rung": rung.pathway_rung},
        )
    return rung


def change_rung(
    rung: Rung, partnership: Partnership, by: User, data: dict, fields=("title", "pathway_rung")
) -> dict:
    _governs(by, partnership, rung.agency)
    cleaned = _valid(RungForm(data, partnership=partnership, only=fields))
    with transaction.atomic():
        changed = _apply(rung, cleaned, fields)
        if changed:
            rung.save(update_fields=list(changed))
            _record(
                "rung.changed",
                _agency_target(rung.agency),
                by,
                partnership,
                {"rung": rung.pk, **changed},
            )
    return changed


def remove_rung(rung: Rung, partnership: Partnership, by: User) -> None:
    """Only the top rung, and only with no one on it: the ladder stays unbroken."""
    _governs(by, partnership, rung.agency)
    top = rung.agency.rungs.order_by("-position").first()
    if top is None or top.pk != rung.pk:
        refuse("rung", "Only the top rung of a ladder can be removed")
    on_it = User.objects.filter(rung=rung).count()
    if on_it:
        refuse("rung", f"{on_it} {'person is' if on_it == 1 else 'people are'} on this rung")
    with transaction.atomic():
        data = {"rung": rung.pk, "position": rung.position, "title": rung.title}
        rung.delete()
        _record("rung.removed", _agency_target(rung.agency), by, partnership, data)


# -- People ---------------------------------------------------------------------------------


def _person_in(person: User, partnership: Partnership) -> None:
    if not partnership.people().filter(pk=person.pk).exists():
        raise NotAdministrator(f"person {person.pk} is not in {partnership.slug}")


def _governs_person(person: User, partnership: Partnership) -> None:
    """`person` is in an agency `partnership` governs: their details, address, place,
    agency roles and sign-in are its administrators' to change, no one else's."""
    if not access.governs_person(partnership, person):
        raise NotAdministrator(f"{partnership.slug} does not govern person {person.pk}")


def _username(email: str) -> str:
    # Sign-in is by email; the username only has to be unique and say who it is.
    base, n = email[:140], 1
    name = base
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def add_person(partnership: Partnership, by: User, data: dict) -> User:
    """Register someone: they sign in with their email address (after a password reset,
    or their agency's single sign-on); nobody registers themselves."""
    _may(by, partnership)
    cleaned = _valid(PersonForm(data, partnership=partnership))
    _governs(by, partnership, cleaned["agency"])
    with transaction.atomic():
        person = User(username=_username(cleaned["email"]), **cleaned)
        person.set_unusable_password()
        person.save()
        _record(
            "person.added",
            audit.user_target(person),
            by,
            partnership,
            {name: _value(value) for name, value in cleaned.items()},
        )
    return person


def change_person(
    person: User, partnership: Partnership, by: User, data: dict, fields=PERSON_DETAILS
) -> dict:
    """A person's name, email address, job title, team or phone number."""
    _may(by, partnership)
    _governs_person(person, partnership)
    if not set(fields) <= set(PERSON_DETAILS):
        raise ValueError("agency, rung and line manager change by moving the person")
    cleaned = _valid(PersonForm(data, partnership=partnership, person=person, only=fields))
    with transaction.atomic():
        changed = _apply(person, cleaned, fields)
        if changed:
            person.save(update_fields=list(changed))
            _record("person.changed", audit.user_target(person), by, partnership, changed)
    return changed


def set_roles(person: User, partnership: Partnership, by: User, data: dict) -> dict:
    """The roles a person holds here: exactly those given. Agency roles (practitioner,
    manager, safeguarding lead, senior manager) hold wherever their agency serves, so only
    the partnership governing the agency sets them; the partnership's roles (unit, chair,
    administrator) only in this partnership (ADR 007), so any partnership the person's
    agency serves sets its own. Granting a role that gives sight of cases tells the
    holder by email; the audit event names who granted it."""
    _may(by, partnership)
    _person_in(person, partnership)
    governed = access.governs_person(partnership, person)
    wanted = set(_valid(RolesForm(data, agency_roles=governed))["roles"])
    if not governed:
        # Their agency roles are not this partnership's to give or take: kept as held.
        wanted |= {r for r in person.roles if r not in PARTNERSHIP_ROLES}
    if person.pk == by.pk and Role.ADMINISTRATOR not in wanted:
        refuse("roles", "You cannot remove your own administrator role: ask another administrator")
    with transaction.atomic():
        grants = RoleGrant.objects.filter(user=person).filter(
            Q(partnership__isnull=True) | Q(partnership=partnership)
        )
        held = set(grants.values_list("role", flat=True))
        added, removed = sorted(wanted - held), sorted(held - wanted)
        grants.filter(role__in=removed).delete()
        RoleGrant.objects.bulk_create(
            RoleGrant(
                user=person,
                role=role,
                partnership=partnership if role in PARTNERSHIP_ROLES else None,
            )
            for role in added
        )
        if added or removed:
            _record(
                "person.roles_changed",
                audit.user_target(person),
                by,
                partnership,
                {"added": added, "removed": removed},
            )
        notices.role_granted(person, access.SIGHT_ROLES.intersection(added), partnership, by)
    for cached in (
        "roles",
        "_grants",
        "administered_partnership_ids",
        "overseen_partnership_ids",
        "governed_partnership_ids",
    ):
        person.__dict__.pop(cached, None)
    return {"added": added, "removed": removed}


# -- Who stands behind the pack's roles, and who stands in -------------------------------------


def assign_role_holder(partnership: Partnership, by: User, role_id: str, data: dict) -> RoleHolder:
    _may(by, partnership)
    cleaned = _valid(RoleHolderForm(data, partnership=partnership))
    try:
        return pack_roles.assign(
            partnership,
            role_id,
            by=by,
            user=cleaned["user"],
            mailbox=cleaned["mailbox"],
            name=cleaned["name"],
            agency=cleaned["agency"],
        )
    except pack_roles.RoleHolderError as error:
        refuse(error.field, str(error).split(": ", 1)[1])


def remove_role_holder(holder: RoleHolder, partnership: Partnership, by: User) -> None:
    _may(by, partnership)
    if holder.partnership_id != partnership.pk:
        raise NotAdministrator(f"role holder {holder.pk} is not in {partnership.slug}")
    pack_roles.remove(holder, by=by)


def add_stand_in(partnership: Partnership, by: User, data: dict) -> StandIn:
    """Who acts for an agency on a rung it has no one on (a GP practice's senior manager):
    for an agency this partnership governs, since a stand-in acts for it wherever it
    serves. The person is told, and the audit event names who named them."""
    _may(by, partnership)
    cleaned = _valid(StandInForm(data, partnership=partnership))
    agency, rung, person = cleaned["agency"], cleaned["pathway_rung"], cleaned["person"]
    _governs(by, partnership, agency)
    if StandIn.objects.filter(agency=agency, pathway_rung=rung).exists():
        refuse("pathway_rung", f"{agency.name} already has someone standing in on that rung")
    if person.agency_id == agency.pk:
        refuse("person", f"{person.display_name} is in {agency.name}: put them on its ladder")
    with transaction.atomic():
        stand_in = StandIn.objects.create(agency=agency, pathway_rung=rung, person=person)
        _record(
            "stand_in.added",
            _agency_target(agency),
            by,
            partnership,
            {
                "stand_in": stand_in.pk,
                "pathway_rung": rung,
                "person": person.pk,
            },
        )
        notices.stand_in_named(person, agency.name, rung, by)
    return stand_in


def remove_stand_in(stand_in: StandIn, partnership: Partnership, by: User) -> None:
    _governs(by, partnership, stand_in.agency)
    with transaction.atomic():
        data = {
            "stand_in": stand_in.pk,
            "pathway_rung": stand_in.pathway_rung,
            "person": stand_in.person_id,
        }
        stand_in.delete()
        _record("stand_in.removed", _agency_target(stand_in.agency), by, partnership, data)


def invite(partnership: Partnership, by: User | None, people) -> list:
    """Invite people of the partnership who have not signed in yet (or send their
    invitation again), each audited (rpd/people/invitations.py). `by` None is the command
    line. Refused, inviting nobody, when any of them cannot be invited."""
    from rpd.people import invitations

    if by is not None:
        _may(by, partnership)
    people = list(people)
    # Only the partnership that governs a person's agency invites them (ADR 007): an
    # invitation sets their password.
    theirs = set(
        access.governed_people(partnership)
        .filter(pk__in=[p.pk for p in people])
        .values_list("pk", flat=True)
    )
    if any(p.pk not in theirs for p in people):
        refuse("person", "Choose people of agencies this partnership governs")
    if not people:
        refuse("person", "Everyone has signed in already: there is nobody to invite")
    try:
        return invitations.invite(people, by=by, partnership=partnership)
    except invitations.CannotInvite as error:
        refuse("person", str(error))
