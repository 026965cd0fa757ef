"""Responses API types: the ``Response`` object and its output items.

Output items are typed by their ``type`` (message, function_call, reasoning, web_search_call);
any other item type is kept as a :class:`ResponseOutputItem` with every field reachable.
``usage`` accepts both the upstream names (``input_tokens``...) and the chat-style names some
gateways put there (``prompt_tokens``...), see the catalogue's "Quirk".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag

from ..._models import APIModel, type_tag
from ..._pricing import Costed

__all__ = [
    "OutputItem",
    "Response",
    "ResponseContentPart",
    "ResponseError",
    "ResponseFunctionToolCall",
    "ResponseOutputItem",
    "ResponseOutputMessage",
    "ResponseReasoningItem",
    "ResponseUsage",
    "ResponseWebSearchCall",
    "SummaryPart",
]


class ResponseContentPart(APIModel):
    """A part of a message: ``output_text`` (``text``), ``refusal`` (``refusal``) or other."""

    type: str = "output_text"
    text: str | None = None
    annotations: list[Any] | None = None
    logprobs: list[Any] | None = None
    refusal: str | None = None


class ResponseOutputItem(APIModel):
    """An output item of a type this SDK does not model (all its fields are kept)."""

    type: str
    id: str | None = None
    status: str | None = None


class ResponseOutputMessage(ResponseOutputItem):
    role: str = "assistant"
    content: list[ResponseContentPart] = Field(default_factory=list)


class ResponseFunctionToolCall(ResponseOutputItem):
    call_id: str = ""
    name: str = ""
    arguments: str = ""


class SummaryPart(APIModel):
    type: str = "summary_text"
    text: str = ""


class ResponseReasoningItem(ResponseOutputItem):
    summary: list[SummaryPart] = Field(default_factory=list)
    content: list[Any] | None = None
    encrypted_content: str | None = None


class ResponseWebSearchCall(ResponseOutputItem):
    action: dict[str, Any] | None = None


_ITEM_CLASSES: dict[str, type[ResponseOutputItem]] = {
    "message": ResponseOutputMessage,
    "function_call": ResponseFunctionToolCall,
    "reasoning": ResponseReasoningItem,
    "web_search_call": ResponseWebSearchCall,
}


OutputItem = Annotated[
    (
        Annotated[ResponseOutputMessage, Tag("message")]
        | Annotated[ResponseFunctionToolCall, Tag("function_call")]
        | Annotated[ResponseReasoningItem, Tag("reasoning")]
        | Annotated[ResponseWebSearchCall, Tag("web_search_call")]
        | Annotated[ResponseOutputItem, Tag("other")]
    ),
    Discriminator(type_tag(_ITEM_CLASSES, "other")),
]


class ResponseError(APIModel):
    code: str | None = None
    message: str | None = None


class ResponseUsage(Costed, APIModel):
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens_details: dict[str, Any] | None = None
    output_tokens_details: dict[str, Any] | None = None
    # chat-style names, as some gateways fill them in a Responses object
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    prompt_tokens_details: dict[str, Any] | None = None
    completion_tokens_details: dict[str, Any] | None = None

    @property
    def input(self) -> int | None:
        """Input tokens under either naming."""
        return self.input_tokens if self.input_tokens is not None else self.prompt_tokens

    @property
    def output(self) -> int | None:
        """Output tokens under either naming."""
        return self.output_tokens if self.output_tokens is not None else self.completion_tokens


class Response(APIModel):
    """A Responses API result (``object: "response"``)."""

    id: str = ""
    object: str = "response"
    created_at: float | None = None
    completed_at: float | None = None
    status: str | None = None
    error: ResponseError | None = None
    incomplete_details: dict[str, Any] | None = None
    instructions: Any = None
    max_output_tokens: int | None = None
    model: str = ""
    output: list[OutputItem] = Field(default_factory=list)
    parallel_tool_calls: bool | None = None
    previous_response_id: str | None = None
    reasoning: Any = None
    store: bool | None = None
    temperature: float | None = None
    text: Any = None
    tool_choice: Any = None
    tools: list[Any] = Field(default_factory=list)
    top_p: float | None = None
    truncation: str | None = None
    usage: ResponseUsage | None = None
    user: str | None = None
    metadata: dict[str, Any] | None = None

    @property
    def output_text(self) -> str:
        """All ``output_text`` parts of the message items, joined."""
        return "".join(
            part.text or ""
            for item in self.output
            if isinstance(item, ResponseOutputMessage)
            for part in item.content
            if part.type == "output_text"
        )

    @property
    def function_calls(self) -> list[ResponseFunctionToolCall]:
        """The ``function_call`` items, in order."""
        return [item for item in self.output if isinstance(item, ResponseFunctionToolCall)]
