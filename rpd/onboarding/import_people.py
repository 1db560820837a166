"""Importing a partnership's agencies, ladders and people from one CSV (docs/import.md).

Three steps, so nothing is written unless every row is good:

1. `csvformat.read` reads the file (encoding, header, size) or refuses it whole;
2. `plan` loads what exists already in a handful of queries (`Snapshot`), checks every
   row against it and the pathway, and either raises `ImportRefused` with every bad row
   by line and column, or returns the changes as a `Plan` (a dry run stops here);
3. `apply` writes the plan in one transaction, in bulk (a few queries per kind of row,
   never one per row), with one audit event holding the counts.

Rows are matched to what exists by email address (people) and agency code (agencies),
and a title on an agency's ladder by its text, so importing the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from rpd.audit import log as audit
from rpd.disagreements.models import LIVE, Participant
from rpd.pathways.describe import plural as count
from rpd.pathways.schema import Pack
from rpd.people.models import (
    PARTNERSHIP_ROLES,
    Agency,
    AgencyType,
    Membership,
    Partnership,
    Role,
    RoleGrant,
    RoleHolder,
    Rung,
    User,
)

from . import csvformat
from .csvformat import BY_NAME, Row, Table

CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ROLES = {r.value for r in Role}
TYPES = {t.value for t in AgencyType}
PERSON_FIELDS = ("first_name", "last_name", "agency", "rung", "job_title", "team", "phone")
# What a person's blank `roles` cell means, by how high their rung stands on the pathway.
PRACTITIONER_ROLES = frozenset({Role.PRACTITIONER})
MANAGER_ROLES = frozenset({Role.MANAGER})
SENIOR_ROLES = frozenset({Role.MANAGER, Role.SENIOR_MANAGER})

Progress = Callable[[str], None]


def quiet(message: str) -> None:
    pass


@dataclass(frozen=True, order=True)
class RowError:
    line: int
    column: str
    message: str
    letter: str = ""  # the column's letter in this file, as a spreadsheet shows it

    @property
    def where(self) -> str:
        if not self.column:
            return ""
        return f"{self.column} ({self.letter})" if self.letter else self.column

    def __str__(self) -> str:
        where = f", column {self.where}" if self.column else ""
        return f"line {self.line}{where}: {self.message}"


class ImportRefused(Exception):
    """The file, or some of its rows, cannot be imported: nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        super().__init__(count(len(self.errors), "problem"))

    def lines(self, limit: int | None = None) -> list[str]:
        shown = self.errors if limit is None else self.errors[:limit]
        more = len(self.errors) - len(shown)
        return [str(e) for e in shown] + ([f"... and {more} more"] if more else [])


@dataclass
class Change:
    """What importing does to one agency, rung or person."""

    kind: str  # "agency", "rung" or "person"
    key: str  # agency code, "code: title", or email
    action: str  # "create", "update" or "unchanged"
    line: int
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        changed = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"line {self.line}: {self.action} {self.kind} {self.key}{changed}"


@dataclass
class PersonPlan:
    row: Row
    email: str
    user: User | None  # the existing person, if any
    values: dict  # first_name, last_name, job_title, team, phone
    agency_code: str
    rung_title: str
    manager_email: str
    roles: frozenset[str]
    pack_roles: frozenset[str]
    change: Change | None = None


@dataclass
class Plan:
    partnership: Partnership
    pack: Pack
    agencies: dict[str, dict]  # code -> {"agency": Agency|None, "name", "type", "join"}
    rungs: dict[tuple[str, str], dict]  # (code, title) -> {"rung", "pathway_rung", "position"}
    people: list[PersonPlan]
    changes: list[Change]
    snapshot: Snapshot | None = None

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {
            k: {"create": 0, "update": 0, "unchanged": 0} for k in ("agency", "rung", "person")
        }
        for change in self.changes:
            counts[change.kind][change.action] += 1
        return counts

    def summary(self, done: bool = False) -> str:
        c = self.counts()
        create, update = ("created", "updated") if done else ("to create", "to update")
        parts = []
        for kind, plural in (("agency", "agencies"), ("rung", "rungs"), ("person", "people")):
            n = c[kind]
            parts.append(
                f"{plural}: {n['create']} {create}, {n['update']} {update}, "
                f"{n['unchanged']} unchanged"
            )
        return "; ".join(parts)

    @property
    def changes_anything(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)


