"""Every streaming protocol, described once so each reliability test runs over all of them.

A :class:`Proto` knows how to open its stream with a prompt through the public API, which fake
gateway route serves it, and how to read the text back out of a ``final()``/``partial``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from aiotokenhot import AsyncTokenHot
from aiotokenhot.testing import FakeTokenHot
from aiotokenhot.testing._replies import reply_pieces

__all__ = ["PROTOCOLS", "Proto", "capture", "expected_text", "frames", "protocol_params"]

Opener = Callable[[AsyncTokenHot, str], Any]


def _user(prompt: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": prompt}]


def _text_attr(obj: Any) -> str:
    """Every accumulated result exposes ``.text`` (Responses: ``.output_text``)."""
    for name in ("text", "output_text"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            return value
    raise AssertionError(f"cannot read text from {type(obj).__name__}")


@dataclass(frozen=True)
class Proto:
    """One streaming protocol as the tests see it."""

    name: str
    route: str  # a fragment of the fake gateway path (fault targeting, request counting)
    open: Opener
    read_text: Callable[[Any], str] = _text_attr

    def partial_text(self, partial: Any) -> str:
        return "" if partial is None else self.read_text(partial)


PROTOCOLS: list[Proto] = [
    Proto("chat", "/v1/chat/completions",
          open=lambda th, p: th.chat.completions.stream(model="gpt-5.4", messages=_user(p))),
    Proto("responses", "/v1/responses",
          open=lambda th, p: th.responses.stream(model="grok-4.1", input=p)),
    Proto("messages", "/v1/messages",
          open=lambda th, p: th.messages.stream(model="claude-opus-4-6", max_tokens=256,
                                                messages=_user(p))),
    Proto("gemini", "streamGenerateContent",
          open=lambda th, p: th.gemini.stream_generate_content(
              "gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": p}]}])),
    Proto("completions", "/v1/completions",
          open=lambda th, p: th.completions.stream(model="gpt-3.5-turbo-instruct", prompt=p)),
    *(
        Proto(f"unified-{native}", route,
              open=lambda th, p, model=model, native=native: th.stream(
                  model=model, messages=_user(p), protocol=native))
        for native, model, route in [
            ("openai", "gpt-5.4", "/v1/chat/completions"),
            ("responses", "grok-4.1", "/v1/responses"),
            ("anthropic", "claude-opus-4-6", "/v1/messages"),
            ("gemini", "gemini-2.5-flash", "streamGenerateContent"),
        ]
    ),
]


def protocol_params() -> list[Any]:
    """``pytest.param`` per protocol (its name as the test id)."""
    return [pytest.param(p, id=p.name) for p in PROTOCOLS]


def expected_text(prompt: str, words: int) -> str:
    """The fake gateway's deterministic reply to ``prompt``."""
    return "".join(reply_pieces(prompt, words))


_CAPTURED: dict[tuple[str, str], bytes] = {}


async def capture(proto: Proto, prompt: str) -> bytes:
    """The raw SSE body the fake gateway sends for ``proto`` (recorded once, then replayed).

    The SDK sends the request (so the body is exactly what the protocol module builds); the
    recorded request is then re-sent with plain aiohttp to keep the answer's bytes.
    """
    key = (proto.name, prompt)
    if key not in _CAPTURED:
        async with FakeTokenHot() as fake:
            async with fake.client(max_retries=0) as th, proto.open(th, prompt) as stream:
                await stream.until_done()
            sent = fake.requests[-1]
            headers = {k: v for k, v in sent.headers.items()
                       if k.lower() not in ("host", "content-length")}
            async with aiohttp.ClientSession() as session, session.request(
                sent.method, fake.base_url + sent.path, params=sent.query, data=sent.body,
                headers=headers,
            ) as resp:
                assert resp.status == 200
                _CAPTURED[key] = await resp.read()
    return _CAPTURED[key]


def frames(raw: bytes) -> list[bytes]:
    """A captured body cut into its SSE frames (each keeps its blank-line terminator)."""
    return [part + b"\n\n" for part in raw.split(b"\n\n") if part]
