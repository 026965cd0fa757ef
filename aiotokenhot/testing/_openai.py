"""Fake-gateway routes for the OpenAI family: chat, legacy completions, models (+ responses).

Replies are deterministic (see ``_replies``). Behaviour worth knowing when writing tests:

- ``/v1/chat/completions``: with ``tools`` (and ``tool_choice`` not ``"none"``, and no tool
  result yet as the last message) each choice calls one function tool — the one named by
  ``tool_choice``, else the first — with arguments built from its JSON schema and streamed in
  several pieces. ``FakeTokenHot(tool_calls=N)`` makes it call the first N tools in parallel,
  ``tool_rounds=R`` keeps calling tools for R replies in a row (every protocol does the same).
  ``n`` choices are interleaved in the stream. ``reasoning_effort`` adds
  ``reasoning_content``. ``max_tokens`` / ``max_completion_tokens`` cut the reply (``length``).
  Usage counts one token per word; ``stream_options.include_usage`` adds the usage chunk.
- ``/v1/models/{id}``: every id is known except those starting with ``unknown`` or
  ``does-not-exist``, which get the gateway's HTTP 200 + error body.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._replies import count_tokens, reply_pieces, text_of
from ._server import FAKE_KEY, bad_request, json_object_route, json_response, send_sse
from ._structured import REFUSAL, schema_reply, schema_sample, wants_refusal

if TYPE_CHECKING:
    from ._server import FakeTokenHot

Frames = list[tuple[str | None, Any]]

#: the model catalogue /v1/models lists: (id, supported endpoint types)
MODELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gpt-5.4", ("openai", "openai-response")),
    ("gpt-5.4-mini", ("openai", "openai-response")),
    ("grok-4.1", ("openai", "openai-response")),
    ("claude-opus-4-6", ("anthropic", "openai")),
    ("claude-sonnet-4-5-20250929", ("anthropic", "openai")),
    ("gemini-2.5-flash", ("gemini", "openai")),
    ("gemini-2.5-pro", ("gemini", "openai")),
    ("gpt-image-2", ("image-generation",)),
    ("doubao-seedance-2.0", ("video",)),
    ("sora-2", ("openai-video",)),
    ("whisper-1", ("openai",)),
    ("gpt-3.5-turbo-instruct", ("openai",)),
)
UNKNOWN_MODEL_PREFIXES = ("unknown", "does-not-exist")
MODEL_CREATED = 1626777600  # the gateway's fixed placeholder


def register(app: web.Application, fake: FakeTokenHot) -> None:
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/completions", completions)
    app.router.add_get("/v1/models", list_models)
    app.router.add_get("/v1/models/{model:.+}", retrieve_model)
    from . import _responses

    _responses.register(app, fake)


# -- shared helpers ------------------------------------------------------------------------------


def prompt_of(messages: list[Any]) -> tuple[str, int]:
    """The last user text (what the reply echoes) and the prompt's token count."""
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    prompt = text_of(users[-1].get("content")) if users else ""
    total = sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    return prompt, total


def choice_prompt(prompt: str, index: int) -> str:
    """What choice ``index`` answers: the prompt, marked ``#<index>`` after the first choice."""
    return prompt if index == 0 else f"#{index} {prompt}"


def choice_pieces(prompt: str, words: int, index: int, limit: Any,
                  style: str = "echo") -> tuple[list[str], str]:
    """Reply pieces of one choice (each choice differs) and its finish reason."""
    pieces = reply_pieces(choice_prompt(prompt, index), words, style)
    if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit < len(pieces):
        return pieces[:limit], "length"
    return pieces, "stop"


def reasoning_pieces(prompt: str) -> list[str]:
    words = ["Thinking", "about:", *prompt.split()[:6]]
    return [w + " " if i < len(words) - 1 else w for i, w in enumerate(words)]


