"""Partnerships are walls (issue 15): an administrator of partnership B, with every page,
import file and CLI command open to them, tries each path the adversarial review found
into partnership A, and A's cases, agencies and people are unchanged and unseen. Then every
URL pattern of the project is walked as each kind of person of B, GET and POST with a CSRF
token, filled with A's real objects: each answers "not found" or a redirect, and nothing
of A changes.

The region: Alpha (Stoke-on-Trent's pathway) and Beta (Blackpool's) on one installation.
Alpha's police force serves Beta too (Beta asked, Alpha accepted), and Beta's police force
serves Alpha (ADR 007): their people and leads legitimately see the cases of both that
involve their force. Alpha's walled case is between its social care and health.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.utils.html import escape

from rpd.audit.models import Event
from rpd.cli import main
from rpd.disagreements import pathway_versions, transitions
from rpd.disagreements.models import Disagreement, PartnershipPathway
from rpd.onboarding import csvformat
from rpd.onboarding.import_people import ImportRefused, current_rows, import_file
from rpd.pathways.calendar import LONDON
from rpd.people.demo import DemoPartnership, build_partnership
from rpd.people.models import (
    Agency,
    JoinRequest,
    Membership,
    Partnership,
    Role,
    RoleGrant,
    RoleHolder,
    Rung,
    StandIn,
    User,
)
from tests.disagreements.helpers import raise_data
from tests.sharing import share
from tests.urlwalk import every_route

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # a Wednesday
SUBJECT = ("Alphawall", "Testchild")  # only Alpha's walled case is about this child


@dataclass
class World:
    a: DemoPartnership
    b: DemoPartnership
    case: Disagreement  # Alpha's, between social care and health: no shared agency
    beta_case: Disagreement  # Beta's, with Alpha's police (shared into Beta)
    asked: JoinRequest  # Beta's request to join Alpha's social care, not answered
    version: PartnershipPathway  # a pathway version Alpha uploaded
    stand_in: StandIn  # one Alpha named for its school
    ids: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # One outer transaction for the module, rolled back at the end; each test runs in a
    # savepoint inside it (pytest-django's own).
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            a = build_partnership("stoke-on-trent", slug="alpha")
            b = build_partnership("blackpool", slug="beta")
            share(a.agencies["police"], b.partnership, asked_by=b.admin, accepted_by=a.admin)
            share(b.agencies["police"], a.partnership, asked_by=a.admin, accepted_by=b.admin)
            given, family = SUBJECT
            case = transitions.raise_disagreement(
                a.ladder["csc"][0],
                raise_data(a, "health", subject_given_name=given, subject_family_name=family),
            )
            beta_case = transitions.raise_disagreement(
                b.ladder["csc"][0],
                raise_data(
                    b,
                    "police",
                    receiving_agency=a.agencies["police"].pk,
                    receiving_professional=a.ladder["police"][0].pk,
                    partnership=b.partnership.pk,
                ),
            )
            from rpd.administration import operations

            asked = operations.join_agency(b.partnership, b.admin, {"code": a.agencies["csc"].code})
            pack = a.partnership.pathway_entry()
            text = pack.path.read_text("utf-8").replace(
                f"version: {pack.pack.version}\n", f"version: {pack.pack.version + 1}\n", 1
            )
            version = pathway_versions.upload(
                a.partnership, text.encode(), "alpha.yaml", by=a.admin
            )
            stand_in = StandIn.objects.create(
                agency=a.agencies["school"],
                pathway_rung=pack.pack.rungs[-1].id,
                person=a.ladder["health"][-1],
            )
        yield World(a, b, case, beta_case, asked, version, stand_in)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def alphas(w: World) -> tuple:
    """Everything of Alpha's that another partnership must not change, and the chain."""
    a = w.a.partnership
    agencies = Agency.objects.filter(owner=a)
    rows = [
        Partnership.objects.filter(pk=a.pk),
        Disagreement.objects.filter(partnership=a),
        agencies,
        Rung.objects.filter(agency__in=agencies),
        Membership.objects.filter(Q(agency__in=agencies) | Q(partnership=a)),
        User.objects.filter(agency__in=agencies),
        RoleGrant.objects.filter(Q(user__agency__in=agencies) | Q(partnership=a)),
        StandIn.objects.filter(agency__in=agencies),
        RoleHolder.objects.filter(partnership=a),
        PartnershipPathway.objects.filter(partnership=a),
    ]
    return tuple(list(q.order_by("pk").values()) for q in rows)


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # My work carries a form: the CSRF cookie is set
    return client


