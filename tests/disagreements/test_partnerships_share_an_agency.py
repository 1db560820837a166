"""Several partnerships on one installation, one police force serving two of them (ADR 007).

Lancashire Constabulary serves Blackpool, Blackburn with Darwen and Lancashire: its
officers take part in each partnership's disagreements under that partnership's pathway,
and nothing of one partnership's cases reaches another's administrators, oversight roles
or practitioners through a page, a list, a feed or a notice.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from rpd.disagreements import access, queries, transitions
from rpd.disagreements.models import Disagreement
from rpd.notifications import feeds
from rpd.notifications.models import Notice
from rpd.pathways.calendar import LONDON
from rpd.people.demo import build_partnership
from rpd.people.models import Role, RoleGrant
from tests.sharing import share

from .helpers import raise_data

NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # Wednesday


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def region(db, clock):
    """Blackpool and Stoke-on-Trent on one installation; Blackpool's police force also
    serves Stoke-on-Trent. Stoke's own police force is left out of the case below."""
    blackpool = build_partnership("blackpool", slug="blackpool")
    stoke = build_partnership("stoke-on-trent", slug="stoke")
    force = blackpool.agencies["police"]
    # Stoke asks; Blackpool, which governs the force, accepts (ADR 007, 2026-12-05).
    share(force, stoke.partnership, asked_by=stoke.admin, accepted_by=blackpool.admin)
    officer = blackpool.ladder["police"][0]
    # One case in each partnership with the shared force, and one in Stoke without it.
    in_blackpool = transitions.raise_disagreement(
        blackpool.ladder["csc"][0], raise_data(blackpool, "police")
    )
    in_stoke = transitions.raise_disagreement(
        officer,
        raise_data(
            stoke,
            "csc",
            partnership=stoke.partnership.pk,
            subject_given_name="Sky",
            subject_family_name="Testsibling",
        ),
    )
    stoke_only = transitions.raise_disagreement(stoke.ladder["health"][0], raise_data(stoke, "csc"))
    return {
        "blackpool": blackpool,
        "stoke": stoke,
        "officer": officer,
        "lead": blackpool.lead["police"],
        "cases": {"blackpool": in_blackpool, "stoke": in_stoke, "stoke_only": stoke_only},
    }


def fresh_user(user):
    """As a page sees them: roles and memberships read afresh."""
    from rpd.people.backends import UserBackend

    return UserBackend().get_user(user.pk)


def listed(user) -> set[str]:
    user = fresh_user(user)
    mine = {row.pk for row in queries.work_rows(user, 500)}
    return mine | {d.pk for d in access.visible_to(user)}


def overseen(user) -> set[str]:
    user = fresh_user(user)
    rows = queries.oversight_rows(user, NOW.date(), NOW, queries.OversightFilter(), limit=500)
    return {row.pk for row in rows}


def test_the_shared_forces_officer_raises_in_either_partnership_under_its_pathway(region):
    case = region["cases"]["stoke"]
    assert case.partnership == region["stoke"].partnership
    assert case.pathway.pathway_id == "stoke-on-trent"
    assert case.reference.startswith(region["stoke"].partnership.reference_prefix)


def test_the_shared_forces_officer_sees_their_cases_in_both_partnerships(region):
    cases = region["cases"]
    officer = fresh_user(region["officer"])
    assert officer.partnership_ids == {
        region["blackpool"].partnership.pk,
        region["stoke"].partnership.pk,
    }
    assert {cases["blackpool"].pk, cases["stoke"].pk} <= listed(officer)
    assert cases["stoke_only"].pk not in listed(officer)
    for case in (cases["blackpool"], cases["stoke"]):
        assert access.sight(officer, case).grade == access.Grade.CASE


def test_the_shared_forces_safeguarding_lead_sees_its_cases_in_both_partnerships(region):
    cases = region["cases"]
    seen = listed(region["lead"])
    assert {cases["blackpool"].pk, cases["stoke"].pk} <= seen
    assert cases["stoke_only"].pk not in seen


