"""Fake-gateway routes for Anthropic: ``POST /v1/messages`` and the legacy ``POST /v1/complete``.

Behaviour worth knowing when writing tests:

- The reply echoes the last user *text* (tool results are not echoed), like the OpenAI routes,
  so one conversation gets the same words over every protocol.
- With ``tools`` (and ``tool_choice`` not ``none``, and no ``tool_result`` in the last user turn)
  the reply is one ``tool_use`` block — the tool named by ``tool_choice``, else the first —
  whose input is built from its ``input_schema`` and streamed as several ``input_json_delta``
  pieces; ``stop_reason`` is ``tool_use``. ``FakeTokenHot(tool_calls=N)``: N ``tool_use`` blocks.
- ``thinking`` adds a thinking block (with a signature) before the answer.
- ``max_tokens`` below the reply length cuts it (``stop_reason: max_tokens``); a stop sequence
  found in the reply cuts there (``stop_sequence``).
- ``output_format: {"type": "json_schema", "schema": ...}`` (native structured outputs) answers
  JSON of the schema as text ("refuse" in the prompt: ``stop_reason: refusal``). Set
  ``fake.state["anthropic_output_format"] = False`` to reject it with a 400, as gateways
  without the feature do.
- Streams follow the real framing: ``message_start``, a ``ping``, blocks, ``message_delta``,
  ``message_stop``; fault knobs apply (``send_sse``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._openai import (
    call_suffix,
    calls_tools,
    parallel_tools,
    reasoning_pieces,
    schema_arguments,
    split_pieces,
)
from ._replies import count_tokens, reply_pieces, text_of
from ._server import FAKE_KEY, bad_request, json_body, json_object_route, json_response, send_sse
from ._structured import REFUSAL, schema_reply, wants_refusal

if TYPE_CHECKING:
    from ._server import FakeTokenHot

Frames = list[tuple[str | None, Any]]
FAKE_SIGNATURE = "fake-signature-0001"


def register(app: web.Application, fake: FakeTokenHot) -> None:
    app.router.add_post("/v1/messages", messages)
    app.router.add_post("/v1/complete", complete)


def _user_text(content: Any) -> str:
    """Text of a user turn, tool results left out."""
    if isinstance(content, list):
        content = [b for b in content if not (isinstance(b, dict) and b.get("type") == "tool_result")]
    return text_of(content)


def prompt_of(messages: list[Any], system: Any = None) -> tuple[str, int, bool]:
    """(last user text, prompt token count, whether the last turn answers a tool call)."""
    prompt = ""
    for msg in reversed(messages):
        if isinstance(msg, dict) and msg.get("role") == "user":
            prompt = _user_text(msg.get("content"))
            if prompt:
                break
    tokens = count_tokens(text_of(system)) + sum(
        count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
    last = messages[-1].get("content") if isinstance(messages[-1], dict) else None
    answered = isinstance(last, list) and any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in last)
    return prompt, tokens, answered


def _pick_tool(tools: Any, choice: Any) -> dict[str, Any] | None:
    if not isinstance(tools, list) or not tools:
        return None
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind == "none":
        return None
    custom = [t for t in tools if isinstance(t, dict) and t.get("type") in (None, "custom")]
    if kind == "tool":
        for tool in custom:
            if tool.get("name") == choice.get("name"):
                return tool
    return custom[0] if custom else None


def cut_at_stop(pieces: list[str], stops: Any) -> tuple[list[str], str | None]:
    """The pieces before the first stop sequence found in their text, and that sequence."""
    text = "".join(pieces)
    for seq in stops if isinstance(stops, list) else ():
        at = text.find(seq) if isinstance(seq, str) and seq else -1
        if at >= 0:
            kept: list[str] = []
            size = 0
            for piece in pieces:
                if size + len(piece) > at:
                    if at > size:
                        kept.append(piece[: at - size])
                    break
                kept.append(piece)
                size += len(piece)
            return kept, seq
    return pieces, None


def _cut(pieces: list[str], body: dict[str, Any]) -> tuple[list[str], str, str | None]:
    """Apply stop_sequences then max_tokens; returns (pieces, stop_reason, stop_sequence)."""
    kept, seq = cut_at_stop(pieces, body.get("stop_sequences"))
    if seq is not None:
        return kept, "stop_sequence", seq
    limit = body["max_tokens"]
    if limit < len(pieces):
        return pieces[:limit], "max_tokens", None
    return pieces, "end_turn", None


class _Reply:
    """The fake assistant turn: optional thinking, then text or one tool call."""

    def __init__(self, body: dict[str, Any], fake: FakeTokenHot, rid: str) -> None:
        messages = body["messages"]
        prompt, self.input_tokens, answered = prompt_of(messages, body.get("system"))
        self.id = rid
        self.model = body["model"]
        self.thinking = reasoning_pieces(prompt) if body.get("thinking") else []
        self.tools: list[dict[str, Any]] = []
        self.pieces: list[str] = []
        self.stop_sequence: str | None = None
        rounds = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant"
                     and isinstance(m.get("content"), list)
                     and any(isinstance(b, dict) and b.get("type") == "tool_use" for b in m["content"]))
        offered, choice = body.get("tools"), body.get("tool_choice")
        tool = (_pick_tool(offered, choice)
                if calls_tools(answered, rounds, fake.tool_rounds) else None)
        custom = [t for t in offered if isinstance(t, dict) and t.get("type") in (None, "custom")
                  ] if isinstance(offered, list) else []
        forced = isinstance(choice, dict) and choice.get("type") == "tool"
        for j, picked in enumerate(parallel_tools(tool, custom, forced, fake.tool_calls)):
            self.tools.append({"id": f"toolu_fake_{rid}{call_suffix(j, rounds)}",
                               "name": picked["name"],
                               "input": schema_arguments(picked.get("input_schema"), prompt)})
        schema = _output_schema(body)
        if not self.tools and schema is not None:
            if wants_refusal(prompt):
                self.pieces, self.stop_reason = split_pieces(REFUSAL), "refusal"
            else:
                self.pieces, self.stop_reason = split_pieces(schema_reply(schema, prompt)), "end_turn"
        elif self.tools:
            self.stop_reason = "tool_use"
        else:
            self.pieces, self.stop_reason, self.stop_sequence = _cut(
                reply_pieces(prompt, fake.reply_words, fake.replies), body)

    @property
    def output_tokens(self) -> int:
        tool_tokens = sum(count_tokens(json.dumps(t["input"])) + 1 for t in self.tools)
        return len(self.pieces) + len(self.thinking) + tool_tokens

    def usage(self, output_tokens: int) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "output_tokens": output_tokens,
                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}

    def blocks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.thinking:
            out.append({"type": "thinking", "thinking": "".join(self.thinking),
                        "signature": FAKE_SIGNATURE})
        out += [{"type": "tool_use", **tool} for tool in self.tools]
        if not self.tools:
            out.append({"type": "text", "text": "".join(self.pieces)})
        return out

    def message(self) -> dict[str, Any]:
        return {"id": self.id, "type": "message", "role": "assistant", "model": self.model,
                "content": self.blocks(), "stop_reason": self.stop_reason,
                "stop_sequence": self.stop_sequence, "usage": self.usage(self.output_tokens)}

    def frames(self) -> Frames:
        start = {**self.message(), "content": [], "stop_reason": None, "stop_sequence": None,
                 "usage": self.usage(1)}
        frames: Frames = [("message_start", {"type": "message_start", "message": start}),
                          ("ping", {"type": "ping"})]
        index = 0
        if self.thinking:
            frames += _block(index, {"type": "thinking", "thinking": "", "signature": ""},
                             [{"type": "thinking_delta", "thinking": t} for t in self.thinking]
                             + [{"type": "signature_delta", "signature": FAKE_SIGNATURE}])
            index += 1
        for tool in self.tools:
            raw = json.dumps(tool["input"])
            frames += _block(index, {"type": "tool_use", "id": tool["id"],
                                     "name": tool["name"], "input": {}},
                             [{"type": "input_json_delta", "partial_json": p}
                              for p in split_pieces(raw)])
            index += 1
        if not self.tools:
            frames += _block(index, {"type": "text", "text": ""},
                             [{"type": "text_delta", "text": p} for p in self.pieces])
        frames.append(("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": self.stop_reason, "stop_sequence": self.stop_sequence},
            "usage": {"output_tokens": self.output_tokens}}))
        frames.append(("message_stop", {"type": "message_stop"}))
        return frames


def _block(index: int, start: dict[str, Any], deltas: list[dict[str, Any]]) -> Frames:
    frames: Frames = [("content_block_start",
                       {"type": "content_block_start", "index": index, "content_block": start})]
    frames += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})
               for d in deltas]
    frames.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return frames


def _output_schema(body: dict[str, Any]) -> Any:
    fmt = body.get("output_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return fmt.get("schema") or {}
    return None


def _check(body: dict[str, Any]) -> str | None:
    """Why the gateway would reject this body (None when it is fine)."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    limit = body.get("max_tokens")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return "max_tokens: Field required (a positive integer)"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
    return None


