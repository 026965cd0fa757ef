"""Tests of app.py's happy and unhappy paths against the fake gateway (run: pytest here)."""

from __future__ import annotations

import pytest
from app import answer, stream_answer

from aiotokenhot.testing import FakeTokenHot


async def test_answers_the_question(fake_tokenhot: FakeTokenHot) -> None:
    async with fake_tokenhot.client() as th:
        assert (await answer(th, "Hello there")).startswith("Echo: Hello there")


@pytest.mark.fake_tokenhot(unknown_models=["gpt-4-retired"])
async def test_a_retired_model_gets_a_clear_message(fake_tokenhot: FakeTokenHot) -> None:
    async with fake_tokenhot.client() as th:
        text = await answer(th, "Hello", model="gpt-4-retired")
    assert text == "The model gpt-4-retired is not available any more."


async def test_a_rate_limit_that_outlasts_the_retries(fake_tokenhot: FakeTokenHot) -> None:
    fake_tokenhot.fail_next(3, 429, retry_after=0)
    async with fake_tokenhot.client(max_retries=2) as th:
        assert await answer(th, "Hello") == "Busy right now: try again in a minute."
    assert fake_tokenhot.request_count == 3  # the first try and both retries


async def test_a_stream_cut_mid_way_keeps_what_arrived(fake_tokenhot: FakeTokenHot) -> None:
    fake_tokenhot.truncate_after(4, path="/v1/chat/completions")
    async with fake_tokenhot.client() as th:
        text = await stream_answer(th, "Tell me a story")
    assert text.startswith("Echo: Tell") and text.endswith(" [cut short]")
