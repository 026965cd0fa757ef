"""Fold streamed chat chunks into a whole :class:`ChatCompletion` — pure, no I/O.

The fold works on the checked dicts the stream validates each chunk into (field names as
keys, absent fields absent), so a chunk need not become a pydantic model to be counted. Per
chunk the work is a few dict reads and list appends: text and tool-call argument pieces are
kept per choice (and per tool index) and joined only when a snapshot is taken.
"""

from __future__ import annotations

from typing import Any

from ._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    FunctionCall,
)

__all__ = ["ChatCompletionAccumulator"]

_TOP_FIELDS = frozenset(ChatCompletionChunk.model_fields)
_DELTA_FIELDS = frozenset({"role", "content", "reasoning_content", "refusal", "tool_calls"})


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

    def add_delta(self, delta: dict[str, Any]) -> None:
        """Any delta but a lone ``content`` piece (the stream handles that one inline)."""
        content = delta.get("content")
        if content:
            self.content.append(content)
        reasoning = delta.get("reasoning_content")
        if reasoning:
            self.reasoning.append(reasoning)
        calls = delta.get("tool_calls")
        if calls:
            self.add_tool_calls(calls)
        role = delta.get("role")
        if role:
            self.role = role
        refusal = delta.get("refusal")
        if refusal:
            self.refusal.append(refusal)
        if not _DELTA_FIELDS.issuperset(delta):
            self.add_extra({k: v for k, v in delta.items() if k not in _DELTA_FIELDS})

    def add_tool_calls(self, calls: list[dict[str, Any]]) -> None:
        tools = self.tools
        for call in calls:
            index = call.get("index", 0)
            state = tools.get(index)
            if state is None:
                state = tools[index] = _ToolCallState()
            if call.get("id"):
                state.id = call["id"]
            if call.get("type"):
                state.type = call["type"]
            fn = call.get("function")
            if fn is not None:
                if fn.get("name"):
                    state.name = fn["name"]  # some gateways repeat the name on every piece
                if fn.get("arguments"):
                    state.arguments.append(fn["arguments"])

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
        self._head: dict[str, Any] | None = None
        self._choices: dict[int, _ChoiceState] = {}
        self._usage: Any = None
        self._fingerprint: str | None = None
        self._service_tier: str | None = None
        self._extra: dict[str, Any] = {}  # unknown top-level fields, last value wins

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one typed chunk in."""
        self.add_checked(chunk.model_dump(exclude_unset=True))

    def add_checked(self, chunk: dict[str, Any]) -> str | None:
        """Fold in one chunk given as its checked dict; returns choice 0's content piece."""
        if self._head is None:
            self._head = chunk
        text: str | None = None
        if not _TOP_FIELDS.issuperset(chunk):
            self._extra.update({k: v for k, v in chunk.items() if k not in _TOP_FIELDS})
        value = chunk.get("usage")
        if value is not None:
            self._usage = value
        value = chunk.get("system_fingerprint")
        if value is not None:
            self._fingerprint = value
        value = chunk.get("service_tier")
        if value is not None:
            self._service_tier = value
        states = self._choices
        for choice in chunk["choices"]:
            index = choice.get("index", 0)
            state = states.get(index)
            if state is None:
                state = states[index] = _ChoiceState()
            delta = choice.get("delta")
            if delta:
                piece = delta.get("content")
                if piece is not None and len(delta) == 1:
                    state.content.append(piece)
                else:
                    state.add_delta(delta)
                if index == 0:
                    text = piece
            finish = choice.get("finish_reason")
            if finish is not None:
                state.finish_reason = finish
            logprobs = choice.get("logprobs")
            if logprobs is not None:
                state.logprobs.append(logprobs)
        return text

    def content_pieces(self, index: int) -> list[str]:
        """The list choice ``index``'s text pieces are appended to (for the stream's fast path)."""
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = _ChoiceState()
        return state.content

    @property
    def chunks_seen(self) -> bool:
        return self._head is not None

    def snapshot(self) -> ChatCompletion:
        """The completion built from everything added so far (cheap enough to call once)."""
        head = self._head or {}
        choices = [
            Choice(index=index, message=state.message(), finish_reason=state.finish_reason,
                   logprobs=_join_logprobs(state.logprobs))
            for index, state in sorted(self._choices.items())
        ]
        return ChatCompletion(
            id=head.get("id", ""),
            created=head.get("created", 0),
            model=head.get("model", ""),
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
