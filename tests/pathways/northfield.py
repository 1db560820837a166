"""Northfield: a partnership's own pack, written by its policy officer from real policies'
words, using each pack feature the five built-in packs do not (issue 18's "Done when")."""

from __future__ import annotations

NORTHFIELD = """\
id: northfield
version: 1
name: Northfield resolving professional differences
partnership: Northfield Safeguarding Partnership
scope: both                               # children and adults at risk
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
  - id: lscp-chair
    name: Independent chair of the children's partnership
    kind: independent
  - id: lsab-chair
    name: Independent chair of the adults' board
    kind: independent
  - id: lsab-unit
    name: Northfield adults' board business unit
    kind: partnership
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
      - to: raiser-lead                   # "Where there is immediate harm, inform the
        when: immediate_harm              #  agency's designated safeguarding lead
        what: There is immediate harm; as designated safeguarding lead act immediately
  - number: 2
    name: Line manager to line manager
    summary: The two line managers talk it through and tell the partnership.
    source: Northfield policy, stage 2
    raising: {rung: line-manager, description: The raiser's line manager}
    receiving: {rung: line-manager, description: The other agency's line manager}
    timescale: {kind: working_days, days: 5}
    milestones:                           # "This discussion must occur within five
      - id: managers-discussion           #  working days of step 1" (Lincolnshire step 2)
        name: Line managers' discussion
        timescale: {kind: working_days, days: 5}
        counts_from: {stage: 1, milestone: initial-discussion}
    notify:
      - to: unit
        when: stage_started
        what: A professional difference has reached stage 2
  - number: 3
    name: Independently chaired meeting
    summary: The children's partnership or the adults' board chairs a meeting of both agencies.
    source: "Lincolnshire step 4: 'LSAB or LSCP independent chaired meeting'"
    raising: {rung: line-manager, description: The raiser's line manager}
    receiving: {rung: line-manager, description: The other agency's line manager}
    led_by: lscp-chair                    # for a child, and by default
    led_by_for: {adult: lsab-chair}       # the adults' board for an adult at risk
    timescale: {kind: not_fixed, review_every_working_days: 5}
    milestones:
      - id: chair-contacted               # "If steps 1 and 2 do not reach a resolution
        name: Chair contacted             #  ... should be contacted immediately"
        timescale: {kind: immediately}
        counts_from: {stage: 2, event: end}
        source: Lincolnshire step 3
      - id: overall-limit
        name: Resolved within the overall limit
        timescale: {kind: working_days, days: 15}
        counts_from: {stage: 1, event: start}
        source: "Pan-Lancashire: 'Each stage (1, 2 or 3) ... (15 working days maximum)'"
    forms: [step-4-referral]
    panel:
      name: Independently chaired meeting
      seats:
        - {name: Partnership business unit, role: unit}
        - {name: Police, agency_types: [police]}
      includes_agencies_concerned: true
      source: "Lincolnshire step 4: 'LSAB or LSCP independent chaired meeting'"
forms:
  - id: step-4-referral
    name: Step 4 referral
    sent_to: unit                         # the children's partnership, and by default
    sent_to_for: {adult: lsab-unit}       # the adults' board for an adult at risk
    source: Lincolnshire step 4
    fields:
      - {id: summary, label: Summary of the disagreement, source: summary}
      - {id: stages, label: What each step did, source: stages}
fast_track:
  - start_at: [3]
    when: Urgent resolution is required
    must_record:
      - id: reason-for-urgency
        text: Why urgent resolution was required
    source: "Lincolnshire step 4 a): 'Urgent resolution required'"
"""
