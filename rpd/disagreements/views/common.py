"""What every page shares: finding a case the reader may see, labels, and errors."""

from __future__ import annotations

from django import forms
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404

from rpd.dataprotection import readings
from rpd.frontend import GovukDateInput, as_sentence, first_input_id

from .. import access, presenters, sends, transitions
from ..forms import Sent
from ..models import Disagreement

# Field name: (label, hint). The backend forms name fields for code; these name them
# for people. A field without an entry keeps Django's label.
LABELS: dict[str, tuple[str, str]] = {
    "subject_kind": ("Is the concern about a child or an adult at risk?", ""),
    "subject_given_name": ("Given name", ""),
    "subject_family_name": ("Family name", ""),
    "subject_date_of_birth": ("Date of birth", "For example, 27 3 2019"),
    "subject_nhs_number": ("NHS number", "10 digits, for example 999 123 4500"),
    "subject_address": ("Address", ""),
    "subject_consent_given": ("Has consent been given to share their details?", ""),
    "receiving_agency": ("Which agency do you disagree with?", ""),
    "receiving_professional": (
        "Who in that agency made the decision or holds the case?",
        "Choose the person in the agency you selected, or tick that you do not know who",
    ),
    "receiver_unknown": (
        "I do not know who",
        "It goes to the agency's safeguarding lead, who names the person",
    ),
    "lead_professional": (
        "Lead Professional, IRO or meeting chair",
        "Where the disagreement is about a process they lead",
    ),
    "challenged": ("What do you disagree with?", ""),
    "challenged_description": ("Describe the decision, action or inaction", ""),
    "challenged_on": ("When was it?", "For example, 3 12 2026"),
    "categories": ("What is the disagreement about?", "Select all that apply"),
    "summary": (
        "What happened, and why do you disagree?",
        "The decision, action or inaction, and the evidence for your view",
    ),
    "outcome_sought": ("What outcome are you seeking?", ""),
    "risk": (
        "How serious is the risk to the child or adult?",
        "Your professional judgement of the risk to them while this disagreement is resolved",
    ),
    "urgent": (
        "This is urgent",
        "Marked urgent on the case for everyone working on it; the policy's deadlines stay "
        "as they are",
    ),
    "pre_escalation": (
        "What have you already done?",
        "Select everything you have tried before raising it",
    ),
    "start_stage": ("Which stage should it start at?", ""),
    "fast_track_reason": ("Why must it start above stage 1?", "Only if it starts above stage 1"),
    "immediate_rule": ("Does one of these apply?", "These must be resolved the same working day"),
    "kind": ("How did the discussion take place?", ""),
    "occurred_at": (
        "When did it take place?",
        "For example, 3 12 2026 and 14 30 (the 24-hour clock)",
    ),
    "participants": (
        "Who took part?",
        "The people of this case and its agencies' leads: select everyone who took part, "
        "and name anyone else below",
    ),
    "other_participants": ("Anyone else who took part", "Name and role"),
    "outcome": ("What was the outcome?", ""),
    "covers": ("What does this record cover?", "What this stage must record"),
    "meets": ("Milestones this discussion meets", ""),
    "reason": ("Reason", ""),
    "account": (
        "Your account of the discussion",
        "Where your side disagrees with this record, say what happened in your own words: "
        "the record stays as its author wrote it",
    ),
    "agreed_outcome": ("Agreed outcome", ""),
    "next_steps": ("Next steps", ""),
    "written_confirmation": (
        "Written confirmation to all parties",
        "What was agreed, in words both sides stand behind: everyone involved reads it on the "
        "disagreement's page (emails say only that it is there)",
    ),
    "feedback_to_raiser": ("Feedback to the practitioner who raised it", ""),
    "learning": (
        "Should the partnership consider learning from it?",
        "Select any it should consider. Its oversight roles are told of each, and follow it "
        "up as a learning item",
    ),
    "referred_to": ("Refer it to", ""),
    "recommendation": ("Recommendation", ""),
    "expected_resume": ("When do you expect to resume?", "For example, 3 12 2026"),
    "note": ("Note", ""),
    "asked_by": (
        "Who asked for more time?",
        "Someone else taking part in this disagreement. If you need more time yourself, ask "
        "someone else taking part to agree it here",
    ),
    "new_due": (
        "New date for the stage",
        "A working day, for example 3 12 2026. It moves the stage's date and each of its "
        "milestones due before it, unless you give that milestone its own date below. To move "
        "only a milestone, leave this empty",
    ),
    "side": ("Which side is being handed over?", ""),
    "to_user": ("Hand over to", "Someone in that side's agency, or named to act for it"),
    "to_stage": ("Which stage should it go straight to?", "Only those the pathway allows"),
    "non_involvement": (
        "An agency keeps a position of non-involvement that others dispute",
        "Only with a risk of immediate or significant harm",
    ),
    "held_on": ("When did the panel sit?", "For example, 3 12 2026"),
    "members": ("Who sat on the panel?", "Representatives of each agency the pathway requires"),
    "chronology_reviewed": ("The panel reviewed the escalation chronology", ""),
    "copied_agencies": (
        "Other agencies involved",
        "They are sent copies of what your partnership's escalation policy says goes to other "
        "agencies involved",
    ),
    "agency": ("Which agency?", "Another agency involved, not one of the two sides"),
    "person": (
        "Who there should get the copies?",
        "Leave blank for the agency's safeguarding leads",
    ),
}


