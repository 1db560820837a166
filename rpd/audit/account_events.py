"""Sign-in and account events in the audit log, from allauth's and Django's signals.

Each names the person (actor and target `user:<id>`) and the IP address the request
came from, and belongs to no partnership (ADR 007): `rpd audit verify` walks them like any
other event. A failed or throttled sign-in names the address that was typed, whether or not
anyone has it, and no person: the page said the same either way, and so does the log.
Addresses are kept beside the chain, which holds their digests (ADR 006, amended), so a
leaver's can be removed when they are pseudonymised (ADR 017).
"""

from __future__ import annotations

from django.db import transaction

from . import log

# Addresses typed at sign-in are kept to this many characters in the log.
TYPED_ADDRESS_CHARS = 254


def client_ip(request) -> str:
    if request is None:
        return ""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or ""
    except Exception:  # noqa: BLE001 - an odd proxy header must not stop a sign-in
        return request.META.get("REMOTE_ADDR", "")


# Details that are email addresses: beside the chain, not in it.
ADDRESSES = frozenset({"address", "previous"})


def record(action: str, user, request=None, **data) -> None:
    """One account event about `user`, done by them (or by `by`)."""
    by = data.pop("by", user)
    with transaction.atomic():
        log.append(
            action=f"account.{action}",
            target=log.user_target(user),
            actor=by,
            data={
                "ip": client_ip(request),
                **{k: v for k, v in data.items() if k not in ADDRESSES},
            },
            texts={k: v for k, v in data.items() if k in ADDRESSES},
        )


def _typed(address) -> str:
    text = str(address or "").replace("\x00", "")[:TYPED_ADDRESS_CHARS]
    return text.encode("utf-8", "replace").decode("utf-8").lower()


def _by_address(action: str, request, address) -> None:
    with transaction.atomic():
        log.append(
            action=f"account.{action}",
            target="sign-in",
            data={"ip": client_ip(request)},
            texts={"address": _typed(address) or "(no address)"},
        )


def throttled(request, address) -> None:
    """Too many wrong passwords for this address: refused before the password is tried."""
    _by_address("sign_in_throttled", request, address)


def sign_in_refused_by_provider(request, address, provider: str, reason: str) -> None:
    """An agency's identity provider vouched for someone this service does not let in."""
    with transaction.atomic():
        log.append(
            action="account.sign_in_failed",
            target="sign-in",
            data={"ip": client_ip(request), "provider": provider, "reason": reason},
            texts={"address": _typed(address) or "(no address)"},
        )


def _method(request, user) -> dict:
    """How the person signed in: their password, an agency's provider (which), or an
    invitation's link; the first record of this session's sign-in says."""
    from allauth.account.internal.flows.login import get_authentication_records

    for entry in get_authentication_records(request, user):
        method = entry.get("method")
        if method == "socialaccount":
            return {"method": "sso", "provider": entry.get("provider", "")}
        if method and method != "mfa":
            return {"method": method}
    return {"method": "unknown"}


def signed_in(sender, request=None, user=None, **kwargs) -> None:
    record("signed_in", user, request, **_method(request, user))


def sign_in_failed(sender, credentials=None, request=None, **kwargs) -> None:
    address = (credentials or {}).get("email") or (credentials or {}).get("username")
    _by_address("sign_in_failed", request, address)


def signed_out(sender, request=None, user=None, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        record("signed_out", user, request)


def second_factor_added(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    record("second_factor_added", user, request, type=authenticator.type)


def second_factor_removed(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    record("second_factor_removed", user, request, type=authenticator.type)


def second_factor_reset(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    record("recovery_codes_regenerated", user, request, type=authenticator.type)


def second_factor_used(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    # A TOTP code at every sign-in is already in "signed_in"; a recovery code is worth its
    # own line (one fewer left, and a lost phone to ask about).
    if authenticator.type == "recovery_codes":
        record(
            "recovery_code_used",
            user,
            request,
            reauthenticated=bool(kwargs.get("reauthenticated")),
        )


def second_factor_failed(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
    record("second_factor_failed", user, request, type=authenticator.type if authenticator else "")


def password_set(sender, request=None, user=None, **kwargs) -> None:
    record("password_set", user, request)


def password_changed(sender, request=None, user=None, **kwargs) -> None:
    record("password_changed", user, request)


def password_reset(sender, request=None, user=None, **kwargs) -> None:
    record("password_reset", user, request)


def address_added(sender, request=None, user=None, email_address=None, **kwargs) -> None:
    record("address_added", email_address.user, request, address=email_address.email)


def address_verified(sender, request=None, email_address=None, **kwargs) -> None:
    record("address_verified", email_address.user, request, address=email_address.email)


def address_made_primary(
    sender, request=None, user=None, from_email_address=None, to_email_address=None, **kwargs
) -> None:
    record(
        "address_made_primary",
        to_email_address.user,
        request,
        address=to_email_address.email,
        previous=from_email_address.email if from_email_address else "",
    )


def sso_linked(sender, request=None, sociallogin=None, **kwargs) -> None:
    record(
        "sso_linked",
        sociallogin.user,
        request,
        provider=sociallogin.account.provider,
    )


def connect() -> None:
    from allauth.account import signals as account
    from allauth.mfa import signals as mfa
    from allauth.socialaccount import signals as social
    from django.contrib.auth import signals as auth

    account.user_logged_in.connect(signed_in, dispatch_uid="audit-signed-in")
    auth.user_login_failed.connect(sign_in_failed, dispatch_uid="audit-sign-in-failed")
    auth.user_logged_out.connect(signed_out, dispatch_uid="audit-signed-out")
    mfa.authenticator_added.connect(second_factor_added, dispatch_uid="audit-2fa-added")
    mfa.authenticator_removed.connect(second_factor_removed, dispatch_uid="audit-2fa-removed")
    mfa.authenticator_reset.connect(second_factor_reset, dispatch_uid="audit-2fa-reset")
    mfa.authenticator_used.connect(second_factor_used, dispatch_uid="audit-2fa-used")
    mfa.authentication_failed.connect(second_factor_failed, dispatch_uid="audit-2fa-failed")
    account.password_set.connect(password_set, dispatch_uid="audit-password-set")
    account.password_changed.connect(password_changed, dispatch_uid="audit-password-changed")
    account.password_reset.connect(password_reset, dispatch_uid="audit-password-reset")
    account.email_added.connect(address_added, dispatch_uid="audit-address-added")
    account.email_confirmed.connect(address_verified, dispatch_uid="audit-address-verified")
    account.email_changed.connect(address_made_primary, dispatch_uid="audit-address-primary")
    social.social_account_added.connect(sso_linked, dispatch_uid="audit-sso-linked")
