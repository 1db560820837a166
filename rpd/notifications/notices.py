"""Who is told what when a disagreement changes: written in the change's transaction.

The transitions module calls `after_transition` before it commits, so a
change and its notices are saved together or not at all. Besides the
notices every policy shares (stage started, a record to approve, escalated,
resolved, feedback to the practitioner who raised it), each stage's `notify`
list in the pathway adds its own: Stoke's partnership notice at stages 3 to
5, Jersey's board chair at stage 4, Hillingdon's Implementation Unit,
Blackpool's MASA team, Cambridgeshire's independent chair.

What the notices say is composed here from facts alone: the reference, the
stage, dates, agencies, the pack's own wording and a link. Nothing written
about the case (a summary, a reason, the agreed outcome, next steps, the
written confirmation, the feedback) is ever read here: an email says what
happened and links to the page, where it is read after signing in. A
transition's details reach the notices only through `FACTS`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from rpd.disagreements.access import tell_partnership
from rpd.people.models import Role, User

from . import outbox
from .models import Kind

# Whom a pack's role means in the product: the partnership's unit or its chair; for a
# party role, the disagreement's own Lead Professional / IRO / chair where one exists;
# for an agency role, the safeguarding leads of the agencies involved.
ROLE_KIND_USERS = {"partnership": Role.PARTNERSHIP_UNIT, "independent": Role.BOARD_CHAIR}


@dataclass
class Writer:
    d: object
    actor: User | None
    at: datetime.datetime
    sent: set = field(default_factory=set)

    def to(
        self,
        user: User | None,
        kind: str,
        subject: str,
        message: str,
        stage=None,
        *,
        details=(),
        form: str = "",
        include_actor=False,
        dedupe_key: str | None = None,
    ):
        if user is None or not user.is_active:
            return
        if (user.pk, kind) in self.sent or (user == self.actor and not include_actor):
            return
        self.sent.add((user.pk, kind))
        number = stage.number if stage is not None else self.d.stage
        episode = self.d.episodes.filter(number=number).first()
        outbox.queue(
            partnership=self.d.partnership,
            kind=kind,
            to_user=user,
            disagreement=self.d,
            subject=f"{self.d.reference}: {subject}",
            template="transition",
            context={
                "message": message,
                "stage": self.d.pack.stage(number),
                "due": episode.due if episode else None,
                "due_basis": episode.due_basis if episode else "",
                "details": list(details),
                "form": form,
            },
            dedupe_key=dedupe_key,
            at=self.at,
        )


def role_users(d, role_id: str) -> list[User]:
    role = d.pack.role(role_id)
    if role.kind == "party":
        return [d.lead_professional] if d.lead_professional_id else []
    if role.kind == "agency":
        return list(
            User.objects.filter(
                agency_id__in=[d.raising_agency_id, d.receiving_agency_id],
                role_grants__role=Role.SAFEGUARDING_LEAD,
                is_active=True,
            ).distinct()
        )
    return list(
        User.objects.filter(
            agency__partnership_id=d.partnership_id,
            role_grants__role=ROLE_KIND_USERS[role.kind],
            is_active=True,
        ).distinct()
    )


def pathway_notices(writer: Writer, number: int, when: str) -> None:
    """The stage's own notices, as the pathway lists them, for the event `when`."""
    d = writer.d
    stage = d.pack.stage(number)
    for index, notice in enumerate(stage.notify):
        if (
            notice.when != when
            and not (
                when == "stage_started"
                and notice.when == "non_involvement_in_life_threatening_risk"
                and d.risk == "immediate"
            )
            and not (when == "stage_started" and notice.when == "senior_officers_involved")
        ):
            continue
        role = d.pack.role(notice.to)
        if role.kind in ROLE_KIND_USERS:
            tell_partnership(d, writer.at)  # its oversight roles see the case from now on
        form = d.pack.form(notice.form).name if notice.form else ""
        for user in role_users(d, notice.to):
            writer.to(
                user,
                Kind.PATHWAY,
                f"{notice.what} (stage {number})",
                f"{role.name}: {notice.what}.",
                stage,
                details=[notice.condition] if notice.condition else [],
                form=form,
                include_actor=True,
                # Once per stage, notice and person, however often the event recurs.
                dedupe_key=f"pathway:{d.pk}:{number}:{index}:{user.pk}",
            )


