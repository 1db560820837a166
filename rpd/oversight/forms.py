"""The register's and the figures' filters, asked for as GET forms.

A wrong value is named in the page's error summary and filters by nothing; the rest of
the filters still apply. Choices come from what the partnerships hold, so a value the
reader could not pick (another partnership's agency, an unknown category) is refused.
"""

from __future__ import annotations

import datetime

from django import forms

from rpd.disagreements.models import Disagreement, PathwayVersion, Status
from rpd.frontend import GovukDateField, GovukErrors
from rpd.people.models import Agency, AgencyType, Partnership

from .models import LearningKind, LearningStatus
from .register import FLAGS, SIDES, Chosen


def _choice(label: str, choices, empty: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", empty), *choices], required=False)


class Options:
    """What the filters offer for some partnerships: agencies, stages, categories, versions."""

    def __init__(self, partnerships: list[Partnership]):
        ids = [p.pk for p in partnerships]
        self.partnerships = partnerships
        self.agencies = list(
            Agency.objects.filter(partnerships__in=ids)
            .exclude(type=AgencyType.PARTNERSHIP)
            .distinct()
            .order_by("name")
            .values_list("pk", "name")
        )
        self.versions = list(
            PathwayVersion.objects.filter(
                pk__in=Disagreement.objects.filter(partnership_id__in=ids).values("pathway_id")
            ).order_by("pathway_id", "version")
        )
        packs = [p.pathway_entry().pack for p in partnerships] + [v.pack for v in self.versions]
        categories: dict[str, str] = {}
        for pack in packs:
            for c in pack.categories:
                categories.setdefault(c.id, c.name)
        self.categories = sorted(categories.items(), key=lambda c: c[1])
        self.stages = max((len(pack.stages) for pack in packs), default=1)


class RegisterForm(GovukErrors, forms.Form):
    # Labels that read as the start of a sentence ("The agency is", "Only") name nothing
    # in an error message.
    error_nouns = {"side": "which side the agency is on", "flag": "which cases to show"}

    reference = forms.CharField(label="Reference", max_length=32, required=False)
    status = forms.MultipleChoiceField(
        label="Status",
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    raised_from = GovukDateField(label="Raised from", required=False)
    raised_to = GovukDateField(label="Raised to", required=False)
    closed_from = GovukDateField(label="Closed from", required=False)
    closed_to = GovukDateField(label="Closed to", required=False)
    stage = forms.ChoiceField(label="Highest stage reached", required=False)
    agency = forms.ChoiceField(label="Agency", required=False)
    side = forms.ChoiceField(label="The agency is", choices=list(SIDES.items()), required=False)
    category = forms.ChoiceField(label="Category", required=False)
    pathway = forms.ChoiceField(label="Pathway version", required=False)
    flag = forms.ChoiceField(label="Only", required=False)

    def __init__(self, *args, options: Options, **kwargs):
        super().__init__(*args, **kwargs)
        if len(options.partnerships) > 1:
            self.fields = {
                "partnership": _choice(
                    "Partnership",
                    [(p.slug, p.name) for p in options.partnerships],
                    "Every partnership",
                ),
                **self.fields,
            }
        self.options = options
        self.fields["stage"].choices = [("", "Any stage")] + [
            (str(n), f"Stage {n}") for n in range(1, options.stages + 1)
        ]
        self.fields["agency"].choices = [("", "Any agency"), *options.agencies]
        self.fields["category"].choices = [("", "Any category"), *options.categories]
        self.fields["pathway"].choices = [("", "Any version")] + [
            (str(v.pk), f"{v.pathway_id} version {v.version}") for v in options.versions
        ]
        self.fields["flag"].choices = [("", "Every case"), *FLAGS.items()]

    def clean(self):
        data = super().clean()
        for start, end in (("raised_from", "raised_to"), ("closed_from", "closed_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, f"{self.fields[end].label} must be on or after "
                               f"{self.fields[start].label.lower()}")  # fmt: skip
                # Neither end filters: half of a range in error would show cases the
                # person did not ask for, under a message saying the range is wrong.
                data.pop(start, None)
        return data

    def chosen(self, today: datetime.date) -> Chosen:
        """The valid filters (call after is_valid()); a wrong one filters by nothing."""
        data = getattr(self, "cleaned_data", {})
        slug = data.get("partnership")
        partnerships = tuple(p.pk for p in self.options.partnerships if not slug or p.slug == slug)
        return Chosen(
            partnerships=partnerships,
            statuses=tuple(data.get("status") or ()),
            raised_from=data.get("raised_from"),
            raised_to=data.get("raised_to"),
            closed_from=data.get("closed_from"),
            closed_to=data.get("closed_to"),
            stage=int(data["stage"]) if data.get("stage") else None,
            agency=int(data["agency"]) if data.get("agency") else None,
            side=data.get("side") or "either",
            category=data.get("category") or "",
            pathway=int(data["pathway"]) if data.get("pathway") else None,
            flag=data.get("flag") or "",
            reference=(data.get("reference") or "").strip(),
            today=today,
        )


PERIODS = {"quarter": "A quarter", "year": "A year", "range": "Any dates"}


class PeriodForm(GovukErrors, forms.Form):
    """A quarter, a year or any range of dates; the current quarter when nothing is chosen."""

    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100, required=False)
    quarter = forms.ChoiceField(
        label="Quarter",
        choices=[("", "The whole year"), ("1", "January to March"), ("2", "April to June"),
                 ("3", "July to September"), ("4", "October to December")],
        required=False,
    )  # fmt: skip
    start = GovukDateField(label="Date from", required=False)
    end = GovukDateField(label="Date to", required=False)

    def __init__(self, *args, partnerships: list[Partnership] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.partnerships = list(partnerships)
        if len(self.partnerships) > 1:
            self.fields = {
                "partnership": _choice(
                    "Partnership",
                    [(p.slug, p.name) for p in self.partnerships],
                    "Every partnership",
                ),
                **self.fields,
            }

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and "start" not in self.errors:
            if "end" not in self.errors:
                missing, given = ("end", "start") if end is None else ("start", "end")
                self.add_error(
                    missing,
                    f"Enter {self.fields[missing].label.lower()}, or remove "
                    f"{self.fields[given].label.lower()}",
                )
        elif start and end:
            if start > end:
                self.add_error("end", "Date to must be the same as or after date from")
            elif (end - start).days > 366 * 10:
                self.add_error("end", "A period can be at most ten years long")
        return data

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date, str]:
        """The first and last day of the period chosen, and its name."""
        data = getattr(self, "cleaned_data", {})
        if data.get("start") and data.get("end") and not self.errors:
            start, end = data["start"], data["end"]
            return start, end, f"{start:%-d %B %Y} to {end:%-d %B %Y}"
        year = data.get("year")
        quarter = data.get("quarter")
        if year is None:
            year = today.year
            if not quarter and "quarter" not in self.data:
                quarter = str((today.month - 1) // 3 + 1)
        if quarter:
            return quarter_of(year, int(quarter))
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year)

    def chosen_partnerships(self) -> list[Partnership]:
        slug = getattr(self, "cleaned_data", {}).get("partnership")
        return [p for p in self.partnerships if not slug or p.slug == slug]


def quarter_of(year: int, quarter: int) -> tuple[datetime.date, datetime.date, str]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    end = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    ) - datetime.timedelta(days=1)
    return start, end, f"{start:%B} to {end:%B %Y}"


class LearningForm(GovukErrors, forms.Form):
    """An overseer's learning item, or the tracking of one (`adding=False`: its owner, due
    date, status and notes only)."""

    title = forms.CharField(label="What is to be learned", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=LearningKind.choices)
    cases = forms.CharField(
        label="Cases that led to it",
        help_text="Their references, separated by commas (for example RPD-2026-0001)",
        max_length=2000,
        required=False,
    )
    status = forms.ChoiceField(label="Status", choices=LearningStatus.choices)
    owner = forms.ChoiceField(label="Owner", required=False)
    due = GovukDateField(label="Due by", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, max_length=10_000, required=False)

    def __init__(self, *args, partnership: Partnership, adding: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        if not adding:
            for name in ("title", "kind", "cases"):
                del self.fields[name]
        self.people = {
            str(u.pk): u
            for u in partnership.people()
            .filter(is_active=True)
            .order_by("last_name", "first_name", "pk")
        }
        self.fields["owner"].choices = [("", "No one yet")] + [
            (pk, f"{u.display_name}, {u.job_title}" if u.job_title else u.display_name)
            for pk, u in self.people.items()
        ]

    def clean_owner(self):
        return self.people.get(self.cleaned_data["owner"])

    def clean_cases(self):
        given = [r.strip() for r in self.cleaned_data["cases"].split(",") if r.strip()]
        found = {
            d.reference: d
            for d in Disagreement.objects.filter(partnership=self.partnership, reference__in=given)
        }
        missing = [r for r in given if r not in found]
        if missing:
            raise forms.ValidationError(
                f"No case of this partnership has the reference {missing[0]}"
            )
        return [found[r] for r in dict.fromkeys(given)]
