"""``python -m benchmarks``: run every scenario, print the tables, write RESULTS.md."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ._clients import ALL_CLIENTS
from ._report import machine_info, write_readme_section
from ._runner import OURS, ROOT, Settings, run

SCENARIOS = ("stream", "breakdown", "fanout", "ttfe", "memory", "cold", "telemetry")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each (~1 min)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--clients", nargs="+", metavar="NAME",
                        help="only clients whose class or row name contains one of these words")
    parser.add_argument("--chunks", type=int, help="chunks per stream (default 20,000)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"),
                        help="where to write the markdown results")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    settings = Settings.quick() if args.quick else Settings()
    if args.only:
        settings.scenarios = tuple(args.only)
    if args.chunks:
        settings.chunks = args.chunks
    if args.clients:
        words = [w.lower() for w in args.clients]
        settings.clients = tuple(
            c for c in ALL_CLIENTS
            if any(w in c.__name__.lower() or w in c.name.lower() for w in words)
        )
    started = time.perf_counter()
    report = run(settings)
    machine = machine_info()
    print()
    print(machine)
    print(report.markdown())
    print(f"took {time.perf_counter() - started:.0f} s")
    if not args.no_write:
        flags = " --quick" if args.quick else ""
        if args.only:
            flags += " --only " + " ".join(args.only)
        report.settings = flags
        report.write(args.out, machine)
        print(f"wrote {args.out}")
        if not args.quick and not args.only and not args.clients and not args.chunks:
            readme = ROOT / "README.md"
            if write_readme_section(readme, report, OURS, machine):
                print(f"updated the numbers in {readme}")


if __name__ == "__main__":
    main()
