"""Fold streamed chat chunks (their JSON dicts) into a whole :class:`ChatCompletion` — pure, no I/O.

Rules (each one what the official SDK does, or what keeps a reply whole):

- choices are keyed by their ``index`` field, never by list position; ``choices: null`` and
  ``delta: null`` read as empty (mended in place, so the typed chunk reads them as empty too);
- a tool call piece belongs to the call with its ``index``; a piece carrying a different ``id``
  than that call starts a new call (gateways that send every parallel call as index 0, or no
  index at all); a piece with neither continues the last call;
- ``content`` is None when no content string arrived (a refusal-only reply) or when only empty
  content came with tool calls;
- ``id``, ``model`` and ``created`` are the first non-empty values (Azure sends an empty first
  chunk); ``usage``, ``system_fingerprint`` and ``service_tier`` the last ones sent;
- unknown top-level fields keep the last value sent, except the per-chunk ``obfuscation`` and
  ``object``; unknown delta fields are joined (strings) or last-wins;
- anything of the wrong type raises ``TypeError``, so a mis-shaped chunk is a stream error at
  once, never a broken ``final()`` later.
"""

from __future__ import annotations

from typing import Any

from ._types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    CompletionUsage,
    FunctionCall,
)

__all__ = ["ChatCompletionAccumulator", "ChoiceState", "ToolCallState"]

#: top-level fields not copied into final() as extras (``obfuscation`` describes one chunk)
_KNOWN_TOP = frozenset(ChatCompletionChunk.model_fields) | {"error", "obfuscation", "object"}
_DELTA_FIELDS = frozenset({"role", "content", "reasoning_content", "refusal", "tool_calls"})


def _text(value: Any) -> str:
    if value.__class__ is not str:
        raise TypeError(f"expected a string piece, got {type(value).__name__}")
    return value


class ToolCallState:
    """One tool call being assembled: ``arguments`` holds its JSON text pieces in order."""

    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self, id: str) -> None:
        self.id = id
        self.type = "function"
        self.name = ""
        self.arguments: list[str] = []


class ChoiceState:
    """One choice being assembled. The unified stream reads ``content``, ``reasoning`` and
    ``calls`` of choice 0 as they grow (its deltas are what was appended since it last looked)."""

    __slots__ = ("_by_index", "calls", "content", "extra", "finish_reason", "has_content",
                 "logprobs", "reasoning", "reasoning_key", "refusal", "role")

    def __init__(self) -> None:
        self.role = "assistant"
        self.content: list[str] = []
        self.has_content = False
        self.reasoning: list[str] = []
        self.reasoning_key = "reasoning_content"
        self.refusal: list[str] = []
        self.calls: list[ToolCallState] = []
        self._by_index: dict[int, ToolCallState] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] = []
        self.extra: dict[str, Any] = {}

    def add_delta(self, delta: dict[str, Any]) -> None:
        """Any delta but a lone ``content`` piece (the fold handles that one inline)."""
        content = delta.get("content")
        if content is not None:
            self.content.append(_text(content))
            self.has_content = True
        reasoning = delta.get("reasoning_content")
        if reasoning is not None:
            self.reasoning.append(_text(reasoning))
        elif delta.get("reasoning").__class__ is str:  # OpenRouter-style: kept under its own name
            self.reasoning_key = "reasoning"
            self.reasoning.append(delta["reasoning"])
        calls = delta.get("tool_calls")
        if calls:
            self.add_tool_calls(calls)
        role = delta.get("role")
        if role is not None:
            self.role = _text(role)
        refusal = delta.get("refusal")
        if refusal is not None:
            self.refusal.append(_text(refusal))
        if not _DELTA_FIELDS.issuperset(delta):  # unknown fields: strings joined, else last-wins
            extra = self.extra
            for key, value in delta.items():
                if key not in _DELTA_FIELDS and value is not None and key != self.reasoning_key:
                    old = extra.get(key)
                    extra[key] = old + value if isinstance(value, str) and isinstance(old, str) else value

    def add_tool_calls(self, calls: list[Any]) -> None:
        if calls.__class__ is not list:
            raise TypeError("tool_calls must be a list")
        for call in calls:
            index = call.get("index")
            call_id = call.get("id")
            if call_id is not None:
                _text(call_id)
            if index is None:
                state = self.calls[-1] if self.calls else None
            elif index.__class__ is not int:
                raise TypeError("a tool call's index must be an integer")
            else:
                state = self._by_index.get(index)
            if state is None or (call_id and state.id and call_id != state.id):
                state = ToolCallState(call_id or "")
                self.calls.append(state)
                if index is not None:
                    self._by_index[index] = state
            elif call_id:
                state.id = call_id
            kind = call.get("type")
            if kind:
                state.type = _text(kind)
            fn = call.get("function")
            if fn is not None:
                name = fn.get("name")
                if name:
                    state.name = _text(name)  # some gateways repeat the name on every piece
                arguments = fn.get("arguments")
                if arguments:
                    state.arguments.append(_text(arguments))

    def message(self) -> ChatCompletionMessage:
        tool_calls = [
            ChatCompletionMessageToolCall(id=t.id, type=t.type,
                                          function=FunctionCall(name=t.name, arguments="".join(t.arguments)))
            for t in self.calls
        ]
        fields: dict[str, Any] = dict(self.extra)
        if self.reasoning:
            fields[self.reasoning_key] = "".join(self.reasoning)
        content = "".join(self.content) if self.has_content else None
        if not content and tool_calls:
            content = None  # an empty first delta before tool calls says nothing
        return ChatCompletionMessage(role=self.role, content=content,
                                     refusal="".join(self.refusal) if self.refusal else None,
                                     tool_calls=tool_calls or None, **fields)


