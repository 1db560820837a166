"""The go-live check: everything that would stop a disagreement running end to end.

Green only when every agency of the partnership could raise with every other agency and
each side could climb every stage of the partnership's pathway: someone on each rung a
stage needs (or a stand-in), no one person acting for both sides, every pack role with
someone behind it, a safeguarding lead per agency, people who can be reached and
escalated from, a calendar that knows next year, and mail that leaves the building.

Reads only, in a fixed number of queries (plus `roles.unfilled_roles`'s), so the page
and `rpd check` cost the same for 40 agencies as for 4.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from itertools import permutations

from django.conf import settings
from django.urls import reverse

from rpd.pathways import registry
from rpd.pathways.calendar import get_calendar, today
from rpd.pathways.describe import listed
from rpd.pathways.loader import PackInvalid
from rpd.pathways.schema import Pack
from rpd.people import roles as pack_roles
from rpd.people.models import Agency, AgencyType, Partnership, Role, RoleGrant, StandIn

# Who may raise (rpd.disagreements.transitions.MAY_RAISE): kept in step by a test.
MAY_RAISE = frozenset(
    {Role.PRACTITIONER, Role.MANAGER, Role.SAFEGUARDING_LEAD, Role.SENIOR_MANAGER}
)
# Backends that never deliver: fine for a demo, not for a partnership going live.
UNDELIVERED = {
    "django.core.mail.backends.console.EmailBackend": "prints mail to the console",
    "django.core.mail.backends.filebased.EmailBackend": "writes mail to files",
    "django.core.mail.backends.locmem.EmailBackend": "keeps mail in memory",
    "django.core.mail.backends.dummy.EmailBackend": "throws mail away",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Problem:
    area: str  # what kind of thing is wrong: see AREAS
    message: str
    href: str  # where it is fixed
    fix: str  # the link's text

    def __str__(self) -> str:
        return f"{self.message} ({self.href or self.fix})"


AREAS = {
    "pathway": "Pathway",
    "review": "Policy review",
    "partnership": "Agencies and people",
    "ladders": "Ladders",
    "roles": "Pathway roles",
    "safeguarding": "Safeguarding leads",
    "people": "People",
    "calendar": "Calendar",
    "mail": "Mail",
}


def home_url(slug: str) -> str:
    return reverse("administration:home", kwargs={"slug": slug})


def pathway_url(slug: str) -> str:
    return reverse("disagreements:pathway", kwargs={"slug": slug})


def agency_url(slug: str, pk: int) -> str:
    return reverse("administration:agency", kwargs={"slug": slug, "pk": pk})


def person_url(slug: str, pk: int) -> str:
    return reverse("administration:person", kwargs={"slug": slug, "pk": pk})


def stand_ins_url(slug: str) -> str:
    return reverse("administration:stand-ins", kwargs={"slug": slug})


def import_url(slug: str) -> str:
    return reverse("onboarding:import", kwargs={"slug": slug})


def roles_url(slug: str) -> str:
    return reverse("administration:roles", kwargs={"slug": slug})


# The areas whose problems refuse or strand a new disagreement under a version (no one on
# a rung a stage needs, a role with no one behind it): what a switch must not ignore
# (`check(..., pack=candidate, areas=VERSION_AREAS)`).
VERSION_AREAS = ("pathway", "ladders", "roles")


def check(
    partnership: Partnership,
    *,
    on: datetime.date | None = None,
    pack: Pack | None = None,
    areas: tuple[str, ...] = tuple(AREAS),
) -> list[Problem]:
    """Every problem, grouped by area in AREAS' order; empty when ready to go live.

    `pack` checks a version the partnership does not use yet (one it may switch to)
    instead of the one in use; `areas` limits the check to those areas.
    """
    slug = partnership.slug
    try:
        # The version in use: one an administrator switched to, else the registry's.
        pack = pack or partnership.pathway_entry().pack
    except (registry.UnknownPathway, PackInvalid) as error:
        return [
            Problem(
                "pathway",
                f"the pathway {partnership.pathway_id!r} cannot be used: {error}",
                pathway_url(slug),
                "Choose the partnership's pathway",
            )
        ]
    problems: list[Problem] = []
    agencies = list(
        Agency.objects.filter(partnerships=partnership)
        .exclude(type=AgencyType.PARTNERSHIP)
        .order_by("name", "pk")
    )
    people = list(
        partnership.people()
        .filter(is_active=True)
        .select_related("rung", "line_manager")
        .order_by("last_name", "first_name", "pk")
    )
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in RoleGrant.objects.filter(
        user__in=[p.pk for p in people], partnership__isnull=True
    ).values_list("user_id", "role"):
        roles[user_id].add(role)
    stand_ins: dict[tuple[int, str], set[int]] = defaultdict(set)
    for agency_id, rung, person_id in StandIn.objects.filter(
        agency__in=agencies, person__is_active=True
    ).values_list("agency_id", "pathway_rung", "person_id"):
        stand_ins[agency_id, rung].add(person_id)

    problems += _empty(slug, agencies, people)
    problems += _ladders(slug, pack, agencies, people, roles, stand_ins)
    review = pack.source.review_date
    if review and review < (on or today()):
        problems.append(
            Problem(
                "review",
                f"the policy's review date, {review:%-d %B %Y}, has passed: upload the pack "
                "of the reviewed policy, or a new version with its next review date",
                pathway_url(slug),
                "Upload the reviewed policy",
            )
        )
    if "roles" in areas:
        problems += [
            Problem(
                "roles",
                f"{p.message}",
                roles_url(slug),
                "Say who stands behind the pathway's roles",
            )
            for p in pack_roles.unfilled_roles(partnership, pack)
        ]
    problems += _safeguarding(slug, agencies, people, roles)
    # The partnership's own staff (its business unit) take no side in a disagreement:
    # they stand on no agency's ladder and escalate nothing.
    sides = {a.pk for a in agencies}
    problems += _people(slug, pack, [p for p in people if p.agency_id in sides])
    if "calendar" in areas:
        problems += _calendar(partnership, on or today())
    if "mail" in areas:
        problems += _mail()
    order = list(AREAS)
    return sorted((p for p in problems if p.area in areas), key=lambda p: order.index(p.area))


def _empty(slug, agencies, people) -> list[Problem]:
    """A partnership with no one in it has no gaps to name, and nothing to go live with."""
    if not agencies:
        message = "the partnership has no agencies and no people yet"
    elif not people:
        message = "the partnership has agencies but no people yet"
    else:
        return []
    return [Problem("partnership", message, import_url(slug), "Import its people from a file")]


def _ladders(slug, pack, agencies, people, roles, stand_ins) -> list[Problem]:
    problems = []
    # Who could act for each agency on each of the pathway's rungs.
    candidates: dict[tuple[int, str], set[int]] = defaultdict(set)
    raisers: dict[int, int] = defaultdict(int)
    for person in people:
        if person.rung_id:
            candidates[person.agency_id, person.rung.pathway_rung].add(person.pk)
        if roles[person.pk] & MAY_RAISE:
            raisers[person.agency_id] += 1
    for key, ids in stand_ins.items():
        if not candidates[key]:
            candidates[key] = set(ids)
    needed: dict[str, list[int]] = defaultdict(list)  # rung -> stages that need it
    for stage in pack.stages:
        for rung in dict.fromkeys((stage.raising.rung, stage.receiving.rung)):
            needed[rung].append(stage.number)
    for agency in agencies:
        href = agency_url(slug, agency.pk)
        if not raisers[agency.pk]:
            problems.append(
                Problem(
                    "ladders",
                    f"no one in {agency.name} can raise a disagreement: give someone the "
                    "practitioner role",
                    href,
                    f"Change {agency.name}",
                )
            )
        for rung, stages in needed.items():
            if not candidates[agency.pk, rung]:
                which = listed(stages, "and")
                message = (
                    f"no one in {agency.name} stands on the {pack.rung(rung).name} rung "
                    f"that stage{'s' if len(stages) > 1 else ''} {which} "
                    f"need{'' if len(stages) > 1 else 's'}, and no one stands in for it"
                )
                if rule := pack.stand_in_rule(agency.type, rung):
                    message += (
                        f": the pathway says {rule.acted_by} acts for it ({rule.source}); "
                        "name them as its stand-in"
                    )
                problems.append(
                    Problem("ladders", message, href, f"Complete {agency.name}'s ladder")
                )
    # One person as the only actor on both sides (a stand-in for two GP practices) would
    # have to disagree with themself: the transition refuses, so the check does too.
    for stage in pack.stages:
        for a, b in permutations(agencies, 2):
            ours = candidates[a.pk, stage.raising.rung]
            theirs = candidates[b.pk, stage.receiving.rung]
            if len(ours) == 1 and ours == theirs:
                person = next(p for p in people if p.pk in ours) if people else None
                name = person.display_name if person else "the same person"
                problems.append(
                    Problem(
                        "ladders",
                        f"at stage {stage.number} of a disagreement between {a.name} and "
                        f"{b.name}, {name} is the only one who could act for both sides",
                        stand_ins_url(slug),
                        f"Change the stand-ins, or complete {b.name}'s ladder",
                    )
                )
    return problems


def _safeguarding(slug, agencies, people, roles) -> list[Problem]:
    led = {p.agency_id for p in people if Role.SAFEGUARDING_LEAD in roles[p.pk]}
    return [
        Problem(
            "safeguarding",
            f"{agency.name} has no safeguarding lead",
            agency_url(slug, agency.pk),
            f"Name {agency.name}'s safeguarding lead",
        )
        for agency in agencies
        if agency.pk not in led
    ]


def _people(slug, pack, people) -> list[Problem]:
    problems = []
    rank = {r.id: i for i, r in enumerate(pack.rungs)}
    top = max(rank[r] for s in pack.stages for r in (s.raising.rung, s.receiving.rung))
    for person in people:
        href = person_url(slug, person.pk)
        name = person.display_name
        if not person.email:
            problems.append(
                Problem(
                    "people",
                    f"{name} has no email address: notices cannot reach them",
                    href,
                    f"Change {name}",
                )
            )
        if not person.rung_id:
            problems.append(
                Problem(
                    "people",
                    f"{name} is on no rung of their agency's ladder",
                    href,
                    f"Change {name}",
                )
            )
            continue
        manager = person.line_manager
        if rank.get(person.rung.pathway_rung, top) < top and not (manager and manager.is_active):
            problems.append(
                Problem(
                    "people",
                    f"{name} ({person.rung.title}) has no line manager"
                    + (" who is still here" if manager else "")
                    + ": their manager is not told when their part of a disagreement is "
                    "overdue, and escalation passes to whoever else holds the next rung",
                    href,
                    f"Change {name}",
                )
            )
    return problems


def _calendar(partnership: Partnership, on: datetime.date) -> list[Problem]:
    problems = []
    href = home_url(partnership.slug)
    next_year = on.year + 1
    try:
        calendar = get_calendar(partnership.calendar, partnership.closure_days)
        public = [
            d for d, name in calendar.holidays(next_year) if name != "Partnership closure day"
        ]
    except Exception as error:  # an unknown calendar, a closure day that is not a date
        return [
            Problem(
                "calendar", f"the calendar cannot be used: {error}", href, "Change the calendar"
            )
        ]
    if not public:
        problems.append(
            Problem(
                "calendar",
                f"the {calendar.label} calendar has no public holidays for {next_year}: "
                "update the holidays package",
                href,
                "Change the calendar",
            )
        )
    closures = {datetime.date.fromisoformat(d).year for d in partnership.closure_days}
    if on.year in closures and next_year not in closures:
        problems.append(
            Problem(
                "calendar",
                f"closure days are set for {on.year} but not for {next_year}",
                href,
                "Add next year's closure days",
            )
        )
    return problems


def _mail() -> list[Problem]:
    problems = []
    # Set in the server's environment, not on a page: no link, the document to read.
    href = ""
    fix = "Set in the server's environment: see docs/deploy.md, Configuration"
    if settings.RPD_NOTICE_CHANNEL == "notify":
        if not (settings.RPD_NOTIFY_API_KEY and settings.RPD_NOTIFY_TEMPLATE_ID):
            problems.append(
                Problem(
                    "mail",
                    "notices go through GOV.UK Notify but RPD_NOTIFY_API_KEY or "
                    "RPD_NOTIFY_TEMPLATE_ID is not set",
                    href,
                    fix,
                )
            )
    elif settings.EMAIL_BACKEND in UNDELIVERED:
        problems.append(
            Problem(
                "mail",
                f"mail is not configured: the email backend {UNDELIVERED[settings.EMAIL_BACKEND]} "
                "instead of sending it (set RPD_SMTP_HOST)",
                href,
                fix,
            )
        )
    if settings.DEFAULT_FROM_EMAIL.endswith("@localhost"):
        problems.append(
            Problem(
                "mail",
                f"notices would come from {settings.DEFAULT_FROM_EMAIL}: set RPD_FROM_EMAIL",
                href,
                fix,
            )
        )
    if any(host in settings.RPD_BASE_URL for host in LOCAL_HOSTS):
        problems.append(
            Problem(
                "mail",
                f"links in notices point at {settings.RPD_BASE_URL}: set RPD_BASE_URL to "
                "the address people use",
                href,
                fix,
            )
        )
    return problems
