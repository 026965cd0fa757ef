"""``python -m aiotokenhot``: the command line (see :mod:`aiotokenhot.cli`)."""

from aiotokenhot.cli import main

raise SystemExit(main())
