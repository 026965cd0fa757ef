"""Anthropic Messages in the unified API: request out, deltas and :class:`Completion` back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic_core

from ..._exceptions import InvalidRequestError, ResponseValidationError
from ...unified._adapter import NativeRequest, ProtocolAdapter, UnifiedRequest, answer_as
from ...unified._convert import (
    DEFAULT_ANTHROPIC_MAX_TOKENS,
    call_object,
    content_parts,
    data_url,
    drop_none,
    forced_function,
    function_tools,
    image_url_of,
    merge_turn,
    opening_system,
    text_only,
)
from ...unified._events import Completion, FinishReason, ToolCall, Usage
from ...unified._stream import UnifiedStream
from ._stream import MessageFold
from ._types import Message, MessageUsage, ThinkingBlock, ToolUseBlock

__all__ = ["ANTHROPIC", "AnthropicUnifiedStream", "MessagesAdapter", "anthropic_usage"]

#: Anthropic stop reasons the unified API knows by name (others: see ``unified._finish``)
FINISH_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop",
    "max_tokens": "length", "model_context_window_exceeded": "length",
    "tool_use": "tool_calls", "refusal": "content_filter",
}


def anthropic_usage(usage: MessageUsage) -> Usage:
    """Anthropic counts cache reads and writes apart from ``input_tokens``: add them back."""
    cached = usage.cache_read_input_tokens or 0
    return Usage(input_tokens=usage.input_tokens + cached + (usage.cache_creation_input_tokens or 0),
                 output_tokens=usage.output_tokens, reasoning_tokens=0, cached_tokens=cached)


def _part(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = part["type"]
    if kind in ("text", "input_text"):
        return {"type": "text", "text": part.get("text", "")}
    if kind == "image_url":
        url = image_url_of(part, where)
        data = data_url(url, where)
        if data is None:
            return {"type": "image", "source": {"type": "url", "url": url}}
        return {"type": "image", "source": {"type": "base64", "media_type": data[0], "data": data[1]}}
    if kind == "file" and isinstance(part.get("file"), Mapping):
        file_data = part["file"].get("file_data")
        data = data_url(file_data, where) if isinstance(file_data, str) else None
        if data is not None:
            return {"type": "document", "source": {"type": "base64", "media_type": data[0], "data": data[1]}}
    raise InvalidRequestError(f"{where}: the anthropic protocol cannot carry a {kind!r} part here")


class MessagesAdapter(ProtocolAdapter[Message]):
    """The Anthropic Messages protocol's bridge to the unified API."""

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        """The Messages body for a unified request (system prompts up front, tool results as user
        ``tool_result`` blocks); raises :class:`InvalidRequestError` for what it cannot carry."""
        tool_choice, s = request.tool_choice, request.sampling
        system: list[str] = []
        turns: list[dict[str, Any]] = []
        for i, m in enumerate(request.messages):
            where = f"messages[{i}]"
            role = m["role"]
            if role in ("system", "developer"):
                system.append(opening_system(m, where, bool(turns), "anthropic", "system prompts"))
            elif role == "user":
                blocks = [_part(p, where) for p in content_parts(m.get("content"), where)]
                merge_turn(turns, "user", "content", blocks)
            elif role == "assistant":
                text = text_only(m.get("content"), where)
                blocks = [{"type": "text", "text": text}] if text else []
                for call in m.get("tool_calls") or ():
                    call_id, name, parsed = call_object(call, where)
                    blocks.append({"type": "tool_use", "id": call_id, "name": name, "input": parsed})
                merge_turn(turns, "assistant", "content", blocks)
            else:
                result = {"type": "tool_result", "tool_use_id": m.get("tool_call_id"),
                          "content": text_only(m.get("content"), where)}
                merge_turn(turns, "user", "content", [result])
        native_tools = [
            drop_none({"name": fn["name"], "description": fn.get("description"),
                       "input_schema": fn.get("parameters") or {"type": "object", "properties": {}}})
            for fn in function_tools(request.tools, "anthropic")
        ]
        choice: dict[str, Any] | None = None
        if tool_choice is not None:
            forced = forced_function(tool_choice)
            choice = ({"type": "tool", "name": forced} if forced else
                      {"type": {"auto": "auto", "none": "none", "required": "any"}[str(tool_choice)]})
        body = drop_none({
            "model": request.model, "max_tokens": s.max_tokens or DEFAULT_ANTHROPIC_MAX_TOKENS,
            "system": "\n\n".join(system) if system else None, "messages": turns,
            "tools": native_tools or None, "tool_choice": choice, "temperature": s.temperature,
            "top_p": s.top_p, "stop_sequences": s.stop, "stream": True if request.stream else None,
        })
        return NativeRequest(self.name, "/v1/messages", body)

    def completion(self, result: Message, raw: Any = None) -> Completion:
        """A :class:`Message` as a unified Completion: text and thinking joined, tool calls with
        their parsed input (a call cut by ``max_tokens`` keeps the raw text that arrived)."""
        calls: list[ToolCall] = []
        for block in result.content:
            if isinstance(block, ToolUseBlock):
                raw_args = (block.model_extra or {}).get("partial_json")
                if not isinstance(raw_args, str):
                    raw_args = pydantic_core.to_json({} if block.input is None else block.input).decode()
                calls.append(ToolCall(block.id, block.name, block.input, raw_args))
        usage = result.usage
        reported = "usage" in result.model_fields_set and bool(usage.model_fields_set or usage.model_extra)
        out = self.new_completion(result, raw, usage=anthropic_usage(usage) if reported else None,
                                  model=result.model or None, id=result.id or None)
        out.text = result.text
        out.reasoning = "".join(b.thinking for b in result.content if isinstance(b, ThinkingBlock))
        out.tool_calls = calls
        out.finish = self.finish(result.stop_reason, bool(calls))
        return out

    def answer(self, body: Any) -> Message:
        """A whole ``/v1/messages`` answer, which must hold a content list."""
        if not isinstance(body, dict) or not isinstance(body.get("content"), list):
            raise ResponseValidationError("the anthropic response has no content list", body=body)
        return answer_as(Message, body, "anthropic")


ANTHROPIC = MessagesAdapter("anthropic", MessageFold, FINISH_REASONS)


class AnthropicUnifiedStream(UnifiedStream):
    """The unified stream over Messages events (ends at ``message_stop``)."""

    protocol = "anthropic"
    adapter = ANTHROPIC
