"""Partnerships, agencies with their management ladders, and the people in them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.db.models.functions import Lower
from django.utils.text import slugify

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
    # An agency may serve several partnerships (a police force, an ICB): ADR 007.
    agencies = models.ManyToManyField(
        "Agency", through="Membership", related_name="partnerships", blank=True
    )

    def __str__(self) -> str:
        return self.name

    def pathway_entry(self) -> registry.Entry:
        """The pathway new disagreements start under: the version an administrator switched
        to (`disagreements.PartnershipPathway`, in the database), else the registry's pack."""
        chosen = (
            self.pathway_versions.filter(in_use_from__isnull=False, in_use_until__isnull=True)
            .select_related("pathway")
            .first()
        )
        if chosen is not None:
            stored = chosen.pathway
            return registry.Entry.stored(stored.pack, stored.text, stored.digest)
        return registry.get(self.pathway_id)

    def working_calendar(self) -> WorkingCalendar:
        days = tuple(sorted(datetime.date.fromisoformat(d) for d in self.closure_days))
        return get_calendar(self.calendar, days)

    def people(self) -> models.QuerySet[User]:
        """Everyone whose agency takes part in the partnership, active or not: found by the
        agencies' ids, so a count reads the index of people by agency and joins nothing."""
        taking_part = Membership.objects.filter(partnership=self).values("agency_id")
        return User.objects.filter(agency_id__in=taking_part)


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


class AgencyManager(models.Manager):
    def create_in(self, partnership: Partnership, *, name: str, type: str, code: str = "", **kw):
        """A new agency serving `partnership`; its code defaults to one from both names."""
        agency = self.create(**self._serving(partnership, name=name, type=type, code=code, **kw))
        Membership.objects.create(partnership=partnership, agency=agency)
        return agency

    def create_all_in(self, partnership: Partnership, agencies: list[dict]) -> list[Agency]:
        """New agencies serving `partnership`, as `create_in` makes each, in two statements
        (a demo partnership's; the database must return the rows' keys)."""
        made = self.bulk_create(Agency(**self._serving(partnership, **a)) for a in agencies)
        Membership.objects.bulk_create(Membership(partnership=partnership, agency=a) for a in made)
        return made

    @staticmethod
    def _serving(partnership: Partnership, *, name: str, code: str = "", **kw) -> dict:
        return {
            "name": name,
            "code": code or slugify(f"{partnership.slug} {name}")[:64],
            "owner": partnership,
            **kw,
        }


class Agency(models.Model):
    """An organisation whose staff take part: installation-wide, since a police force, an
    ICB or an NHS trust serves several partnerships (ADR 007). Which partnerships it
    serves are its memberships; its people, ladder and safeguarding leads are its own,
    governed by its owning partnership's administrators (ADR 007, 2026-12-05)."""

    # How imports and administrators name the agency, stable when its name changes.
    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=AgencyType.choices)
    # The partnership accountable for the agency: its administrators, and no one else's,
    # change the agency's name, ladder, people, their addresses and agency-wide roles, and
    # accept or decline other partnerships' requests to join it. Empty only for an agency
    # that serves no partnership (nobody governs it: the operator's CLI may).
    owner = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_agencies"
    )

    objects = AgencyManager()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """An agency takes part in a partnership: its people may raise and receive that
    partnership's disagreements under that partnership's pathway."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "agency"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency} in {self.partnership}"


class JoinRequest(models.Model):
    """A partnership asks to be served by an agency another partnership governs.

    Until the agency's owning partnership accepts, there is no `Membership`: for cases,
    people and roles the requesting partnership and the agency have nothing to do with
    each other, and the requester sees only the agency's name (ADR 007, 2026-12-05)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="join_requests")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="join_requests"
    )
    requested_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "partnership"],
                condition=models.Q(outcome=""),
                name="join_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership} asks to join {self.agency}"


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
    # Answers subject access requests and reads the access log (UK GDPR Articles 15-18):
    # finds a person's cases without seeing them through the pathway.
    INFORMATION_GOVERNANCE = "information-governance", "Information governance"