@dataclass
class Snapshot:
    """What exists already that the file may name, loaded in a fixed number of queries."""

    agencies: dict[str, Agency]  # by code
    member_ids: set[int]  # agencies already serving the partnership
    rungs: dict[int, list[Rung]]  # by agency id, in ladder order
    users: dict[str, User]  # by email
    taken_usernames: set[str]
    grants: dict[int, list[RoleGrant]]  # by user id: agency roles and this partnership's
    holdings: dict[int, list[RoleHolder]]  # by user id, in this partnership
    busy: set[int]  # people taking part in a live disagreement
    managed: dict[str, str]  # the partnership's people: email -> line manager's email

    @classmethod
    def load(cls, partnership: Partnership, table: Table) -> Snapshot:
        codes = {r.values["agency_code"].lower() for r in table.rows}
        emails = {r.values["email"].lower() for r in table.rows} | {
            r.values["line_manager_email"].lower() for r in table.rows
        }
        emails.discard("")
        agencies = {
            a.code: a for a in Agency.objects.filter(code__in=codes).select_related("owner")
        }
        member_ids = set(
            Membership.objects.filter(partnership=partnership).values_list("agency_id", flat=True)
        )
        users = {
            u.email: u
            for u in User.objects.filter(email__in=emails).select_related(
                "agency__owner", "rung", "line_manager"
            )
        }
        # Who manages whom among the partnership's people, to find a loop the file would
        # close through someone it does not mention.
        managed = dict(
            User.objects.filter(agency_id__in=member_ids, line_manager__isnull=False).values_list(
                "email", "line_manager__email"
            )
        )
        agency_ids = {a.pk for a in agencies.values()} | {
            u.agency_id for u in users.values() if u.agency_id
        }
        rungs: dict[int, list[Rung]] = defaultdict(list)
        for rung in Rung.objects.filter(agency_id__in=agency_ids).order_by("agency", "position"):
            rungs[rung.agency_id].append(rung)
        user_ids = [u.pk for u in users.values()]
        grants: dict[int, list[RoleGrant]] = defaultdict(list)
        for grant in RoleGrant.objects.filter(user_id__in=user_ids).filter(
            Q(partnership__isnull=True) | Q(partnership=partnership)
        ):
            grants[grant.user_id].append(grant)
        holdings: dict[int, list[RoleHolder]] = defaultdict(list)
        for holder in RoleHolder.objects.filter(partnership=partnership, user_id__in=user_ids):
            holdings[holder.user_id].append(holder)
        new = {r.values["email"].lower() for r in table.rows} - set(users)
        taken = set(User.objects.filter(username__in=new).values_list("username", flat=True))
        busy = set(
            Participant.objects.filter(
                user_id__in=user_ids, disagreement__status__in=sorted(LIVE)
            ).values_list("user_id", flat=True)
        )
        return cls(agencies, member_ids, rungs, users, taken, grants, holdings, busy, managed)


def default_roles(rank: int) -> frozenset[str]:
    """A blank `roles` cell: practitioner on the first rung, manager above, senior from
    the third rung up (as the seeds' ladders climb)."""
    if rank <= 0:
        return PRACTITIONER_ROLES
    return MANAGER_ROLES if rank == 1 else SENIOR_ROLES


def _split(value: str) -> list[str]:
    return [part.strip().lower() for part in re.split(r"[;,]", value) if part.strip()]


class _Checker:
    """Collects every problem of every row; nothing stops at the first."""

    def __init__(self):
        self.errors: list[RowError] = []

    def __call__(self, row: Row | int, column: str, message: str) -> None:
        line = row if isinstance(row, int) else row.line
        self.errors.append(RowError(line, column, message))