@json_object_route
async def messages(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    problem = _check(body)
    if problem is not None:
        return bad_request(request, problem)
    if "output_format" in body and fake.state.get("anthropic_output_format") is False:
        return bad_request(request, "output_format: Extra inputs are not permitted")
    reply = _Reply(body, fake, f"msg_fake{len(fake.requests)}")
    if not body.get("stream"):
        return json_response(reply.message())
    return await send_sse(request, reply.frames())


async def complete(request: web.Request) -> web.StreamResponse:
    """Legacy text completion: ``prompt`` is a ``\\n\\nHuman: ...\\n\\nAssistant:`` transcript."""
    fake = request.app[FAKE_KEY]
    body = await json_body(request)
    if body is None or not body.get("model") or not isinstance(body.get("prompt"), str):
        return bad_request(request, "model and prompt are required")
    limit = body.get("max_tokens_to_sample")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return bad_request(request, "max_tokens_to_sample: Field required")
    human = body["prompt"].rsplit("Human:", 1)[-1].split("\n\nAssistant:", 1)[0].strip()
    pieces = reply_pieces(human, fake.reply_words, fake.replies)
    stop_reason = "stop_sequence"
    if limit < len(pieces):
        pieces, stop_reason = pieces[:limit], "max_tokens"
    return json_response({"type": "completion", "id": f"compl_fake{len(fake.requests)}",
                          "completion": " " + "".join(pieces), "stop_reason": stop_reason,
                          "model": body["model"]})