def post(client: Client, path: str, data: dict | None = None, **kwargs):
    token = client.cookies["csrftoken"].value
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **kwargs)


def refused(response) -> bool:
    return response.status_code == 404 or 300 <= response.status_code < 400


# -- The attacker: Beta's administrator, trying each path the review found -------------------


def test_asking_to_join_alphas_agency_joins_nothing_until_alpha_accepts(world):
    w, before = world, alphas(world)
    attacker, csc = w.b.admin, w.a.agencies["csc"]
    client = signed_in(attacker)

    # Asked already in the world; asking again is refused, naming the field.
    again = post(client, "/partnerships/beta/agencies/join/", {"code": csc.code})
    assert again.status_code == 400 and "asked to join" in again.content.decode()

    assert alphas(w) == before
    assert not Membership.objects.filter(partnership=w.b.partnership, agency=csc).exists()
    # Beta sees the agency's name, and nothing else of it.
    listed = client.get("/partnerships/beta/agencies/").content.decode()
    _, waiting = listed.split("Waiting for another partnership to accept")
    assert escape(csc.name) in waiting and f"/agencies/{csc.pk}/" not in listed
    assert client.get(f"/partnerships/beta/agencies/{csc.pk}/").status_code == 404
    people = client.get("/partnerships/beta/people/").content.decode()
    assert w.a.ladder["csc"][0].email not in people
    # Nor does the membership exist for cases: Beta's people cannot raise with it.
    data = raise_data(w.b, "csc", receiving_agency=csc.pk)
    data["receiving_professional"] = w.a.ladder["csc"][0].pk
    with pytest.raises(transitions.TransitionError):
        transitions.raise_disagreement(w.b.ladder["health"][0], data)
    # Nor can Beta answer its own request.
    answer = post(
        client, f"/partnerships/beta/agencies/requests/{w.asked.pk}/", {"decision": "accepted"}
    )
    assert answer.status_code == 404
    assert alphas(w) == before


def test_beta_cannot_move_itself_or_add_a_lead_into_alphas_agencies(world):
    w, before = world, alphas(world)
    attacker = w.b.admin
    client = signed_in(attacker)
    s = "/partnerships/beta/people/"
    for agency in (w.a.agencies["csc"], w.a.agencies["police"]):  # walled, and shared
        rung = agency.rungs.order_by("position").first()
        moved = post(client, f"{s}{attacker.pk}/move/", {"agency": agency.pk, "rung": rung.pk})
        assert moved.status_code == 400
        added = post(
            client,
            f"{s}add/",
            {
                "first_name": "Mal",
                "last_name": "Lory",
                "email": "mal.lory@example.org",
                "agency": agency.pk,
                "rung": rung.pk,
            },
        )
        assert added.status_code == 400
        stood = post(
            client,
            "/partnerships/beta/stand-ins/add/",
            {"agency": agency.pk, "pathway_rung": rung.pathway_rung, "person": attacker.pk},
        )
        assert stood.status_code == 400
    assert User.objects.get(pk=attacker.pk).agency_id == w.b.admin.agency_id
    assert not User.objects.filter(email="mal.lory@example.org").exists()
    assert alphas(w) == before


def test_beta_cannot_rename_reladder_or_change_the_people_of_alphas_agencies(world):
    w, before = world, alphas(world)
    client = signed_in(w.b.admin)
    for key in ("csc", "police"):  # walled, and shared with Beta
        agency = w.a.agencies[key]
        person = w.a.ladder[key][0]
        rung = agency.rungs.order_by("-position").first()
        s, p = (
            f"/partnerships/beta/agencies/{agency.pk}/",
            f"/partnerships/beta/people/{person.pk}/",
        )
        attempts = [
            (s + "name/", {"name": "Taken over"}),
            (s + "type/", {"type": "other"}),
            (s + "rungs/add/", {"title": "Boss", "pathway_rung": rung.pathway_rung}),
            (f"{s}rungs/{rung.pk}/", {"title": "Renamed", "pathway_rung": rung.pathway_rung}),
            (f"{s}rungs/{rung.pk}/remove/", {}),
            (p + "email/", {"email": "attacker@example.org"}),
            (p + "first-name/", {"first_name": "Mallory"}),
            (p + "move/", {"agency": w.b.agencies["csc"].pk}),
            (p + "deactivate/", {"bulk": "line-manager"}),
            (p + "reactivate/", {}),
            (p + "roles/", {"roles": ["safeguarding-lead"]}),
        ]
        for path, data in attempts:
            response = post(client, path, data)
            assert response.status_code in (400, 404), (path, response.status_code)
    assert alphas(w) == before


