"""Result tables: ratios to the raw ceiling and to each peer, rendered as markdown."""

from __future__ import annotations

import os
import platform
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

__all__ = ["Report", "Row", "Table", "Target", "machine_info"]

HISTORY_MARK = "<!-- everything below this line is kept by `python -m benchmarks` -->"


@dataclass
class Row:
    client: str
    protocol: str
    family: str  # "raw", "aiotokenhot", "peer"
    values: dict[str, float]


@dataclass
class Table:
    """One scenario. ``key`` is the metric the ratios use; ``reference`` the raw row's client."""

    title: str
    columns: list[str]
    key: str
    higher_is_better: bool
    reference: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the row the last column compares peers with (default: the report's native client)
    ours: str | None = None

    def row(self, client: str, protocol: str) -> Row | None:
        for row in self.rows:
            if row.client == client and row.protocol == protocol:
                return row
        return None

    def reference_row(self, protocol: str) -> Row | None:
        return self.row(self.reference, protocol) or self.row(self.reference, "chat")

    def ratio_to_reference(self, row: Row) -> float | None:
        ref = self.reference_row(row.protocol)
        if ref is None or not ref.values.get(self.key) or self.key not in row.values:
            return None
        return row.values[self.key] / ref.values[self.key]

    def lead_over(self, row: Row, ours: str) -> float | None:
        """How many times better ``ours`` (same protocol) does than ``row``."""
        mine = self.row(ours, row.protocol)
        if mine is None or self.key not in row.values or self.key not in mine.values:
            return None
        a, b = mine.values[self.key], row.values[self.key]
        if not a or not b:
            return None
        return a / b if self.higher_is_better else b / a

    def markdown(self, ours: str) -> str:
        ours = self.ours or ours
        head = ["client", "protocol", *self.columns, f"× {self.reference}", f"{ours}: × better"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in self.rows:
            ratio = self.ratio_to_reference(row)
            lead = self.lead_over(row, ours) if row.family == "peer" else None
            cells = [row.client, row.protocol]
            cells += [_fmt(row.values.get(c)) for c in self.columns]
            cells.append("—" if ratio is None else f"{ratio:.2f}×")
            cells.append("—" if lead is None else f"{lead:.1f}×")
            lines.append("| " + " | ".join(cells) + " |")
        out = f"### {self.title}\n\n" + "\n".join(lines) + "\n"
        if self.notes:
            out += "\n" + "\n".join(f"- {n}" for n in self.notes) + "\n"
        return out


@dataclass
class Target:
    what: str
    goal: str
    measured: str
    met: bool | None  # None: could not be measured


@dataclass
class Report:
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    settings: str = ""
    ours: str = ""

    def markdown(self) -> str:
        parts = [f"## Targets\n\n{self.targets_markdown()}"]
        parts += [t.markdown(self.ours) for t in self.tables]
        if self.skipped:
            parts.append("### Skipped\n\n" + "\n".join(f"- {s}" for s in self.skipped) + "\n")
        return "\n".join(parts)

    def targets_markdown(self) -> str:
        lines = ["| target | goal | measured | |", "|---|---|---|---|"]
        for t in self.targets:
            mark = "n/a" if t.met is None else ("met" if t.met else "**missed**")
            lines.append(f"| {t.what} | {t.goal} | {t.measured} | {mark} |")
        return "\n".join(lines) + "\n"

    def write(self, path: Path, machine: str) -> None:
        """Write ``path``, keeping any hand-written history below :data:`HISTORY_MARK`."""
        history = ""
        if path.exists():
            old = path.read_text()
            if HISTORY_MARK in old:
                history = old.split(HISTORY_MARK, 1)[1]
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        text = (
            "# Benchmark results\n\n"
            f"Written by `make bench` (`python -m benchmarks{self.settings}`) on {stamp}.\n"
            "Every number comes from this one run, on this machine:\n\n"
            f"{machine}\n"
            "Ratios compare rows of the same run: `× raw` divides by the raw-aiohttp row named in\n"
            "the column (streams and time to first event: aiohttp + SSE split + `orjson.loads`;\n"
            "fan-out and memory: aiohttp reading bytes; cold start: aiohttp), and the last column\n"
            "says how many times better aiotokenhot's native client does than that peer on the\n"
            "same protocol. Targets and what the profiles showed are at the end.\n\n"
            f"{self.markdown()}\n{HISTORY_MARK}{history}"
        )
        path.write_text(text)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    found = re.search(r"model name\s*:\s*(.+)", text)
    return found.group(1).strip() if found else "unknown CPU"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> str:
    libs = ", ".join(
        f"{d} {_version(d)}"
        for d in ("aiotokenhot", "aiohttp", "pydantic", "orjson", "openai", "anthropic",
                  "google-genai")
    )
    return (
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores (client and server share them)\n"
        f"- {platform.system()} {platform.release()}, Python {sys.version.split()[0]} "
        f"({platform.python_implementation()})\n"
        f"- {libs}\n"
    )


README_START = "<!-- bench:start (written by `make bench`) -->"
README_END = "<!-- bench:end -->"


def _best_peer(table: Table, protocol: str | None) -> Row | None:
    peers = [r for r in table.rows if r.family == "peer" and table.key in r.values
             and (protocol is None or r.protocol == protocol)]
    if not peers:
        return None
    pick = max if table.higher_is_better else min
    return pick(peers, key=lambda r: r.values[table.key])


def headline(report: Report, ours: str) -> str:
    """A short table for the README: aiotokenhot, the raw ceiling and the best official SDK.

    Streams get one row per protocol (the peer on that protocol); every other scenario one
    row for Chat Completions against the best official SDK on its own protocol.
    """
    lines = ["| scenario | aiotokenhot | raw aiohttp | × raw | best official SDK | aiotokenhot lead |",
             "|---|---|---|---|---|---|"]
    for table in report.tables:
        if table.title.startswith(("Where", "Cold start: import")):
            continue
        mine_name = table.ours or ours
        per_protocol = table.title.startswith("Stream")
        protocols = ([r.protocol for r in table.rows if r.client == mine_name]
                     if per_protocol else ["chat"])
        for protocol in dict.fromkeys(protocols):
            mine = table.row(mine_name, protocol)
            ref = table.reference_row(protocol)
            if mine is None or table.key not in mine.values:
                continue
            peer = _best_peer(table, protocol if per_protocol else None)
            ratio = table.ratio_to_reference(mine)
            lead = _lead(table, mine, peer)
            name = table.title.split(":")[0] if per_protocol else table.title.split(", server")[0]
            held = " (held 50 ms)" if "holds" in table.title else ""
            label = f"{name}{held}" + (f" · {protocol}" if per_protocol else "")
            lines.append("| " + " | ".join([
                f"{label} ({table.key})",
                _fmt(mine.values[table.key]),
                _fmt(ref.values.get(table.key)) if ref else "—",
                "—" if ratio is None else f"{ratio:.2f}×",
                f"{peer.client} ({peer.protocol}): {_fmt(peer.values[table.key])}" if peer else "—",
                "—" if lead is None else f"{lead:.1f}×",
            ]) + " |")
    return "\n".join(lines) + "\n"


def _lead(table: Table, mine: Row, peer: Row | None) -> float | None:
    if peer is None:
        return None
    a, b = mine.values.get(table.key), peer.values.get(table.key)
    if not a or not b:
        return None
    return a / b if table.higher_is_better else b / a


def write_readme_section(path: Path, report: Report, ours: str, machine: str) -> bool:
    """Replace the numbers between the bench markers of a README section (False: no markers)."""
    if not path.exists():
        return False
    text = path.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    note = ("Peers run on their own protocol (openai: chat, anthropic: messages, google-genai: "
            "gemini); cold start compares with a script doing the same request with aiohttp.")
    block = (f"{README_START}\nMeasured {stamp} on:\n\n{machine}\n{headline(report, ours)}\n"
             f"{note}\n{README_END}")
    path.write_text(head + block + tail)
    return True