def schema_arguments(schema: Any, prompt: str) -> dict[str, Any]:
    """Deterministic arguments that satisfy a JSON schema's top-level properties."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not props:
        return {"input": prompt or "alpha"}
    samples = {"integer": 42, "number": 1.5, "boolean": True, "array": [], "object": {}}
    out: dict[str, Any] = {}
    defs = schema.get("$defs") or {}
    for name, spec in props.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        enum = spec.get("enum") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and ("$ref" in spec or "anyOf" in spec or (
                kind == "object" and spec.get("properties"))):
            out[name] = schema_sample(spec, prompt, defs)  # nested models: a valid value
        elif isinstance(enum, list) and enum:
            out[name] = enum[0]
        elif kind in samples:
            out[name] = samples[kind]
        else:
            out[name] = " ".join(prompt.split()[:4]) or "alpha"
    return out


def split_pieces(text: str, size: int = 6) -> list[str]:
    """``text`` in pieces of ``size`` characters (always at least two pieces when possible)."""
    size = max(1, min(size, len(text) // 2 or 1))
    return [text[i : i + size] for i in range(0, len(text), size)]


def pick_tool(tools: Any, tool_choice: Any) -> dict[str, Any] | None:
    """The function tool the fake model calls, or None for a text reply."""
    if not isinstance(tools, list) or not tools or tool_choice == "none":
        return None
    functions = [t for t in tools if isinstance(t, dict) and t.get("type") == "function"]
    if isinstance(tool_choice, dict):
        wanted = (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
        for tool in functions:
            if (tool.get("function") or tool).get("name") == wanted:
                return tool
    return functions[0] if functions else None


def calls_tools(answered: bool, rounds_done: int, rounds: int) -> bool:
    """Whether the fake model calls tools in this reply.

    It does when the conversation does not end with tool results, or, when it does, while fewer
    than ``rounds`` replies have called tools (``FakeTokenHot(tool_rounds=...)``).
    """
    return not answered or rounds_done < rounds


def parallel_tools(first: Any, offered: list[Any], forced: bool, n: int) -> list[Any]:
    """The tools one reply calls: the usual pick, or the first ``n`` offered (never when forced)."""
    if first is None:
        return []
    if forced or n <= 1:
        return [first]
    return offered[:n]


def call_suffix(j: int, rounds_done: int) -> str:
    """What makes the id of call ``j`` of a reply unique in the conversation ("" for the first
    call of the first round, so single-call ids read as they always did)."""
    return ("" if j == 0 else f"_{j}") + ("" if rounds_done == 0 else f"_r{rounds_done}")


# -- /v1/chat/completions ------------------------------------------------------------------------


class _ChatChoice:
    """One choice of a fake reply: text pieces or tool calls, plus optional reasoning."""

    def __init__(self, index: int, body: dict[str, Any], prompt: str, fake: FakeTokenHot) -> None:
        self.index = index
        self.reasoning = reasoning_pieces(prompt) if body.get("reasoning_effort") else []
        self.pieces: list[str] = []
        self.tool_calls: list[dict[str, Any]] = []
        self.refusal: str | None = None
        messages = body["messages"]
        last_role = messages[-1].get("role") if isinstance(messages[-1], dict) else None
        rounds = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant"
                     and m.get("tool_calls"))
        tools, choice = body.get("tools"), body.get("tool_choice")
        tool = (pick_tool(tools, choice)
                if calls_tools(last_role == "tool", rounds, fake.tool_rounds) else None)
        offered = [t for t in tools if isinstance(t, dict) and t.get("type") == "function"
                   ] if isinstance(tools, list) else []
        for j, picked in enumerate(parallel_tools(tool, offered, isinstance(choice, dict),
                                                  fake.tool_calls)):
            fn = picked.get("function") or {}
            arguments = json.dumps(schema_arguments(fn.get("parameters"),
                                                    choice_prompt(prompt, index)))
            self.tool_calls.append({
                "id": f"call_fake_{index}_0{call_suffix(j, rounds)}", "type": "function",
                "function": {"name": fn.get("name", "tool"), "arguments": arguments}})
        if self.tool_calls:
            self.finish = "tool_calls"
        elif _json_schema(body) is not None:  # structured output: JSON of the asked schema
            self.finish = "stop"
            if wants_refusal(prompt):
                self.refusal = REFUSAL
            else:
                self.pieces = split_pieces(schema_reply(_json_schema(body),
                                                        choice_prompt(prompt, index)))
        else:
            limit = body.get("max_completion_tokens") or body.get("max_tokens")
            self.pieces, self.finish = choice_pieces(prompt, fake.reply_words, index, limit,
                                                        fake.replies)

    @property
    def tokens(self) -> int:
        tool_tokens = sum(count_tokens(t["function"]["arguments"]) + 1 for t in self.tool_calls)
        return len(self.pieces) + len(self.reasoning) + tool_tokens

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"role": "assistant",
                               "content": "".join(self.pieces) if not self.tool_calls
                               and self.refusal is None else None}
        if self.refusal is not None:
            msg["refusal"] = self.refusal
        if self.reasoning:
            msg["reasoning_content"] = "".join(self.reasoning)
        if self.tool_calls:
            msg["tool_calls"] = self.tool_calls
        return msg

    def deltas(self) -> list[dict[str, Any]]:
        """The stream deltas of this choice, role first."""
        out: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        out += [{"reasoning_content": r} for r in self.reasoning]
        for j, call in enumerate(self.tool_calls):
            fn = call["function"]
            out.append({"tool_calls": [{"index": j, "id": call["id"], "type": "function",
                                        "function": {"name": fn["name"], "arguments": ""}}]})
            out += [{"tool_calls": [{"index": j, "function": {"arguments": p}}]}
                    for p in split_pieces(fn["arguments"])]
        out += [{"content": p} for p in self.pieces]
        if self.refusal is not None:
            out.append({"refusal": self.refusal})
        return out


def _json_schema(body: dict[str, Any]) -> Any:
    """The schema of a ``json_schema`` response format, if the request asks for one."""
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or {}
    return None


def _usage(prompt_tokens: int, completion_tokens: int, reasoning: int = 0) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                             "total_tokens": prompt_tokens + completion_tokens}
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


@json_object_route
async def chat_completions(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    model = body.get("model")
    messages = body.get("messages")
    if not model or not isinstance(messages, list) or not messages:
        return bad_request(request, "model and messages are required")
    n = body.get("n") or 1
    if not isinstance(n, int) or n < 1:
        return bad_request(request, "n must be a positive integer")
    prompt, prompt_tokens = prompt_of(messages)
    choices = [_ChatChoice(i, body, prompt, fake) for i in range(n)]
    usage = _usage(prompt_tokens, sum(c.tokens for c in choices),
                   sum(len(c.reasoning) for c in choices))
    created = int(time.time())
    cid = f"chatcmpl-fake{len(fake.requests)}"
    head = {"id": cid, "created": created, "model": model, "system_fingerprint": "fp_fake"}
    if not body.get("stream"):
        return json_response({
            **head, "object": "chat.completion",
            "choices": [{"index": c.index, "message": c.message(), "finish_reason": c.finish,
                         "logprobs": None} for c in choices],
            "usage": usage,
        })
    head["object"] = "chat.completion.chunk"
    frames: Frames = []
    # choices are interleaved, as the real service does for n > 1
    per_choice = [c.deltas() for c in choices]
    for step in range(max(len(d) for d in per_choice)):
        for choice, deltas in zip(choices, per_choice, strict=True):
            if step < len(deltas):
                frames.append((None, {**head, "choices": [
                    {"index": choice.index, "delta": deltas[step], "finish_reason": None,
                     "logprobs": None}]}))
    for choice in choices:
        frames.append((None, {**head, "choices": [
            {"index": choice.index, "delta": {}, "finish_reason": choice.finish,
             "logprobs": None}]}))
    if (body.get("stream_options") or {}).get("include_usage"):
        frames.append((None, {**head, "choices": [], "usage": usage}))
    frames.append((None, b"[DONE]"))
    return await send_sse(request, frames)


# -- /v1/completions (legacy) --------------------------------------------------------------------


@json_object_route
async def completions(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    model = body.get("model")
    prompt = body.get("prompt")
    if not model or prompt is None:
        return bad_request(request, "model and prompt are required")
    prompts = [prompt] if isinstance(prompt, str) or (
        isinstance(prompt, list) and prompt and isinstance(prompt[0], int)) else list(prompt)
    if not prompts:
        return bad_request(request, "prompt must not be empty")
    n = body.get("n") or 1
    texts = [p if isinstance(p, str) else " ".join(str(t) for t in p) for p in prompts]
    replies = [(choice_pieces(text, fake.reply_words, j, body.get("max_tokens"), fake.replies))
               for text in texts for j in range(n)]
    prompt_tokens = sum(count_tokens(t) for t in texts)
    usage = _usage(prompt_tokens, sum(len(pieces) for pieces, _ in replies))
    head = {"id": f"cmpl-fake{len(fake.requests)}", "object": "text_completion",
            "created": int(time.time()), "model": model, "system_fingerprint": "fp_fake"}
    if not body.get("stream"):
        return json_response({**head, "choices": [
            {"index": i, "text": "".join(pieces), "finish_reason": finish, "logprobs": None}
            for i, (pieces, finish) in enumerate(replies)], "usage": usage})
    frames: Frames = []
    for step in range(max(len(pieces) for pieces, _ in replies)):
        for i, (pieces, _) in enumerate(replies):
            if step < len(pieces):
                frames.append((None, {**head, "choices": [
                    {"index": i, "text": pieces[step], "finish_reason": None, "logprobs": None}]}))
    for i, (_, finish) in enumerate(replies):
        frames.append((None, {**head, "choices": [
            {"index": i, "text": "", "finish_reason": finish, "logprobs": None}]}))
    if (body.get("stream_options") or {}).get("include_usage"):
        frames.append((None, {**head, "choices": [], "usage": usage}))
    frames.append((None, b"[DONE]"))
    return await send_sse(request, frames)


# -- /v1/models ------------------------------------------------------------------------------------


def _anthropic_style(request: web.Request) -> bool:
    """The gateway answers in Anthropic shape only when both Anthropic headers are present."""
    return "x-api-key" in request.headers and "anthropic-version" in request.headers


def _openai_model(model_id: str, endpoints: tuple[str, ...] = ("openai",)) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": MODEL_CREATED, "owned_by": "custom",
            "supported_endpoint_types": list(endpoints)}


def _anthropic_model(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "type": "model", "display_name": model_id,
            "created_at": "2021-07-25T00:00:00Z"}


async def list_models(request: web.Request) -> web.StreamResponse:
    if _anthropic_style(request):
        data = [_anthropic_model(mid) for mid, _ in MODELS]
        return json_response({"data": data, "first_id": data[0]["id"], "last_id": data[-1]["id"],
                              "has_more": False})
    return json_response({"success": True, "object": "list",
                          "data": [_openai_model(mid, ends) for mid, ends in MODELS]})


async def retrieve_model(request: web.Request) -> web.StreamResponse:
    model_id = request.match_info["model"]
    if model_id.startswith(UNKNOWN_MODEL_PREFIXES):
        # the gateway's quirk: HTTP 200 with an error body
        return json_response({"error": {"message": f"The model '{model_id}' does not exist",
                                        "type": "invalid_request_error", "param": "model",
                                        "code": "model_not_found"}})
    if _anthropic_style(request):
        return json_response(_anthropic_model(model_id))
    endpoints = dict(MODELS).get(model_id, ("openai",))
    return json_response(_openai_model(model_id, endpoints))
