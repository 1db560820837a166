"""Partnerships, agencies with their management ladders, and the people in them."""

from __future__ import annotations

import datetime
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from rpd.pathways import registry
from rpd.pathways.calendar import WorkingCalendar, get_calendar


class Partnership(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    # The pathway new disagreements start under; each disagreement pins its own version.
    pathway_id = models.CharField(max_length=64)
    calendar = models.CharField(max_length=32, default="england-and-wales")
    closure_days = models.JSONField(default=list, blank=True)  # ISO dates
    reference_prefix = models.CharField(max_length=8, default="RPD")

    def __str__(self) -> str:
        return self.name

    def pathway_entry(self) -> registry.Entry:
        return registry.get(self.pathway_id)

    def working_calendar(self) -> WorkingCalendar:
        days = tuple(sorted(datetime.date.fromisoformat(d) for d in self.closure_days))
        return get_calendar(self.calendar, days)


class AgencyType(models.TextChoices):
    CHILDRENS_SOCIAL_CARE = "childrens-social-care", "Children's social care"
    ADULT_SOCIAL_CARE = "adult-social-care", "Adult social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    VOLUNTARY = "voluntary", "Voluntary sector"
    PARTNERSHIP = "partnership", "Safeguarding partnership"
    OTHER = "other", "Other"


class Agency(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=AgencyType.choices)

    class Meta:
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="agency_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Rung(models.Model):
    """One rung of an agency's own management ladder, mapped to the pathway's generic rung.

    A police DS and a school's designated safeguarding lead are different
    titles on the same generic rung (`line-manager`): the pathway says which
    generic rung acts at each stage, the ladder says who that is here. An
    agency with no line manager names its professional body, funder,
    commissioner or trustees as the rung above the practitioner.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="rungs")
    position = models.PositiveSmallIntegerField()  # 1 = the practitioner
    title = models.CharField(max_length=200)
    pathway_rung = models.CharField(max_length=64)

    class Meta:
        ordering = ["agency", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "position"], name="rung_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.agency})"


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGER = "manager", "Manager"
    SAFEGUARDING_LEAD = "safeguarding-lead", "Safeguarding lead"
    SENIOR_MANAGER = "senior-manager", "Senior manager"
    PARTNERSHIP_UNIT = "partnership-unit", "Partnership business unit"
    BOARD_CHAIR = "board-chair", "Board or independent chair"
    ADMINISTRATOR = "administrator", "Partnership administrator"


# Roles that oversee every disagreement in their partnership.
OVERSIGHT_ROLES = frozenset({Role.PARTNERSHIP_UNIT, Role.BOARD_CHAIR})


class User(AbstractUser):
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    rung = models.ForeignKey(Rung, null=True, blank=True, on_delete=models.PROTECT)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    job_title = models.CharField(max_length=200, blank=True)
    # Contact details beyond the email address, for the partnerships' forms (Hillingdon's
    # "Contact details", Stoke-on-Trent's "Agency/Team").
    team = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            # The email address is how a person signs in and gets a reset link: one person
            # each, however it is capitalised. (Blank for someone with no address yet.)
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique"
            )
        ]

    def save(self, *args, **kwargs):
        # allauth looks a typed address up in lower case, exactly: store it that way.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def partnership_id(self) -> int | None:
        return self.agency.partnership_id if self.agency_id else None

    @cached_property
    def roles(self) -> frozenset[str]:
        # .all() uses the grants prefetched with the signed-in user (backends.UserBackend),
        # so checking roles costs no query on a page.
        return frozenset(grant.role for grant in self.role_grants.all())

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def managers(self) -> list[User]:
        """The line-management chain above this person, nearest first."""
        chain, seen, person = [], {self.pk}, self.line_manager
        while person is not None and person.pk not in seen:  # a loop in bad data ends here
            chain.append(person)
            seen.add(person.pk)
            person = person.line_manager
        return chain


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="role_grant_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class RoleHolder(models.Model):
    """Who stands behind one of the pathway's roles in one partnership.

    A pack names roles ("Independent Chair of the LSCB", "Executive Leadership Group");
    each partnership says who they are here: a named person, a shared mailbox, or both.
    Kept per partnership, since one agency may serve several. For a role of kind `agency`
    a holder may belong to one agency (that agency's designated professional); without
    any, an agency's safeguarding leads stand behind it. Changed only through
    `rpd.people.roles`, which audits every change.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="role_holders"
    )
    role_id = models.CharField(max_length=64)  # the pack's role id
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="role_holdings"
    )
    mailbox = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)  # how a mailbox is addressed
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="role_holders"
    )

    class Meta:
        ordering = ["partnership", "role_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(mailbox=""),
                name="role_holder_someone",
            )
        ]

    def __str__(self) -> str:
        who = self.user.display_name if self.user_id else (self.name or self.mailbox)
        return f"{self.role_id}: {who}"

    @property
    def address(self) -> str:
        """Where a notice to this holder goes: the mailbox if one is set, else the person."""
        return self.mailbox or (self.user.email if self.user_id else "")


class StandIn(models.Model):
    """Who the partnership names to act for an agency on a rung it has no one on.

    A GP practice has no senior manager: the ICB's designated professional acts for it
    (Stoke-on-Trent §5 Stage 2: "For agencies where there is no line manager ...
    professional bodies, funders, commissioners or trustees should be contacted"; Stage 4:
    "within health the Designated Nurse"). The person is usually in another agency.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="stand_ins")
    pathway_rung = models.CharField(max_length=64)  # the pack's generic rung id
    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="stands_in_for")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "pathway_rung"], name="stand_in_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.agency} ({self.pathway_rung})"


class SignInProvider(models.Model):
    """An agency's own identity provider (OpenID Connect: its Microsoft Entra ID tenant).

    The provider's settings are allauth's `SocialApp` (server URL, client id, the name of
    the environment variable holding the secret, the email domains it vouches for); this
    row says whose it is. A provider signs in only the agency's registered people
    (rpd/people/sso.py). Changed only through `rpd.people.sso`, which audits every change.
    """

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="sign_in_provider")
    app = models.OneToOneField(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="rpd_provider"
    )

    def __str__(self) -> str:
        return f"{self.agency}: {self.app.settings.get('server_url', '')}"