def _check_cells(row: Row, pack: Pack, bad: _Checker) -> None:
    v = row.values
    for name, value in v.items():
        column = BY_NAME[name]
        if column.required and not value:
            bad(row, name, f"is empty: {column.hint}")
        elif len(value) > column.max_length:
            bad(row, name, f"is {len(value)} characters long; the most is {column.max_length}")
    for name in ("email", "line_manager_email"):
        if v[name] and len(v[name]) <= BY_NAME[name].max_length:
            try:
                validate_email(v[name])
            except ValidationError:
                bad(row, name, f"{v[name]!r} is not an email address")
    if len(v["email"]) > 150:
        bad(row, "email", "is longer than 150 characters, the most a sign-in name may be")
    if v["email"] and v["email"].lower() == v["line_manager_email"].lower():
        bad(row, "line_manager_email", "is the person's own address")
    if v["agency_code"] and not CODE.match(v["agency_code"].lower()):
        bad(
            row,
            "agency_code",
            f"{v['agency_code']!r} is not a code: use lower-case letters, digits and hyphens",
        )
    if v["agency_type"] and v["agency_type"].lower() not in TYPES:
        bad(row, "agency_type", f"{v['agency_type']!r} is not one of {', '.join(sorted(TYPES))}")
    rung_ids = [r.id for r in pack.rungs]
    if v["pathway_rung"] and v["pathway_rung"].lower() not in rung_ids:
        bad(
            row,
            "pathway_rung",
            f"{v['pathway_rung']!r} is not a rung of the {pack.id} pathway ({', '.join(rung_ids)})",
        )
    for role in _split(v["roles"]):
        if role not in ROLES:
            bad(row, "roles", f"{role!r} is not a role ({', '.join(sorted(ROLES))})")
    pack_roles = {r.id: r for r in pack.roles if r.kind != "party"}
    for role in _split(v["pack_roles"]):
        if role not in pack_roles:
            known = ", ".join(sorted(pack_roles)) or "none"
            bad(
                row, "pack_roles", f"{role!r} is not one of the {pack.id} pathway's roles ({known})"
            )


def _governed_elsewhere(row, code: str, agency: Agency, partnership, bad) -> None:
    """A row naming an agency another partnership governs: its people, name and ladder
    are that partnership's to change, never an import's here (ADR 007, 2026-12-05)."""
    owner = agency.owner.name if agency.owner_id else "no partnership"
    bad(
        row,
        "agency_code",
        f"{code} is governed by {owner}, not {partnership.name}: only its administrators "
        "add or change its people; leave its rows out",
    )
    v = row.values
    if v["agency_name"] and v["agency_name"] != agency.name:
        bad(row, "agency_name", f"renames {code}, which {partnership.name} does not govern")
    if v["agency_type"] and v["agency_type"].lower() != agency.type:
        bad(row, "agency_type", f"changes {code}'s type, which {partnership.name} does not govern")


def _agencies(table, snapshot, bad, partnership) -> dict[str, dict]:
    """Each agency code the file names: the agency, its name and type, from its rows."""
    agencies: dict[str, dict] = {}
    given_on: dict[tuple[str, str], int] = {}  # (code, "name"/"type") -> the line giving it
    names: dict[str, str] = {}
    for row in table.rows:
        v = row.values
        code = v["agency_code"].lower()
        if not CODE.match(code):
            continue
        existing = snapshot.agencies.get(code)
        if existing is not None and existing.owner_id != partnership.pk:
            _governed_elsewhere(row, code, existing, partnership, bad)
        entry = agencies.setdefault(
            code,
            {
                "agency": existing,
                "name": existing.name if existing else "",
                "type": existing.type if existing else "",
                "line": row.line,
            },
        )
        for column, key in (("agency_name", "name"), ("agency_type", "type")):
            value = v[column] if key == "name" else v[column].lower()
            if not value or (key == "type" and value not in TYPES):
                continue  # blank, or named already by _check_cells
            first = given_on.setdefault((code, key), row.line)
            if first != row.line and entry[key] != value:
                bad(
                    row,
                    column,
                    f"{value!r} differs from {entry[key]!r} given for {code} on line {first}",
                )
            else:
                entry[key] = value
        if v["agency_name"]:
            other = names.setdefault(v["agency_name"].lower(), code)
            if other != code:
                bad(row, "agency_name", f"{v['agency_name']!r} is already the name of {other}")
    for code, entry in agencies.items():
        if entry["agency"] is None:
            for column, key in (("agency_name", "name"), ("agency_type", "type")):
                if not entry[key]:
                    bad(
                        entry["line"],
                        column,
                        f"{code} is a new agency code: give its {key} on one of its rows "
                        "(or check the code for a typo)",
                    )
    return agencies


