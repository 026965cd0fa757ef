"""Batch on a local Ray instance: one budget for all workers, exactly once after kills, one summary.

Every test here shares one small local Ray (2 CPUs); select them with ``-m ray``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from aiotokenhot import AuthenticationError
from aiotokenhot.cli import main
from aiotokenhot.testing import FakeTokenHot

ray = pytest.importorskip("ray")  # a dev dependency; users install the aiotokenhot[ray] extra

from aiotokenhot.batch.ray import ClusterBatch, TokenHotMapper, budget_actor  # noqa: E402

pytestmark = pytest.mark.ray
ROOT = Path(__file__).resolve().parent.parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


def request(i: int) -> dict[str, Any]:
    return {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": f"item {i}"}]}}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def result_ids(directory: Path, *, journals: bool = False) -> list[str]:
    """The ids in the parts (and, with ``journals``, in unfinished batches' journals)."""
    files = sorted(directory.glob("part-*.jsonl"))
    if journals:
        files += sorted(directory.glob("_inflight/*.jsonl"))
    return [json.loads(line)["custom_id"] for part in files
            for line in part.read_text().splitlines() if line.endswith("}")]


def slow_fake(delay: float) -> FakeTokenHot:
    fake = FakeTokenHot(reply_words=2)

    @web.middleware
    async def slow(req: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(delay)
        return await handler(req)

    fake.app.middlewares.append(slow)
    return fake


async def test_the_cli_keeps_the_cluster_in_one_budget_and_a_rerun_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(40)] + ["{broken"])
    out = tmp_path / "results"
    async with FakeTokenHot(reply_words=2) as fake:
        fake.limit_rpm(720, window=1.0)  # the gateway: 12 requests in any second
        monkeypatch.setenv("TOKENHOT_API_KEY", fake.api_key)
        monkeypatch.setenv("TOKENHOT_BASE_URL", fake.base_url)
        prices = tmp_path / "prices.json"
        prices.write_text(json.dumps({"gpt-5.4": {"input": "1.25", "output": "10"}}))
        argv = ["batch", str(src), "-o", str(out), "--ray", "--rpm", "600", "-c", "4",
                "--workers", "2", "--batch-size", "10", "--max-retries", "0",
                "--prices", str(prices)]
        code = await anyio.to_thread.run_sync(main, argv)  # 600 rpm for the two workers together
        err = capsys.readouterr().err
        assert code == 1, err  # the broken line
        assert fake.rate_limited == 0 and fake.max_per_window(1.0) <= 12
        assert len(fake.requests) == 40
        assert "line 41: not valid JSON" in err
        assert "done in" in err and "40 ok, 0 failed, 1 bad lines, 0 already done" in err
        assert sorted(result_ids(out)) == sorted(f"req-{i}" for i in range(40))
        # the cost of both workers' answers, as the single-machine summary states it
        usages = [json.loads(line)["response"]["body"]["usage"]
                  for part in out.glob("part-*.jsonl") for line in part.read_text().splitlines()]
        cost = sum((u["prompt_tokens"] * Decimal("1.25") + u["completion_tokens"] * 10
                    for u in usages), Decimal(0)) / 1_000_000
        assert len(usages) == 40 and cost > 0
        assert f"cost ${cost:.6f} (40 priced)" in err
        assert not (out / "_todo").exists() and list((out / "_inflight").iterdir()) == []

        again = await anyio.to_thread.run_sync(ClusterBatch(
            src, out, api_key=fake.api_key, base_url=fake.base_url).run)
        assert len(fake.requests) == 40
        assert (again.ok, again.failed, again.bad, again.skipped, again.duplicates) == (0, 0, 1, 40, 0)

        wrong = ClusterBatch(src, tmp_path / "other", api_key="sk-wrong-key", base_url=fake.base_url,
                             workers=1)
        with pytest.raises(AuthenticationError) as caught:  # as on one machine, not a Ray error
            await anyio.to_thread.run_sync(wrong.run)
    assert "sk-wrong-key" not in str(caught.value)
    assert result_ids(tmp_path / "other") == []


