"""What an event's hash covers: a canonical form that both databases give back unchanged."""

import datetime
import enum
import json
import zoneinfo

import pytest
from django.db import models

from rpd.audit.hashing import canonical, clean_data, event_hash
from rpd.audit.models import GENESIS_HASH

FIELDS = {
    "seq": 42,
    "actor_id": 7,
    "actor_label": "asha",
    "action": "disagreement.escalated",
    "target": "disagreement:RPD-2026-0042",
    "partnership_id": None,
    "data": {"to": 2, "from": 1, "why": "né"},
}


def test_the_canonical_form_is_sorted_compact_json_with_the_time_in_utc_microseconds():
    at = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))

    text = canonical(at=at, **FIELDS)

    assert text == (
        '{"action":"disagreement.escalated","actor_id":7,"actor_label":"asha",'
        '"at":"2026-07-01T09:30:00.000000+00:00","data":{"from":1,"to":2,"why":"né"},'
        '"partnership_id":null,"seq":42,"target":"disagreement:RPD-2026-0042"}'
    )


def test_the_same_moment_in_any_time_zone_hashes_the_same():
    utc = datetime.datetime(2026, 1, 1, 12, 0, 0, 5, tzinfo=datetime.UTC)
    tokyo = utc.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))

    assert canonical(at=utc, **FIELDS) == canonical(at=tokyo, **FIELDS)


def test_a_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical(at=datetime.datetime(2026, 1, 1), **FIELDS)


def test_the_hash_covers_the_previous_hash():
    text = canonical(at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), **FIELDS)

    assert event_hash(GENESIS_HASH, text) != event_hash("1" * 64, text)
    assert len(event_hash(GENESIS_HASH, text)) == 64


def test_no_data_is_an_empty_object():
    assert clean_data(None) == {}


def test_whole_floats_are_kept_as_ints_because_postgresql_gives_them_back_that_way():
    cleaned = clean_data({"a": 1.0, "b": 1e20, "c": -0.0, "d": 0.5})

    assert json.dumps(cleaned) == '{"a": 1, "b": 100000000000000000000, "c": 0, "d": 0.5}'


def test_enum_members_are_kept_as_their_plain_values():
    class Stage(models.TextChoices):
        TWO = "stage-2"

    class Count(enum.IntEnum):
        THREE = 3

    cleaned = clean_data({"stage": Stage.TWO, "count": Count.THREE})

    assert type(cleaned["stage"]) is str and cleaned["stage"] == "stage-2"
    assert type(cleaned["count"]) is int and cleaned["count"] == 3


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"when": datetime.date(2026, 1, 1)}, TypeError, r"data\['when'\] is a date"),
        ({"ids": (1, 2)}, TypeError, r"data\['ids'\] is a tuple"),
        ({"ids": {1, 2}}, TypeError, r"data\['ids'\] is a set"),
        ({"a": [{"b": b"x"}]}, TypeError, r"data\['a'\]\[0\]\['b'\] is a bytes"),
        ({1: "one"}, TypeError, r"data has the key 1: keys must be strings"),
        ({"ratio": float("nan")}, ValueError, r"data\['ratio'\] is nan"),
        ({"ratio": float("inf")}, ValueError, r"data\['ratio'\] is inf"),
        ({"note": "a\x00b"}, ValueError, r"data\['note'\] contains a NUL"),
        ({"note": "\ud800"}, ValueError, r"data\['note'\] is not valid Unicode"),
    ],
)
def test_data_a_database_would_refuse_or_change_is_refused_naming_the_key(data, error, message):
    with pytest.raises(error, match=message):
        clean_data(data)


def test_data_must_be_a_dict():
    with pytest.raises(TypeError, match="audit data must be a dict, not list"):
        clean_data([1, 2])
