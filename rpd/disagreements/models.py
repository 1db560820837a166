"""The domain: a disagreement moving through its partnership's pathway.

Rows here change only through `transitions`, which checks the actor, the
pathway and the version, and writes the audit event in the same transaction.
Records of discussions are evidence: once approved they are never edited, a
correction is a new version pointing at the old.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rpd.pathways.formats import FORMAT
from rpd.pathways.loader import load_pack_text
from rpd.pathways.schema import Pack
from rpd.people.models import Agency, Partnership


class PathwayVersion(models.Model):
    """The exact pack a disagreement started under, kept so a later edit never changes it."""

    pathway_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    text = models.TextField()
    # The pack format the text was written in, where the text does not say (`format: N`):
    # a later format's loader upgrades it by the migrations of `rpd.pathways.formats`, so
    # a schema change never stops a pinned version, and its open cases, loading.
    format = models.PositiveSmallIntegerField(default=FORMAT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pathway_id", "digest"], name="pathway_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.pathway_id} v{self.version} ({self.digest[:8]})"

    @property
    def pack(self) -> Pack:
        cached = _PACKS.get(self.digest)
        if cached is None:
            cached = _PACKS[self.digest] = load_pack_text(self.text, f"pinned {self}", self.format)
        return cached


_PACKS: dict[str, Pack] = {}


class PartnershipPathway(models.Model):
    """A pack version a partnership holds, and when its new disagreements took it.

    Uploaded by the partnership's administrator (`rpd.disagreements.pathway_versions`),
    or the built-in or installed pack it ran before its first switch (no uploader). The
    text is the `PathwayVersion` row, in the database, so every web process reads the
    same version. The one in use has `in_use_from` set and no `in_use_until`; where none
    is, the partnership's pathway is the registry's pack (`Partnership.pathway_entry`).
    Open disagreements keep the version they pinned when raised, whatever is in use now.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="pathway_versions"
    )
    pathway = models.ForeignKey(PathwayVersion, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(null=True, blank=True)
    in_use_from = models.DateTimeField(null=True, blank=True)
    in_use_until = models.DateTimeField(null=True, blank=True)
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "pathway"], name="partnership_pathway_unique"
            ),
            # At most one version in use per partnership, whichever process switches.
            models.UniqueConstraint(
                fields=["partnership"],
                condition=models.Q(in_use_from__isnull=False, in_use_until__isnull=True),
                name="partnership_pathway_one_in_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership.slug}: {self.pathway}"

    @property
    def in_use(self) -> bool:
        return self.in_use_from is not None and self.in_use_until is None


class SubjectKind(models.TextChoices):
    CHILD = "child", "Child or young person"
    ADULT = "adult", "Adult at risk"


class Subject(models.Model):
    """The child or adult at risk the disagreement is about."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    kind = models.CharField(max_length=8, choices=SubjectKind.choices)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    address = models.TextField(blank=True)
    consent_given = models.BooleanField(null=True, blank=True)  # None: not asked / not known
    family_details = models.TextField(blank=True)

    class Meta:
        indexes = [
            # Subject access: a person's cases found by NHS number, or by date of birth
            # and then name, without reading every subject (dataprotection.subject_access).
            models.Index(
                fields=["nhs_number"],
                condition=~models.Q(nhs_number=""),
                name="subject_nhs_number_idx",
            ),
            models.Index(fields=["date_of_birth"], name="subject_date_of_birth_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def case_references_in_words(self) -> list[str]:
        """Each agency's own number for them ("Police: POL-0001"), in the order added: as
        the case page and the partnership's forms give them."""
        refs = self.case_references.select_related("agency").order_by("pk")
        return [f"{ref.agency.name}: {ref.reference}" for ref in refs]


class SubjectSensitive(models.Model):
    """Special-category data, apart from the rest so it is read only where a form needs it."""

    subject = models.OneToOneField(Subject, on_delete=models.CASCADE, related_name="sensitive")
    ethnicity = models.CharField(max_length=100, blank=True)
    religion = models.CharField(max_length=100, blank=True)
    disability = models.CharField(max_length=200, blank=True)
    health = models.TextField(blank=True)
    gender = models.CharField(max_length=50, blank=True)


class CaseReference(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="case_references")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    reference = models.CharField(max_length=64)


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PAUSED = "paused", "Paused"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


CLOSED = frozenset({Status.RESOLVED, Status.WITHDRAWN})
# Still running, its clock going or stopped: the statuses with deadlines.
LIVE = frozenset({Status.OPEN, Status.PAUSED})
# The same, in the one order the live lists' partial indexes and their queries both spell
# `status IN (...)`: SQLite uses a partial index only when the query's terms match the
# index's WHERE exactly, and a set's order changes from one process to the next.
LIVE_IN = ("open", "paused")


class Challenged(models.TextChoices):
    DECISION = "decision", "A decision"
    ACTION = "action", "An action"
    INACTION = "inaction", "Inaction"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    IMMEDIATE = "immediate", "Risk of immediate or significant harm"


class Disagreement(models.Model):
    reference = models.CharField(max_length=32)
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT)
    pathway = models.ForeignKey(PathwayVersion, on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="disagreements")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raising_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    receiving_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    receiving_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Where the dispute concerns a process with a Lead Professional, IRO or meeting chair
    # (Stoke-on-Trent tells them in writing at stage 1).
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    challenged = models.CharField(max_length=16, choices=Challenged.choices)
    challenged_description = models.TextField()
    challenged_on = models.DateField()
    categories = models.JSONField(default=list)  # ids from the pinned pack
    summary = models.TextField()  # evidence-based: what the difference is about
    outcome_sought = models.TextField()
    risk = models.CharField(max_length=16, choices=Risk.choices)
    urgent = models.BooleanField(default=False)
    # Raised without knowing who in the receiving agency made the decision: the case went to
    # that agency's safeguarding lead, who names the person (transitions "name_receiver").
    receiver_to_name = models.BooleanField(default=False, db_default=False)
    pre_escalation = models.JSONField(default=list)  # ids from the pinned pack
    immediate_rule = models.CharField(max_length=64, blank=True)
    fast_track_reason = models.TextField(blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    stage = models.PositiveSmallIntegerField(default=1)
    # The earliest open deadline (stage, milestone, overall cap or expected resume date),
    # stored and indexed so the deadline sweep is one query, not a loop over every case.
    next_due = models.DateField(null=True, blank=True)
    stage_due = models.DateField(null=True, blank=True)  # the current stage's, for lists
    # Whether next_due is the current stage's review date (the policy sets the stage no
    # limit), so every page and list words it as one: "to be reviewed by", not "due".
    next_due_is_review = models.BooleanField(default=False)
    cap_due = models.DateField(null=True, blank=True)
    # Optimistic lock: every transition bumps it, and refuses a stale one.
    version = models.PositiveIntegerField(default=1)
    raised_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # Working days from raising to closing, the paused ones taken out, counted on the
    # partnership's calendar when it closed (`facts`), so the figures' time to resolution
    # is a column, not a count of days per case at every reading; None while it is open.
    working_days_taken = models.IntegerField(null=True, blank=True)
    # When the pathway first told the partnership about it (a stage notice to one of its
    # roles, a stage it leads, a referral): its oversight roles see the subject and the
    # records from then on, and only its register line before (`access.sight`).
    partnership_told_at = models.DateTimeField(null=True, blank=True)
    # What the lists show of the current stage, kept here by every transition
    # (transitions.refresh_list_columns) so a page of rows is read by id with no join to
    # the episodes and no subquery over the records: who acts on each side, the role
    # leading it, whether a record of it awaits approval (and, when every one waiting was
    # written by the same person, who: they cannot approve their own), and whether one
    # shows the stage unresolved.
    current_raising_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    current_receiving_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    current_led_by_role = models.CharField(max_length=64, blank=True, default="")
    awaiting_approval = models.BooleanField(default=False)
    awaiting_only_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    has_unresolved = models.BooleanField(default=False)
    # Who is asked to do what next, as transitions.next_steps found it when the case last
    # changed: [{"name": transition, "what": in words, "people": [ids], "target": id}], so a
    # list says the same as the case page and the notices without asking the rules per row.
    next_steps = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "reference"], name="disagreement_reference_unique"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_due"], name="disagreement_due_idx"),
            # The sweep's drift check: open disagreements whose last activity falls in a
            # window of days, read as a range on this index rather than a scan.
            models.Index(fields=["status", "updated_at"], name="disagreement_activity_idx"),
            # The web lists show open and paused disagreements soonest due first, then by
            # id: the oversight list walks the partnership's in that order and stops at a
            # page; a safeguarding lead's walks their agency's raised and received ones
            # each in that order, and merges the two (queries._page).
            models.Index(
                fields=["partnership", "next_due", "id"],
                condition=models.Q(status__in=list(LIVE_IN)),
                name="disagreement_live_due_idx",
            ),
            models.Index(
                fields=["raising_agency", "next_due", "id"],
                condition=models.Q(status__in=list(LIVE_IN)),
                name="disagreement_live_raise_idx",
            ),
            models.Index(
                fields=["receiving_agency", "next_due", "id"],
                condition=models.Q(status__in=list(LIVE_IN)),
                name="disagreement_live_recv_idx",
            ),
            # The oversight figures: a partnership's cases raised, and closed, in a period,
            # each read as a range (without them SQLite read every partnership's resolved
            # cases down the status index for a region's time to resolution).
            models.Index(fields=["partnership", "raised_at"], name="disagreement_raised_idx"),
            models.Index(fields=["partnership", "closed_at"], name="disagreement_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def pack(self) -> Pack:
        return self.pathway.pack

    @property
    def audit_target(self) -> str:
        # References restart per partnership (each may use the prefix RPD), so the
        # partnership's slug keeps one case's history apart from another's.
        return f"disagreement:{self.partnership.slug}/{self.reference}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    def current_episode(self) -> StageEpisode:
        return self.episodes.get(number=self.stage, ended_at__isnull=True)


class ReferenceCounter(models.Model):
    """Per partnership and year: RPD-2026-0042 is the 42nd disagreement of 2026."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "year"], name="reference_counter_unique")
        ]


class Side(models.TextChoices):
    RAISING = "raising", "Raising"
    RECEIVING = "receiving", "Receiving"


class EpisodeOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ESCALATED = "escalated", "Escalated"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StageEpisode(models.Model):
    """One stage of one disagreement: who acts on each side, and when it is due."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="episodes"
    )
    # Its case's partnership, kept here as well (a case never changes partnership), so the
    # oversight figures read a partnership's stages in a period as one index range, not
    # through each of its cases.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    raising_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    receiving_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    led_by_role = models.CharField(max_length=64, blank=True)  # the pack's role id, if any
    started_on = models.DateField()
    started_at = models.DateTimeField()
    due = models.DateField()
    # limit / review / immediately / case (a shorter deadline the case set: CaseDeadline)
    due_basis = models.CharField(max_length=16)
    # The calendar the due dates were counted on, so a later change to holiday data
    # can never silently move a running or past deadline: dates move only by pause,
    # resume and extension.
    calendar = models.CharField(max_length=32)
    holidays_version = models.CharField(max_length=16)
    outcome = models.CharField(max_length=16, choices=EpisodeOutcome.choices, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Working days from its start to its end, the paused ones taken out, counted on the
    # partnership's calendar when it ended (`facts`); None while it runs.
    working_days_taken = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["disagreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["disagreement", "number"], name="episode_unique")
        ]
        indexes = [
            # The figures: a partnership's stages that ended in a period (time in stage, read
            # from the index alone), and those entered above stage 1 (fast-tracks, the
            # number read in the index).
            models.Index(
                fields=["partnership", "ended_at", "number", "working_days_taken"],
                name="episode_ended_idx",
            ),
            models.Index(
                fields=["partnership", "started_at", "number"], name="episode_started_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.disagreement} stage {self.number}"

    @property
    def due_is_review(self) -> bool:
        """Whether the stage's date is a review date (no limit in the policy), not a
        deadline."""
        return self.due_basis == "review"

    def actor(self, side: str):
        return self.raising_actor if side == Side.RAISING else self.receiving_actor


class Milestone(models.Model):
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="milestones")
    # Its case's partnership, kept here as well (a case never changes partnership), so the
    # oversight figures read a partnership's milestones in a period as one index range, not
    # through each of its cases.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    key = models.CharField(max_length=64)  # the pack's milestone id
    name = models.CharField(max_length=300)
    # Unknown (NULL) while the milestone it counts from (`after`) is not yet met: "within 2
    # working days of the initial discussion" has no date until the discussion is held.
    due = models.DateField(null=True, blank=True)
    after = models.CharField(max_length=64, blank=True)  # that milestone's key, if any
    # "Immediately": due the same day whatever the calendar, reminded out of hours too.
    immediate = models.BooleanField(default=False)
    met_at = models.DateTimeField(null=True, blank=True)
    # The day it was met in Europe/London, beside its due date (`facts`): on time or late
    # is then a comparison of two columns, not a time-zone conversion per row.
    met_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "due", "id"]
        indexes = [models.Index(fields=["partnership", "due"], name="milestone_due_idx")]


class Participant(models.Model):
    """Everyone who has taken part, kept as rows so need-to-know is one indexed query."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=16, choices=Side.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["disagreement", "user"], name="participant_unique")
        ]
        indexes = [models.Index(fields=["user", "disagreement"], name="participant_user_idx")]


class Viewer(models.Model):
    """Who may see the whole of a disagreement by taking part or managing someone who does.

    Only participants who are in one of the two agencies involved, and their managers
    in the same agency. Kept as rows, written with each participant and rebuilt when
    anyone's line manager, agency or active flag changes (`access.rebuild_viewers`), so
    a person's list is one indexed query instead of a walk down their management chain
    on every page.
    """

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "disagreement"], name="viewer_unique")
        ]


class OpenStretch(models.Model):
    """Days on each of which a disagreement was open and not paused, with the same last
    transition before that morning and the same stage due date: drift over time counts
    these (`oversight.figures`), as the deadline sweep would have found the case on each.

    Derived from the evidence rows and the audit log by `facts.stretches`, written again by
    every transition (`facts.after_transition`); never evidence itself.
    """

    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="+")
    # The disagreement's, here too, so a partnership's stretches are one index range.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    first_day = models.DateField()
    last_day = models.DateField(null=True, blank=True)  # None: open and not paused still
    last_active = models.DateField(null=True, blank=True)  # the day of the transition before
    due = models.DateField(null=True, blank=True)  # the running stage's, as the figures read it

    class Meta:
        indexes = [
            # Drift over a period reads a partnership's stretches that end in it or after,
            # or not yet, and nothing else: every column it counts is in the index.
            models.Index(
                fields=["partnership", "last_day", "first_day", "last_active", "due"],
                name="open_stretch_days_idx",
            ),
        ]


class RecordKind(models.TextChoices):
    CONVERSATION = "conversation", "Conversation"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone call"


class RecordOutcome(models.TextChoices):
    ONGOING = "ongoing", "Still being discussed"
    RESOLVED = "resolved", "Resolved"
    UNRESOLVED = "unresolved", "Unresolved: needs escalating"


class Record(models.Model):
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="records")
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    occurred_at = models.DateTimeField()
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    other_participants = models.TextField(blank=True)
    summary = models.TextField()
    outcome = models.CharField(max_length=16, choices=RecordOutcome.choices)
    covers = models.JSONField(default=list)  # ids of the stage's must-record items
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    # A correction made after the disagreement closed: its evidence is frozen, so the
    # correction stands beside the record it amends rather than superseding it.
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )

    class Meta:
        ordering = ["occurred_at", "id"]

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Account(models.Model):
    """The other side's own account of a discussion another wrote up, beside that record:
    where it disagrees with it, said in its own words, never by editing the other's
    (Cambridgeshire §11: "a clear record should be kept at all stages, by all parties")."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="accounts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField()


class AgreedAction(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The sweep's reminders to owners: actions not yet done, by due date. Agreed
            # actions are not part of Disagreement.next_due, so they have their own index.
            models.Index(
                fields=["due"],
                condition=models.Q(done_at__isnull=True),
                name="agreed_action_open_due_idx",
            )
        ]


class Pause(models.Model):
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, related_name="pauses")
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="pauses")
    # Its case's partnership, kept here as well (a case never changes partnership), so the
    # oversight figures read a partnership's pauses in a period as one index range, not
    # through each of its cases.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.TextField()
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    paused_on = models.DateField()
    expected_resume = models.DateField()
    resumed_on = models.DateField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    working_days_paused = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["partnership", "paused_on"], name="pause_on_idx")]


