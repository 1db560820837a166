"""One GOV.UK form page per transition, carrying the version the person saw.

The page is offered only when `transitions.allowed` says so; the transition itself
decides again when the form is sent. A stale submit shows what changed and keeps what
was typed.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from rpd.frontend import GovukDateInput, GovukErrors
from rpd.pathways.calendar import today as london_today

from .. import access, presenters, sends, transitions
from ..forms import Sent
from ..models import AgreedAction, Disagreement, Record
from .common import attempt, case_or_404, error_summary, label, parse_int, posted, with_errors
from .disagreement import button_text

VERBS = {
    "record": "Record a discussion",
    "approve": "Approve a record",
    "correct": "Correct a record",
    "escalate": None,  # "Escalate to stage N"
    "resolve": "Resolve the disagreement",
    "fast_track": "Fast-track to a higher stage",
    "raise_risk": "Record a change of risk",
    "record_panel": "Record the panel's sitting",
    "refer": "Refer it on",
    "pause": "Pause the disagreement",
    "resume": "Resume the disagreement",
    "extend": "Extend the deadline",
    "shorten": "Set a shorter deadline",
    "hand_over": "Hand over",
    "name_receiver": "Name who holds the case",
    "hand_over_action": "Hand over an agreed action",
    "move_action": "Change an agreed action's due date",
    "complete_action": "Mark an agreed action done",
    "add_party": "Copy in another agency",
    "add_case_reference": "Add your agency's case reference",
    "withdraw": "Withdraw the disagreement",
    "add_account": "Add your own account of the discussion",
    "confirm_resolution": "Confirm the resolution",
    "contest_resolution": "Contest the resolution",
    "decide_contested": "Decide the contested resolution",
}
DONE = {
    "record": "Discussion recorded",
    "approve": "Record approved",
    "correct": "Correction recorded",
    "escalate": "Escalated",
    "resolve": "Resolved: everyone involved will get the written confirmation",
    "fast_track": "Fast-tracked",
    "raise_risk": "Change of risk recorded",
    "record_panel": "Panel's sitting recorded",
    "refer": "Referred on",
    "pause": "Paused",
    "resume": "Resumed",
    "extend": "Deadline extended",
    "shorten": "Shorter deadline set",
    "hand_over": "Handed over",
    "name_receiver": "Named who holds the case",
    "hand_over_action": "Agreed action handed over",
    "move_action": "Agreed action's due date changed",
    "complete_action": "Action marked done",
    "add_party": "Agency copied in",
    "add_case_reference": "Case reference added",
    "withdraw": "Withdrawn",
    "add_account": "Your account is beside the record",
    "confirm_resolution": "Resolution confirmed",
    "contest_resolution": "Resolution contested",
    "decide_contested": "Decision recorded",
}
# Which record or agreed action the transition acts on, from the page's address.
TARGETS = {
    "approve": "record",
    "correct": "record",
    "add_account": "record",
    "complete_action": "action",
    "hand_over_action": "action",
    "move_action": "action",
}
# Fields the backend takes as JSON, which a page asks for as ordinary inputs.
ACTION_ROWS = 3


def _verb(name: str, d: Disagreement) -> str:
    return VERBS[name] or button_text(name, d)


def _target(name: str, d: Disagreement, raw):
    """The record or agreed action named by the page, only from this disagreement."""
    kind = TARGETS.get(name)
    if kind is None:
        return None
    pk = parse_int(raw)
    if kind == "record":
        return Record.objects.filter(disagreement=d, pk=pk).select_related("author").first()
    return (
        AgreedAction.objects.filter(record__disagreement=d, pk=pk).select_related("owner").first()
    )


def _instead(name: str, user, d: Disagreement, known: tuple, target) -> list[dict]:
    """Another way on from a record's approval: correcting it, where its rules let the
    reader (an approver who finds it wrong had no way but Cancel, found by a try-out)."""
    if name != "approve" or not isinstance(target, Record):
        return []
    if target.pk not in transitions.allowed_on(user, d, known, "correct", [target]):
        return []
    href = reverse("disagreements:act", args=[d.pk, "correct"]) + f"?record={target.pk}"
    return [{"text": "Correct it instead", "href": href}]


def _coming(d: Disagreement, episode) -> dict | None:
    """Who takes over at the next stage and its date, as escalating now would set them; none
    where it could not (the transition names why when asked)."""
    try:
        coming = transitions.stage_to_come(
            d, d.stage + 1, episode.raising_actor, episode.receiving_actor, transitions.now()
        )
    except transitions.NotAllowed:
        return None
    return presenters.stage_to_come_in_words(d, coming, london_today())


def _actions_from(post) -> list[dict]:
    """Agreed actions typed in rows, for the transition: each due date as its three boxes
    (or a date sent whole), checked there."""
    actions = []
    for i in range(1, ACTION_ROWS + 1):
        row = {k: post.get(f"action-{i}-{k}", "") for k in ("text", "owner")}
        due = GovukDateInput().value_from_datadict(post, None, f"action-{i}-due") or ""
        row["due"] = list(due) if isinstance(due, tuple) else due
        if "".join([*row["due"], row["text"], str(row["owner"])]).strip():  # a row typed in
            actions.append(row)
    return actions


def _read(name: str, post, typed_na: dict[str, str], form: forms.Form) -> dict:
    """What the page sent, as transition `name` takes it from the fields of `form`: agreed
    actions as a list, the target named, and why each item left out does not apply."""
    data = posted(form.fields, post)
    if TARGETS.get(name):
        data[TARGETS[name]] = post.get(TARGETS[name], "")
    if name == "record":
        data["actions"] = _actions_from(post)
    if name in ("escalate", "resolve"):
        data["not_applicable"] = {k: v for k, v in typed_na.items() if v.strip()}
    return data


class ActionRow(GovukErrors, forms.Form):
    """One agreed action typed on the record page, named action-N-text/-owner/-due as
    the transition's `actions` are read back (_actions_from); shown again as typed."""

    text = forms.CharField(required=False)
    owner = forms.ChoiceField(required=False)
    due = forms.Field(required=False, help_text="For example, 3 12 2026", widget=GovukDateInput)

    def __init__(self, data, *, n: int, people: list, error: str = "", box: str = "text"):
        super().__init__(data, prefix=f"action-{n}")
        self.fields["text"].label = f"Action {n}: what was agreed"
        self.fields["owner"].label = f"Action {n}: owner"
        self.fields["owner"].choices = [("", "Choose"), *people]
        self.fields["owner"].widget.attrs["data-rpd-autocomplete"] = ""
        self.fields["due"].label = f"Action {n}: due date"
        # Needed once the action is written (`is_optional`): not labelled optional.
        self.fields["owner"].required_when = self.fields["due"].required_when = "text"
        self.error, self.box = error, box

    def full_clean(self):
        # Checked by the transition, which names what is wrong and in which box: shown there.
        super().full_clean()
        self._errors = self._errors or forms.utils.ErrorDict()
        if self.error:
            self.add_error(self.box, self.error)


