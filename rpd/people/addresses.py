"""A person's email address: which one is theirs, which one notices go to, and when it
counts as verified (docs/adr/010).

- The address of record is `User.email`. The partnership registers it (an administrator,
  the import, the demo) and vouches for it: notices go to it from the start, and when
  allauth first writes it into its address book that row is verified.
- The person proves it by following their invitation or a password-reset link: both mark
  it verified (`prove`).
- An address the person types in themselves is a claim: unverified until its
  confirmation link is followed, when it replaces the old one (ACCOUNT_CHANGE_EMAIL). A
  claim never becomes the address of record before that, and never receives a notice.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress


def is_address_of_record(address: EmailAddress) -> bool:
    return bool(address.user.email) and address.email.lower() == address.user.email.lower()


def vouch_for_registered_address(sender, instance: EmailAddress, **kwargs) -> None:
    """pre_save: the row allauth writes for the address the partnership registered is
    verified and primary (the partnership vouched for it); any other new row is a claim,
    unverified until confirmed."""
    if instance._state.adding and instance.user_id and is_address_of_record(instance):
        instance.verified = True
        instance.primary = True


def notice_address(user) -> str:
    """Where notices to `user` go: their address of record, unless it is an address they
    claimed and have not verified (which no notice may reach), or "" when there is none."""
    address = user.email if user is not None else ""
    if not address:
        return ""
    unverified = EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=address, verified=False
    ).exists()
    return "" if unverified else address


def belongs_to_someone_else(email: str, user) -> bool:
    """Is `email` another registered person's address (of record, or in allauth's book)?"""
    from .models import User

    others = User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    return others or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()


def prove(user) -> EmailAddress | None:
    """The person followed a link sent to their address of record: it is verified and
    primary, and their only address (a pending claim to another is dropped)."""
    if not user.email:
        return None
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    address, _ = EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"verified": True, "primary": True},
        create_defaults={"email": user.email, "verified": True, "primary": True},
    )
    return address


def proved_by_reset(sender, request=None, user=None, **kwargs) -> None:
    """password_reset: the link reached the person at their address of record."""
    from rpd.audit import account_events

    address = prove(user)
    if address is not None:
        account_events.record(
            "address_verified", user, request, address=address.email, via="password reset"
        )
