"""The import page and the go-live check page: for the partnership's administrators only,
every bad upload answered with the error summary, a check that writes nothing, an import
that does."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rpd.onboarding import csvformat
from rpd.onboarding.import_people import import_file
from rpd.people.models import Partnership, User

from .conftest import PATHWAY, as_csv

pytestmark = pytest.mark.django_db

IMPORT = "/partnerships/testshire/import/"
CHECK = "/partnerships/testshire/check/"


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.RPD_REQUIRE_MFA = False


@pytest.fixture
def admin_client(partnership, rows):
    """The business unit's manager, an administrator of Testshire (imported with a small
    file of the business unit alone, so the page's own imports start from little)."""
    import_file(partnership, as_csv(rows[:3]), by=None)
    client = Client()
    client.force_login(User.objects.get(email=rows[0]["email"]))
    return client


def upload(client, data: bytes, mode="check", name="people.csv"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), "mode": mode})


def test_the_import_page_offers_the_template_and_the_columns(admin_client):
    page = admin_client.get(IMPORT)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/partnerships/testshire/import/template.csv"' in html
    assert "line_manager_email" in html and 'enctype="multipart/form-data"' in html


def test_the_template_downloads_as_csv_with_the_partnerships_people(admin_client, rows):
    response = admin_client.get("/partnerships/testshire/import/template.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="testshire-people.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("email,given_name,") and rows[0]["email"] in text


def test_checking_a_file_shows_what_would_change_and_writes_nothing(admin_client, rows):
    page = upload(admin_client, as_csv(rows))
    assert page.status_code == 200
    html = page.content.decode()
    assert "What importing people.csv would change" in html
    assert f"person {rows[10]['email']}" in html
    assert User.objects.count() == 3


def test_importing_a_file_writes_it(admin_client, rows):
    page = upload(admin_client, as_csv(rows), mode="import")
    assert page.status_code == 200
    assert "People imported" in page.content.decode()
    assert User.objects.count() == 40


def test_bad_rows_are_listed_by_line_and_column_and_nothing_is_written(admin_client, rows):
    rows[10]["email"] = "not-an-address"
    rows[20]["roles"] = "wizard"
    page = upload(admin_client, as_csv(rows), mode="import")
    assert page.status_code == 400
    html = page.content.decode()
    assert "The file has 2 problems: nothing was imported" in html
    assert "<title>Error: " in html
    assert "&#x27;not-an-address&#x27; is not an email address" in html
    assert "roles (M)" in html
    assert User.objects.count() == 3


@pytest.mark.parametrize(
    "post, message",
    [
        ({"mode": "check"}, "Select a CSV file"),
        (
            {"file": ("people.csv", b"x"), "mode": ""},
            "Select whether to check the file or import it",
        ),
        (
            {"file": ("people.csv", b"x"), "mode": "delete-everyone"},
            "Select whether to check the file or import it",
        ),
        ({"file": ("people.csv", b""), "mode": "check"}, "The selected file is empty"),
        ({"file": ("people.xlsx", b"PK\x03\x04"), "mode": "check"}, "must be a CSV file"),
        (
            {"file": ("people.csv", "email,given_name\né".encode("cp1252")), "mode": "check"},
            "not UTF-8",
        ),
        ({"file": ("people.csv", b"email\r\n"), "mode": "check"}, "is missing"),
    ],
)
def test_a_bad_upload_is_named_in_the_error_summary(admin_client, post, message):
    data = dict(post)
    if "file" in data:
        name, content = data["file"]
        data["file"] = SimpleUploadedFile(name, content)
    page = admin_client.post(IMPORT, data)
    assert page.status_code == 400
    html = page.content.decode()
    assert "govuk-error-summary" in html and message in html


def test_an_oversized_upload_is_refused_before_it_is_read(admin_client, monkeypatch):
    monkeypatch.setattr("rpd.onboarding.forms.MAX_BYTES", 10)
    page = upload(admin_client, b"email,given_name,family_name\r\n")
    assert page.status_code == 400
    assert "The selected file must be smaller than" in page.content.decode()


def test_the_check_page_lists_each_problem_with_its_link(admin_client):
    page = admin_client.get(CHECK)
    html = page.content.decode()
    assert page.status_code == 200 and "Go-live check" in html
    assert 'href="/partnerships/testshire/roles/"' not in html  # the unit's holders are in
    assert "Mail" in html and "Set in the server" in html


def test_the_check_page_is_green_when_ready(admin_client, partnership, rows, ready_mail):
    import_file(partnership, as_csv(rows), by=None)
    html = admin_client.get(CHECK).content.decode()
    assert "Ready to go live" in html


@pytest.mark.parametrize("path", [IMPORT, CHECK, "/partnerships/testshire/import/template.csv"])
def test_only_the_partnerships_administrators_reach_its_pages(partnership, rows, path):
    import_file(partnership, as_csv(rows), by=None)
    practitioner = User.objects.get(email=rows[10]["email"])
    client = Client()
    assert client.get(path).status_code == 302  # to sign in
    client.force_login(practitioner)
    assert client.get(path).status_code == 404
    other = Partnership.objects.create(name="Elsewhere", slug="elsewhere", pathway_id=PATHWAY)
    client.force_login(User.objects.get(email=rows[0]["email"]))
    assert client.get(path.replace("testshire", other.slug)).status_code == 404
    assert client.get(path.replace("testshire", "no-such-place")).status_code == 404


def test_the_import_page_refuses_other_methods(admin_client):
    assert admin_client.put(IMPORT).status_code == 405
    assert admin_client.post(CHECK).status_code == 405


def test_the_page_import_is_audited_as_its_administrator(admin_client, rows):
    from rpd.audit.models import Event
    from rpd.people.models import User

    upload(admin_client, as_csv(rows), mode="import")
    event = Event.objects.filter(action="people.imported").latest("seq")
    admin = User.objects.get(email=rows[0]["email"])
    # The chain names its actor by id, never by the address (ADR 017).
    assert (event.actor_id, event.actor_label) == (admin.pk, f"user:{admin.pk}")
    assert rows[0]["email"] not in str(event.data)


def test_csv_format_columns_are_documented():
    docs = open("docs/import.md", encoding="utf-8").read()
    for name in csvformat.NAMES:
        assert f"`{name}`" in docs
