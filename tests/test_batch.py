"""Batch fan-out: bounds, budgets, resume after kills, bad lines, shards, cancellation."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from aiotokenhot import AsyncTokenHot, AuthenticationError, InvalidRequestError
from aiotokenhot.batch import BatchResult, Pacer, Shard, run_batch
from aiotokenhot.testing import FakeTokenHot

ROOT = Path(__file__).resolve().parent.parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request(i: int, *, url: str = "/v1/chat/completions", **extra: Any) -> dict[str, Any]:
    return {"custom_id": f"req-{i}", "method": "POST", "url": url,
            "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": f"item {i}"}],
                     **extra}}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def prompt_ids(fake: FakeTokenHot, start: int = 0) -> list[str]:
    """The custom ids the fake was asked about (the prompt is "item N")."""
    out = []
    for rec in fake.requests[start:]:
        content = rec.json["messages"][-1]["content"]
        out.append("req-" + content.split()[1])
    return out


def slow_fake(delay: float | Callable[[web.Request], Awaitable[float]]) -> FakeTokenHot:
    """A fake whose handlers take ``delay`` seconds (counted in ``fake.max_in_flight``)."""
    fake = FakeTokenHot(reply_words=4)

    @web.middleware
    async def slow(req: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(await delay(req) if callable(delay) else delay)
        return await handler(req)

    fake.app.middlewares.append(slow)
    return fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot(reply_words=4) as server:
        yield server


async def test_results_stream_back_and_the_file_gets_one_line_per_id(
    fake: FakeTokenHot, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    async with fake.client() as th, run_batch(th, [request(i) for i in range(30)], output=out,
                                              concurrency=4) as run:
        results = [r async for r in run]
    assert sorted(r.custom_id for r in results) == sorted(f"req-{i}" for i in range(30))
    assert all(r.ok and r.status_code == 200 for r in results)
    lines = read_lines(out)
    assert len(lines) == 30
    first = next(line for line in lines if line["custom_id"] == "req-7")
    assert first["error"] is None
    assert first["response"]["status_code"] == 200
    assert first["response"]["body"]["choices"][0]["message"]["content"].startswith("Echo: item 7")
    assert run.summary.ok == 30 and run.summary.tokens == sum(r.tokens or 0 for r in results)


async def test_awaiting_the_run_returns_its_summary(fake: FakeTokenHot, tmp_path: Path) -> None:
    async with fake.client() as th:
        summary = await run_batch(th, [request(i) for i in range(10)], output=tmp_path / "o.jsonl")
    assert (summary.ok, summary.failed, summary.bad) == (10, 0, 0)
    assert summary.latency_p50 is not None and summary.latency_p95 is not None
    assert "10 ok" in summary.format()


async def test_concurrency_never_exceeds_the_bound(tmp_path: Path) -> None:
    async with slow_fake(0.02) as fake, fake.client() as th:
        summary = await run_batch(th, [request(i) for i in range(40)], concurrency=5)
    assert summary.ok == 40
    assert fake.max_in_flight == 5  # reached, never exceeded


async def test_rpm_budget_spaces_requests_evenly(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        await run_batch(th, [request(i) for i in range(15)], concurrency=8, rpm=600)
    times = [r.time for r in fake.requests]
    assert len(times) == 15
    # 600 rpm = one start per 100 ms: never a burst, over any one-second window
    assert times[-1] - times[0] >= 14 * 0.1 - 0.05
    for t in times:
        assert sum(1 for u in times if t <= u < t + 1.0) <= 11


async def test_tpm_budget_is_corrected_by_reported_usage(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        summary = await run_batch(th, [request(i) for i in range(8)], concurrency=1, tpm=60 * 80)
    per_request = summary.tokens / 8  # 2 prompt + 4 reply words = 6 tokens each
    assert per_request == 6
    times = [r.time for r in fake.requests]
    # 80 tokens/s and 6 tokens per request: the starts are >= 75 ms apart once usage is known
    assert times[-1] - times[0] >= 7 * 6 / 80 - 0.05


async def test_rate_limit_answers_are_retried_and_slow_the_pace(fake: FakeTokenHot) -> None:
    fake.fail_next(3, 429, retry_after=0)
    async with fake.client() as th:
        run = run_batch(th, [request(i) for i in range(6)], concurrency=2, rpm=6000)
        summary = await run
    assert (summary.ok, summary.failed, summary.retried, summary.rate_limited) == (6, 0, 3, 3)
    assert run.pacer.factor() < 1.0


def test_pacer_halves_on_429_and_recovers_linearly() -> None:
    now = [0.0]
    pacer = Pacer(rpm=600, recovery=10.0, clock=lambda: now[0])
    assert [pacer.reserve() for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    now[0] = 0.3
    pacer.on_rate_limited()
    pacer.on_rate_limited()  # the same burst: counted, but cut once
    assert pacer.rate_limited == 2
    assert pacer.factor() == pytest.approx(0.5)
    first = pacer.reserve()
    assert pacer.reserve() - first == pytest.approx(0.2)  # half the rate: twice the gap
    now[0] = 5.3
    assert 0.5 < pacer.factor() < 1.0
    now[0] = 20.0
    assert pacer.factor() == 1.0


def test_pacer_without_budget_learns_one_from_the_first_429() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])
    for i in range(11):
        now[0] = i * 0.01  # 100 requests per second observed
        assert pacer.reserve() == now[0]
    pacer.on_rate_limited()
    start = pacer.reserve()
    assert pacer.reserve() - start == pytest.approx(0.02)  # 50 per second


async def test_client_errors_are_written_once_and_not_resent(
    fake: FakeTokenHot, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    fake.fail_next(1, 400)
    async with fake.client() as th:
        first = await run_batch(th, [request(0)], output=out)
        again = await run_batch(th, [request(0)], output=out)
    assert (first.failed, again.skipped) == (1, 1)
    [line] = read_lines(out)
    assert line["response"]["status_code"] == 400
    assert line["error"]["type"] == "BadRequestError"
    assert len(fake.requests) == 1


async def test_bad_lines_are_reported_with_line_numbers(fake: FakeTokenHot, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [
        request(1),
        "{not json",
        {"method": "POST", "url": "/v1/chat/completions", "body": {}},
        request(1),
        request(2, url="/v1/unknown"),
        request(3, stream=True),
        "[1, 2]",
        "",
        {"custom_id": "req-4", "method": "POST", "url": "/v1beta/models/gemini-2.5-flash:generateContent",
         "body": {"contents": [{"parts": [{"text": "item 4"}]}]}},
    ])
    reported = []
    async with fake.client() as th:
        summary = await run_batch(th, src, on_bad_line=reported.append)
    assert [str(b) for b in reported] == [
        "line 2: not valid JSON",
        "line 3: missing custom_id (a non-empty string)",
        "line 4: duplicate custom_id 'req-1'",
        "line 5: unknown url '/v1/unknown'",
        'line 6: streaming bodies ("stream": true) are not supported in a batch',
        "line 7: not a JSON object",
    ]
    assert summary.bad == 6 and summary.bad_lines == reported
    assert summary.dispatched == 2  # req-1 and the Gemini route


async def test_torn_last_line_is_cut_away_before_resuming(fake: FakeTokenHot, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    async with fake.client() as th:
        await run_batch(th, [request(i) for i in range(3)], output=out, ordered=True)
        whole = out.read_bytes()
        out.write_bytes(whole + b'{"custom_id":"req-3","response":{"status_c')  # killed mid-write
        summary = await run_batch(th, [request(i) for i in range(5)], output=out)
    assert summary.repaired_bytes > 0 and summary.skipped == 3 and summary.ok == 2
    assert out.read_bytes().startswith(whole)
    assert sorted(line["custom_id"] for line in read_lines(out)) == [f"req-{i}" for i in range(5)]


async def test_a_result_cut_just_before_its_newline_counts_as_torn(
    fake: FakeTokenHot, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    done = '{"custom_id":"req-0","response":{"status_code":200,"body":{}},"error":null}'
    out.write_text(done + "\n" + done.replace("req-0", "req-1"))  # no final newline
    async with fake.client() as th:
        summary = await run_batch(th, [request(0), request(1)], output=out)
    assert (summary.skipped, summary.ok, summary.repaired_bytes) == (1, 1, len(done))
    assert [line["custom_id"] for line in read_lines(out)] == ["req-0", "req-1"]


async def test_a_broken_line_inside_the_output_is_refused(fake: FakeTokenHot, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('garbage\n{"custom_id": "req-0", "response": null, "error": {"message": "x"}}\n')
    async with fake.client() as th:
        with pytest.raises(InvalidRequestError, match="line 1 is not a batch result line"):
            await run_batch(th, [request(0)], output=out)
    assert len(fake.requests) == 0


KILL_SCRIPT = """
import sys, anyio
from aiotokenhot import AsyncTokenHot
from aiotokenhot.batch import run_batch

