"""The cluster budget and output directory, without Ray: leases, shares, 429s, journals, parts."""

from __future__ import annotations

import io
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import ModelPrice
from aiotokenhot.batch import BatchResult, run_batch
from aiotokenhot.batch._cluster import (
    ClusterBudget,
    LeasedPacer,
    batch_key,
    journal_path,
    part_path,
    scan_dir,
    seal_leftovers,
    summary_from,
)
from aiotokenhot.batch._summary import ProgressLine
from aiotokenhot.testing import FakeTokenHot


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(i: int) -> dict[str, Any]:
    return {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": f"item {i}"}]}}


def test_leases_to_many_workers_share_one_smooth_schedule() -> None:
    clock = Clock()
    budget = ClusterBudget(rpm=600, concurrency=64, clock=clock)
    starts: list[float] = []
    for step in range(200):  # 8 workers, each leasing again as its starts run out
        worker = f"w{step % 8}"
        starts += budget.lease(worker, want=16)["starts"]
        clock.now += 0.05
    starts.sort()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.1 - 1e-9  # 600 rpm = one start every 100 ms, whoever asks
    assert len(starts) > 100


def test_a_lease_covers_about_half_a_second_of_the_workers_share() -> None:
    budget = ClusterBudget(rpm=6000, concurrency=64, clock=Clock())  # 100/s
    assert len(budget.lease("a", want=1000)["starts"]) == 50
    assert budget.lease("b", want=1000) == {"starts": [], "limit": 0, "tpm": None}  # a holds all 64
    assert budget.lease("a", want=0)["limit"] == 32  # a heartbeat: a shrinks to its half
    assert len(budget.lease("b", want=1000)["starts"]) == 25  # two workers share the rate
    assert len(budget.lease("b", want=3)["starts"]) == 3


def test_the_token_budget_is_shared_and_corrected_from_usage() -> None:
    clock = Clock()
    budget = ClusterBudget(tpm=6000, concurrency=8, clock=clock)  # 100 tokens a second
    [a1] = budget.lease("a", want=4, tokens_each=50)["starts"]  # half a second's worth
    assert budget.lease("b", want=4, tokens_each=50)["starts"] == []  # a holds all 8 slots
    budget.lease("a", want=0)  # a heartbeat: a gives b room in the concurrency
    [b1] = budget.lease("b", want=4, tokens_each=50)["starts"]
    [a2] = budget.lease("a", want=4, tokens_each=50)["starts"]
    assert [b1 - a1, a2 - a1] == pytest.approx([0.5, 1.0])  # one schedule: 50 tokens = 0.5 s
    budget.lease("a", want=0, token_delta=100)  # a's requests used 100 tokens more than guessed
    [b2] = budget.lease("b", want=4, tokens_each=50)["starts"]
    assert b2 - a1 == pytest.approx(1.5 + 1.0)  # the extra 100 tokens cost everyone 1 s


def test_a_429_from_any_worker_slows_every_worker() -> None:
    clock = Clock()
    budget = ClusterBudget(rpm=600, concurrency=8, clock=clock)
    budget.lease("a", want=1)
    budget.lease("b", want=1, rate_limited=1)
    first, second = budget.lease("a", want=2)["starts"]
    assert second - first == pytest.approx(0.2)  # half the rate for everyone
    assert budget.snapshot()["rate_limited_seen"] == 1


def test_a_joining_worker_gets_its_share_as_the_others_give_it_back() -> None:
    clock = Clock()
    budget = ClusterBudget(concurrency=4, ttl=10, clock=clock)
    assert budget.lease("a", want=4)["limit"] == 4
    assert budget.lease("b", want=4, in_use=0)["limit"] == 0  # a still uses all four
    assert budget.lease("a", want=0, in_use=4)["limit"] == 2  # a is told to shrink
    assert budget.lease("b", want=4)["limit"] == 0  # ... but has not yet
    assert budget.lease("a", want=0, in_use=2)["limit"] == 2
    assert budget.lease("b", want=4)["limit"] == 2
    assert budget.lease("b", want=4)["starts"]  # no rate budget: starts at once


def test_a_silent_worker_is_forgotten_after_the_ttl_and_its_share_reused() -> None:
    clock = Clock()
    budget = ClusterBudget(concurrency=4, ttl=5, clock=clock)
    assert budget.lease("a", want=1, report={"ok": 7})["limit"] == 4
    assert budget.lease("b", want=1)["limit"] == 0
    clock.now += 6  # a was killed and never came back to give its share up
    assert budget.lease("b", want=1)["limit"] == 4
    assert budget.snapshot()["counters"]["ok"] == 7  # its work still counts


@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["lease", "release", "tick"]),
                          st.integers(0, 8)), max_size=60),
       st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_workers_coming_and_going_never_exceed_the_concurrency(
    ops: list[tuple[int, str, int]], concurrency: int
) -> None:
    clock = Clock()
    budget = ClusterBudget(concurrency=concurrency, ttl=3, clock=clock)
    using: dict[str, int] = {}  # what each worker really has in flight
    allowed: dict[str, int] = {}
    for index, op, amount in ops:
        worker = f"w{index}"
        if op == "tick":
            clock.now += amount
            continue
        if op == "release":
            budget.release(worker)
            using.pop(worker, None)  # a released worker has nothing in flight
            allowed.pop(worker, None)
            continue
        in_use = min(using.get(worker, 0), amount)  # some requests finished meanwhile
        limit = budget.lease(worker, want=1, in_use=in_use)["limit"]
        allowed[worker] = limit
        using[worker] = max(in_use, min(limit, amount))  # starts new ones up to its limit
        live = {w for w, s in budget._workers.items()}
        for gone in set(using) - live:  # forgotten after the ttl: a worker that died
            using.pop(gone)
        assert sum(using.values()) <= concurrency


