"""A tiny run of the benchmark harness: every scenario's table comes out with the expected rows.

No timing is asserted (speed belongs to ``make bench``); this only proves the harness works:
the payload server process starts, each client streams and checks its text, the tables and
the targets are filled, and RESULTS.md-style markdown is written.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import pytest

from benchmarks._clients import RawBytes, RawOrjson, TokenHotCore, TokenHotNative, TokenHotUnified
from benchmarks._report import HISTORY_MARK, Report
from benchmarks._runner import Settings, run

HAS_ORJSON = find_spec("orjson") is not None


@pytest.fixture(scope="module")
def report() -> Report:
    settings = Settings(
        chunks=300,
        stream_reps=1,
        fanout=((40, 8, 0), (20, 10, 5)),
        fanout_reps=1,
        ttfe_streams=8,
        scenarios=("stream", "breakdown", "fanout", "ttfe", "telemetry"),
        clients=(RawBytes, RawOrjson, TokenHotNative, TokenHotUnified, TokenHotCore),
        verbose=False,
    )
    return run(settings)


def rows(report: Report, title_start: str) -> set[tuple[str, str]]:
    (table,) = [t for t in report.tables if t.title.startswith(title_start)]
    return {(row.client, row.protocol) for row in table.rows}


def test_stream_table_has_every_protocol_for_aiotokenhot_and_the_raw_ceiling(report: Report) -> None:
    got = rows(report, "Stream:")
    for protocol in ("chat", "responses", "messages", "gemini"):
        assert (RawBytes.name, protocol) in got
        assert (TokenHotNative.name, protocol) in got
        assert (TokenHotUnified.name, protocol) in got
        assert ((RawOrjson.name, protocol) in got) is HAS_ORJSON
    assert (TokenHotCore.name, "chat") in got


def test_fanout_and_first_event_tables_compare_with_raw_aiohttp(report: Report) -> None:
    for title in ("Fan-out: 40 requests", "Fan-out: 20 requests", "Time to first event"):
        got = rows(report, title)
        assert {(RawBytes.name, "chat"), (TokenHotNative.name, "chat"),
                (TokenHotNative.name, "messages"), (TokenHotNative.name, "gemini")} <= got
    (fanout, *_) = [t for t in report.tables if t.title.startswith("Fan-out")]
    native = fanout.row(TokenHotNative.name, "chat")
    assert native is not None and fanout.ratio_to_reference(native) is not None


def test_breakdown_times_each_stage_of_each_protocol(report: Report) -> None:
    got = rows(report, "Where the time goes")
    for protocol in ("chat", "responses", "messages", "gemini"):
        assert {("SSE decoder", protocol), ("native _on_event", protocol),
                ("unified _on_event", protocol)} <= got


def test_targets_and_markdown_are_written_and_history_is_kept(report: Report, tmp_path: Path) -> None:
    whats = [t.what for t in report.targets]
    assert "native typed events · chat" in whats and "time to first event (median)" in whats
    out = tmp_path / "RESULTS.md"
    out.write_text(f"old numbers\n{HISTORY_MARK}\n## Speed work log\nkept by hand\n")
    report.write(out, "- CPU: test machine\n")
    text = out.read_text()
    assert "old numbers" not in text
    assert "| aiotokenhot native | chat |" in text
    assert text.endswith("## Speed work log\nkept by hand\n")


def test_telemetry_tables_compare_off_and_sdk_with_the_package_without_the_seam(
    report: Report,
) -> None:
    from benchmarks._telemetry import BASE, OFF, SDK

    for title in ("Telemetry cost: one chat stream", "Telemetry cost: fan-out"):
        got = rows(report, title)
        assert {(OFF, "chat"), (SDK, "chat")} <= got
        (table,) = [t for t in report.tables if t.title.startswith(title)]
        off = table.row(OFF, "chat")
        assert off is not None and table.ratio_to_reference(off) is not None
        if (BASE, "chat") in got:  # needs the git history
            assert table.reference == BASE