def _stage_started(writer: Writer, episode) -> None:
    stage = writer.d.pack.stage(episode.number)
    for side, user in (("raising", episode.raising_actor), ("receiving", episode.receiving_actor)):
        writer.to(
            user,
            Kind.STAGE_STARTED,
            f"stage {stage.number} has started and you act for the {side} side",
            f"{stage.summary}",
            stage,
            details=[f"You act for the {side} side: {getattr(stage, side).description}."],
        )
    pathway_notices(writer, episode.number, "stage_started")


def _feedback(writer: Writer, message: str, stage=None) -> None:
    writer.to(
        writer.d.raised_by, Kind.FEEDBACK, "feedback on the concern you raised", message, stage
    )


# The details of a transition that are facts, not free text: dates, counts, a side and
# the pack's own wording (a referral option is chosen from the pack). Reasons, notes and
# "not applicable" explanations are written by people, and stay out.
FACTS = frozenset(
    {"referred_to", "expected_resume", "working_days_paused", "due", "old_due", "new_due",
     "side", "outcome", "from_stage", "to_stage"}
)  # fmt: skip


def after_transition(name: str, d, previous, current, actor, details: dict, at) -> None:
    """Write the notices transition `name` causes; `previous` is the episode before it."""
    details = {key: value for key, value in details.items() if key in FACTS}
    writer = Writer(d, actor, at)
    pack = d.pack
    if name == "raised":
        _stage_started(writer, current)
    elif name == "record":
        for user in (current.raising_actor, current.receiving_actor):
            writer.to(
                user,
                Kind.RECORD_TO_APPROVE,
                "a record of a discussion awaits approval",
                "A record of a discussion has been written and awaits approval by "
                "someone other than its author.",
            )
        if details.get("outcome") == "unresolved":
            pathway_notices(writer, d.stage, "stage_unresolved")
    elif name == "escalate":
        old = pack.stage(previous.number)
        for user in (previous.raising_actor, previous.receiving_actor):
            writer.to(
                user,
                Kind.ESCALATED,
                f"escalated to stage {current.number}",
                f"Stage {old.number} did not resolve it; stage {current.number} has "
                "started with the next level of management on each side.",
            )
        pathway_notices(writer, previous.number, "stage_unresolved")
        _stage_started(writer, current)
        _feedback(
            writer,
            f"It was not resolved at stage {old.number} and has been escalated "
            f"to stage {current.number}.",
        )
    elif name == "resolve":
        for participant in d.participants.select_related("user"):
            writer.to(
                participant.user,
                Kind.RESOLVED,
                f"resolved at stage {d.stage}",
                f"The disagreement has been resolved at stage {d.stage}. Its written "
                "confirmation, with the agreed outcome and next steps, is on its page.",
                include_actor=True,
            )
        pathway_notices(writer, d.stage, "resolved")
        _feedback(
            writer,
            f"It has been resolved at stage {d.stage}. What was agreed, and the feedback "
            "for you, are on its page.",
        )
    elif name == "refer":
        pathway_notices(writer, d.stage, "stage_unresolved")
        for user in (current.raising_actor, current.receiving_actor):
            writer.to(
                user,
                Kind.CHANGED,
                f"referred on: {details['referred_to']}",
                f"Referred on at stage {d.stage}: {details['referred_to']}.",
            )
        _feedback(writer, f"It has been referred on: {details['referred_to']}.")
    elif name in CHANGES:
        subject, message = CHANGES[name](details)
        for user in (current.raising_actor, current.receiving_actor):
            writer.to(user, Kind.CHANGED, subject, message)
        _feedback(writer, message)


def _hand_over(details):
    return "handed over", f"The {details['side']} side is now acted for by someone else."


CHANGES = {
    "pause": lambda d: ("paused", f"Paused; expected to resume on {d['expected_resume']}."),
    "resume": lambda d: (
        "resumed",
        f"Resumed. The {d['working_days_paused']} working days paused do not count: "
        f"the stage is now due {d['due']}.",
    ),
    "extend": lambda d: (
        "deadline extended",
        f"The stage's deadline was extended by agreement from {d['old_due']} to {d['new_due']}.",
    ),
    "shorten": lambda d: (
        "deadline brought forward",
        f"The stage's deadline was brought forward from {d['old_due']} to {d['new_due']}, "
        "as the case needs.",
    ),
    "hand_over": _hand_over,
    "withdraw": lambda d: ("withdrawn", "The disagreement was withdrawn."),
}
