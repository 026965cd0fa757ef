"""``aiotokenhot batch IN.jsonl -o OUT.jsonl``: fan out, resume on rerun, report bad lines."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import EXIT_ERROR, EXIT_USAGE, CLIError, open_client
from ._progress import progress_mode, track_batch

__all__ = ["add_parser", "batch"]


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "batch", parents=[parent], help="send a JSONL file of requests concurrently",
        description=(
            "Send every line of INPUT ({custom_id, method, url, body}) and append one result "
            "line per id to OUTPUT. Rerunning the same command resumes: ids already in OUTPUT "
            "are skipped. Bad input lines are reported as 'line N: reason'."
        ),
    )
    p.add_argument("input", help="JSONL requests (OpenAI batch-line shape)")
    p.add_argument("-o", "--output", required=True, help="JSONL results (appended, resumable)")
    p.add_argument("-c", "--concurrency", type=int, default=16, help="requests in flight (16)")
    p.add_argument("--rpm", type=float, help="requests-per-minute budget (paced evenly)")
    p.add_argument("--tpm", type=float, help="tokens-per-minute budget")
    p.add_argument("--shard", help="K/N: only the ids of worker K (0-based) of N")
    p.add_argument("--ordered", action="store_true", help="write results in input order")
    p.add_argument("--fsync", action="store_true", help="fsync after every result line")
    p.add_argument("--max-retries", type=int, help="retries per request (client default: 2)")
    p.add_argument("--timeout", type=float, help="seconds per request")
    p.set_defaults(command=batch)


async def batch(args: argparse.Namespace) -> int:
    from ..batch import BadLine, run_batch

    if args.concurrency < 1:
        raise CLIError("--concurrency must be at least 1", EXIT_USAGE)

    def report(bad: BadLine) -> None:
        print(bad, file=sys.stderr)

    async with open_client(args) as th:
        run = run_batch(
            th, args.input, output=args.output, concurrency=args.concurrency, rpm=args.rpm,
            tpm=args.tpm, shard=args.shard, ordered=args.ordered, fsync=args.fsync,
            progress=False, on_bad_line=report, max_retries=args.max_retries,
            timeout=args.timeout,
        )
        try:
            summary = await track_batch(run, mode=progress_mode(args), source=args.input,
                                        every=args.progress_every)
        finally:
            print(run.summary.format(), file=sys.stderr)
    return EXIT_ERROR if summary.failed or summary.bad else 0
