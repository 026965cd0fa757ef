"""``python -m aiotokenhot.testing [--port N] [--api-key KEY] ...``: run the fake gateway until
interrupted; the same command as ``aiotokenhot fake-server`` (see its ``--help``)."""

from __future__ import annotations

import sys

from ..cli import main as cli_main


def main(argv: list[str] | None = None) -> int:
    """Run ``aiotokenhot fake-server`` with ``argv``; returns its exit code."""
    return cli_main(["fake-server", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
