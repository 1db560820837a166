"""What each administration operation takes, validated field by field.

The operations validate every input through these forms (as the transitions do through
rpd/disagreements/forms.py), so a bad value comes back naming its field whether it came
from a page or a script; the pages render the same forms. Labels are written for people.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from rpd.disagreements.access import manages
from rpd.disagreements.fields import Offering, OneRow, Person, Text, plain_text
from rpd.frontend import GovukDateField, GovukErrors
from rpd.pathways.calendar import CALENDARS
from rpd.people.models import (
    PARTNERSHIP_ROLES,
    Agency,
    AgencyType,
    JoinRequest,
    Partnership,
    Role,
    Rung,
    User,
)

from .access import agencies_of, governed_agencies, stand_in_candidates

# Closure days a partnership sets: from the records' era to a few years ahead.
EARLIEST_CLOSURE = datetime.date(2000, 1, 1)
CLOSURE_YEARS_AHEAD = 5
MAX_CLOSURE_DAYS = 200
PHONE = re.compile(r"[0-9+() -]{0,40}")
PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,7}")


class PartnershipForm(GovukErrors, forms.Form):
    """Any one or more of a partnership's details (see `only`)."""

    def __init__(self, data=None, *, partnership: Partnership, only=None, **kwargs):
        """`only`: the fields kept (None: all of them), as a question page asks one thing.
        The others are never copied from the class (Django copies every field of a form
        it makes, and a place or a phone number is checked on pages that draw none)."""
        if only is not None:
            self.base_fields = {n: f for n, f in self.base_fields.items() if n in only}
        super().__init__(data, **kwargs)
        self.partnership = partnership


def _prefix(value: str) -> None:
    if not PREFIX.fullmatch(value.strip().upper()):
        raise ValidationError(
            "Reference prefix must be 1 to 8 letters or numbers, starting with a letter"
        )


class PartnershipDetailsForm(PartnershipForm):
    name = Text(label="Partnership name")
    calendar = forms.ChoiceField(
        label="Working-day calendar",
        choices=sorted(CALENDARS.items()),
        help_text="Which public holidays are not working days",
    )
    reference_prefix = Text(
        label="Reference prefix",
        max_length=8,
        validators=[_prefix],
        help_text="Starts every disagreement's reference, for example RPD-2026-0042",
    )

    def clean_reference_prefix(self):
        return self.cleaned_data["reference_prefix"].strip().upper()


class ClosureDayForm(PartnershipForm):
    day = GovukDateField(label="Closure day", help_text="For example, 24 12 2026")

    def clean_day(self):
        day = self.cleaned_data["day"]
        latest = datetime.date.today().replace(month=12, day=31)
        latest = latest.replace(year=latest.year + CLOSURE_YEARS_AHEAD)
        if not EARLIEST_CLOSURE <= day <= latest:
            raise ValidationError(
                f"Closure day must be between {EARLIEST_CLOSURE:%-d %B %Y} and {latest:%-d %B %Y}"
            )
        if day.isoformat() in self.partnership.closure_days:
            raise ValidationError(f"{day:%-d %B %Y} is already a closure day")
        if len(self.partnership.closure_days) >= MAX_CLOSURE_DAYS:
            raise ValidationError(f"A partnership has at most {MAX_CLOSURE_DAYS} closure days")
        return day


class AgencyForm(PartnershipForm):
    name = Text(label="Agency name", help_text="As its staff would recognise it")
    type = forms.ChoiceField(label="Type of agency", choices=AgencyType.choices)
    code = forms.SlugField(
        label="Code", max_length=64, required=False,
        help_text="How imports name it, for example lancashire-constabulary. Leave blank "
        "to make one from the partnership's and the agency's names",
    )  # fmt: skip

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if code and Agency.objects.filter(code=code).exists():
            raise ValidationError(f"An agency already has the code {code}")
        return code

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = agencies_of(self.partnership).filter(name__iexact=name)
        if self.initial.get("pk"):
            others = others.exclude(pk=self.initial["pk"])
        if others.exists():
            raise ValidationError(f"{self.partnership.name} already has an agency called {name}")
        return name


