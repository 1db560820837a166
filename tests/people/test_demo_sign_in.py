"""Demo mode: the sign-in page lists the demo people (name, agency, role) and signs them
in without a second factor; without demo mode, or with production settings, it is refused."""

from __future__ import annotations

import re

import pytest

from rpd.cli import main
from rpd.disagreements.models import Disagreement
from rpd.people.demo import build_partnership
from rpd.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.RPD_DEMO = True
    settings.RPD_DEVELOPMENT = True
    return build_partnership("stoke-on-trent")


def test_the_sign_in_page_lists_the_demo_people_with_agency_and_role(client, demo):
    html = client.get("/accounts/login/").content.decode()
    practitioner = demo.ladder["csc"][0]
    assert "Demo: sign in as one of the demo people" in html
    assert practitioner.display_name in html
    assert "Children&#x27;s Social Care" in html
    assert "Social Worker" in html and "Practitioner" in html
    assert "Partnership business unit" in html  # the unit's role
    everyone = User.objects.filter(agency__partnerships=demo.partnership).count()
    assert html.count('action="/demo/sign-in/"') == everyone  # a button each


def test_the_demo_people_are_grouped_by_what_you_can_try_as_them(client, demo):
    from rpd.disagreements.demo import populate

    populate(demo)
    html = client.get("/accounts/login/").content.decode()
    captions = re.findall(r'<h3 class="govuk-heading-s">(.*?)</h3>', html)
    assert captions == [
        "Raise a disagreement",
        "Respond as the other agency",
        "Approve as a manager",
        "Act at the later stages (senior managers and safeguarding leads)",
        "Oversee",
        "Administer",
    ]
    tables = dict(zip(captions, html.split('<h3 class="govuk-heading-s">')[1:], strict=True))
    assert demo.unit.display_name in tables["Oversee"]
    assert demo.admin.display_name in tables["Administer"]
    receiver = Disagreement.objects.filter(status="open").first().receiving_professional
    assert receiver.display_name in tables["Respond as the other agency"]


def test_a_demo_button_signs_in_without_a_second_factor(client, demo):
    person = demo.ladder["police"][1]
    response = client.post("/demo/sign-in/", {"person": str(person.pk)})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200  # not sent to set up an authenticator app
    assert person.display_name in page.content.decode()


@pytest.mark.parametrize(
    "setting",
    ["RPD_DEMO", "RPD_DEVELOPMENT"],
    ids=["without demo mode", "with production settings even with the demo flag"],
)
def test_demo_sign_in_is_refused(client, demo, settings, setting):
    setattr(settings, setting, False)
    assert "demo people" not in client.get("/accounts/login/").content.decode()
    response = client.post("/demo/sign-in/", {"person": str(demo.unit.pk)})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_serve_refuses_demo_mode_without_debug(settings, capsys):
    settings.RPD_DEVELOPMENT = False
    assert main(["serve", "--demo", "stoke-on-trent"]) == 2
    err = capsys.readouterr().err
    assert err == "rpd: error: --demo: demo sign-in is refused unless RPD_DEBUG=1\n"


def test_the_demo_shows_production_error_pages_and_still_signs_in(client, demo, settings):
    # `rpd serve --demo` runs without debug pages (RPD_DEBUG_PAGES=0): a newcomer meets
    # GOV.UK's "Page not found", not Django's list of every URL pattern.
    settings.DEBUG = False
    client.post("/demo/sign-in/", {"person": str(demo.ladder["csc"][0].pk)})
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "URLconf" not in html and "urlpatterns" not in html


def test_every_demo_page_says_where_its_emails_are_written(client, demo, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "sent-mail"
    client.post("/demo/sign-in/", {"person": str(demo.admin.pk)})
    for path in ("/accounts/login/", "/", f"/partnerships/{demo.partnership.slug}/people/"):
        html = client.get(path, follow=True).content.decode()
        assert f"the emails the demo sends are written into files in {tmp_path}/sent-mail" in html
        assert "each batch the worker sends in one file" in html
    settings.RPD_DEMO = False
    assert "sent-mail" not in client.get("/accounts/login/").content.decode()


def test_a_demo_button_naming_nobody_is_refused(client, demo):
    for person in ["", "abc", "-1", "99999999", "1" * 40, "<script>", "\x00"]:
        response = client.post("/demo/sign-in/", {"person": person})
        assert response.status_code == 404, person
    assert client.get("/demo/sign-in/").status_code == 405
    assert "_auth_user_id" not in client.session


def test_demo_sign_in_opens_only_people_the_demo_made(client, demo):
    # Someone the partnership registered in a demo agency: same database, same agency,
    # active, but not made by the demo. The password-less button must not open them.
    registered = User.objects.create_user(
        username="registered",
        first_name="Ottoline",
        last_name="Quarrington",
        email="ottoline@example.org",
        password="a-long-synthetic-password",
        agency=demo.agencies["csc"],
    )
    assert "Ottoline Quarrington" not in client.get("/accounts/login/").content.decode()
    response = client.post("/demo/sign-in/", {"person": str(registered.pk)})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session
