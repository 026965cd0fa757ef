"""RetryPolicy: which failures are retried and how long each wait is, from headers or backoff."""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import (
    APIConnectionError,
    APITimeoutError,
    AsyncTokenHot,
    BadRequestError,
    ContentPolicyError,
    InternalServerError,
    InvalidRequestError,
    NoChannelError,
    PoolTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    RetryPolicy,
)
from aiotokenhot.batch import run_batch
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.transport._retry import parse_retry_after

MESSAGES = [{"role": "user", "content": "hi"}]
UNPARSEABLE = ["1s", "soon", "nan", "inf", "-inf", "-5", "-0.5", "", "  ", "1.2.3", "0x10",
               "Mon, 99 Foo 2024 99:99:99 GMT", "Wed, 21 Oct 2015 07:28:00"]


def rate_limited(headers: dict[str, str]) -> RateLimitError:
    return RateLimitError("slow down", status_code=429, headers=headers)


# -- the hint --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # the finer hint wins
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),  # a broken one is skipped
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past: now
        ({}, None),
    ],
)
def test_retry_after_values(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(headers) == seconds


def test_retry_after_as_an_http_date_in_the_future() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after({"Retry-After": when}) or 0) <= 30


@pytest.mark.parametrize("value", UNPARSEABLE)
def test_an_unparseable_retry_after_is_ignored(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None
    assert rate_limited({"Retry-After": value}).retry_after is None
    policy = RetryPolicy(initial_delay=0.5, max_delay=0.5)
    assert 0.0 <= policy.wait(0, {"Retry-After": value}) <= 0.5  # normal backoff applies


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["Retry-After", "retry-after-ms"]))
def test_no_header_value_makes_the_hint_raise_or_go_negative(value: str, name: str) -> None:
    hint = rate_limited({name: value}).retry_after
    assert hint is None or (math.isfinite(hint) and hint >= 0)
    wait = RetryPolicy().wait(3, {name: value})
    assert math.isfinite(wait) and 0 <= wait <= 60


def test_the_hint_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=60)
    assert policy.wait(0, {"Retry-After": "999999"}) == 60
    assert policy.retry_after({"Retry-After": "999999"}) == 60


# -- backoff -----------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000))
def test_backoff_is_full_jitter_within_a_doubling_capped_window(attempt: int) -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    window = min(8.0, 0.5 * 2.0 ** min(attempt, 62))
    assert 0.0 <= policy.backoff(attempt) <= window


def test_backoff_spreads_retries_out() -> None:
    waits = {round(RetryPolicy().backoff(4), 6) for _ in range(50)}
    assert len(waits) > 40  # jittered, not lock-step


@pytest.mark.parametrize("bad", [{"initial_delay": -1}, {"max_delay": math.inf},
                                 {"max_retry_after": math.nan}, {"initial_delay": "1"},
                                 {"retry_statuses": frozenset({42})}])
def test_a_bad_policy_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError):
        RetryPolicy(**bad)  # type: ignore[arg-type]


# -- what is retried -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (APIConnectionError("reset"), True),
        (APITimeoutError("slow"), True),
        (PoolTimeoutError("pool exhausted"), False),
        (ResponseTooLargeError(10), False),
        (rate_limited({}), True),
        (InternalServerError("down", status_code=503), True),
        (InternalServerError("bug", status_code=501), False),
        (NoChannelError("no channel", status_code=503), False),
        (ContentPolicyError("blocked", status_code=400), False),
        (BadRequestError("bad", status_code=400), False),
        (BadRequestError("bad", status_code=400, headers={"x-should-retry": "true"}), True),
        (rate_limited({"X-Should-Retry": "false"}), False),
    ],
)
def test_which_errors_are_retried(error: Exception, retried: bool) -> None:
    assert RetryPolicy().should_retry(error) is retried


def test_which_answers_are_retried() -> None:
    policy = RetryPolicy()
    assert policy.should_retry_response(503, {}, b'{"error":{"message":"overloaded"}}')
    assert not policy.should_retry_response(503, {}, "无可用渠道".encode())
    assert not policy.should_retry_response(400, {}, b"")
    assert policy.should_retry_response(400, {"x-should-retry": "true"}, b"")
    assert not RetryPolicy(retry_statuses=frozenset({429})).should_retry_response(503, {}, b"")


# -- used by the client ----------------------------------------------------------------------------------


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[list[int], str]]:
    """A gateway whose ``/v1/models`` answers 429 with a useless ``Retry-After``, then 200."""
    calls: list[int] = []

    async def models(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return web.json_response({"error": {"message": "slow down"}}, status=429,
                                     headers={"Retry-After": request.query.get("hint", "soon")})
        return web.json_response({"object": "list", "data": []})

    app = web.Application()
    app.router.add_get("/v1/models", models)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield calls, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("hint", ["1s", "soon", "nan", "inf", "-3"])
async def test_create_retries_with_backoff_after_an_unparseable_hint(
    flaky: tuple[list[int], str], hint: str
) -> None:
    calls, url = flaky
    policy = RetryPolicy(initial_delay=0.01, max_delay=0.01)
    async with AsyncTokenHot(api_key="sk-test", base_url=url, retry_policy=policy) as th:
        models = await th.models.list(extra_query={"hint": hint})
    assert models.data == []
    assert len(calls) == 2


async def test_without_retries_the_error_carries_no_hint(flaky: tuple[list[int], str]) -> None:
    calls, url = flaky
    async with AsyncTokenHot(api_key="sk-test", base_url=url, max_retries=0) as th:
        with pytest.raises(RateLimitError) as info:
            await th.models.list(extra_query={"hint": "1s"})
    assert info.value.retry_after is None
    assert len(calls) == 1
    assert th.retry_policy == RetryPolicy()


async def test_the_client_policy_is_shared_by_with_options() -> None:
    policy = RetryPolicy(initial_delay=0.1)
    th = AsyncTokenHot(api_key="sk-test", base_url="http://127.0.0.1:9", retry_policy=policy)
    assert th.with_options(max_retries=5).retry_policy is policy
    other = RetryPolicy(max_delay=1)
    assert th.with_options(retry_policy=other).retry_policy is other
    with pytest.raises(InvalidRequestError):
        AsyncTokenHot(api_key="sk-test", retry_policy=3)  # type: ignore[arg-type]


# -- one policy drives every retry ---------------------------------------------------------------


WAITS: list[tuple[str, int]] = []


@dataclass(frozen=True)
class RecordingPolicy(RetryPolicy):
    """The default rules, no waiting, and a note of who asked for a wait."""

    who: str = ""

    def wait(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        WAITS.append((self.who, attempt))
        return 0.0


async def test_the_client_policy_drives_requests_stream_replays_and_batch_retries() -> None:
    WAITS.clear()
    policy = RecordingPolicy(who="client")
    async with FakeTokenHot(reply_words=3) as fake, fake.client(retry_policy=policy) as th:
        fake.fail_next(1, 503, path="/v1/models")
        assert (await th.models.list()).data

        fake.disconnect_after(0, path="/v1/chat/completions")  # before the first event
        async with th.chat.completions.stream(model="gpt-5.4", messages=MESSAGES) as stream:
            text = "".join([piece async for piece in stream.text()])
        assert text

        fake.fail_next(1, 503, path="/v1/chat/completions")
        request = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
                   "body": {"model": "gpt-5.4", "messages": MESSAGES}}
        summary = await run_batch(th, [request])
        assert (summary.ok, summary.retried) == (1, 1)
    assert WAITS == [("client", 0)] * 3
