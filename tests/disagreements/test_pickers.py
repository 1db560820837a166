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
from .test_contested_resolutions import hillingdon_contested_at_stage_4  # noqa: F401 (fixture)

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
        # The agency first, then its people only (Hillingdon §4: "copies provided to other
        # involved agencies").
        "copy in another agency": (raiser, f"/disagreements/{d.pk}/add-party/"),
        "copy in: the agency's people": (
            raiser,
            f"/disagreements/{d.pk}/add-party/?agency={demo.agencies['school'].pk}",
        ),
        # Who stands in for an agency with no one on a rung: people on that rung elsewhere.
        "stand-in": (
            demo.admin,
            f"/partnerships/{demo.partnership.slug}/stand-ins/add/"
            f"?agency={demo.agencies['charity'].pk}&pathway_rung={stand_in_rung(demo)}",
        ),
    }


def stand_in_rung(demo) -> str:
    return demo.partnership.pathway_entry().pack.rungs[2].id


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


def agree_an_action(raiser, d, owner) -> None:
    """A stage 1 meeting recorded by `raiser`, agreeing one action `owner` owns."""
    transitions.perform(
        "record",
        raiser,
        d.pk,
        fresh(d).version,
        {
            "kind": "meeting",
            "occurred_at": "2026-01-06T10:00",
            "participants": [raiser.pk, fresh(d).current_episode().receiving_actor.pk],
            "summary": "Talked it through",
            "outcome": "unresolved",
            "actions": [{"text": "Visit", "owner": owner.pk, "due": "2026-12-31"}],
        },
    )


def test_every_person_picker_costs_the_same_at_250_people_and_at_12000(client):
    demo, raiser, d = partnership_with_case()
    agree_an_action(raiser, d, owner=demo.ladder["police"][1])
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


def test_copying_in_lists_only_the_other_agencies_then_only_the_chosen_agencys_people(client):
    demo, raiser, d = partnership_with_case()
    client.force_login(raiser)
    first = client.get(f"/disagreements/{d.pk}/add-party/").text
    assert 'method="get"' in first and 'name="person"' not in first
    listed = set(re.findall(r'<option value="(\d+)"', first))
    school, police = demo.agencies["school"], demo.agencies["police"]
    assert str(school.pk) in listed
    assert not {str(d.raising_agency_id), str(police.pk)} & listed  # the two sides
    page = client.get(f"/disagreements/{d.pk}/add-party/?agency={school.pk}").text
    people = set(map(int, re.findall(r'<option value="(\d+)"', page.split('name="person"')[1])))
    assert people == set(
        User.objects.filter(agency=school, is_active=True).values_list("pk", flat=True)
    )
    teacher = User.objects.filter(agency=school).first()
    response = client.post(
        f"/disagreements/{d.pk}/add-party/",
        {"version": fresh(d).version, "agency": school.pk, "person": teacher.pk},
    )
    assert response.status_code == 302
    assert fresh(d).copied_agencies.get().person == teacher


def test_a_stand_in_is_chosen_from_people_on_that_rung_in_other_agencies_only(client):
    demo, _, _ = partnership_with_case()
    charity, rung = demo.agencies["charity"], stand_in_rung(demo)
    client.force_login(demo.admin)
    base = f"/partnerships/{demo.partnership.slug}/stand-ins/add/"
    first = client.get(base).text
    assert 'method="get"' in first and 'name="person"' not in first
    page = client.get(f"{base}?agency={charity.pk}&pathway_rung={rung}").text
    listed = set(map(int, re.findall(r'<option value="(\d+)"', page.split('name="person"')[1])))
    on_the_rung = set(
        User.objects.filter(agency__partnerships=demo.partnership, is_active=True,
                            rung__pathway_rung=rung)
        .exclude(agency=charity).values_list("pk", flat=True)
    )  # fmt: skip
    assert listed == on_the_rung and listed
    off_the_rung = (
        User.objects.filter(agency=demo.agencies["police"]).exclude(rung__pathway_rung=rung).first()
    )
    response = client.post(
        base, {"agency": charity.pk, "pathway_rung": rung, "person": off_the_rung.pk}
    )
    assert response.status_code == 400 and "govuk-error-summary" in response.text


def test_the_person_chosen_is_still_chosen_when_the_form_comes_back_with_an_error(client):
    # Pickers draw their options in one pass (fields.PersonSelect), not Django's templates.
    demo, raiser, d = partnership_with_case()
    manager = demo.ladder["csc"][1]
    client.force_login(raiser)
    page = client.post(
        f"/disagreements/{d.pk}/hand-over/",
        {"version": fresh(d).version, "side": "raising", "to_user": manager.pk, "reason": ""},
    )
    assert page.status_code == 400 and "govuk-error-summary" in page.text
    picker = page.text.split('name="to_user"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)" selected>', picker) == [str(manager.pk)]
    assert '<option value="">' in picker  # nothing chosen yet is offered first


def test_someone_who_may_hand_over_either_side_is_asked_which_first_then_shown_its_people(
    client,
    hillingdon_contested_at_stage_4,  # noqa: F811 (the fixture imported above)
):
    # Hillingdon's Implementation Unit leads stage 4 and may hand over for either agency:
    # the side first, then only that agency's people, as copying in asks the agency first.
    demo, d, _ = hillingdon_contested_at_stage_4
    client.force_login(demo.unit)
    address = f"/disagreements/{d.pk}/hand-over/"
    first = client.get(address).text
    assert 'method="get"' in first and 'name="to_user"' not in first
    assert 'value="raising"' in first and 'value="receiving"' in first

    chosen = client.get(address, {"side": "receiving"}).text
    listed = set(re.findall(r'<option value="(\d+)"', chosen.split('name="to_user"')[1]))
    assert listed
    assert {User.objects.get(pk=pk).agency_id for pk in listed} == {d.receiving_agency_id}
    for side in ("", "neither", "<script>alert(1)</script>"):
        again = client.get(address, {"side": side}).text
        assert "govuk-error-summary" in again and "Select which side is being handed over" in again
        assert 'name="to_user"' not in again and "<script>alert(1)</script>" not in again


def test_handing_over_an_agreed_action_does_not_offer_its_owner(client):
    # Choosing the owner was refused ("already owns this action") after the page offered
    # them (found by a try-out): the picker leaves them out, the rule still refuses them.
    demo, raiser, d = partnership_with_case()
    owner = demo.ladder["police"][1]
    agree_an_action(raiser, d, owner)
    action = AgreedAction.objects.get(record__disagreement=d)
    client.force_login(owner)  # handing it on, as an owner going on leave would
    page = client.get(f"/disagreements/{d.pk}/hand-over-action/?action={action.pk}").text
    listed = set(map(int, re.findall(r'<option value="(\d+)"', page.split('name="to_user"')[1])))
    assert listed and owner.pk not in listed
    assert raiser.pk in listed  # the others on the case still are
    refused = client.post(
        f"/disagreements/{d.pk}/hand-over-action/",
        {"version": fresh(d).version, "action": action.pk, "to_user": owner.pk, "reason": "x"},
    )
    assert refused.status_code == 400
    said = f"{owner.get_full_name()} already owns this action: choose someone else"
    assert said in refused.text