def test_beta_sets_only_its_own_roles_for_a_shared_agencys_people(world):
    w = world
    officer = w.a.ladder["police"][0]
    client = signed_in(w.b.admin)
    before = alphas(w)

    made = post(
        client, f"/partnerships/beta/people/{officer.pk}/roles/", {"roles": ["partnership-unit"]}
    )

    assert made.status_code == 302
    officer = User.objects.get(pk=officer.pk)
    assert officer.oversees(w.b.partnership.pk) and not officer.oversees(w.a.partnership.pk)
    after = alphas(w)
    # Only the new grant, in Beta: Alpha's grants and the officer's agency roles as they were.
    assert after[6] == before[6] + [
        g for g in RoleGrant.objects.filter(user=officer, partnership=w.b.partnership).values()
    ]
    granted = Event.objects.order_by("-seq").first()
    assert (granted.action, granted.actor_id, granted.partnership_id) == (
        "person.roles_changed",
        w.b.admin.pk,
        w.b.partnership.pk,
    )
    from rpd.notifications.models import Notice

    told = Notice.objects.filter(to_address=officer.email).order_by("-pk").first()
    assert "Partnership business unit" in told.subject and w.b.admin.display_name in told.body_text
    # ... and the officer, now overseeing Beta, still sees nothing of Alpha's walled case.
    assert signed_in(officer).get(f"/disagreements/{w.case.pk}/").status_code == 404


def test_betas_import_naming_alphas_agencies_writes_nothing(world, tmp_path, capsys):
    w, before = world, alphas(world)
    events = Event.objects.count()
    for key in ("csc", "police"):
        agency = w.a.agencies[key]
        rung = agency.rungs.order_by("position").first()
        row = {
            "email": f"mal.{key}@example.org",
            "given_name": "Mal",
            "family_name": "Lory",
            "agency_code": agency.code,
            "agency_name": "Renamed by Beta",
            "agency_type": agency.type,
            "rung_title": rung.title,
            "pathway_rung": rung.pathway_rung,
            "roles": "safeguarding-lead",
        }
        data = csvformat.write([row]).encode()
        # The import itself (as the page and the CLI call it) ...
        with pytest.raises(ImportRefused) as caught:
            import_file(w.b.partnership, data, by=w.b.admin)
        lines = caught.value.lines()
        assert lines[0].startswith("line 2, column agency_code (D): ")
        assert lines[1].startswith("line 2, column agency_name (E): renames ")
        # ... the page ...
        client = signed_in(w.b.admin)
        upload = tmp_path / f"{key}.csv"
        upload.write_bytes(data)
        with upload.open("rb") as f:
            page = post(client, "/partnerships/beta/import/", {"file": f, "mode": "import"})
        shown = page.content.decode()
        assert page.status_code == 400 and "agency_code (D)" in shown and "is governed by" in shown
        # ... and the CLI, one line on stderr and exit 2.
        status = main(["import", "people", str(upload), "--partnership", "beta"])
        err = capsys.readouterr().err
        assert status == 2 and "agency_code" in err and "Traceback" not in err
    assert alphas(w) == before and Event.objects.count() == events
    assert Agency.objects.get(pk=w.a.agencies["police"].pk).name != "Renamed by Beta"
    # Beta's template holds only its own agencies' people: importing it again is allowed.
    codes = {row["agency_code"] for row in current_rows(w.b.partnership)}
    assert codes and all(Agency.objects.get(code=c).owner == w.b.partnership for c in codes)


def test_beta_cannot_reach_alphas_cases_through_a_shared_agency(world):
    w = world
    officer, lead = w.a.ladder["police"][0], w.a.lead["police"]
    # The shared force's lead and officer see Beta's case with their force (ADR 007) ...
    assert signed_in(lead).get(f"/disagreements/{w.beta_case.pk}/").status_code == 200
    assert signed_in(officer).get(f"/disagreements/{w.beta_case.pk}/").status_code == 200
    # ... and Beta's people nothing of Alpha's, whatever their role.
    for person in (w.b.admin, w.b.unit, w.b.chair, w.b.lead["police"], w.b.ladder["csc"][0]):
        page = signed_in(person).get(f"/disagreements/{w.case.pk}/")
        assert page.status_code == 404


# -- Every URL pattern, as each kind of person of Beta -----------------------------------------