def test_summary_from_a_snapshot_gives_progress_and_eta() -> None:
    clock = Clock()
    budget = ClusterBudget(concurrency=2, total=100, clock=clock)
    budget.lease("a", want=1, report={"ok": 30, "failed": 2, "in_flight": 2, "tokens": 90})
    budget.lease("b", want=1, report={"ok": 8, "in_flight": 1})
    clock.now += 10
    summary = summary_from(budget.snapshot())
    assert (summary.ok, summary.failed, summary.in_flight, summary.tokens) == (38, 2, 3, 90)
    eta = summary.eta()
    assert eta is not None and 14 < eta < 16  # 60 left at 4 per second


def test_the_cost_of_every_worker_adds_up_in_progress_and_summary() -> None:
    clock = Clock()
    budget = ClusterBudget(concurrency=2, total=10, clock=clock)
    budget.lease("a", want=1, report={"ok": 3, "cost": 0.000375, "priced": 3})
    budget.lease("b", want=1, report={"ok": 2, "cost": 0.00025, "priced": 2})
    budget.release("b", {"ok": 4, "cost": 0.0005, "priced": 4})  # gone: its last report counts
    clock.now += 1
    summary = summary_from(budget.snapshot())
    assert (summary.ok, summary.priced, summary.cost) == (7, 7, Decimal("0.000875"))
    assert "cost $0.000875" in ProgressLine(summary, io.StringIO()).render()
    assert "cost $0.000875 (7 priced)" in summary.format()
    unpriced = ClusterBudget(concurrency=1, total=1, clock=clock)
    unpriced.lease("a", want=1, report={"ok": 1})
    assert "cost" not in summary_from(unpriced.snapshot()).format()


async def test_a_workers_reports_carry_the_cost_of_its_answers() -> None:
    from aiotokenhot.batch.ray import TokenHotMapper

    rows = [json.dumps(request(i)) for i in range(6)]
    async with FakeTokenHot(reply_words=2) as fake:
        prices = {"gpt-5.4": ModelPrice(input="1.25", output="10")}
        mapper = TokenHotMapper(api_key=fake.api_key, base_url=fake.base_url, concurrency=3,
                                client_options={"prices": prices})
        try:
            out = await mapper({"text": rows})
        finally:
            await mapper.aclose()
    expected = Decimal(0)
    for response in out["response"]:
        usage = json.loads(response)["usage"]
        expected += (usage["prompt_tokens"] * Decimal("1.25")
                     + usage["completion_tokens"] * Decimal(10)) / 1_000_000
    report = mapper._report()
    assert report["priced"] == 6 and expected > 0
    assert Decimal(report["cost"]).quantize(Decimal("1e-12")) == expected


