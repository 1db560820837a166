"""Error pages in the design system, and the headers every page carries."""

import re

import pytest

from rpd.notifications.preferences import preferences_token
from rpd.people.demo import build_partnership


def nonce_of(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"'nonce-([^']+)'", policy).group(1)


def test_every_page_has_a_policy_with_a_nonce_for_its_one_inline_script(client):
    response = client.get("/pathways/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script([^>]*)>", response.text)
    inline = [s for s in scripts if "src=" not in s]
    assert inline == [f' nonce="{nonce_of(response)}"']
    assert client.get("/pathways/")["Content-Security-Policy"] != policy  # a new nonce each time
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_page_not_found_is_the_design_systems_page(client):
    response = client.get("/pathways/atlantis/")
    assert response.status_code == 404
    assert "<title>Page not found - Resolving professional differences</title>" in response.text
    assert "you may not have access to it" in response.text
    assert f'nonce="{nonce_of(response)}"' in response.text


@pytest.mark.parametrize(
    "path, status, heading",
    [
        ("/test-only/forbidden/", 403, "You cannot do this"),
        ("/test-only/bad/", 400, "Sorry, there is a problem with this request"),
    ],
)
def test_refusals_are_pages_of_the_service(client, settings, path, status, heading):
    settings.ROOT_URLCONF = "tests.browser.urls"
    response = client.get(path)
    assert response.status_code == status
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in response.text


def test_an_unknown_host_is_a_bad_request_page(client):
    response = client.get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    assert "Sorry, there is a problem with this request" in response.text


def test_a_server_error_page_needs_nothing_that_could_fail(client, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"
    client.raise_request_exception = False
    response = client.get("/test-only/fail/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "{%" not in open(settings.BASE_DIR / "templates" / "500.html").read()


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_says_what_to_do(client):
    from django.test import Client

    person = build_partnership("jersey").ladder["csc"][0]
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/notices/preferences/{preferences_token(person)}/", {"delivery": "x"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert f'nonce="{nonce_of(response)}"' in response.text