class Extension(models.Model):
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="extensions")
    # Its case's partnership, kept here as well (a case never changes partnership), so the
    # oversight figures read a partnership's extensions in a period as one index range, not
    # through each of its cases.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    # The stage's review date before and after (the same where the extension left it).
    old_due = models.DateField()
    new_due = models.DateField()
    # Every deadline it moved: [{"deadline": "stage" | "milestone:<id>", "name", "old", "new"}].
    moves = models.JSONField(default=list)
    agreed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["partnership", "agreed_at"], name="extension_agreed_idx")]


class RiskChange(models.Model):
    """Risk recorded during a case, and any position of non-involvement reported with it
    (Blackpool §5): what was reported, by whom, never inferred from the risk at raise."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="risk_changes"
    )
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="+")
    old_risk = models.CharField(max_length=16, choices=Risk.choices)
    new_risk = models.CharField(max_length=16, choices=Risk.choices)
    non_involvement = models.BooleanField(default=False)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class CaseDeadline(models.Model):
    """A shorter deadline the case set for a stage, where the pack lets it (never longer)."""

    episode = models.ForeignKey(
        StageEpisode, on_delete=models.CASCADE, related_name="case_deadlines"
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    old_due = models.DateField()
    new_due = models.DateField()
    set_at = models.DateTimeField()


class Handover(models.Model):
    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="handovers")
    side = models.CharField(max_length=16, choices=Side.choices)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class Referral(models.Model):
    """At the last stage: where the pack sends it on (panel, chair, executive, advisor)."""

    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="referrals")
    referred_to = models.CharField(max_length=300)
    recommendation = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class PanelSitting(models.Model):
    """A sitting of the panel the stage's pathway names (Hillingdon's Resolution Panel): who
    sat, which agencies they represented, and whether it reviewed the chronology."""

    episode = models.ForeignKey(StageEpisode, on_delete=models.CASCADE, related_name="panels")
    name = models.CharField(max_length=300)  # the pack's name for the panel
    held_on = models.DateField()
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    agencies = models.JSONField(default=list)  # the agencies' names as they sat
    chronology_reviewed = models.BooleanField(default=False)
    outcome = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class Resolution(models.Model):
    disagreement = models.OneToOneField(
        Disagreement, on_delete=models.CASCADE, related_name="resolution"
    )
    agreed_outcome = models.TextField()
    next_steps = models.TextField()
    written_confirmation = models.TextField()  # the confirmation sent to all parties
    feedback_to_raiser = models.TextField()
    learning_multi_agency_audit = models.BooleanField(default=False)
    learning_case_review = models.BooleanField(default=False)
    learning_procedure_amendment = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField()
    # The other side's confirmation in writing (Cambridgeshire §11, Stoke-on-Trent §7:
    # "written confirmation between the parties"): one side never resolves alone.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)


class ContestOutcome(models.TextChoices):
    """What followed a contested resolution, as the pathway says (`Pack.contest_at`)."""

    ESCALATED = "escalated", "Escalated to the next stage"
    REOPENED = "reopened", "The stage reopened"
    # Where the stage's leader decides: the stage is reopened until they do.
    AWAITING_LEADER = "awaiting-leader", "Awaiting the decision of the stage's leader"
    UPHELD = "upheld", "Upheld by the stage's leader: the case closed as resolved"


class ContestedResolution(models.Model):
    """A resolution the other side contested, as it stood, with their reason: the case went
    on (to the next stage, or the stage reopened) and may be resolved again; or, where the
    pathway gives the stage's leader the power, it waits for them to uphold it or not."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="contested_resolutions"
    )
    stage = models.PositiveSmallIntegerField()
    agreed_outcome = models.TextField()
    next_steps = models.TextField()
    written_confirmation = models.TextField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField()
    contested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contested_at = models.DateTimeField()
    reason = models.TextField()
    # Kept whole, so that a leader upholding it restores the resolution as it was resolved.
    feedback_to_raiser = models.TextField(blank=True, default="")
    learning_multi_agency_audit = models.BooleanField(default=False)
    learning_case_review = models.BooleanField(default=False)
    learning_procedure_amendment = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=16, choices=ContestOutcome.choices, default=ContestOutcome.ESCALATED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")


