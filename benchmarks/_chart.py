"""The headline ratios as one SVG chart (matplotlib, Agg backend), committed next to RESULTS.md.

Left: CPU per event on the realistic streams as a speed ratio to the ceiling (higher is better),
for the typed-event loop, ``.text()``, ``th.stream()`` and the best official SDK, each with its
target. Right: the cost targets (fan-out CPU, time to first event, cold start, memory) as
ratios to raw aiohttp (lower is better). The file carries no date and a fixed hash salt, so the
same numbers give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from ._report import Report, Table, Target

__all__ = ["write_chart"]

_SERIES = (  # (label, row name or None for the best official SDK, colour)
    ("typed events, attribute read", "aiotokenhot typed events, attribute read", "#1f6feb"),
    (".text()", "aiotokenhot .text()", "#58a6ff"),
    ("th.stream()", "aiotokenhot th.stream()", "#8957e5"),
    ("best official SDK", None, "#9a9a9a"),
)


def _speed(table: Table, name: str | None, protocol: str) -> float | None:
    ref = table.row(table.reference, protocol)
    if name is None:
        peers = [r for r in table.rows if r.family == "peer" and r.protocol == protocol]
        row = min(peers, key=lambda r: r.values["µs CPU/event"]) if peers else None
    else:
        row = table.row(name, protocol)
    if ref is None or row is None:
        return None
    return ref.values["µs CPU/event"] / row.values["µs CPU/event"]


def write_chart(report: Report, path: Path, title: str) -> bool:
    """Draw the chart into ``path`` (SVG); False when matplotlib or the stream table is missing."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stream = next((t for t in report.tables if t.title.startswith("Stream, realistic")), None)
    if stream is None:
        return False
    protocols = list(dict.fromkeys(r.protocol for r in stream.rows))
    goals: dict[tuple[str, str], float] = {}
    for t in report.targets:
        if t.speed and t.line is not None and " · " in t.what:
            label, protocol = t.what.rsplit(" · ", 1)
            goals[(label, protocol)] = t.line
    costs: list[Target] = [t for t in report.targets if not t.speed and t.line is not None]

    matplotlib.rcParams.update({"svg.hashsalt": "aiotokenhot-bench", "font.size": 9,
                                "svg.fonttype": "path"})
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5),
                                      gridspec_kw={"width_ratios": [3, 2]})
    height = 0.8 / len(_SERIES)
    for i, protocol in enumerate(protocols):
        for j, (label, name, colour) in enumerate(_SERIES):
            y = i + (j - (len(_SERIES) - 1) / 2) * height
            value = _speed(stream, name, protocol)
            if value is None:
                continue
            left.barh(y, min(value, 1.2), height * 0.9, color=colour,
                      label=label if i == 0 else None)
            left.text(min(value, 1.2) + 0.01, y, f"{value:.2f}×", va="center", fontsize=7)
            goal = goals.get((label, protocol))
            if goal is not None:
                left.plot([goal, goal], [y - height / 2, y + height / 2], color="#d1242f", lw=2,
                          label="target" if i == 0 and j == 0 else None)
    left.set_yticks(range(len(protocols)), protocols)
    left.invert_yaxis()
    left.axvline(1.0, color="black", lw=0.8, ls=":")
    left.set_xlabel("speed vs the ceiling (ceiling CPU per event / client's), higher is better")
    left.set_title("Realistic streams: CPU per event, ratio to aiohttp + SSE + orjson")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=5, fontsize=7,
                frameon=False)
    left.set_xlim(0, 1.2)

    names = [t.what.replace(" (import + client + first request)", "").replace(" (median)", "")
             for t in costs]
    for k, t in enumerate(costs):
        value = t.ratio
        if value is not None:
            colour = "#1a7f37" if t.met else "#d1242f"
            right.barh(k, value, 0.6, color=colour)
            right.text(value + 0.02, k, f"{value:.2f}×", va="center", fontsize=7)
        if t.line is not None:
            right.plot([t.line, t.line], [k - 0.4, k + 0.4], color="black", lw=2)
    top = max([1.0, *(t.ratio or 0.0 for t in costs), *(t.line or 0.0 for t in costs)])
    right.set_xlim(0, top * 1.2)
    right.set_yticks(range(len(costs)), names)
    right.invert_yaxis()
    right.axvline(1.0, color="black", lw=0.8, ls=":")
    right.set_xlabel("ours / raw aiohttp, lower is better; black: target")
    right.set_title("Costs against raw aiohttp")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None, "Creator": "aiotokenhot benchmarks"})
    plt.close(fig)
    return True
