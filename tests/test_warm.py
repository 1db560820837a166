"""A web process warms up before it takes traffic: its URL resolver, every template of
ours compiled, the pathway packs parsed and the calendars built; and it shares no
database connection with what it forks."""

from __future__ import annotations

import gc

import pytest
from django.db import connection
from django.template import engines

from rpd import warm
from rpd.disagreements.models import _PACKS
from tests.disagreements.pages import partnership_with_case


@pytest.mark.django_db(transaction=True)
def test_warming_up_compiles_our_templates_parses_the_packs_and_closes_its_connection():
    partnership_with_case()  # a case pins its pathway version
    _PACKS.clear()
    counts = warm.warm_up()
    assert counts["templates"] >= 100 and counts["urls"] > 0 and counts["packs"] >= 2
    assert _PACKS, "the pinned pathway versions were not parsed"
    [loader] = engines["django"].engine.template_loaders  # the cached loader (DEBUG off)
    assert "disagreements/detail.html" in {key.split("-")[0] for key in loader.get_template_cache}
    if connection.vendor != "sqlite":  # (Django keeps an in-memory test database open)
        assert connection.connection is None, "a connection a forked worker would share"


def test_warming_up_freezes_what_it_loaded_only_when_asked(monkeypatch):
    frozen = []
    monkeypatch.setattr(warm, "_packs", lambda: 0)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    warm.warm_up()
    assert frozen == []
    warm.warm_up(freeze=True)
    assert frozen == [True]
