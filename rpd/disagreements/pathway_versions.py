"""A partnership's pathway versions: upload a new one, and switch new disagreements to it.

The administrator's pages call these two operations and nothing else changes a
partnership's pathway. Each checks, writes and appends its audit event in one
transaction, and refuses with `PathwayVersionError` naming the field at fault (and, for
a pack that does not validate, the loader's problems, each with its line and field).

Uploaded packs live in the database (`PathwayVersion`, the table disagreements pin
their version in, and `PartnershipPathway`), not in a directory: every web process and
worker reads the same versions, and the audit log vouches for their text.

Switching changes only what new disagreements start under. Each disagreement pinned
its exact pack text when it was raised, so an open one keeps its stages, deadlines and
notices whatever is in use afterwards.

A version means one text: an upload with the id and version of an existing pack (an
upload of any partnership, a pinned version, a built-in or installed pack) but another
text is refused, and asked for a new version number.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from rpd.audit import log as audit
from rpd.audit import rows
from rpd.pathways import registry
from rpd.pathways.loader import MAX_BYTES as MAX_BYTES  # the page's hint names it
from rpd.pathways.loader import PackInvalid, Problem, decode, digest, load_pack_text
from rpd.pathways.schema import Pack
from rpd.people.models import Partnership, User

from .models import CLOSED, Disagreement, PartnershipPathway, PathwayVersion


class PathwayVersionError(ValueError):
    """A change refused, with the field at fault and, for an invalid pack, its problems."""

    def __init__(self, field: str, message: str, problems: list[str] | None = None):
        self.field = field
        self.message = message
        self.problems = problems or []
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class InUse:
    """The version a partnership's new disagreements start under."""

    pack: Pack
    text: str
    digest: str
    row: PartnershipPathway | None  # None: the registry's pack, not switched from yet
    built_in: bool

    @property
    def label(self) -> str:
        return f"{self.pack.id} v{self.pack.version}"


def in_use(partnership: Partnership) -> InUse:
    entry = partnership.pathway_entry()
    if entry.text is not None:
        row = (
            PartnershipPathway.objects.filter(
                partnership=partnership, in_use_from__isnull=False, in_use_until__isnull=True
            )
            .select_related("pathway", "uploaded_by", "switched_by")
            .get()
        )
        return InUse(entry.pack, entry.text, entry.digest, row, False)
    text = entry.path.read_text("utf-8")
    return InUse(entry.pack, text, digest(text), None, entry.built_in)


@dataclass(frozen=True)
class Version:
    """One version a partnership holds or has used, for the list of versions."""

    pathway: PathwayVersion
    row: PartnershipPathway | None
    open: int  # its disagreements still running under it
    total: int


def versions(partnership: Partnership) -> list[Version]:
    """Every version the partnership uploaded, ran or has disagreements pinned to, newest
    first (the one in use among them)."""
    held = {
        r.pathway_id: r
        for r in PartnershipPathway.objects.filter(partnership=partnership).select_related(
            "pathway", "uploaded_by", "switched_by"
        )
    }
    counts = {
        c["pathway"]: c
        for c in Disagreement.objects.filter(partnership=partnership)
        .values("pathway")
        .annotate(total=Count("pk"), open=Count("pk", filter=~Q(status__in=CLOSED)))
    }
    pathways = {r.pathway_id: r.pathway for r in held.values()}
    pathways.update(PathwayVersion.objects.in_bulk([pk for pk in counts if pk not in pathways]))
    found = [
        Version(
            pv, held.get(pk), counts.get(pk, {}).get("open", 0), counts.get(pk, {}).get("total", 0)
        )
        for pk, pv in pathways.items()
    ]
    return sorted(
        found, key=lambda v: (v.pathway.pathway_id, v.pathway.version, v.pathway.pk), reverse=True
    )


# -- Reading an upload ------------------------------------------------------------------