async def test_a_worker_killed_mid_run_loses_only_its_requests_in_flight(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(80)])
    out = tmp_path / "results"
    killed: list[int] = []

    def kill_a_worker_midway(job: ClusterBatch) -> None:
        def watch() -> None:
            for _ in range(1200):  # a minute at most
                pids = [pid for pid in job.worker_pids().values() if pid]
                if job.progress().done >= 15 and pids:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                    return
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()

    async with slow_fake(0.05) as fake:
        job = ClusterBatch(src, out, api_key=fake.api_key, base_url=fake.base_url, concurrency=4,
                           workers=2, batch_size=10, lease_ttl=2.0)
        summary = await anyio.to_thread.run_sync(
            lambda: job.run(on_started=kill_a_worker_midway))
        sent = len(fake.requests)
    assert killed, "no worker was killed"
    ids = result_ids(out)
    assert sorted(ids) == sorted(f"req-{i}" for i in range(80))  # exactly one line per id
    assert 80 <= sent <= 80 + 4  # redone: at most what was in flight (concurrency 4)
    assert (summary.ok, summary.failed, summary.duplicates) == (80, 0, 0)


DRIVER = """
import sys, ray
from aiotokenhot.batch.ray import ClusterBatch
ray.init(address=sys.argv[1], log_to_driver=False)
ClusterBatch(sys.argv[2], sys.argv[3], api_key=sys.argv[4], base_url=sys.argv[5], concurrency=4,
             workers=1, batch_size=10, lease_ttl=2.0).run()
"""


async def test_a_driver_killed_mid_run_and_a_rerun_give_one_result_per_id(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(80)])
    out = tmp_path / "results"
    address = ray.get_runtime_context().gcs_address
    async with slow_fake(0.15) as fake:  # 80 requests take 3 s at concurrency 4
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", DRIVER, address, str(src), str(out), fake.api_key,
            fake.base_url, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stderr=asyncio.subprocess.DEVNULL,
        )
        with anyio.fail_after(60):
            while len(result_ids(out, journals=True)) < 20:
                assert proc.returncode is None, "the driver ended before it could be killed"
                await anyio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        finished = len(result_ids(out, journals=True))
        assert finished < 80, "the killed run's workers finished the job before Ray reaped them"

        summary = await anyio.to_thread.run_sync(ClusterBatch(
            src, out, api_key=fake.api_key, base_url=fake.base_url, concurrency=4, workers=1,
            batch_size=10).run)
        sent = len(fake.requests)
    ids = result_ids(out)
    assert sorted(ids) == sorted(f"req-{i}" for i in range(80))
    assert 80 <= sent <= 80 + 4, sent
    assert 20 <= summary.skipped < 80, summary.format()  # what the killed run had finished, journals included
    assert summary.ok == 80 - summary.skipped and summary.duplicates == 0


async def test_map_batches_with_a_cluster_budget_returns_rows(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(30)] + ["{broken"])
    async with FakeTokenHot(reply_words=4) as fake:
        def pipeline() -> list[dict[str, Any]]:
            budget = budget_actor(concurrency=3)
            ds = ray.data.read_text(str(src)).map_batches(
                TokenHotMapper,
                fn_constructor_kwargs={"api_key": fake.api_key, "base_url": fake.base_url,
                                       "concurrency": 8, "budget": budget},
                compute=ray.data.ActorPoolStrategy(size=1),
                batch_size=16,
                num_cpus=0,
            )
            return list(ds.take_all())

        rows = await anyio.to_thread.run_sync(pipeline)  # the fake keeps serving meanwhile
    ok = {row["custom_id"]: json.loads(row["response"]) for row in rows if row["error"] is None}
    assert sorted(ok) == sorted(f"req-{i}" for i in range(30))
    assert ok["req-3"]["choices"][0]["message"]["content"].startswith("Echo: item 3")
    [bad] = [json.loads(row["error"]) for row in rows if row["error"] is not None]
    assert bad["type"] == "BadLine" and "not valid JSON" in bad["message"]
    assert len(fake.requests) == 30 and fake.max_in_flight <= 3  # the cluster's bound, not 8
