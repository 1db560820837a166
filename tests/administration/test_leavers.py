"""Leavers and movers: nobody leaves a disagreement with no one acting on it.

A police officer who acts on a case and owns an agreed action in it leaves: they cannot
be signed off until each part is handed over; afterwards they see nothing and cannot
sign in, and whoever took over acts.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rpd.administration import leavers
from rpd.administration.operations import Invalid, NotAdministrator
from rpd.audit.models import Event
from rpd.disagreements import access, transitions
from rpd.disagreements.models import AgreedAction, Handover
from rpd.notifications.feeds import feed_url
from rpd.people.demo import DEMO_PASSWORD, build_partnership
from rpd.people.models import User
from tests.disagreements.helpers import agree_action, fresh, raise_data
from tests.sharing import share

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    demo = build_partnership("stoke-on-trent")
    raiser, officer = demo.ladder["csc"][0], demo.ladder["police"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    d = agree_action(raiser, d, owner=officer, with_whom=officer)
    return demo, fresh(d), officer


def _keys(officer):
    return {item.key: item for item in leavers.open_items(officer)}


def test_a_leaver_with_open_parts_lists_each_side_and_action(case):
    demo, d, officer = case
    items = leavers.open_items(officer)

    assert [(i.disagreement.pk, bool(i.side), i.action_id is not None) for i in items] == [
        (d.pk, True, False),
        (d.pk, False, True),
    ]
    assert items[0].what.startswith("Acts for the receiving side (Police Public Protection Unit)")
    assert items[1].what.startswith("Owns an agreed action due")


def test_a_leaver_cannot_be_deactivated_until_each_part_is_handed_over(case):
    demo, d, officer = case
    events = Event.objects.count()

    with pytest.raises(Invalid) as refused:
        leavers.deactivate(officer, demo.partnership, demo.admin, {})

    # Every part left to whoever is chosen for everything else, and nobody chosen.
    assert set(refused.value.errors) == {leavers.REST}
    assert User.objects.get(pk=officer.pk).is_active
    assert Event.objects.count() == events

    # One chosen, the other not: still nothing happens.
    side_key = next(k for k in _keys(officer) if k.startswith("side"))
    colleague = demo.colleague["police"]
    with pytest.raises(Invalid) as refused:
        leavers.deactivate(officer, demo.partnership, demo.admin, {side_key: colleague.pk})
    assert list(refused.value.errors) == [leavers.REST]
    assert fresh(d).current_episode().receiving_actor_id == officer.pk
    assert Event.objects.count() == events


def test_someone_in_another_agency_cannot_take_over_a_side(case):
    demo, d, officer = case
    choices = {key: demo.ladder["csc"][1].pk for key in _keys(officer)}

    with pytest.raises(Invalid) as refused:
        leavers.deactivate(officer, demo.partnership, demo.admin, choices)

    side_key = next(k for k in _keys(officer) if k.startswith("side"))
    assert list(refused.value.errors) == [side_key]
    assert "someone in Police Public Protection Unit" in refused.value.errors[side_key][0]


def test_after_handing_over_the_leaver_sees_nothing_and_cannot_sign_in(case):
    demo, d, officer = case
    colleague, manager = demo.colleague["police"], demo.ladder["police"][1]
    keys = _keys(officer)
    choices = {k: (colleague.pk if k.startswith("side") else manager.pk) for k in keys}
    client = Client()
    client.force_login(officer)
    feed = feed_url(officer)
    assert client.get(f"/disagreements/{d.pk}/").status_code == 200

    leavers.deactivate(officer, demo.partnership, demo.admin, choices)

    d = fresh(d)
    assert d.current_episode().receiving_actor_id == colleague.pk
    (action,) = [item for key, item in keys.items() if key.startswith("action")]
    assert AgreedAction.objects.get(pk=action.action_id).owner_id == manager.pk
    handover = Handover.objects.get()
    assert (handover.from_user_id, handover.to_user_id, handover.by_id) == (
        officer.pk, colleague.pk, demo.admin.pk
    )  # fmt: skip
    gone = User.objects.get(pk=officer.pk)
    assert not gone.is_active
    assert not access.sight(gone, d)
    assert not access.visible_to(gone).exists()
    # Not on My work, not the case page, not the calendar feed; and no sign-in.
    assert client.get("/").status_code == 302
    assert client.get(f"/disagreements/{d.pk}/").status_code in (302, 404)
    assert Client().get(feed.removeprefix("http://127.0.0.1:8000")).status_code == 404
    stranger = Client()
    stranger.post("/accounts/login/", {"login": officer.email, "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in stranger.session
    assert stranger.get("/").status_code == 302  # still sent to sign in
    # Whoever took over acts, and sees it.
    assert access.sight(colleague, d)
    assert Event.objects.filter(action="person.deactivated", actor_id=demo.admin.pk).exists()


def test_everything_goes_to_the_line_manager_in_bulk(case):
    demo, d, officer = case
    manager = officer.line_manager

    leavers.deactivate(officer, demo.partnership, demo.admin, {"bulk": leavers.LINE_MANAGER})

    assert fresh(d).current_episode().receiving_actor_id == manager.pk
    assert not AgreedAction.objects.filter(owner=officer).exists()


def test_a_mover_to_another_agency_hands_over_first_a_mover_within_it_may_keep(case):
    demo, d, officer = case
    health = demo.agencies["health"]
    data = {"agency": health.pk, "rung": health.rungs.first().pk, "line_manager": ""}

    with pytest.raises(Invalid) as refused:
        leavers.move(officer, demo.partnership, demo.admin, data, {})
    assert set(refused.value.errors) == {leavers.REST}

    # Within the police, to another line manager: they keep what they hold.
    other_manager = demo.ladder["police"][2]
    same = {"agency": officer.agency_id, "rung": officer.rung_id, "line_manager": other_manager.pk}
    leavers.move(officer, demo.partnership, demo.admin, same, {})
    assert User.objects.get(pk=officer.pk).line_manager_id == other_manager.pk
    assert fresh(d).current_episode().receiving_actor_id == officer.pk
    assert access.sight(other_manager, fresh(d))

    leavers.move(
        User.objects.get(pk=officer.pk), demo.partnership, demo.admin, data,
        {"bulk": leavers.LINE_MANAGER},
    )  # fmt: skip
    moved = User.objects.get(pk=officer.pk)
    assert moved.agency_id == health.pk
    assert fresh(d).current_episode().receiving_actor_id == other_manager.pk
    assert not access.sight(moved, fresh(d)).subject


def test_only_the_partnerships_administrator_may_sign_someone_off(case):
    demo, d, officer = case
    other = build_partnership("jersey")
    for who in (demo.unit, demo.ladder["police"][1], other.admin):
        with pytest.raises(NotAdministrator):
            leavers.deactivate(officer, demo.partnership, who, {"bulk": leavers.LINE_MANAGER})
    with pytest.raises(NotAdministrator):
        leavers.deactivate(officer, other.partnership, other.admin, {"bulk": "line-manager"})
    assert User.objects.get(pk=officer.pk).is_active


def test_an_administrator_may_hand_over_but_sees_nothing_and_may_do_nothing_else(case):
    demo, d, officer = case
    admin = demo.admin

    assert not access.sight(admin, d)
    with pytest.raises(transitions.NotFound):
        transitions.perform("withdraw", admin, d.pk, d.version, {"reason": "No longer needed here"})
    transitions.perform(
        "hand_over", admin, d.pk, d.version,
        {"side": "receiving", "to_user": demo.colleague["police"].pk, "reason": "Officer on leave"},
    )  # fmt: skip
    assert not access.sight(admin, fresh(d))


def test_an_agreed_action_is_handed_over_by_its_owner_their_managers_or_the_administrator(case):
    demo, d, officer = case
    (action,) = [i for i in leavers.open_items(officer) if i.action_id is not None]
    colleague = demo.colleague["police"]

    def hand(actor, to):
        d_now = fresh(d)
        data = {"action": action.action_id, "to_user": to.pk, "reason": "Moving to another team"}
        return transitions.perform("hand_over_action", actor, d_now.pk, d_now.version, data)

    with pytest.raises(transitions.NotFound):
        hand(demo.outsider, colleague)  # sees nothing of it
    with pytest.raises(transitions.NotAllowed):
        hand(demo.ladder["csc"][1], colleague)  # the other side's manager
    with pytest.raises(transitions.Invalid) as refused:
        hand(officer, officer)
    assert list(refused.value.errors) == ["to_user"]
    hand(officer.line_manager, colleague)
    assert AgreedAction.objects.get(pk=action.action_id).owner_id == colleague.pk
    hand(demo.admin, officer)
    assert AgreedAction.objects.get(pk=action.action_id).owner_id == officer.pk
    assert Event.objects.filter(action="disagreement.hand_over_action").count() == 2


def test_an_open_action_offers_its_hand_over_on_the_case_page(case):
    demo, d, officer = case
    client = Client()
    client.force_login(officer.line_manager)
    page = client.get(f"/disagreements/{d.pk}/").content.decode()
    (action,) = [i for i in leavers.open_items(officer) if i.action_id is not None]
    link = f"/disagreements/{d.pk}/hand-over-action/?action={action.action_id}"
    assert link in page
    form = client.get(link)
    assert form.status_code == 200
    assert "Someone taking part, their manager, or either agency" in form.content.decode()
    done = client.post(
        link,
        {
            "version": fresh(d).version,
            "action": action.action_id,
            "to_user": demo.colleague["police"].pk,
            "reason": "Moving to the missing persons team",
        },
    )
    assert done.status_code == 302
    assert AgreedAction.objects.get(pk=action.action_id).owner_id == demo.colleague["police"].pk


def test_handing_over_only_leaves_the_person_as_they_are(case):
    demo, d, officer = case
    side = next(k for k in _keys(officer) if k.startswith("side"))

    leavers.hand_over(officer, demo.partnership, demo.admin, {side: demo.colleague["police"].pk})

    assert User.objects.get(pk=officer.pk).is_active
    assert fresh(d).current_episode().receiving_actor_id == demo.colleague["police"].pk
    assert [i.action_id is not None for i in leavers.open_items(officer)] == [True]  # kept
    with pytest.raises(Invalid) as refused:
        leavers.hand_over(officer, demo.partnership, demo.admin, {})
    assert list(refused.value.errors) == ["bulk"]


def test_a_shared_agencys_leaver_is_handed_over_by_each_partnership_in_turn(case):
    demo, d, officer = case
    jersey = build_partnership("jersey")
    share(officer.agency, jersey.partnership, asked_by=jersey.admin, accepted_by=demo.admin)
    data = raise_data(jersey, receiving_professional=officer.pk, partnership=jersey.partnership.pk)
    data["receiving_agency"] = officer.agency_id
    theirs = transitions.raise_disagreement(jersey.ladder["csc"][0], data)
    assert theirs.partnership_id == jersey.partnership.pk

    with pytest.raises(Invalid) as refused:
        leavers.deactivate(officer, demo.partnership, demo.admin, {"bulk": leavers.LINE_MANAGER})
    (elsewhere,) = [m for ms in refused.value.errors.values() for m in ms]
    assert elsewhere.startswith(theirs.reference) and "its administrator hands it over" in elsewhere

    leavers.hand_over(officer, jersey.partnership, jersey.admin, {"bulk": leavers.LINE_MANAGER})
    leavers.deactivate(officer, demo.partnership, demo.admin, {"bulk": leavers.LINE_MANAGER})

    assert not User.objects.get(pk=officer.pk).is_active
    assert fresh(theirs).current_episode().receiving_actor_id == officer.line_manager_id


def test_a_leaver_reactivated_signs_in_again_but_holds_no_part_back(case):
    demo, d, officer = case
    leavers.deactivate(officer, demo.partnership, demo.admin, {"bulk": leavers.LINE_MANAGER})
    client = Client()
    client.force_login(demo.admin)

    done = client.post(f"/partnerships/stoke-on-trent/people/{officer.pk}/reactivate/")

    assert done.status_code == 302
    back = User.objects.get(pk=officer.pk)
    assert back.is_active and leavers.open_items(back) == []
    assert Event.objects.filter(action="person.reactivated", actor_id=demo.admin.pk).exists()
    with pytest.raises(Invalid):
        leavers.reactivate(back, demo.partnership, demo.admin)


def _selects(html: str) -> dict[str, set[str]]:
    """Each select of a page by name: the values it offers."""
    return {
        name: set(re.findall(r'<option value="([^"]*)"', body))
        for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S)
    }


def test_each_part_offers_who_worked_on_its_case_and_the_agency_is_listed_once_for_the_rest(
    case, django_assert_max_num_queries
):
    """A row offers by name the few who may take it over and know the case (its people of
    the row's agency, the leaver's line manager); the agency's whole list, thousands in a
    large one, is drawn once, for everything else. A second case adds rows, not queries
    and not a second list; what was chosen stays chosen."""
    demo, d, officer = case
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/deactivate/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_case:
        selects = _selects(client.get(page).content.decode())
    police = {
        str(pk)
        for pk in User.objects.filter(agency=officer.agency, is_active=True)
        .exclude(pk=officer.pk)
        .values_list("pk", flat=True)
    }
    manager = str(officer.line_manager_id)
    assert selects.pop(leavers.REST) == {"", *police}
    assert len(selects) == 2
    for offered in selects.values():
        assert offered == {"", manager}

    raiser = demo.ladder["csc"][0]
    second = transitions.raise_disagreement(raiser, raise_data(demo))
    agree_action(raiser, second, owner=officer, with_whom=officer)
    colleague = demo.colleague["police"]
    with django_assert_max_num_queries(len(one_case)):
        response = client.post(page, {f"action-{AgreedAction.objects.latest('pk').pk}": "x"})
    html = response.content.decode()
    assert html.count('<select class="govuk-select') == 5
    assert html.count(f'<option value="{colleague.pk}"') == 1
    wrong = {leavers.REST: str(colleague.pk), _first_side_key(officer): "x"}
    chosen = client.post(page, wrong).content.decode()
    assert f'<option value="{colleague.pk}" selected>' in chosen


def test_every_part_left_to_the_person_chosen_for_everything_else_goes_to_them(case):
    demo, d, officer = case
    colleague = demo.colleague["police"]
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/deactivate/"

    nobody = client.post(page, {})
    assert nobody.status_code == 400
    said = nobody.content.decode()
    assert said.count("Choose who takes over everything else, or someone for each part") == 2
    assert '<a href="#item-rest">' in said  # the summary's one line, and the picker's
    done = client.post(page, {leavers.REST: str(colleague.pk)})

    assert done.status_code == 302
    assert not User.objects.get(pk=officer.pk).is_active
    assert AgreedAction.objects.get(record__disagreement=d).owner_id == colleague.pk
    assert fresh(d).current_episode().receiving_actor_id == colleague.pk


def test_a_part_may_go_to_someone_on_its_case_and_the_rest_to_another(case):
    demo, d, officer = case
    colleague, manager = demo.colleague["police"], officer.line_manager
    side = _first_side_key(officer)
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/deactivate/"

    done = client.post(page, {side: str(manager.pk), leavers.REST: str(colleague.pk)})

    assert done.status_code == 302
    assert fresh(d).current_episode().receiving_actor_id == manager.pk
    assert AgreedAction.objects.get(record__disagreement=d).owner_id == colleague.pk


def test_a_mover_within_their_agency_keeps_what_is_not_left_to_the_person_chosen(case):
    demo, d, officer = case
    colleague = demo.colleague["police"]
    action = next(i.key for i in leavers.open_items(officer) if i.action_id)
    place = {"agency": officer.agency_id, "rung": officer.rung_id, "line_manager": colleague.pk}

    leavers.move(
        officer,
        demo.partnership,
        demo.admin,
        place,
        {action: leavers.REST, leavers.REST: colleague.pk},
    )

    assert fresh(d).current_episode().receiving_actor_id == officer.pk
    assert AgreedAction.objects.get(record__disagreement=d).owner_id == colleague.pk


def _first_side_key(officer) -> str:
    return next(i.key for i in leavers.open_items(officer) if i.side)


def test_a_move_asks_where_to_then_who_takes_over_each_part(case):
    """Questions one agency's list at a time: which agency they move to, then their rung
    and line manager there (that agency's alone, without JavaScript too), then (only if
    they hold a part in an open case) who takes each over; out of their agency nothing
    may be kept."""
    demo, d, officer = case
    health, colleague = demo.agencies["health"], demo.colleague["police"]
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/move/"
    place = {"rung": health.rungs.first().pk, "line_manager": ""}

    asked = client.get(page).content.decode()
    assert "Which agency are they moving to?" in asked and 'name="rung"' not in asked
    assert re.search(rf'<option value="{officer.agency_id}" selected>', asked)  # theirs now
    nowhere = client.get(f"{page}?agency=x")
    assert nowhere.status_code == 400 and "Select their agency" in nowhere.content.decode()
    there = client.get(f"{page}?agency={health.pk}").content.decode()
    assert f"Their rung and line manager in {health.name}" in there
    # Back to the agency question; Cancel leaves the move for the person's page.
    assert re.search(rf'href="{page}"[^>]*>\s*Back', there)
    assert re.search(rf'href="{page.removesuffix("move/")}"[^>]*>Cancel<', there)
    managers = _selects(there)["line_manager"]
    assert str(demo.ladder["health"][1].pk) in managers
    assert str(demo.ladder["police"][1].pk) not in managers
    ours = f"{page}?agency={officer.agency_id}"
    unchanged = {"rung": officer.rung_id, "line_manager": officer.line_manager_id}
    assert client.post(ours, unchanged).status_code == 400
    chosen = client.post(f"{page}?agency={health.pk}", place)
    assert chosen.status_code == 302 and chosen.url.startswith(page + "hand-over/?")
    assert User.objects.get(pk=officer.pk).agency_id == officer.agency_id  # not yet

    hand_over = client.get(chosen.url).content.decode()
    assert health.name in hand_over  # where they go, with a link back to change it
    assert ">Keep it<" not in hand_over
    refused = client.post(chosen.url, {})
    assert refused.status_code == 400
    done = client.post(chosen.url, {leavers.REST: str(colleague.pk)})
    assert done.status_code == 302
    assert User.objects.get(pk=officer.pk).agency_id == health.pk
    assert fresh(d).current_episode().receiving_actor_id == colleague.pk


def test_a_move_within_the_agency_offers_to_keep_each_part_and_no_parts_moves_at_once(case):
    demo, d, officer = case
    client = Client()
    client.force_login(demo.admin)
    s = f"/partnerships/{demo.partnership.slug}/people/"
    other_manager = demo.ladder["police"][2]
    same = {"agency": officer.agency_id, "rung": officer.rung_id, "line_manager": other_manager.pk}

    chosen = client.post(f"{s}{officer.pk}/move/", same)
    assert ">Keep it<" in client.get(chosen.url).content.decode()
    assert client.post(chosen.url, {}).status_code == 302
    assert fresh(d).current_episode().receiving_actor_id == officer.pk
    assert User.objects.get(pk=officer.pk).line_manager_id == other_manager.pk

    # Someone who holds nothing is moved by the first question alone.
    idle = demo.ladder["health"][0]
    assert leavers.open_items(idle) == []
    to = {"agency": idle.agency_id, "rung": idle.rung_id, "line_manager": other_manager.pk}
    moved = client.post(f"{s}{idle.pk}/move/", to)
    assert moved.status_code == 302 and moved.url == f"{s}{idle.pk}/"
    assert User.objects.get(pk=idle.pk).line_manager_id == other_manager.pk


def test_a_hand_over_for_a_place_not_of_the_partnership_goes_back_to_the_question(case):
    demo, d, officer = case
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/move/"
    elsewhere = build_partnership("jersey").agencies["police"]

    for query in (f"?agency={elsewhere.pk}&rung=1", "?agency=x", ""):
        answer = client.get(page + "hand-over/" + query)
        assert answer.status_code == 302 and answer.url == page
        assert client.post(page + "hand-over/" + query, {"bulk": "line-manager"}).url == page
    assert User.objects.get(pk=officer.pk).agency_id == officer.agency_id


def test_someone_named_to_stand_in_for_the_agency_is_offered_and_takes_a_side_over(case):
    """Stoke-on-Trent §5: an agency with no one on a rung is acted for by whoever the
    partnership names (often of another agency): they may take a leaver's side over, so
    the page lists them beside the agency's own people."""
    from rpd.people.models import StandIn

    demo, d, officer = case
    designated = demo.ladder["health"][0]
    StandIn.objects.create(agency=officer.agency, pathway_rung="senior-leader", person=designated)
    client = Client()
    client.force_login(demo.admin)
    page = f"/partnerships/{demo.partnership.slug}/people/{officer.pk}/deactivate/"

    assert str(designated.pk) in _selects(client.get(page).content.decode())[leavers.REST]
    side = _first_side_key(officer)
    colleague = demo.colleague["police"]
    done = client.post(page, {side: str(designated.pk), leavers.REST: str(colleague.pk)})

    assert done.status_code == 302
    assert fresh(d).current_episode().receiving_actor_id == designated.pk


