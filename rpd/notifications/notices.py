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

from rpd.disagreements import deadlines
from rpd.disagreements.access import tell_partnership
from rpd.disagreements.deadlines import MILESTONE, is_review
from rpd.disagreements.models import Risk
from rpd.frontend import day_in_full
from rpd.pathways.calendar import local_date
from rpd.people import roles
from rpd.people.models import User

from . import outbox
from .models import Kind

# The kinds of pack role that are the partnership's own: telling one tells the partnership.
PARTNERSHIP_KINDS = ("partnership", "independent")


@dataclass(frozen=True)
class Recipient:
    """A person, or a shared mailbox with no one signed in behind it."""

    user: User | None = None
    address: str = ""

    @property
    def key(self) -> str:
        return f"u{self.user.pk}" if self.user is not None else f"m{self.address}"


@dataclass
class Writer:
    d: object
    actor: User | None
    at: datetime.datetime
    sent: set = field(default_factory=set)
    # Each stage's episode, read once for every notice about it; and the current stage's
    # deadlines that fall before it is due (a milestone, the overall limit), once.
    episodes: dict = field(default_factory=dict)
    _sooner: list | None = None

    def sooner(self, episode) -> list[dict]:
        """The current stage's open deadlines due before the stage itself (`deadlines`, the
        one answer for them): Stoke's line managers' contact within one working day of a
        stage due in five. An email that gave only the stage's date would hide them."""
        if episode is None or episode.number != self.d.stage:
            return []
        if self.d.next_due is None or self.d.next_due >= episode.due:
            return []  # the earliest deadline the change stored is the stage's own: no read
        if self._sooner is None:
            self._sooner = [
                {"what": deadlines.what(self.d, episode, deadline), "due": deadline.due}
                for deadline in sorted(
                    deadlines.deadlines(self.d, episode), key=lambda deadline: deadline.due
                )
                if deadline.kind != deadlines.STAGE and deadline.due < episode.due
            ]
        return self._sooner

    def told(self, user: User | None) -> bool:
        """Whether this change has already written to `user`."""
        return user is not None and any(who == user.pk for who, _ in self.sent)

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
        link: str = "",
        address: str = "",
    ):
        if address and user is None:
            # A shared mailbox: the same facts and link, no preferences of its own.
            who = f"m{address}"
        else:
            if user is None or not user.is_active:
                return
            if user == self.actor and not include_actor:
                return
            who = user.pk
        if (who, kind) in self.sent:
            return
        self.sent.add((who, kind))
        number = stage.number if stage is not None else self.d.stage
        if number not in self.episodes:
            self.episodes[number] = self.d.episodes.filter(number=number).first()
        episode = self.episodes[number]
        outbox.queue(
            partnership=self.d.partnership,
            kind=kind,
            to_user=user,
            to_address=address or None,
            disagreement=self.d,
            subject=f"{self.d.reference}: {subject}",
            template="transition",
            context={
                "message": message,
                "stage": self.d.pack.stage(number),
                "due": episode.due if episode else None,
                # A review date passed is a review due, not a limit broken.
                "overdue": bool(
                    episode and not episode.due_is_review and episode.due < local_date(self.at)
                ),
                "due_basis": episode.due_basis if episode else "",
                "sooner": self.sooner(episode),
                "details": list(details),
                "form": form,
                # A notice about a form links to the form's page, not the case's.
                **({"link": link} if link else {}),
            },
            dedupe_key=dedupe_key,
            at=self.at,
        )

    def tell(self, recipient: Recipient, *args, **kwargs):
        self.to(recipient.user, *args, address=recipient.address, **kwargs)


def _people(users) -> list[Recipient]:
    return [Recipient(user=u) for u in users]


def _holders(d, role_id: str, agencies: list[int] | None = None) -> list[Recipient]:
    found = []
    for holder in roles.holders(d.partnership, role_id, agencies):
        if holder.user is not None:
            found.append(Recipient(user=holder.user))
        if holder.mailbox:
            found.append(Recipient(address=holder.mailbox))
    return found