def read_upload(data: bytes, size: int | None = None) -> str:
    """The text of an uploaded pack, or refused: too big, empty, or not UTF-8 text.

    `size` is the whole file's, where only its first bytes were read.
    """
    try:
        return decode(data, "the file", size)
    except PackInvalid as refused:
        raise PathwayVersionError("file", refused.problems[0].message) from None


def _version_line(text: str) -> int:
    return next((i for i, t in enumerate(text.splitlines(), 1) if t.startswith("version:")), 1)


def _conflicts(pack: Pack, text_digest: str) -> str:
    """Why this id and version cannot mean this text: another text already has them."""
    taken = (
        PathwayVersion.objects.filter(pathway_id=pack.id, version=pack.version)
        .exclude(digest=text_digest)
        .exists()
    )
    if not taken:
        try:
            entry = registry.get(pack.id)
        except (registry.UnknownPathway, PackInvalid):
            entry = None
        taken = (
            entry is not None and entry.pack.version == pack.version and entry.digest != text_digest
        )
    if not taken:
        return ""
    highest = max(
        [
            pack.version,
            *PathwayVersion.objects.filter(pathway_id=pack.id).values_list("version", flat=True),
        ]
    )
    return (
        f"{pack.id} v{pack.version} already exists with different content: give this one "
        f"a new version (version: {highest + 1})"
    )


def switch_problems(partnership: Partnership, pack: Pack) -> list:
    """What the go-live check finds wrong with `pack` as the partnership's pathway."""
    from rpd.onboarding import golive

    return golive.check(partnership, pack=pack, areas=golive.VERSION_AREAS)


# -- The operations ---------------------------------------------------------------------


def upload(
    partnership: Partnership, data: bytes, filename: str, *, by: User, size: int | None = None
) -> PartnershipPathway:
    """Validate an uploaded pack and keep it as one of the partnership's versions.

    Nothing changes for any disagreement until `switch`. Uploading the same text again
    gives back the version already held.
    """
    text = read_upload(data, size)
    source = filename or "the file"
    try:
        pack = load_pack_text(text, source)
    except PackInvalid as invalid:
        count = len(invalid.problems)
        raise PathwayVersionError(
            "file",
            f"The pack has {count} problem{'s' if count != 1 else ''}, listed by line",
            invalid.lines(),
        ) from None
    text_digest = digest(text)
    current = in_use(partnership)
    if text_digest == current.digest:
        raise PathwayVersionError(
            "file", f"This is the version in use ({current.label}): nothing to upload"
        )
    refused = _conflicts(pack, text_digest)
    if not refused and pack.id == current.pack.id and pack.version <= current.pack.version:
        refused = (
            f"{current.label} is in use: a new version needs a version above "
            f"{current.pack.version} (version: {current.pack.version + 1})"
        )
    if refused:
        line = _version_line(text)
        raise PathwayVersionError(
            "file", refused, [Problem(line, "version", refused).render(source)]
        )

    at = timezone.now()
    with transaction.atomic():
        pathway, created = PathwayVersion.objects.get_or_create(
            pathway_id=pack.id, digest=text_digest, defaults={"version": pack.version, "text": text}
        )
        row, row_created = PartnershipPathway.objects.get_or_create(
            partnership=partnership,
            pathway=pathway,
            defaults={"uploaded_by": by, "uploaded_at": at},
        )
        if not row_created:
            return row
        written = [row, pathway] if created else [row]
        audit.append(
            action="pathway.uploaded",
            target=f"partnership:{partnership.slug}/pathway:{pack.id}",
            actor=by,
            partnership_id=partnership.pk,
            data={
                "pathway": pack.id,
                "version": pack.version,
                "digest": text_digest,
                "file": filename[:200],
                "rows": rows.changes({}, rows.digests(written)),
            },
        )
        # Checked again under the audit chain's lock, which every upload takes: of two
        # uploads of one id and version with different texts at once, the second sees
        # the first's row here and is rolled back.
        if _conflicts(pack, text_digest):
            raise PathwayVersionError("file", _conflicts(pack, text_digest))
    return row


