"""Person pickers list only who can be chosen, by name, job, team and agency, and cost the
same whether the partnership has 250 people or 12,000: each page with a picker makes the
same number of queries and lists the same options at both sizes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.disagreements import transitions
from rpd.disagreements.models import AgreedAction
from rpd.people.models import Agency, User

from .helpers import fresh
from .pages import partnership_with_case

pytestmark = pytest.mark.django_db

SIZES = (250, 12_000)


def grow_to(demo, people: int) -> None:
    """Fill the partnership to `people` with staff of an agency no case here involves."""
    elsewhere, _ = Agency.objects.get_or_create(
        code="elsewhere", defaults={"name": "Elsewhere Health Trust", "type": "health"}
    )
    elsewhere.partnerships.add(demo.partnership)
    have = User.objects.filter(agency__partnerships=demo.partnership).count()
    User.objects.bulk_create(
        User(
            username=f"grown-{have + i}",
            first_name="Alex",
            last_name="Sample",  # all alike: a picker of them could not tell them apart
            email=f"grown-{have + i}@example.org",
            agency=elsewhere,
            job_title="Nurse",
        )
        for i in range(people - have)
    )


def pages(demo, d) -> dict[str, tuple]:
    """Each page with a person picker: who opens it, and its address."""
    raiser = demo.ladder["csc"][0]
    action = AgreedAction.objects.get(record__episode__disagreement=d)
    return {
        "record": (raiser, f"/disagreements/{d.pk}/record/"),
        "extend": (raiser, f"/disagreements/{d.pk}/extend/"),
        "hand over": (raiser, f"/disagreements/{d.pk}/hand-over/"),
        "hand over an action": (
            raiser,
            f"/disagreements/{d.pk}/hand-over-action/?action={action.pk}",
        ),
        "raise: the people involved": (raiser, "/disagreements/new/professional/"),
    }


def measure(client, demo, d) -> dict[str, tuple[int, int]]:
    sizes = {}
    for name, (who, address) in pages(demo, d).items():
        client.force_login(who)
        if name.startswith("raise"):
            client.post("/disagreements/new/", {"immediate_risk": "no"})
            client.post(
                "/disagreements/new/agency/", {"receiving_agency": demo.agencies["police"].pk}
            )
        client.get(address)  # warm: the pathway parsed, the session made
        with CaptureQueriesContext(connection) as queries:
            page = client.get(address)
        assert page.status_code == 200, (name, page.status_code)
        sizes[name] = (len(queries), page.text.count("<option"))
    return sizes


def test_every_person_picker_costs_the_same_at_250_people_and_at_12000(client):
    demo, raiser, d = partnership_with_case()
    receiver = fresh(d).current_episode().receiving_actor
    police_manager = demo.ladder["police"][1]
    transitions.perform(
        "record",
        raiser,
        d.pk,
        fresh(d).version,
        {
            "kind": "meeting",
            "occurred_at": "2026-01-06T10:00",
            "participants": [raiser.pk, receiver.pk],
            "summary": "Talked it through",
            "outcome": "unresolved",
            "actions": [{"text": "Visit", "owner": police_manager.pk, "due": "2026-12-31"}],
        },
    )
    grow_to(demo, SIZES[0])
    small = measure(client, demo, d)
    grow_to(demo, SIZES[1])
    assert User.objects.filter(agency__partnerships=demo.partnership).count() == SIZES[1]
    large = measure(client, demo, d)
    assert large == small
    # None lists the partnership: a few dozen people at most, whatever its size.
    assert all(options < 100 for _, options in large.values()), large


def test_a_picker_shows_team_and_agency_and_tells_identical_entries_apart(client):
    demo, raiser, d = partnership_with_case()
    police = demo.agencies["police"]
    for n in (1, 2):
        User.objects.create(
            username=f"twin-{n}",
            first_name="Sam",
            last_name="Twin",
            email=f"sam.twin.{n}@example.org",
            agency=police,
            job_title="Detective Constable",
            team="Public Protection",
        )
    client.force_login(raiser)
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/agency/", {"receiving_agency": police.pk})
    page = client.get("/disagreements/new/professional/").text
    twins = re.findall(r"<option[^>]*>(Sam Twin[^<]*)</option>", page)
    assert len(twins) == 4  # in the person disagreed with, and the lead professional
    said = set(twins)
    assert f"Sam Twin, Detective Constable, Public Protection, {police.name} " in min(said)
    assert {t.rsplit("(", 1)[1] for t in said} == {
        "sam.twin.1@example.org)",
        "sam.twin.2@example.org)",
    }