async def test_leased_pacers_keep_two_runs_within_one_budget(tmp_path: Path) -> None:
    budget = ClusterBudget(rpm=600, concurrency=6)  # 10 requests a second for both together

    async def lease(**kwargs: Any) -> dict[str, Any]:
        await anyio.lowlevel.checkpoint()  # a remote call in Ray
        return budget.lease(**kwargs)

    async with FakeTokenHot(reply_words=2) as fake, fake.client(max_retries=0) as th:
        fake.limit_rpm(720, window=1.0)  # the gateway allows 12 in any second
        limiters = [anyio.CapacityLimiter(6) for _ in range(2)]
        pacers = [LeasedPacer(lease, f"w{i}", limiters[i]) for i in range(2)]

        async def worker(i: int) -> None:
            await run_batch(th, [request(j) for j in range(i * 15, i * 15 + 15)],
                            output=tmp_path / f"{i}.jsonl", pacer=pacers[i], limiter=limiters[i],
                            concurrency=6, max_retries=0)

        async with anyio.create_task_group() as tg:
            for i in range(2):
                tg.start_soon(worker, i)
        assert fake.rate_limited == 0
        assert fake.max_per_window(1.0) <= 12
        assert len(fake.requests) == 30


# -- the output directory ---------------------------------------------------------------------------


def test_batch_keys_are_stable_and_distinct() -> None:
    assert batch_key(["a", "b"]) == batch_key(["a", "b"])
    assert len({batch_key(["a", "b"]), batch_key(["ab"]), batch_key(["b", "a"])}) == 3


def test_leftover_journals_are_sealed_and_the_directory_scanned(tmp_path: Path) -> None:
    out = str(tmp_path)
    (tmp_path / "_inflight").mkdir()

    def line(cid: str, failed: bool = False) -> bytes:
        return BatchResult(cid, 1, 200, {}, {"message": "x"} if failed else None, 1, 0.1).to_line()

    Path(part_path(out, "k1")).write_bytes(line("a") + line("b", failed=True))
    Path(journal_path(out, "k2")).write_bytes(line("c") + b'{"custom_id":"d","resp')  # killed
    Path(journal_path(out, "k3")).write_bytes(b"")
    assert seal_leftovers(out) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_inflight", "part-k1.jsonl", "part-k2.jsonl"]
    assert list((tmp_path / "_inflight").iterdir()) == []
    Path(part_path(out, "k4")).write_bytes(line("c"))  # as two runs at once would leave it
    scan = scan_dir(out)
    assert (scan.done, scan.ok, scan.failed, scan.duplicates) == ({"a", "b", "c"}, 3, 1, 1)
    assert [json.loads(x)["custom_id"] for x in Path(part_path(out, "k2")).read_text().splitlines()] \
        == ["c"]


# -- the driver's side, where no request is left to send (no Ray needed) ------------------------------


def finished_dir(tmp_path: Path, ids: list[str]) -> Path:
    out = tmp_path / "results"
    out.mkdir()
    (out / "part-old.jsonl").write_bytes(
        b"".join(BatchResult(cid, 1, 200, {}, None, 1, 0.1).to_line() for cid in ids))
    return out


def test_a_finished_job_reruns_without_ray_and_reports_duplicates(tmp_path: Path) -> None:
    from aiotokenhot.batch.ray import ClusterBatch

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(request(i)) + "\n" for i in range(5)) + "{oops\n")
    out = finished_dir(tmp_path, [f"req-{i}" for i in range(5)] + ["req-0"])
    bad: list[Any] = []
    summary = ClusterBatch(src, out, on_bad_line=bad.append).run()
    assert (summary.ok, summary.failed, summary.skipped, summary.bad) == (0, 0, 5, 1)
    assert [str(b) for b in bad] == ["line 6: not valid JSON"]
    assert summary.duplicates == 1
    assert "the output holds 1 duplicate result lines" in summary.format()


