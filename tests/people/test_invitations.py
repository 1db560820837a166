"""Invitations and first sign-in, as a partnership's imported person meets them: the
administrator imports a CSV and invites the people it created, the worker sends the
email, the person follows its link, chooses a password, sets up an authenticator app
from the secret the page shows, and lands on My work; every step audited."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from rpd.audit import log as audit
from rpd.audit.models import Event
from rpd.cli import main
from rpd.notifications import worker
from rpd.onboarding import csvformat, partnerships
from rpd.onboarding.sample import sample_rows
from rpd.people import invitations
from rpd.people.models import Invitation, Role, RoleGrant, User

from .conftest import PASSWORD, SECRET, error_summary, sign_in, totp_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "seven purple kettles singing"


@pytest.fixture
def partnership(db):
    return partnerships.create(
        slug="testshire", name="Testshire Safeguarding Partnership", pathway_id="stoke-on-trent"
    )


@pytest.fixture
def administrator(partnership):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    admin = User.objects.create_user(
        username="ada", email="ada.admin@testshire.example.org", password=PASSWORD
    )
    RoleGrant.objects.create(user=admin, role=Role.ADMINISTRATOR, partnership=partnership)
    TOTP.activate(admin, SECRET)
    RecoveryCodes.activate(admin)
    return admin


def signed_in_admin(client, administrator):
    sign_in(client, administrator.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code()}).status_code == 302
    return client


def import_people(client, rows):
    upload = SimpleUploadedFile("people.csv", csvformat.write(rows).encode(), "text/csv")
    page = client.post("/partnerships/testshire/import/", {"file": upload, "mode": "import"})
    assert page.status_code == 200, error_summary(page)
    return page


def invitation_link(address: str) -> str:
    worker.run(once=True)
    # (A person may also have been told of a role granted them.)
    [message] = [m for m in mail.outbox if address in m.to and "invited" in m.subject]
    return re.search(r"http://\S+/accounts/invitation/\S+/", message.body)[0]


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def secret_on(page) -> str:
    return re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode())[1]


def test_an_imported_person_follows_their_invitation_to_my_work(
    client, administrator, django_capture_on_commit_callbacks
):
    rows = sample_rows("stoke-on-trent", agencies=2, people=15)
    admin = signed_in_admin(client, administrator)
    page = import_people(admin, rows)
    created = re.findall(r'name="person" value="(\d+)"', page.content.decode())
    assert len(created) == 15
    assert "Invite the 15 people this import created" in page.content.decode()
    sent = admin.post(
        "/partnerships/testshire/people/invite/",
        {"person": created, "back": "/partnerships/testshire/people/?signed-in=no"},
    )
    assert sent["Location"] == "/partnerships/testshire/people/?signed-in=no"
    people = admin.get(sent["Location"]).content.decode()
    assert "Invitations sent to 15 people" in people
    assert people.count("Not signed in yet") == 15
    admin.post("/accounts/logout/")

    person = User.objects.get(email=rows[5]["email"])
    assert not EmailAddress.objects.filter(user=person).exists()  # as imported people are
    link = invitation_link(person.email)
    body = next(m.body for m in mail.outbox if person.email in m.to)
    assert "Testshire Safeguarding Partnership" in body
    assert "disagreement" not in body.split("Safeguarding Partnership has given you")[0]

    visitor = client.__class__()
    page = visitor.get(path_of(link))
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">Create your password</h1>' in page.content.decode()
    assert Invitation.objects.get(person=person).used_at is None  # opening it spends nothing

    chosen = visitor.post(
        path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    set_up = visitor.get(chosen["Location"])
    assert set_up.status_code == 302
    assert set_up["Location"].startswith("/accounts/2fa/totp/activate/")
    activate = visitor.get(set_up["Location"])
    assert activate.status_code == 200  # no password asked again: they just chose it
    with django_capture_on_commit_callbacks(execute=True):  # allauth tells on commit
        done = visitor.post(set_up["Location"], {"code": totp_code(secret_on(activate))})
    assert done.status_code == 302
    codes = visitor.get(done["Location"])
    assert 'id="recovery_codes"' in codes.content.decode()  # to keep, then Continue
    assert '<a class="govuk-link" href="/">Continue</a>' in codes.content.decode()
    landed = visitor.get("/")
    assert landed.status_code == 200
    assert '<h1 class="govuk-heading-l">My work</h1>' in landed.content.decode()

    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD) and person.last_login is not None
    assert EmailAddress.objects.get(user=person).verified
    assert Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()
    events = Event.objects.filter(target=audit.user_target(person))
    assert [(e.action, e.data.get("method") or e.data.get("type")) for e in events] == [
        ("person.invited", None),
        ("account.address_verified", None),
        ("account.password_set", None),
        ("account.invitation_accepted", None),
        ("account.signed_in", "invitation"),
        ("account.second_factor_added", "totp"),
        ("account.second_factor_added", "recovery_codes"),
    ]
    assert all(e.data["ip"] == "127.0.0.1" for e in events[1:])
    assert audit.verify().ok

    # The link worked once.
    again = client.__class__().get(path_of(link))
    assert again.status_code == 404
    assert "This link does not work" in again.content.decode()


@pytest.fixture
def invitee(partnership, administrator):
    from rpd.people.models import Agency, AgencyType

    agency = Agency.objects.create_in(partnership, name="Testshire Police", type=AgencyType.POLICE)
    return User.objects.create_user(
        username="ian",
        email="Ian.Invitee@testshire.example.org",
        agency=agency,
        first_name="Ian",
        last_name="Invitee",
    )


def test_an_invitation_link_stops_working_when_it_expires(client, partnership, invitee):
    with time_machine.travel("2026-03-02 09:00Z", tick=False) as clock:
        invitations.invite([invitee], by=None, partnership=partnership)
        link = path_of(invitation_link(invitee.email))
        clock.shift(datetime.timedelta(days=13, hours=23))
        assert client.get(link).status_code == 200
        clock.shift(datetime.timedelta(hours=2))
        assert client.get(link).status_code == 404
        refused = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert refused.status_code == 404
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_sending_again_replaces_the_earlier_link(client, partnership, invitee):
    invitations.invite([invitee], by=None, partnership=partnership)
    first = path_of(invitation_link(invitee.email))
    mail.outbox.clear()
    invitations.invite([invitee], by=None, partnership=partnership)
    second = path_of(invitation_link(invitee.email))
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_a_bad_password_is_named_and_spends_nothing(client, partnership, invitee):
    invitations.invite([invitee], by=None, partnership=partnership)
    link = path_of(invitation_link(invitee.email))
    for data, message in [
        ({}, "Enter a password"),
        ({"new_password1": "short", "new_password2": "short"}, "This password is too short"),
        (
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
            "The passwords do not match: enter the same password twice",
        ),
    ]:
        page = client.post(link, data)
        assert page.status_code == 400
        assert any(line.startswith(message) for line in error_summary(page)), error_summary(page)
    assert Invitation.objects.get(person=invitee).used_at is None
    assert "_auth_user_id" not in client.session


def test_someone_who_has_signed_in_is_not_invited_but_resets_their_password(
    client, partnership, invitee
):
    invitee.last_login = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    invitee.save()
    with pytest.raises(invitations.CannotInvite, match="has signed in already"):
        invitations.invite([invitee], by=None, partnership=partnership)
    assert not Invitation.objects.exists()


def test_an_administrator_invites_one_person_from_their_page_and_sees_who_has_not_signed_in(
    client, administrator, invitee
):
    admin = signed_in_admin(client, administrator)
    listed = admin.get("/partnerships/testshire/people/?signed-in=no").content.decode()
    assert "Ian Invitee" in listed and "Not signed in yet" in listed
    assert "Ada" not in listed  # the administrator has signed in
    page = admin.get(f"/partnerships/testshire/people/{invitee.pk}/").content.decode()
    assert "Send an invitation" in page
    sent = admin.post(
        "/partnerships/testshire/people/invite/",
        {"person": invitee.pk, "back": f"/partnerships/testshire/people/{invitee.pk}/"},
        follow=True,
    )
    html = sent.content.decode()
    assert "Invitation sent to Ian Invitee" in html and "Send the invitation again" in html
    event = Event.objects.get(action="person.invited")
    assert event.actor_id == administrator.pk and event.partnership_id is not None


def test_inviting_someone_who_has_signed_in_is_refused_by_name(client, administrator, invitee):
    invitee.last_login = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    invitee.save()
    admin = signed_in_admin(client, administrator)
    page = admin.post("/partnerships/testshire/people/invite/", {"person": invitee.pk}, follow=True)
    assert page.status_code == 200
    assert "Ian Invitee has signed in already" in page.content.decode()
    assert not Invitation.objects.exists()


def test_the_invite_command_invites_those_not_signed_in(capsys, partnership, invitee):
    assert main(["invite", "--partnership", "testshire", "--not-signed-in"]) == 0
    out = capsys.readouterr().out
    assert "Inviting 1 person of Testshire Safeguarding Partnership" in out
    assert invitee.email in out
    assert Invitation.objects.filter(person=invitee).count() == 1
    assert (
        main(
            ["invite", "--partnership", "testshire", "--email", "IAN.invitee@testshire.example.org"]
        )
        == 0
    )
    assert Invitation.objects.filter(person=invitee).count() == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--partnership", "nowhere", "--not-signed-in"], "--partnership: there is no partnership"),
        (["--partnership", "testshire", "--email", "nobody@x.org"], "--email: nobody in testshire"),
    ],
)
def test_the_invite_command_names_a_mistake_in_one_line(capsys, partnership, argv, message):
    assert main(["invite", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_person_of_an_agency_with_its_own_sign_in_is_sent_there(
    client, partnership, invitee, fake_idp
):
    from rpd.people import sso

    from .conftest import SSO_SECRET_ENV
    from .fake_oidc import CLIENT_ID

    sso.add(
        invitee.agency,
        server_url=fake_idp.issuer,
        client_id=CLIENT_ID,
        secret_env=SSO_SECRET_ENV,
        domains=["testshire.example.org"],
    )
    invitations.invite([invitee], by=None, partnership=partnership)
    link = path_of(invitation_link(invitee.email))
    page = client.get(link)
    assert "Continue to your organisation" in page.content.decode()
    response = client.post(link)
    assert response.status_code == 302 and response["Location"].startswith(fake_idp.issuer)
    assert EmailAddress.objects.get(user=invitee).verified
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()
    # Spent, though they have not finished signing in at their organisation yet.
    assert client.get(link).status_code == 404


def test_password_reset_works_for_someone_with_no_address_record_and_verifies_it(client, invitee):
    assert not EmailAddress.objects.filter(user=invitee).exists()
    client.post("/accounts/password/reset/", {"email": invitee.email.upper()})
    worker.run(once=True)
    [message] = mail.outbox
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body)[0]
    form = client.get(path_of(link), follow=True)
    done = client.post(
        form.request["PATH_INFO"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert EmailAddress.objects.get(user=invitee).verified
    # and the second factor can be set up straight after (issue 16's dead end)
    sign_in(client, invitee.email, NEW_PASSWORD)
    activate = client.get("/accounts/2fa/totp/activate/")
    client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret_on(activate))})
    assert Authenticator.objects.filter(user=invitee, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_an_imported_person_given_information_governance_answers_a_subject_access_search(
    client, administrator, django_capture_on_commit_callbacks
):
    # No demo person: imported, granted the role on the roles page, told by email,
    # signed in through their invitation with a second factor, then at work.
    rows = sample_rows("stoke-on-trent", agencies=2, people=15)
    admin = signed_in_admin(client, administrator)
    import_people(admin, rows)
    person = User.objects.get(email=rows[6]["email"])
    granted = admin.post(
        f"/partnerships/testshire/people/{person.pk}/roles/",
        {"roles": [*person.role_grants.values_list("role", flat=True), "information-governance"]},
    )
    assert granted.status_code == 302
    admin.post("/partnerships/testshire/people/invite/", {"person": [person.pk]})
    admin.post("/accounts/logout/")
    link = invitation_link(person.email)
    told = [m for m in mail.outbox if person.email in m.to and "invited" not in m.subject]
    assert any("Information governance" in m.body for m in told)

    visitor = client.__class__()
    chosen = visitor.post(
        path_of(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    set_up = visitor.get(chosen["Location"])
    activate = visitor.get(set_up["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(set_up["Location"], {"code": totp_code(secret_on(activate))})
    home = visitor.get("/").content.decode()
    assert 'href="/information-governance/"' in home
    found = visitor.post("/information-governance/", {"nhs_number": "999 000 0018"})
    assert found.status_code == 200
    assert "0 cases found" in found.content.decode()