class ChatCompletionAccumulator:
    """Feed it every chunk with :meth:`add` (typed) or :meth:`add_dict` (parsed JSON);
    :meth:`snapshot` gives the completion so far."""

    __slots__ = ("_choices", "_created", "_extra", "_fingerprint", "_id", "_model", "_seen",
                 "_service_tier", "_usage", "text")

    def __init__(self) -> None:
        self._seen = False
        self._id = ""
        self._model = ""
        self._created = 0
        self._choices: dict[int, ChoiceState] = {}
        self._usage: CompletionUsage | None = None
        self._fingerprint: str | None = None
        self._service_tier: str | None = None
        self._extra: dict[str, Any] = {}
        #: choice 0's content piece in the last chunk (None when it had none)
        self.text: str | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one typed chunk in."""
        self.add_dict(chunk.model_dump(exclude_unset=True))

    def add_dict(self, chunk: dict[str, Any]) -> Any:
        """Fold in one chunk given as its parsed JSON object (choice 0's content piece is then
        :attr:`text`). Returns what the chunk did to choice 0: the one content piece appended
        (a ``str``) when that is all, None when it left the choice as it was, else True."""
        self._seen = True
        self.text = None
        if not _KNOWN_TOP.issuperset(chunk):
            self._extra.update((k, v) for k, v in chunk.items() if k not in _KNOWN_TOP)
        if not self._id:  # the first non-empty id, model and created (each on its own)
            value = chunk.get("id")
            if value and value.__class__ is str:
                self._id = value
            if not self._model:
                value = chunk.get("model")
                if value and value.__class__ is str:
                    self._model = value
            if not self._created:
                value = chunk.get("created")
                if value and value.__class__ is int:
                    self._created = value
        value = chunk.get("usage")
        if value is not None:
            self._usage = CompletionUsage.model_validate(value)
        value = chunk.get("system_fingerprint")
        if value is not None:
            self._fingerprint = value if value.__class__ is str else _text(value)
        value = chunk.get("service_tier")
        if value is not None:
            self._service_tier = value if value.__class__ is str else _text(value)
        choices = chunk.get("choices")
        if not choices:
            if choices is None and "choices" in chunk:
                chunk["choices"] = []  # ``choices: null`` reads as none
            return None
        if choices.__class__ is not list:
            raise TypeError("choices must be a list")
        change: Any = None
        states = self._choices
        for choice in choices:
            index = choice.get("index", 0)
            state = states.get(index)
            if state is None:
                if index.__class__ is not int:
                    raise TypeError("a choice's index must be an integer")
                state = states[index] = ChoiceState()
                if index == 0:
                    change = True  # the choice itself is new
            delta = choice.get("delta")
            if delta is None and "delta" in choice:
                choice["delta"] = {}  # ``delta: null`` reads as an empty delta
            elif delta:
                piece = delta.get("content")
                if piece.__class__ is str and len(delta) == 1:
                    state.content.append(piece)
                    state.has_content = True
                    if index == 0:
                        change = piece if change is None else True
                        self.text = piece
                else:
                    state.add_delta(delta)
                    if index == 0:
                        change = True
                        self.text = piece
            finish = choice.get("finish_reason")
            if finish is not None:
                state.finish_reason = _text(finish)
            logprobs = choice.get("logprobs")
            if logprobs is not None:
                state.logprobs.append(logprobs)
        return change

    def choice(self, index: int) -> ChoiceState | None:
        """The state of the choice whose ``index`` field is ``index`` (None before it starts)."""
        return self._choices.get(index)

    @property
    def chunks_seen(self) -> bool:
        return self._seen

    def snapshot(self) -> ChatCompletion:
        """The completion built from everything added so far (cheap enough to call once)."""
        choices = [Choice(index=index, message=state.message(), finish_reason=state.finish_reason,
                          logprobs=_join_logprobs(state.logprobs))
                   for index, state in sorted(self._choices.items())]
        return ChatCompletion(id=self._id, created=self._created, model=self._model, choices=choices,
                              usage=self._usage, system_fingerprint=self._fingerprint,
                              service_tier=self._service_tier, **self._extra)


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
