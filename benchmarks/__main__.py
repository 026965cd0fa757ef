"""``python -m benchmarks``: run every scenario, print the tables, write RESULTS.md and the chart.

``make bench`` runs this with no arguments: every scenario at full size (under ten minutes on
two cores), then ``benchmarks/RESULTS.md``, ``benchmarks/results.svg`` and the numbers in the
README's benchmark section. ``--quick`` (or ``BENCH_QUICK=1``) runs small sizes in about a
minute and writes RESULTS.md and the chart, leaving the README alone.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from ._chart import write_chart
from ._clients import ALL_CLIENTS
from ._report import machine_info, stream_headline, write_readme_section
from ._runner import OURS, ROOT, SCENARIOS, Settings, run


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} (1 min) / {five:.1f} (5 min)"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
                        help="small sizes, one run each (~1 min); also BENCH_QUICK=1")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--clients", nargs="+", metavar="NAME",
                        help="only clients whose class or row name contains one of these words")
    parser.add_argument("--chunks", type=int, help="text events per stream (default 20,000)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"),
                        help="where to write the markdown results (the chart goes beside it)")
    parser.add_argument("--no-write", action="store_true", help="print only; write no files")
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
    load_before = _load()
    started = time.perf_counter()
    report = run(settings)
    took = time.perf_counter() - started
    machine = machine_info() + (
        f"- machine load (load average) before the run: {load_before}; after: {_load()}; "
        f"the run took {took:.0f} s\n")
    print()
    print(machine)
    print(report.markdown())
    print(f"took {took:.0f} s")
    if args.no_write:
        return
    flags = " --quick" if args.quick else ""
    if args.only:
        flags += " --only " + " ".join(args.only)
    report.settings = flags
    chart = args.out.with_name("results.svg")
    drawn = write_chart(report, chart, f"aiotokenhot: one run of `python -m benchmarks{flags}`")
    if drawn:
        print(f"wrote {chart}")
    report.write(args.out, machine, chart.name if drawn else None)
    print(f"wrote {args.out}")
    if not args.quick and not args.only and not args.clients and not args.chunks:
        readme = ROOT / "README.md"
        if write_readme_section(readme, _readme_block(report, machine, drawn)):
            print(f"updated the numbers in {readme}")


def _readme_block(report: object, machine: str, drawn: bool) -> str:
    from ._clients import TokenHotText, TokenHotUnified
    from ._report import CEILING, Report

    assert isinstance(report, Report)
    parts = [f"Measured on:\n\n{machine}\n"]
    if drawn:
        parts.append("![CPU per event against the ceiling, and costs against raw aiohttp]"
                     "(benchmarks/results.svg)\n")
    stream = next((t for t in report.tables if t.title.startswith("Stream, realistic")), None)
    if stream is not None:
        parts.append("CPU µs per text event on realistic streams (speed ratio to the ceiling):\n\n"
                     + stream_headline(stream, [("typed events, attribute read", OURS),
                                                (".text()", TokenHotText.name),
                                                ("th.stream()", TokenHotUnified.name)],
                                       "µs CPU/event"))
    parts.append(CEILING)
    parts.append("Targets, checked in the same run:\n\n" + report.targets_markdown())
    return "\n".join(parts)


if __name__ == "__main__":
    main()
