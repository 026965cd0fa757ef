"""Fake-gateway route for the OpenAI Responses API: POST /v1/responses (whole or streamed).

The stream uses the real framing: ``event: <type>`` lines, ``sequence_number`` from 0, and
``response.completed`` (or ``response.incomplete`` when ``max_output_tokens`` cut the reply)
as the last event. Output items, in order: ``reasoning`` (when ``reasoning`` is set),
``web_search_call`` (when a ``web_search`` tool is given), then a ``function_call`` (when a
function tool is given and the input does not end with its output; ``FakeTokenHot(tool_calls=N)``
calls the first N in parallel) or the ``message``.
"""

from __future__ import annotations

import json
import time
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
from ._server import FAKE_KEY, error_response, json_body, json_response, send_sse
from ._structured import REFUSAL, schema_reply, wants_refusal

if TYPE_CHECKING:
    from ._server import FakeTokenHot

Frames = list[tuple[str | None, Any]]


def register(app: web.Application, fake: FakeTokenHot) -> None:
    app.router.add_post("/v1/responses", responses)


def _input_text(body: dict[str, Any]) -> tuple[str, int, bool]:
    """(last user text, prompt token count, whether the input ends with a tool result)."""
    raw = body.get("input")
    instructions = body.get("instructions") or ""
    if isinstance(raw, str):
        return raw, count_tokens(raw) + count_tokens(instructions), False
    items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    users = [i for i in items if i.get("role") == "user"]
    prompt = text_of(users[-1].get("content")) if users else ""
    tokens = sum(count_tokens(text_of(i.get("content", i.get("output")))) for i in items)
    ends_with_result = bool(items) and items[-1].get("type") == "function_call_output"
    return prompt, tokens + count_tokens(instructions), ends_with_result


def _function_tools(body: dict[str, Any], n: int) -> list[dict[str, Any]]:
    tools = body.get("tools")
    if not isinstance(tools, list) or body.get("tool_choice") == "none":
        return []
    functions = [t for t in tools if isinstance(t, dict) and t.get("type") == "function"]
    choice = body.get("tool_choice")
    wanted = choice.get("name") if isinstance(choice, dict) else None
    if wanted:
        functions = [t for t in functions if t.get("name") == wanted] or functions
    return parallel_tools(functions[0] if functions else None, functions, bool(wanted), n)


