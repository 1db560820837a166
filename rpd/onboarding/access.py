"""Who may import into a partnership and read its go-live check: its administrators,
by the one rule every administration page asks (rpd.disagreements.access.administers)."""

from __future__ import annotations

from rpd.disagreements.access import administers
from rpd.people.models import Partnership, User


def administered(user: User, slug: str) -> Partnership | None:
    """The partnership `slug` if `user` administers it; None for anyone else (a 404)."""
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not administers(user, partnership):
        return None
    return partnership
