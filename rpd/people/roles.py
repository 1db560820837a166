"""Who stands behind each of the pathway's roles in a partnership.

A pack names its roles (an Implementation Unit, a board chair, an Executive Leadership
Group, an independent professional advisor) and the notices each is sent; a role
reaches nobody until the partnership says who it is here (`RoleHolder`). Notices ask
`holders`; the go-live check asks `unfilled_roles`, so a role with no one behind it is
an error an administrator sees before the first case rather than a notice lost after.

Every change to who holds a role goes through `assign` or `remove`, which audit it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet

from rpd.audit import log as audit
from rpd.pathways.schema import SUBJECT_WORDS, Pack

from .models import Agency, AgencyType, Partnership, Role, RoleHolder, User

# Kinds of role the partnership must fill before go-live. An agency role falls back to
# each agency's safeguarding leads; a party role is whoever the case names.
MUST_HOLD = ("partnership", "independent")


class RoleHolderError(ValueError):
    """A change refused, with the field at fault: `field: message`."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Problem:
    role_id: str
    message: str

    def __str__(self) -> str:
        return f"role {self.role_id!r}: {self.message}"


def _pack(partnership: Partnership) -> Pack:
    return partnership.pathway_entry().pack


def _reaches(holder: RoleHolder) -> bool:
    return bool(holder.mailbox) or (holder.user is not None and holder.user.is_active)


def holders(
    partnership: Partnership, role_id: str, agencies: list[int] | None = None
) -> list[RoleHolder]:
    """The holders of `role_id` in `partnership` who can be reached now.

    With `agencies`, only holders for those agencies or for none (a role of kind
    `agency` held per agency: the designated professional of each agency involved).
    """
    rows = RoleHolder.objects.filter(partnership=partnership, role_id=role_id).select_related(
        "user", "agency"
    )
    return [h for h in rows if _reaches(h) and _serves(h, agencies)]


def _serves(holder: RoleHolder, agencies: list[int] | None) -> bool:
    """Whether `holder` holds their role for one of `agencies` (None: any), or for none."""
    return agencies is None or holder.agency_id is None or holder.agency_id in agencies


def safeguarding_leads(agency_ids) -> list[User]:
    return list(
        User.objects.filter(
            agency_id__in=list(agency_ids),
            role_grants__role=Role.SAFEGUARDING_LEAD,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def holding(partnership_id: int, roles) -> QuerySet[User]:
    """The active people who hold any of these partnership roles in one partnership: its
    administrators (told of join requests, of people with no address), its unit and chair
    (told of learning suggested)."""
    return User.objects.filter(
        role_grants__role__in=list(roles),
        role_grants__partnership_id=partnership_id,
        is_active=True,
    ).distinct()


def unfilled_roles(partnership: Partnership, pack: Pack | None = None) -> list[Problem]:
    """Every pack role with no one behind it in `partnership`: empty means ready."""
    pack = pack or _pack(partnership)
    # Every holder and every safeguarding lead of the partnership, read once and asked as
    # `holders` and `safeguarding_leads` ask: a query for each role and for each agency
    # made the administration's home page thirty.
    reached = [
        h
        for h in RoleHolder.objects.filter(partnership=partnership).select_related("user")
        if _reaches(h)
    ]
    agencies = []
    if any(role.kind == "agency" for role in pack.roles):
        agencies = list(
            Agency.objects.filter(partnerships=partnership).exclude(type=AgencyType.PARTNERSHIP)
        )
    led = {lead.agency_id for lead in safeguarding_leads(a.pk for a in agencies)}
    problems = []
    for role in pack.roles:
        held = [h for h in reached if h.role_id == role.id]
        if role.kind in MUST_HOLD:
            if not held:
                problems.append(
                    Problem(
                        role.id,
                        f"no one stands behind {role.name!r}{_duties(pack, role.id)}: name a "
                        "person or a mailbox before go-live, or its notices reach nobody",
                    )
                )
        elif role.kind == "agency":
            for agency in agencies:
                if agency.pk not in led and not any(_serves(h, [agency.pk]) for h in held):
                    problems.append(
                        Problem(
                            role.id,
                            f"{agency.name} has no one as {role.name!r} and no safeguarding "
                            "lead to stand in",
                        )
                    )
    return problems


def _duties(pack: Pack, role_id: str) -> str:
    """ ", who leads stage 4 for an adult at risk and receives the Referral": what a role
    with no one behind it would leave undone, where the pack gives it a stage or a form
    (for one kind of subject only where the pack says so)."""

    def kinds(pick) -> list[str]:
        return [kind for kind in SUBJECT_WORDS if pick(kind) == role_id]

    def only(found: list[str]) -> str:
        return f" for {SUBJECT_WORDS[found[0]]}" if len(found) == 1 else ""

    duties = [
        f"leads stage {stage.number}{only(found)}"
        for stage in pack.stages
        if (found := kinds(stage.lead_for))
    ]
    duties += [
        f"receives the {form.name}{only(found)}"
        for form in pack.forms
        if (found := kinds(form.recipient_for))
    ]
    return f", who {' and '.join(duties)}" if duties else ""


def _check(partnership, role_id, user, mailbox, agency) -> None:
    pack = _pack(partnership)
    known = {r.id: r for r in pack.roles}
    if role_id not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise RoleHolderError("role_id", f"{role_id!r} is not a role of {pack.id} ({listed})")
    if user is None and not mailbox:
        raise RoleHolderError("user", "name a person or a mailbox")
    if user is not None and not user.is_active:
        raise RoleHolderError("user", f"{user.display_name} has left")
    if mailbox:
        try:
            validate_email(mailbox)
        except ValidationError:
            raise RoleHolderError("mailbox", f"{mailbox!r} is not an email address") from None
    if agency is not None:
        if known[role_id].kind != "agency":
            raise RoleHolderError(
                "agency", f"{role_id!r} is a {known[role_id].kind} role, held for no one agency"
            )
        if not agency.memberships.filter(partnership=partnership).exists():
            raise RoleHolderError("agency", f"{agency.name} is not in {partnership.name}")


def assign(
    partnership: Partnership,
    role_id: str,
    *,
    by: User | None,
    user: User | None = None,
    mailbox: str = "",
    name: str = "",
    agency: Agency | None = None,
) -> RoleHolder:
    """Put a person and/or a mailbox behind `role_id` in `partnership`, audited."""
    mailbox = (mailbox or "").strip().lower()
    _check(partnership, role_id, user, mailbox, agency)
    with transaction.atomic():
        holder = RoleHolder.objects.create(
            partnership=partnership,
            role_id=role_id,
            user=user,
            mailbox=mailbox,
            name=name,
            agency=agency,
        )
        audit.append(
            action="role_holder.assigned",
            target=f"partnership:{partnership.slug}/role:{role_id}",
            actor=by,
            partnership_id=partnership.pk,
            data={
                "holder": holder.pk,
                "user": user.pk if user else None,
                "mailbox": mailbox,
                "agency": agency.pk if agency else None,
            },
        )
    return holder


def remove(holder: RoleHolder, *, by: User | None) -> None:
    data = {"holder": holder.pk, "user": holder.user_id, "mailbox": holder.mailbox}
    with transaction.atomic():
        holder.delete()
        audit.append(
            action="role_holder.removed",
            target=f"partnership:{holder.partnership.slug}/role:{holder.role_id}",
            actor=by,
            partnership_id=holder.partnership_id,
            data=data,
        )
