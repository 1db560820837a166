"""Who stands behind each pack role in a partnership, and the go-live check that none is
left with no one behind it (rpd/people/roles.py)."""

import pytest

from rpd.audit.models import Event
from rpd.people import roles
from rpd.people.demo import build_partnership
from rpd.people.models import RoleGrant, RoleHolder

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "pathway", ["blackpool", "cambridgeshire", "hillingdon", "jersey", "stoke-on-trent"]
)
def test_the_demo_puts_someone_behind_every_role_of_each_seed_pack(pathway):
    demo = build_partnership(pathway)
    assert roles.unfilled_roles(demo.partnership) == []


def test_a_pack_role_with_no_one_behind_it_is_a_problem_the_go_live_check_names():
    demo = build_partnership("hillingdon")
    roles.remove(demo.holders["executive-leadership-group"], by=demo.admin)
    [problem] = roles.unfilled_roles(demo.partnership)
    assert problem.role_id == "executive-leadership-group"
    assert "Executive Leadership Group" in str(problem)


def test_a_holder_who_has_left_stands_behind_nothing():
    demo = build_partnership("jersey")
    demo.chair.is_active = False
    demo.chair.save(update_fields=["is_active"])
    assert [p.role_id for p in roles.unfilled_roles(demo.partnership)] == ["spb-chair"]


def test_an_agency_with_no_safeguarding_lead_needs_a_holder_for_an_agency_role():
    demo = build_partnership("blackpool")
    RoleGrant.objects.filter(user=demo.lead["school"]).delete()
    [problem] = roles.unfilled_roles(demo.partnership)
    assert problem.role_id == "safeguarding-lead" and "Brookside Primary School" in str(problem)
    roles.assign(
        demo.partnership,
        "safeguarding-lead",
        by=demo.admin,
        user=demo.ladder["school"][1],
        agency=demo.agencies["school"],
    )
    assert roles.unfilled_roles(demo.partnership) == []


def test_every_change_to_who_holds_a_role_is_audited():
    demo = build_partnership("stoke-on-trent")
    holder = roles.assign(
        demo.partnership,
        "independent-advisor",
        by=demo.admin,
        mailbox="Advisor@Example.org",
        name="Independent professional advisor",
    )
    assert holder.mailbox == "advisor@example.org"
    roles.remove(holder, by=demo.admin)
    events = Event.objects.filter(
        target="partnership:stoke-on-trent/role:independent-advisor", actor_id=demo.admin.pk
    )
    assert [e.action for e in events.order_by("seq")] == [
        "role_holder.assigned",
        "role_holder.removed",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role_id": "board-chair", "mailbox": "x@example.org"}, "role_id"),
        ({"role_id": "independent-advisor"}, "user"),
        ({"role_id": "independent-advisor", "mailbox": "not an address"}, "mailbox"),
        ({"role_id": "independent-advisor", "mailbox": "x@example.org", "agency": "csc"}, "agency"),
    ],
)
def test_a_bad_role_holder_is_refused_naming_its_field(change, field):
    demo = build_partnership("stoke-on-trent")
    change = dict(change)
    if "agency" in change:
        change["agency"] = demo.agencies[change["agency"]]
    before = RoleHolder.objects.count()
    with pytest.raises(roles.RoleHolderError) as refused:
        roles.assign(demo.partnership, by=demo.admin, **change)
    assert refused.value.field == field and str(refused.value).startswith(f"{field}: ")
    assert RoleHolder.objects.count() == before


def test_stokes_independent_professional_advisor_is_not_the_board_chair_in_the_demo():
    demo = build_partnership("stoke-on-trent")
    advisor = roles.holders(demo.partnership, "independent-advisor")
    assert [h.user for h in advisor] == [None]
    assert advisor[0].mailbox == "stoke-on-trent-independent-advisor@example.org"


def test_the_go_live_check_reads_as_many_queries_for_twelve_agencies_as_for_two():
    # The administration's home page and its roles page run it on every view: a query for
    # each role and for each agency made them thirty.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rpd.people.models import Agency, AgencyType, Role, User

    demo = build_partnership("blackpool")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert roles.unfilled_roles(demo.partnership) == []
        return len(captured)

    before = queries()
    for n in range(10):
        agency = Agency.objects.create(code=f"more-{n}", name=f"More {n}", type=AgencyType.HEALTH)
        agency.partnerships.add(demo.partnership)
        lead = User.objects.create(username=f"lead-{n}", agency=agency)
        RoleGrant.objects.create(user=lead, role=Role.SAFEGUARDING_LEAD)
    assert queries() == before