class NotApplicable(GovukErrors, forms.Form):
    """Why each item the stage must record, no approved record covers and the pathway lets
    be left out (`may_not_apply`) does not apply. Each needs a reason unless recorded."""

    def __init__(self, typed: dict | None, *, uncovered: list, error: str = ""):
        super().__init__({f"na-{k}": v for k, v in typed.items()} if typed else None)
        self.error = error
        for item in uncovered:
            self.fields[f"na-{item.id}"] = forms.CharField(
                label=f"{item.text}: why it does not apply",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def full_clean(self):
        # Checked by the transition (StageCloseForm), which names what is wrong: shown on
        # the first box.
        self.cleaned_data, self._errors = {}, forms.utils.ErrorDict()
        if self.error and self.fields:
            self.add_error(next(iter(self.fields)), self.error)


def _may_be_left_out(d: Disagreement, covered: set, *, resolving: bool) -> list:
    asked = d.pack.stage(d.stage).to_record(resolving=resolving)
    return [r for r in asked if r.id not in covered and r.may_not_apply]


@login_required
@require_http_methods(["GET", "POST"])
def act(request, pk: int, action: str):
    name = action.replace("-", "_")
    if name not in VERBS:  # not a transition, or one with a page of its own (submit_form)
        raise Http404("Page not found")
    user = request.user
    d, episode, held = case_or_404(request, pk)
    known = (episode, held)
    if not transitions.may_start(name, user, d, known):
        # Sent from a page opened before someone else changed the case: that is a
        # conflict (what changed, with the typed text kept), not a missing page.
        seen = parse_int(request.POST.get("version")) if request.method == "POST" else None
        if seen is None or seen == d.version:
            raise Http404("Page not found")
    source = request.POST if request.method == "POST" else request.GET
    target = _target(name, d, source.get(TARGETS.get(name, ""), ""))
    if TARGETS.get(name) and target is None and request.method == "GET":
        raise Http404("Page not found")
    closing = name in ("escalate", "resolve") and episode is not None
    covered = transitions.covers(episode) if closing else set()
    resolving = name == "resolve"
    uncovered = _may_be_left_out(d, covered, resolving=resolving) if closing else []
    still = transitions.still_to_record(d, episode, covered, resolving=resolving) if closing else []
    page = {"version": d.version, "changes": [], "extra": {}, "typed_na": {}}
    data = None
    if request.method == "POST":
        page["typed_na"] = {r.id: request.POST.get(f"na-{r.id}", "") for r in uncovered}
        read = functools.partial(_read, name, request.POST, page["typed_na"])
        sent = Sent(read, request.POST)
        if attempt(name, user, d, request.POST, sent, page):
            messages.success(request, f"{DONE[name]}.")
            return redirect("disagreements:detail", pk=d.pk)
        # Refused: shown again as typed, read into the form as it stands now.
        data = sent.read(transitions.form_for(name, user, d, known=known, target=target))
    form = label(transitions.form_for(name, user, d, data, known, target))
    if name == "correct" and data is None and isinstance(target, Record):
        form.fields["summary"].initial = target.summary  # a correction starts from the record
    method, verb = "post", _verb(name, d)
    if name == "add_party" and data is None:
        # The agency first (a GET form: no JavaScript needed), then whom there: only the
        # people of the chosen agency are listed.
        form.choose(request.GET.get("agency"))
        if not request.GET.get("agency"):
            form.fields.pop("person")
            method, verb = "get", "Continue"
    if name == "hand_over" and data is None and len(form.offered) > 1:
        # Which side first (a GET form), then whom: only that agency's people are listed.
        if not form.choose(request.GET.get("side")):
            form.fields.pop("to_user")
            form.fields.pop("reason")
            method, verb = "get", "Continue"
            if "side" in request.GET:  # sent without a side it may hand over
                with_errors(form, {"side": ["Select which side is being handed over"]})
    if name == "name_receiver":
        form.fields["to_user"].label = "Who in your agency made the decision or holds the case?"
        form.fields["to_user"].help_text = "They act for your agency on this disagreement"
        form.fields["reason"].label = "Note"
    if name == "record" and episode is not None and "covers" in form.fields:
        # What the records cover, read once for both questions.
        covered = transitions.covers(episode)
        missing = transitions.still_to_record(d, episode, covered, resolving=False)
        at_resolution = [
            r
            for r in transitions.still_to_record(d, episode, covered, resolving=True)
            if r not in missing
        ]
        if missing or at_resolution:
            help_text = "Tick each item this discussion covered."
            if missing:
                help_text += (
                    f" Until an approved record covers it, stage {d.stage} still lacks: "
                    + "; ".join(r.text for r in missing)
                    + ("." if at_resolution else "")
                )
            if at_resolution:
                help_text += " If it resolves, it must also cover: " + "; ".join(
                    r.text for r in at_resolution
                )
            form.fields["covers"].help_text = help_text
    if name == "hand_over_action":  # an action, unlike a side, may pass across agencies
        form.fields[
            "to_user"
        ].help_text = "Someone taking part, their manager, or either agency's safeguarding lead"
    if data is not None:
        with_errors(form, page.get("field_errors", {}))
    na_errors = (
        list(form.errors.pop("not_applicable", [])) if "not_applicable" in form.fields else []
    )
    for i, message in enumerate(na_errors):
        # What must still be recorded comes first (StageCloseForm): its link is to the
        # way to record it; a reason missing, to the boxes.
        href = "#still-to-record" if still and i == 0 else "#na"
        page["extra"][f"not_applicable-{i}"] = (href, message)
    na_error = " ".join(na_errors[1:] if still else na_errors)
    # Every agreed action's mistake, each in its own row's box (RecordForm.clean_actions
    # says which): only the first was shown, and the next came after sending again (found
    # by a try-out). A mistake in no one row (not a list of actions) goes to the first.
    rows_wrong: dict[int, tuple[str, str]] = {}
    if "actions" in form.fields and form.errors.get("actions"):
        for error in form.errors.as_data()["actions"]:
            where = error.params or {"action": 1, "box": "text"}
            message = error.messages[0]
            message = message[:1].upper() + message[1:]
            rows_wrong.setdefault(where["action"], (where["box"], message))
            page["extra"][f"actions-{where['action']}-{where['box']}"] = (
                f"#id_action-{where['action']}-{where['box']}",
                message,
            )
        form.errors.pop("actions")
    for hidden in ("actions", "not_applicable", *([TARGETS[name]] if name in TARGETS else [])):
        if hidden in form.fields and form.errors.get(hidden):
            # Asked for on the page as other inputs, or named by its address: the error
            # goes to the summary, linked to where the page shows it.
            href = "#na" if hidden == "not_applicable" else f"#id_{hidden}"
            page["extra"][hidden] = (
                href,
                f"{hidden.replace('_', ' ').capitalize()}: " + " ".join(form.errors.pop(hidden)),
            )
        form.fields.pop(hidden, None)
    action_forms = []
    if name == "record":
        # The people of the case, as the participants list them (read once for both).
        people = [(str(pk), words) for pk, words in form.fields["participants"].widget.choices]
        action_forms = []
        for n in range(1, ACTION_ROWS + 1):
            box, message = rows_wrong.get(n, ("text", ""))
            action_forms.append(
                ActionRow(
                    request.POST if request.method == "POST" else None,
                    n=n,
                    people=people,
                    error=message,
                    box=box,
                )
            )
    na_form = None
    if uncovered:
        na_form = NotApplicable(page["typed_na"] or None, uncovered=uncovered, error=na_error)
    status = 200
    if request.method == "POST":
        status = 409 if "version" in page["extra"] else 400
    errors = error_summary(form, page["extra"])
    return render(
        request,
        "disagreements/action.html",
        {
            "page_has_errors": bool(errors),
            "d": d,
            "name": name,
            "verb": _verb(name, d),
            "form": form,
            "errors": errors,
            "version": page["version"],
            "sent_from": sends.token(),
            "changes": page["changes"],
            "conflict": "version" in page["extra"],
            "target": target,
            "record_rows": (
                presenters.record_rows(target, d)
                if target is not None and TARGETS.get(name) == "record"
                else None
            ),
            "target_field": TARGETS.get(name, ""),
            "target_value": (source.get(TARGETS[name], "") if name in TARGETS else ""),
            "method": method,
            "buttons": [{"text": verb, "variant": "warning" if name == "withdraw" else ""}],
            "links": [
                *_instead(name, user, d, known, target),
                {"text": "Cancel", "href": reverse("disagreements:detail", args=[d.pk])},
            ],
            "action_forms": action_forms,
            "na_form": na_form,
            "still_to_record": still,
            "next_stage": d.pack.stage(d.stage + 1) if name == "escalate" else None,
            "coming": _coming(d, episode) if name == "escalate" else None,
            "stage_due": presenters.stage_due_in_words(d, episode, london_today())
            if name in ("extend", "shorten") and episode is not None
            else "",
            # What is confirmed or contested, read where it is (only the other side, who
            # took part and reads the outcome, is offered these pages).
            "copying": presenters.copying_in_words(d, access.Sight(access.COPIED_GRADE))
            if name == "add_party"
            else None,
            "approval": presenters.correction_approval_in_words(
                transitions.approvers_of_correction(user, d, target)
            )
            if name == "correct" and isinstance(target, Record)
            else "",
            "resolution": presenters.resolution_rows(d.resolution, d)
            if name in ("confirm_resolution", "contest_resolution")
            else [],
        },
        status=status,
    )
