"""The raise journey of each seed pathway: its pages and the answers each one requires.

    .venv/bin/python bench/raise_journey.py

Read from the journey's own declaration (rpd/disagreements/views/raise_.py: its steps,
which the pathway narrows, and the raise form's fields), not from a list kept here, so it
prints what a practitioner meets: the two questions before the steps, every step, and
Check your answers. An answer counts as required when its field refuses an empty value.
Needs no database. The target (issue 16): no question the pathway already answers or the
practitioner cannot know.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from types import SimpleNamespace

# Run as a script, this file's directory comes first on sys.path, where bench/calendar.py
# would hide the standard library's calendar module.
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))


def journey(pack) -> list[tuple[str, list[str], list[str]]]:
    """(page title, required answers, optional answers) for each page of the raise."""
    from rpd.disagreements.forms import Context
    from rpd.disagreements.views import raise_

    someone = SimpleNamespace(pk=None, agency_id=None)  # the questions are the same for all
    context = Context(datetime.date(2026, 12, 1), None, pack, someone)
    # The two questions every raise starts with, as their pages ask them.
    pages = [
        (raise_.immediate_risk_question(pack), ["immediate_risk"], []),
        (raise_.PRACTICE_QUESTION, ["about_practice"], []),
    ]
    for step in raise_._steps(context):
        form = raise_._step_form(context, {}, step)
        required = [n for n, f in form.fields.items() if f.required]
        optional = [n for n, f in form.fields.items() if not f.required]
        pages.append((raise_._step_title(context, step, {}), required, optional))
    pages.append(("Check your answers", [], []))
    return pages


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpd.settings")
    os.environ.setdefault("RPD_DATABASE_URL", "sqlite:///:memory:")
    import django

    django.setup()
    from rpd.pathways import registry

    totals = []
    for entry in sorted(registry.all_entries(), key=lambda e: e.pack.id):
        if not entry.built_in:
            continue
        pages = journey(entry.pack)
        required = sum(len(r) for _, r, _ in pages)
        totals.append((entry.pack.id, len(pages), required))
        print(f"{entry.pack.id}: {len(pages)} pages, {required} required answers")
        for number, (title, req, opt) in enumerate(pages, start=1):
            asked = ", ".join([*req, *(f"({n})" for n in opt)]) or "-"
            print(f"  {number:2}. {title}: {asked}")
    print()
    print(f"{'pathway':<16}{'pages':>6}{'required':>10}")
    for pathway, pages, required in totals:
        print(f"{pathway:<16}{pages:>6}{required:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
