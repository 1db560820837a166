"""Every administration change is an operation with its own audit event; each refusal
names the field at fault and changes nothing."""

from __future__ import annotations

import pytest

from rpd.administration import leavers
from rpd.administration import operations as ops
from rpd.audit.models import Event
from rpd.notifications.models import Notice
from rpd.people.demo import build_partnership
from rpd.people.models import Agency, Role, RoleHolder, Rung, StandIn, User
from tests.sharing import share

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def refused(change) -> dict:
    """The fields a refusal names; nothing was written."""
    before = Event.objects.count()
    with pytest.raises(ops.Invalid) as caught:
        change()
    assert Event.objects.count() == before
    return caught.value.errors


def last_event() -> Event:
    return Event.objects.order_by("-seq").first()


def test_partnership_details_change_one_at_a_time_each_audited(demo):
    p, admin = demo.partnership, demo.admin

    ops.change_partnership(p, admin, {"name": "Testshire Partnership"}, fields=("name",))
    ops.change_partnership(p, admin, {"reference_prefix": "tsp"}, fields=("reference_prefix",))

    p.refresh_from_db()
    assert (p.name, p.reference_prefix) == ("Testshire Partnership", "TSP")
    event = last_event()
    assert (event.action, event.actor_id, event.partnership_id) == (
        "partnership.changed", admin.pk, p.pk
    )  # fmt: skip
    assert event.data == {"reference_prefix": ["RPD", "TSP"]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"calendar": "mars"}, "calendar"),
        ({"reference_prefix": "TOOLONGPREFIX"}, "reference_prefix"),
        ({"reference_prefix": "1AB"}, "reference_prefix"),
    ],
)
def test_a_bad_partnership_detail_is_refused_by_name(demo, data, field):
    errors = refused(
        lambda: ops.change_partnership(demo.partnership, demo.admin, data, fields=tuple(data))
    )
    assert list(errors) == [field]


def test_closure_days_are_added_once_and_removed(demo):
    p, admin = demo.partnership, demo.admin
    box = {"day_day": "24", "day_month": "12", "day_year": "2026"}

    ops.add_closure_day(p, admin, box)

    assert "2026-12-24" in p.closure_days
    assert last_event().action == "partnership.closure_day_added"
    assert list(refused(lambda: ops.add_closure_day(p, admin, box))) == ["day"]
    assert list(
        refused(
            lambda: ops.add_closure_day(
                p, admin, {"day_day": "31", "day_month": "2", "day_year": "2026"}
            )
        )
    ) == ["day"]
    assert list(
        refused(
            lambda: ops.add_closure_day(
                p, admin, {"day_day": "1", "day_month": "1", "day_year": "1066"}
            )
        )
    ) == ["day"]
    ops.remove_closure_day(p, admin, "2026-12-24")
    assert "2026-12-24" not in p.closure_days
    assert list(refused(lambda: ops.remove_closure_day(p, admin, "2026-12-24"))) == ["day"]


def test_agencies_are_added_and_renamed_uniquely_in_the_partnership(demo):
    p, admin = demo.partnership, demo.admin

    agency = ops.add_agency(p, admin, {"name": "  Northfield   GP Practice ", "type": "health"})

    assert agency.name == "Northfield GP Practice"
    assert last_event().action == "agency.added"
    assert list(
        refused(
            lambda: ops.add_agency(p, admin, {"name": "northfield gp practice", "type": "health"})
        )
    ) == ["name"]
    assert list(
        refused(lambda: ops.add_agency(p, admin, {"name": "Another", "type": "spaceship"}))
    ) == ["type"]
    assert agency.code == "stoke-on-trent-northfield-gp-practice"
    taken = {"name": "Another", "type": "health", "code": agency.code}
    assert list(refused(lambda: ops.add_agency(p, admin, taken))) == ["code"]
    bad_code = {"name": "Another", "type": "health", "code": "not a slug!"}
    assert list(refused(lambda: ops.add_agency(p, admin, bad_code))) == ["code"]
    ops.change_agency(agency, p, admin, {"name": "Northfield Surgery"}, fields=("name",))
    assert Agency.objects.get(pk=agency.pk).name == "Northfield Surgery"
    # Its own name again is no clash.
    ops.change_agency(agency, p, admin, {"name": "Northfield Surgery"}, fields=("name",))


