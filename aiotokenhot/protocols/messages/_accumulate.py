"""The Anthropic Messages accumulator: stream events (plain JSON dicts) folded into a ``Message``.

The fold checks the type of everything it keeps, so a mis-shaped event fails here (``KeyError``,
``TypeError``, ``ValueError``), never later in :meth:`MessageAccumulator.snapshot`.

Rules: block pieces are kept per block index and joined once; a tool's JSON input is parsed
when its block stops (strictly), or leniently when the stream ended inside it (the raw text is
then kept as ``partial_json``); every field ``message_delta`` carries (``stop_reason``,
``stop_details``...) lands on the message, and a later ``None`` never erases an earlier value;
deltas of a type this SDK does not know merge their fields into their block (strings append).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import pydantic_core

from ...streams._fold import CallPieces
from ._types import Message

__all__ = ["MessageAccumulator"]

T = TypeVar("T")

#: block types whose deltas carry JSON input pieces (``input_json_delta``)
_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
#: a delta type → the field carrying its piece (``text_delta`` takes the fast path)
_PIECES = {"input_json_delta": "partial_json", "thinking_delta": "thinking"}
_KINDS = {dict: "an object", int: "an integer", str: "a string"}


def _as(value: Any, kind: type[T], what: str) -> T:
    if value.__class__ is not kind:
        raise TypeError(f"{what} must be {_KINDS[kind]}, not {type(value).__name__}")
    return value


@dataclass(slots=True, eq=False)
class _Block:
    """One content block being assembled."""

    start: dict[str, Any]
    pieces: list[str] = field(default_factory=list)  # text, thinking or tool-input pieces
    signature: list[str] = field(default_factory=list)
    citations: list[Any] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # merged in from deltas of unknown types
    input: Any = None
    parsed: bool = False  # the tool input was parsed when the block stopped

    def merge(self, delta: dict[str, Any]) -> None:
        """A delta of a type this SDK does not know: its fields go onto the block."""
        fields = self.fields
        for key, value in delta.items():
            if key != "type":
                current = fields.get(key, self.start.get(key))
                appends = value.__class__ is str and (current is None or current.__class__ is str)
                fields[key] = (current or "") + value if appends else value

    def stop(self) -> None:
        """The block is complete: a tool's input must now be whole JSON."""
        if self.start.get("type") in _TOOL_BLOCKS and self.pieces:
            raw = "".join(self.pieces)
            try:
                self.input = pydantic_core.from_json(raw or "{}")
            except ValueError:
                raise ValueError(f"tool_use block {self.start.get('name')!r} has input that is not "
                                 f"JSON: {raw[:200]!r}") from None
            self.parsed = True

    def build(self) -> dict[str, Any]:
        block = {**self.start, **self.fields}
        kind = block.get("type")
        pieces = self.pieces
        if kind in ("text", "thinking") and pieces:
            block[kind] = (block.get(kind) or "") + "".join(pieces)
        if kind == "text" and self.citations:
            block["citations"] = [*(block.get("citations") or ()), *self.citations]
        elif kind == "thinking" and self.signature:
            block["signature"] = (block.get("signature") or "") + "".join(self.signature)
        elif kind in _TOOL_BLOCKS:
            if self.parsed:
                block["input"] = self.input
            elif pieces:  # the stream ended inside the input (e.g. max_tokens): what arrived
                raw = "".join(pieces)
                try:
                    block["input"] = pydantic_core.from_json(raw, allow_partial=True)
                except ValueError:
                    block["input"] = None
                block["partial_json"] = raw
            elif block.get("input") is None:
                block["input"] = {}
        return block


