"""The ``aiotokenhot`` command line: chat, batch, models, video, fake-server, demo.

Every command takes ``--fake`` to run against an in-process fake gateway; otherwise the key
comes from ``TOKENHOT_API_KEY`` (and the gateway from ``TOKENHOT_BASE_URL`` or ``--base-url``).
Exit codes: 0 ok, 1 failed (API error, failed batch items), 2 usage or set-up, 130 interrupted.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .._version import __version__
from . import _batch, _chat, _demo, _fake, _media
from ._common import run_command
from ._help import Parser, add_examples
from ._progress import add_progress_options

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="aiotokenhot",
        description="Async client for the TokenHot model gateway (and every gateway speaking "
                    "its protocols). Key: TOKENHOT_API_KEY.",
    )
    parser.add_argument("--version", action="version", version=f"aiotokenhot {__version__}")
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--fake", action="store_true",
                        help="run against an in-process fake gateway (no key, no network)")
    shared.add_argument("--base-url", help="gateway root (default: TOKENHOT_BASE_URL or "
                                           "https://api.tokenhot.ai)")
    sub = parser.add_subparsers(dest="name", metavar="COMMAND", required=True)
    _chat.add_parser(sub, shared)
    _batch.add_parser(sub, shared)
    _media.add_parsers(sub, shared)
    _fake.add_parser(sub, shared)
    _demo.add_parser(sub, shared)
    add_examples(parser, sub)
    for name in ("batch", "video"):  # the commands that show progress
        add_progress_options(sub.choices[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit code."""
    args = build_parser().parse_args(argv)
    return run_command(args.command, args)
