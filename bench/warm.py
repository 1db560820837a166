"""Benchmark: the first request of each page after a web process starts, cold and warmed.

    .venv/bin/python bench/warm.py [--runs R]

Builds the Stoke-on-Trent demo partnership in a SQLite file (once), then starts a
fresh process for each way of starting (R times each, default 3, the medians kept):

    cold:    Django set up, nothing loaded (RPD_WARM=0), as before ADR 014;
    warmed:  `rpd.warm.warm_up()`, as rpd/wsgi.py runs it: URL resolver, templates,
             pathway packs, calendars;
    frozen:  `rpd.warm.warm_up(freeze=True)`: the same, then gc.freeze().

In each, the pages are requested in turn through Django's test client, signed in as
someone on the case: the first request of each (what the first person after a
restart waits for), then 20 more (the steady state, median). Prints the start-up
cost of warming, each page's first and steady times, and the first as a multiple of
the steady. Reported only: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench.databases import setup_django  # noqa: E402

MODES = ["cold", "warmed", "frozen"]
STEADY = 20


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, metavar="R")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.child:
        return child(*args.child)
    with tempfile.TemporaryDirectory(prefix="rpd_bench_warm-") as data_dir:
        print("building the demo partnership", file=sys.stderr)
        subprocess.run([sys.executable, __file__, "--child", "build", data_dir], check=True)
        results: dict[str, list[dict]] = {mode: [] for mode in MODES}
        for i in range(args.runs):
            for mode in MODES:
                done = subprocess.run(
                    [sys.executable, __file__, "--child", mode, data_dir],
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                results[mode].append(json.loads(done.stdout.splitlines()[-1]))
            print(f"run {i + 1} of {args.runs} done", file=sys.stderr)
    print(table(results))
    return 0


def table(results: dict[str, list[dict]]) -> str:
    def median(mode, key, page=None):
        values = [r[key] if page is None else r[key][page] for r in results[mode]]
        return statistics.median(values) * 1000

    pages = list(results["cold"][0]["first"])
    lines = [
        "| page | "
        + " | ".join(f"{m}: first ms | {m}: steady ms | {m}: first x" for m in MODES)
        + " |",
        "|---|" + "---:|" * 3 * len(MODES),
    ]
    for page in pages:
        cells = []
        for mode in MODES:
            first, steady = median(mode, "first", page), median(mode, "steady", page)
            cells += [f"{first:.0f}", f"{steady:.1f}", f"{first / steady:.1f}x"]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    lines.append(
        "start-up spent warming: " + ", ".join(f"{m} {median(m, 'warm_up'):.0f} ms" for m in MODES)
    )
    return "\n".join(lines)


def child(mode: str, data_dir: str) -> int:
    os.environ["RPD_WARM"] = "0"  # this process warms (or not) as its mode says
    setup_django(f"sqlite:///{data_dir}/bench.sqlite3", data_dir, RPD_ALLOWED_HOSTS="testserver")
    if mode == "build":
        return build()
    from rpd import warm

    t0 = time.perf_counter()
    if mode != "cold":
        warm.warm_up(freeze=mode == "frozen")
    warm_up = time.perf_counter() - t0
    from django.test import Client

    from bench.pages import sign_in, user_of

    plan = json.loads((Path(data_dir) / "plan.json").read_text())
    client = Client()
    sign_in(client, user_of(plan["reader"]))
    first, steady = {}, {}
    for name, url in plan["pages"].items():
        t0 = time.perf_counter()
        response = client.get(url, secure=True)
        first[name] = time.perf_counter() - t0
        assert response.status_code == 200, (name, response.status_code)
    for name, url in plan["pages"].items():
        times = []
        for _ in range(STEADY):
            t0 = time.perf_counter()
            client.get(url, secure=True)
            times.append(time.perf_counter() - t0)
        steady[name] = statistics.median(times)
    print(json.dumps({"warm_up": warm_up, "first": first, "steady": steady}))
    return 0


def build() -> int:
    from django.core.management import call_command
    from django.db import transaction

    from rpd.disagreements.commands import build_demo

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from rpd.disagreements.models import Disagreement

    with transaction.atomic():
        build_demo("stoke-on-trent")
    d = Disagreement.objects.filter(status="open").order_by("pk").first()
    reader = d.current_episode().raising_actor
    pages = {
        "My work": "/",
        "disagreement page": f"/disagreements/{d.pk}/",
        "form: record": f"/disagreements/{d.pk}/record/",
        "pathways": "/pathways/",
    }
    (Path(os.environ["RPD_DATA_DIR"]) / "plan.json").write_text(
        json.dumps({"reader": reader.pk, "pages": pages})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