RADIOS_UP_TO = 8  # more choices than this read better as a select
YES_NO = [("true", "Yes"), ("false", "No"), ("unknown", "Not known")]


# Where a field of the same name asks something else on another form: a record's summary
# is of the discussion, not the raiser's case.
LABELS_OF_FORM: dict[str, dict[str, tuple[str, str]]] = {
    "RecordForm": {
        "summary": ("Summary", "What was discussed, each side's position and the evidence"),
    },
    "CorrectForm": {
        "summary": (
            "Summary",
            "The record as it should read: what was discussed, each side's position and the "
            "evidence",
        ),
        "reason": ("Why does it need correcting?", ""),
    },
    "MoveActionForm": {
        "due": ("New due date", "For example, 3 12 2026"),
        "reason": ("Why does the date need to change?", ""),
    },
    "EscalateForm": {
        "reason": ("Why is it being escalated?", "What the stage's discussion left unresolved"),
    },
    "PauseForm": {
        "reason": (
            "Why is it being paused?",
            "For example, waiting for a child protection medical",
        ),
    },
    "DecideContestedForm": {
        "decision": ("Do you uphold the resolution?", ""),
        "reason": ("Your reasons", "Everyone involved reads them on the disagreement's page"),
    },
}


def label(form: forms.Form, names=None) -> forms.Form:
    """Give the form's fields their labels, hints and inputs for people: the back-end
    forms declare what a value is, the pages how it is asked for (a few choices as
    radios, several as checkboxes, long text in a text area, yes/no/not known)."""
    own = LABELS_OF_FORM.get(type(form).__name__, {})
    for name, f in form.fields.items():
        if names is not None and name not in names:
            continue
        if name in own:
            f.label, f.help_text = own[name]
        elif name in LABELS:
            f.label, f.help_text = LABELS[name]
        f.widget = _input_for(f)
    return form


def _input_for(f: forms.Field) -> forms.Widget:
    widget = f.widget
    if isinstance(f, forms.NullBooleanField):
        return forms.RadioSelect(choices=YES_NO)
    if type(widget) is forms.SelectMultiple:
        # The widget's choices, which a form may narrow from what the field accepts.
        return forms.CheckboxSelectMultiple(choices=widget.choices)
    if (
        type(widget) is forms.Select
        and not isinstance(f, forms.ModelChoiceField)
        and len(f.choices) <= RADIOS_UP_TO
    ):
        # The widget's choices, which a form may narrow from what the field accepts.
        return forms.RadioSelect(choices=[c for c in widget.choices if c[0] not in ("", None)])
    if type(widget) is forms.TextInput and isinstance(f, forms.CharField):
        if not f.max_length or f.max_length > 1000:
            return forms.Textarea(attrs={"rows": 5})
    return widget


def posted(fields: dict[str, forms.Field], post) -> dict:
    """What was typed into these fields, as the transitions take it: lists for multiple
    choices, and a date typed into the three boxes as ISO text when it is a real date
    (else the boxes as typed, for the form to say what is wrong and show them again)."""
    data = {}
    for name, f in fields.items():
        if isinstance(f.widget, GovukDateInput):
            value = f.widget.value_from_datadict(post, {}, name)
            try:
                day = f.to_python(value)
            except forms.ValidationError:
                day = None
            data[name] = day.isoformat() if day else value
        elif getattr(f.widget, "allow_multiple_selected", False):
            data[name] = post.getlist(name)
        else:
            data[name] = post.get(name, "")
    return data


