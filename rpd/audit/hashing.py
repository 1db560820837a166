"""What an event's hash covers, in a form that survives a database round trip.

The hash is recomputed from the row as the database gives it back, years
later, on SQLite or PostgreSQL. So the bytes hashed must not depend on how a
backend stores things: datetimes are written as UTC with microseconds, and
`data` is held to plain JSON values that both backends return unchanged.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math


def event_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def canonical(
    *,
    seq: int,
    at: datetime.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target: str,
    partnership_id: int | None,
    data: dict,
) -> str:
    if at.tzinfo is None:
        raise ValueError("audit event time must be timezone-aware")
    fields = {
        "seq": seq,
        "at": at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "target": target,
        "partnership_id": partnership_id,
        "data": data,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def clean_data(data) -> dict:
    """`data` as the database will give it back, or TypeError/ValueError naming the key."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError(f"audit data must be a dict, not {type(data).__name__}")
    return _clean(data, "data")


def _clean(value, path: str):
    if value is None or type(value) is bool:
        return value
    if isinstance(value, bool):  # a bool subclass is not JSON's true/false
        raise TypeError(f"audit {path} is a {type(value).__name__}, which is not JSON")
    if isinstance(value, int):
        return int(value)  # an IntEnum reads back as a plain int
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit {path} is {value!r}, which JSON cannot hold")
        # PostgreSQL's jsonb keeps numbers as decimals and gives 1e20 back as
        # 100000000000000000000 (an int) and -0.0 as 0.0; whole floats are stored
        # as ints so both databases return exactly what was hashed.
        return int(value) if value.is_integer() else float(value)
    if isinstance(value, str):
        return check_text(value, path)  # a TextChoices member reads back as its plain value
    if isinstance(value, list):
        return [_clean(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"audit {path} has the key {key!r}: keys must be strings")
            key = check_text(key, f"{path} key {key!r}")
            cleaned[key] = _clean(item, f"{path}[{key!r}]")
        return cleaned
    raise TypeError(
        f"audit {path} is a {type(value).__name__}, which is not JSON "
        "(use str, int, float, bool, None, list or dict)"
    )


def check_text(text: str, path: str) -> str:
    """`text` as a plain str, or ValueError if a database would refuse or change it."""
    # Both are accepted by SQLite and refused by PostgreSQL, so refuse them everywhere.
    if "\x00" in text:
        raise ValueError(f"audit {path} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"audit {path} is not valid Unicode (a lone surrogate)") from None
    return str.__str__(text)


HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "target",
    "partnership_id",
    "data",
)


def contents_of(event) -> str:
    """The canonical text of a stored event, as its hash was computed when appended."""
    return canonical(**{name: getattr(event, name) for name in HASHED_FIELDS})
