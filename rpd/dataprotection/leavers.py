"""Pseudonymising staff who have left, once nothing retained still needs their name.

A leaver's name stays while any case they are named in keeps its personal data: a
safeguarding practice review must be able to read who approved a record. Once every
such case has been erased (or they were named in none), their name, addresses and
contact details are replaced with "Former staff member N". The audit chain names actors
by id (ADR 017), so it holds nothing to replace.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q

from rpd.audit import log as audit
from rpd.audit.models import EventText
from rpd.people.models import RoleGrant, User

from .models import Erasure

# Rows that name a person but belong to no case: an administrator's upload of a pathway.
_NOT_ABOUT_A_CASE = {"partnershippathway"}


def _case_path(model, depth: int = 0) -> str | None:
    """The lookup from a row of `model` to its disagreement, following its foreign keys
    (a panel's member: its sitting, the sitting's stage, the stage's case)."""
    if model._meta.model_name == "disagreement":
        return ""
    if depth > 3:
        return None
    for field in model._meta.concrete_fields:
        if not (field.many_to_one or field.one_to_one) or field.related_model is User:
            continue
        onward = _case_path(field.related_model, depth + 1)
        if onward is not None:
            return f"{field.name}__{onward}" if onward else field.name
    return None


def naming_relations() -> list[tuple[type[models.Model], str, str]]:
    """Every (model, field naming a person, path to its case) of the disagreements app."""
    found = []
    for field in User._meta.get_fields(include_hidden=True):
        if not (field.auto_created and not field.concrete and field.one_to_many):
            continue
        model = field.related_model
        if model._meta.app_label != "disagreements":
            continue
        if model._meta.model_name in _NOT_ABOUT_A_CASE:
            continue
        path = _case_path(model)
        if path is None:
            raise LookupError(f"{model.__name__}.{field.field.name}: no way to its case")
        found.append((model, field.field.name, path))
    return found


def named_in_kept_cases(user: User) -> bool:
    """Whether a case that still holds its personal data names `user`."""
    for model, name, path in naming_relations():
        case = f"{path}__pk" if path else "pk"  # a case, or the row is one
        unerased = ~Exists(Erasure.objects.filter(disagreement=OuterRef(case)))
        if model._default_manager.filter(unerased, **{name: user}).exists():
            return True
    return False


def due() -> list[User]:
    """Leavers (deactivated) not yet pseudonymised whom no kept case names."""
    leavers = User.objects.filter(is_active=False).exclude(username__startswith="former-")
    return [u for u in leavers.order_by("pk") if not named_in_kept_cases(u)]


def pseudonymise(user: User, by: User | None = None) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from rpd.notifications.models import CalendarFeed, Notice

    if user.is_active:
        raise ValueError(f"{user.display_name} has not left: deactivate them first")
    addresses = {
        a.lower() for a in [user.email, *user.emailaddress_set.values_list("email", flat=True)] if a
    }
    with transaction.atomic():
        # Their addresses in account events (kept beside the chain, ADR 006): those of
        # their own events, and those typed at a sign-in that failed.
        texts = EventText.objects.filter(
            Q(seq__in=audit.events_for(audit.user_target(user)).values("seq"))
            | Q(name="address", text__in=sorted(addresses))
        )
        gone = [list(key) for key in texts.order_by("seq", "name").values_list("seq", "name")]
        texts.delete()
        user.first_name, user.last_name = "Former", f"staff member {user.pk}"
        user.username, user.email = f"former-{user.pk}", ""
        user.job_title = user.team = user.phone = ""
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        CalendarFeed.objects.filter(user=user).delete()
        RoleGrant.objects.filter(user=user).delete()
        Notice.objects.filter(recipient=user).update(to_address="")
        audit.append(
            action="person.pseudonymised",
            target=audit.user_target(user),
            actor=by,
            data={"texts_erased": gone},
        )
