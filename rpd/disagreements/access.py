"""Need to know: the one place that decides who may see and who may act on a disagreement.

Sight is graded (`sight`). The people on a case see all of it: participants in
one of the two agencies involved, their managers in the same agency, and the
safeguarding leads of those agencies. Someone elsewhere in the partnership who
owns an agreed action sees that action and the case's register line, not the
subject nor the records. Another agency copied in (`CopiedAgency`) is told the
outcome: its named person, or without one its safeguarding leads, read the
register line, whom it is about and the outcome, never the records. The
partnership's oversight roles see every case's register line, and the whole
case once the pathway has told the partnership about it. Everyone else is told
it does not exist.

Standing follows people as they are now: someone who moves agency or leaves
keeps no standing from where they were, and the viewer rows are rebuilt when
anyone's agency, line manager or active flag changes (`signals.py`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from django.db import connection
from django.db.models import BooleanField, CharField, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL

from rpd.people.models import OVERSIGHT_ROLES, Partnership, Role, RoleGrant, StandIn, User

from .models import (
    AgreedAction,
    CopiedAgency,
    Disagreement,
    Participant,
    Record,
    Side,
    StageEpisode,
    Subject,
    Viewer,
)


class Capacity(StrEnum):
    """Why someone may see or act on a disagreement."""

    RAISER = "raiser"  # raised it, and is still in the agency that raised it
    RAISING_ACTOR = "raising-actor"  # acts for the raising side at the current stage
    RECEIVING_ACTOR = "receiving-actor"
    LEADER = "leader"  # the partnership role leading the current stage (a unit, a chair)
    MANAGER = "manager"  # in the line-management chain of a current actor, in their agency
    PARTICIPANT = "participant"  # took part at some stage, and is in an involved agency
    PARTICIPANTS_MANAGER = "participants-manager"  # sees it whole through someone they manage
    ACTION_OWNER = "action-owner"  # owns one of its agreed actions
    LEAD = "lead"  # safeguarding lead of the raising or receiving agency
    OVERSIGHT = "oversight"  # partnership unit or board chair
    # Told the outcome for another agency copied in: no transition names it, so it never acts.
    COPIED = "copied"
    # The partnership's administrator, only to the transitions that name it (a leaver's or
    # mover's hand-overs): never from `capacities`, since it sees nothing of the case.
    ADMINISTRATOR = "administrator"


ACTORS = frozenset({Capacity.RAISING_ACTOR, Capacity.RECEIVING_ACTOR, Capacity.LEADER})


class Grade(IntEnum):
    """How much of a disagreement someone may see; each grade includes the one below."""

    NONE = 0  # answered "not found"
    REGISTER = 1  # the register line (REGISTER_FIELDS): no subject, no records
    ACTIONS = 2  # the register line and the agreed actions they own
    # Another agency copied in (Hillingdon §4 Stage Four: "a written response ... sent to the
    # referrer, with copies provided to other involved agencies"; Jersey §4.6: the chair's
    # recommendation "communicated to all involved"). Neither grade around it fits: the
    # register line alone would not show them the response their copy points them to, and
    # the whole case would show them the two agencies' records and, on a form's page, the
    # special-category data, none of which the policies send them. They read the register
    # line, whom it is about (to place the response on their own record of the child or
    # adult, as every seed asks of agencies involved) and the outcome: the resolution and any
    # referral's recommendation.
    OUTCOME = 3
    CASE = 4  # everything: the subject, the records, every action, the history


# What an agency copied in sees: the grade `sight` gives it, and the copy-in page says.
COPIED_GRADE = Grade.OUTCOME

# What the register line shows: enough to oversee the pathway, nothing about the person.
REGISTER_FIELDS = (
    "reference",
    "status",
    "stage",
    "raised_at",
    "stage_due",
    "next_due",
    "closed_at",
    "raising_agency",
    "receiving_agency",
    "categories",
    "risk",
    "urgent",
)


@dataclass(frozen=True, slots=True)
class Sight:
    """What one person may see of one disagreement (`sight`)."""

    grade: Grade
    actions: frozenset[int] = frozenset()  # the agreed actions in it that they own

    def __bool__(self) -> bool:
        return self.grade > Grade.NONE

    @property
    def subject(self) -> bool:
        """The subject's identity: name, date of birth, NHS number, address."""
        return self.grade >= Grade.OUTCOME

    @property
    def outcome(self) -> bool:
        """How it ended or where it went: the resolution, a referral's recommendation."""
        return self.grade >= Grade.OUTCOME

    @property
    def records(self) -> bool:
        """The records, the texts of the case (summary, outcome sought), its history."""
        return self.grade == Grade.CASE

    def may_see_action(self, action: AgreedAction) -> bool:
        return self.grade == Grade.CASE or action.pk in self.actions


