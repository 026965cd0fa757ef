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

__all__ = ["CEILING", "Report", "Row", "Table", "Target", "machine_info", "stream_headline"]

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
    margin: str = ""  # signed distance to the goal, positive when met
    ratio: float | None = None  # the measured ratio, for the chart
    line: float | None = None  # the goal's ratio
    speed: bool = False  # True: higher is better


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
        lines = ["| target | goal | measured | | margin |", "|---|---|---|---|---|"]
        for t in self.targets:
            mark = "n/a" if t.met is None else ("met" if t.met else "**missed**")
            lines.append(f"| {t.what} | {t.goal} | {t.measured} | {mark} | {t.margin or '—'} |")
        return "\n".join(lines) + "\n"

    def write(self, path: Path, machine: str, chart: str | None = None) -> None:
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
            f"{CEILING}\n"
            "Ratios compare rows of the same run: `× raw` divides by the raw-aiohttp row named in\n"
            "the column (streams, token-paced stream and time to first event: the ceiling above;\n"
            "fan-out and memory: aiohttp reading bytes; cold start: aiohttp), and the last column\n"
            "says how many times better aiotokenhot's typed stream does than that peer on the\n"
            "same protocol. Stream ratios are speed ratios (ceiling CPU per event / ours), so\n"
            "1.00× is the ceiling and higher is better; every other ratio is a cost (ours / raw),\n"
            "lower is better. A target's margin is its distance to the line, positive when met.\n\n"
            + (f"![headline ratios]({chart})\n\n" if chart else "")
            + f"{self.markdown()}\n{HISTORY_MARK}{history}"
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


CEILING = (
    "**The ceiling** (`raw aiohttp + SSE + orjson`) is the least a Python client can do and still\n"
    "hand the user each event's text: aiohttp's `resp.content.readany()`, the bytes split into\n"
    "SSE frames with `bytes.split(b\"\\n\\n\")`, each `data:` line parsed with `orjson.loads` into a\n"
    "plain dict, and the text read from the dict by key. No types, no validation, no\n"
    "accumulation for a final answer, no error checks. `raw aiohttp (bytes only)` reads the body\n"
    "and nothing else.\n"
)

README_START = "<!-- bench:start (written by `make bench`) -->"
README_END = "<!-- bench:end -->"


def _best_peer(table: Table, protocol: str) -> Row | None:
    peers = [r for r in table.rows if r.family == "peer" and table.key in r.values
             and r.protocol == protocol]
    if not peers:
        return None
    pick = max if table.higher_is_better else min
    return pick(peers, key=lambda r: r.values[table.key])


def stream_headline(table: Table, clients: list[tuple[str, str]], cost: str) -> str:
    """Per protocol: the ceiling's CPU per event, then each of ``clients`` (label, row name)
    and the best official SDK, each as µs and as a speed ratio to the ceiling."""
    head = ["protocol", f"ceiling ({cost})", *(label for label, _ in clients), "best official SDK"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for protocol in dict.fromkeys(r.protocol for r in table.rows):
        ref = table.row(table.reference, protocol)
        if ref is None or cost not in ref.values:
            continue
        cells = [protocol, _fmt(ref.values[cost])]
        picks = [table.row(name, protocol) for _, name in clients]
        peer = _best_peer(table, protocol)
        for row in [*picks, peer]:
            if row is None or cost not in row.values:
                cells.append("—")
                continue
            ratio = ref.values[cost] / row.values[cost]
            who = f"{row.client}: " if row is peer else ""
            cells.append(f"{who}{_fmt(row.values[cost])} ({ratio:.2f}×)")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_readme_section(path: Path, block: str) -> bool:
    """Replace what lies between the bench markers of a README section (False: no markers)."""
    if not path.exists():
        return False
    text = path.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_START}\n{block}{README_END}{tail}")
    return True
