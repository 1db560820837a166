"""A form sent twice at once is sent once.

A double click before the page's script has loaded, or a slow connection, sends the same
form twice. Raising, the second send would raise the disagreement again; acting on a case,
it would find the case changed by the first and tell its author "someone changed this
since you opened it", naming themselves.

- Check your answers claims what it raises in the shared cache for a while (`Send`): a
  second send of the same answers from the same session finds the claim and raises
  nothing.
- A form acting on a case carries a token of the page it was sent from (`token`), kept in
  the audit event of the change it made: a send that meets a change finds whether the
  change was this very page's (`was_done`), without a write of its own on every send.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets

from django.core.cache import cache

from rpd.audit.models import Event

CLAIM_SECONDS = 120
FIELD = "sent_from"  # the form's field, and the audit event's key, for a page's token
_TOKEN = re.compile(r"[0-9a-f]{32}")


class Send:
    """One session's send of some answers: claimed, or released where it failed."""

    def __init__(self, who: str, what: dict):
        text = json.dumps(what, sort_keys=True, default=str)
        self.key = "rpd:send:" + hashlib.sha256(f"{who}\n{text}".encode()).hexdigest()
        self.first = False

    def claim(self) -> bool:
        """True for the first send; False where another send holds the claim."""
        self.first = cache.add(self.key, True, CLAIM_SECONDS)
        return self.first

    def release(self) -> None:
        """The send failed: the same answers may be sent again."""
        if self.first:
            cache.delete(self.key)


def token() -> str:
    """A new page's token: random, so it says nothing of what the page holds."""
    return secrets.token_hex(16)


def sent_from(post) -> str | None:
    """The token a form was sent with, where it is one."""
    value = post.get(FIELD, "")
    return value if _TOKEN.fullmatch(value) else None


def was_done(name: str, user, target: str, sent: str | None) -> bool:
    """Whether `user` already did `name` to `target` from the page that sent `sent`."""
    if sent is None:
        return False
    events = Event.objects.filter(target=target, action=f"disagreement.{name}", actor_id=user.pk)
    # The first send's change is among the latest: a twin arrives within seconds.
    return any(
        (data or {}).get(FIELD) == sent
        for data in events.order_by("-seq").values_list("data", flat=True)[:20]
    )
