import datetime

import pytest
import time_machine

from rpd.disagreements import transitions
from rpd.disagreements.nhs_number import synthetic
from rpd.pathways.calendar import LONDON
from rpd.people.demo import build_partnership
from rpd.people.models import Membership, Role, RoleGrant, User

from ..disagreements.helpers import discuss, raise_data

NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)  # Wednesday
ROBIN = {
    "subject_given_name": "Robin",
    "subject_family_name": "Testchild",
    "subject_date_of_birth": "2019-03-14",
    "subject_nhs_number": synthetic(42),
}
# Another child, whom nothing exported about Robin may mention.
SKY = {
    "subject_given_name": "Skylar",
    "subject_family_name": "Othertestchild",
    "subject_date_of_birth": "2018-07-01",
    "subject_nhs_number": synthetic(77),
    "subject_address": "9 Elsewhere Close, Testtown",
}


@pytest.fixture(autouse=True)
def signed_in_with_a_second_factor(settings):
    settings.RPD_REQUIRE_MFA = False


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def region(db, clock):
    """Blackpool and Stoke-on-Trent on one installation. Robin has a case in each (the
    second raised without an NHS number); Skylar has one in Blackpool. One information
    governance officer holds the role in both partnerships."""
    blackpool = build_partnership("blackpool", slug="blackpool")
    stoke = build_partnership("stoke-on-trent", slug="stoke")
    force = blackpool.agencies["police"]
    Membership.objects.create(partnership=stoke.partnership, agency=force)
    robin_blackpool = transitions.raise_disagreement(
        blackpool.ladder["csc"][0], raise_data(blackpool, "police", **ROBIN)
    )
    discuss(blackpool.ladder["csc"][0], robin_blackpool)
    robin_stoke = transitions.raise_disagreement(
        stoke.ladder["health"][0],
        raise_data(stoke, "csc", **{**ROBIN, "subject_nhs_number": ""}),
    )
    sky = transitions.raise_disagreement(
        blackpool.ladder["csc"][0], raise_data(blackpool, "police", **SKY)
    )
    officer = User.objects.create_user(
        username="ig-officer",
        email="ig-officer@example.org",
        first_name="Indigo",
        last_name="Govtest",
        agency=blackpool.unit.agency,
    )
    for p in (blackpool, stoke):
        RoleGrant.objects.create(
            user=officer, role=Role.INFORMATION_GOVERNANCE, partnership=p.partnership
        )
    return {
        "blackpool": blackpool,
        "stoke": stoke,
        "officer": officer,
        "robin": [robin_blackpool, robin_stoke],
        "sky": sky,
    }