def role_recipients(d, role_id: str) -> list[Recipient]:
    """Who a pack role means for this disagreement: the partnership's holders of it; for an
    agency role, the holder in each agency it names (the raising one, the receiving one, or
    both) or else that agency's safeguarding leads; for a party
    role, the parties the case names (its Lead Professional, or the agencies copied in)."""
    role = d.pack.role(role_id)
    if role.kind == "party":
        if role.party == "lead-professional":
            return _people([d.lead_professional] if d.lead_professional_id else [])
        return copied_recipients(d)
    if role.kind == "agency":
        found = []
        sides = {"raising": [d.raising_agency_id], "receiving": [d.receiving_agency_id]}
        for agency_id in sides.get(role.agency, [d.raising_agency_id, d.receiving_agency_id]):
            held = _holders(d, role_id, [agency_id])
            found += held or _people(roles.safeguarding_leads([agency_id]))
        return found
    return _holders(d, role_id)


def copied_recipients(d) -> list[Recipient]:
    """The other involved agencies copied in: each one's named person, or without one its
    safeguarding leads (who read the outcome on the page: access.Grade.OUTCOME)."""
    found = []
    for copied in d.copied_agencies.select_related("person"):
        people = [copied.person] if copied.person_id else []
        found += _people(people or roles.safeguarding_leads([copied.agency_id]))
    return found


def _for_subject(d, notice) -> bool:
    return notice.for_subject is None or notice.for_subject == d.subject.kind


def pathway_notices(writer: Writer, number: int, when: str) -> None:
    """The stage's own notices, as the pathway lists them, for the event `when`."""
    d = writer.d
    stage = d.pack.stage(number)
    for index, notice in enumerate(stage.notify):
        if notice.when != when and not (
            when == "stage_started" and notice.when == "senior_officers_involved"
        ):
            continue
        if not _for_subject(d, notice):
            continue
        role = d.pack.role(notice.to)
        if role.kind in PARTNERSHIP_KINDS:
            tell_partnership(d, writer.at)  # its oversight roles see the case from now on
        form = d.pack.form(notice.form).name if notice.form else ""
        link = outbox.form_link(d, notice.form) if notice.form else ""
        for recipient in role_recipients(d, notice.to):
            writer.tell(
                recipient,
                Kind.PATHWAY,
                f"{notice.what} (stage {number})",
                f"{role.name}: {notice.what}.",
                stage,
                details=[notice.condition] if notice.condition else [],
                form=form,
                include_actor=True,
                # Once per stage, notice and person, however often the event recurs.
                dedupe_key=f"pathway:{d.pk}:{number}:{index}:{recipient.key}"[:200],
                link=link,
            )


def referral_notices(writer: Writer, referred_to: str) -> None:
    """Who the option the case was referred to tells: its own notices where the pack
    writes them out, otherwise the stage's notices for an unresolved stage."""
    d = writer.d
    stage = d.pack.stage(d.stage)
    option = stage.referral_option(referred_to)
    if option is None:
        pathway_notices(writer, d.stage, "stage_unresolved")
        return
    referral = d.episodes.get(number=d.stage).referrals.latest("pk")
    for index, notice in enumerate(option.notify):
        if not _for_subject(d, notice):
            continue
        role = d.pack.role(notice.to)
        for recipient in role_recipients(d, notice.to):
            writer.tell(
                recipient,
                Kind.PATHWAY,
                f"{notice.what} (stage {stage.number})",
                f"{role.name}: {notice.what}.",
                stage,
                details=[f"Referred to: {option.name}."],
                include_actor=True,
                dedupe_key=f"referral:{referral.pk}:{index}:{recipient.key}"[:200],
            )
    if option.tell_everyone_involved:
        # Every party of every stage, and the other agencies copied in: each reads the
        # recommendation on the page (access.Sight.outcome), never in the email.
        involved = _people(p.user for p in d.participants.select_related("user"))
        for recipient in involved + copied_recipients(d):
            writer.tell(
                recipient,
                Kind.PATHWAY,
                f"recommendation at stage {stage.number}",
                f"{option.name}. The recommendation is on the disagreement's page.",
                stage,
                include_actor=True,
                dedupe_key=f"referral:{referral.pk}:all:{recipient.key}",
            )