def switch(
    partnership: Partnership,
    version_pk: int,
    *,
    by: User,
    seen_in_use: str,
    other_pathway: bool = False,
    anyway: str = "",
) -> PartnershipPathway:
    """From now on the partnership's new disagreements start under this version.

    `seen_in_use` is the digest of the version in use the administrator compared it with:
    if another switch came first, this one is refused rather than made against a
    comparison no one saw. A version of another pathway id (a partnership's own copy of
    a built-in pathway under a new id) is switched to only with `other_pathway`.

    A version the go-live check finds problems with (a rung a stage needs that an agency
    has no one on, a role with no one behind it: new disagreements would be refused or
    their notices reach nobody) is switched to only with a reason to switch `anyway`,
    kept in the audit event with the problems it was given against.
    """
    at = timezone.now()
    with transaction.atomic():
        Partnership.objects.select_for_update().filter(pk=partnership.pk).first()
        row = (
            PartnershipPathway.objects.filter(partnership=partnership, pk=version_pk)
            .select_related("pathway")
            .first()
        )
        if row is None:
            raise PathwayVersionError("version", "No such version of this partnership's pathway")
        current = in_use(partnership)
        new = row.pathway.pack
        if row.in_use:
            raise PathwayVersionError("version", f"{current.label} is already in use")
        if seen_in_use != current.digest:
            raise PathwayVersionError(
                "version",
                f"The pathway in use changed while you were looking (it is now {current.label}): "
                "check what this version changes from it, then switch",
            )
        if new.id != current.pack.id:
            if not other_pathway:
                raise PathwayVersionError(
                    "other_pathway",
                    f"Confirm that new disagreements follow {new.id}, a different pathway "
                    f"from {current.pack.id}",
                )
        elif new.version <= current.pack.version:
            raise PathwayVersionError(
                "version",
                f"v{new.version} is not above v{current.pack.version}, the version in use: to go "
                f"back to it, upload its text as version {current.pack.version + 1}",
            )
        problems = [str(p) for p in switch_problems(partnership, new)]
        if problems and not anyway.strip():
            raise PathwayVersionError(
                "anyway",
                f"This version leaves {len(problems)} problem{'s' if len(problems) != 1 else ''} "
                "that would refuse or strand new disagreements: fix them first, or give a "
                "reason to switch anyway",
            )
        before = rows.digests(r for r in (current.row, row) if r is not None)
        outgoing, written = current.row, [row]
        if outgoing is None:
            # The registry's pack it ran until now, kept so its versions list shows it.
            pinned, pinned_new = PathwayVersion.objects.get_or_create(
                pathway_id=current.pack.id,
                digest=current.digest,
                defaults={"version": current.pack.version, "text": current.text},
            )
            outgoing, created = PartnershipPathway.objects.get_or_create(
                partnership=partnership, pathway=pinned
            )
            if not created:
                before.update(rows.digests([outgoing]))
            if pinned_new:
                written.append(pinned)
        written.append(outgoing)
        outgoing.in_use_until = at
        outgoing.save(update_fields=["in_use_until"])
        row.in_use_from, row.in_use_until, row.switched_by = at, None, by
        row.save(update_fields=["in_use_from", "in_use_until", "switched_by"])
        partnership.pathway_id = new.id
        Partnership.objects.filter(pk=partnership.pk).update(pathway_id=new.id)
        keeping = Disagreement.objects.filter(partnership=partnership).exclude(status__in=CLOSED)
        audit.append(
            action="pathway.switched",
            target=f"partnership:{partnership.slug}/pathway:{new.id}",
            actor=by,
            partnership_id=partnership.pk,
            data={
                "from": {
                    "pathway": current.pack.id,
                    "version": current.pack.version,
                    "digest": current.digest,
                },
                "to": {"pathway": new.id, "version": new.version, "digest": row.pathway.digest},
                # Each keeps the version it started under.
                "open_disagreements_keep_theirs": keeping.count(),
                **(
                    {"anyway": {"reason": anyway.strip(), "problems": problems}} if problems else {}
                ),
                "rows": rows.changes(before, rows.digests(written)),
            },
        )
    return row