NOTHING = Sight(Grade.NONE)


def subordinate_ids(user: User) -> set[int]:
    """Everyone below `user` in line management, at any depth (ladders are a few rungs)."""
    found: set[int] = set()
    frontier = {user.pk}
    while frontier:
        below = set(User.objects.filter(line_manager__in=frontier).values_list("pk", flat=True))
        frontier = below - found - {user.pk}
        found |= frontier
    return found


def manager_ids(person: User) -> set[int]:
    """Everyone above `person` in line management, at any depth, in one query
    (`User.chain_ids`): a chain is a few rungs, where everyone below a senior manager
    (`subordinate_ids`) may be thousands, read a query a level."""
    return set(person.chain_ids())


def manages(manager: User, person: User, known: dict[int, set[int]] | None = None) -> bool:
    """Whether `manager` is above `person` in line management, at any depth, in any agency
    (nobody manages themselves). `known`: each person's `manager_ids` already read, kept
    there by whoever asks about the same people again."""
    if manager.pk == person.pk:
        return False
    known = {} if known is None else known
    if person.pk not in known:
        known[person.pk] = manager_ids(person)
    return manager.pk in known[person.pk]


def involved(user: User, d: Disagreement) -> bool:
    """Whether `user` is, now, in one of the two agencies the disagreement is between, or
    named by the partnership to act for one of them (people.StandIn)."""
    if _in_either_agency(user, d):
        return True
    return any(stands_in(user, a) for a in (d.raising_agency_id, d.receiving_agency_id))


def _in_either_agency(user: User, d: Disagreement) -> bool:
    return user.agency_id is not None and user.agency_id in (
        d.raising_agency_id,
        d.receiving_agency_id,
    )


def stands_in(user: User, agency_id: int) -> bool:
    """Whether the partnership names `user` to act for the agency on some rung."""
    return StandIn.objects.filter(agency_id=agency_id, person_id=user.pk).exists()


def acting_for(agency_id: int) -> Q:
    """Whom a picker lists as able to act for the agency: its own people, and whoever the
    partnership names to stand in for it (`stands_in`). The stand-ins are read first, a
    few ids: beside a subquery, the OR made both databases read every person of the
    partnership to find one agency's."""
    standing_in = StandIn.objects.filter(agency_id=agency_id).values_list("person_id", flat=True)
    return Q(agency_id=agency_id) | Q(pk__in=list(standing_in))


def managers_in_agency(person: User) -> list[User]:
    """The managers above `person` who may see what they take part in.

    Only those in `person`'s own agency, up to where the chain leaves it: a seconded
    worker's manager in another agency has no need to know their agency's cases. A
    manager who has left is passed over, and the chain goes on above them. The chain is
    read whole, in two queries however tall (`User.managers`).
    """
    return list(_in_agency(person, person.managers()))


def nearest_manager_in_agency(person: User) -> User | None:
    """The first of `managers_in_agency(person)`, reading the chain only as far as them."""
    return next(_in_agency(person, person.walk_managers()), None)


def _in_agency(person: User, chain: Iterable[User]) -> Iterator[User]:
    """Of `chain` (`person`'s managers, nearest first), those `managers_in_agency` names."""
    for manager in chain:
        if manager.agency_id != person.agency_id:
            return
        if manager.is_active:
            yield manager