# Parameters that name no partnership's object, and where they appear: a capability link
# (a reset, confirmation, calendar or preferences token, which is the person's own), a
# published pathway, an identity provider, the viewer's own raise journey or keys.
NOT_PARTNERSHIPS = {
    "account_confirm_email": "a confirmation key, the person's own",
    "account_reset_password_from_key": "a reset key, the person's own",
    "notifications:calendar-feed": "a calendar token, the person's own",
    "notifications:preferences": "a preferences token, the person's own",
    "pathways:detail": "a published pathway: the same for everyone",
    "disagreements:raise-step": "a step of the viewer's own raise journey",
    "openid_connect_login": "an identity provider",
    "openid_connect_callback": "an identity provider",
    "mfa_remove_webauthn": "the viewer's own security keys",
    "mfa_edit_webauthn": "the viewer's own security keys",
    "invitation": "an invitation token, the person's own",
    # The region's own pages and exports: what the viewer oversees, whatever the format.
    "oversight:region-register-export": "the viewer's own region, in a format",
    "oversight:region-figures-export": "the viewer's own region, in a format",
}


def patterns():
    """(route, name, parameters) of every URL pattern of the project (tests/urlwalk.py)."""
    for route in every_route():
        yield route.route, route.name, route.parameters


def alphas_objects(w: World) -> dict:
    """Each URL's parameters filled with Alpha's real (walled) objects, by URL name."""
    a = w.a
    csc, person = a.agencies["csc"], a.ladder["csc"][0]
    pack = a.partnership.pathway_entry().pack
    case = {"pk": [w.case.pk], "form_id": [f.id for f in pack.forms][:1] or ["none"]}
    agency = {"pk": [csc.pk], "rung_pk": [csc.rungs.first().pk], "field": ["name", "type"]}
    people = {"pk": [person.pk, a.lead["csc"].pk], "field": ["email", "first-name"]}
    return {
        "disagreements:detail": case,
        "disagreements:raise-done": case,
        "disagreements:form": case,
        "disagreements:act": {**case, "action": ["withdraw", "record", "hand-over"]},
        "disagreements:pathway-version": {"pk": [w.version.pk]},
        "disagreements:pathway-switch": {"pk": [w.version.pk]},
        "administration:join-request": {"pk": [w.asked.pk]},
        "administration:agency": agency,
        "administration:add-rung": agency,
        "administration:rung": agency,
        "administration:remove-rung": agency,
        "administration:agency-field": agency,
        "administration:person": people,
        "administration:roles-of": people,
        "administration:move": people,
        "administration:move-hand-over": people,
        "administration:deactivate": people,
        "administration:reactivate": people,
        "administration:person-field": people,
        "administration:remove-holder": {"pk": [next(iter(a.holders.values())).pk]},
        "administration:remove-stand-in": {"pk": [w.stand_in.pk]},
        "administration:detail": {"field": ["name"]},
        "administration:add-holder": {"role_id": [r.id for r in pack.roles][:1]},
        "administration:add-holder-check": {"role_id": [r.id for r in pack.roles][:1]},
        "oversight:learning-item": {"pk": [w.case.pk]},
        "oversight:form-version": {**case, "version": ["1"]},
        "oversight:form-version-file": {**case, "version": ["1"], "kind": ["pdf", "txt"]},
        "oversight:case-copy": {**case, "agency_id": [csc.pk]},
        "oversight:case-copy-file": {**case, "agency_id": [csc.pk], "kind": ["pdf", "txt"]},
        "oversight:record-copy": {**case, "record_id": ["1"], "agency_id": [csc.pk]},
        "oversight:record-copy-file": {
            **case,
            "record_id": ["1"],
            "agency_id": [csc.pk],
            "kind": ["pdf", "txt"],
        },
        "oversight:register-export": {"kind": ["csv", "xlsx"]},
        "oversight:figures-export": {"kind": ["csv", "xlsx"]},
        "dataprotection:case": case,
        "dataprotection:restrict": case,
        "dataprotection:rectify": case,
        "dataprotection:hold": case,
        "dataprotection:lift": {"pk": [w.case.pk], "request_pk": ["1"]},
        "dataprotection:lift-hold": {"pk": [w.case.pk], "hold_pk": ["1"]},
    }


