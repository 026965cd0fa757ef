"""``aiotokenhot batch IN -o DIR --ray``: the same job on a Ray cluster (local Ray by default)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

from ._common import EXIT_ERROR, EXIT_USAGE, CLIError

__all__ = ["batch_on_ray"]


async def batch_on_ray(args: argparse.Namespace, report: Any) -> int:
    """Run ``args`` through :class:`~aiotokenhot.batch.ray.ClusterBatch`; same lines as without Ray."""
    try:
        from ..batch.ray import ClusterBatch
    except ImportError:  # pragma: no cover - the extra is not installed
        raise CLIError('--ray needs Ray: pip install "aiotokenhot[ray]"', EXIT_USAGE) from None
    if args.shard or args.ordered or args.fsync:
        raise CLIError("--shard, --ordered and --fsync do not apply with --ray", EXIT_USAGE)
    if args.fake:
        raise CLIError("--fake runs in this process and cannot serve Ray workers; start "
                       "`aiotokenhot fake-server` and set TOKENHOT_BASE_URL instead", EXIT_USAGE)
    from .._config import API_KEY_ENV, resolve_api_key
    from ._batch import read_prices

    if resolve_api_key(None) is None:
        raise CLIError(f"no API key: set the {API_KEY_ENV} environment variable", EXIT_USAGE)
    job = ClusterBatch(
        sys.stdin.buffer if args.input == "-" else args.input, args.output,
        base_url=args.base_url, concurrency=args.concurrency, rpm=args.rpm, tpm=args.tpm,
        workers=args.workers, batch_size=args.batch_size, max_retries=args.max_retries,
        timeout=args.timeout, on_bad_line=report,
        client_options={"prices": read_prices(args.prices)} if args.prices else None,
    )
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # one view: ours
    # The job blocks this (otherwise idle) loop; Ctrl-C must still reach it, as a
    # KeyboardInterrupt (exit 130; the journals keep what finished, a rerun resumes).
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT)
    if main:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        summary = job.run(progress=None)
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)
        report.close()
    print(summary.format(), file=sys.stderr)
    return EXIT_ERROR if summary.failed or summary.bad else 0