def _rungs(table, pack, agencies, snapshot, bad) -> dict[tuple[str, str], dict]:
    """Each (agency code, title) the file names, with its pathway rung and ladder position."""
    rank = {r.id: i for i, r in enumerate(pack.rungs)}
    rungs: dict[tuple[str, str], dict] = {}
    for row in table.rows:
        v = row.values
        code, title = v["agency_code"].lower(), v["rung_title"]
        if code not in agencies or not title:
            continue
        agency = agencies[code]["agency"]
        existing = {r.title: r for r in snapshot.rungs.get(agency.pk, [])} if agency else {}
        key = (code, title)
        entry = rungs.get(key)
        given = v["pathway_rung"].lower()
        if entry is None:
            rung = existing.get(title)
            entry = rungs[key] = {
                "rung": rung,
                "pathway_rung": rung.pathway_rung if rung else "",
                "line": row.line,
                "given_on": None,
            }
        if given and given not in rank:
            entry["given_on"] = entry["given_on"] or -1  # named already by _check_cells
        if given and given in rank:
            if entry["given_on"] not in (None, -1) and entry["pathway_rung"] != given:
                bad(
                    row,
                    "pathway_rung",
                    f"{given!r} differs from {entry['pathway_rung']!r} given for "
                    f"{title!r} at {code} on line {entry['given_on']}",
                )
            elif entry["given_on"] in (None, -1):
                entry["pathway_rung"], entry["given_on"] = given, row.line
    for (code, title), entry in rungs.items():
        if not entry["pathway_rung"] and entry["given_on"] != -1:
            bad(
                entry["line"],
                "pathway_rung",
                f"{title!r} is not yet on {code}'s ladder: say which of the pathway's rungs "
                f"it stands on ({', '.join(rank)})",
            )
        elif entry["pathway_rung"] and entry["pathway_rung"] not in rank:
            bad(
                entry["line"],
                "rung_title",
                f"{title!r} at {code} stands on {entry['pathway_rung']!r}, which the "
                f"{pack.id} pathway does not have: give its pathway_rung",
            )
    # Positions: every rung of each agency (the file's and those it already has) in the
    # pathway's order, titles on one pathway rung in the order they are first met.
    by_agency: dict[str, list[tuple]] = defaultdict(list)
    for (code, title), entry in rungs.items():
        order = entry["rung"].position if entry["rung"] else 10_000 + entry["line"]
        by_agency[code].append((rank.get(entry["pathway_rung"], 99), order, title))
    for code, entry in agencies.items():
        agency = entry["agency"]
        for rung in snapshot.rungs.get(agency.pk, []) if agency else []:
            if (code, rung.title) not in rungs:
                by_agency[code].append((rank.get(rung.pathway_rung, 99), rung.position, rung))
    for code, items in by_agency.items():
        for position, (_, _, item) in enumerate(sorted(items, key=lambda i: i[:2]), start=1):
            if isinstance(item, Rung):
                rungs[(code, item.title)] = {
                    "rung": item,
                    "pathway_rung": item.pathway_rung,
                    "line": 0,  # not in the file: only its position may move
                    "position": position,
                }
            else:
                rungs[(code, item)]["position"] = position
    return rungs