# Roles that oversee every disagreement in their partnership.
OVERSIGHT_ROLES = frozenset({Role.PARTNERSHIP_UNIT, Role.BOARD_CHAIR})
# Roles held in one partnership, never across all an agency serves (ADR 007): a police
# force's administrator for Blackpool does not administer Lancashire.
PARTNERSHIP_ROLES = OVERSIGHT_ROLES | {Role.ADMINISTRATOR, Role.INFORMATION_GOVERNANCE}


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
    # Made by `rpd demo` / `rpd serve --demo` (people/demo.py), never by a partnership: the
    # demo sign-in, which asks for no password, signs in only these, in every mode.
    demo_made = models.BooleanField(default=False, editable=False)

    class Meta(AbstractUser.Meta):
        constraints = [
            # The email address is how a person signs in and gets a reset link: one person
            # each, however it is capitalised. (Blank for someone with no address yet.)
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique"
            )
        ]
        indexes = [
            # A picker lists an agency's people by name, thousands in a large one: read in
            # that order down an index, not sorted each time the page is drawn.
            models.Index(
                fields=["agency", "last_name", "first_name", "id"], name="user_agency_by_name"
            ),
            # The administration's list of a partnership's people, those still here first,
            # by name: its first page read down an index, not all of them sorted for it.
            models.Index(
                fields=["-is_active", "last_name", "first_name", "id"], name="user_by_name"
            ),
        ]

    def save(self, *args, **kwargs):
        # allauth looks a typed address up in lower case, exactly: store it that way.
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def partnership_ids(self) -> frozenset[int]:
        """The partnerships this person's agency serves: where they may raise and be
        raised with. (.all() uses what backends.UserBackend prefetched: no query.)"""
        if not self.agency_id:
            return frozenset()
        return frozenset(m.partnership_id for m in self.agency.memberships.all())

    @cached_property
    def _grants(self) -> tuple[tuple[str, int | None], ...]:
        # .all() uses the grants prefetched with the signed-in user (backends.UserBackend),
        # so checking roles costs no query on a page.
        return tuple((grant.role, grant.partnership_id) for grant in self.role_grants.all())

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles this person holds for their agency, wherever it serves."""
        return frozenset(role for role, partnership in self._grants if partnership is None)

    def has_role(self, *roles: str) -> bool:
        """Whether they hold any of these agency roles. A partnership's roles are asked of
        one partnership: `oversees`, `administers`, `roles_in`."""
        if PARTNERSHIP_ROLES.intersection(roles):
            raise ValueError("a partnership's roles are asked of one partnership: roles_in()")
        return bool(self.roles.intersection(roles))

    def roles_in(self, partnership_id: int | None) -> frozenset[str]:
        """Their agency roles, and the partnership roles they hold in this partnership."""
        return frozenset(role for role, p in self._grants if p is None or p == partnership_id)

    def _holding(self, roles: frozenset[str]) -> frozenset[int]:
        return frozenset(p for role, p in self._grants if p is not None and role in roles)

    @cached_property
    def overseen_partnership_ids(self) -> frozenset[int]:
        return self._holding(OVERSIGHT_ROLES)

    @cached_property
    def administered_partnership_ids(self) -> frozenset[int]:
        return self._holding(frozenset({Role.ADMINISTRATOR}))

    @cached_property
    def governed_partnership_ids(self) -> frozenset[int]:
        """Where they hold the information governance role."""
        return self._holding(frozenset({Role.INFORMATION_GOVERNANCE}))

    def oversees(self, partnership_id: int | None) -> bool:
        return partnership_id in self.overseen_partnership_ids

    def administers(self, partnership_id: int | None) -> bool:
        return partnership_id in self.administered_partnership_ids

    def managers(self) -> list[User]:
        """The line-management chain above this person, nearest first, with their rungs:
        two queries however long the chain (`chain_ids`, then the people)."""
        ids = self.chain_ids()
        found = User.objects.select_related("rung").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def chain_ids(self) -> list[int]:
        """The ids of everyone above this person in line management, nearest first, in one
        query however long the chain. A loop in bad data ends where it closes, as
        `walk_managers` ends it: each id once, and never this person's own."""
        with connection.cursor() as cursor:
            cursor.execute(chain_sql(), [self.pk])
            above = dict(cursor.fetchall())
        ids, seen, at = [], {self.pk}, above.get(self.pk)
        while at is not None and at not in seen:
            ids.append(at)
            seen.add(at)
            at = above.get(at)
        return ids

    def walk_managers(self) -> Iterator[User]:
        """The chain as `managers`, read one rung at a time: stop early, query less."""
        seen, person = {self.pk}, self.line_manager
        while person is not None and person.pk not in seen:  # a loop in bad data ends here
            yield person
            seen.add(person.pk)
            person = person.line_manager


