"""Anthropic Messages result types: the ``Message`` and its content blocks.

Content blocks are a tagged union on ``type``; a block type this SDK does not know
(``server_tool_use``, ``document``, ``web_search_tool_result``...) becomes an
:class:`UnknownBlock` that keeps every field, instead of failing validation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag

from ..._models import APIModel, type_tag
from ..._pricing import Costed

__all__ = [
    "ContentBlock",
    "ImageBlock",
    "LegacyCompletion",
    "Message",
    "MessageUsage",
    "RedactedThinkingBlock",
    "TextBlock",
    "ThinkingBlock",
    "ToolResultBlock",
    "ToolUseBlock",
    "UnknownBlock",
]


class TextBlock(APIModel):
    type: Literal["text"] = "text"
    text: str = ""
    citations: list[dict[str, Any]] | None = None


class ImageBlock(APIModel):
    """An image: ``source`` is ``{"type": "base64", "media_type", "data"}`` or ``{"type": "url", "url"}``."""

    type: Literal["image"] = "image"
    source: dict[str, Any]


class ToolUseBlock(APIModel):
    """The model asks for a tool call; ``input`` is the parsed JSON arguments."""

    type: Literal["tool_use"] = "tool_use"
    id: str
    name: str
    input: Any = None


class ToolResultBlock(APIModel):
    type: Literal["tool_result"] = "tool_result"
    tool_use_id: str
    content: str | list[dict[str, Any]] | None = None
    is_error: bool | None = None


class ThinkingBlock(APIModel):
    """Extended-thinking text; send it back unchanged (with ``signature``) in later turns."""

    type: Literal["thinking"] = "thinking"
    thinking: str = ""
    signature: str = ""


class RedactedThinkingBlock(APIModel):
    type: Literal["redacted_thinking"] = "redacted_thinking"
    data: str = ""


class UnknownBlock(APIModel):
    """A block type this SDK has no class for; all its fields are kept as extras."""

    type: str


_BLOCK_TYPES = frozenset({"text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"})


ContentBlock = Annotated[
    Union[  # noqa: UP007 (one tag per member reads better)
        Annotated[TextBlock, Tag("text")],
        Annotated[ImageBlock, Tag("image")],
        Annotated[ToolUseBlock, Tag("tool_use")],
        Annotated[ToolResultBlock, Tag("tool_result")],
        Annotated[ThinkingBlock, Tag("thinking")],
        Annotated[RedactedThinkingBlock, Tag("redacted_thinking")],
        Annotated[UnknownBlock, Tag("unknown")],
    ],
    Discriminator(type_tag(_BLOCK_TYPES, "unknown")),
]


class MessageUsage(Costed, APIModel):
    """Token counts. Gateways add their own cache keys; they are kept as extras."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class Message(APIModel):
    """One assistant turn (``POST /v1/messages``), or what :meth:`MessageStream.final` rebuilt."""

    id: str = ""
    type: str = "message"
    role: str = "assistant"
    model: str = ""
    content: list[ContentBlock] = Field(default_factory=list)
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: MessageUsage = MessageUsage()

    @property
    def text(self) -> str:
        """The text blocks joined (thinking and tool calls left out)."""
        return "".join(b.text for b in self.content if isinstance(b, TextBlock))

    @property
    def tool_uses(self) -> list[ToolUseBlock]:
        return [b for b in self.content if isinstance(b, ToolUseBlock)]

    @property
    def thinking(self) -> str:
        return "".join(b.thinking for b in self.content if isinstance(b, ThinkingBlock))


class LegacyCompletion(APIModel):
    """The answer of the legacy text-completion endpoint ``POST /v1/complete``."""

    type: str = "completion"
    id: str = ""
    completion: str = ""
    stop_reason: str | None = None
    model: str = ""