def test_a_ladder_grows_at_the_top_on_the_pathways_rungs_and_loses_only_an_empty_top(demo):
    p, admin = demo.partnership, demo.admin
    agency = ops.add_agency(p, admin, {"name": "Northfield GP Practice", "type": "health"})
    rungs = [r.id for r in p.pathway_entry().pack.rungs]

    first = ops.add_rung(agency, p, admin, {"title": "GP", "pathway_rung": rungs[0]})
    second = ops.add_rung(agency, p, admin, {"title": "Practice Manager", "pathway_rung": rungs[1]})

    assert (first.position, second.position) == (1, 2)
    assert list(
        refused(lambda: ops.add_rung(agency, p, admin, {"title": "X", "pathway_rung": "emperor"}))
    ) == ["pathway_rung"]
    assert list(refused(lambda: ops.remove_rung(first, p, admin))) == ["rung"]
    User.objects.create(username="gp", email="gp@example.org", agency=agency, rung=second)
    assert list(refused(lambda: ops.remove_rung(second, p, admin))) == ["rung"]
    ops.change_rung(first, p, admin, {"title": "General Practitioner", "pathway_rung": rungs[0]})
    assert Rung.objects.get(pk=first.pk).title == "General Practitioner"


def test_people_are_registered_with_a_unique_email_and_a_rung_of_their_agency(demo):
    p, admin = demo.partnership, demo.admin
    police = demo.agencies["police"]
    data = {
        "first_name": "Noor", "last_name": "Testperson", "email": "Noor.Testperson@Example.org",
        "job_title": "Detective Constable", "team": "Public Protection", "phone": "01234 567890",
        "agency": police.pk, "rung": police.rungs.first().pk,
        "line_manager": demo.ladder["police"][1].pk,
    }  # fmt: skip

    person = ops.add_person(p, admin, data)

    assert person.email == "noor.testperson@example.org"
    assert not person.has_usable_password()
    assert last_event().action == "person.added"
    assert list(refused(lambda: ops.add_person(p, admin, data))) == ["email"]
    csc_rung = demo.agencies["csc"].rungs.first().pk
    errors = refused(
        lambda: ops.add_person(p, admin, {**data, "email": "b@example.org", "rung": csc_rung})
    )
    assert list(errors) == ["rung"]
    errors = refused(
        lambda: ops.add_person(
            p, admin, {**data, "email": "c@example.org", "phone": "=cmd|' /C calc'!A0"}
        )
    )
    assert list(errors) == ["phone"]


def test_a_persons_details_change_but_not_their_place(demo):
    p, admin, officer = demo.partnership, demo.admin, demo.ladder["police"][0]

    ops.change_person(officer, p, admin, {"job_title": "Detective Sergeant"}, fields=("job_title",))

    assert User.objects.get(pk=officer.pk).job_title == "Detective Sergeant"
    taken = demo.ladder["csc"][0].email
    assert list(
        refused(lambda: ops.change_person(officer, p, admin, {"email": taken}, fields=("email",)))
    ) == ["email"]
    with pytest.raises(ValueError):
        ops.change_person(
            officer, p, admin, {"agency": demo.agencies["csc"].pk}, fields=("agency",)
        )


def test_roles_are_set_exactly_and_an_administrator_keeps_their_own(demo):
    p, admin, officer = demo.partnership, demo.admin, demo.ladder["police"][0]

    ops.set_roles(officer, p, admin, {"roles": ["practitioner", "safeguarding-lead"]})

    assert User.objects.get(pk=officer.pk).roles == {Role.PRACTITIONER, Role.SAFEGUARDING_LEAD}
    assert last_event().data == {"added": ["safeguarding-lead"], "removed": []}
    assert list(refused(lambda: ops.set_roles(officer, p, admin, {"roles": ["emperor"]}))) == [
        "roles"
    ]
    assert list(refused(lambda: ops.set_roles(admin, p, admin, {"roles": []}))) == ["roles"]


