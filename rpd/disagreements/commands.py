"""`rpd demo`: a demo partnership with synthetic disagreements, for trying the product out."""

from __future__ import annotations

from rpd.cli import CommandError, setup_django


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="build a demo partnership with synthetic disagreements at every stage"
    )
    p.add_argument(
        "--pathway", required=True, metavar="ID|all", help="a pathway id, or all the built-in ones"
    )
    p.add_argument(
        "--slug",
        metavar="SLUG",
        help="the partnership's slug (default: the pathway id); with --pathway all, a prefix",
    )
    p.set_defaults(handler=demo)


def demo(args) -> int:
    setup_django()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_slug
    from django.db import transaction

    from rpd.pathways import registry
    from rpd.pathways.loader import PackInvalid
    from rpd.people.models import Partnership

    migrate()
    try:
        entries = registry.all_entries()
    except PackInvalid as error:
        raise CommandError("\n".join(error.lines())) from None
    if args.pathway == "all":
        ids = [e.pack.id for e in entries if e.built_in]
        slugs = [f"{args.slug}-{i}" if args.slug else i for i in ids]
        installed = [e.pack.id for e in entries if not e.built_in]
        print(f"Building a demo of each of the {len(ids)} built-in pathways: {', '.join(ids)}.")
        if installed:
            print(
                f"Not the installed ones ({', '.join(installed)}): build one with "
                "rpd demo --pathway ID."
            )
    else:
        known_pathway(args.pathway, entries, also="all")
        ids, slugs = [args.pathway], [args.slug or args.pathway]
    for slug in slugs:
        try:
            validate_slug(slug)
        except ValidationError:
            raise CommandError(
                f"--slug: {slug!r} is not a slug (letters, numbers, hyphens, underscores)"
            ) from None
    taken = sorted(Partnership.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if taken:
        raise CommandError(
            f"--slug: a partnership with slug {taken[0]!r} already exists; "
            "choose another with --slug"
        )
    with transaction.atomic():
        built = [build_demo(pathway_id, slug) for pathway_id, slug in zip(ids, slugs, strict=True)]
    for number, (partnership, disagreements) in enumerate(built):
        if number:
            print()
        report(partnership, disagreements)
    return 0


def known_pathway(pathway_id: str, entries=None, also: str = "", option="--pathway") -> str:
    """pathway_id, if a pathway has it; else the one line naming the ones that do."""
    from rpd.pathways import registry
    from rpd.pathways.loader import PackInvalid

    try:
        entries = registry.all_entries() if entries is None else entries
    except PackInvalid as error:
        raise CommandError("\n".join(error.lines())) from None
    known = [e.pack.id for e in entries]
    if pathway_id not in known:
        listed = ", ".join([*known, also] if also else known)
        raise CommandError(f"{option}: no pathway with id {pathway_id!r} (known: {listed})")
    return pathway_id


def migrate(verbosity: int = 0) -> None:
    from django.conf import settings
    from django.core.management import call_command

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)  # where SQLite keeps its file
    call_command("migrate", interactive=False, verbosity=verbosity)


def build_demo(pathway_id: str, slug: str | None = None):
    """The demo partnership for a pathway and its disagreements (the caller holds a transaction)."""
    from .demo import build

    demo, disagreements = build(pathway_id, slug)
    return demo.partnership, disagreements


def report(partnership, disagreements) -> None:
    from rpd.pathways.calendar import today
    from rpd.people.demo import DEMO_PASSWORD

    from .models import Status

    pack = partnership.pathway_entry().pack
    print(f"{partnership.name}: slug {partnership.slug}, pathway {pack.id} v{pack.version}")
    statuses = list(Status)
    counts = {(s.number, status): 0 for s in pack.stages for status in statuses}
    for d in disagreements:
        counts[d.stage, d.status] += 1
    day = today()
    overdue = sum(1 for d in disagreements if d.next_due and d.next_due < day)
    print(f"  {len(disagreements)} disagreements, {overdue} overdue:")
    print("  stage  " + "".join(f"{status.label.lower():>10}" for status in statuses))
    for stage in pack.stages:
        row = "".join(f"{counts[stage.number, status]:>10}" for status in statuses)
        print(f"  {stage.number:>5}  {row}  {stage.name}")
    users = (
        partnership.people().select_related("agency").order_by("agency__pk", "rung__position", "pk")
    )
    print(f"  sign in as any of these (password {DEMO_PASSWORD}):")
    width = max(len(u.username) for u in users)
    for user in users:
        print(f"    {user.username:<{width}}  {user.job_title}, {user.agency.name}")
