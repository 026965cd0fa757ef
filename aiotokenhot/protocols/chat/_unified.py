"""Chat Completions in the unified API: request out, deltas and :class:`Completion` back."""

from __future__ import annotations

from typing import Any

from ..._exceptions import ResponseValidationError
from ...unified._adapter import NativeRequest, ProtocolAdapter, UnifiedRequest, answer_as
from ...unified._convert import drop_none
from ...unified._events import Completion, FinishReason, ToolCall, Usage, parse_arguments
from ...unified._stream import UnifiedStream
from ._stream import ChatFold
from ._types import ChatCompletion, CompletionUsage

__all__ = ["CHAT", "ChatAdapter", "ChatUnifiedStream", "chat_usage"]

PATH = "/v1/chat/completions"

#: Chat finish reasons the unified API knows by name (others: see ``unified._finish``)
FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop", "length": "length", "tool_calls": "tool_calls",
    "function_call": "tool_calls", "content_filter": "content_filter", "error": "error",
}


def chat_usage(usage: CompletionUsage) -> Usage:
    """Chat token counts in the unified meaning (cached and reasoning tokens from details)."""
    prompt, completion = usage.prompt_tokens_details, usage.completion_tokens_details
    return Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens,
                 reasoning_tokens=(completion.reasoning_tokens or 0) if completion else 0,
                 cached_tokens=(prompt.cached_tokens or 0) if prompt else 0)


class ChatAdapter(ProtocolAdapter[ChatCompletion]):
    """The Chat Completions protocol's bridge to the unified API."""

    def native_request(self, request: UnifiedRequest) -> NativeRequest:
        """The chat body is the unified input itself; streams ask for usage."""
        s = request.sampling
        body = drop_none({
            "model": request.model, "messages": [dict(m) for m in request.messages],
            "tools": request.tools or None, "tool_choice": request.tool_choice,
            "max_tokens": s.max_tokens, "temperature": s.temperature, "top_p": s.top_p, "stop": s.stop,
        })
        if request.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return NativeRequest(self.name, PATH, body)

    def completion(self, result: ChatCompletion, raw: Any = None) -> Completion:
        """The choice with ``index`` 0 of a :class:`ChatCompletion` as a unified Completion."""
        choice = next((c for c in result.choices if c.index == 0), None)
        out = self.new_completion(result, raw, model=result.model or None, id=result.id or None,
                                  usage=chat_usage(result.usage) if result.usage is not None else None)
        if choice is None:
            return out
        message = choice.message
        calls = [
            ToolCall(call.id, call.function.name, parse_arguments(call.function.arguments),
                     call.function.arguments, (call.model_extra or {}).get("extra_content"))
            for call in message.tool_calls or ()
        ]
        reasoning = message.reasoning_content
        if reasoning is None:
            alt = (message.model_extra or {}).get("reasoning")
            reasoning = alt if isinstance(alt, str) else None
        out.text = message.content or ""
        out.reasoning = reasoning or ""
        out.tool_calls = calls
        out.finish = self.finish(choice.finish_reason, bool(calls))
        return out

    def answer(self, body: Any) -> ChatCompletion:
        """A whole ``/v1/chat/completions`` answer, which must hold choice 0."""
        result = answer_as(ChatCompletion, body, "chat completions")
        if not any(c.index == 0 for c in result.choices):
            raise ResponseValidationError("the chat completions response has no choice 0", body=body)
        return result


CHAT = ChatAdapter("openai", ChatFold, FINISH_REASONS)


class ChatUnifiedStream(UnifiedStream):
    """The unified stream over Chat Completions chunks (ends at ``[DONE]``)."""

    protocol = "openai"
    adapter = CHAT
