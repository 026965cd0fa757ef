"""Fake-gateway routes for the OpenAI family: /v1/chat/completions (more by the OpenAI issue)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._replies import count_tokens, reply_pieces, text_of
from ._server import FAKE_KEY, error_response, json_response, send_sse

if TYPE_CHECKING:
    from ._server import FakeTokenHot


def register(app: web.Application, fake: FakeTokenHot) -> None:
    app.router.add_post("/v1/chat/completions", chat_completions)


def _prompt(messages: list[dict[str, Any]]) -> tuple[str, int]:
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    prompt = text_of(users[-1].get("content")) if users else ""
    total = sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    return prompt, total


async def chat_completions(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    body = await request.json()
    model = body.get("model")
    messages = body.get("messages")
    if not model or not isinstance(messages, list) or not messages:
        return error_response(request.path, 400, "model and messages are required")
    prompt, prompt_tokens = _prompt(messages)
    pieces = reply_pieces(prompt, fake.reply_words)
    created = int(time.time())
    cid = f"chatcmpl-fake{len(fake.requests)}"
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
             "total_tokens": prompt_tokens + len(pieces)}
    if not body.get("stream"):
        return json_response({
            "id": cid, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces)},
                         "finish_reason": "stop"}],
            "usage": usage,
        })
    head = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
    frames: list[tuple[str | None, Any]] = [
        (None, {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                     "finish_reason": None}]})
    ]
    frames += [(None, {**head, "choices": [{"index": 0, "delta": {"content": p},
                                            "finish_reason": None}]}) for p in pieces]
    frames.append((None, {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    if (body.get("stream_options") or {}).get("include_usage"):
        frames.append((None, {**head, "choices": [], "usage": usage}))
    frames.append((None, b"[DONE]"))
    return await send_sse(request, frames)