def filled(route: str, name: str, params: list[str], objects: dict, w: World):
    """The paths of `route` with every parameter one of Alpha's objects; with a slug,
    Alpha's, and Beta's too where an id is Alpha's (Beta's own pages with Alpha's ids)."""
    values = objects.get(name, {})
    slugs = [w.a.partnership.slug]
    if "slug" in params and "pk" in params:
        slugs.append(w.b.partnership.slug)
    paths = [route]
    for param in params:
        choices = slugs if param == "slug" else values.get(param)
        assert choices, f"{name}: no object of Alpha's for <{param}>"
        paths = [_fill(path, param, str(choice)) for path in paths for choice in choices]
    return paths


def _fill(route: str, param: str, value: str) -> str:
    import re

    return re.sub(rf"<(?:\w+:)?{param}>", value, route, count=1)


ATTACK = {  # every field any form here takes, aimed at Alpha
    "name": "Taken over", "type": "other", "code": "taken-over", "title": "Boss",
    "email": "attacker@example.org", "first_name": "Mal", "last_name": "Lory",
    "roles": ["safeguarding-lead", "partnership-unit", "administrator"],
    "decision": "accepted", "bulk": "line-manager", "only": "1", "reason": "Taken over",
    "mailbox": "attacker@example.org", "reference_prefix": "MAL", "seen_in_use": "1",
}  # fmt: skip


def governance_officer(demo):
    officer = User.objects.create_user(
        username=f"{demo.partnership.slug}-governance",
        email=f"{demo.partnership.slug}-governance@example.org",
        agency=demo.unit.agency,
    )
    RoleGrant.objects.create(
        user=officer, role=Role.INFORMATION_GOVERNANCE, partnership=demo.partnership
    )
    return officer


def test_every_url_answers_not_found_or_a_redirect_to_each_kind_of_person_of_beta(world):
    w = world
    objects = alphas_objects(w)
    walled = [
        (route, name, params)
        for route, name, params in patterns()
        if params and name not in NOT_PARTNERSHIPS
    ]
    assert len(walled) >= 30  # the walk covers the project, not an empty list
    own = [route for route, name, params in patterns() if not params and name != "account_logout"]
    before, events = alphas(w), Event.objects.count()
    people = {
        "administrator": w.b.admin,
        "unit": w.b.unit,
        "chair": w.b.chair,
        "lead of a shared agency": w.b.lead["police"],
        "practitioner": w.b.ladder["csc"][0],
        "information governance": governance_officer(w.b),
    }
    for kind, person in people.items():
        client = signed_in(person)
        attack = {
            **ATTACK,
            "agency": w.b.agencies["csc"].pk,
            "user": person.pk,
            "person": person.pk,
        }
        for route, name, params in walled:
            for path in filled(route, name, params, objects, w):
                path = "/" + path.lstrip("^").rstrip("$")
                got, sent = client.get(path), post(client, path, attack)
                for method, response in (("GET", got), ("POST", sent)):
                    # (405: a method the view never takes, refused before any lookup,
                    # the same for every id: it says nothing of Alpha's objects.)
                    assert refused(response) or response.status_code == 405, (
                        f"{kind}: {method} {path} answered {response.status_code}"
                    )
        # Their own pages (My work, oversight, their administration) show nothing of Alpha's.
        for route in own:
            page = client.get("/" + route.lstrip("^").rstrip("$"))
            text = page.content.decode(errors="replace") if page.status_code == 200 else ""
            assert SUBJECT[0] not in text, f"{kind}: {route} shows Alpha's case"
            assert w.a.ladder["csc"][0].email not in text, f"{kind}: {route} shows Alpha's people"
    assert alphas(w) == before
    assert Event.objects.count() == events


def test_betas_administrator_cannot_invite_alphas_people_through_a_shared_agency(world):
    # Alpha's police serves Beta too, but Alpha governs it: an invitation sets a person's
    # password, so only Alpha's administrators may send one.
    from rpd.people.models import Invitation

    w = world
    officer = w.a.ladder["police"][0]
    # Someone an invitation could reach (another test of the module may have signed them in).
    User.objects.filter(pk=officer.pk).update(last_login=None)
    client = signed_in(w.b.admin)
    page = client.get(f"/partnerships/{w.b.partnership.slug}/people/{officer.pk}/")
    assert "They have not signed in yet" not in page.content.decode()
    post(client, f"/partnerships/{w.b.partnership.slug}/people/invite/", {"person": officer.pk})
    post(
        client,
        f"/partnerships/{w.b.partnership.slug}/people/invite/",
        {"everyone": "not-signed-in"},
    )
    assert not Invitation.objects.filter(person__agency=officer.agency).exists()