def test_pack_roles_are_held_by_a_person_or_a_mailbox(demo):
    p, admin = demo.partnership, demo.admin

    holder = ops.assign_role_holder(
        p, admin, "independent-advisor", {"mailbox": "Advisor@Example.org", "name": "Advisor"}
    )

    assert holder.mailbox == "advisor@example.org"
    assert last_event().action == "role_holder.assigned"
    assert list(refused(lambda: ops.assign_role_holder(p, admin, "independent-advisor", {}))) == [
        "user"
    ]
    assert list(
        refused(lambda: ops.assign_role_holder(p, admin, "emperor", {"mailbox": "a@example.org"}))
    ) == ["role_id"]
    assert list(
        refused(
            lambda: ops.assign_role_holder(
                p, admin, "independent-advisor", {"mailbox": "not an address"}
            )
        )
    ) == ["mailbox"]
    police = demo.agencies["police"].pk
    assert list(
        refused(
            lambda: ops.assign_role_holder(
                p, admin, "independent-advisor", {"mailbox": "a@example.org", "agency": police}
            )
        )
    ) == ["agency"]
    ops.remove_role_holder(holder, p, admin)
    assert not RoleHolder.objects.filter(pk=holder.pk).exists()
    assert last_event().action == "role_holder.removed"


def test_a_stand_in_acts_for_another_agency_once_per_rung(demo):
    p, admin = demo.partnership, demo.admin
    charity, nurse = demo.agencies["charity"], demo.ladder["health"][2]
    rung = p.pathway_entry().pack.rungs[2].id

    stand_in = ops.add_stand_in(
        p, admin, {"agency": charity.pk, "pathway_rung": rung, "person": nurse.pk}
    )

    assert (last_event().action, last_event().actor_id) == ("stand_in.added", admin.pk)
    told = Notice.objects.get(to_address=nurse.email)  # who named them, no case text
    assert charity.name in told.subject and admin.display_name in told.body_text
    again = {"agency": charity.pk, "pathway_rung": rung, "person": nurse.pk}
    assert list(refused(lambda: ops.add_stand_in(p, admin, again))) == ["pathway_rung"]
    own = {
        "agency": charity.pk,
        "pathway_rung": p.pathway_entry().pack.rungs[3].id,
        "person": demo.ladder["charity"][0].pk,
    }
    assert list(refused(lambda: ops.add_stand_in(p, admin, own))) == ["person"]
    ops.remove_stand_in(stand_in, p, admin)
    assert not StandIn.objects.exists()


def test_only_the_partnerships_own_administrator_may_change_it(demo):
    other = build_partnership("jersey")
    p = demo.partnership
    for who in (demo.unit, demo.ladder["csc"][0], demo.lead["csc"], other.admin):
        with pytest.raises(ops.NotAdministrator):
            ops.change_partnership(p, who, {"name": "Taken over"}, fields=("name",))
        with pytest.raises(ops.NotAdministrator):
            ops.add_agency(p, who, {"name": "Another", "type": "health"})
    # Nor may an administrator reach another partnership's agency through their own.
    with pytest.raises(ops.NotAdministrator):
        ops.change_agency(other.agencies["police"], p, demo.admin, {"name": "X"}, fields=("name",))
    with pytest.raises(ops.NotAdministrator):
        ops.set_roles(other.ladder["csc"][0], p, demo.admin, {"roles": ["administrator"]})


def test_joining_an_agency_another_partnership_governs_waits_for_it_to_accept(demo):
    other = build_partnership("jersey")
    police = other.agencies["police"]

    request = ops.join_agency(demo.partnership, demo.admin, {"code": police.code.upper()})

    # Asked, not joined: the agency serves only Jersey until Jersey's administrator says.
    assert request.agency == police and request.outcome == ""
    assert set(police.partnerships.values_list("slug", flat=True)) == {"jersey"}
    asked = last_event()
    assert (asked.action, asked.partnership_id, asked.actor_id) == (
        "agency.join_requested",
        demo.partnership.pk,
        demo.admin.pk,
    )
    told = Notice.objects.filter(to_address=other.admin.email)
    assert told.count() == 1 and demo.partnership.name in told.get().subject
    again = {"code": police.code}
    assert list(refused(lambda: ops.join_agency(demo.partnership, demo.admin, again))) == ["code"]
    nobody = {"code": "no-such-agency"}
    assert list(refused(lambda: ops.join_agency(demo.partnership, demo.admin, nobody))) == ["code"]
    # Nobody but the agency's own partnership answers: not the one that asked.
    with pytest.raises(ops.NotAdministrator):
        ops.decide_join(request, demo.admin, {"decision": "accepted"})
    assert list(refused(lambda: ops.decide_join(request, other.admin, {}))) == ["decision"]

    ops.decide_join(request, other.admin, {"decision": "accepted"})

    assert set(police.partnerships.values_list("slug", flat=True)) == {"jersey", "stoke-on-trent"}
    accepted = last_event()
    assert (accepted.action, accepted.partnership_id, accepted.actor_id) == (
        "agency.join_accepted",
        other.partnership.pk,
        other.admin.pk,
    )
    assert Notice.objects.filter(to_address=demo.admin.email, subject__contains="accepted")
    answered = {"decision": "declined"}
    assert list(refused(lambda: ops.decide_join(request, other.admin, answered))) == ["decision"]