def _cycles(managers: dict[str, str]) -> list[list[str]]:
    """Every loop in who-manages-whom (email -> manager's email)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    loops = []
    for start in managers:
        path, person = [], start
        while person in managers and state.get(person) is None:
            state[person] = 1
            path.append(person)
            person = managers[person]
        if state.get(person) == 1:
            loops.append(path[path.index(person) :])
        for p in path:
            state[p] = 2
    return loops


def plan(
    partnership: Partnership, table: Table, progress: Progress = quiet, pack: Pack | None = None
) -> Plan:
    """Check every row against what exists and the pathway; the changes, or ImportRefused."""
    pack = pack or partnership.pathway_entry().pack
    bad = _Checker()
    progress(f"checking {len(table.rows):,} rows")
    for row in table.rows:
        _check_cells(row, pack, bad)
    snapshot = Snapshot.load(partnership, table)
    agencies = _agencies(table, snapshot, bad, partnership)
    rungs = _rungs(table, pack, agencies, snapshot, bad)
    rank = {r.id: i for i, r in enumerate(pack.rungs)}
    pack_roles = {r.id: r for r in pack.roles}

    seen: dict[str, int] = {}
    people: list[PersonPlan] = []
    for row in table.rows:
        v = row.values
        email = v["email"].lower()
        if not email:
            continue
        if email in seen:
            bad(row, "email", f"{email} is also on line {seen[email]}: one row per person")
            continue
        seen[email] = row.line
        user = snapshot.users.get(email)
        code = v["agency_code"].lower()
        if user is not None:
            _check_existing(row, user, code, partnership, snapshot, bad)
        elif email in snapshot.taken_usernames:
            bad(row, "email", f"{email} is already someone else's sign-in name")
        rung = rungs.get((code, v["rung_title"]))
        roles = frozenset(_split(v["roles"]))
        if not v["roles"] and rung:
            roles = default_roles(rank.get(rung["pathway_rung"], 0))
        people.append(
            PersonPlan(
                row=row,
                email=email,
                user=user,
                values={
                    "first_name": v["given_name"],
                    "last_name": v["family_name"],
                    "job_title": v["job_title"] or v["rung_title"],
                    "team": v["team"],
                    "phone": v["phone"],
                },
                agency_code=code,
                rung_title=v["rung_title"],
                manager_email=v["line_manager_email"].lower(),
                roles=roles,
                pack_roles=frozenset(r for r in _split(v["pack_roles"]) if r in pack_roles),
            )
        )

    _check_managers(people, snapshot, partnership, bad)
    if bad.errors:
        raise ImportRefused(
            [RowError(e.line, e.column, e.message, table.letter(e.column)) for e in bad.errors]
        )
    progress("all rows are good; working out what changes")
    return _changes(partnership, pack, agencies, rungs, people, snapshot)


def _check_existing(row, user: User, code: str, partnership, snapshot: Snapshot, bad) -> None:
    if not user.is_active:
        bad(row, "email", f"{user.email} has left: reinstate them on their page first")
        return
    # Only someone in an agency this partnership governs (ADR 007, 2026-12-05).
    here = user.agency_id is not None and user.agency.owner_id == partnership.pk
    same_agency = user.agency_id is not None and user.agency.code == code
    if not here:
        where = user.agency.name if user.agency_id else "no agency"
        bad(
            row,
            "email",
            f"{user.email} is already registered ({where}), outside {partnership.name}'s "
            "own agencies: the partnership governing theirs changes them",
        )
    elif not same_agency and user.pk in snapshot.busy:
        bad(
            row,
            "agency_code",
            f"{user.email} takes part in open disagreements: hand them over on the "
            "person's page before moving them to another agency",
        )


def _check_managers(people: list[PersonPlan], snapshot: Snapshot, partnership, bad) -> None:
    in_file = {p.email: p for p in people}
    # Registered people the file does not mention keep their manager: a loop may pass
    # through them too.
    managers = {e: m for e, m in snapshot.managed.items() if e not in in_file}
    for person in people:
        email = person.manager_email
        if not email:
            continue
        if email not in in_file:
            manager = snapshot.users.get(email)
            if manager is None:
                bad(
                    person.row,
                    "line_manager_email",
                    f"{email} is neither in this file nor registered",
                )
                continue
            if manager.agency_id not in snapshot.member_ids or not manager.is_active:
                bad(
                    person.row,
                    "line_manager_email",
                    f"{email} is not an active person in {partnership.name}",
                )
                continue
        managers[person.email] = email
    for loop in _cycles(managers):
        described = " → ".join([*loop, loop[0]])
        for email in loop:
            if email in in_file:
                bad(
                    in_file[email].row,
                    "line_manager_email",
                    f"line management goes round in a circle: {described}",
                )


def _changes(partnership, pack, agencies, rungs, people, snapshot: Snapshot) -> Plan:
    changes: list[Change] = []
    for code, entry in agencies.items():
        agency = entry["agency"]
        entry["join"] = agency is None or agency.pk not in snapshot.member_ids
        if agency is None:
            changes.append(Change("agency", code, "create", entry["line"]))
            continue
        fields = [f for f in ("name", "type") if getattr(agency, f) != entry[f]]
        fields += ["joins the partnership"] if entry["join"] else []
        action = "update" if fields else "unchanged"
        changes.append(Change("agency", code, action, entry["line"], fields))
    for (code, title), entry in rungs.items():
        rung = entry["rung"]
        key = f"{code}: {title}"
        if rung is None:
            changes.append(Change("rung", key, "create", entry["line"]))
            continue
        fields = [
            name for name in ("pathway_rung", "position") if getattr(rung, name) != entry[name]
        ]
        if entry["line"] or fields:  # a rung the file does not name, only when it moves
            action = "update" if fields else "unchanged"
            changes.append(Change("rung", key, action, entry["line"], fields))
    result = Plan(partnership, pack, agencies, rungs, people, changes, snapshot)
    for person in people:
        if person.user is None:
            person.change = Change("person", person.email, "create", person.row.line)
        else:
            fields = _person_fields(result, person)
            action = "update" if fields else "unchanged"
            person.change = Change("person", person.email, action, person.row.line, fields)
        changes.append(person.change)
    return result


def wanted_grants(plan: Plan, person: PersonPlan) -> set[tuple[str, int | None]]:
    """(role, partnership id) for each role the row gives: a partnership's roles here."""
    pid = plan.partnership.pk
    return {(r, pid if r in PARTNERSHIP_ROLES else None) for r in person.roles}


