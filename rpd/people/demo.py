"""A synthetic partnership for any pathway: agencies, ladders and a person on every rung.

Used by `rpd demo`, by the tests and by the benchmarks. Every name here is
invented; no real person, address or NHS number appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from rpd.pathways import registry

from . import roles
from .models import (
    PARTNERSHIP_ROLES,
    Agency,
    AgencyType,
    Partnership,
    Role,
    RoleGrant,
    RoleHolder,
    Rung,
    User,
)

DEMO_PASSWORD = "demo-password-not-for-production"

# Titles climbing each agency's own ladder (from the seeds' examples); an agency uses as
# many as the pathway has generic rungs.
LADDERS: dict[str, tuple[str, list[str]]] = {
    "csc": (
        AgencyType.CHILDRENS_SOCIAL_CARE,
        [
            "Social Worker",
            "Team Manager",
            "Head of Service",
            "Service Director",
            "Director of Children's Services",
        ],
    ),
    "police": (
        AgencyType.POLICE,
        [
            "Detective Constable",
            "Detective Sergeant",
            "Detective Inspector",
            "Detective Chief Inspector",
            "Detective Superintendent",
        ],
    ),
    "health": (
        AgencyType.HEALTH,
        [
            "Health Visitor",
            "Named Nurse for Safeguarding",
            "Designated Nurse for Safeguarding Children",
            "Chief Nurse",
            "Medical Director",
        ],
    ),
    "school": (
        AgencyType.EDUCATION,
        [
            "Class Teacher",
            "Designated Safeguarding Lead",
            "Headteacher",
            "Education Safeguarding Manager",
            "Director of Education",
        ],
    ),
    "asc": (
        AgencyType.ADULT_SOCIAL_CARE,
        [
            "Social Worker",
            "Team Manager",
            "Head of Service",
            "Director of Adult Social Services",
            "Chief Executive",
        ],
    ),
    "charity": (
        AgencyType.VOLUNTARY,
        [
            "Family Support Worker",
            "Board of Trustees (no line manager)",
            "Chair of Trustees",
            "Chair of Trustees",
            "Chair of Trustees",
        ],
    ),
}

# An adults-only partnership's agencies, where a children's title would not fit.
ADULT_TITLES = {
    "health": [
        "Community Nurse",
        "Named Nurse for Safeguarding Adults",
        "Designated Nurse for Safeguarding Adults",
        "Chief Nurse",
        "Medical Director",
    ],
    "charity": [
        "Support Worker",
        "Board of Trustees (no line manager)",
        "Chair of Trustees",
        "Chair of Trustees",
        "Chair of Trustees",
    ],
}
ADULT_NAMES = {"charity": "Riverside Carers' Support (charity)"}

AGENCY_NAMES = {
    "csc": "Children's Social Care",
    "police": "Police Public Protection Unit",
    "health": "Community Health Trust",
    "school": "Brookside Primary School",
    "asc": "Adult Social Care",
    "charity": "Riverside Family Support (charity)",
}

GIVEN = [
    "Amara",
    "Ben",
    "Carys",
    "Dev",
    "Elin",
    "Femi",
    "Greta",
    "Hari",
    "Ines",
    "Jonah",
    "Kezia",
    "Luca",
    "Mina",
    "Noor",
    "Owen",
    "Priya",
    "Quinn",
    "Rhys",
    "Sana",
    "Tomas",
    "Uma",
    "Vik",
    "Wren",
    "Yusuf",
    "Zara",
]
FAMILY = [
    "Ashcombe",
    "Brackwater",
    "Corrindale",
    "Dunmoor",
    "Elderwick",
    "Fennimore",
    "Greystoke-Vale",
    "Hollowmere",
    "Ivybridge-Lane",
    "Juniperfield",
    "Kestrelmoor",
    "Larchmont",
    "Merriweather",
    "Northolme",
    "Oakenshaw",
    "Pennyworth",
    "Quillfeather",
    "Ravensholt",
    "Silverdale",
    "Thornbury-Fay",
]


def synthetic_name(n: int) -> tuple[str, str]:
    return GIVEN[n % len(GIVEN)], FAMILY[(n * 7 + n // len(GIVEN)) % len(FAMILY)]


@dataclass
class DemoPartnership:
    partnership: Partnership
    agencies: dict[str, Agency] = field(default_factory=dict)
    # ladder[agency key][i]: the person on rung i (0 = practitioner), each managed by i+1.
    ladder: dict[str, list[User]] = field(default_factory=dict)
    colleague: dict[str, User] = field(default_factory=dict)  # a second practitioner
    lead: dict[str, User] = field(default_factory=dict)  # the agency's safeguarding lead
    unit: User | None = None
    chair: User | None = None
    admin: User | None = None
    outsider: User | None = None  # in the partnership, in no disagreement
    # Who stands behind each of the pack's partnership and independent roles.
    holders: dict[str, RoleHolder] = field(default_factory=dict)


class _Namer:
    def __init__(self, offset: int):
        self.n = offset

    def __call__(self) -> tuple[str, str]:
        self.n += 1
        return synthetic_name(self.n)


@transaction.atomic
def build_partnership(pathway_id: str, slug: str | None = None) -> DemoPartnership:
    """A new partnership of synthetic agencies and people, written in a few statements of
    many rows each (every test and every `rpd demo` builds one). Its people are written
    without the signals a person's save sends: those tell the cases a person takes part
    in, and the partnership and its agencies are new, so there are none."""
    pack = registry.get(pathway_id).pack
    slug = slug or pathway_id
    partnership = Partnership.objects.create(
        name=f"{pack.partnership} (demo)",
        slug=slug,
        pathway_id=pack.id,
        calendar=pack.calendar,
        closure_days=[d.isoformat() for d in pack.closure_days],
    )
    demo = DemoPartnership(partnership)
    names = _Namer(sum(map(ord, slug)))
    password = _password_hash()
    people: list[tuple[User, User | None]] = []  # each person, and their line manager
    grants: list[RoleGrant] = []

    def person(username: str, agency: Agency, title: str, rung=None, manager=None, roles=()):
        given, family = names()
        user = User(
            username=f"{slug}-{username}",
            first_name=given,
            last_name=family,
            email=f"{slug}-{username}@example.org".lower(),  # as User.save stores it
            agency=agency,
            rung=rung,
            job_title=title,
            password=password,
            demo_made=True,
        )
        people.append((user, manager))  # the manager set once everyone has a key
        grants.extend(
            RoleGrant(
                user=user, role=r, partnership=partnership if r in PARTNERSHIP_ROLES else None
            )
            for r in roles
        )
        return user

    keys = ["csc", "police", "health", "school", "charity"]
    if pack.scope.value == "both":
        keys.insert(1, "asc")
    elif pack.scope.value == "adults":  # no children's services in an adults-only demo
        keys = ["asc", "police", "health", "charity"]
    adults_only = pack.scope.value == "adults"
    ladders = [LADDERS[key] for key in keys]
    agencies = Agency.objects.create_all_in(
        partnership,
        [
            {
                "name": ADULT_NAMES.get(key, AGENCY_NAMES[key])
                if adults_only
                else AGENCY_NAMES[key],
                "type": agency_type,
            }
            for key, (agency_type, _) in zip(keys, ladders, strict=True)
        ]
        + [{"name": "Safeguarding Partnership Business Unit", "type": AgencyType.PARTNERSHIP}],
    )
    unit_agency = agencies.pop()
    # A pathway with more rungs than the agency has titles names the extra rungs' holders
    # by the pathway's own rung names.
    titled = {}
    for key, (_, titles) in zip(keys, ladders, strict=True):
        titles = ADULT_TITLES.get(key, titles) if adults_only else titles
        titled[key] = [
            titles[i] if i < len(titles) else generic.name for i, generic in enumerate(pack.rungs)
        ]
    rungs = Rung.objects.bulk_create(
        Rung(agency=agency, position=i + 1, title=titled[key][i], pathway_rung=generic.id)
        for key, agency in zip(keys, agencies, strict=True)
        for i, generic in enumerate(pack.rungs)
    )
    for n, (key, agency) in enumerate(zip(keys, agencies, strict=True)):
        demo.agencies[key] = agency
        titles = titled[key]
        ladder = rungs[n * len(pack.rungs) : (n + 1) * len(pack.rungs)]
        # Top-down, as the names were always given out.
        chain: list[User] = []
        for i in reversed(range(len(ladder))):
            roles = [Role.PRACTITIONER] if i == 0 else [Role.MANAGER]
            if i >= 2:
                roles.append(Role.SENIOR_MANAGER)
            manager = chain[0] if chain else None
            chain.insert(0, person(f"{key}-{i + 1}", agency, titles[i], ladder[i], manager, roles))
        demo.ladder[key] = chain
        demo.colleague[key] = person(
            f"{key}-colleague", agency, titles[0], ladder[0], chain[1], [Role.PRACTITIONER]
        )
        demo.lead[key] = person(
            f"{key}-lead",
            agency,
            "Designated Safeguarding Lead",
            ladder[min(1, len(ladder) - 1)],
            chain[min(2, len(chain) - 1)],  # reports to the senior manager
            [Role.SAFEGUARDING_LEAD],
        )
    demo.unit = person(
        "unit", unit_agency, "Partnership Business Manager", roles=[Role.PARTNERSHIP_UNIT]
    )
    demo.chair = person("chair", unit_agency, "Independent Chair", roles=[Role.BOARD_CHAIR])
    demo.admin = person(
        "admin", unit_agency, "Partnership Administrator", roles=[Role.ADMINISTRATOR]
    )
    demo.outsider = person(
        f"{keys[0]}-outsider",
        demo.agencies[keys[0]],
        "Social Worker",
        demo.ladder[keys[0]][0].rung,
        demo.ladder[keys[0]][1],  # a complete ladder: the demo passes its go-live check
        [Role.PRACTITIONER],
    )
    User.objects.bulk_create(user for user, _ in people)
    for user, manager in people:
        user.line_manager = manager
    User.objects.bulk_update([user for user, manager in people if manager], ["line_manager"])
    RoleGrant.objects.bulk_create(grants)
    _fill_roles(demo, pack)
    return demo


def _fill_roles(demo: DemoPartnership, pack) -> None:
    """Someone behind every role the pack names, so no notice reaches nobody.

    The unit and the chair hold the roles that lead a stage (they must sign in to act)
    and the first partnership role and chair role; every other role gets a synthetic
    mailbox of its own, so a notice meant for it is seen to reach it and no one else.
    """
    slug = demo.partnership.slug
    leads = set().union(*(stage.lead_roles for stage in pack.stages))
    taken: set[str] = set()
    for role in pack.roles:
        if role.kind not in roles.MUST_HOLD:
            continue  # agency roles: each agency's safeguarding lead; party roles: the case
        is_chair = role.kind == "independent" and "chair" in role.name.lower()
        user = None
        if role.id in leads:
            user = demo.unit if role.kind == "partnership" else demo.chair
        elif role.kind == "partnership" and "unit" not in taken:
            user = demo.unit
        elif is_chair and "chair" not in taken:
            user = demo.chair
        if user is not None:
            taken.add("unit" if user == demo.unit else "chair")
            holder = roles.assign(demo.partnership, role.id, by=None, user=user)
        else:
            holder = roles.assign(
                demo.partnership,
                role.id,
                by=None,
                mailbox=f"{slug}-{role.id}@example.org",
                name=role.name,
            )
        demo.holders[role.id] = holder


_HASH: str | None = None


def _password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every demo user.
    global _HASH
    if _HASH is None:
        from django.contrib.auth.hashers import make_password

        _HASH = make_password(DEMO_PASSWORD)
    return _HASH