def with_errors(form: forms.Form, errors: dict[str, list[str]]) -> forms.Form:
    """Show `errors` (as `transitions.Invalid` gives them) on a form bound to what was typed,
    whether or not the form itself would find them (some come from the transition)."""
    # The form's own error for the same message, where it found one, says which date or
    # time boxes are wrong (its params): the summary links to that box, and only it is red.
    own = form.errors if form.is_bound else ErrorDict()
    known = ErrorDict()
    for name, messages in errors.items():
        key = name if name in form.fields else "__all__"
        found = {e.message % (e.params or {}) if e.params else e.message: e
                 for e in (own[key].as_data() if key in own else [])}  # fmt: skip
        known.setdefault(key, ErrorList()).extend(found.get(m, m) for m in messages)
    form._errors = known
    return form


def error_summary(form: forms.Form, extra: dict[str, tuple[str, str]] | None = None) -> list:
    """Each bad field once, in page order, linked to its input, naming the field."""
    items = []
    if form is not None and form.errors:
        for name in [*form.fields, "__all__"]:
            for message in form.errors.get(name, ()):
                if name == "__all__":
                    items.append({"href": "#main-content", "text": message})
                else:
                    bound = form[name]
                    items.append(
                        {"href": f"#{first_input_id(bound)}", "text": as_sentence(bound, message)}
                    )
    for href, text in (extra or {}).values():
        items.append({"href": href, "text": text})
    return items


def case_or_404(request, pk: int) -> tuple[Disagreement, object, set[str]]:
    """The disagreement if the reader may see it; otherwise the same "Page not found" as
    for one that does not exist."""
    return seen_or_404(request, pk)[:3]


PEOPLE = ("raised_by", "receiving_professional", "lead_professional")


def seen_or_404(request, pk: int) -> tuple[Disagreement, object, set[str], access.Sight, list]:
    """`case_or_404`, how much of it the reader may see (access.sight, the one check a
    page makes before showing a case), and its episodes in stage order."""
    found = (
        Disagreement.objects.select_related(
            "partnership", "pathway", "subject", "raising_agency", "receiving_agency"
        )
        # The pinned pack is parsed once per process (PathwayVersion.pack, by digest): its
        # text stays in the database.
        .defer("pathway__text")
    )
    try:
        d = found.get(pk=pk)  # not first(), whose ordering costs more to build than to run
    except Disagreement.DoesNotExist:
        d = None
    with access.one_reading():
        sight = access.sight(request.user, d) if d is not None else access.NOTHING
        if not sight:
            raise Http404("Page not found")
        # Every stage's episode, which the case page shows, for the price of the current
        # one, which standing reads: a case has a few. The people they and the case name
        # come in one lookup.
        episodes = list(d.episodes.all())
        d.people_read = transitions.with_people(
            [([d], PEOPLE), (episodes, ("raising_actor", "receiving_actor"))]
        )
        episode, held = transitions.standing(request.user, d, episodes)
    if not held:
        raise Http404("Page not found")
    if sight.subject:  # the subject's identity is on the page: the access log keeps it
        readings.note(request, d)
    return d, episode, held, sight, episodes


def parse_int(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    # Larger than any id a database holds: treated as no id at all, never an overflow.
    return number if 0 < number < 2**53 else None


def attempt(name: str, user, d: Disagreement, post, data: dict | Sent, page: dict) -> bool:
    """Perform transition `name` from a page as the person saw it: True once done.

    Otherwise `page` says why, for the page to show again with everything typed kept:
    `field_errors`, a conflict (what changed since the version they saw, and the version
    to send now, shown by `_conflict.html`) or the refusal.
    """
    seen = parse_int(post.get("version"))
    sent = sends.sent_from(post)
    try:
        if seen is None:
            raise transitions.Conflict("the page did not say which version you saw")
        transitions.perform(name, user, d.pk, seen, data, sent_from=sent)
    except transitions.NotFound:
        raise Http404("Page not found") from None
    except transitions.Invalid as e:
        page["field_errors"] = dict(e.errors)
    except transitions.Conflict:
        if sends.was_done(name, user, d.audit_target, sent):  # sent twice: the first did it
            return True
        current = Disagreement.objects.filter(pk=d.pk).first()
        page["changes"] = presenters.changes_since(d, seen or 0)
        page["version"] = current.version if current else d.version
        page["extra"]["version"] = (
            "#changes",
            "Someone changed this since you opened it: check what changed, then send it again",
        )
    except transitions.NotAllowed as e:
        page["extra"]["refused"] = ("#main-content", str(e)[:1].upper() + str(e)[1:])
    else:
        return True
    return False


def administered_or_404(request, slug: str):
    """The partnership whose administration page this is, for its administrators only:
    anyone else gets the "Page not found" a partnership that does not exist gets."""
    partnership = access.administered(request.user, slug)
    if partnership is None:
        raise Http404("Page not found")
    return partnership
