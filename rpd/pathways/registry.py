"""Where packs come from: the five built-in ones and any a partnership installed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .loader import PackInvalid, Problem, digest, load_pack_file, load_pack_text
from .schema import Pack

BUILT_IN_DIR = Path(__file__).resolve().parent / "packs"


class UnknownPathway(LookupError):
    pass


@dataclass(frozen=True)
class Entry:
    pack: Pack
    path: Path | None  # None for a version kept in the database (`stored`)
    built_in: bool
    digest: str
    # The pack's text, for a version a partnership uploaded (kept in the database, not a file).
    text: str | None = None

    @classmethod
    def stored(cls, pack: Pack, text: str, text_digest: str) -> Entry:
        return cls(pack, None, False, text_digest, text)


def installed_dirs() -> list[Path]:
    """Directories of installed packs (settings.RPD_PACK_DIRS)."""
    from django.conf import settings

    return list(settings.RPD_PACK_DIRS)


# Each pack file's last parse, by path: (digest of its text, the pack). Parsing and
# validating a pack takes tens of milliseconds and every raise looks up its partnership's
# pathway, so an unchanged file is not parsed again; an edited or reinstalled one has a new
# digest and is. Packs are frozen, so sharing one between callers is safe.
_PARSED: dict[str, tuple[str, Pack]] = {}


def _load(path: Path) -> tuple[Pack, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return load_pack_file(path), ""  # raises PackInvalid, saying what is wrong
    text_digest = digest(text)
    cached = _PARSED.get(str(path))
    if cached is None or cached[0] != text_digest:
        cached = _PARSED[str(path)] = (text_digest, load_pack_text(text, str(path)))
    return cached[1], text_digest


@dataclass(frozen=True)
class Broken:
    """An installed pack file that does not load, kept apart so it breaks nothing else."""

    pathway_id: str  # the file's name: the id it would have
    path: Path
    error: PackInvalid


def _scan() -> tuple[list[Entry], list[Broken]]:
    """Every pack file, each validated alone: built-in packs first, then installed ones.

    A file that does not load, or reuses an id already taken, is `Broken`, by name, and
    every other pack is used as if it were not there.
    """
    entries: list[Entry] = []
    broken: list[Broken] = []
    seen: dict[str, Entry] = {}
    for directory, built_in in [(BUILT_IN_DIR, True), *((d, False) for d in installed_dirs())]:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.yaml")):
            try:
                pack, text_digest = _load(path)
                if pack.id in seen:
                    where = seen[pack.id].path
                    raise PackInvalid(
                        str(path),
                        [Problem(1, "id", f"pathway id {pack.id!r} is already used by {where}")],
                    )
            except PackInvalid as error:
                broken.append(Broken(path.stem, path, error))
                continue
            seen[pack.id] = Entry(pack, path, built_in, text_digest)
            entries.append(seen[pack.id])
    return entries, broken


def all_entries() -> list[Entry]:
    """Every pack that loads, built-in ones first; `broken()` lists the rest."""
    return _scan()[0]


def broken() -> list[Broken]:
    """Installed pack files that do not load, each with its problems."""
    return _scan()[1]


def get(pathway_id: str) -> Entry:
    entries, bad = _scan()
    for entry in entries:
        if entry.pack.id == pathway_id:
            return entry
    for file in bad:
        if file.pathway_id == pathway_id:
            raise UnknownPathway(
                f"the pathway {pathway_id!r} does not load ({len(file.error.problems)} "
                f"problem(s); first: {file.error.lines()[0]}): see `rpd pathway validate "
                f"{file.path}`"
            )
    known = ", ".join(e.pack.id for e in entries)
    raise UnknownPathway(f"no pathway with id {pathway_id!r} (known: {known})")


def resolve(id_or_file: str) -> Entry:
    """A pathway id, or the path of a pack file not yet installed."""
    path = Path(id_or_file)
    if id_or_file.endswith((".yaml", ".yml")) or path.is_file():
        pack = load_pack_file(path)
        return Entry(pack, path, False, digest(path.read_text(encoding="utf-8")))
    return get(id_or_file)


def install(path: str | Path) -> Entry:
    """Validate a pack and copy it into the first installed-packs directory."""
    path = Path(path)
    pack = load_pack_file(path)
    if (BUILT_IN_DIR / f"{pack.id}.yaml").exists():
        raise PackInvalid(
            str(path),
            [Problem(1, "id", f"{pack.id!r} is a built-in pathway; copy it under a new id")],
        )
    # Installing a new version of an id replaces the earlier copy: that is how a partnership
    # updates it. Disagreements already raised keep the text they were raised under (pinned
    # by digest), so a different text under the same version would make "v1" mean two things.
    target_dir = installed_dirs()[0]
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{pack.id}.yaml"
    if target.is_file() and target.resolve() != path.resolve():
        installed, _ = _load(target)
        text = path.read_text(encoding="utf-8")
        problem = ""
        if installed.version > pack.version:
            problem = (
                f"{pack.id} v{installed.version} is installed; a replacement needs a version "
                f"above {installed.version}"
            )
        elif installed.version == pack.version and digest(text) != digest(
            target.read_text(encoding="utf-8")
        ):
            problem = (
                f"{pack.id} v{pack.version} is already installed with different content; "
                f"give it a new version (v{pack.version + 1}) to replace it"
            )
        if problem:
            line = next(
                (i for i, t in enumerate(text.splitlines(), 1) if t.startswith("version:")), 1
            )
            raise PackInvalid(str(path), [Problem(line, "version", problem)])
    if target.resolve() != path.resolve():
        shutil.copyfile(path, target)
    return Entry(pack, target, False, digest(target.read_text(encoding="utf-8")))