class FormSubmission(models.Model):
    """One submitted version of a partnership's form (the pack's `forms`), as it was sent.

    Every value as submitted, whether the record held it or a person typed it, so a later
    change to the record never changes what the partnership was sent. Special-category
    values are never here: they are in `FormSubmissionSensitive`, read only on the
    form's own page by someone who sees the whole case.
    """

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="form_submissions"
    )
    form_id = models.CharField(max_length=64)  # the pinned pack's form id
    stage = models.PositiveSmallIntegerField()  # the stage it was submitted at
    version = models.PositiveIntegerField()
    values = models.JSONField(default=dict)  # {field id: text}, non-special only
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["disagreement", "form_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["disagreement", "form_id", "version"], name="form_submission_unique"
            )
        ]


class FormSubmissionSensitive(models.Model):
    """A submission's special-category values, apart like `SubjectSensitive`."""

    submission = models.OneToOneField(
        FormSubmission, on_delete=models.CASCADE, related_name="sensitive"
    )
    values = models.JSONField(default=dict)


class CopiedAgency(models.Model):
    """Another agency involved in the matter, copied in where the pathway says so.

    Not a side of the disagreement: Hillingdon's written response goes "to the referrer,
    with copies provided to other involved agencies" (§4 Stage Four). The copy goes to
    the named person, or without one to the agency's safeguarding leads.
    """

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="copied_agencies"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["disagreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["disagreement", "agency"], name="copied_agency_unique")
        ]
