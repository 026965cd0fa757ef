"""Live counters of a batch run, its final summary, and the one-line terminal progress display."""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TextIO

from ._input import BadLine, BatchItem

__all__ = ["BatchSummary", "ProgressLine"]

MAX_KEPT_BAD_LINES = 1000


def _percentile(values: array[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[rank]


@dataclass
class BatchSummary:
    """What a run did. Updated live while it runs (the progress display reads it).

    ``skipped``: ids already present in the output (done by an earlier run).
    ``bad``: input entries not sent, each reported (the first 1000 kept in ``bad_lines``).
    ``retried``: extra attempts made after retryable failures.
    ``repaired_bytes``: size of a torn last line cut from the output before resuming.
    ``duplicates``: result lines in the output whose id an earlier line already had (two
    writers at once in the past; the first line of each id counts).
    ``cost``: USD (``Decimal``) of the ``priced`` answers whose model is in the client's price
    table (see ``AsyncTokenHot(prices=...)``); answers with no known price are not counted.
    """

    ok: int = 0
    failed: int = 0
    bad: int = 0
    skipped: int = 0
    retried: int = 0
    rate_limited: int = 0
    tokens: int = 0
    in_flight: int = 0
    lines_read: int = 0
    dispatched: int = 0
    total_lines: int | None = None
    repaired_bytes: int = 0
    duplicates: int = 0
    cancelled: bool = False
    bad_lines: list[BadLine] = field(default_factory=list)
    latencies: array[float] = field(default_factory=lambda: array("d"))
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cost: Decimal = field(default_factory=Decimal)
    priced: int = 0

    def add_cost(self, cost: Decimal | None) -> None:
        """Count one answer's cost (None: its price is unknown)."""
        if cost is not None:
            self.cost += cost
            self.priced += 1

    def cost_text(self) -> str:
        """``$0.001234 (5 priced)``, or "" when no answer had a known price."""
        return f"${self.cost:.6f} ({self.priced} priced)" if self.priced else ""

    @property
    def done(self) -> int:
        return self.ok + self.failed

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def latency_p50(self) -> float | None:
        return _percentile(self.latencies, 0.50)

    @property
    def latency_p95(self) -> float | None:
        return _percentile(self.latencies, 0.95)

    def admit(
        self,
        checked: BatchItem | BadLine | Literal["done"] | None,
        on_bad_line: Callable[[BadLine], None] | None,
    ) -> BatchItem | None:
        """Count what ``check_entry`` said of an input line; the item to send, or None.

        ``"done"`` (already in the output) counts as skipped; a :class:`BadLine` is counted and
        handed to ``on_bad_line``; None (another shard's line) is passed over.
        """
        if checked == "done":
            self.skipped += 1
        elif isinstance(checked, BadLine):
            self.add_bad(checked)
            if on_bad_line is not None:
                on_bad_line(checked)
        elif checked is not None:
            return checked
        return None

    def add_bad(self, bad: BadLine) -> None:
        self.bad += 1
        if len(self.bad_lines) < MAX_KEPT_BAD_LINES:
            self.bad_lines.append(bad)

    def eta(self) -> float | None:
        """Seconds left, when the input size is known and something has finished."""
        if self.total_lines is None or not self.done or self.lines_read == 0:
            return None
        share = self.dispatched / self.lines_read  # part of the lines that become requests
        remaining = max(0, self.total_lines - self.lines_read) * share + (self.dispatched - self.done)
        return remaining / (self.done / self.elapsed) if self.elapsed > 0 else None

    def format(self) -> str:
        """The final report, a few human-readable lines."""

        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value * 1000:.0f} ms"

        rate = self.done / self.elapsed if self.elapsed > 0 else 0.0
        lines = [
            f"{'cancelled' if self.cancelled else 'done'} in {self.elapsed:.1f}s: "
            f"{self.ok} ok, {self.failed} failed, {self.bad} bad lines, "
            f"{self.skipped} already done",
            f"retried {self.retried} (429: {self.rate_limited}), tokens {self.tokens:,}, "
            f"{rate:.1f} req/s, latency p50 {ms(self.latency_p50)} p95 {ms(self.latency_p95)}",
        ]
        if self.priced:
            lines.append(f"cost {self.cost_text()}")
        if self.repaired_bytes:
            lines.append(f"repaired a torn last line ({self.repaired_bytes} bytes cut)")
        if self.duplicates:
            lines.append(f"warning: the output holds {self.duplicates} duplicate result lines "
                         "(ids written more than once); the first line of each id counts")
        return "\n".join(lines)


class ProgressLine:
    """A single ``\\r``-rewritten status line (only for terminals: no extra dependency)."""

    def __init__(self, summary: BatchSummary, stream: TextIO) -> None:
        self.summary = summary
        self.stream = stream
        self._width = 0

    def render(self) -> str:
        s = self.summary
        rate = s.done / s.elapsed if s.elapsed > 0 else 0.0
        eta = s.eta()
        eta_text = "" if eta is None else f" | ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        total = "" if s.total_lines is None else f"/{s.total_lines}"
        return (
            f"lines {s.lines_read}{total} | ok {s.ok} failed {s.failed} bad {s.bad} "
            f"| in-flight {s.in_flight} | {rate:.1f} req/s{eta_text} | tokens {s.tokens:,}"
            + (f" | cost ${s.cost:.6f}" if s.priced else "")
        )

    def update(self) -> None:
        text = self.render()
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        self.update()
        self.stream.write("\n")
        self.stream.flush()