def wanted_holdings(plan: Plan, person: PersonPlan, agency_id: int | None):
    """(pack role id, agency id) for each pack role: a role of kind agency for theirs."""
    kinds = {r.id: r.kind for r in plan.pack.roles}
    return {(r, agency_id if kinds[r] == "agency" else None) for r in person.pack_roles}


def _person_fields(plan: Plan, person: PersonPlan) -> list[str]:
    user, snapshot = person.user, plan.snapshot
    fields = [name for name, value in person.values.items() if getattr(user, name) != value]
    agency = plan.agencies[person.agency_code]["agency"]
    if agency is None or user.agency_id != agency.pk:
        fields.append("agency")
    rung = plan.rungs[(person.agency_code, person.rung_title)]["rung"]
    if rung is None or user.rung_id != rung.pk:
        fields.append("rung")
    current = user.line_manager.email if user.line_manager_id else ""
    if person.manager_email != current:
        fields.append("line manager")
    have = {(g.role, g.partnership_id) for g in snapshot.grants.get(user.pk, [])}
    if have != wanted_grants(plan, person):
        fields.append("roles")
    held = {(h.role_id, h.agency_id) for h in snapshot.holdings.get(user.pk, [])}
    if held != wanted_holdings(plan, person, agency.pk if agency else None):
        fields.append("pack roles")
    return fields


# -- Writing ------------------------------------------------------------------------------

BATCH = 500


def apply(plan: Plan, *, by: User | None, source: str = "", progress: Progress = quiet) -> dict:
    """Write the plan in one transaction, in bulk, with one audit event; the counts."""
    partnership = plan.partnership
    counts = plan.counts()
    with transaction.atomic():
        agencies = _write_agencies(plan)
        progress(f"agencies written ({len(agencies)})")
        rungs = _write_rungs(plan, agencies)
        progress(f"ladders written ({len(rungs)} rungs)")
        users = _write_people(plan, agencies, rungs, progress)
        _write_managers(plan, users)
        progress("line managers set")
        granted, revoked = _write_grants(plan, users)
        _tell_sight_holders(plan, granted, by)
        held, released = _write_holdings(plan, users)
        progress("roles set")
        audit.append(
            action="people.imported",
            target=f"partnership:{partnership.slug}",
            actor=by,
            partnership_id=partnership.pk,
            data={
                "source": source[:200],
                "lines": len(plan.people),
                "agencies": counts["agency"],
                "rungs": counts["rung"],
                "people": counts["person"],
                "roles": {"granted": len(granted), "revoked": revoked},
                "pack_roles": {"assigned": held, "removed": released},
            },
        )
    return counts


def _write_agencies(plan: Plan) -> dict[str, Agency]:
    agencies, new, changed = {}, [], []
    for code, entry in plan.agencies.items():
        agency = entry["agency"]
        if agency is None:
            agency = Agency(
                code=code, name=entry["name"], type=entry["type"], owner=plan.partnership
            )
            new.append(agency)
        elif (agency.name, agency.type) != (entry["name"], entry["type"]):
            agency.name, agency.type = entry["name"], entry["type"]
            changed.append(agency)
        agencies[code] = agency
    Agency.objects.bulk_create(new)
    Agency.objects.bulk_update(changed, ["name", "type"])
    Membership.objects.bulk_create(
        Membership(partnership=plan.partnership, agency=agencies[code])
        for code, entry in plan.agencies.items()
        if entry["join"]
    )
    return agencies


