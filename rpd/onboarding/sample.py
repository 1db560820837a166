"""A synthetic people CSV of any size for any pathway, ready to go live once imported.

For the tests, the benchmarks and for trying the import out (`rpd import template
--sample N`). Every name is invented (rpd.people.demo's lists), every address is at
example.org and every phone number in Ofcom's range for drama (01632 960000-960999).
"""

from __future__ import annotations

from rpd.pathways import registry
from rpd.people.demo import LADDERS, synthetic_name

from .csvformat import write

# Agency kinds in turn, so a partnership of 25 has several of each.
KINDS = ["csc", "police", "health", "school", "asc", "charity"]
UNIT_CODE = "partnership-business-unit"


def sample_rows(
    pathway_id: str, agencies: int = 25, people: int = 2000, prefix: str = ""
) -> list[dict[str, str]]:
    """`people` rows across `agencies` agencies and the partnership's business unit;
    `prefix` starts every agency code, so several files make different agencies."""
    pack = registry.get(pathway_id).pack
    rungs = pack.rungs
    top = len(rungs) - 1
    unit_size = 3
    per_agency = (people - unit_size) // agencies
    if per_agency < len(rungs) + 1:
        raise ValueError(
            f"{people} people cannot fill {agencies} agencies' ladders of {len(rungs)} rungs "
            "and a safeguarding lead each"
        )
    spare = people - unit_size - per_agency * agencies
    rows: list[dict[str, str]] = []
    number = 0

    def person(code, title, rung_id, manager="", roles="", **extra) -> dict[str, str]:
        nonlocal number
        number += 1
        given, family = synthetic_name(number)
        row = {
            "email": f"{given}.{family}.{number}@{code}.example.org".lower(),
            "given_name": given,
            "family_name": family,
            "agency_code": code,
            "rung_title": title,
            "pathway_rung": rung_id,
            "line_manager_email": manager,
            "phone": f"+44 1632 960{number % 1000:03d}",
            "roles": roles,
            **extra,
        }
        rows.append(row)
        return row

    # The business unit: an administrator who is also the partnership unit, a chair, and
    # someone behind each of the pack's partnership and independent roles.
    unit = {"agency_name": "Safeguarding Partnership Business Unit", "agency_type": "partnership"}
    leading = [r.id for r in pack.roles if r.kind in ("partnership", "independent")]
    unit_code = prefix + UNIT_CODE
    head = person(
        unit_code,
        "Business Unit Manager",
        rungs[top].id,
        roles="administrator;partnership-unit",
        pack_roles=";".join(leading),
        **unit,
    )
    person(unit_code, "Independent Chair", rungs[top].id, roles="board-chair")
    person(
        unit_code,
        "Business Support Officer",
        rungs[0].id,
        manager=head["email"],
        roles="partnership-unit",
        team="Business support",
    )

    for index in range(agencies):
        key = KINDS[index % len(KINDS)]
        agency_type, titles = LADDERS[key]
        titles = [titles[i] if i < len(titles) else r.name for i, r in enumerate(rungs)]
        # One title, one rung: a charity's trustees on two rungs are told apart.
        titles = [
            t if titles.index(t) == i else f"{t} ({rungs[i].name})" for i, t in enumerate(titles)
        ]
        code = f"{prefix}{key}-{index + 1:02d}"
        size = per_agency + (1 if index < spare else 0)
        details = {
            "agency_name": f"Sample {titles[0]}s' agency {index + 1:02d}",
            "agency_type": agency_type,
        }
        # Top down, so each person's manager is already written.
        chain: list[dict] = []
        for level in reversed(range(len(rungs))):
            manager = chain[0]["email"] if chain else ""
            row = person(
                code, titles[level], rungs[level].id, manager, **(details if level == top else {})
            )
            chain.insert(0, row)
        person(
            code,
            titles[min(1, top)],
            rungs[min(1, top)].id,
            chain[min(2, top)]["email"],
            roles="safeguarding-lead;manager",
            job_title="Designated Safeguarding Lead",
        )
        managers = [chain[min(1, top)]]
        for extra in range(size - len(rungs) - 1):
            if extra % 10 == 9 and top >= 2:  # a new team: a manager for the next nine
                managers.append(
                    person(
                        code,
                        titles[1],
                        rungs[1].id,
                        chain[2]["email"],
                        team=f"Team {len(managers) + 1}",
                    )
                )
            else:
                person(
                    code,
                    titles[0],
                    rungs[0].id,
                    managers[-1]["email"],
                    team=f"Team {len(managers)}",
                )
    return rows


def sample_csv(pathway_id: str, agencies: int = 25, people: int = 2000, prefix: str = "") -> str:
    return write(sample_rows(pathway_id, agencies, people, prefix))
