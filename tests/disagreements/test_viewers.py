"""Who may see a disagreement follows line management as it changes."""

import datetime

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.disagreements.access import may_see, visible_to
from rpd.disagreements.models import AgreedAction, Viewer
from rpd.disagreements.queries import open_rows
from rpd.people.backends import UserBackend
from rpd.people.demo import build_partnership
from rpd.people.models import User

from .helpers import agree_action, raise_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 1, 7, 10, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_new_line_manager_sees_their_new_reports_disagreements_and_the_old_one_stops():
    demo = build_partnership("stoke-on-trent")
    police = demo.ladder["police"]
    practitioner, old_manager = police[0], police[1]
    new_manager = User.objects.create(
        username="police-new-sergeant", agency=demo.agencies["police"], line_manager=police[3]
    )
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    assert may_see(old_manager, d) and not may_see(new_manager, d)

    practitioner.line_manager = new_manager
    practitioner.save()

    assert may_see(new_manager, d) and not may_see(old_manager, d)
    # Everyone above the new manager too, and no longer anyone above the old one who is
    # not also above the new one.
    assert may_see(police[3], d)
    assert not may_see(police[2], d)


@time_machine.travel(NOW, tick=False)
def test_a_line_manager_in_another_agency_does_not_see_their_reports_disagreements():
    # A police officer seconded to a health-run team: their case against children's social
    # care is no business of the health trust's.
    demo = build_partnership("stoke-on-trent")
    practitioner, health = demo.ladder["police"][0], demo.ladder["health"]
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))

    practitioner.line_manager = health[1]
    practitioner.save()

    assert not any(may_see(manager, d) for manager in health[1:])
    assert not Viewer.objects.filter(disagreement=d, user__agency=demo.agencies["health"])
    assert may_see(practitioner, d) and may_see(demo.lead["police"], d)


@time_machine.travel(NOW, tick=False)
def test_deleting_a_manager_stops_everyone_above_them_seeing_their_reports_disagreements():
    demo = build_partnership("stoke-on-trent")
    police = demo.ladder["police"]
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    assert may_see(police[2], d)

    User.objects.get(pk=police[1].pk).delete()  # the practitioner is left with no manager

    assert not any(may_see(User.objects.get(pk=m.pk), d) for m in police[2:])
    assert set(Viewer.objects.filter(disagreement=d).values_list("user__agency", flat=True)) == {
        demo.agencies["csc"].pk,
        demo.agencies["police"].pk,
    }
    assert may_see(User.objects.get(pk=police[0].pk), d)


@time_machine.travel(NOW, tick=False)
def test_a_manager_who_leaves_keeps_no_sight_and_the_chain_above_them_still_sees():
    demo = build_partnership("stoke-on-trent")
    police = demo.ladder["police"]
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    leaver = User.objects.get(pk=police[1].pk)

    leaver.is_active = False
    leaver.save()

    assert not Viewer.objects.filter(user=leaver).exists()
    assert may_see(police[2], d)


@time_machine.travel(NOW, tick=False)
def test_a_manager_moving_takes_their_whole_team_with_them():
    demo = build_partnership("stoke-on-trent")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    team_manager, head = demo.ladder["police"][1], demo.ladder["police"][2]
    elsewhere = demo.ladder["police"][3]
    assert may_see(head, d)

    team_manager.line_manager = elsewhere
    team_manager.save()

    # The practitioner below the moved manager is the participant: the chain above them
    # is now the team manager, then `elsewhere` and whoever is above them.
    assert may_see(team_manager, d) and may_see(elsewhere, d)
    assert not may_see(head, d)


@time_machine.travel(NOW, tick=False)
def test_a_list_row_shows_the_due_dates_and_names_and_costs_one_query(
    django_assert_num_queries,
):
    demo = build_partnership("stoke-on-trent")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    user = UserBackend().get_user(demo.ladder["police"][1].pk)
    with django_assert_num_queries(1):
        [row] = open_rows(user)
    assert (row.reference, row.stage, row.stage_due, row.next_due) == (
        d.reference,
        1,
        d.current_episode().due,
        d.next_due,
    )
    assert row.subject_name == "Robin Testchild"
    assert (row.raising_agency, row.receiving_agency) == (
        demo.agencies["csc"].name,
        demo.agencies["police"].name,
    )
    assert [r.pk for r in open_rows(user)] == list(visible_to(user).values_list("pk", flat=True))


@time_machine.travel(NOW, tick=False)
def test_an_actions_owner_takes_part_and_marks_it_done():
    demo = build_partnership("stoke-on-trent")
    # A police colleague on no part of it: before the partnership is told, an owner is in
    # one of the two agencies (transitions.action_owners).
    raiser, owner = demo.ladder["csc"][0], demo.colleague["police"]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    assert not may_see(owner, d)
    d = agree_action(raiser, d, owner, demo.ladder["police"][0])
    assert may_see(owner, d)
    action = AgreedAction.objects.get(owner=owner)

    with pytest.raises(transitions.NotFound):  # someone with no part in it
        transitions.perform(
            "complete_action", demo.ladder["school"][0], d.pk, d.version, {"action": action.pk}
        )
    d = transitions.perform("complete_action", owner, d.pk, d.version, {"action": action.pk})
    action.refresh_from_db()
    assert action.done_at == NOW
    with pytest.raises(transitions.NotAllowed, match="already marked done"):
        transitions.perform("complete_action", owner, d.pk, d.version, {"action": action.pk})
    # Nor is it handed over once done, nor offered to be (found by a try-out).
    to = {"action": action.pk, "to_user": raiser.pk, "reason": "Away"}
    with pytest.raises(transitions.NotAllowed, match="already marked done"):
        transitions.perform("hand_over_action", owner, d.pk, d.version, to)
    known = transitions.standing(owner, d)
    assert transitions.allowed_on(owner, d, known, "hand_over_action", [action]) == set()


def test_a_change_of_line_manager_is_in_the_audit_log():
    from rpd.audit import log

    demo = build_partnership("stoke-on-trent")
    practitioner, old_manager = demo.ladder["police"][0], demo.ladder["police"][1]
    new_manager = demo.ladder["health"][1]

    practitioner.line_manager = new_manager
    practitioner.save()

    (event,) = log.events_for(log.user_target(practitioner))
    assert event.action == "user.line_manager_changed"
    assert event.data == {"from": old_manager.pk, "to": new_manager.pk}
    assert event.partnership_id is None  # a person, in no one partnership (ADR 007)
    assert log.verify().ok
