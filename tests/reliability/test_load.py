"""Many concurrent streams against the fake gateway: right text each, pool limit held, no fd leak.

Marked ``load``: the default run uses the base sizes (a thousand streams); ``AIOTOKENHOT_LOAD_FULL=1``
runs ten times as many.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import pytest

from aiotokenhot import APIConnectionError, AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot

from ._protocols import PROTOCOLS, Proto, expected_text

pytestmark = [pytest.mark.load, pytest.mark.usefixtures("no_resource_warnings")]

WORDS = 8
POOL = 64


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not check():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def stream_text(proto: Proto, th: AsyncTokenHot, prompt: str) -> str:
    async with proto.open(th, prompt) as stream:
        return "".join([piece async for piece in stream.text()])


async def run_many(fake: FakeTokenHot, jobs: list[tuple[Proto, str]], **client: Any) -> list[Any]:
    """Run every (protocol, prompt) stream at once; results are texts or the errors raised."""
    async with fake.client(max_connections=POOL, max_retries=0, **client) as th:
        results = await asyncio.gather(*(stream_text(p, th, prompt) for p, prompt in jobs),
                                       return_exceptions=True)
        assert th.pool.acquired_connections() == 0
    return results


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd (Linux)")
async def test_a_thousand_concurrent_chat_streams(load_scale: int) -> None:
    n = 1000 * load_scale
    chat = next(p for p in PROTOCOLS if p.name == "chat")
    # a pause per event makes the fake's handlers overlap, as real streams do
    async with FakeTokenHot(reply_words=WORDS, record=False, chunk_delay=0.001) as fake:
        fds = open_fds()
        prompts = [f"stream number {i}" for i in range(n)]
        texts = await run_many(fake, [(chat, p) for p in prompts])
        assert texts == [expected_text(p, WORDS) for p in prompts]
        assert 1 < fake.max_in_flight <= POOL  # concurrent, and never past the pool limit
        await eventually(lambda: open_fds() <= fds)  # every socket closed, both ends


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd (Linux)")
async def test_every_protocol_mixed_under_load(load_scale: int) -> None:
    n = 1000 * load_scale
    async with FakeTokenHot(reply_words=WORDS, record=False, chunk_delay=0.001) as fake:
        fds = open_fds()
        jobs = [(PROTOCOLS[i % len(PROTOCOLS)], f"mixed {i}") for i in range(n)]
        texts = await run_many(fake, jobs)
        assert texts == [expected_text(prompt, WORDS) for _, prompt in jobs]
        assert 1 < fake.max_in_flight <= POOL
        await eventually(lambda: open_fds() <= fds)


async def test_faults_under_load_lose_nothing_and_leak_nothing(load_scale: int) -> None:
    """A tenth of the streams are cut mid-way: those raise, the rest are whole and right."""
    n = 1000 * load_scale
    cut = n // 10
    chat = next(p for p in PROTOCOLS if p.name == "chat")
    async with FakeTokenHot(reply_words=WORDS, record=False) as fake:
        fake.disconnect_after(4, n=cut)
        prompts = [f"faulty {i}" for i in range(n)]
        results = await run_many(fake, [(chat, p) for p in prompts])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == cut
    assert all(isinstance(e, APIConnectionError) and e.partial is not None for e in errors)
    good = [(p, r) for p, r in zip(prompts, results, strict=True) if isinstance(r, str)]
    assert all(r == expected_text(p, WORDS) for p, r in good)