def test_nobody_is_moved_to_report_to_someone_they_manage_however_far_down(case):
    """The head of the police's ladder cannot be given as line manager the officer at its
    foot, several rungs below; the officer's manager can be given the head."""
    demo, _, _ = case
    police = demo.ladder["police"]
    head, foot = police[-1], police[0]
    place = {"agency": head.agency_id, "rung": head.rung_id}
    with pytest.raises(Invalid) as refused:
        leavers.place(head, demo.partnership, {**place, "line_manager": foot.pk})
    assert refused.value.errors == {
        "line_manager": ["A line manager cannot be someone they manage"]
    }
    place = {"agency": head.agency_id, "rung": police[1].rung_id, "line_manager": head.pk}
    assert leavers.place(police[1], demo.partnership, place)["line_manager"] == head


def test_whether_a_line_manager_is_managed_by_the_mover_costs_the_same_however_far_down(case):
    """The chosen manager's chain is read in one query, not one rung at a time."""
    demo, _, _ = case
    police = demo.ladder["police"]
    mover = demo.colleague["police"]
    place = {"agency": mover.agency_id, "rung": mover.rung_id}
    counts = []
    for manager in (police[-1], police[0]):  # the top of the ladder, then its foot
        with CaptureQueriesContext(connection) as queries:
            leavers.place(mover, demo.partnership, {**place, "line_manager": manager.pk})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_whether_a_line_manager_is_managed_by_the_mover_costs_the_same_however_many_report_to_them(
    case,
):
    """The chosen manager's chain is read up (a few rungs), not everyone below the mover,
    who may be the head of an agency of thousands."""
    demo, _, _ = case
    police = demo.ladder["police"]
    head, colleague = police[-1], demo.colleague["police"]
    place = {"agency": head.agency_id, "rung": head.rung_id, "line_manager": colleague.pk}

    def queries_to_check() -> int:
        with CaptureQueriesContext(connection) as queries, pytest.raises(Invalid):
            leavers.place(head, demo.partnership, place)  # the colleague reports to them
        return len(queries)

    before = queries_to_check()
    below = police[0]
    for n in range(4):  # four levels more below the head
        below = User.objects.create_user(
            username=f"below-{n}", email=f"below-{n}@example.org", agency=head.agency,
            line_manager=below,
        )  # fmt: skip
    assert queries_to_check() == before


def test_a_loop_of_line_managers_in_the_data_ends_the_check(case):
    demo, _, _ = case
    police = demo.ladder["police"]
    head = police[-1]
    User.objects.filter(pk=head.pk).update(line_manager=police[-2])  # bad data: a loop
    mover = demo.colleague["police"]
    place = {"agency": mover.agency_id, "rung": mover.rung_id, "line_manager": police[0].pk}
    assert leavers.place(mover, demo.partnership, place)["line_manager"] == police[0]
    # And where the mover is in the loop, the reports they would manage are still found.
    place = {"agency": head.agency_id, "rung": head.rung_id, "line_manager": police[0].pk}
    with pytest.raises(Invalid):
        leavers.place(head, demo.partnership, place)
