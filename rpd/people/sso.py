"""Single sign-on: an agency's own OpenID Connect provider (its Microsoft Entra ID tenant).

An agency may have one sign-in provider, kept as allauth's `SocialApp` (provider
`openid_connect`) and tied to the agency by `SignInProvider`. Its client secret is never
stored: the app names the environment variable that holds it (`settings["secret_env"]`),
read on each sign-in, so the secret lives with the deployment's other secrets and a
database backup or export carries none.

A provider signs in only a person the partnership registered: the email address in its
ID token (case-insensitive), verified, belonging to an active person of the provider's
agency. Nobody is created or signed up through it. The address counts as verified when
the token says `email_verified` (or Entra's `xms_edov`) is true, or, when it says
nothing, when its domain is one the provider is set to vouch for (Entra ID sends no
`email_verified`: the agency's tenant owns its domains). An explicit `false` is refused.

The second factor is left to the provider when its ID token's `amr` claim says one was
used (`mfa`); otherwise RPD's own applies, as for password sign-in.

Every change to a provider goes through `add` or `remove`, which audit it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from django.db import transaction

from rpd.audit import log as audit

from .models import Agency, SignInProvider, User

logger = logging.getLogger(__name__)

PROVIDER = "openid_connect"
# RFC 8176 authentication method references that mean more than one factor was used.
MULTI_FACTOR_AMR = frozenset({"mfa"})
# The name of an environment variable: what `--secret-env` takes.
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SignInProviderError(ValueError):
    """A change refused, with the field at fault: `field: message`."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")


def add(
    agency: Agency,
    *,
    server_url: str,
    client_id: str,
    secret_env: str,
    domains: list[str] | tuple[str, ...] = (),
    by: User | None = None,
) -> SignInProvider:
    """Give `agency` its sign-in provider, audited. Refused, naming the field, when the
    agency has one already or a value is not usable."""
    from allauth.socialaccount.models import SocialApp

    server_url = _server_url(server_url)
    client_id = (client_id or "").strip()
    if not client_id:
        raise SignInProviderError("client_id", "enter the application (client) id")
    if len(client_id) > 191:
        raise SignInProviderError("client_id", "must be 191 characters or fewer")
    secret_env = (secret_env or "").strip()
    if not ENV_NAME.match(secret_env):
        raise SignInProviderError(
            "secret_env",
            f"{secret_env!r} is not an environment variable name (capitals, digits and _, "
            "e.g. RPD_SSO_TESTSHIRE_POLICE)",
        )
    domains = _domains(domains)
    if SignInProvider.objects.filter(agency=agency).exists():
        raise SignInProviderError(
            "agency", f"{agency.name} already has a sign-in provider: remove it first"
        )
    provider_id = provider_id_for(agency)
    if SocialApp.objects.filter(provider_id=provider_id).exists():
        raise SignInProviderError("agency", f"another provider already uses the id {provider_id!r}")
    with transaction.atomic():
        app = SocialApp.objects.create(
            provider=PROVIDER,
            provider_id=provider_id,
            name=agency.name,
            client_id=client_id,
            secret="",  # read from the environment: see secret()
            settings={
                "server_url": server_url,
                "secret_env": secret_env,
                # allauth's own key: addresses in these domains count as verified.
                "verified_email": domains,
                "oauth_pkce_enabled": True,
            },
        )
        provider = SignInProvider.objects.create(agency=agency, app=app)
        audit.append(
            action="sign_in_provider.added",
            target=f"agency:{agency.pk}",
            actor=by,
            data={
                "provider_id": provider_id,
                "server_url": server_url,
                "client_id": client_id,
                "secret_env": secret_env,
                "domains": domains,
            },
        )
    return provider


def remove(provider: SignInProvider, *, by: User | None = None) -> None:
    """Take an agency's sign-in provider away, audited. Its people sign in with their
    password from then on; the accounts linked to it go with it."""
    from allauth.socialaccount.models import SocialAccount

    app = provider.app
    with transaction.atomic():
        SocialAccount.objects.filter(provider=app.provider_id).delete()
        app.delete()  # and the SignInProvider row, by cascade
        audit.append(
            action="sign_in_provider.removed",
            target=f"agency:{provider.agency_id}",
            actor=by,
            data={"provider_id": app.provider_id},
        )


def provider_id_for(agency: Agency) -> str:
    """The provider's id, which is part of the callback address given to the identity
    provider (/accounts/oidc/<id>/login/callback/): the agency's code, which stays when
    its name changes."""
    return agency.code


def all_providers():
    return SignInProvider.objects.select_related("agency", "app").order_by("agency__name")


def by_provider_id(provider_id: str) -> SignInProvider | None:
    return all_providers().filter(app__provider_id=provider_id).first()


