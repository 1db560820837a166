"""`rpd report annual`: a partnership's annual report as CSV, XLSX or PDF."""

from __future__ import annotations

import sys

from rpd.cli import CommandError, require_database


def register(subparsers) -> None:
    report = subparsers.add_parser("report", help="reports for a partnership's board")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    annual = kinds.add_parser(
        "annual",
        help="the year's figures with year on year, the cases that reached the top stage "
        "and the learning items",
    )
    annual.add_argument("--partnership", required=True, metavar="SLUG")
    annual.add_argument("--year", required=True, type=year_argument, metavar="YYYY")
    annual.add_argument("--format", choices=("csv", "xlsx", "pdf"), default="csv")
    annual.add_argument(
        "--output", metavar="FILE", help="where to write it (default: standard output)"
    )
    annual.set_defaults(handler=annual_report)


def year_argument(value: str) -> int:
    import argparse

    if not (value.isdigit() and len(value) == 4 and 2000 <= int(value) <= 2100):
        raise argparse.ArgumentTypeError(f"{value!r} is not a year from 2000 to 2100 (YYYY)")
    return int(value)


def annual_report(args) -> int:
    if args.format != "csv" and not args.output and sys.stdout.isatty():
        raise CommandError(f"--format {args.format} writes a binary file: give --output FILE")
    require_database()
    from rpd.people.models import Partnership

    from .pdf import PdfUnavailable
    from .report import annual, render_report

    partnership = Partnership.objects.filter(slug=args.partnership).first()
    if partnership is None:
        raise CommandError(f"--partnership: no partnership has the slug {args.partnership!r}")

    def progress(step: str) -> None:
        print(f"rpd: {step}...", file=sys.stderr, flush=True)

    report = annual(partnership, args.year, progress)
    progress(f"Writing the report as {args.format.upper()}")
    try:
        content = render_report(report, args.format)
    except PdfUnavailable as error:
        raise CommandError(str(error)) from None
    from .exports import audited

    audited(None, "annual-report", args.format, [partnership], {"year": args.year}, 1)
    if args.output:
        try:
            with open(args.output, "wb") as out:
                out.write(content)
        except OSError as error:
            raise CommandError(f"--output: cannot write {args.output}: {error.strerror}") from None
        progress(f"Written to {args.output}")
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    return 0
