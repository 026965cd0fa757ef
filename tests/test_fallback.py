"""Model fallback chains: ``th.stream(model=[...])`` and ``th.complete(model=[...])``.

The chain here is a Claude model (Anthropic Messages) then a GPT model (Chat Completions), so
faults aimed at ``/v1/messages`` hit only the first model and every fallback also changes
protocol.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiotokenhot import (
    AllModelsFailedError,
    APIConnectionError,
    APITimeoutError,
    AsyncTokenHot,
    AuthenticationError,
    BadRequestError,
    Completion,
    ContentPolicyError,
    Finish,
    IncompleteStreamError,
    InternalServerError,
    InvalidRequestError,
    NoChannelError,
    NotFoundError,
    RateLimitError,
    StreamError,
    TextDelta,
    Timeout,
    TokenHotError,
)
from aiotokenhot.testing import FakeTokenHot, Fault
from aiotokenhot.testing._replies import reply_pieces
from aiotokenhot.transport._errors import build_status_error
from aiotokenhot.unified import FallbackStream, should_fall_back

CHAIN = ["claude-opus-4-6", "gpt-5.4"]
FIRST_ROUTE = "/v1/messages"
ASK = [{"role": "user", "content": "Which model answers?"}]
ANSWER = "".join(reply_pieces("Which model answers?", 8))
NO_CHANNEL = {"error": {"message": "No available channel for model claude-opus-4-6 under group "
                                   "default (request id: fake-nc)", "type": "new_api_error"}}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot(reply_words=8) as server:
        yield server


@pytest.fixture
async def th(fake: FakeTokenHot) -> AsyncIterator[AsyncTokenHot]:
    async with fake.client(max_retries=1, timeout=Timeout(idle=0.5)) as client:
        yield client


# Each fault makes the first model fail before its first event; after its own retries
# (max_retries=1: two tries) where the error is retryable.
BEFORE_FIRST_EVENT: dict[str, tuple[Fault, type[TokenHotError]]] = {
    "no channel": (Fault(status=503, body=NO_CHANNEL), NoChannelError),
    "model not found": (Fault(status=404), NotFoundError),
    "rate limited": (Fault(status=429, retry_after=0, times=2), RateLimitError),
    "server error": (Fault(status=502, retry_after=0, times=2), InternalServerError),
    "overloaded": (Fault(status=529, retry_after=0, times=2), InternalServerError),
    "connection dropped": (Fault(disconnect_after=0, times=2), APIConnectionError),
    "no answer at all": (Fault(hang_up=True, times=2), APIConnectionError),
    "idle timeout": (Fault(stall_after=0, stall_seconds=3, times=2), APITimeoutError),
    "cut before any event": (Fault(truncate_after=0), IncompleteStreamError),
    "overloaded error event": (Fault(error_after=1), StreamError),
}


@pytest.mark.parametrize("case", list(BEFORE_FIRST_EVENT))
async def test_a_stream_falls_back_when_the_first_model_fails_before_its_first_event(
    case: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fault, error = BEFORE_FIRST_EVENT[case]
    fake.inject(replace(fault, path=FIRST_ROUTE))
    async with th.stream(model=CHAIN, messages=ASK) as s:
        text = "".join([piece async for piece in s.text()])
    done = s.final()
    assert text == ANSWER == done.text
    assert (s.model, s.protocol, done.model, done.protocol) == ("gpt-5.4", "openai", "gpt-5.4",
                                                                "openai")
    assert [(a.model, a.protocol) for a in done.attempts] == [("claude-opus-4-6", "anthropic")]
    assert type(done.attempts[0].error) is error
    assert fake.requests[-1].path == "/v1/chat/completions"
    assert th.pool.acquired_connections() == 0


COMPLETE_FAULTS = {k: v for k, v in BEFORE_FIRST_EVENT.items() if v[0].status is not None}
COMPLETE_FAULTS["connection dropped"] = (Fault(hang_up=True, times=2), APIConnectionError)


@pytest.mark.parametrize("case", list(COMPLETE_FAULTS))
async def test_complete_falls_back_on_the_same_errors(
    case: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fault, error = COMPLETE_FAULTS[case]
    fake.inject(replace(fault, path=FIRST_ROUTE))
    done = await th.complete(model=CHAIN, messages=ASK)
    assert (done.text, done.model, done.protocol) == (ANSWER, "gpt-5.4", "openai")
    assert [type(a.error) for a in done.attempts] == [error]
    assert done.to_dict()["attempts"][0]["model"] == "claude-opus-4-6"


async def test_complete_falls_back_on_a_timeout(fake: FakeTokenHot) -> None:
    fake.delay_next(3, path=FIRST_ROUTE)
    async with fake.client(max_retries=0, timeout=0.3) as th:
        done = await th.complete(model=CHAIN, messages=ASK)
    assert done.model == "gpt-5.4"
    assert [type(a.error) for a in done.attempts] == [APITimeoutError]


async def test_the_first_model_that_answers_leaves_no_attempts(th: AsyncTokenHot) -> None:
    done = await th.complete(model=CHAIN, messages=ASK)
    assert (done.model, done.protocol, done.attempts) == ("claude-opus-4-6", "anthropic", [])
    async with th.stream(model=tuple(CHAIN), messages=ASK) as s:
        await s.until_done()
    assert (s.final().model, s.attempts) == ("claude-opus-4-6", [])


async def test_no_fallback_once_an_event_reached_the_caller(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.inject(Fault(disconnect_after=4, path=FIRST_ROUTE))
    seen: list[Any] = []
    with pytest.raises(APIConnectionError) as info:
        async with th.stream(model=CHAIN, messages=ASK) as s:
            async for event in s:
                seen.append(event)
    assert seen and all(isinstance(e, TextDelta) for e in seen)
    partial = info.value.partial
    assert isinstance(partial, Completion)
    assert partial.text == "".join(e.text for e in seen)
    assert partial.attempts == []
    assert [r.path for r in fake.requests] == [FIRST_ROUTE]  # gpt-5.4 was never asked
    assert th.pool.acquired_connections() == 0


REFUSED: dict[str, tuple[Fault, type[TokenHotError]]] = {
    "bad request": (Fault(status=400), BadRequestError),
    "authentication": (Fault(status=401), AuthenticationError),
    "content policy": (Fault(status=400, body={"error": {
        "message": "blocked by the content policy", "type": "invalid_request_error"}}),
        ContentPolicyError),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_no_fallback_on_bad_request_authentication_or_policy(
    case: str, fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fault, error = REFUSED[case]
    fake.inject(replace(fault, path=FIRST_ROUTE, times=2))
    with pytest.raises(error):
        await th.complete(model=CHAIN, messages=ASK)
    with pytest.raises(error):
        async with th.stream(model=CHAIN, messages=ASK) as s:
            await s.until_done()
    assert [r.path for r in fake.requests] == [FIRST_ROUTE, FIRST_ROUTE]
    assert th.pool.acquired_connections() == 0


async def test_a_wrong_key_is_not_fallen_back_on(fake: FakeTokenHot) -> None:
    async with AsyncTokenHot(api_key="sk-wrong", base_url=fake.base_url) as th:
        with pytest.raises(AuthenticationError):
            await th.complete(model=CHAIN, messages=ASK)
    assert len(fake.requests) == 1


async def test_when_every_model_fails_the_error_lists_each_attempt(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    fake.fail_next(1, 503, body=NO_CHANNEL, path=FIRST_ROUTE)
    fake.fail_next(1, 404, path="/v1/chat/completions")
    with pytest.raises(AllModelsFailedError) as info:
        await th.complete(model=CHAIN, messages=ASK)
    failed = info.value.attempts
    assert [(a.model, type(a.error)) for a in failed] == [("claude-opus-4-6", NoChannelError),
                                                          ("gpt-5.4", NotFoundError)]
    assert "claude-opus-4-6" in str(info.value) and "gpt-5.4" in str(info.value)
    assert info.value.__cause__ is failed[-1].error


async def test_each_fallback_writes_a_log_record(
    fake: FakeTokenHot, th: AsyncTokenHot, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(1, 503, body=NO_CHANNEL, path=FIRST_ROUTE)
    with caplog.at_level(logging.WARNING, logger="aiotokenhot.fallback"):
        await th.complete(model=CHAIN, messages=ASK)
    [record] = caplog.records
    assert "claude-opus-4-6" in record.getMessage() and "gpt-5.4" in record.getMessage()
    assert fake.api_key not in record.getMessage()


async def test_the_whole_chain_obeys_one_deadline(fake: FakeTokenHot) -> None:
    """Each model stalls for longer than the deadline: the chain stops at the deadline, with no
    connection left acquired, and does not try the models after it."""
    fake.delay_next(5, path=FIRST_ROUTE)
    chain = [*CHAIN, "gemini-2.5-flash"]
    async with fake.client(max_retries=0, timeout=Timeout(total=0.4, idle=0.4)) as th:
        fake.delay_next(5, path="/v1/chat/completions")
        with pytest.raises(APITimeoutError, match="deadline"):
            await th.complete(model=chain, messages=ASK, deadline=0.6)
        assert th.pool.acquired_connections() == 0
        fake.delay_next(5, path=FIRST_ROUTE)
        fake.delay_next(5, path="/v1/chat/completions")
        s = th.stream(model=chain, messages=ASK, deadline=0.6)
        with pytest.raises(APITimeoutError, match="deadline"):
            async with s:
                pass
        assert [a.model for a in s.attempts] == ["claude-opus-4-6"]
        assert th.pool.acquired_connections() == 0
    assert not fake.requests_to("gemini")


async def test_cancelling_a_chain_stops_it_and_releases_the_connection(fake: FakeTokenHot) -> None:
    fake.inject(Fault(stall_after=0, stall_seconds=5, path=FIRST_ROUTE))
    async with fake.client(max_retries=0) as th:
        async def consume() -> None:
            async with th.stream(model=CHAIN, messages=ASK) as s:
                await s.until_done()

        for opening in (consume, lambda: th.complete(model=CHAIN, messages=ASK)):
            fake.inject(Fault(delay=5, path=FIRST_ROUTE))
            task = asyncio.ensure_future(opening())
            while not fake.in_flight and not task.done():
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert th.pool.acquired_connections() == 1
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert th.pool.acquired_connections() == 0
    assert not fake.requests_to("/v1/chat/completions")


FALLS_BACK: list[Callable[[], BaseException]] = [
    lambda: NoChannelError("x", status_code=503),
    lambda: RateLimitError("x", status_code=429),
    lambda: APITimeoutError("x"),
    lambda: StreamError("x", error_type="overloaded_error"),
]
STAYS: list[Callable[[], BaseException]] = [
    lambda: BadRequestError("x", status_code=400),
    lambda: ContentPolicyError("x", status_code=503),
    lambda: AuthenticationError("x", status_code=401),
    lambda: StreamError("x", error_type="invalid_request_error"),
    lambda: InvalidRequestError("x"),
]


def test_the_fallback_rule() -> None:
    assert all(should_fall_back(make()) for make in FALLS_BACK)
    assert not any(should_fall_back(make()) for make in STAYS)


async def test_bad_arguments_for_any_model_of_the_chain_raise_before_anything_is_sent(
    fake: FakeTokenHot, th: AsyncTokenHot
) -> None:
    with pytest.raises(InvalidRequestError, match="stop"):  # Responses has no stop sequences
        th.stream(model=["gpt-5.4", "gpt-5.4-mini"], messages=ASK, stop=["x"], protocol="responses")
    for chain in ([], ["gpt-5.4", ""], ["gpt-5.4", 5]):
        with pytest.raises(InvalidRequestError):
            await th.complete(model=chain, messages=ASK)
    with pytest.raises(InvalidRequestError, match="deadline"):
        th.stream(model=CHAIN, messages=ASK, deadline=0)
    # a deadline bounds a chain: with one model name it is refused, not silently ignored
    with pytest.raises(InvalidRequestError, match="fallback chain"):
        th.stream(model="gpt-5.4", messages=ASK, deadline=5)
    with pytest.raises(InvalidRequestError, match="fallback chain"):
        await th.complete(model="gpt-5.4", messages=ASK, deadline=5)
    assert fake.requests == []


async def test_a_fallback_stream_yields_the_same_events_as_a_direct_stream(
    th: AsyncTokenHot,
) -> None:
    direct = [e async for e in th.stream(model="gpt-5.4", messages=ASK)]
    chained = th.stream(model=["gpt-5.4"], messages=ASK)
    assert isinstance(chained, FallbackStream)
    assert [e async for e in chained] == direct
    assert isinstance(direct[-1], Finish)


@given(status=st.integers(min_value=400, max_value=599),
       message=st.sampled_from(["busy", "no available channel for model x",
                                "blocked by the content policy", "bad field"]))
def test_which_status_answers_move_a_chain_on(status: int, message: str) -> None:
    """404, 429 and 5xx move on, unless the body names a content-policy block; every other
    error status is the caller's to fix, so it is raised at once."""
    raw = json.dumps({"error": {"message": message, "type": "x"}}).encode()
    error = build_status_error(status, {}, raw, secret=None)
    policy = "policy" in message and status in (400, 503)
    assert should_fall_back(error) == ((status in (404, 429) or status >= 500) and not policy)
