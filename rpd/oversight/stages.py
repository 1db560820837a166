"""Which stages count as "upper" for oversight: read here and nowhere else."""

from __future__ import annotations

from rpd.disagreements import queries
from rpd.pathways.schema import Pack


def upper_stage(pack: Pack) -> int:
    """The first stage of `pack` the partnership counts as upper (senior management and
    beyond). Today the same on every pathway shipped; the pathway will say (one line)."""
    return queries.UPPER_STAGE


def top_stage(pack: Pack) -> int:
    """The last stage: Jersey's board keeps a record of every case that reaches it."""
    return pack.last_stage.number
