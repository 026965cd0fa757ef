"""Fold streamed chat chunks into a whole :class:`ChatCompletion` — pure, no I/O.

Per chunk the work is a few attribute reads and list appends: text and tool-call argument
pieces are kept per choice (and per tool index) and joined only when a snapshot is taken.
"""

from __future__ import annotations

from typing import Any

from ._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    ChoiceDeltaToolCall,
    CompletionUsage,
    FunctionCall,
)

__all__ = ["ChatCompletionAccumulator"]


class _ToolCallState:
    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id = ""
        self.type = "function"
        self.name = ""
        self.arguments: list[str] = []


class _ChoiceState:
    __slots__ = ("content", "extra", "finish_reason", "logprobs", "reasoning", "refusal", "role",
                 "tools")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.refusal: list[str] = []
        self.tools: dict[int, _ToolCallState] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] = []
        self.extra: dict[str, Any] = {}

    def add_tool_calls(self, calls: list[ChoiceDeltaToolCall]) -> None:
        tools = self.tools
        for call in calls:
            state = tools.get(call.index)
            if state is None:
                state = tools[call.index] = _ToolCallState()
            if call.id:
                state.id = call.id
            if call.type:
                state.type = call.type
            fn = call.function
            if fn is not None:
                if fn.name:
                    state.name = fn.name  # some gateways repeat the name on every piece
                if fn.arguments:
                    state.arguments.append(fn.arguments)

    def add_extra(self, extra: dict[str, Any]) -> None:
        """Unknown delta fields: strings are concatenated, anything else is last-wins."""
        mine = self.extra
        for key, value in extra.items():
            if value is None:
                continue
            old = mine.get(key)
            mine[key] = old + value if isinstance(value, str) and isinstance(old, str) else value

    def message(self) -> ChatCompletionMessage:
        tool_calls = [
            ChatCompletionMessageToolCall(
                id=t.id, type=t.type,
                function=FunctionCall(name=t.name, arguments="".join(t.arguments)),
            )
            for _, t in sorted(self.tools.items())
        ]
        content = "".join(self.content) if self.content or not tool_calls else None
        return ChatCompletionMessage(
            role=self.role,
            content=content,
            reasoning_content="".join(self.reasoning) if self.reasoning else None,
            refusal="".join(self.refusal) if self.refusal else None,
            tool_calls=tool_calls or None,
            **self.extra,
        )


class ChatCompletionAccumulator:
    """Feed it every chunk with :meth:`add`; :meth:`snapshot` gives the completion so far.

    Content, reasoning and refusal pieces are joined per choice index; tool-call argument
    pieces per (choice index, tool index). The ``include_usage`` chunk (no choices) sets usage.
    """

    __slots__ = ("_choices", "_extra", "_fingerprint", "_head", "_service_tier", "_usage")

    def __init__(self) -> None:
        self._head: ChatCompletionChunk | None = None
        self._choices: dict[int, _ChoiceState] = {}
        self._usage: CompletionUsage | None = None
        self._fingerprint: str | None = None
        self._service_tier: str | None = None
        self._extra: dict[str, Any] = {}  # unknown top-level fields, last value wins

    def add(self, chunk: ChatCompletionChunk) -> None:
        if self._head is None:
            self._head = chunk
        if chunk.usage is not None:
            self._usage = chunk.usage
        if chunk.system_fingerprint is not None:
            self._fingerprint = chunk.system_fingerprint
        if chunk.service_tier is not None:
            self._service_tier = chunk.service_tier
        if chunk.__pydantic_extra__:
            self._extra.update(chunk.__pydantic_extra__)
        states = self._choices
        for choice in chunk.choices:
            state = states.get(choice.index)
            if state is None:
                state = states[choice.index] = _ChoiceState()
            delta = choice.delta
            if delta.content:
                state.content.append(delta.content)
            if delta.reasoning_content:
                state.reasoning.append(delta.reasoning_content)
            if delta.tool_calls:
                state.add_tool_calls(delta.tool_calls)
            if delta.role:
                state.role = delta.role
            if delta.refusal:
                state.refusal.append(delta.refusal)
            if delta.__pydantic_extra__:
                state.add_extra(delta.__pydantic_extra__)
            if choice.finish_reason is not None:
                state.finish_reason = choice.finish_reason
            if choice.logprobs is not None:
                state.logprobs.append(choice.logprobs)

    @property
    def chunks_seen(self) -> bool:
        return self._head is not None

    def snapshot(self) -> ChatCompletion:
        """The completion built from everything added so far (cheap enough to call once)."""
        head = self._head
        choices = [
            Choice(index=index, message=state.message(), finish_reason=state.finish_reason,
                   logprobs=_join_logprobs(state.logprobs))
            for index, state in sorted(self._choices.items())
        ]
        return ChatCompletion(
            id=head.id if head else "",
            created=head.created if head else 0,
            model=head.model if head else "",
            choices=choices,
            usage=self._usage,
            system_fingerprint=self._fingerprint,
            service_tier=self._service_tier,
            **self._extra,
        )


def _join_logprobs(pieces: list[Any]) -> Any:
    """Per-chunk ``{"content": [...]}`` logprob lists, concatenated."""
    if not pieces:
        return None
    joined: dict[str, Any] = {}
    for piece in pieces:
        if not isinstance(piece, dict):
            return pieces[-1]
        for key, value in piece.items():
            if isinstance(value, list):
                joined.setdefault(key, []).extend(value)
            elif value is not None or key not in joined:
                joined[key] = value
    return joined