def _tool_rounds(body: dict[str, Any]) -> int:
    """How many replies in the input called tools (runs of ``function_call`` items)."""
    raw = body.get("input")
    kinds = [i.get("type") for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    return sum(1 for i, kind in enumerate(kinds)
               if kind == "function_call" and (i == 0 or kinds[i - 1] != "function_call"))


def _text_schema(body: dict[str, Any]) -> Any:
    """The schema of a ``json_schema`` text format, if the request asks for one."""
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return fmt.get("schema") or {}
    return None


def _has_web_search(body: dict[str, Any]) -> bool:
    tools = body.get("tools")
    return isinstance(tools, list) and any(
        isinstance(t, dict) and str(t.get("type", "")).startswith("web_search") for t in tools)


class _Reply:
    """The output items of one fake response, with the pieces their stream deltas carry."""

    def __init__(self, body: dict[str, Any], fake: FakeTokenHot, rid: str) -> None:
        words = fake.reply_words
        prompt, self.input_tokens, ends_with_result = _input_text(body)
        self.items: list[tuple[dict[str, Any], list[str]]] = []
        self.incomplete = False
        self.reasoning_tokens = 0
        self.output_tokens = 0
        if body.get("reasoning"):
            pieces = reasoning_pieces(prompt)
            self.reasoning_tokens = len(pieces)
            self.items.append(({"id": f"rs_{rid}", "type": "reasoning", "summary": [
                {"type": "summary_text", "text": "".join(pieces)}]}, pieces))
        if _has_web_search(body):
            self.items.append(({"id": f"ws_{rid}", "type": "web_search_call", "status": "completed",
                                "action": {"type": "search", "query": prompt}}, []))
        rounds = _tool_rounds(body)
        tools = (_function_tools(body, fake.tool_calls)
                 if calls_tools(ends_with_result, rounds, fake.tool_rounds) else [])
        for j, tool in enumerate(tools):
            arguments = json.dumps(schema_arguments(tool.get("parameters"), prompt))
            self.output_tokens += count_tokens(arguments) + 1
            suffix = call_suffix(j, rounds)
            self.items.append(({"id": f"fc_{rid}{suffix}", "type": "function_call",
                                "status": "completed", "call_id": f"call_{rid}{suffix}",
                                "name": tool.get("name", "tool"), "arguments": arguments},
                               split_pieces(arguments)))
        schema = _text_schema(body)
        if not tools and schema is not None and wants_refusal(prompt) and not body.get("stream"):
            self.items.append(({
                "id": f"msg_{rid}", "type": "message", "role": "assistant", "status": "completed",
                "content": [{"type": "refusal", "refusal": REFUSAL}]}, []))
        elif not tools:
            pieces = (split_pieces(schema_reply(schema, prompt)) if schema is not None
                      else reply_pieces(prompt, words, fake.replies))
            limit = body.get("max_output_tokens")
            if isinstance(limit, int) and 0 < limit < len(pieces):
                pieces, self.incomplete = pieces[:limit], True
            self.output_tokens += len(pieces)
            self.items.append(({
                "id": f"msg_{rid}", "type": "message", "role": "assistant",
                "status": "incomplete" if self.incomplete else "completed",
                "content": [{"type": "output_text", "text": "".join(pieces), "annotations": [],
                             "logprobs": []}]}, pieces))
        self.output_tokens += self.reasoning_tokens

    @property
    def usage(self) -> dict[str, Any]:
        return {"input_tokens": self.input_tokens, "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": self.output_tokens,
                "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
                "total_tokens": self.input_tokens + self.output_tokens}


def _response_object(rid: str, body: dict[str, Any], created: int, status: str,
                     output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": rid, "object": "response", "created_at": created,
        "completed_at": created if status == "completed" else None,
        "status": status, "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
        "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
        "model": body["model"], "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": body.get("reasoning") or {"effort": None, "summary": None},
        "store": body.get("store", True), "temperature": body.get("temperature", 1),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1), "truncation": body.get("truncation", "disabled"),
        "usage": usage, "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def _item_events(index: int, item: dict[str, Any], pieces: list[str]) -> Frames:
    """The events that stream one output item, from ``added`` to ``done``."""
    kind, item_id = item["type"], item["id"]
    where = {"item_id": item_id, "output_index": index}
    events: Frames = []
    if kind == "message":
        part = item["content"][0]
        events.append(("response.output_item.added", {"output_index": index, "item": {
            **item, "status": "in_progress", "content": []}}))
        events.append(("response.content_part.added", {**where, "content_index": 0, "part": {
            **part, "text": ""}}))
        events += [("response.output_text.delta", {**where, "content_index": 0, "delta": p,
                                                   "logprobs": []}) for p in pieces]
        events.append(("response.output_text.done", {**where, "content_index": 0,
                                                      "text": part["text"], "logprobs": []}))
        events.append(("response.content_part.done", {**where, "content_index": 0, "part": part}))
    elif kind == "function_call":
        events.append(("response.output_item.added", {"output_index": index, "item": {
            **item, "status": "in_progress", "arguments": ""}}))
        events += [("response.function_call_arguments.delta", {**where, "delta": p})
                   for p in pieces]
        events.append(("response.function_call_arguments.done", {
            **where, "name": item["name"], "arguments": item["arguments"]}))
    elif kind == "reasoning":
        summary = item["summary"][0]
        events.append(("response.output_item.added", {"output_index": index, "item": {
            **item, "summary": []}}))
        events.append(("response.reasoning_summary_part.added", {**where, "summary_index": 0,
                                                                  "part": {**summary, "text": ""}}))
        events += [("response.reasoning_summary_text.delta", {**where, "summary_index": 0,
                                                               "delta": p}) for p in pieces]
        events.append(("response.reasoning_summary_text.done", {**where, "summary_index": 0,
                                                                "text": summary["text"]}))
        events.append(("response.reasoning_summary_part.done", {**where, "summary_index": 0,
                                                                "part": summary}))
    else:  # web_search_call
        events.append(("response.output_item.added", {"output_index": index, "item": {
            **item, "status": "in_progress"}}))
        events += [(f"response.web_search_call.{step}", dict(where))
                   for step in ("in_progress", "searching", "completed")]
    events.append(("response.output_item.done", {"output_index": index, "item": item}))
    return events


async def responses(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE_KEY]
    body = await json_body(request)
    if body is None or not body.get("model"):
        return error_response(request.path, 400, "model is required", "invalid_request_error")
    if body.get("input") in (None, "", []) and not body.get("previous_response_id"):
        return error_response(request.path, 400, "input is required", "invalid_request_error")
    rid = f"resp_fake{len(fake.requests)}"
    created = int(time.time())
    reply = _Reply(body, fake, rid)
    status = "incomplete" if reply.incomplete else "completed"
    output = [item for item, _ in reply.items]
    final = _response_object(rid, body, created, status, output, reply.usage)
    if not body.get("stream"):
        return json_response(final)
    start = _response_object(rid, body, created, "in_progress", [], None)
    events: Frames = [("response.created", {"response": start}),
                      ("response.in_progress", {"response": start})]
    for index, (item, pieces) in enumerate(reply.items):
        events += _item_events(index, item, pieces)
    events.append((f"response.{status}", {"response": final}))
    frames: Frames = [(name, {"type": name, "sequence_number": seq, **data})
                      for seq, (name, data) in enumerate(events)]
    return await send_sse(request, frames)