def test_each_partnerships_oversight_sees_only_its_own_cases(region):
    cases = region["cases"]
    blackpool, stoke = region["blackpool"], region["stoke"]
    for role in ("unit", "chair"):
        assert overseen(getattr(blackpool, role)) == {cases["blackpool"].pk}
        assert overseen(getattr(stoke, role)) == {
            cases["stoke"].pk,
            cases["stoke_only"].pk,
        }
        assert cases["stoke"].pk not in listed(getattr(blackpool, role))
        assert not access.sight(fresh_user(getattr(blackpool, role)), cases["stoke"])
        assert not access.sight(fresh_user(getattr(stoke, role)), cases["blackpool"])


def test_each_partnerships_practitioners_see_only_their_own_partnerships_cases(region):
    cases = region["cases"]
    blackpool_csc = region["blackpool"].ladder["csc"][0]
    stoke_csc = region["stoke"].ladder["csc"][0]
    assert cases["stoke"].pk not in listed(blackpool_csc)
    assert not access.sight(fresh_user(blackpool_csc), cases["stoke"])
    assert cases["blackpool"].pk not in listed(stoke_csc)
    assert not access.sight(fresh_user(stoke_csc), cases["blackpool"])


def test_an_administrator_administers_only_their_own_partnership(region):
    blackpool, stoke = region["blackpool"], region["stoke"]
    admin = fresh_user(blackpool.admin)
    assert admin.administers(blackpool.partnership.pk)
    assert not admin.administers(stoke.partnership.pk)
    assert not listed(admin) & {d.pk for d in region["cases"].values()}


def test_a_partnership_role_granted_in_one_partnership_does_not_reach_another(region):
    """A person in the shared force made Stoke's administrator is not Blackpool's."""
    officer = region["officer"]
    RoleGrant.objects.create(
        user=officer, role=Role.ADMINISTRATOR, partnership=region["stoke"].partnership
    )
    officer = fresh_user(officer)
    assert officer.administers(region["stoke"].partnership.pk)
    assert not officer.administers(region["blackpool"].partnership.pk)


def test_a_partnership_role_must_name_its_partnership(region):
    with transaction.atomic(), pytest.raises(IntegrityError):
        RoleGrant.objects.create(user=region["officer"], role=Role.PARTNERSHIP_UNIT)
    with transaction.atomic(), pytest.raises(IntegrityError):
        RoleGrant.objects.create(
            user=region["officer"],
            role=Role.PRACTITIONER,
            partnership=region["stoke"].partnership,
        )


def test_an_agency_role_is_asked_of_the_agency_and_a_partnership_role_of_one_partnership(
    region,
):
    officer = fresh_user(region["officer"])
    assert officer.has_role(Role.PRACTITIONER)
    with pytest.raises(ValueError, match="one partnership"):
        officer.has_role(Role.PARTNERSHIP_UNIT)


def test_the_notices_of_a_case_belong_to_its_partnership_and_reach_no_one_outside_it(region):
    cases = region["cases"]
    stoke = region["stoke"].partnership
    notices = Notice.objects.filter(disagreement=cases["stoke"])
    assert notices.exists()
    assert set(notices.values_list("partnership_id", flat=True)) == {stoke.pk}
    force = region["blackpool"].agencies["police"]
    blackpool_people = set(
        region["blackpool"]
        .partnership.agencies.exclude(pk=force.pk)
        .values_list("staff", flat=True)
    )
    told = set(notices.exclude(recipient=None).values_list("recipient_id", flat=True))
    assert told and not told & blackpool_people


def test_the_calendar_feed_of_one_partnership_holds_nothing_of_anothers(region):
    cases = region["cases"]
    stoke_csc = region["stoke"].ladder["csc"][0]
    blackpool_csc = region["blackpool"].ladder["csc"][0]
    link = f"/disagreements/{cases['stoke'].pk}/".encode()
    assert link in feeds.feed_for(fresh_user(stoke_csc))
    assert link not in feeds.feed_for(fresh_user(blackpool_csc))
    assert link in feeds.feed_for(fresh_user(region["officer"]))