def _write_rungs(plan: Plan, agencies: dict[str, Agency]) -> dict[tuple[str, str], Rung]:
    rungs, new, moved = {}, [], []
    for (code, title), entry in plan.rungs.items():
        rung = entry["rung"]
        if rung is None:
            rung = Rung(
                agency=agencies[code],
                title=title,
                pathway_rung=entry["pathway_rung"],
                position=entry["position"],
            )
            new.append(rung)
        elif (rung.pathway_rung, rung.position) != (entry["pathway_rung"], entry["position"]):
            rung.pathway_rung, rung.position = entry["pathway_rung"], entry["position"]
            moved.append(rung)
        rungs[(code, title)] = rung
    # Positions are unique per agency: park the moving rungs above every position in use
    # first, so no two share one between the updates.
    if moved:
        final = [(r, r.position) for r in moved]
        for offset, rung in enumerate(moved, start=1):
            rung.position = 30_000 + offset
        Rung.objects.bulk_update(moved, ["position"])
        for rung, position in final:
            rung.position = position
        Rung.objects.bulk_update(moved, ["pathway_rung", "position"])
    Rung.objects.bulk_create(new)
    return rungs


def _write_people(plan: Plan, agencies, rungs, progress: Progress) -> dict[str, User]:
    users, new, changed = {}, [], []
    for person in plan.people:
        agency = agencies[person.agency_code]
        rung = rungs[(person.agency_code, person.rung_title)]
        user = person.user
        if user is None:
            # No password: they set one through a reset link, or sign in with their
            # employer's account; the address is their sign-in name.
            user = User(
                username=person.email,
                email=person.email,
                password=make_password(None),
                agency=agency,
                rung=rung,
                **person.values,
            )
            new.append(user)
        elif {"agency", "rung", *person.values} & set(person.change.fields):
            for name, value in person.values.items():
                setattr(user, name, value)
            user.agency, user.rung = agency, rung
            changed.append(user)
        users[person.email] = user
    # New people are created with their line manager already set, managers first, a
    # level of the hierarchy at a time: one UPDATE of 2,000 line managers afterwards
    # costs more than all the INSERTs together.
    managers = {p.email: p.manager_email for p in plan.people}
    levels: dict[str, int] = {}

    def level(email: str) -> int:
        # Up the chain to someone whose level is known (no loops: plan refused them),
        # without recursion: a file may hold a chain longer than Python's stack.
        chain = []
        while email not in levels:
            manager = managers.get(email, "")
            if not (manager in users and users[manager].pk is None):
                levels[email] = 0
                break
            chain.append(email)
            email = manager
        for below in reversed(chain):
            levels[below] = levels[managers[below]] + 1
        return levels[chain[0]] if chain else levels[email]

    done = 0
    for depth in sorted({level(u.email) for u in new}):
        wave = [u for u in new if levels[u.email] == depth]
        for user in wave:
            manager = users.get(managers[user.email]) or plan.snapshot.users.get(
                managers[user.email]
            )
            user.line_manager = manager
        for start in range(0, len(wave), BATCH):
            User.objects.bulk_create(wave[start : start + BATCH])
            done += len(wave[start : start + BATCH])
            progress(f"people created: {done:,} of {len(new):,}")
    User.objects.bulk_update(changed, [*PERSON_FIELDS], batch_size=BATCH)
    if changed:
        progress(f"people updated: {len(changed):,}")
    return users


def _write_managers(plan: Plan, users: dict[str, User]) -> None:
    """Line managers of people registered already (new people have theirs)."""
    changed = []
    for person in plan.people:
        if person.user is None:
            continue
        user = users[person.email]
        manager = users.get(person.manager_email) or plan.snapshot.users.get(person.manager_email)
        manager_id = manager.pk if manager else None
        if user.line_manager_id != manager_id:
            user.line_manager_id = manager_id
            changed.append(user)
    User.objects.bulk_update(changed, ["line_manager"], batch_size=BATCH)


def _tell_sight_holders(plan: Plan, granted: list[RoleGrant], by: User | None) -> None:
    """Each person the file gives a role that sees cases (a safeguarding lead, the unit,
    the chair) is told by email who gave it; the import's audit event names `by`."""
    from rpd.administration import access, notices
    from rpd.notifications.models import Notice

    given: dict[int, set[str]] = defaultdict(set)
    people = {}
    for grant in granted:
        if grant.role in access.SIGHT_ROLES:
            given[grant.user.pk].add(grant.role)
            people[grant.user.pk] = grant.user
    told = [
        notices.role_granted(people[pk], roles, plan.partnership, by, save=False)
        for pk, roles in given.items()
    ]
    Notice.objects.bulk_create([n for n in told if n is not None], batch_size=BATCH)