class JoinAgencyForm(PartnershipForm):
    code = forms.SlugField(
        label="What is the agency's code?", max_length=64,
        help_text="An agency another partnership governs, for example "
        "lancashire-constabulary: its administrators are asked to accept, and until "
        "they do you see only its name",
    )  # fmt: skip

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise ValidationError(f"No agency has the code {code}")
        if agency.memberships.filter(partnership=self.partnership).exists():
            raise ValidationError(f"{agency.name} already serves {self.partnership.name}")
        if agency.owner_id is None:
            raise ValidationError(f"{agency.name} serves no partnership: nobody can accept")
        if agency.join_requests.filter(partnership=self.partnership, outcome="").exists():
            raise ValidationError(
                f"You have asked to join {agency.name} already: its partnership has not answered"
            )
        return agency


def _pathway_rungs(partnership: Partnership) -> list[tuple[str, str]]:
    return [(r.id, r.name) for r in partnership.pathway_entry().pack.rungs]


class RungForm(PartnershipForm):
    title = Text(label="Title in this agency", help_text="For example, Detective Sergeant")
    pathway_rung = forms.ChoiceField(
        label="Which rung of the pathway is it?",
        help_text="The pathway says which rung acts at each stage",
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        if "pathway_rung" in self.fields:
            self.fields["pathway_rung"].choices = _pathway_rungs(self.partnership)


class AgencyChoice(OneRow):
    def label_from_instance(self, obj):
        return obj.name


class AgencyQuestionForm(GovukErrors, forms.Form):
    """Which agency, asked first where a form lists people (`views.common.agency_first`)."""

    error_nouns = {"agency": "their agency"}
    agency = AgencyChoice(queryset=None)

    def __init__(self, data, *, agencies, label: str, hint: str = "", initial=None):
        super().__init__(data, initial=initial)
        self.fields["agency"].queryset = agencies.order_by("name")
        self.fields["agency"].label = label
        self.fields["agency"].help_text = hint


class RungChoice(Offering, OneRow):
    def label_from_instance(self, obj):
        return f"{obj.agency.name}: {obj.position}. {obj.title}"


def _phone(value: str) -> None:
    if not PHONE.fullmatch(value):
        raise ValidationError("Phone number must be numbers, spaces, brackets, + and - only")


class PersonForm(PartnershipForm):
    """A person's details; who they are in the partnership (agency, rung, line manager)
    is changed by moving them (operations.move_person), not by editing."""

    first_name = Text(label="First name", max_length=150)
    last_name = Text(label="Last name", max_length=150)
    email = forms.EmailField(
        label="Email address", max_length=254, validators=[plain_text],
        help_text="They sign in with it and their notices go to it",
    )  # fmt: skip
    job_title = Text(label="Job title", required=False)
    team = Text(label="Team", required=False)
    phone = Text(label="Phone number", max_length=40, required=False, validators=[_phone])
    agency = AgencyChoice(label="Agency", queryset=None)
    rung = RungChoice(
        label="Rung of their agency's ladder", queryset=None, required=False,
        help_text="Leave blank for someone who acts on no stage (an administrator)",
    )  # fmt: skip
    line_manager = Person(label="Line manager", queryset=None, required=False)

    def __init__(self, data=None, *, person: User | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.person = person
        p = self.partnership
        # Only into an agency this partnership governs (ADR 007, 2026-12-05).
        if "agency" in self.fields:
            self.fields["agency"].queryset = governed_agencies(p)
        if "rung" in self.fields:
            self.fields["rung"].queryset = Rung.objects.filter(
                agency__in=governed_agencies(p)
            ).select_related("agency")
        if "line_manager" in self.fields:
            managers = p.people().filter(is_active=True).order_by("last_name", "first_name")
            if person is not None:
                managers = managers.exclude(pk=person.pk)
            self.fields["line_manager"].queryset = managers
        self.choose((data or {}).get("agency") or self.initial.get("agency"))

    def choose(self, agency) -> None:
        """Offer the rungs and line managers of the chosen agency alone: a partnership's
        thousands are no list to choose a manager from. Anyone the fields accept is still
        accepted if sent (a manager in another agency, say)."""
        chosen = _pk(agency)
        if chosen is None:
            return
        if "rung" in self.fields:
            rungs = self.fields["rung"].queryset.filter(agency_id=chosen)
            self.fields["rung"].offer(rungs.order_by("position"))
        if "line_manager" in self.fields:
            self.fields["line_manager"].offer(
                self.fields["line_manager"].queryset.filter(agency_id=chosen)
            )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        others = User.objects.filter(email__iexact=email)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        if others.exists():
            raise ValidationError(f"Someone is already registered with {email}")
        return email

    def clean(self):
        data = super().clean()
        agency, rung = data.get("agency"), data.get("rung")
        if agency is not None and rung is not None and rung.agency_id != agency.pk:
            self.add_error("rung", f"Choose a rung of {agency.name}'s ladder")
        manager = data.get("line_manager")
        if (
            manager is not None
            and self.person is not None
            and (manager.pk == self.person.pk or manages(self.person, manager))
        ):
            self.add_error("line_manager", "A line manager cannot be someone they manage")
        return data


PERSON_DETAILS = ("first_name", "last_name", "email", "job_title", "team", "phone")
PLACE = ("agency", "rung", "line_manager")


class RolesForm(GovukErrors, forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Select every role they hold",
    )  # fmt: skip

    def __init__(self, data=None, *, agency_roles: bool = True, **kwargs):
        """`agency_roles` False: only this partnership's own roles are offered, for a
        person of an agency another partnership governs (ADR 007, 2026-12-05)."""
        super().__init__(data, **kwargs)
        if not agency_roles:
            field = self.fields["roles"]
            field.choices = [(v, label) for v, label in Role.choices if v in PARTNERSHIP_ROLES]
            field.help_text = (
                "Only this partnership's roles: their agency's own partnership sets the rest"
            )


class JoinDecisionForm(GovukErrors, forms.Form):
    decision = forms.ChoiceField(
        label="Do you accept the request?",
        choices=[
            (JoinRequest.Outcome.ACCEPTED, "Accept: the agency serves that partnership too"),
            (JoinRequest.Outcome.DECLINED, "Decline"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you accept the request"},
    )


class RoleHolderForm(PartnershipForm):
    user = Person(label="Person", queryset=None, required=False)
    mailbox = forms.EmailField(
        label="Shared mailbox", max_length=254, required=False, validators=[plain_text],
        help_text="Notices to the role go here if you give one",
    )  # fmt: skip
    name = Text(label="How the mailbox is addressed", required=False)
    agency = AgencyChoice(
        label="For one agency only", queryset=None, required=False,
        help_text="Only for a role each agency fills (its designated professional)",
    )  # fmt: skip

    def __init__(self, data=None, *, listed: int | None = None, **kwargs):
        """`listed`: the agency whose people the page lists (anyone active in the
        partnership is accepted)."""
        super().__init__(data, **kwargs)
        if "agency" in self.fields:
            self.fields["agency"].queryset = agencies_of(self.partnership)
        if "user" in self.fields:
            people = self.partnership.people().filter(is_active=True)
            self.fields["user"].queryset = people.order_by("last_name")
            if listed is not None:
                self.fields["user"].offer(
                    people.filter(agency_id=listed).order_by("last_name", "first_name", "pk")
                )

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("user") is None and not data.get("mailbox"):
            self.add_error("user", "Choose a person or give a shared mailbox")
        return data


class StandInForm(PartnershipForm):
    """The agency and the rung first (`place_only`: the page's first question), then who
    acts for it, chosen from `stand_in_candidates` for that agency and rung alone."""

    agency = AgencyChoice(label="Agency with no one on the rung", queryset=None)
    pathway_rung = forms.ChoiceField(label="Rung of the pathway")
    person = Person(
        label="Who acts for it", queryset=None,
        help_text="Someone in another agency who stands on that rung of their own",
    )  # fmt: skip

    def __init__(self, data=None, *, place_only: bool = False, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agency"].queryset = governed_agencies(self.partnership)
        self.fields["pathway_rung"].choices = _pathway_rungs(self.partnership)
        if place_only:
            del self.fields["person"]
            return
        chosen = data if data is not None else (self.initial or {})
        candidates = stand_in_candidates(
            self.partnership, _pk(chosen.get("agency")), chosen.get("pathway_rung")
        )
        self.fields["person"].queryset = candidates
        self.fields["person"].offer(candidates)  # with their team and agency


def _pk(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None
