"""The demo partnership every test and `rpd demo` start from: its ladders, and written as a
few statements of many rows (built over two thousand times a run of the suite)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.people.demo import build_partnership
from rpd.people.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pathway", ["jersey", "stoke-on-trent"])
def test_each_demo_agency_climbs_its_own_ladder_and_its_people_are_written_at_once(pathway):
    with CaptureQueriesContext(connection) as written:
        demo = build_partnership(pathway)

    for key, chain in demo.ladder.items():
        # Rung i is managed by rung i + 1; the top by no one.
        assert [p.line_manager for p in chain] == [*chain[1:], None], key
        assert demo.colleague[key].line_manager == chain[1]
        assert demo.lead[key].line_manager == chain[min(2, len(chain) - 1)]
        assert demo.lead[key].has_role(Role.SAFEGUARDING_LEAD)
        assert [p.rung.position for p in chain] == list(range(1, len(chain) + 1))
        for person in chain:
            person.refresh_from_db()
        assert [p.line_manager_id for p in chain] == [*(p.pk for p in chain[1:]), None]
    assert Role.PARTNERSHIP_UNIT in demo.unit.roles_in(demo.partnership.pk)
    assert demo.outsider.line_manager == demo.ladder[next(iter(demo.ladder))][1]
    # However many people and rungs, a statement each for the people, their managers, their
    # roles and the rungs: not one a person.
    inserts = [q["sql"] for q in written.captured_queries if q["sql"].startswith("INSERT")]
    for table in ("people_user", "people_rolegrant", "people_rung"):
        assert sum(f'INTO "{table}"' in sql for sql in inserts) == 1, table