def test_a_declined_request_changes_nothing_but_is_audited(demo):
    other = build_partnership("jersey")
    police = other.agencies["police"]
    request = ops.join_agency(demo.partnership, demo.admin, {"code": police.code})

    ops.decide_join(request, other.admin, {"decision": "declined"})

    assert set(police.partnerships.values_list("slug", flat=True)) == {"jersey"}
    assert last_event().action == "agency.join_declined"
    assert Notice.objects.filter(to_address=demo.admin.email, subject__contains="declined")
    # Declined, they may ask again.
    assert ops.join_agency(demo.partnership, demo.admin, {"code": police.code}).outcome == ""


def test_a_shared_agency_is_changed_only_by_the_partnership_that_governs_it(demo):
    jersey = build_partnership("jersey")
    police, officer = demo.agencies["police"], demo.ladder["police"][0]
    share(police, jersey.partnership, asked_by=jersey.admin, accepted_by=demo.admin)
    p, theirs, rung = jersey.partnership, jersey.admin, police.rungs.order_by("-position").first()
    events = Event.objects.count()
    attempts = [
        lambda: ops.change_agency(police, p, theirs, {"name": "Taken"}, fields=("name",)),
        lambda: ops.add_rung(police, p, theirs, {"title": "Boss", "pathway_rung": "senior-leader"}),
        lambda: ops.change_rung(rung, p, theirs, {"title": "X", "pathway_rung": rung.pathway_rung}),
        lambda: ops.remove_rung(rung, p, theirs),
        lambda: ops.change_person(officer, p, theirs, {"email": "x@example.org"}, ("email",)),
        lambda: leavers.move(officer, p, theirs, {"agency": jersey.agencies["csc"].pk}, {}),
        lambda: leavers.deactivate(officer, p, theirs, {}),
        lambda: ops.add_stand_in(
            p, theirs, {"agency": police.pk, "pathway_rung": rung.pathway_rung, "person": theirs.pk}
        ),
    ]
    for attempt in attempts:
        with pytest.raises((ops.NotAdministrator, ops.Invalid)):
            attempt()
    # Its agency roles are not Jersey's to give: only Jersey's own roles are offered.
    lead = {"roles": ["safeguarding-lead"]}
    assert list(refused(lambda: ops.set_roles(officer, p, theirs, lead))) == ["roles"]
    assert Event.objects.count() == events
    name, email = police.name, officer.email
    police.refresh_from_db()
    officer = User.objects.get(pk=officer.pk)
    assert (police.name, officer.email, officer.is_active) == (name, email, True)
    assert officer.roles == {Role.PRACTITIONER}
    # Stoke, which governs it, still may.
    ops.set_roles(officer, demo.partnership, demo.admin, lead)
    assert User.objects.get(pk=officer.pk).roles == {Role.SAFEGUARDING_LEAD}


def test_granting_a_role_that_sees_cases_tells_its_holder_naming_who_granted_it(demo):
    officer = demo.ladder["police"][0]

    ops.set_roles(officer, demo.partnership, demo.admin, {"roles": ["safeguarding-lead"]})

    told = Notice.objects.get(to_address=officer.email)
    assert "Safeguarding lead" in told.subject and demo.admin.display_name in told.body_text
    assert last_event().actor_id == demo.admin.pk
    # A role that sees nothing by itself is not announced.
    ops.set_roles(
        officer, demo.partnership, demo.admin, {"roles": ["safeguarding-lead", "manager"]}
    )
    assert Notice.objects.filter(to_address=officer.email).count() == 1