async def main():
    async with AsyncTokenHot(sys.argv[1], sys.argv[2]) as th:
        await run_batch(th, sys.argv[3], output=sys.argv[4], concurrency=3)

anyio.run(main)
"""


@pytest.mark.parametrize("kill_after", [1, 40, 100])
async def test_resume_after_kill_9_gives_exactly_one_line_per_id(tmp_path: Path, kill_after: int) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(120)])
    out = tmp_path / "out.jsonl"
    async with slow_fake(0.03) as fake:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", KILL_SCRIPT, fake.api_key, fake.base_url, str(src), str(out),
            cwd=ROOT,
        )
        while not out.exists() or out.read_bytes().count(b"\n") < kill_after:
            assert proc.returncode is None, "the batch ended before it could be killed"
            await anyio.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        survived = {line["custom_id"] for line in read_lines(out)}
        assert kill_after <= len(survived) < 120

        sent_before = len(fake.requests)
        async with fake.client() as th:
            summary = await run_batch(th, src, output=out, concurrency=8)
        resent = prompt_ids(fake, sent_before)

    lines = read_lines(out)
    assert len(lines) == 120
    assert {line["custom_id"] for line in lines} == {f"req-{i}" for i in range(120)}
    assert sorted(resent) == sorted({f"req-{i}" for i in range(120)} - survived)
    assert summary.skipped == len(survived) and summary.ok == 120 - len(survived)


async def test_cancelling_releases_connections_and_keeps_the_file_consistent(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    requests = [request(i) for i in range(60)]
    async with slow_fake(0.02) as fake, fake.client() as th:
        seen = 0
        with anyio.CancelScope() as scope:
            async with run_batch(th, requests, output=out, concurrency=6) as run:
                async for _ in run:
                    seen += 1
                    if seen == 10:
                        scope.cancel()
        assert scope.cancelled_caught
        assert run.summary.cancelled
        assert th.pool.acquired_connections() == 0
        written = read_lines(out)
        assert 10 <= len(written) < 60
        assert len({line["custom_id"] for line in written}) == len(written)

        await run_batch(th, requests, output=out, concurrency=6)
    assert sorted(line["custom_id"] for line in read_lines(out)) == sorted(r["custom_id"] for r in requests)


async def test_leaving_the_iteration_early_stops_the_rest(tmp_path: Path) -> None:
    async with slow_fake(0.02) as fake, fake.client() as th:
        async with run_batch(th, [request(i) for i in range(50)], concurrency=4) as run:
            async for _ in run:
                break
        assert th.pool.acquired_connections() == 0
        await anyio.sleep(0.3)  # long enough for the whole batch, had it gone on
        assert len(fake.requests) < 20


async def test_shards_split_ids_with_no_overlap_and_no_gap(fake: FakeTokenHot, tmp_path: Path) -> None:
    rows: list[Any] = [request(i) for i in range(40)] + ["not json", "[]", "{]"]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    outs = [tmp_path / f"out-{k}.jsonl" for k in range(3)]
    bad_by_shard = []
    async with fake.client() as th:
        for k, out in enumerate(outs):
            summary = await run_batch(th, src, output=out, shard=f"{k}/3")
            bad_by_shard.append([b.line for b in summary.bad_lines])
    ids = [[line["custom_id"] for line in read_lines(out)] for out in outs]
    assert all(ids)  # every shard got work
    merged = [i for part in ids for i in part]
    assert sorted(merged) == sorted(r["custom_id"] for r in rows[:40])
    assert sorted(n for lines in bad_by_shard for n in lines) == [41, 42, 43]
    assert Shard.parse("1/3").owns("req-5") == ("req-5" in ids[1])


def test_shard_spec_is_checked() -> None:
    assert Shard.parse("0/4") == Shard(0, 4)
    for bad in ("4/4", "1", "a/b", "-1/2"):
        with pytest.raises(InvalidRequestError):
            Shard.parse(bad)


async def test_ordered_results_follow_the_input_order() -> None:
    async def first_is_slow(req: web.Request) -> float:
        body = await req.json()
        return 0.05 if body["messages"][-1]["content"] == "item 0" else 0.0

    requests = [request(i) for i in range(20)]
    expected = [r["custom_id"] for r in requests]
    async with slow_fake(first_is_slow) as fake, fake.client() as th:
        async with run_batch(th, requests, concurrency=5) as run:
            as_finished = [r.custom_id async for r in run]
        async with run_batch(th, requests, concurrency=5, ordered=True) as run:
            in_order = [r.custom_id async for r in run]
    assert as_finished != expected  # the slow first item finished late...
    assert in_order == expected  # ...but ordered=True waits for it


async def test_progress_line_is_rewritten_in_place(fake: FakeTokenHot) -> None:
    screen = io.StringIO()
    async with fake.client() as th:
        await run_batch(th, [request(i) for i in range(10)], progress=True, progress_stream=screen)
    text = screen.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    last = text.rstrip("\n").rsplit("\r", 1)[-1]
    assert "lines 10/10 | ok 10 failed 0 bad 0 | in-flight 0" in last and "tokens 60" in last


async def test_async_iterable_input(fake: FakeTokenHot) -> None:
    async def produce() -> AsyncIterator[dict[str, Any]]:
        for i in range(5):
            yield request(i)

    async with fake.client() as th, run_batch(th, produce()) as run:
        results: list[BatchResult] = [r async for r in run]
    assert len(results) == 5


async def test_a_wrong_key_stops_the_run_without_writing(fake: FakeTokenHot, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    async with AsyncTokenHot("sk-wrong-key", fake.base_url) as th:
        with pytest.raises(AuthenticationError) as caught:
            await run_batch(th, [request(i) for i in range(20)], output=out, concurrency=2)
    assert out.read_bytes() == b""
    assert "sk-wrong-key" not in str(caught.value)