def _manages_in_agency(user: User, person: User) -> bool:
    """Whether `user` is among `managers_in_agency(person)`, walking only as far as them."""
    return any(m.pk == user.pk for m in _in_agency(person, person.walk_managers()))


@dataclass(frozen=True, slots=True)
class _Reader:
    """What the database holds of one person's own part in one disagreement."""

    viewer: bool  # a viewer row: sees it whole through taking part, or someone they manage
    participant: bool  # took part at some stage
    copied: bool  # told its outcome for an agency copied in (`_copied_rows`)
    owned: frozenset[int]  # the agreed actions in it that they own
    stands_in_for: frozenset[int]  # which of its two agencies the partnership names them for


_READER_ROWS = (
    f"SELECT 'viewer', 0 FROM {Viewer._meta.db_table} WHERE disagreement_id = %s AND user_id = %s"
    f" UNION ALL SELECT 'participant', 0 FROM {Participant._meta.db_table}"
    " WHERE disagreement_id = %s AND user_id = %s"
    f" UNION ALL SELECT 'owned', a.id FROM {AgreedAction._meta.db_table} a"
    f" JOIN {Record._meta.db_table} r ON r.id = a.record_id"
    " WHERE a.owner_id = %s AND r.disagreement_id = %s"
    f" UNION ALL SELECT 'stands-in', agency_id FROM {StandIn._meta.db_table}"
    " WHERE person_id = %s AND agency_id IN (%s, %s)"
)