def chain_sql() -> str:
    """`User.chain_ids`' query: each person up the chain with their manager, the next
    found by its primary key. (A join to the people table let PostgreSQL hash the whole
    table at each rung, 3 ms for a chain of four among 2,500 people, growing with them.)
    UNION keeps a row once, so a loop in bad data ends."""
    q = connection.ops.quote_name
    table, pk = q(User._meta.db_table), q(User._meta.pk.column)
    manager = q(User._meta.get_field("line_manager").column)
    return (
        f"WITH RECURSIVE chain(id, manager) AS (SELECT {pk}, {manager} FROM {table}"
        f" WHERE {pk} = %s UNION SELECT c.manager, (SELECT u.{manager} FROM {table} u"
        f" WHERE u.{pk} = c.manager) FROM chain c WHERE c.manager IS NOT NULL)"
        " SELECT id, manager FROM chain"
    )


class RoleGrant(models.Model):
    """A role a person holds: for their agency (partnership empty), or, for the roles in
    PARTNERSHIP_ROLES, in one named partnership."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="role_grants"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(partnership__isnull=True),
                name="role_grant_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "partnership"],
                condition=models.Q(partnership__isnull=False),
                name="role_grant_in_partnership_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=sorted(PARTNERSHIP_ROLES), partnership__isnull=False)
                | (
                    ~models.Q(role__in=sorted(PARTNERSHIP_ROLES))
                    & models.Q(partnership__isnull=True)
                ),
                name="role_grant_partnership_where_needed",
            ),
        ]
        indexes = [
            # Who holds a role, from the role: an agency's safeguarding leads, a
            # partnership's unit and chair. Without it the database reads every person of
            # the agency (thousands) to find its two leads.
            models.Index(fields=["role", "partnership", "user"], name="role_grant_holders_idx"),
        ]

    def __str__(self) -> str:
        where = f" in {self.partnership}" if self.partnership_id else ""
        return f"{self.user}: {self.get_role_display()}{where}"


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


class PickerToken(models.Model):
    """One row: a token the database replaces whenever a row a person picker reads changes
    (rpd/people/pickers.py), so what a picker found may be kept until then."""

    ONLY = 1

    token = models.CharField(max_length=64)
    written_by = models.BigIntegerField(null=True)  # PostgreSQL: the transaction, once each

    def __str__(self) -> str:
        return self.token


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


class Invitation(models.Model):
    """A link that brings a registered person in for the first time: it proves their
    address, sets their password (or sends them to their agency's sign-in) and their second
    factor. Only a digest of the token is kept; the link works once, until `expires_at`,
    and only the newest of a person's invitations works (rpd/people/invitations.py)."""

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "-sent_at"], name="invitation_newest")]

    def __str__(self) -> str:
        return f"invitation of {self.person} sent {self.sent_at:%Y-%m-%d}"