def test_a_second_driver_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    from aiotokenhot.batch import BatchOutputError
    from aiotokenhot.batch._cluster import hold_lock
    from aiotokenhot.batch.ray import ClusterBatch

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(request(0)) + "\n")
    out = finished_dir(tmp_path, ["req-0"])
    job = ClusterBatch(src, out)
    with hold_lock(str(out / ".driver.lock")), pytest.raises(BatchOutputError, match="in use by another"):
        job.run()
    assert not job.set_up


@pytest.mark.parametrize(("argv", "message"), [
    (["--fake"], "--fake runs in this process"),
    (["--shard", "0/2"], "do not apply with --ray"),
    ([], "no API key"),
])
def test_cli_ray_set_up_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    argv: list[str], message: str,
) -> None:
    from aiotokenhot.cli import main

    monkeypatch.delenv("TOKENHOT_API_KEY", raising=False)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(request(0)) + "\n")
    assert main(["batch", str(src), "-o", str(tmp_path / "out"), "--ray", *argv]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("aiotokenhot: error: ") and message in line


def test_the_output_of_a_cluster_job_must_be_a_directory(tmp_path: Path) -> None:
    from aiotokenhot import InvalidRequestError
    from aiotokenhot.batch.ray import ClusterBatch

    (tmp_path / "file").write_text("")
    (tmp_path / "in.jsonl").write_text(json.dumps(request(0)) + "\n")
    with pytest.raises(InvalidRequestError, match="is not a directory"):
        ClusterBatch(tmp_path / "in.jsonl", tmp_path / "file")
    with pytest.raises(InvalidRequestError, match="no such file"):
        ClusterBatch(tmp_path / "missing.jsonl", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_sdk_errors_cross_from_a_worker_to_the_driver_intact() -> None:
    import pickle

    from aiotokenhot import RateLimitError
    from aiotokenhot.batch.ray import _Carried, _sdk_error

    error = RateLimitError("slow down", status_code=429, body={"e": 1}, request_id="r-1",
                           headers={"Retry-After": "3"})
    carried = pickle.loads(pickle.dumps(_Carried.of(error)))  # as Ray ships it
    wrapped = RuntimeError("task failed")
    wrapped.cause = carried  # type: ignore[attr-defined]  # how a RayTaskError holds it
    again = _sdk_error(wrapped)
    assert isinstance(again, RateLimitError)
    assert (str(again), again.body, again.headers, again.request_id) == (
        str(error), {"e": 1}, {"Retry-After": "3"}, "r-1")
    assert _sdk_error(RuntimeError("not ours")) is None


async def test_a_worker_that_stalled_past_its_leased_starts_does_not_send_them_in_a_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [0.0]
    leases: list[list[float]] = []

    async def lease(**kwargs: Any) -> dict[str, Any]:
        starts = [clock[0] + 0.1 * i for i in range(5)]  # the cluster's 10 a second, from now
        leases.append(starts)
        return {"starts": starts, "limit": 4}

    async def sleep(seconds: float) -> None:  # time passes only when the pacer waits
        clock[0] += seconds

    monkeypatch.setattr(anyio, "sleep", sleep)
    pacer = LeasedPacer(lease, "w0", anyio.CapacityLimiter(4), clock=lambda: clock[0])
    await pacer.acquire()  # the start at 0.0
    clock[0] = 0.45  # the worker stalled: its starts 0.1-0.3 are past, 0.4 only just
    sent = []
    for _ in range(4):
        await pacer.acquire()
        sent.append(round(clock[0], 3))
    assert sent == [0.45, 0.45, 0.55, 0.65]  # 0.4 (just late) and a fresh lease, then spaced
    assert len(leases) == 2
