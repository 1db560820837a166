"""Shared steps for the page tests: a demo partnership with a disagreement in it."""

from __future__ import annotations

from rpd.disagreements import transitions
from rpd.people.demo import build_partnership

from .helpers import raise_data


def partnership_with_case(pathway="stoke-on-trent"):
    demo = build_partnership(pathway)
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo))
    return demo, raiser, d
