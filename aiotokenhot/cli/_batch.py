"""``aiotokenhot batch IN.jsonl -o OUT.jsonl``: fan out, resume on rerun, report bad lines."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import EXIT_ERROR, EXIT_USAGE, CLIError, open_client
from ._progress import progress_mode, track_batch

__all__ = ["MAX_SHOWN_BAD_LINES", "BadLineReport", "add_parser", "batch"]

#: bad input lines printed one by one; the rest are counted
MAX_SHOWN_BAD_LINES = 20


def add_parser(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "batch", parents=[parent], help="send a JSONL file of requests concurrently",
        description=(
            "Send every line of INPUT ({custom_id, method, url, body}) and append one result "
            "line per id to OUTPUT. Rerunning the same command resumes: ids already in OUTPUT "
            "are skipped. Bad input lines are reported as 'line N: reason'. OUTPUT must be a "
            "new file or a results file; one run at a time may write to it."
        ),
    )
    p.add_argument("input", help="JSONL requests (OpenAI batch-line shape); - reads stdin")
    p.add_argument("-o", "--output", required=True, help="JSONL results (appended, resumable)")
    p.add_argument("-c", "--concurrency", type=int, default=16, help="requests in flight (16)")
    p.add_argument("--rpm", type=float, help="requests-per-minute budget (paced evenly)")
    p.add_argument("--tpm", type=float, help="tokens-per-minute budget")
    p.add_argument("--shard", help="K/N: only the ids of worker K (0-based) of N")
    p.add_argument("--ordered", action="store_true", help="write results in input order")
    p.add_argument("--fsync", action="store_true", help="fsync after every result line")
    p.add_argument("--max-retries", type=int, help="retries per request (client default: 2)")
    p.add_argument("--timeout", type=float, help="seconds per request")
    p.add_argument("--ray", action="store_true",
                   help="run on a Ray cluster (RAY_ADDRESS, else a local Ray); OUTPUT is then a "
                        "directory of JSONL parts and -c/--rpm/--tpm hold for the whole cluster")
    p.add_argument("--workers", type=int, default=2, help="Ray workers with --ray (2)")
    p.add_argument("--batch-size", type=int, default=64, help="requests per Ray batch (64)")
    p.add_argument("--prices", metavar="FILE",
                   help="JSON {model: {input, output, cached_input, ...}} in USD per million "
                        "tokens: the summary and progress line show the running cost")
    p.set_defaults(command=batch)


class BadLineReport:
    """Prints the first bad lines, counts the rest and adds a hint when they look swapped."""

    def __init__(self, limit: int = MAX_SHOWN_BAD_LINES) -> None:
        self.limit = limit
        self.count = 0
        self.result_like = 0

    def __call__(self, bad: Any) -> None:
        self.count += 1
        if "result line" in bad.reason:
            self.result_like += 1
        if self.count <= self.limit:
            print(bad, file=sys.stderr)

    def close(self) -> None:
        hidden = self.count - min(self.count, self.limit)
        if hidden:
            print(f"... and {hidden} more bad lines (not shown)", file=sys.stderr)
        if self.result_like and self.result_like * 2 >= self.count:
            print("hint: the input holds result lines: are input and output swapped?",
                  file=sys.stderr)


async def batch(args: argparse.Namespace) -> int:
    from ..batch import run_batch

    if args.concurrency < 1:
        raise CLIError("--concurrency must be at least 1", EXIT_USAGE)
    report = BadLineReport()
    if args.ray:
        from ._batch_ray import batch_on_ray

        return await batch_on_ray(args, report)
    source: Any = sys.stdin.buffer if args.input == "-" else args.input
    async with open_client(args) as th:
        if args.prices:
            th.prices.update(read_prices(args.prices))
        run = run_batch(
            th, source, output=args.output, concurrency=args.concurrency, rpm=args.rpm,
            tpm=args.tpm, shard=args.shard, ordered=args.ordered, fsync=args.fsync,
            progress=False, on_bad_line=report, max_retries=args.max_retries,
            timeout=args.timeout,
        )
        try:
            summary = await track_batch(run, mode=progress_mode(args), source=args.input,
                                        every=args.progress_every)
        finally:
            report.close()
            if run.set_up:  # a set-up error is one line, with no summary before it
                print(run.summary.format(), file=sys.stderr)
    return EXIT_ERROR if summary.failed or summary.bad else 0


def read_prices(path: str) -> dict[str, Any]:
    """A price file: ``{"gpt-5.4": {"input": "1.25", "output": "10"}}`` (USD per million tokens)."""
    import json

    from .._exceptions import InvalidRequestError
    from .._pricing import ModelPrice

    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read the price file {path}: {exc}", EXIT_USAGE) from None
    if not isinstance(data, dict):
        raise CLIError(f"the price file {path} must hold a JSON object of models", EXIT_USAGE)
    prices: dict[str, Any] = {}
    for model, entry in data.items():
        try:
            prices[model] = ModelPrice(**entry)
        except (TypeError, InvalidRequestError) as exc:
            raise CLIError(f"the price of {model!r} in {path}: {exc}", EXIT_USAGE) from None
    return prices
