"""The transport: configuration, auth per protocol family, retries, error mapping, redirects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

from aiotokenhot import (
    APITimeoutError,
    AsyncTokenHot,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContentPolicyError,
    InternalServerError,
    NoChannelError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Timeout,
)
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.transport import RequestOptions

KEY = "sk-unit-test-key-0000"
BASE = "https://gw.example"
CHAT = "/v1/chat/completions"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def th() -> AsyncIterator[AsyncTokenHot]:
    async with AsyncTokenHot(api_key=KEY, base_url=BASE, max_retries=0) as client:
        yield client


# -- configuration -------------------------------------------------------------------------------


def test_env_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENHOT_API_KEY", KEY)
    monkeypatch.setenv("TOKENHOT_BASE_URL", "https://env.example/v1/")
    client = AsyncTokenHot()
    assert client.base_url == "https://env.example"
    assert client._transport.secret == KEY


@pytest.mark.parametrize(
    ("given", "root"),
    [
        ("https://api.tokenhot.ai", "https://api.tokenhot.ai"),
        ("https://api.tokenhot.ai/", "https://api.tokenhot.ai"),
        ("https://api.tokenhot.ai/v1", "https://api.tokenhot.ai"),
        ("https://proxy.example/tokenhot/v1/", "https://proxy.example/tokenhot"),
    ],
)
def test_base_url_is_normalised_to_the_gateway_root(given: str, root: str) -> None:
    assert AsyncTokenHot(api_key=KEY, base_url=given).base_url == root


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENHOT_BASE_URL", raising=False)
    assert AsyncTokenHot(api_key=KEY).base_url == "https://api.tokenhot.ai"


@pytest.mark.parametrize("bad", ["api.tokenhot.ai", "ftp://x.example", "https://x.example/?a=1"])
def test_bad_base_url_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        AsyncTokenHot(api_key=KEY, base_url=bad)


def test_plain_http_to_a_remote_host_warns() -> None:
    with pytest.warns(UserWarning, match="plain http"):
        AsyncTokenHot(api_key=KEY, base_url="http://gw.example")


async def test_missing_key_names_the_variable_when_a_request_would_be_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOKENHOT_API_KEY", raising=False)
    async with AsyncTokenHot(base_url=BASE) as client:  # creating the client is fine
        with pytest.raises(ConfigurationError, match="TOKENHOT_API_KEY"):
            await client._transport.request("POST", CHAT, json=BODY)


def test_timeout_value_object() -> None:
    assert Timeout.coerce(5).total == 5
    assert Timeout.coerce(None) == Timeout(total=None, connect=None, idle=None)
    t = Timeout(connect=1, total=2, idle=3)
    assert Timeout.coerce(t) is t
    with pytest.raises(ValueError):
        Timeout(total=-1)


def test_repr_never_shows_the_key() -> None:
    client = AsyncTokenHot(api_key=KEY, base_url=BASE)
    assert KEY not in repr(client)
    assert KEY not in repr(client._transport._key)


async def test_with_options_shares_the_pool(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        fast = th.with_options(timeout=3, max_retries=5)
        assert fast.timeout.total == 3 and fast.max_retries == 5
        assert th.max_retries == 2
        await fast._transport.request("POST", CHAT, json=BODY)
        assert fast.pool is th.pool
        assert th.pool.connector is not None


async def test_a_session_passed_in_is_used_and_left_open(fake: FakeTokenHot) -> None:
    async with aiohttp.ClientSession() as session:
        async with fake.client(session=session) as th:
            await th._transport.request("POST", CHAT, json=BODY)
            assert th.pool.session() is session
        assert not session.closed


# -- auth headers per protocol family (aioresponses unit tests) --------------------------------


@pytest.mark.parametrize(
    ("path", "present", "absent"),
    [
        (CHAT, {"Authorization": f"Bearer {KEY}"}, ["x-api-key", "x-goog-api-key"]),
        ("/v1/messages", {"Authorization": f"Bearer {KEY}", "x-api-key": KEY,
                          "anthropic-version": "2023-06-01"}, ["x-goog-api-key"]),
        ("/v1beta/models/gemini-2.5-flash:generateContent",
         {"Authorization": f"Bearer {KEY}", "x-goog-api-key": KEY}, ["x-api-key"]),
    ],
)
async def test_auth_headers_follow_the_protocol_family(
    th: AsyncTokenHot, path: str, present: dict[str, str], absent: list[str]
) -> None:
    with aioresponses() as mocked:
        mocked.post(BASE + path, payload={"ok": True})
        await th._transport.request("POST", path, json=BODY)
        (call,) = next(iter(mocked.requests.values()))
        headers = call.kwargs["headers"]
        for name, value in present.items():
            assert headers[name] == value
        for name in absent:
            assert name not in headers
        assert headers["Content-Type"] == "application/json"


async def test_extra_headers_query_and_body_are_passed_through(th: AsyncTokenHot) -> None:
    with aioresponses() as mocked:
        mocked.post(BASE + CHAT + "?trace=1", payload={"ok": True})
        options = RequestOptions.make(extra_headers={"X-Trace": "t1"}, extra_query={"trace": 1},
                                      extra_body={"vendor_flag": True})
        result = await th._transport.request("POST", CHAT, json=BODY, options=options)
        assert result.json() == {"ok": True}
        (call,) = next(iter(mocked.requests.values()))
        assert call.kwargs["headers"]["X-Trace"] == "t1"
        assert b'"vendor_flag":true' in call.kwargs["data"]
        assert b'"model":"m"' in call.kwargs["data"]


# -- error mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "cls", "message", "etype"),
    [
        (400, {"error": {"message": "bad field", "type": "invalid_request_error", "code": "x"}},
         BadRequestError, "bad field", "invalid_request_error"),
        (401, {"type": "error", "error": {"type": "authentication_error", "message": "no key"}},
         AuthenticationError, "no key", "authentication_error"),
        (403, {"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}},
         PermissionDeniedError, "denied", "PERMISSION_DENIED"),
        (404, {"code": "task_not_exist", "message": "no such task", "data": None},
         NotFoundError, "no such task", None),
        (400, {"error": {"message": "blocked by content policy", "type": "invalid_request_error"}},
         ContentPolicyError, "content policy", "invalid_request_error"),
        (500, "<html><body><h1>502 Bad Gateway</h1></body></html>", InternalServerError,
         "502 Bad Gateway", None),
    ],
)
async def test_every_error_envelope_maps_to_a_typed_error(
    th: AsyncTokenHot, status: int, body: Any, cls: type[Exception], message: str,
    etype: str | None,
) -> None:
    with aioresponses() as mocked:
        if isinstance(body, str):
            mocked.post(BASE + CHAT, status=status, body=body, content_type="text/html")
        else:
            mocked.post(BASE + CHAT, status=status, payload=body)
        with pytest.raises(cls) as info:
            await th._transport.request("POST", CHAT, json=BODY)
    err: Any = info.value
    assert err.status_code == status
    assert message in err.message
    assert err.error_type == etype


async def test_request_id_is_parsed_from_the_message(th: AsyncTokenHot) -> None:
    with aioresponses() as mocked:
        mocked.post(BASE + CHAT, status=403, payload={"error": {
            "message": "余额不足 (request id: 20251101abc)", "type": "new_api_error"}})
        with pytest.raises(PermissionDeniedError) as info:
            await th._transport.request("POST", CHAT, json=BODY)
    assert info.value.request_id == "20251101abc"
    assert "余额不足" in str(info.value)


async def test_a_200_carrying_an_error_body_raises(th: AsyncTokenHot) -> None:
    with aioresponses() as mocked:
        mocked.get(BASE + "/v1/models/nope", payload={"error": {
            "message": "The model 'nope' does not exist", "type": "invalid_request_error",
            "param": "model", "code": "model_not_found"}})
        with pytest.raises(NotFoundError, match="does not exist") as info:
            await th._transport.request("GET", "/v1/models/nope")
    assert info.value.status_code == 200
    assert info.value.error_code == "model_not_found"


# -- retries over real sockets ---------------------------------------------------------------


async def test_503_flapping_then_success(fake: FakeTokenHot) -> None:
    fake.fail_next(2, 503, retry_after=0)
    async with fake.client(max_retries=2) as th:
        result = await th._transport.request("POST", CHAT, json=BODY)
    assert result.json()["object"] == "chat.completion"
    assert len(fake.requests_to(CHAT)) == 3


async def test_retry_after_is_honoured(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 429, retry_after=0.4)
    async with fake.client(max_retries=1) as th:
        await th._transport.request("POST", CHAT, json=BODY)
    first, second = fake.requests_to(CHAT)
    assert second.time - first.time >= 0.4


async def test_retries_exhausted_give_the_last_error_with_attempts(fake: FakeTokenHot) -> None:
    fake.fail_next(5, 429, retry_after=0)
    async with fake.client(max_retries=2) as th:
        with pytest.raises(RateLimitError) as info:
            await th._transport.request("POST", CHAT, json=BODY)
    assert info.value.attempts == 3
    assert info.value.retry_after == 0
    assert len(fake.requests_to(CHAT)) == 3


async def test_bad_request_is_not_retried(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 400)
    async with fake.client(max_retries=3) as th:
        with pytest.raises(BadRequestError):
            await th._transport.request("POST", CHAT, json=BODY)
    assert len(fake.requests_to(CHAT)) == 1


async def test_no_channel_503_is_not_retried(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 503, body={"error": {
        "message": "当前分组 default 下对于模型 x 无可用渠道 (request id: r1)", "type": "new_api_error"}})
    async with fake.client(max_retries=3) as th:
        with pytest.raises(NoChannelError) as info:
            await th._transport.request("POST", CHAT, json=BODY)
    assert info.value.request_id == "r1"
    assert len(fake.requests_to(CHAT)) == 1


async def test_per_call_max_retries_override(fake: FakeTokenHot) -> None:
    fake.fail_next(3, 503, retry_after=0)
    async with fake.client(max_retries=0) as th:
        await th._transport.request("POST", CHAT, json=BODY,
                                    options=RequestOptions.make(max_retries=3))
    assert len(fake.requests_to(CHAT)) == 4


async def test_connection_refused_is_a_connection_error() -> None:
    from aiotokenhot import APIConnectionError

    async with AsyncTokenHot(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=1) as th:
        with pytest.raises(APIConnectionError) as info:
            await th._transport.request("POST", CHAT, json=BODY)
    assert info.value.attempts == 2
    assert KEY not in str(info.value)


async def test_total_timeout_on_a_slow_answer(fake: FakeTokenHot) -> None:
    fake.delay_next(2.0)
    async with fake.client(timeout=0.3, max_retries=0) as th:
        with pytest.raises(APITimeoutError):
            await th._transport.request("POST", CHAT, json=BODY)


async def test_wrong_key_is_an_authentication_error(fake: FakeTokenHot) -> None:
    async with AsyncTokenHot(api_key="sk-wrong", base_url=fake.base_url) as th:
        with pytest.raises(AuthenticationError):
            await th._transport.request("POST", CHAT, json=BODY)


# -- redirects and logging -------------------------------------------------------------------


async def _server(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def test_redirect_to_another_origin_drops_every_credential() -> None:
    seen: list[dict[str, str]] = []

    async def landing(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"ok": True})

    other = web.Application()
    other.router.add_get("/land", landing)
    runner_b, url_b = await _server(other)

    async def bounce(request: web.Request) -> web.Response:
        raise web.HTTPFound(url_b + "/land")

    origin = web.Application()
    origin.router.add_get("/v1beta/models", bounce)
    runner_a, url_a = await _server(origin)
    try:
        async with AsyncTokenHot(api_key=KEY, base_url=url_a) as th:
            result = await th._transport.request("GET", "/v1beta/models")
        assert result.json() == {"ok": True}
        (headers,) = seen
        lowered = {k.lower() for k in headers}
        assert not lowered & {"authorization", "x-api-key", "x-goog-api-key"}
    finally:
        await runner_a.cleanup()
        await runner_b.cleanup()


async def test_debug_logs_redact_the_key(fake: FakeTokenHot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="aiotokenhot")
    fake.fail_next(1, 503, retry_after=0)
    async with fake.client(max_retries=1) as th:
        await th._transport.request("POST", CHAT, json=BODY)
    text = caplog.text
    assert "POST" in text and "<redacted>" in text
    assert fake.api_key not in text


async def test_concurrent_requests_share_one_pool(fake: FakeTokenHot) -> None:
    async with fake.client(max_connections=4) as th:
        results = await asyncio.gather(
            *[th._transport.request("POST", CHAT, json=BODY) for _ in range(20)]
        )
        assert len(results) == 20
        connector = th.pool.connector
        assert connector is not None and connector.limit == 4
    assert fake.max_in_flight <= 4


# -- the User-Agent header -------------------------------------------------------------------------


async def test_one_user_agent_is_sent_ours_or_the_callers_and_none_to_another_origin() -> None:
    from aiotokenhot import __version__
    from aiotokenhot.transport._download import fetch_url_bytes

    seen: list[list[str]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.headers.getall("User-Agent", []))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    gateway = web.TCPSite(runner, "127.0.0.1", 0)
    elsewhere = web.TCPSite(runner, "127.0.0.1", 0)  # another port: another origin
    await gateway.start()
    await elsewhere.start()
    ports = [site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
             for site in (gateway, elsewhere)]
    try:
        async with AsyncTokenHot(api_key=KEY, base_url=f"http://127.0.0.1:{ports[0]}") as th:
            await th._transport.request("POST", CHAT, json=BODY)
            await th._transport.request(
                "POST", CHAT, json=BODY,
                options=RequestOptions.make(extra_headers={"User-Agent": "my-app/2"}))
            await fetch_url_bytes(th._transport, f"http://127.0.0.1:{ports[1]}/cat.png")
    finally:
        await runner.cleanup()

    assert seen == [[f"aiotokenhot/{__version__}"], ["my-app/2"], []]
