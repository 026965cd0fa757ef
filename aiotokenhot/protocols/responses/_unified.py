"""OpenAI Responses in the unified API: request out, deltas and :class:`Completion` back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._exceptions import InvalidRequestError
from ...unified._adapter import NativeRequest, ProtocolAdapter, UnifiedRequest, answer_as
from ...unified._convert import (
    call_arguments,
    content_parts,
    drop_none,
    forced_function,
    image_url_of,
    text_only,
)
from ...unified._events import Completion, FinishReason, ToolCall, Usage, parse_arguments
from ...unified._stream import UnifiedStream
from ._stream import ResponsesFold
from ._types import (
    Response,
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseUsage,
)

__all__ = ["RESPONSES", "ResponsesAdapter", "ResponsesUnifiedStream", "responses_usage"]

PATH = "/v1/responses"

#: Responses end states the unified API knows by name (others: see ``unified._finish``)
FINISH_REASONS: dict[str, FinishReason] = {
    "completed": "stop", "max_output_tokens": "length", "incomplete": "length",
    "content_filter": "content_filter", "failed": "error",
}


def _count(details: dict[str, Any] | None, key: str) -> int:
    value = (details or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def responses_usage(usage: ResponseUsage) -> Usage:
    """Token counts in the unified meaning, under the upstream or the chat-style names."""
    out_details = usage.output_tokens_details or usage.completion_tokens_details
    in_details = usage.input_tokens_details or usage.prompt_tokens_details
    return Usage(input_tokens=usage.input or 0, output_tokens=usage.output or 0,
                 reasoning_tokens=_count(out_details, "reasoning_tokens"),
                 cached_tokens=_count(in_details, "cached_tokens"))


def _responses_part(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    kind = part["type"]
    if kind in ("text", "input_text"):
        return {"type": "input_text", "text": part.get("text", "")}
    if kind == "image_url":
        image = part.get("image_url")
        detail = image.get("detail") if isinstance(image, Mapping) else None
        return {"type": "input_image", "image_url": image_url_of(part, where), "detail": detail or "auto"}
    if kind == "file" and isinstance(part.get("file"), Mapping):
        return {"type": "input_file", **part["file"]}
    raise InvalidRequestError(f"{where}: the responses protocol cannot carry a {kind!r} part here")


def _responses_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    if tool["type"] != "function":
        return dict(tool)  # a Responses built-in tool (web_search...), as is
    fn = tool["function"]
    return drop_none({"type": "function", "name": fn["name"], "description": fn.get("description"),
                      "parameters": fn.get("parameters"), "strict": fn.get("strict")})


class ResponsesAdapter(ProtocolAdapter[Response]):
    """The Responses protocol's bridge to the unified API."""

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        """The Responses body for a unified request (tool calls and results as ``function_call``
        and ``function_call_output`` items); raises :class:`InvalidRequestError` for what it
        cannot carry."""
        s = request.sampling
        if s.stop:
            raise InvalidRequestError("the responses protocol has no stop sequences")
        items: list[dict[str, Any]] = []
        for i, m in enumerate(request.messages):
            where = f"messages[{i}]"
            role = m["role"]
            if role in ("system", "developer"):
                items.append({"role": role, "content": text_only(m.get("content"), where)})
            elif role == "user":
                content = m.get("content")
                if not isinstance(content, str):
                    content = [_responses_part(p, where) for p in content_parts(content, where)]
                items.append({"role": "user", "content": content})
            elif role == "assistant":
                text = text_only(m.get("content"), where)
                if text:
                    items.append({"role": "assistant", "content": text})
                for call in m.get("tool_calls") or ():
                    call_id, name, raw, _ = call_arguments(call, where)
                    items.append({"type": "function_call", "call_id": call_id, "name": name,
                                  "arguments": raw})
            else:
                items.append({"type": "function_call_output", "call_id": m.get("tool_call_id"),
                              "output": text_only(m.get("content"), where)})
        choice: Any = request.tool_choice
        if choice is not None:
            forced = forced_function(choice)
            choice = {"type": "function", "name": forced} if forced else choice
        body = drop_none({
            "model": request.model, "input": items,
            "tools": [_responses_tool(t) for t in request.tools] or None, "tool_choice": choice,
            "max_output_tokens": s.max_tokens, "temperature": s.temperature, "top_p": s.top_p,
            "stream": True if request.stream else None,
        })
        return NativeRequest(self.name, PATH, body)

    def completion(self, result: Response, raw: Any = None) -> Completion:
        """A :class:`Response` as a unified Completion (message text, reasoning summaries
        and text, function calls; the finish from ``status`` / ``incomplete_details``)."""
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        for item in result.output:
            if isinstance(item, ResponseOutputMessage):
                text += [p.text or "" for p in item.content if p.type == "output_text"]
            elif isinstance(item, ResponseReasoningItem):
                reasoning += [p.text for p in item.summary]
                reasoning += [p.get("text") or "" for p in item.content or () if isinstance(p, dict)]
            elif isinstance(item, ResponseFunctionToolCall):
                calls.append(ToolCall(item.call_id or item.id or "", item.name,
                                      parse_arguments(item.arguments), item.arguments))
        out = self.new_completion(result, raw, model=result.model or None, id=result.id or None,
                                  usage=responses_usage(result.usage) if result.usage is not None else None)
        out.text = "".join(text)
        out.reasoning = "".join(reasoning)
        out.tool_calls = calls
        status = result.status
        if status and status not in ("in_progress", "queued"):
            if status == "incomplete":
                status = (result.incomplete_details or {}).get("reason") or status
            out.finish = self.finish(status, bool(calls))
        return out

    def answer(self, body: Any) -> Response:
        """A whole ``/v1/responses`` answer; one without a ``status`` is a completed one."""
        result = answer_as(Response, body, "responses")
        if result.status is None:
            result = result.model_copy(update={"status": "completed"})
        return result

    def parse(self, body: Any) -> Completion:
        """A whole ``/v1/responses`` answer as a :class:`Completion` (``raw`` keeps the body as
        sent); one still ``queued`` or ``in_progress`` (background mode) has no finish yet."""
        return self.completion(self.answer(body), raw=body)


RESPONSES = ResponsesAdapter("responses", ResponsesFold, FINISH_REASONS)


class ResponsesUnifiedStream(UnifiedStream):
    """The unified stream over Responses events (ends at ``response.completed`` / ``.incomplete``)."""

    protocol = "responses"
    adapter = RESPONSES
