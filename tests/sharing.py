"""An agency one partnership governs comes to serve another as on the pages: the other's
administrator asks, and someone accountable for the agency accepts (ADR 007, 2026-12-05).
`None` for either is the installation's operator, as `rpd agency join|answer`."""

from __future__ import annotations

from rpd.administration import operations
from rpd.people.models import JoinRequest


def share(agency, partnership, *, asked_by=None, accepted_by=None) -> JoinRequest:
    request = operations.join_agency(partnership, asked_by, {"code": agency.code})
    return operations.decide_join(request, accepted_by, {"decision": "accepted"})