def _form_submitted(writer: Writer, form_id: str, version: int) -> None:
    """The form is sent: whom the pack sends it to is told, with a link to read it."""
    d = writer.d
    form = d.pack.form(form_id)
    role = d.pack.role(form.recipient_for(d.subject.kind))
    if role.kind in PARTNERSHIP_KINDS:
        tell_partnership(d, writer.at)
    for recipient in role_recipients(d, role.id):
        writer.tell(
            recipient,
            Kind.PATHWAY,
            f"{form.name} submitted (version {version})",
            f"{role.name}: the {form.name} has been submitted (version {version}). "
            "Read it on its page after signing in.",
            form=form.name,
            include_actor=True,
            link=outbox.form_link(d, form_id),
        )


# "Where there is immediate harm, inform the agency's designated safeguarding lead
# immediately": a pack's `immediate_harm` notices go when the risk is recorded as this.
IMMEDIATE_HARM = "immediate"


def _asked(d, name: str | None = None, target: int | None = None) -> dict[int, str]:
    """What the rules now ask of each person, in the step's own words: the case's next
    steps (`transitions.next_steps`), stored just before its notices are written; only
    step `name` (on `target`) where given. Every notice that asks someone to act says it
    in these words, so an email never restates who is asked or for what."""
    return {
        person: step["what"]
        for step in d.next_steps
        if name is None or (step["name"] == name and (target is None or step["target"] == target))
        for person in step["people"]
    }


def _stage_started(writer: Writer, episode) -> None:
    d = writer.d
    stage = d.pack.stage(episode.number)
    asked = _asked(d)
    for side, user in (("raising", episode.raising_actor), ("receiving", episode.receiving_actor)):
        details = [f"You act for the {side} side: {getattr(stage, side).description}."]
        if side == "receiving" and d.receiver_to_name:
            # Raised with "I do not know who": no one there is named yet.
            details = [
                f"You act for {d.receiving_agency.name} until who there made the decision or "
                "holds the case is named: the practitioner who raised it did not know."
            ]
        if user.pk in asked:
            details.append(f"You are asked to {asked[user.pk]}.")
        writer.to(
            user,
            Kind.STAGE_STARTED,
            f"stage {stage.number} has started and you act for the {side} side",
            # The pathway's own words for the stage, often addressed to whoever raised it:
            # given as the pathway's, so the other side does not read them as its orders.
            f"What the pathway says of stage {stage.number}: {stage.summary}",
            stage,
            details=details,
        )
    # Raised so, or reaching a stage while it is: first, so that where one person is
    # both told of the harm and of the stage (one notice each per change), the harm wins.
    if writer.d.risk == IMMEDIATE_HARM:
        pathway_notices(writer, episode.number, "immediate_harm")
    pathway_notices(writer, episode.number, "stage_started")


def _acknowledge(writer: Writer, episode) -> None:
    """Tell the person who raised it that it is raised: under which pathway, the first
    deadline and what happens next, all in the pack's own words."""
    d = writer.d
    stage = d.pack.stage(episode.number)
    first = deadlines.first(d, episode)
    details = []
    if first is not None and is_review(first):
        details.append(
            f"Review date: stage {stage.number} to be reviewed by {day_in_full(first.due)} "
            "(the policy sets this stage no deadline)."
        )
    elif first is not None:
        what = first.row.name if first.kind == MILESTONE else f"Stage {stage.number} due"
        details.append(f"First deadline: {what}, by {day_in_full(first.due)}.")
    details.append(f"What happens next: {stage.summary}")
    writer.to(
        d.raised_by,
        Kind.RAISED_ACKNOWLEDGEMENT,
        "your disagreement has been raised",
        f"Your disagreement has been raised under {d.pack.name}, at stage {stage.number}: "
        f"{stage.name}.",
        stage,
        details=details,
        include_actor=True,
    )


def _feedback(
    writer: Writer, message: str, stage=None, subject: str = "feedback on the concern you raised"
) -> None:
    writer.to(writer.d.raised_by, Kind.FEEDBACK, subject, message, stage)


# The details of a transition that are facts, not free text: dates, counts, a side and
# the pack's own wording (a referral option is chosen from the pack). Reasons, notes and
# "not applicable" explanations are written by people, and stay out.
FACTS = frozenset(
    {"referred_to", "expected_resume", "working_days_paused", "due", "old_due", "new_due",
     "side", "outcome", "from_stage", "to_stage", "form", "form_version", "moved", "risk",
     "old_risk", "non_involvement", "panel", "held_on", "agencies", "chronology_reviewed",
     "then", "decision"}
)  # fmt: skip


