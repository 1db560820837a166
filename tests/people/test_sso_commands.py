"""`rpd sso add|list|remove`, as an installation's IT person runs them: the redirect URI
to register said once, the secret only ever named, every mistake one line and exit 2."""

from __future__ import annotations

import json

import pytest

from rpd.cli import main
from rpd.people import sso
from rpd.people.models import Agency, AgencyType

pytestmark = pytest.mark.django_db

ENTRA = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
ADD = [
    "sso",
    "add",
    "--agency",
    "testshire children's social care",
    "--server-url",
    ENTRA,
    "--client-id",
    "11111111-2222-3333-4444-555555555555",
    "--secret-env",
    "RPD_SSO_TESTSHIRE_CSC",
]


def run(capsys, *argv):
    try:
        status = main(list(argv))
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_adding_a_provider_says_the_redirect_uri_to_register_and_the_secret_to_set(
    capsys, agency, settings, monkeypatch
):
    settings.RPD_BASE_URL = "https://rpd.testshire.example"
    monkeypatch.delenv("RPD_SSO_TESTSHIRE_CSC", raising=False)
    status, out, err = run(capsys, *ADD, "--domain", "Testshire.gov.uk", "--domain", "@csc.example")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "Testshire Children's Social Care: sign-in provider added.",
        "Redirect URI to register with the provider: https://rpd.testshire.example"
        "/accounts/oidc/testshire-testshire-childrens-social-care/login/callback/",
        "Set RPD_SSO_TESTSHIRE_CSC to the client secret on every web server.",
    ]
    [provider] = sso.all_providers()
    assert provider.agency == agency
    assert provider.app.settings["verified_email"] == ["testshire.gov.uk", "csc.example"]
    assert provider.app.secret == ""


def test_the_list_names_each_provider_and_whether_its_secret_is_set_here(
    capsys, agency, monkeypatch
):
    assert run(capsys, "sso", "list")[1] == (
        "No agency has its own sign-in provider: add one with `rpd sso add`.\n"
    )
    run(capsys, *ADD)
    monkeypatch.setenv("RPD_SSO_TESTSHIRE_CSC", "s3cret")
    status, out, _ = run(capsys, "sso", "list")
    assert status == 0
    assert "Testshire Children's Social Care\n  server: " + ENTRA in out
    assert "secret: $RPD_SSO_TESTSHIRE_CSC (set)" in out
    assert "s3cret" not in out
    status, out, _ = run(capsys, "sso", "list", "--json")
    [row] = json.loads(out)
    assert row["client_id"] == "11111111-2222-3333-4444-555555555555"
    assert row["secret_set_here"] is True and "s3cret" not in out


def test_removing_a_provider_takes_it_away(capsys, agency):
    run(capsys, *ADD)
    status, out, _ = run(capsys, "sso", "remove", "--agency", agency.name)
    assert status == 0 and "sign-in provider removed" in out
    assert not sso.all_providers().exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["sso", "add", *ADD[2:3], "Atlantis Police", *ADD[4:]],
            "rpd: error: --agency: no agency with the code or name 'Atlantis Police'",
        ),
        (
            [*ADD[:5], "http://login.example.org", *ADD[6:]],
            "rpd: error: --server-url: 'http://login.example.org' must start with https://",
        ),
        (
            [*ADD[:5], "nonsense", *ADD[6:]],
            "rpd: error: --server-url: 'nonsense' is not an address",
        ),
        (
            [*ADD[:9], "lower-case-name"],
            "rpd: error: --secret-env: 'lower-case-name' is not an environment variable name",
        ),
        ([*ADD[:7], " ", *ADD[8:]], "rpd: error: --client-id: enter the application (client) id"),
        ([*ADD, "--domain", "not a domain"], "rpd: error: --domain: 'not a domain' is not"),
        (
            ["sso", "remove", "--agency", "Testshire Children's Social Care"],
            "rpd: error: --agency: Testshire Children's Social Care has no sign-in provider",
        ),
    ],
)
def test_each_mistake_is_one_line_and_exit_2(capsys, agency, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2, out
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(message)
    assert not sso.all_providers().exists()


def test_a_second_provider_for_the_same_agency_is_refused_in_one_line(capsys, agency):
    run(capsys, *ADD)
    status, _, err = run(capsys, *ADD)
    assert status == 2
    assert err == (
        "rpd: error: --agency: Testshire Children's Social Care already has a sign-in "
        "provider: remove it first\n"
    )


def test_an_agency_is_named_by_its_code_and_a_shared_name_asks_for_it(capsys, agency):
    from rpd.people.models import Partnership

    other = Partnership.objects.create(name="Otherby", slug="otherby", pathway_id="jersey")
    Agency.objects.create_in(other, name=agency.name, type=AgencyType.OTHER)
    status, _, err = run(capsys, *ADD)
    assert status == 2
    assert err == (
        "rpd: error: --agency: several agencies are named \"testshire children's social "
        'care": give its code (otherby-testshire-childrens-social-care, '
        "testshire-testshire-childrens-social-care)\n"
    )
    status, _, _ = run(capsys, *ADD[:3], agency.code, *ADD[4:])
    assert status == 0 and sso.all_providers().get().agency == agency


def test_a_missing_option_is_argparses_usage_and_exit_2(capsys):
    status, _, err = run(capsys, "sso", "add", "--agency", "x")
    assert status == 2 and "the following arguments are required: --server-url" in err
