"""Pre-rendered wire payloads for every protocol, shared by the server and the checks.

A stream of ``n`` chunks carries the text pieces ``token(0) .. token(n-1)``, so every client's
collected text can be checked against :func:`expected_text`. Shapes follow the vendors'
documented stream framing, with the fields real services send (ids, fingerprints, usage).

Two kinds of stream per protocol:

- *uniform*: chunks that differ only in their text (what a byte template could learn);
- *realistic* (``real=True``): what the services actually send. Chat chunks carry a random
  per-chunk ``obfuscation`` string and ``"usage": null`` until a last usage chunk
  (``stream_options.include_usage``); Responses text deltas carry ``obfuscation`` too; Gemini
  chunks carry ``usageMetadata`` that grows chunk by chunk and a ``responseId`` that changes
  from stream to stream (``variant``); Anthropic streams have ``ping`` events between deltas.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator

__all__ = [
    "PROTOCOLS",
    "chat_tail",
    "expected_text",
    "non_stream_body",
    "paced_chat_events",
    "padded_chat_block",
    "stream_events",
    "token",
]

PROTOCOLS = ("chat", "responses", "messages", "gemini")
_CREATED = 1_700_000_000
_ALNUM = string.ascii_letters + string.digits
#: how often a realistic Anthropic stream sends a ``ping`` (one per this many deltas)
PING_EVERY = 10


def _obfuscation(rng: random.Random) -> str:
    """A random string of random length, as OpenAI pads each streamed chunk with."""
    return "".join(rng.choices(_ALNUM, k=rng.randint(1, 24)))


def token(i: int) -> str:
    return f"w{i} "


def expected_text(n: int) -> str:
    return "".join(token(i) for i in range(n))


def _dump(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _sse(data: object, event: str | None = None) -> bytes:
    body = data if isinstance(data, bytes) else _dump(data)
    head = b"event: " + event.encode() + b"\n" if event else b""
    return head + b"data: " + body + b"\n\n"


# -- Chat Completions -----------------------------------------------------------------------------

_CHAT_HEAD = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": _CREATED,
              "model": "bench-model", "system_fingerprint": "fp_bench"}


def _chat_chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {**_CHAT_HEAD, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                       "finish_reason": finish}]}


def _chat_events(n: int, real: bool = False, variant: int = 0,
                 text: Callable[[int], str] = token) -> Iterator[bytes]:
    """Lazily: ``text(i)`` is called when event ``i`` is produced (the paced stream's clock)."""
    if not real:
        yield _sse(_chat_chunk({"role": "assistant", "content": "", "refusal": None}))
        for i in range(n):
            yield _sse(_chat_chunk({"content": text(i)}))
        yield _sse(_chat_chunk({}, "stop"))
        yield _sse({**_CHAT_HEAD, "choices": [], "usage": {
            "prompt_tokens": 10, "completion_tokens": n, "total_tokens": n + 10}})
        yield _sse(b"[DONE]")
        return
    rng = random.Random(variant)
    head = {**_CHAT_HEAD, "id": f"chatcmpl-bench{variant}", "service_tier": "default"}

    def chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
        return _sse({**head, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                          "finish_reason": finish}],
                     "usage": None, "obfuscation": _obfuscation(rng)})

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for i in range(n):
        yield chunk({"content": text(i)})
    yield chunk({}, "stop")
    yield _sse({**head, "choices": [], "usage": {
        "prompt_tokens": 10, "completion_tokens": n, "total_tokens": n + 10,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0}},
        "obfuscation": _obfuscation(rng)})
    yield _sse(b"[DONE]")


def paced_chat_events(n: int, text: Callable[[int], str]) -> Iterator[bytes]:
    """A realistic chat stream whose ``i``-th piece is ``text(i)``, rendered when reached."""
    return _chat_events(n, True, 0, text)


def padded_chat_block(start: int, count: int, pad: int) -> bytes:
    """``count`` chat chunks whose JSON carries ``pad`` bytes of ``obfuscation`` padding (as
    OpenAI's real streams do), for the big-response memory run: lots of bytes, little text."""
    filler = "x" * pad
    return b"".join(
        _sse({**_chat_chunk({"content": token(start + i)}), "obfuscation": filler})
        for i in range(count)
    )


def chat_tail() -> bytes:
    """The end of a chat stream: the finish chunk, the usage chunk and ``[DONE]``."""
    return b"".join(list(_chat_events(0))[1:])


# -- Responses ------------------------------------------------------------------------------------

def _response(status: str, output: list[object], usage: object) -> dict[str, object]:
    return {"id": "resp_bench", "object": "response", "created_at": _CREATED, "status": status,
            "model": "bench-model", "output": output, "parallel_tool_calls": True,
            "tool_choice": "auto", "tools": [], "usage": usage}