def after_transition(
    name: str, d, previous, current, actor, details: dict, at, asked_before: list[dict]
) -> None:
    """Write the notices transition `name` causes; `previous` is the episode before it,
    `asked_before` the case's next steps before it (`transitions.next_steps`): whoever the
    change asks to act and has not told otherwise is told so last."""
    details_record = details.get("record")  # an id, never the record's text
    details_author = details.get("author")  # the id of a record's author
    details = {key: value for key, value in details.items() if key in FACTS}
    writer = Writer(d, actor, at)
    if current is not None:
        # The stage running now, as the change left it (its due date is the one just
        # stored on the case): not read again for each notice about it.
        writer.episodes[current.number] = current
    pack = d.pack
    if name == "raised":
        _acknowledge(writer, current)
        _stage_started(writer, current)
    elif name == "record":
        # Whom the rules ask to approve it (transitions.next_steps, stored on the case
        # just before): each of them may approve it, and no one else is asked.
        asked = _asked(d, "approve", details_record)
        for user in User.objects.filter(pk__in=asked):
            writer.to(
                user,
                Kind.RECORD_TO_APPROVE,
                "a record of a discussion awaits your approval",
                f"A record of a discussion has been written and you are asked to "
                f"{asked[user.pk]}: read it on the disagreement's page and approve it there.",
                dedupe_key=f"record-to-approve:{details_record}:{user.pk}",
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
    elif name == "fast_track":
        for user in (previous.raising_actor, previous.receiving_actor):
            writer.to(
                user,
                Kind.ESCALATED,
                f"fast-tracked to stage {current.number}",
                f"It was moved from stage {previous.number} straight to stage "
                f"{current.number}, as the pathway allows when it cannot wait; the reason "
                "is on its page.",
            )
        _stage_started(writer, current)
        _feedback(
            writer,
            f"It was moved from stage {previous.number} straight to stage {current.number}.",
        )
    elif name == "raise_risk":
        label = dict(Risk.choices)[details["risk"]]
        was = dict(Risk.choices)[details["old_risk"]]
        message = f"Risk is now recorded as: {label} (it was: {was})."
        if details["non_involvement"]:
            message += (
                " An agency's position of non-involvement was reported while others see "
                "a risk of immediate or significant harm."
            )
        for user in (current.raising_actor, current.receiving_actor):
            writer.to(user, Kind.CHANGED, "risk recorded", message)
        _feedback(writer, message)
        if details["non_involvement"]:
            pathway_notices(writer, d.stage, "non_involvement_in_life_threatening_risk")
        if details["risk"] == IMMEDIATE_HARM:
            pathway_notices(writer, d.stage, "immediate_harm")
    elif name == "resolve":
        # Whom the rules ask to confirm it in writing (transitions.next_steps).
        confirming = _asked(d, "confirm_resolution")
        for participant in d.participants.select_related("user"):
            asked = confirming.get(participant.user_id)
            raiser = participant.user_id == d.raised_by_id
            writer.to(
                participant.user,
                Kind.RESOLVED,
                f"resolved at stage {d.stage}" + (": please confirm it" if asked else ""),
                f"The disagreement has been resolved at stage {d.stage}. Its written "
                "confirmation, with the agreed outcome and next steps, is on its page."
                + (f" You are asked to {asked}, on its page." if asked else "")
                # One change, one email a person: the raiser's feedback is said here.
                + (" So is the feedback for you, as the one who raised it." if raiser else ""),
                include_actor=True,
            )
        pathway_notices(writer, d.stage, "resolved")
        if not writer.told(d.raised_by):
            _feedback(
                writer,
                f"It has been resolved at stage {d.stage}. What was agreed, and the feedback "
                "for you, are on its page.",
            )
        # The agencies copied in on its outcome (access.Grade.OUTCOME) hear there is one,
        # unless the pathway's own notice (Hillingdon's copy of the written response) did.
        for recipient in copied_recipients(d):
            if not writer.told(recipient.user):
                writer.tell(
                    recipient,
                    Kind.RESOLVED,
                    f"resolved at stage {d.stage}",
                    f"The disagreement your agency is copied in on has been resolved at "
                    f"stage {d.stage}. The outcome is on its page.",
                )
    elif name == "refer":
        referral_notices(writer, details["referred_to"])
        for user in (current.raising_actor, current.receiving_actor):
            writer.to(
                user,
                Kind.CHANGED,
                f"referred on: {details['referred_to']}",
                f"Referred on at stage {d.stage}: {details['referred_to']}.",
            )
        _feedback(writer, f"It has been referred on: {details['referred_to']}.")
    elif name == "add_account":
        writer.to(
            User.objects.filter(pk=details_author).first(),
            Kind.CHANGED,
            "the other side added its own account of a discussion",
            "The other side added its own account beside your record of a discussion. "
            "Read it on the disagreement's page.",
        )
    elif name == "confirm_resolution":
        for participant in d.participants.select_related("user"):
            writer.to(
                participant.user,
                Kind.CHANGED,
                "resolution confirmed",
                f"{_agency_of(d, actor)} confirmed the resolution in writing.",
            )
    elif name == "contest_resolution":
        awaiting = details["then"] == "awaiting-leader"
        then = {
            "awaiting-leader": "the stage's leader decides whether it stands",
            "escalated": f"it has gone on to stage {d.stage}",
            "reopened": f"stage {d.stage} is open again",
        }[details["then"]]
        message = (
            f"The resolution was contested by {_agency_of(d, actor)}: {then}. Their reason is "
            "on its page."
        )
        if awaiting:  # first: one notice of a kind per person per change, and this asks
            _asked_to_decide(writer, d)
        for participant in d.participants.select_related("user"):
            writer.to(participant.user, Kind.CHANGED, "resolution contested", message)
        if not awaiting:
            _stage_started(writer, current)
    elif name == "decide_contested":
        then = {
            "upheld": "upheld the resolution: the disagreement is closed as resolved",
            "escalated": f"did not uphold the resolution: it has gone on to stage {d.stage}",
            "reopened": f"did not uphold the resolution: stage {d.stage} stays open",
        }[details["decision"]]
        message = f"The stage's leader {then}. Their reasons are on its page."
        for participant in d.participants.select_related("user"):
            writer.to(participant.user, Kind.CHANGED, "contested resolution decided", message)
        if details["decision"] == "escalated":
            _stage_started(writer, current)
        _feedback(writer, message)
    elif name == "submit_form":
        _form_submitted(writer, details["form"], details["form_version"])
    elif name == "name_receiver":
        # Each actor told what the rules now ask of them: the one now acting for the
        # receiving agency learns it is them.
        asked = _asked(d)
        agency = d.receiving_agency.name
        for user, said in (
            (
                current.receiving_actor,
                f"{agency} has named who made the decision or holds the case, and you now "
                f"act for {agency} at stage {d.stage}.",
            ),
            (
                current.raising_actor,
                f"{agency} has named who made the decision or holds the case. The "
                "disagreement's page shows who acts for it at this stage.",
            ),
        ):
            if user.pk in asked:
                said += f" You are asked to {asked[user.pk]}."
            writer.to(user, Kind.CHANGED, "the person is named", said)
    elif name in CHANGES:
        subject, message = CHANGES[name](details)
        newly = _newly_asked(asked_before, d.next_steps)
        for user in (current.raising_actor, current.receiving_actor):
            # A pause asks them to resume it: the notice of the change says so.
            said = message + (f" You are asked to {newly[user.pk]}." if user.pk in newly else "")
            writer.to(user, Kind.CHANGED, subject, said)
        # One change, one email a person: a raiser who still acts has just been told.
        if not writer.told(d.raised_by):
            _feedback(writer, message, subject=subject)
    _tell_newly_asked(
        writer,
        asked_before,
        d.next_steps,
        "The disagreement has moved on and you are now asked to {what}",
    )


def newly_asked(d, before: list[dict], after: list[dict], at) -> None:
    """Tell whoever a change of people or roles now asks to act on `d` (its next steps
    restated, `signals.restate_next_steps`), as a transition tells those it asks."""
    _tell_newly_asked(
        Writer(d, None, at),
        before,
        after,
        "A change of who manages whom or who holds a role means you are now asked to {what}",
    )


def _new_in(before: list[dict], after: list[dict]):
    """Each step `after` a change with the people it asks who were not asked it `before`."""
    had = {(step["name"], step["target"], p) for step in before for p in step["people"]}
    for step in after:
        new = [p for p in step["people"] if (step["name"], step["target"], p) not in had]
        if new:
            yield step, new


def _newly_asked(before: list[dict], after: list[dict]) -> dict[int, str]:
    """What a change newly asks of each person, in the step's own words."""
    return {p: step["what"] for step, new in _new_in(before, after) for p in new}


def _tell_newly_asked(writer: Writer, before: list[dict], after: list[dict], said: str) -> None:
    """Tell each person the case's next steps (`transitions.next_steps`) ask to act who
    were not asked it `before` the change and whom the change has not already told: the
    step's own words, which name dates and the pack's requirements, never the case's text.
    A record's approver shares the key of the notice its recording sends, and any step's
    key holds the stage, so each person is asked each thing once a stage."""
    d = writer.d
    for step, new in _new_in(before, after):
        for user in User.objects.filter(pk__in=new):
            if writer.told(user):
                continue  # what the change told them says what it asks of them
            if step["name"] == "approve":
                kind, key = Kind.RECORD_TO_APPROVE, f"record-to-approve:{step['target']}:{user.pk}"
            else:
                kind = Kind.ASKED
                key = f"asked:{d.pk}:{d.stage}:{step['name']}:{step['target']}:{user.pk}"
            writer.to(
                user,
                kind,
                "you are now asked to act",
                said.format(what=step["what"]) + ": read it on the disagreement's page and act "
                "there.",
                dedupe_key=key,
            )


def _asked_to_decide(writer: Writer, d) -> None:
    """Whom the rules ask to decide a contested resolution (transitions.next_steps, stored
    on the case just before): the stage's leader, where the pathway gives them the power."""
    asked = _asked(d, "decide_contested")
    for user in User.objects.filter(pk__in=asked):
        writer.to(
            user,
            Kind.CHANGED,
            "a contested resolution awaits your decision",
            f"{_agency_of(d, writer.actor)} contested the resolution, and the pathway gives "
            f"the stage's leader the decision. You are asked to {asked[user.pk]}: read it "
            "on the disagreement's page and decide there.",
        )


def _agency_of(d, user) -> str:
    """The agency `user` acts for on `d`, by name: everyone on the case is told, on both
    sides, so "the other side" would be wrong for half of them."""
    if user is None:
        return "Someone"
    for agency in (d.raising_agency, d.receiving_agency):
        if user.agency_id == agency.pk:
            return agency.name
    return user.agency.name if user.agency_id else "Someone"


def _day(value) -> str:
    """A date in a transition's details (ISO, as the audit event keeps it) as people read
    it everywhere else: "Friday 11 December 2026"."""
    return day_in_full(datetime.date.fromisoformat(value) if isinstance(value, str) else value)


def _deadline_name(moved: dict) -> str:
    return "the stage" if moved["deadline"] == "stage" else moved["name"]


def _hand_over(details):
    return "handed over", f"The {details['side']} side is now acted for by someone else."


def _resumed(details):
    paused, due = details["working_days_paused"], _day(details["due"])
    if not paused:
        return "resumed", f"Resumed the same working day it was paused: the stage is due {due}."
    days = "working day" if paused == 1 else "working days"
    return (
        "resumed",
        f"Resumed. The {paused} {days} paused do not count: the stage is now due {due}.",
    )


CHANGES = {
    "pause": lambda d: ("paused", f"Paused; expected to resume on {_day(d['expected_resume'])}."),
    "resume": _resumed,
    "extend": lambda d: (
        "deadline extended",
        "Extended by agreement: "
        + "; ".join(
            f"{_deadline_name(m)} from {_day(m['old'])} to {_day(m['new'])}" for m in d["moved"]
        )
        + ".",
    ),
    "shorten": lambda d: (
        "deadline brought forward",
        f"The stage's deadline was brought forward from {_day(d['old_due'])} to "
        f"{_day(d['new_due'])}, "
        "as the case needs.",
    ),
    "hand_over": _hand_over,
    "record_panel": lambda d: (
        "the panel sat",
        f"The {d['panel']} sat on {_day(d['held_on'])}, with representatives of: "
        f"{', '.join(d['agencies'])}. What it decided is on the disagreement's page.",
    ),
    "withdraw": lambda d: ("withdrawn", "The disagreement was withdrawn."),
}
