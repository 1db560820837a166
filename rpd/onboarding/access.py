"""Who may import into a partnership and read its go-live check: its administrators."""

from __future__ import annotations

from rpd.people.models import Partnership, User


def administered(user: User, slug: str) -> Partnership | None:
    """The partnership `slug` if `user` administers it; None for anyone else (a 404)."""
    if not (user.is_authenticated and user.is_active):
        return None
    partnership = Partnership.objects.filter(slug=slug).first()
    if partnership is None or not user.administers(partnership.pk):
        return None
    return partnership
