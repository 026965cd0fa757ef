"""Bad arguments raise a clear ``InvalidRequestError`` before anything is sent.

Each case is tried against the fake gateway, which records every request it receives: the
error must come first and the gateway must have seen nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from aiotokenhot import AsyncTokenHot, ConfigurationError, InvalidRequestError, TokenHotError
from aiotokenhot.testing import FakeTokenHot

MISSING = Path("/nonexistent/aiotokenhot/missing.png")
USER = [{"role": "user", "content": "hi"}]
GEMINI = [{"role": "user", "parts": [{"text": "hi"}]}]

Call = Callable[[AsyncTokenHot], Any]


async def _drain(stream: Any) -> None:
    async with stream:
        async for _ in stream:
            pass


def chat(**kw: Any) -> Call:
    return lambda th: th.chat.completions.create(**{"model": "gpt-5.4", "messages": USER, **kw})


def chat_stream(**kw: Any) -> Call:
    return lambda th: _drain(th.chat.completions.stream(**{"model": "gpt-5.4", "messages": USER,
                                                            **kw}))


def responses(**kw: Any) -> Call:
    return lambda th: th.responses.create(**{"model": "grok-4.1", "input": "hi", **kw})


def messages(**kw: Any) -> Call:
    return lambda th: th.messages.create(**{"model": "claude-opus-4-6", "max_tokens": 16,
                                            "messages": USER, **kw})


def messages_stream(**kw: Any) -> Call:
    return lambda th: _drain(th.messages.stream(**{"model": "claude-opus-4-6", "max_tokens": 16,
                                                   "messages": USER, **kw}))


def gemini(model: Any = "gemini-2.5-flash", **kw: Any) -> Call:
    return lambda th: th.gemini.generate_content(model, **{"contents": GEMINI, **kw})


def unified(**kw: Any) -> Call:
    return lambda th: _drain(th.stream(**{"model": "gpt-5.4", "messages": USER, **kw}))


CASES: dict[str, Call] = {
    # the model
    "chat: model is not a string": chat(model=123),
    "chat: empty model": chat(model=""),
    "messages: empty model": messages(model=" "),
    "gemini: empty model": gemini(model=""),
    "gemini: model with a path": gemini(model="../v1/secret"),
    "unified: model is not a string": unified(model=None),
    # message shapes
    "chat: messages is a string": chat(messages="hello"),
    "chat: no messages": chat(messages=[]),
    "chat: unknown role": chat(messages=[{"role": "wizard", "content": "x"}]),
    "chat: user message without content": chat(messages=[{"role": "user"}]),
    "chat: content is a number": chat(messages=[{"role": "user", "content": 5}]),
    "chat: message is a string": chat(messages=["hi"]),
    "chat stream: unknown role": chat_stream(messages=[{"role": "robot", "content": "x"}]),
    "messages: messages is a string": messages(messages="hello"),
    "messages: unknown role": messages(messages=[{"role": "wizard", "content": "x"}]),
    "messages stream: no messages": messages_stream(messages=[]),
    "responses: input is a number": responses(input=5),
    "gemini: contents is a number": gemini(contents=5),
    "unified: messages is a string": unified(messages="hello"),
    "unified: unknown protocol": unified(protocol="carrier-pigeon"),
    # numbers out of range
    "chat: negative max_tokens": chat(max_tokens=-1),
    "chat: fractional max_tokens": chat(max_tokens=1.5),
    "chat: temperature 7": chat(temperature=7),
    "chat stream: n = 0": chat_stream(n=0),
    "messages: negative max_tokens": messages(max_tokens=-1),
    "messages stream: zero max_tokens": messages_stream(max_tokens=0),
    "responses: negative max_output_tokens": responses(max_output_tokens=-5),
    "unified: negative max_tokens": unified(max_tokens=-1),
    "completions: negative max_tokens": lambda th: th.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="hi", max_tokens=-1),
    # files that do not exist
    "images.edit: missing image file": lambda th: th.images.edit(
        model="gpt-image-1", image=MISSING, prompt="x"),
    "images.edit: missing mask file": lambda th: th.images.edit(
        model="gpt-image-1", image=b"\x89PNG fake", mask=MISSING, prompt="x"),
    "transcriptions: missing audio file": lambda th: th.audio.transcriptions.create(
        file=MISSING.with_suffix(".wav")),
    "translations: missing audio file": lambda th: th.audio.translations.create(
        file=MISSING.with_suffix(".mp3")),
    "videos: missing reference file": lambda th: th.videos.create(
        model="sora-2", prompt="x", input_reference=MISSING),
    # per-call options
    "negative per-call max_retries": chat(max_retries=-1),
    "negative per-call timeout": chat(timeout=-3),
    "extra_body on a non-object body": lambda th: th._transport.request(
        "POST", "/v1/chat/completions", json=[1, 2], options=_extra_body()),
}


def _extra_body() -> Any:
    from aiotokenhot.transport import RequestOptions

    return RequestOptions.make(extra_body={"x": 1})


@pytest.fixture
async def fake() -> AsyncIterator[FakeTokenHot]:
    async with FakeTokenHot() as server:
        yield server


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_arguments_raise_before_sending(case: str, fake: FakeTokenHot) -> None:
    async with fake.client(max_retries=0) as th:
        with pytest.raises(InvalidRequestError) as info:
            await CASES[case](th)
        assert th.pool.acquired_connections() == 0
    assert str(info.value)  # says what is wrong
    assert fake.requests == [], f"{case}: a request was sent before the error"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_retries": -1}, InvalidRequestError),
        ({"timeout": -1}, InvalidRequestError),
        ({"timeout": "fast"}, InvalidRequestError),
        ({"max_connections": 0}, InvalidRequestError),
        ({"max_event_size": 0}, InvalidRequestError),
        ({"base_url": "ftp://gw.example"}, ConfigurationError),
        ({"base_url": "gw.example"}, ConfigurationError),
    ],
)
def test_bad_client_settings_fail_at_construction(options: dict[str, Any],
                                                  error: type[TokenHotError]) -> None:
    settings = {"api_key": "sk-x", "base_url": "https://gw.example", **options}
    with pytest.raises(error):
        AsyncTokenHot(**settings)
