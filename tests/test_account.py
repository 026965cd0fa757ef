"""Account endpoints: xAI-only routes (typed, or "not supported" on TokenHot), balance, usage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aiotokenhot import AsyncTokenHot
from aiotokenhot._exceptions import (
    EndpointNotSupportedError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
)
from aiotokenhot.testing import FakeTokenHot, Fault

XAI_CALLS: dict[str, Callable[[AsyncTokenHot], Awaitable[Any]]] = {
    "language_models.list": lambda th: th.language_models.list(),
    "language_models.retrieve": lambda th: th.language_models.retrieve("grok-4.1"),
    "tokenize": lambda th: th.tokenize(text="Hello world!", model="grok-4.1"),
    "api_key.retrieve": lambda th: th.api_key.retrieve(),
}


@pytest.mark.parametrize("call", XAI_CALLS.values(), ids=XAI_CALLS.keys())
async def test_xai_endpoints_are_not_supported_by_the_gateway(
    client: AsyncTokenHot, call: Callable[[AsyncTokenHot], Awaitable[Any]]
) -> None:
    with pytest.raises(EndpointNotSupportedError, match="does not support") as caught:
        await call(client)
    assert caught.value.status_code == 404


async def test_an_html_page_for_an_unrouted_path_is_not_supported(
    fake: FakeTokenHot, client: AsyncTokenHot
) -> None:
    fake.inject(Fault(status=200, body="<!doctype html><title>Console</title>", path="/v1/api-key"))
    with pytest.raises(EndpointNotSupportedError):
        await client.api_key.retrieve()


async def test_language_models_with_prices(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.state["xai_routes"] = True

    models = await client.language_models.list()
    grok = await client.language_models.retrieve("grok-4.1-latest")

    assert [m.id for m in models] == ["grok-4.1", "grok-3-mini"]
    assert grok.id == "grok-4.1"
    assert grok.prompt_text_token_price == 20000 and grok.completion_text_token_price == 100000
    assert grok.input_modalities == ["text", "image"]
    assert grok.cached_prompt_text_token_price == 5000


async def test_unknown_language_model_is_not_found(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.state["xai_routes"] = True
    with pytest.raises(NotFoundError, match="grok-99 does not exist") as caught:
        await client.language_models.retrieve("grok-99")
    assert not isinstance(caught.value, EndpointNotSupportedError)


async def test_tokenize(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.state["xai_routes"] = True

    result = await client.tokenize(text="Hello world!", model="grok-4.1")

    assert [t.string_token for t in result.token_ids] == ["Hello", " ", "world", "!"]
    assert result.count == 4
    assert result.token_ids[0].token_bytes == list(b"Hello")
    assert fake.requests_to("/v1/tokenize-text")[0].json == {"text": "Hello world!",
                                                             "model": "grok-4.1"}


async def test_api_key_info_is_redacted(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.state["xai_routes"] = True

    info = await client.api_key.retrieve()

    assert info.acls == ["api-key:model:*", "api-key:endpoint:*"]
    assert info.redacted_api_key and "..." in info.redacted_api_key
    assert fake.api_key not in repr(info)
    assert not info.api_key_disabled


async def test_billing_subscription_and_usage(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    sub = await client.billing.subscription()
    usage = await client.billing.usage(dt.date(2026, 1, 1), "2026-01-31")

    assert sub.hard_limit_usd == 100.0 and sub.access_until
    assert usage.total_usage == 1234.5 and usage.total_usage_usd == 12.345
    assert fake.requests_to("/dashboard/billing/usage")[0].query == {
        "start_date": "2026-01-01", "end_date": "2026-01-31"}


async def test_token_quota(client: AsyncTokenHot) -> None:
    quota = await client.billing.token_usage()
    assert (quota.total_granted, quota.total_used, quota.total_available) == (500000, 123456, 376544)
    assert quota.unlimited_quota is False


async def test_an_error_inside_a_200_is_raised_typed(fake: FakeTokenHot, client: AsyncTokenHot) -> None:
    fake.inject(Fault(status=200, path="/dashboard/billing/subscription", body={
        "error": {"message": "rate limit exceeded for this key", "type": "new_api_error",
                  "code": "rate_limit"}}))
    with pytest.raises(RateLimitError, match="rate limit exceeded"):
        await client.billing.subscription()


@pytest.mark.parametrize(("start", "end"), [("2026-13-01", None), ("2026-02-01", "2026-01-01"),
                                            ("yesterday", None)])
async def test_bad_dates_are_rejected_before_sending(fake: FakeTokenHot, client: AsyncTokenHot,
                                                     start: str, end: str | None) -> None:
    with pytest.raises(InvalidRequestError):
        await client.billing.usage(start, end)
    assert fake.requests == []