def test_raising_in_a_partnership_the_agency_does_not_serve_is_refused(region):
    blackpool_csc = region["blackpool"].ladder["csc"][0]
    with pytest.raises(transitions.NotAllowed, match="does not take part"):
        transitions.raise_disagreement(
            blackpool_csc,
            raise_data(region["blackpool"], "police", partnership=region["stoke"].partnership.pk),
        )


def test_an_officer_serving_two_partnerships_must_say_which_the_case_is_in(region):
    with pytest.raises(transitions.Invalid) as caught:
        transitions.raise_disagreement(region["officer"], raise_data(region["stoke"], "csc"))
    assert "partnership" in caught.value.errors


def test_the_other_side_must_be_in_the_partnership_the_case_is_raised_in(region):
    """Raised in Stoke against Blackpool's children's social care: not one of Stoke's."""
    blackpool = region["blackpool"]
    with pytest.raises(transitions.Invalid) as caught:
        transitions.raise_disagreement(
            region["officer"],
            raise_data(blackpool, "csc", partnership=region["stoke"].partnership.pk),
        )
    assert "receiving_agency" in caught.value.errors
    assert not Disagreement.objects.filter(
        partnership=region["stoke"].partnership, receiving_agency=blackpool.agencies["csc"]
    ).exists()


# -- Pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, settings):
    settings.RPD_REQUIRE_MFA = False

    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_another_partnerships_case_page_answers_page_not_found(region, signed_in):
    stoke_case = region["cases"]["stoke"]
    for user in (
        region["blackpool"].ladder["csc"][0],
        region["blackpool"].unit,
        region["blackpool"].chair,
        region["blackpool"].admin,
    ):
        response = signed_in(user).get(f"/disagreements/{stoke_case.pk}/")
        assert response.status_code == 404, user
    assert signed_in(region["officer"]).get(f"/disagreements/{stoke_case.pk}/").status_code == 200


def test_an_officer_serving_two_partnerships_is_asked_which_before_raising(region, signed_in):
    client = signed_in(region["officer"])
    response = client.get("/disagreements/new/")
    assert response["Location"] == "/disagreements/new/partnership/"
    page = client.get("/disagreements/new/partnership/").text
    assert region["blackpool"].partnership.name in page
    assert region["stoke"].partnership.name in page

    response = client.post("/disagreements/new/partnership/", {"partnership": "stoke"})
    assert response["Location"] == "/disagreements/new/"
    assert client.get("/disagreements/new/").status_code == 200


@pytest.mark.parametrize(
    "posted",
    [{}, {"partnership": ""}, {"partnership": "nowhere"}, {"partnership": "x\x00" * 1000}],
)
def test_a_partnership_not_chosen_or_not_served_is_named_in_the_error_summary(
    region, signed_in, posted
):
    from rpd.people.models import Partnership

    Partnership.objects.create(name="Elsewhere Partnership", slug="nowhere", pathway_id="jersey")
    client = signed_in(region["officer"])
    response = client.post("/disagreements/new/partnership/", posted)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Select the partnership this disagreement is in" in response.text or (
        "Select a valid choice" in response.text
    )
    assert client.get("/disagreements/new/")["Location"] == "/disagreements/new/partnership/"


def test_someone_in_one_partnership_is_never_asked_which(region, signed_in):
    client = signed_in(region["stoke"].ladder["csc"][0])
    assert client.get("/disagreements/new/").status_code == 200
    assert client.get("/disagreements/new/partnership/").status_code == 200  # one choice


def test_an_oversight_role_in_two_partnerships_chooses_which_list_to_see(region, signed_in):
    unit = region["blackpool"].unit
    RoleGrant.objects.create(
        user=unit, role=Role.PARTNERSHIP_UNIT, partnership=region["stoke"].partnership
    )
    client = signed_in(unit)
    page = client.get("/oversight/?partnership=stoke").text
    assert region["cases"]["stoke"].reference in page and 'name="partnership"' in page
    blackpool = client.get("/oversight/?partnership=blackpool").text
    assert f"/disagreements/{region['cases']['stoke'].pk}/" not in blackpool
    assert f"/disagreements/{region['cases']['blackpool'].pk}/" in blackpool
