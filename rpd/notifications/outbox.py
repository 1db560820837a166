"""Writing notices into the outbox, inside the caller's transaction.

Bodies are rendered when the notice is written, so what was sent is what
the change said at the time. They carry the disagreement's reference, stage,
dates and agencies, and a link: never the subject's name, special-category
data or any free text written about the case (a summary, an outcome, a reason,
an action's wording), which stay behind the sign-in.

That is enforced here rather than trusted to each template: a template's
context holds only facts (`Case`, the pack's `Stage`, dates, numbers and the
sentences the notices compose from them), never a model instance, so no
template can reach `disagreement.summary` or `resolution.next_steps`.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from rpd.pathways.schema import Stage
from rpd.people.addresses import notice_address

from .models import Kind, Notice, Status
from .preferences import may_be_held, preferences_token, prefers_digest

logger = logging.getLogger(__name__)


def link(path: str) -> str:
    return settings.RPD_BASE_URL.rstrip("/") + path


def disagreement_link(disagreement) -> str:
    return link(f"/disagreements/{disagreement.pk}/")


def form_link(disagreement, form_id: str) -> str:
    """The page of a disagreement's partnership form (its versions, for those who may)."""
    return link(f"/disagreements/{disagreement.pk}/forms/{form_id}/")


@dataclass(frozen=True)
class Case:
    """All an email may say about a disagreement itself."""

    reference: str
    raising_agency: str
    receiving_agency: str
    # The raiser's "This is urgent": a fact the other side most needs first (never why).
    urgent: bool = False


def case_facts(disagreement) -> Case:
    return Case(
        disagreement.reference,
        disagreement.raising_agency.name,
        disagreement.receiving_agency.name,
        disagreement.urgent,
    )


FACTS = (str, int, float, datetime.date, type(None), Case, Stage)


def only_facts(context: dict) -> None:
    """Refuse a context that carries anything but facts (a model instance above all)."""

    def check(name, value):
        if isinstance(value, list | tuple):
            for item in value:
                check(name, item)
        elif isinstance(value, dict):
            for key, item in value.items():
                check(f"{name}.{key}", item)
        elif not isinstance(value, FACTS):
            raise TypeError(
                f"an email's context holds only facts; {name!r} is a {type(value).__name__}"
            )

    for name, value in context.items():
        check(name, value)


def queue(
    *,
    partnership,
    kind: str,
    subject: str,
    template: str,
    context: dict,
    to_user=None,
    to_address: str | None = None,
    disagreement=None,
    dedupe_key: str | None = None,
    at: datetime.datetime | None = None,
    urgent: bool = False,
) -> Notice | None:
    """Write one notice; None when its dedupe key says it was written before.

    An `urgent` notice (a deadline due immediately) is never held for a daily digest."""
    # A person is written to at their address of record, never at an address they claimed
    # and have not verified (rpd/people/addresses.py).
    address = to_address or notice_address(to_user)
    at = at or timezone.now()
    if not address:
        # Nothing to send and nothing to retry; but the person is missing what the
        # process says they must be told, so the partnership's administrators hear of it.
        if to_user is not None and kind != Kind.NO_ADDRESS:
            tell_administrators(partnership, to_user, at)
        return None
    only_facts(context)
    context = {
        "subject": subject,
        "link": disagreement_link(disagreement) if disagreement is not None else link("/"),
        "case": case_facts(disagreement) if disagreement is not None else None,
        "preferences_link": (
            link(f"/notices/preferences/{preferences_token(to_user)}/") if to_user else ""
        ),
        **context,
    }
    body_text = render_to_string(f"notifications/{template}.txt", context)
    body_html = render_to_string(
        "notifications/email.html",
        {**context, "body": render_to_string(f"notifications/{template}.html", context)},
    )
    # The digest itself is what a digest user waits for; checked first, the preference
    # query is spent only on notices that could be held.
    held = not urgent and kind != Kind.DIGEST and may_be_held(kind) and prefers_digest(to_user)
    notice = Notice(
        partnership=partnership,
        disagreement=disagreement,
        kind=kind,
        recipient=to_user,
        to_address=address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        dedupe_key=dedupe_key,
        status=Status.HELD if held else Status.PENDING,
        next_attempt_at=at,
        created_at=at,
    )
    if dedupe_key is None:
        notice.save()
        return notice
    try:
        # A savepoint, so a duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        return None
    return notice


def tell_administrators(partnership, person, at: datetime.datetime) -> int:
    """Tell the partnership's administrators, once each, that `person` has no email
    address; name the person, never the case. Returns how many were told."""
    from rpd.people import roles
    from rpd.people.models import Role

    # A notice that belongs to no partnership's case (an account notice) goes to whoever
    # governs the person's agency: only they can give the person an address (ADR 007).
    if partnership is None and person.agency_id:
        partnership = person.agency.owner
    if partnership is None:
        logger.warning("%s has no email address; no partnership governs them", person.username)
        return 0
    administrators = roles.holding(partnership.pk, [Role.ADMINISTRATOR]).exclude(email="")
    told = 0
    for administrator in administrators:
        named = person.display_name + (f", {person.job_title}" if person.job_title else "")
        if person.agency_id:
            named += f", {person.agency.name}"
        notice = queue(
            partnership=partnership,
            kind=Kind.NO_ADDRESS,
            to_user=administrator,
            subject=f"{person.display_name} has no email address",
            template="no_address",
            context={"named": named, "username": person.username},
            dedupe_key=f"no-address:{person.pk}:u{administrator.pk}",
            at=at,
        )
        told += notice is not None
    if not told:
        logger.warning("%s has no email address; no administrator was told", person.username)
    return told


def queue_account_notice(
    *, to_address: str, subject: str, body_text: str, to_user=None
) -> Notice | None:
    """A sign-in notice (a password reset link, a second factor changed): sent straight
    away whatever the person's digest choice, and belonging to no partnership's cases."""
    notice = account_notice(
        to_address=to_address, subject=subject, body_text=body_text, to_user=to_user
    )
    if notice is not None:
        notice.save()
    return notice


def account_notice(*, to_address: str, subject: str, body_text: str, to_user=None):
    """`queue_account_notice`'s notice, not yet saved: for writing many in bulk."""
    if not to_address:
        return None
    now = timezone.now()
    return Notice(
        partnership=None,  # a person's account, in no one partnership (ADR 007)
        kind=Kind.ACCOUNT,
        recipient=to_user,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=render_to_string(
            "notifications/account.html", {"subject": subject, "body_text": body_text}
        ),
        status=Status.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
