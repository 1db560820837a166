"""Northfield: a partnership's own pack, written by its policy officer from real policies'
words, using each pack feature the five built-in packs do not (issue 18's "Done when")."""

from __future__ import annotations

NORTHFIELD = """\
id: northfield
version: 1
name: Northfield resolving professional differences
partnership: Northfield Safeguarding Children Partnership
scope: children
calendar: england-and-wales
source:
  title: Northfield escalation policy     # the policy gives no year
  review_date: 2026-01-31                 # "Review Date: January 2026" (Stoke-on-Trent)
oversight_from_stage: 2                   # the partnership hears of a dispute at stage 2
rungs:
  - {id: practitioner, name: Practitioner}
  - {id: line-manager, name: Line manager}
roles:
  - id: unit
    name: Northfield partnership business unit
    kind: partnership
  - id: raiser-lead
    name: The safeguarding lead of the raiser's own agency
    kind: agency
    agency: raising
    source: "Cambridgeshire: 'seek the advice and support of the safeguarding lead'"
stand_ins:
  - agency_type: voluntary
    rung: line-manager
    acted_by: the professional body, funder, commissioner or trustees
    source: "Stoke-on-Trent §5 Stage 2: 'For agencies where there is no line manager'"
stages:
  - number: 1
    name: Practitioner to practitioner
    summary: The two practitioners talk it through.
    source: Northfield policy, stage 1
    raising: {rung: practitioner, description: The practitioner who disagrees}
    receiving: {rung: practitioner, description: The practitioner disagreed with}
    timescale: {kind: working_days, days: 5}
    milestones:                           # "An agreed action plan within 2 working days
      - id: initial-discussion            #  of the initial discussion" (issue 18)
        name: Initial discussion
        timescale: {kind: event}
      - id: action-plan
        name: Agreed action plan
        timescale: {kind: working_days, days: 2}
        counts_from: initial-discussion
    notify:
      - to: raiser-lead
        when: stage_started
        what: Your practitioner has raised a professional difference; advise and support them
  - number: 2
    name: Line manager to line manager
    summary: The two line managers talk it through and tell the partnership.
    source: Northfield policy, stage 2
    raising: {rung: line-manager, description: The raiser's line manager}
    receiving: {rung: line-manager, description: The other agency's line manager}
    timescale: {kind: working_days, days: 5}
    notify:
      - to: unit
        when: stage_started
        what: A professional difference has reached stage 2
"""
