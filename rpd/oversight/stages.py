"""Which stages count as "upper" for oversight: read here and nowhere else."""

from __future__ import annotations

from rpd.pathways.schema import Pack


def upper_stage(pack: Pack) -> int:
    """The first stage of `pack` the partnership counts as upper (senior management and
    beyond): the pack says (`oversight_from_stage`); past its last stage if none is."""
    return min(pack.upper_stages, default=pack.last_stage.number + 1)


def top_stage(pack: Pack) -> int:
    """The last stage: Jersey's board keeps a record of every case that reaches it."""
    return pack.last_stage.number