@dataclass(slots=True, eq=False)
class MessageAccumulator:
    """Folds Anthropic stream events, as JSON dicts, into the :class:`Message` they describe.

    Besides the blocks it keeps, in arrival order, the answer text pieces (``content``), the
    thinking pieces (``reasoning``) and the tool calls (``calls``): the lists only grow, and the
    unified stream reads its deltas off them.
    """

    message: dict[str, Any] = field(default_factory=dict)  # message_start's message
    blocks: dict[int, _Block] = field(default_factory=dict)
    delta: dict[str, Any] = field(default_factory=dict)  # every message_delta.delta field, merged
    usage: dict[str, Any] = field(default_factory=dict)
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: list[CallPieces] = field(default_factory=list)

    def add(self, kind: str, event: dict[str, Any]) -> Any:
        """Fold one event of type ``kind``; returns what it did to :attr:`content`,
        :attr:`reasoning` and :attr:`calls` (see :class:`~aiotokenhot.streams._fold.Fold`)."""
        if kind == "content_block_delta":
            return self.block_delta(event)
        if kind == "message_start":
            message = self.message = _as(event["message"], dict, "message")
            self.usage = dict(_as(message.get("usage") or {}, dict, "usage"))
            for index, block in enumerate(message.get("content") or ()):
                self._start(index, _as(block, dict, "a content block"))
            return True
        elif kind == "content_block_start":
            index = _as(event["index"], int, "a block index")
            self._start(index, _as(event["content_block"], dict, "content_block"))
            return True
        elif kind == "content_block_stop":
            block = self.blocks.get(_as(event["index"], int, "a block index"))
            if block is not None:
                block.stop()
        elif kind == "message_delta":
            for key, value in _as(event.get("delta") or {}, dict, "delta").items():
                if value is not None or key not in self.delta:
                    self.delta[key] = value
            for key, value in _as(event.get("usage") or {}, dict, "usage").items():
                if value is not None:
                    self.usage[key] = value
        return None

    def _start(self, index: int, start: dict[str, Any]) -> None:
        block = self.blocks[index] = _Block(dict(start))
        kind = start.get("type")
        if kind in ("text", "thinking"):
            given = start.get(kind)
            if given:
                (self.content if kind == "text" else self.reasoning).append(_as(given, str, kind))
        elif kind in _TOOL_BLOCKS:
            given = start.get("input")
            # a gateway that sends the whole input up front: that is the call's argument text
            pieces = [pydantic_core.to_json(given).decode()] if given else block.pieces
            self.calls.append(CallPieces(_as(start.get("id") or "", str, "id"),
                                             _as(start.get("name") or "", str, "name"), pieces))

    def block_delta(self, event: dict[str, Any]) -> Any:
        """Fold one ``content_block_delta`` event (see :meth:`add`)."""
        index = event["index"]
        delta = event["delta"]
        if index.__class__ is not int or delta.__class__ is not dict:
            raise TypeError("a content_block_delta needs an integer index and a delta object")
        block = self.blocks.get(index)
        if block is None:  # a delta without its start: keep what it carries in a text block
            block = self.blocks[index] = _Block({"type": "text", "text": ""})
        kind = delta.get("type")
        if kind == "text_delta":
            text = delta["text"]
            if text.__class__ is not str:
                raise TypeError("a text_delta's text must be a string")
            block.pieces.append(text)
            self.content.append(text)
            return text
        field = _PIECES.get(kind)  # type: ignore[arg-type]
        if field is not None:
            piece = _as(delta[field], str, field)
            block.pieces.append(piece)
            if kind == "thinking_delta":
                self.reasoning.append(piece)
        elif kind == "signature_delta":
            block.signature.append(_as(delta["signature"], str, "signature"))
        elif kind == "citations_delta":
            block.citations.append(_as(delta["citation"], dict, "citation"))
        else:
            block.merge(delta)
        return True

    def snapshot(self) -> Message:
        """The message as far as it arrived (complete once ``message_stop`` arrived)."""
        data = dict(self.message)
        data["content"] = [self.blocks[i].build() for i in sorted(self.blocks)]
        data.update(self.delta)
        data["usage"] = self.usage
        return Message.model_validate(data)
