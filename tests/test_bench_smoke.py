"""A tiny run of the benchmark harness: every scenario's table comes out with the expected rows.

No timing is asserted (speed belongs to ``make bench``); this only proves the harness works:
the payload server process starts, each client streams and checks its text, the tables and
the targets are filled, and RESULTS.md-style markdown and the chart are written.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import pytest

from benchmarks._chart import write_chart
from benchmarks._clients import (
    RawBytes,
    RawOrjson,
    TokenHotCore,
    TokenHotNative,
    TokenHotText,
    TokenHotUnified,
)
from benchmarks._payloads import PING_EVERY, stream_events
from benchmarks._report import HISTORY_MARK, Report
from benchmarks._runner import GOALS, Settings, run

HAS_ORJSON = find_spec("orjson") is not None
HAS_MATPLOTLIB = find_spec("matplotlib") is not None


@pytest.fixture(scope="module")
def report() -> Report:
    settings = Settings(
        chunks=300,
        stream_reps=1,
        paced_events=20,
        paced_reps=1,
        fanout=((40, 8, 0), (20, 500, 5)),
        fanout_reps=1,
        ttfe_streams=8,
        scenarios=("stream", "uniform", "paced", "breakdown", "fanout", "ttfe", "telemetry"),
        clients=(RawBytes, RawOrjson, TokenHotNative, TokenHotText, TokenHotUnified,
                 TokenHotCore),
        verbose=False,
    )
    return run(settings)


def rows(report: Report, title_start: str) -> set[tuple[str, str]]:
    (table,) = [t for t in report.tables if t.title.startswith(title_start)]
    return {(row.client, row.protocol) for row in table.rows}


def test_realistic_payloads_carry_what_real_services_send() -> None:
    chat = stream_events("chat", 30, real=True)
    assert all(b'"obfuscation":"' in e for e in chat[:-1])
    assert len({e.split(b'"obfuscation":"')[1] for e in chat[1:30]}) > 20  # random per chunk
    assert b'"choices":[],"usage":{"prompt_tokens"' in chat[-2] and chat[-1] == b"data: [DONE]\n\n"
    messages = stream_events("messages", 30, real=True)
    assert sum(e.startswith(b"event: ping") for e in messages) == 1 + (30 - 1) // PING_EVERY
    gemini = [stream_events("gemini", 3, real=True, variant=v) for v in (0, 1)]
    assert b'"candidatesTokenCount":1,' in gemini[0][0]
    assert b'"candidatesTokenCount":2,' in gemini[0][1]
    assert gemini[0][0].split(b'"responseId"')[1] != gemini[1][0].split(b'"responseId"')[1]
    responses = stream_events("responses", 5, real=True)
    assert sum(b'"obfuscation"' in e for e in responses) == 5


def test_stream_tables_have_every_protocol_for_each_way_of_reading(report: Report) -> None:
    for title in ("Stream, realistic", "Stream, uniform"):
        got = rows(report, title)
        for protocol in ("chat", "responses", "messages", "gemini"):
            assert (RawBytes.name, protocol) in got
            for cls in (TokenHotNative, TokenHotText, TokenHotUnified):
                assert (cls.name, protocol) in got
            assert ((RawOrjson.name, protocol) in got) is HAS_ORJSON
        assert (TokenHotCore.name, "chat") in got


def test_paced_stream_reports_cpu_and_latency_against_the_ceiling(report: Report) -> None:
    (table,) = [t for t in report.tables if t.title.startswith("Token-paced")]
    ours = table.row(TokenHotNative.name, "chat")
    assert ours is not None and ours.values["µs CPU/event"] > 0
    assert ours.values["median latency µs"] > 0
    if HAS_ORJSON:
        assert table.row(RawOrjson.name, "chat") is not None


def test_fanout_and_first_event_tables_compare_with_raw_aiohttp(report: Report) -> None:
    for title in ("Fan-out: 40 requests", "Fan-out: 20 requests, 500", "Time to first event"):
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


def test_every_goal_is_checked_and_the_measured_ones_carry_a_margin(report: Report) -> None:
    by_what = {t.what: t for t in report.targets}
    assert {g.what for g in GOALS} <= set(by_what)
    for what in ("typed events, attribute read · chat", ".text() · gemini",
                 "th.stream() · messages", "fan-out CPU per request, 500 in flight",
                 "time to first event (median)"):
        target = by_what[what]
        if what.startswith(("typed", ".text", "th.")) and not HAS_ORJSON:
            continue  # the stream goals are ratios to the orjson ceiling
        assert target.met is not None and target.ratio is not None, what
        assert target.margin.endswith("%)")
    assert by_what["cold start (import + client + first request)"].met is None  # not run here


def test_markdown_and_chart_are_written_and_history_is_kept(report: Report, tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(f"old numbers\n{HISTORY_MARK}\n## Speed work log\nkept by hand\n")
    report.write(out, "- CPU: test machine\n", "results.svg")
    text = out.read_text()
    assert "old numbers" not in text
    assert f"| {TokenHotNative.name} | chat |" in text
    assert "orjson.loads" in text and "![headline ratios](results.svg)" in text
    assert text.endswith("## Speed work log\nkept by hand\n")

    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    drawn = write_chart(report, first, "smoke run")
    assert drawn is HAS_MATPLOTLIB
    if drawn:
        write_chart(report, second, "smoke run")
        svg = first.read_bytes()
        assert svg.startswith(b"<?xml") and b"<svg" in svg and b"Date" not in svg
        assert svg == second.read_bytes()  # same numbers, same bytes: fit to commit

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