def for_email(email: str) -> SignInProvider | None:
    """The provider that signs in `email`: that of the agency of the registered person
    with that address, else the one provider vouching for its domain (a domain several
    agencies share, such as nhs.net, chooses none)."""
    email = (email or "").strip().lower()
    providers = list(all_providers())
    person = User.objects.filter(email=email, is_active=True, agency__isnull=False).first()
    if person is not None:
        return next((p for p in providers if p.agency_id == person.agency_id), None)
    domain = email.rpartition("@")[2]
    vouching = [p for p in providers if domain in p.app.settings.get("verified_email", [])]
    return vouching[0] if len(vouching) == 1 else None


def origins(providers) -> list[str]:
    """Where the providers' sign-in pages are (their servers' origins)."""
    found = []
    for provider in providers:
        parts = urlparse(provider.app.settings.get("server_url", ""))
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.netloc and origin not in found:
            found.append(origin)
    return found


def secret(app) -> str:
    """The client secret, from the environment variable the provider names."""
    name = app.settings.get("secret_env", "")
    return os.environ.get(name, "") if name else ""


def log_missing_secret(provider: SignInProvider) -> None:
    logger.error(
        "sign-in provider of %s: the environment variable %s (its client secret) is not "
        "set on this server",
        provider.agency.name,
        provider.app.settings.get("secret_env", ""),
    )


def start(request, provider: SignInProvider, *, login_hint: str = ""):
    """The redirect to the provider's sign-in page (with PKCE and allauth's state), and
    back to `next` once signed in."""
    import requests
    from allauth.account.utils import get_next_redirect_url
    from allauth.socialaccount.helpers import render_authentication_error
    from allauth.socialaccount.providers.base import AuthProcess

    oidc = provider.app.get_provider(request)
    auth_params = oidc.get_auth_params()
    if login_hint:
        auth_params["login_hint"] = login_hint  # the provider's page starts with it typed
    try:
        return oidc.redirect(
            request,
            process=AuthProcess.LOGIN,
            next_url=get_next_redirect_url(request),
            auth_params=auth_params,
        )
    except (requests.RequestException, ValueError, KeyError) as error:
        # Its discovery document could not be fetched or read: a page, not a 500.
        logger.error("sign-in provider of %s: %s", provider.agency.name, error)
        return render_authentication_error(request, oidc, exception=error)


@dataclass(frozen=True)
class Identity:
    """What an ID token (and the userinfo) says about who signed in."""

    email: str
    verified: bool
    amr: tuple[str, ...]


def identity(app, extra_data: dict) -> Identity:
    token = extra_data.get("id_token") or {}
    userinfo = extra_data.get("userinfo") or {}
    claims = {**userinfo, **token}  # the ID token's word first
    email = str(claims.get("email") or "").strip().lower()
    said = _flag(claims.get("email_verified"))
    if said is None:
        said = _flag(claims.get("xms_edov"))
    if said is None:
        said = email.rpartition("@")[2] in app.settings.get("verified_email", [])
    return Identity(email=email, verified=bool(email) and said, amr=amr(extra_data))


def amr(extra_data: dict) -> tuple[str, ...]:
    """The ID token's authentication method references (RFC 8176)."""
    values = (extra_data.get("id_token") or {}).get("amr") or []
    return tuple(str(v) for v in (values if isinstance(values, list) else [values]))


def asserted_second_factor(extra_data: dict) -> bool:
    return bool(MULTI_FACTOR_AMR.intersection(amr(extra_data)))


def registered_person(provider: SignInProvider, who: Identity) -> User | None:
    """The active person of the provider's agency with the verified address, or None."""
    if not who.verified:
        return None
    return (
        User.objects.filter(email=who.email, agency=provider.agency_id, is_active=True)
        .select_related("agency")
        .first()
    )


def _flag(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _server_url(value: str) -> str:
    value = (value or "").strip().rstrip("/")
    parts = urlparse(value)
    if not value or parts.scheme not in ("https", "http") or not parts.hostname:
        raise SignInProviderError(
            "server_url",
            f"{value!r} is not an address (e.g. https://login.microsoftonline.com/TENANT-ID/v2.0)",
        )
    # The ID token comes back over this connection and is trusted because of TLS
    # (OpenID Connect Core 3.1.3.7): plain http only to this machine, for testing.
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise SignInProviderError("server_url", f"{value!r} must start with https://")
    if parts.query or parts.fragment:
        raise SignInProviderError("server_url", f"{value!r} must not have a ? or # part")
    return value


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _domains(values) -> list[str]:
    domains = []
    for value in values:
        domain = value.strip().lower().lstrip("@")
        if not DOMAIN.match(domain):
            raise SignInProviderError("domain", f"{value!r} is not an email domain (e.g. nhs.net)")
        if domain not in domains:
            domains.append(domain)
    return domains
