"""Single sign-on through an agency's own OpenID Connect provider (a fake one in this
process): registered people only, matched by their verified address; PKCE; the
provider's second factor taken when its token says one was used; every refusal a page
saying what to do."""

from __future__ import annotations

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from rpd.audit.models import Event
from rpd.people import sso
from rpd.people.models import Agency, AgencyType, User

from .conftest import SSO_SECRET_ENV, error_summary, through_provider
from .fake_oidc import CLIENT_ID

pytestmark = pytest.mark.django_db

AMARA = "amara.ashcombe@example.org"
ASK = "Ask your partnership's administrator to register you"


def by_email(email: str = AMARA, **extra) -> dict:
    return {"by": "email", "email": email, **extra}


def signed_in_as(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


@pytest.fixture
def gov_person(agency) -> User:
    """A person whose address is in the domain the provider vouches for."""
    return User.objects.create_user(
        username="bram", email="bram.bellweather@testshire.gov.uk", agency=agency
    )


def test_a_registered_person_signs_in_through_their_agencys_provider_with_pkce(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["pwd", "mfa"])
    response = through_provider(client, fake_idp, by_email())

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == person
    [authorize] = fake_idp.authorize_requests
    assert authorize["code_challenge_method"] == "S256" and authorize["code_challenge"]
    assert authorize["login_hint"] == AMARA
    assert set(authorize["scope"].split()) == {"openid", "profile", "email"}
    [token] = fake_idp.token_requests
    assert token["code_verifier"] and fake_idp.refusals == []
    # Remembered by the token's subject, for this agency's provider.
    account = SocialAccount.objects.get(user=person)
    assert (account.provider, account.uid) == (sso_provider.app.provider_id, f"sub-{AMARA}")
    assert client.get("/").status_code == 200  # the provider's second factor stands


def test_the_providers_second_factor_stands_in_for_ours_when_its_token_says_mfa(
    client, person_with_totp, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["pwd", "mfa"])
    response = through_provider(client, fake_idp, by_email())
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_without_mfa_in_the_token_our_own_second_factor_is_asked_for(
    client, person_with_totp, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["pwd"])
    response = through_provider(client, fake_idp, by_email())
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert signed_in_as(client) is None


def test_without_mfa_in_the_token_someone_with_no_second_factor_must_set_one_up(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True)
    assert through_provider(client, fake_idp, by_email())["Location"] == "/"
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_the_address_is_matched_whatever_its_capitals(client, person, sso_provider, fake_idp):
    fake_idp.sign_in_as("Amara.Ashcombe@EXAMPLE.org", email_verified=True, amr=["mfa"])
    response = through_provider(client, fake_idp, by_email("AMARA.ashcombe@example.org"))
    assert response["Location"] == "/" and signed_in_as(client) == person


def test_an_address_in_a_domain_the_provider_vouches_for_needs_no_email_verified_claim(
    client, gov_person, sso_provider, fake_idp
):
    # Entra ID sends no email_verified: its tenant owns the agency's domains.
    fake_idp.sign_in_as(gov_person.email, amr=["mfa"])
    assert through_provider(client, fake_idp, by_email(gov_person.email))["Location"] == "/"
    assert signed_in_as(client) == gov_person


def test_entras_domain_owner_verified_claim_counts_as_verified(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, xms_edov=True, amr=["mfa"])
    assert through_provider(client, fake_idp, by_email())["Location"] == "/"


def assert_refused(client, response, *texts: str) -> None:
    html = response.content.decode()
    assert response.status_code == 403
    assert (
        '<h1 class="govuk-heading-l">You cannot sign in to this service with that account</h1>'
        in html
    )
    for text in texts:
        assert text in html
    assert signed_in_as(client) is None
    assert client.get("/").status_code == 302  # still asked to sign in


def test_a_person_not_registered_is_refused_with_a_page_saying_what_to_do(
    client, person, sso_provider, fake_idp, caplog
):
    people = User.objects.count()
    fake_idp.sign_in_as("stranger@testshire.gov.uk", amr=["mfa"])
    response = through_provider(client, fake_idp, by_email("stranger@testshire.gov.uk"))
    assert_refused(
        client,
        response,
        'You signed in as <strong class="govuk-!-text-break-word">stranger@testshire.gov.uk',
        ASK,
        "sign in with your email address and password",
    )
    assert User.objects.count() == people  # nobody made
    assert not SocialAccount.objects.exists()
    assert "no registered, active person of the provider's agency" in caplog.text


def test_a_registered_person_of_another_agency_is_refused(client, agency, sso_provider, fake_idp):
    police = Agency.objects.create_in(
        agency.partnerships.get(), name="Testshire Police", type=AgencyType.POLICE
    )
    User.objects.create_user(username="cal", email="cal.cobb@testshire.gov.uk", agency=police)
    fake_idp.sign_in_as("cal.cobb@testshire.gov.uk", amr=["mfa"])
    # The email form would send Cal to the police's provider (none): use the list.
    response = through_provider(
        client, fake_idp, {"by": "organisation", "organisation": sso_provider.app.provider_id}
    )
    assert_refused(client, response, ASK)


def test_a_switched_off_person_is_refused(client, person, sso_provider, fake_idp):
    person.is_active = False
    person.save()
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    response = through_provider(
        client, fake_idp, {"by": "organisation", "organisation": sso_provider.app.provider_id}
    )
    assert_refused(client, response, "their account is switched off")


@pytest.mark.parametrize(
    "claims",
    [
        {"email_verified": False},  # said to be unconfirmed, even in a vouched domain
        {},  # said nothing, and example.org is not a domain the provider vouches for
    ],
)
def test_an_address_the_provider_did_not_confirm_is_refused(
    client, person, gov_person, sso_provider, fake_idp, claims
):
    email = gov_person.email if claims else AMARA
    fake_idp.sign_in_as(email, **claims, amr=["mfa"])
    response = through_provider(client, fake_idp, by_email(email))
    assert_refused(
        client,
        response,
        f'did not confirm that <strong class="govuk-!-text-break-word">{email}</strong>',
    )


def test_a_token_without_an_address_is_refused(client, person, sso_provider, fake_idp):
    fake_idp.claims = {"sub": "no-address", "amr": ["mfa"]}
    response = through_provider(client, fake_idp, by_email())
    assert_refused(client, response, "did not tell us your email address")


def test_a_person_moved_to_another_agency_can_no_longer_use_the_old_provider(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    assert through_provider(client, fake_idp, by_email())["Location"] == "/"
    client.post("/accounts/logout/")

    person.agency = Agency.objects.create_in(
        person.agency.partnerships.get(), name="Testshire Police", type=AgencyType.POLICE
    )
    person.save()
    choose = {"by": "organisation", "organisation": sso_provider.app.provider_id}
    assert_refused(client, through_provider(client, fake_idp, choose), ASK)


def test_an_account_linked_to_one_person_does_not_sign_in_another(
    client, person, gov_person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, sub="the-same-subject", email_verified=True, amr=["mfa"])
    through_provider(client, fake_idp, by_email())
    client.post("/accounts/logout/")
    # The same subject now claims another registered person's address.
    fake_idp.sign_in_as(gov_person.email, sub="the-same-subject", amr=["mfa"])
    assert_refused(client, through_provider(client, fake_idp, by_email(gov_person.email)))


def test_the_page_asked_for_before_signing_in_is_where_the_person_lands(
    client, person, sso_provider, fake_idp
):
    html = client.get("/accounts/login/?next=/calendar/").content.decode()
    assert 'href="/accounts/organisation/?next=/calendar/"' in html
    page = client.get("/accounts/organisation/?next=/calendar/").content.decode()
    assert '<input type="hidden" name="next" value="/calendar/">' in page
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    response = through_provider(client, fake_idp, by_email(next="/calendar/"))
    assert response["Location"] == "/calendar/"


def test_a_wrong_pkce_verifier_is_refused_by_the_provider_and_shown_as_a_page(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    started = client.post("/accounts/organisation/", by_email())
    back = requests.get(started["Location"], allow_redirects=False, timeout=5)
    for grant in fake_idp.codes.values():  # as if someone else's verifier were sent
        grant["challenge"] = "not-the-challenge"
    response = client.get(back.headers["Location"])
    assert fake_idp.refusals == ["invalid_grant: pkce"]
    assert response.status_code == 401
    assert "Sign-in through your organisation did not work" in response.content.decode()
    assert signed_in_as(client) is None


def test_a_callback_with_no_state_of_ours_is_an_error_page_not_a_sign_in(
    client, person, sso_provider
):
    callback = f"/accounts/oidc/{sso_provider.app.provider_id}/login/callback/?code=x&state=y"
    response = client.get(callback)
    assert response.status_code == 401
    assert "Sign-in through your organisation did not work" in response.content.decode()


def test_cancelling_at_the_provider_says_you_are_not_signed_in(
    client, person, sso_provider, fake_idp
):
    fake_idp.deny = True
    response = through_provider(client, fake_idp, by_email())
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "You did not finish signing in" in page.content.decode()
    assert signed_in_as(client) is None


def test_connecting_a_provider_account_to_a_signed_in_session_is_refused(
    client, person, sso_provider, fake_idp
):
    client.force_login(person)
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    started = client.post(
        f"/accounts/oidc/{sso_provider.app.provider_id}/login/", {"process": "connect"}
    )
    back = requests.get(started["Location"], allow_redirects=False, timeout=5)
    response = client.get(back.headers["Location"])
    assert response.status_code == 403
    assert not SocialAccount.objects.exists()


def test_the_sign_in_page_offers_an_organisations_account_only_when_one_is_set_up(
    client, agency, fake_idp
):
    offer = "Sign in with your organisation's account"
    assert offer not in client.get("/accounts/login/").content.decode()
    sso.add(agency, server_url=fake_idp.issuer, client_id=CLIENT_ID, secret_env=SSO_SECRET_ENV)
    assert offer in client.get("/accounts/login/").content.decode()


def test_the_organisation_page_lists_the_organisations_with_their_own_sign_in(client, sso_provider):
    html = client.get("/accounts/organisation/").content.decode()
    assert "<title>Sign in with your organisation's account - " in html
    assert "Testshire Children&#x27;s Social Care" in html
    assert f'value="{sso_provider.app.provider_id}"' in html


def test_choosing_the_organisation_starts_its_sign_in_without_an_address(
    client, sso_provider, fake_idp
):
    response = client.post(
        "/accounts/organisation/",
        {"by": "organisation", "organisation": sso_provider.app.provider_id},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_idp.issuer}/authorize?")
    assert "login_hint" not in response["Location"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (by_email(""), "Enter your work email address"),
        (
            by_email("not an address"),
            "Enter an email address in the correct format, like name@example.org",
        ),
        (by_email("x" * 250 + "@a.org"), "Email address must be 254 characters or fewer"),
        (
            by_email("someone@elsewhere.org"),
            "Your organisation has not set up its own sign-in here: sign in with your email "
            "address and password, or ask your partnership&#x27;s administrator",
        ),
        ({"by": "organisation"}, "Choose your organisation"),
        (
            {"by": "organisation", "organisation": "atlantis"},
            "Choose your organisation from the list",
        ),
    ],
)
def test_bad_input_on_the_organisation_page_is_named_in_an_error_summary(
    client, sso_provider, data, message
):
    response = client.post("/accounts/organisation/", data)
    assert response.status_code == 400
    assert [message] == error_summary(response)
    assert "<title>Error: Sign in with your organisation" in response.content.decode()


def test_a_provider_whose_secret_this_server_lacks_says_so_rather_than_failing(
    client, person, sso_provider, monkeypatch, caplog
):
    monkeypatch.delenv(SSO_SECRET_ENV)
    response = client.post("/accounts/organisation/", by_email())
    assert response.status_code == 400
    assert error_summary(response) == [
        "Sign-in through Testshire Children&#x27;s Social Care is not working at the "
        "moment: sign in with your email address and password, or ask your "
        "partnership&#x27;s administrator"
    ]
    assert SSO_SECRET_ENV in caplog.text


def test_a_persons_agency_chooses_the_provider_before_a_shared_domain(agency, fake_idp):
    trust = Agency.objects.create_in(
        agency.partnerships.get(), name="Testshire NHS Trust", type=AgencyType.HEALTH
    )
    icb = Agency.objects.create_in(
        agency.partnerships.get(), name="Testshire ICB", type=AgencyType.HEALTH
    )
    common = {"server_url": fake_idp.issuer, "client_id": CLIENT_ID, "secret_env": "X"}
    trust_sign_in = sso.add(trust, **common, domains=["nhs.net"])
    sso.add(icb, **common, domains=["nhs.net", "testshire-icb.nhs.uk"])
    User.objects.create_user(username="dee", email="dee.dale@nhs.net", agency=trust)

    assert sso.for_email("Dee.Dale@nhs.net") == trust_sign_in
    assert sso.for_email("someone.else@nhs.net") is None  # shared: the domain chooses none
    assert sso.for_email("x@testshire-icb.nhs.uk").agency == icb


def test_adding_and_removing_a_provider_is_audited(agency, fake_idp):
    provider = sso.add(
        agency, server_url=fake_idp.issuer + "/", client_id=CLIENT_ID, secret_env="RPD_X"
    )
    assert provider.app.settings["server_url"] == fake_idp.issuer
    assert provider.app.secret == ""  # never stored
    sso.remove(provider)
    actions = list(Event.objects.order_by("seq").values_list("action", "target"))
    assert actions[-2:] == [
        ("sign_in_provider.added", f"agency:{agency.pk}"),
        ("sign_in_provider.removed", f"agency:{agency.pk}"),
    ]
    assert not sso.all_providers().exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"server_url": "login.example.org"}, "server_url: 'login.example.org' is not an address"),
        ({"server_url": "http://login.example.org"}, "must start with https://"),
        ({"server_url": "https://login.example.org/?x=1"}, "must not have a ? or # part"),
        ({"client_id": " "}, "client_id: enter the application (client) id"),
        ({"secret_env": "my secret"}, "secret_env: 'my secret' is not an environment variable"),
        ({"domains": ["not a domain"]}, "domain: 'not a domain' is not an email domain"),
    ],
)
def test_a_provider_with_a_bad_value_is_refused_naming_the_field(agency, change, message):
    values = {
        "server_url": "https://login.microsoftonline.com/tenant/v2.0",
        "client_id": "abc",
        "secret_env": "RPD_X",
        **change,
    }
    with pytest.raises(
        sso.SignInProviderError,
        match=message.replace("?", r"\?").replace("(", r"\(").replace(")", r"\)"),
    ):
        sso.add(agency, **values)
    assert not sso.all_providers().exists()


