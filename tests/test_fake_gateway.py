"""The built-in fake gateway: key checks, determinism, fault knobs, running as a process."""

from __future__ import annotations

import asyncio
import socket
import sys

import aiohttp
import pydantic
import pydantic_core
import pytest

from aiotokenhot.testing import FakeTokenHot

CHAT = "/v1/chat/completions"
BODY = {"model": "any-model-name", "messages": [{"role": "user", "content": "ping pong"}]}


async def post(fake: FakeTokenHot, path: str, headers: dict[str, str], **kw: object) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + path, json=BODY, headers=headers, **kw  # type: ignore[arg-type]
    ) as resp:
        raw = await resp.read()
        is_json = resp.content_type == "application/json"
        return resp.status, (pydantic_core.from_json(raw) if is_json else raw)


async def test_the_key_is_checked_like_the_real_service(fake: FakeTokenHot) -> None:
    ok, _ = await post(fake, CHAT, {"Authorization": f"Bearer {fake.api_key}"})
    wrong, body = await post(fake, CHAT, {"Authorization": "Bearer sk-wrong"})
    missing, _ = await post(fake, CHAT, {})
    assert (ok, wrong, missing) == (200, 401, 401)
    assert body == {"error": {"message": "Invalid token (request id: fake-401)",
                              "type": "authentication_error", "param": None,
                              "code": "invalid_api_key"}}


async def test_vendor_key_headers_only_count_on_their_own_paths(fake: FakeTokenHot) -> None:
    google = {"x-goog-api-key": fake.api_key}
    anthropic = {"x-api-key": fake.api_key}
    assert (await post(fake, CHAT, google))[0] == 401
    assert (await post(fake, CHAT, anthropic))[0] == 401
    # accepted on their own families (the route answers, whatever it says, but not 401)
    assert (await post(fake, "/v1beta/models/g:generateContent", google))[0] != 401
    assert (await post(fake, "/v1beta/models/g:generateContent", {},
                       params={"key": fake.api_key}))[0] != 401
    assert (await post(fake, "/v1/messages", anthropic))[0] != 401


async def test_replies_are_deterministic_and_any_model_is_accepted(fake: FakeTokenHot) -> None:
    async with fake.client() as th:
        first = (await th._transport.request("POST", CHAT, json=BODY)).json()
        second = (await th._transport.request("POST", CHAT, json=BODY)).json()
    text = first["choices"][0]["message"]["content"]
    assert text == second["choices"][0]["message"]["content"]
    assert text.startswith("Echo: ping pong")
    assert len(text.split()) == fake.reply_words
    assert first["model"] == "any-model-name"


async def test_faults_can_target_one_path(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 500, path="/v1/images")
    status, _ = await post(fake, CHAT, {"Authorization": f"Bearer {fake.api_key}"})
    assert status == 200
    assert len(fake.faults) == 1  # still waiting for an images request


async def test_status_fault_carries_retry_after_and_protocol_envelope(fake: FakeTokenHot) -> None:
    fake.fail_next(1, 429, retry_after=7)
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + "/v1/messages", json=BODY, headers={"x-api-key": fake.api_key}
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"
        body = await resp.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "rate_limit_error"


async def test_requests_are_recorded(fake: FakeTokenHot) -> None:
    await post(fake, CHAT, {"Authorization": f"Bearer {fake.api_key}", "X-Trace": "abc"})
    (seen,) = fake.requests_to(CHAT)
    assert seen.method == "POST"
    assert seen.json == BODY
    assert seen.headers["X-Trace"] == "abc"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_runs_as_a_process() -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aiotokenhot.testing", "--port", str(port), "--api-key", "sk-proc",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert f"127.0.0.1:{port}" in line.decode()
        async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}{CHAT}", json=BODY, headers={"Authorization": "Bearer sk-proc"}
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["object"] == "chat.completion"
    finally:
        proc.terminate()
        await proc.wait()


@pytest.mark.parametrize("events", [0, 3])
async def test_disconnect_fault_cuts_the_body(fake: FakeTokenHot, events: int) -> None:
    fake.disconnect_after(events)
    async with aiohttp.ClientSession() as session, session.post(
        fake.base_url + CHAT, json={**BODY, "stream": True},
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as resp:
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


async def test_prose_replies_name_what_the_question_is_about() -> None:
    async with FakeTokenHot(replies="prose", reply_words=40) as fake, fake.client() as th:
        for question, topic in (("What belongs in a good error message?", "a good error message"),
                                ("How should a client handle rate limits?", "rate limits"),
                                ("Tell me about Paris", "Paris")):
            reply = await th.complete(model="gpt-5.4",
                                      messages=[{"role": "user", "content": question}])
            again = await th.complete(model="gpt-5.4",
                                      messages=[{"role": "user", "content": question}])
            assert reply.text == again.text  # deterministic
            first = reply.text.split(".")[0]
            assert topic in first, reply.text
            assert "belongs" not in first and "handle" not in first and "Tell" not in first


async def test_structured_replies_give_a_name_field_the_prompts_proper_noun() -> None:
    class Place(pydantic.BaseModel):
        name: str
        country_name: str
        summary: str
        sights: list[str]

    async with FakeTokenHot() as fake, fake.client() as th:
        reply = await th.chat.completions.parse(
            model="gpt-5.4", messages=[{"role": "user", "content": "Tell me about Paris"}],
            response_format=Place)
        lower = await th.chat.completions.parse(
            model="gpt-5.4", messages=[{"role": "user", "content": "describe a sunny harbour"}],
            response_format=Place)
    assert reply.choices[0].message.parsed == Place(name="Paris", country_name="Paris",
                                                    summary="Paris", sights=["Paris"])
    assert lower.choices[0].message.parsed == Place(
        name="Harbour", country_name="Harbour", summary="a sunny harbour",
        sights=["a sunny harbour"])
