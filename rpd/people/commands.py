"""`rpd sso add|list|remove`: an agency's own sign-in provider (OpenID Connect)."""

from __future__ import annotations

import json
import os

from rpd.cli import CommandError, require_database


def register(subparsers) -> None:
    sso = subparsers.add_parser(
        "sso", help="agencies' own sign-in providers (OpenID Connect, e.g. Microsoft Entra ID)"
    )
    actions = sso.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("add", help="let an agency's people sign in with its own accounts")
    p.add_argument("--agency", required=True, help="the agency's code (or its name)")
    p.add_argument(
        "--server-url",
        required=True,
        metavar="URL",
        help="the issuer, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0",
    )
    p.add_argument("--client-id", required=True, metavar="ID", help="the application (client) id")
    p.add_argument(
        "--secret-env",
        required=True,
        metavar="NAME",
        help="the environment variable holding the client secret (never stored by RPD)",
    )
    p.add_argument(
        "--domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="an email domain the provider vouches for (repeat for more)",
    )
    p.set_defaults(handler=add)

    p = actions.add_parser("list", help="the agencies with their own sign-in provider")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=list_providers)

    p = actions.add_parser("remove", help="take an agency's sign-in provider away")
    p.add_argument("--agency", required=True, help="the agency's code (or its name)")
    p.set_defaults(handler=remove)

    register_invite(subparsers)


def add(args) -> int:
    require_database()
    from rpd.people import sso

    agency = _agency(args.agency)
    try:
        provider = sso.add(
            agency,
            server_url=args.server_url,
            client_id=args.client_id,
            secret_env=args.secret_env,
            domains=args.domain,
        )
    except sso.SignInProviderError as error:
        raise CommandError(f"--{error.field.replace('_', '-')}: {_after_field(error)}") from None
    print(f"{agency.name}: sign-in provider added.")
    print(f"Redirect URI to register with the provider: {_callback(provider)}")
    if not os.environ.get(args.secret_env):
        print(f"Set {args.secret_env} to the client secret on every web server.")
    return 0


def list_providers(args) -> int:
    require_database()
    from rpd.people import sso

    rows = [
        {
            "agency": p.agency.name,
            "provider_id": p.app.provider_id,
            "server_url": p.app.settings.get("server_url", ""),
            "client_id": p.app.client_id,
            "secret_env": p.app.settings.get("secret_env", ""),
            "secret_set_here": bool(sso.secret(p.app)),
            "domains": p.app.settings.get("verified_email", []),
            "redirect_uri": _callback(p),
        }
        for p in sso.all_providers()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No agency has its own sign-in provider: add one with `rpd sso add`.")
    for row in rows:
        secret = "set" if row["secret_set_here"] else "not set here"
        domains = ", ".join(row["domains"]) or "none (the token must say email_verified)"
        print(
            f"{row['agency']}\n  server: {row['server_url']}\n  client id: {row['client_id']}\n"
            f"  secret: ${row['secret_env']} ({secret})\n  domains: {domains}\n"
            f"  redirect URI: {row['redirect_uri']}"
        )
    return 0


def remove(args) -> int:
    require_database()
    from rpd.people import sso
    from rpd.people.models import SignInProvider

    agency = _agency(args.agency)
    try:
        provider = agency.sign_in_provider
    except SignInProvider.DoesNotExist:
        raise CommandError(f"--agency: {agency.name} has no sign-in provider") from None
    sso.remove(provider)
    print(f"{agency.name}: sign-in provider removed; its people sign in with a password now.")
    return 0


def _agency(value: str):
    from rpd.people.models import Agency

    value = value.strip()
    agency = Agency.objects.filter(code=value).first()
    if agency is not None:
        return agency
    named = list(Agency.objects.filter(name__iexact=value).order_by("code"))
    if not named:
        raise CommandError(f"--agency: no agency with the code or name {value!r}")
    if len(named) > 1:
        codes = ", ".join(a.code for a in named)
        raise CommandError(
            f"--agency: several agencies are named {value!r}: give its code ({codes})"
        )
    return named[0]


def _after_field(error) -> str:
    return str(error).removeprefix(f"{error.field}: ")


def _callback(provider) -> str:
    from django.urls import reverse

    from rpd.notifications.outbox import link

    return link(
        reverse("openid_connect_callback", kwargs={"provider_id": provider.app.provider_id})
    )


def register_invite(subparsers) -> None:
    p = subparsers.add_parser(
        "invite", help="email people who have not signed in yet a link to their first sign-in"
    )
    p.add_argument("--partnership", required=True, metavar="SLUG")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", metavar="ADDR", help="one person, by their email address")
    who.add_argument(
        "--not-signed-in", action="store_true", help="everyone of the partnership not signed in yet"
    )
    p.set_defaults(handler=invite)


def invite(args) -> int:
    require_database()
    from rpd.administration import access, operations
    from rpd.people.invitations import not_signed_in
    from rpd.people.models import Partnership

    partnership = Partnership.objects.filter(slug=args.partnership).first()
    if partnership is None:
        raise CommandError(f"--partnership: there is no partnership {args.partnership!r}")
    everyone = access.governed_people(partnership)
    if args.email:
        chosen = list(everyone.filter(email__iexact=args.email.strip()))
        if not chosen:
            raise CommandError(
                f"--email: nobody in {partnership.slug} has the address {args.email!r}"
            )
    else:
        chosen = list(not_signed_in(everyone))
    print(
        f"Inviting {len(chosen)} {'person' if len(chosen) == 1 else 'people'} "
        f"of {partnership.name}...",
        flush=True,
    )
    try:
        sent = operations.invite(partnership, None, chosen)
    except operations.Invalid as error:
        raise CommandError("; ".join(m for ms in error.errors.values() for m in ms)) from None
    for invitation in sent:
        print(
            f"{invitation.person.email}: invitation queued, "
            f"the link works until {invitation.expires_at:%Y-%m-%d}"
        )
    print("Run `rpd worker --once` (or keep `rpd worker` running) to send them.")
    return 0