# Within `one_reading`, each person's part in each disagreement is read once.
_readings: ContextVar[dict | None] = ContextVar("rpd_access_readings", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """A page's one look at a case: `sight` and `capacities` share one read of the
    reader's rows inside it. Outside, each asks the database afresh, so a check made
    after someone's rows change (a new line manager, a hand-over) never sees old ones."""
    token = _readings.set({})
    try:
        yield
    finally:
        _readings.reset(token)


def _reader(user: User, d: Disagreement) -> _Reader:
    """`user`'s own part in `d`, in one query of their indexed rows."""
    memo, key = _readings.get(), (user.pk, d.pk, d.version)
    if memo is not None and key in memo:
        return memo[key]
    sql = _READER_ROWS
    params = [d.pk, user.pk, d.pk, user.pk, user.pk, d.pk, user.pk]
    params += [d.raising_agency_id, d.receiving_agency_id]
    if user.agency_id is not None:
        copied, copied_params = _copied_rows(user)
        sql += f" UNION ALL SELECT 'copied', 0 FROM ({copied}) c WHERE disagreement_id = %s"
        params += [*copied_params, d.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    kinds = {kind for kind, _ in rows}
    reader = _Reader(
        viewer="viewer" in kinds,
        participant="participant" in kinds,
        copied="copied" in kinds,
        owned=frozenset(pk for kind, pk in rows if kind == "owned"),
        stands_in_for=frozenset(pk for kind, pk in rows if kind == "stands-in"),
    )
    if memo is not None:
        memo[key] = reader
    return reader


def _involved(user: User, d: Disagreement) -> bool:
    """`involved(user, d)` for the reader, from their rows already read."""
    return _in_either_agency(user, d) or bool(_reader(user, d).stands_in_for)


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def _oversees(user: User, partnership_id: int) -> bool:
    # In that partnership, whatever other partnerships their agency serves (ADR 007).
    return user.oversees(partnership_id)


def _is_lead_of(user: User, d: Disagreement) -> bool:
    return user.has_role(Role.SAFEGUARDING_LEAD) and _involved(user, d)


def _copied_rows(user: User) -> tuple[str, list]:
    """SQL for the disagreements `user` is told the outcome of for an agency copied in: as
    its named person, or as one of its safeguarding leads where it names no one. Read from
    the CopiedAgency rows and the person's agency now, so someone who leaves the agency
    stops seeing them at once and there is nothing to rebuild (unlike the viewer rows)."""
    sql = f"SELECT disagreement_id FROM {CopiedAgency._meta.db_table} WHERE agency_id = %s AND "
    if user.has_role(Role.SAFEGUARDING_LEAD):
        return sql + "(person_id = %s OR person_id IS NULL)", [user.agency_id, user.pk]
    return sql + "person_id = %s", [user.agency_id, user.pk]


# -- Lists ----------------------------------------------------------------------------------


# Written out as SQL once rather than built as querysets and Q objects on every list: a
# list is the hot path, and composing and compiling nested expressions cost the ORM
# several times the query itself (bench/workflow.py).
_TABLE = Disagreement._meta.db_table
_VIEWER_ROWS = f"SELECT disagreement_id FROM {Viewer._meta.db_table} WHERE user_id = %s"
_OWNED = (
    f"SELECT r.disagreement_id FROM {AgreedAction._meta.db_table} a "
    f"JOIN {Record._meta.db_table} r ON r.id = a.record_id WHERE a.owner_id = %s"
)
_SUBJECT_NAME = (
    f"SELECT s.given_name || ' ' || s.family_name FROM {Subject._meta.db_table} s "
    f'WHERE s.id = "{_TABLE}".subject_id'
)


def _reasons(user: User, partnership_wide: bool) -> list[tuple[str, list]]:
    """Each reason `user` may see any of a row, as its own SQL condition: one IN over
    their viewer rows, agreed actions and agencies copied in, their agency's raised and
    received as a safeguarding lead, their partnership's as an oversight role."""
    # The agencies copied in join the same IN: one more reason would be one more query
    # for every list (queries.work_rows reads each reason on its own).
    rows, params = f"{_VIEWER_ROWS} UNION {_OWNED}", [user.pk, user.pk]
    if user.agency_id:
        copied, copied_params = _copied_rows(user)
        rows, params = f"{rows} UNION {copied}", params + copied_params
    reasons = [(f'"{_TABLE}".id IN ({rows})', params)]
    if user.agency_id and user.has_role(Role.SAFEGUARDING_LEAD):
        reasons.append((f'"{_TABLE}".raising_agency_id = %s', [user.agency_id]))
        reasons.append((f'"{_TABLE}".receiving_agency_id = %s', [user.agency_id]))
    if partnership_wide and user.overseen_partnership_ids:
        reasons.append(_in_partnerships(user.overseen_partnership_ids))
    return reasons


def _in_partnerships(ids: frozenset[int]) -> tuple[str, list]:
    ids = sorted(ids)
    marks = ", ".join(["%s"] * len(ids))
    return f'"{_TABLE}".partnership_id IN ({marks})', ids


def sight_conditions(user: User, *, partnership_wide: bool = True) -> list[RawSQL]:
    """`visible_to`'s reasons to see a disagreement, one condition each (none for no one).

    A list reads each on its own, down its own index, and merges them in the order it
    shows (queries.work_rows): the database cannot walk one index in order for an OR
    of conditions on different columns.
    """
    if not _active(user):
        return []
    return [
        RawSQL(sql, params, output_field=BooleanField())
        for sql, params in _reasons(user, partnership_wide)
    ]


def _conditions(user: User, partnership_wide: bool = True) -> dict[str, tuple[str, list]]:
    """Whether `user` sees any of a row, the whole case, or owns an action in it: SQL
    conditions on a disagreement's own columns and the user's indexed rows, so a list
    is one query."""
    # `pk IN (...)` from the viewer index rather than a correlated EXISTS: the database
    # starts from this person's rows, so the cost follows what they may see, not every
    # disagreement in the partnership. One IN over the union, not two ORed: with two,
    # SQLite and PostgreSQL both give up the index and scan every disagreement
    # (bench/workflow.py: 35-55x a pk lookup).
    pk = f'"{_TABLE}".id'
    reasons = _reasons(user, partnership_wide)
    seen = [sql for sql, _ in reasons]
    seen_params = [value for _, params in reasons for value in params]
    whole, whole_params = [f"{pk} IN ({_VIEWER_ROWS})"], [user.pk]
    if user.agency_id and user.has_role(Role.SAFEGUARDING_LEAD):
        whole.append(f'"{_TABLE}".raising_agency_id = %s OR "{_TABLE}".receiving_agency_id = %s')
        whole_params += [user.agency_id, user.agency_id]
    if partnership_wide and user.overseen_partnership_ids:
        ours, ids = _in_partnerships(user.overseen_partnership_ids)
        whole.append(f'({ours} AND "{_TABLE}".partnership_told_at IS NOT NULL)')
        whole_params += ids
    copied, copied_params = _copied_rows(user) if user.agency_id else ("SELECT NULL", [])
    return {
        "seen": ("(" + " OR ".join(seen) + ")", seen_params),
        "whole": ("(" + " OR ".join(whole) + ")", whole_params),
        "copied": (f"{pk} IN ({copied})", copied_params),
        "owns": (f"{pk} IN ({_OWNED})", [user.pk]),
    }


def visible_to(user: User, *, partnership_wide: bool = True) -> QuerySet[Disagreement]:
    """Every disagreement `user` may see anything of, as one query with no per-row checks.

    What each row may show is `with_sight`'s annotations; the register line
    (REGISTER_FIELDS) is the most any row shows without them. Without
    `partnership_wide`, an oversight role's sight of the whole partnership is left out:
    a person's own work, not everything they may look at.
    """
    if not _active(user):
        return Disagreement.objects.none()
    sql, params = _conditions(user, partnership_wide)["seen"]
    return Disagreement.objects.filter(RawSQL(sql, params, output_field=BooleanField()))


def seen_whole_by_overseers() -> Q:
    """The cases a partnership's oversight roles see whole (the condition `_conditions` and
    `sight` spell for a person holding one): those the pathway has told it about. For what
    a partnership's figures and reports may quote of a case's texts, read by no one person."""
    return Q(partnership_told_at__isnull=False)


def with_sight(user: User, *, partnership_wide: bool = True) -> QuerySet[Disagreement]:
    """`visible_to(user)`, each row annotated with its `sight` (a `Grade`) and its
    `subject_name`, NULL unless `user` may see whom it is about (the whole case, or its
    outcome for an agency copied in): the name never leaves the database for a row they
    may not."""
    if not _active(user):
        return Disagreement.objects.none()
    conditions = _conditions(user, partnership_wide)
    whole, whole_params = conditions["whole"]
    copied, copied_params = conditions["copied"]
    owns, owns_params = conditions["owns"]
    grade = (
        f"CASE WHEN {whole} THEN {Grade.CASE:d} WHEN {copied} THEN {COPIED_GRADE:d} "
        f"WHEN {owns} THEN {Grade.ACTIONS:d} ELSE {Grade.REGISTER:d} END"
    )
    name = f"CASE WHEN {whole} OR {copied} THEN ({_SUBJECT_NAME}) END"
    return visible_to(user, partnership_wide=partnership_wide).annotate(
        sight=RawSQL(
            grade, whole_params + copied_params + owns_params, output_field=IntegerField()
        ),
        subject_name=RawSQL(name, whole_params + copied_params, output_field=CharField()),
    )


# -- One disagreement -----------------------------------------------------------------------


def sight(user: User, d: Disagreement) -> Sight:
    """What `user` may see of `d` now; falsy means answer "not found".

    The one check a page or the API makes before showing a disagreement: the
    subject and the records only where `.subject` / `.records`, the agreed actions
    where `.may_see_action`, the register line (REGISTER_FIELDS) wherever it is truthy.
    """
    if not _active(user):
        return NOTHING
    reader = _reader(user, d)
    oversees = _oversees(user, d.partnership_id)
    if reader.viewer or _is_lead_of(user, d) or (oversees and d.partnership_told_at is not None):
        return Sight(Grade.CASE, reader.owned)
    if reader.copied:
        return Sight(COPIED_GRADE, reader.owned)
    if reader.owned:
        return Sight(Grade.ACTIONS, reader.owned)
    if oversees:
        return Sight(Grade.REGISTER)
    return NOTHING


def may_see_special_category(user: User, d: Disagreement) -> bool:
    """Whether `user` may read the special-category values of `d`'s forms (ethnicity,
    religion, disability, health): whoever sees the whole case, and only on a form's own
    page; they are never in a list, the case page or an email."""
    return sight(user, d).grade == Grade.CASE


def may_see(user: User, disagreement: Disagreement) -> bool:
    return bool(sight(user, disagreement))


def tell_partnership(d: Disagreement, at: datetime.datetime) -> None:
    """The pathway has told the partnership about `d` (a stage notice to one of its roles,
    a stage it leads, a referral): its oversight roles see the whole case from now on.

    Kept as a fact on the disagreement, written in the transaction that tells them, so
    sight never depends on re-reading the pathway or the outbox.
    """
    if d.partnership_told_at is None:
        d.partnership_told_at = at
        # The caller may already have saved `d` for this change (the notices come after).
        Disagreement.objects.filter(pk=d.pk, partnership_told_at__isnull=True).update(
            partnership_told_at=at
        )


# -- Viewer rows ----------------------------------------------------------------------------


def _sighted(person: User, d) -> list[User]:
    """Who sees `d` whole because `person` takes part: nobody, unless they are active and
    in an involved agency; then they and their managers in that agency."""
    if not person.is_active or not involved(person, d):
        return []
    if person.agency_id not in (d.raising_agency_id, d.receiving_agency_id):
        return [person]  # a stand-in: their own agency's managers have no need to know
    return [person, *managers_in_agency(person)]


def grant_sight(d: Disagreement, *participants: User) -> None:
    """New participants: they and their managers in their agency may see it whole."""
    sighted = {p.pk for participant in participants for p in _sighted(participant, d)}
    Viewer.objects.bulk_create(
        [Viewer(disagreement_id=d.pk, user_id=pk) for pk in sorted(sighted)],
        ignore_conflicts=True,
    )


def rebuild_viewers(people: set[int]) -> int:
    """Recompute who may see every disagreement that any of `people` takes part in.

    Called when someone's line manager, agency or active flag changes, or a manager is
    deleted, so a person who moves on stops seeing their old cases and whoever now
    manages the people on a case starts. An agency copied in has no viewer rows to
    rebuild: its sight is read from the CopiedAgency rows and the person as they are now
    (`_copied_rows`), and grants the outcome, not the whole case a viewer row means.
    """
    affected = set(
        Participant.objects.filter(user_id__in=people).values_list("disagreement_id", flat=True)
    )
    Viewer.objects.filter(disagreement_id__in=affected).delete()
    participants = Participant.objects.filter(disagreement_id__in=affected).select_related(
        "user__line_manager", "disagreement"
    )
    rows = [
        Viewer(disagreement_id=participant.disagreement_id, user_id=p.pk)
        for participant in participants
        for p in _sighted(participant.user, participant.disagreement)
    ]
    Viewer.objects.bulk_create(rows, ignore_conflicts=True)
    return len(affected)


# -- Standing -------------------------------------------------------------------------------


def capacities(user: User, disagreement: Disagreement, episode: StageEpisode | None) -> set[str]:
    """Every capacity in which `user` stands to this disagreement now; empty means 'not found'.

    Standing follows the person as they are: the raiser and each side's actor act only
    while in the agency they act for, a manager only while in the same agency as the
    actor they manage.
    """
    if not _active(user):
        return set()
    d = disagreement
    held: set[str] = set()
    if d.raised_by_id == user.pk and user.agency_id == d.raising_agency_id:
        held.add(Capacity.RAISER)
    if episode is not None:
        sides = (
            (Side.RAISING, Capacity.RAISING_ACTOR, d.raising_agency_id),
            (Side.RECEIVING, Capacity.RECEIVING_ACTOR, d.receiving_agency_id),
        )
        for side, capacity, agency_id in sides:
            actor = episode.actor(side)
            if actor.agency_id != agency_id and not stands_in(actor, agency_id):
                continue  # acts for an agency they have left: someone must take it over
            if actor.pk == user.pk:
                held.add(capacity)
            # Only someone in the actor's agency can be among their managers there: the
            # other side's chain is not walked (a query per rung) for nothing.
            elif user.agency_id == actor.agency_id and _manages_in_agency(user, actor):
                held.add(Capacity.MANAGER)
    if _oversees(user, d.partnership_id):
        held.add(Capacity.OVERSIGHT)
        if episode is not None and episode.led_by_role:
            # An independent chair leads where the pack names one; the partnership's
            # unit leads where it names the partnership (a unit, an executive, a panel).
            kind = d.pack.role(episode.led_by_role).kind
            leads = Role.BOARD_CHAIR if kind == "independent" else Role.PARTNERSHIP_UNIT
            if leads in user.roles_in(d.partnership_id):
                held.add(Capacity.LEADER)
    if _is_lead_of(user, d):
        held.add(Capacity.LEAD)
    reader = _reader(user, d)
    if reader.participant and _involved(user, d):
        held.add(Capacity.PARTICIPANT)
    elif reader.viewer:
        held.add(Capacity.PARTICIPANTS_MANAGER)
    if reader.owned:
        held.add(Capacity.ACTION_OWNER)
    if reader.copied:
        held.add(Capacity.COPIED)
    return held


def on_the_case(d: Disagreement, partnership_leads: bool) -> QuerySet[User]:
    """Whom a page offers as having taken part in a discussion of `d`: everyone who sees
    it whole through taking part (each participant and their managers in their agency),
    the two agencies' safeguarding leads and whoever stands in for them, and, where the
    partnership leads the stage (`partnership_leads`), its unit and chair.

    Not a rule of who may take part (anyone in the partnership may, and a record may name
    them): a partnership's thousands are no list to tick.
    """
    agencies = (d.raising_agency_id, d.receiving_agency_id)
    who = [
        Viewer.objects.filter(disagreement_id=d.pk).values("user_id"),
        RoleGrant.objects.filter(role=Role.SAFEGUARDING_LEAD, user__agency_id__in=agencies).values(
            "user_id"
        ),
        StandIn.objects.filter(agency_id__in=agencies).values("person_id"),
    ]
    if partnership_leads:
        who.append(
            RoleGrant.objects.filter(
                partnership_id=d.partnership_id, role__in=OVERSIGHT_ROLES
            ).values("user_id")
        )
    # One IN over the union: an OR of the three made SQLite read every person in the
    # partnership to test each against them.
    return User.objects.filter(pk__in=who[0].union(*who[1:], all=True), is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def oversees(user: User) -> bool:
    """Whether `user` may use the partnership-wide oversight lists (of any partnership)."""
    return bool(user.is_authenticated and user.is_active and user.overseen_partnership_ids)


def overseen_by(user: User, partnership_id: int | None = None) -> QuerySet[Disagreement]:
    """The partnership's disagreements whose register line an oversight role sees.

    The oversight lists start here rather than from `visible_to`: every row of the
    partnership is in sight anyway, and without the OR of a person's own rows the
    database walks the live-deadline index in the order the list is shown.
    """
    if not oversees(user):
        return Disagreement.objects.none()
    ids = user.overseen_partnership_ids
    if partnership_id is not None:
        ids = ids & {partnership_id}
    if len(ids) == 1:  # one equality keeps the lists on their (partnership, ...) indexes
        return Disagreement.objects.filter(partnership_id=next(iter(ids)))
    return Disagreement.objects.filter(partnership_id__in=ids)


def administers(user: User, partnership) -> bool:
    """Whether `user` administers `partnership` (its pathway, agencies and people).

    The one place pages ask: an administrator of one partnership is no one's elsewhere,
    though their agency serves several (ADR 007).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    return user.administers(partnership.pk)


def administered(user: User, slug: str) -> Partnership | None:
    """The partnership `slug` if `user` administers it; None for anyone else, who is told
    its administration pages do not exist."""
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not administers(user, partnership):
        return None
    return partnership
