"""Every URL pattern of the project, walked from the resolver, and each one's address
filled with real objects of a small partnership: for the tests that hold of every page
(no page is cached, no view is exempt from CSRF)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve

# A path() converter (<int:pk>) or a regular expression's named group ((?P<key>...)).
PARAMETER = re.compile(r"<(?:\w+:)?(?P<path>\w+)>|\(\?P<(?P<regex>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, prefixes included
    name: str  # namespaced, e.g. "disagreements:act"; "" where the pattern has none
    callback: object

    @property
    def parameters(self) -> list[str]:
        return [m["path"] or m["regex"] for m in PARAMETER.finditer(self.route)]

    def address(self, values: dict[str, str]) -> str:
        def fill(match):
            return str(values[match["path"] or match["regex"]])

        path = PARAMETER.sub(fill, self.route.replace("^", "").replace("$", ""))
        return "/" + path


def every_route(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from every_route(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(prefix + str(pattern.pattern), name or "", pattern.callback)


def values_for(route: Route, objects: dict[str, object]) -> dict[str, str]:
    """Each of the route's parameters, from `objects` (see `partnership_objects`): a `pk`
    is the object the address is about, read from the words before it."""
    values = {}
    for name in route.parameters:
        if name == "pk":
            before = route.route.split("<int:pk>")[0]
            for word, key in (
                ("pathway/versions/", "version"),
                ("agencies/", "agency"),
                ("people/", "person"),
                ("roles/holders/", "holder"),
                ("stand-ins/", "stand_in"),
                ("webauthn/keys/", "nothing"),
                ("disagreements/", "case"),
                ("disagreements/new/raised/", "case"),
                ("information-governance/cases/", "case"),
                ("agencies/requests/", "nothing"),
                ("learning/", "nothing"),
                ("cases/", "case"),
            ):
                if before.endswith(word):
                    values[name] = objects[key]
                    break
            else:
                raise KeyError(f"{route.route}: say which object its pk is")
        else:
            key = f"{route.name}.{name}" if f"{route.name}.{name}" in objects else name
            values[name] = objects[key]
    return values


def partnership_objects(demo, d, person) -> dict[str, object]:
    """Real values for every parameter a route of ours takes, from a demo partnership,
    one of its disagreements `d`, and `person` (whose links these are)."""
    from rpd.disagreements.models import PartnershipPathway
    from rpd.notifications.models import CalendarFeed
    from rpd.notifications.preferences import preferences_token
    from rpd.people.models import RoleHolder, StandIn

    pack = d.pack
    agency = demo.agencies["csc"]
    holder = RoleHolder.objects.filter(partnership=demo.partnership).first()
    stand_in = StandIn.objects.filter(agency__partnerships=demo.partnership).first()
    version = PartnershipPathway.objects.filter(partnership=demo.partnership).first()
    feed, _ = CalendarFeed.objects.get_or_create(user=person)
    return {
        "case": d.pk,
        "version": getattr(version, "pk", 0),
        "agency": agency.pk,
        "person": person.pk,
        "holder": holder.pk if holder else 0,
        "stand_in": stand_in.pk if stand_in else 0,
        "nothing": 999_999,
        "slug": demo.partnership.slug,
        "step": "subject",
        "action": "record",
        "form_id": pack.forms[0].id if pack.forms else "none",
        "field": "name",
        "administration:person-field.field": "job-title",
        "rung_pk": demo.ladder["csc"][0].rung_id,
        "role_id": pack.roles[0].id,
        "pathway_id": pack.id,
        "token": preferences_token(person),
        "notifications:calendar-feed.token": feed.token,
        "key": "not-a-key",
        "uidb36": "0",
        "provider_id": "no-such-provider",
        "request_pk": 999_999,
        "kind": "txt",
        "agency_id": agency.pk,
        "record_id": 999_999,
        "hold_pk": 999_999,
    }


def addresses(objects: dict[str, object]) -> list[tuple[Route, str]]:
    """(route, address) for every route, each address checked to resolve to its route."""
    found, taken = [], set()
    for route in every_route():
        address = route.address(values_for(route, objects))
        if address in taken:
            continue  # a pattern of ours in front of a library's, at the same address
        taken.add(address)
        assert resolve(address).func == route.callback, (route.route, address)
        found.append((route, address))
    return found