def _responses_events(n: int, real: bool = False, variant: int = 0) -> Iterator[bytes]:
    text = expected_text(n)
    seq = iter(range(1 << 62))
    rng = random.Random(variant)

    def ev(kind: str, **fields: object) -> bytes:
        return _sse({"type": kind, "sequence_number": next(seq), **fields}, kind)

    item = {"id": "msg_bench", "type": "message", "status": "in_progress", "role": "assistant",
            "content": []}
    loc = {"item_id": "msg_bench", "output_index": 0, "content_index": 0}
    yield ev("response.created", response=_response("in_progress", [], None))
    yield ev("response.in_progress", response=_response("in_progress", [], None))
    yield ev("response.output_item.added", output_index=0, item=item)
    yield ev("response.content_part.added", **loc,
             part={"type": "output_text", "text": "", "annotations": []})
    for i in range(n):
        if real:
            yield ev("response.output_text.delta", **loc, delta=token(i), logprobs=[],
                     obfuscation=_obfuscation(rng))
        else:
            yield ev("response.output_text.delta", **loc, delta=token(i), logprobs=[])
    part = {"type": "output_text", "text": text, "annotations": []}
    done_item = {**item, "status": "completed", "content": [part]}
    yield ev("response.output_text.done", **loc, text=text, logprobs=[])
    yield ev("response.content_part.done", **loc, part=part)
    yield ev("response.output_item.done", output_index=0, item=done_item)
    usage = {"input_tokens": 10, "output_tokens": n, "total_tokens": n + 10,
             "input_tokens_details": {"cached_tokens": 0},
             "output_tokens_details": {"reasoning_tokens": 0}}
    yield ev("response.completed", response=_response("completed", [done_item], usage))


# -- Anthropic Messages ---------------------------------------------------------------------------

def _messages_events(n: int, real: bool = False, variant: int = 0) -> Iterator[bytes]:
    def ev(kind: str, **fields: object) -> bytes:
        return _sse({"type": kind, **fields}, kind)

    yield ev("message_start", message={
        "id": "msg_bench", "type": "message", "role": "assistant", "model": "bench-model",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1}})
    yield ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
    yield ev("ping")
    for i in range(n):
        if real and i and i % PING_EVERY == 0:
            yield ev("ping")
        yield ev("content_block_delta", index=0, delta={"type": "text_delta", "text": token(i)})
    yield ev("content_block_stop", index=0)
    yield ev("message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None},
             usage={"output_tokens": n})
    yield ev("message_stop")


# -- Gemini ---------------------------------------------------------------------------------------

def _gemini_chunk(text: str, finish: str | None, n: int) -> dict[str, object]:
    cand: dict[str, object] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    usage: dict[str, int] = {"promptTokenCount": 10, "totalTokenCount": 10}
    if finish:
        cand["finishReason"] = finish
        usage = {"promptTokenCount": 10, "candidatesTokenCount": n, "totalTokenCount": n + 10}
    return {"candidates": [cand], "usageMetadata": usage, "modelVersion": "bench-model",
            "responseId": "resp_bench"}


def _gemini_events(n: int, real: bool = False, variant: int = 0) -> Iterator[bytes]:
    if not real:
        for i in range(n):
            yield _sse(_gemini_chunk(token(i), "STOP" if i == n - 1 else None, n))
        return
    response_id = "".join(random.Random(variant).choices(_ALNUM, k=22))
    for i in range(n):
        cand: dict[str, object] = {"content": {"parts": [{"text": token(i)}], "role": "model"},
                                   "index": 0}
        if i == n - 1:
            cand["finishReason"] = "STOP"
        yield _sse({"candidates": [cand], "usageMetadata": {
            "promptTokenCount": 10, "candidatesTokenCount": i + 1, "totalTokenCount": i + 11,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10}]},
            "modelVersion": "bench-model", "responseId": response_id})


_STREAMS: dict[str, Callable[[int, bool, int], Iterator[bytes]]] = {
    "chat": _chat_events,
    "responses": _responses_events,
    "messages": _messages_events,
    "gemini": _gemini_events,
}


def stream_events(protocol: str, n: int, real: bool = False, variant: int = 0) -> list[bytes]:
    """The SSE events (one bytes object each) of a ``protocol`` stream with ``n`` text chunks.

    ``real``: the realistic stream (see the module docstring); ``variant`` seeds its random
    fields (obfuscation strings, Gemini's ``responseId``), so streams differ from one another.
    """
    return list(_STREAMS[protocol](n, real, variant))


def non_stream_body(protocol: str) -> bytes:
    """A small, complete non-streaming answer (the fan-out payload)."""
    text = "Hello from the benchmark server."
    if protocol == "chat":
        return _dump({"id": "chatcmpl-bench", "object": "chat.completion", "created": _CREATED,
                      "model": "bench-model", "system_fingerprint": "fp_bench",
                      "choices": [{"index": 0, "message": {"role": "assistant", "content": text,
                                                           "refusal": None},
                                   "logprobs": None, "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17}})
    if protocol == "responses":
        item = {"id": "msg_bench", "type": "message", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}]}
        return _dump(_response("completed", [item], {"input_tokens": 10, "output_tokens": 7,
                                                     "total_tokens": 17}))
    if protocol == "messages":
        return _dump({"id": "msg_bench", "type": "message", "role": "assistant",
                      "model": "bench-model", "content": [{"type": "text", "text": text}],
                      "stop_reason": "end_turn", "stop_sequence": None,
                      "usage": {"input_tokens": 10, "output_tokens": 7}})
    if protocol == "gemini":
        chunk = _gemini_chunk(text, "STOP", 7)
        return _dump(chunk)
    raise ValueError(protocol)