def _write_grants(plan: Plan, users: dict[str, User]) -> tuple[list[RoleGrant], int]:
    add, drop = [], []
    for person in plan.people:
        user = users[person.email]
        have = {(g.role, g.partnership_id): g for g in plan.snapshot.grants.get(user.pk, [])}
        want = wanted_grants(plan, person)
        drop += [g.pk for key, g in have.items() if key not in want]
        add += [
            RoleGrant(user=user, role=role, partnership_id=pid)
            for role, pid in sorted(want - set(have), key=str)
        ]
    RoleGrant.objects.filter(pk__in=drop).delete()
    RoleGrant.objects.bulk_create(add, batch_size=BATCH)
    return add, len(drop)


def _write_holdings(plan: Plan, users: dict[str, User]) -> tuple[int, int]:
    add, drop = [], []
    for person in plan.people:
        user = users[person.email]
        have = {(h.role_id, h.agency_id): h for h in plan.snapshot.holdings.get(user.pk, [])}
        want = wanted_holdings(plan, person, user.agency_id)
        drop += [h.pk for key, h in have.items() if key not in want]
        add += [
            RoleHolder(partnership=plan.partnership, role_id=role, user=user, agency_id=agency)
            for role, agency in sorted(want - set(have), key=str)
        ]
    RoleHolder.objects.filter(pk__in=drop).delete()
    RoleHolder.objects.bulk_create(add, batch_size=BATCH)
    return len(add), len(drop)


def import_file(
    partnership: Partnership,
    data: bytes,
    *,
    by: User | None,
    dry_run: bool = False,
    source: str = "",
    progress: Progress = quiet,
) -> Plan:
    """Read, check and (unless a dry run) write a file: the plan, or ImportRefused /
    csvformat.FileProblem with nothing written."""
    progress(f"reading {source or 'the file'} ({len(data):,} bytes)")
    table = csvformat.read(data)
    result = plan(partnership, table, progress)
    if not dry_run:  # even when nothing changes: the audit log shows it was imported
        apply(result, by=by, source=source, progress=progress)
    return result


# -- The template: the partnership's people as a file to edit and import again ----------


def current_rows(partnership: Partnership) -> list[dict[str, str]]:
    """Everyone active in the agencies the partnership governs, in the import's columns,
    so that importing the downloaded file again changes nothing. (People of an agency
    another partnership governs are that partnership's to import.)"""
    people = (
        User.objects.filter(agency__owner=partnership, is_active=True)
        .select_related("agency", "rung", "line_manager")
        .order_by("agency__code", "rung__position", "last_name", "first_name", "pk")
    )
    grants: dict[int, list[str]] = defaultdict(list)
    for user_id, role in (
        RoleGrant.objects.filter(user__in=people)
        .filter(Q(partnership__isnull=True) | Q(partnership=partnership))
        .order_by("role")
        .values_list("user_id", "role")
    ):
        grants[user_id].append(role)
    holdings: dict[int, list[str]] = defaultdict(list)
    for user_id, role_id in (
        RoleHolder.objects.filter(partnership=partnership, user__in=people)
        .order_by("role_id")
        .values_list("user_id", "role_id")
    ):
        holdings[user_id].append(role_id)
    rows, named = [], set()
    for person in people:
        agency, rung = person.agency, person.rung
        first = agency.code not in named
        named.add(agency.code)
        rows.append(
            {
                "email": person.email,
                "given_name": person.first_name,
                "family_name": person.last_name,
                "agency_code": agency.code,
                "agency_name": agency.name if first else "",
                "agency_type": agency.type if first else "",
                "rung_title": rung.title if rung else "",
                "pathway_rung": rung.pathway_rung if rung else "",
                "line_manager_email": person.line_manager.email if person.line_manager_id else "",
                "job_title": "" if rung and person.job_title == rung.title else person.job_title,
                "team": person.team,
                "phone": person.phone,
                "roles": ";".join(grants[person.pk]),
                "pack_roles": ";".join(holdings[person.pk]),
            }
        )
    return rows


def template(partnership: Partnership | None = None) -> str:
    """The CSV to download: the header, and the partnership's people if it has any."""
    return csvformat.write(current_rows(partnership) if partnership else [])