def test_an_agency_has_one_provider_at_most(agency, sso_provider):
    with pytest.raises(sso.SignInProviderError, match="already has a sign-in provider"):
        sso.add(
            agency,
            server_url="https://login.microsoftonline.com/t/v2.0",
            client_id="abc",
            secret_env="RPD_X",
        )


def test_the_organisation_page_lets_its_forms_lead_to_the_providers_sign_in_page(
    client, sso_provider, fake_idp
):
    # Browsers hold the redirect after a form to the page's form-action.
    policy = client.get("/accounts/organisation/")["Content-Security-Policy"]
    assert f"form-action 'self' {fake_idp.issuer}" in policy


def test_the_providers_own_start_page_points_to_the_organisation_page(client, sso_provider):
    # allauth's GET page would post to the provider outside our page's form-action.
    response = client.get(f"/accounts/oidc/{sso_provider.app.provider_id}/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/accounts/organisation/"' in html and "<form" not in html.split("<main")[1]


def test_the_connections_page_names_the_linked_account_and_offers_no_other(
    client, person, sso_provider, fake_idp
):
    fake_idp.sign_in_as(AMARA, email_verified=True, amr=["mfa"])
    through_provider(client, fake_idp, by_email())
    html = client.get("/accounts/3rdparty/").content.decode()
    assert '<h1 class="govuk-heading-l">Your organisation\'s account</h1>' in html
    assert "<li>Testshire Children&#x27;s Social Care</li>" in html
    assert "process=connect" not in html


def test_a_provider_that_cannot_be_reached_is_a_page_not_a_500(
    client, person, sso_provider, fake_idp
):
    fake_idp.stop()
    response = client.post("/accounts/organisation/", by_email())
    assert response.status_code == 401
    assert "Sign-in through your organisation did not work" in response.content.decode()
