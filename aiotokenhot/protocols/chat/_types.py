"""Chat Completions types: request params (TypedDicts) and response / chunk models (pydantic).

Response models keep every unknown field (``reasoning_content``, ``system_fingerprint``,
``prompt_tokens_details`` and whatever a gateway adds) and default what gateways omit, so a
lean reply never fails validation.

Built for a cheap first import: annotations are evaluated as the classes are defined (no
postponed strings for pydantic to evaluate), and a list default is ``Field(default=[])``, which
pydantic copies for every instance (``default_factory=list`` would make it read the builtin's
signature, compiling the tokenizer's patterns on first use).
"""

from typing import Any, Literal

from pydantic import BaseModel, Field
from typing_extensions import Required, TypedDict

from ..._models import APIModel
from ..._pricing import Costed

__all__ = [
    "AssistantMessageParam",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChunkChoice",
    "CompletionTokensDetails",
    "CompletionUsage",
    "ContentPartParam",
    "DeveloperMessageParam",
    "FunctionCall",
    "FunctionDefinition",
    "ImageURL",
    "ImageURLPartParam",
    "MessageParam",
    "PromptTokensDetails",
    "SystemMessageParam",
    "TextPartParam",
    "ToolMessageParam",
    "ToolParam",
    "UserMessageParam",
]

# -- request params -------------------------------------------------------------------------------


class TextPartParam(TypedDict):
    type: Literal["text"]
    text: str


class ImageURL(TypedDict, total=False):
    url: Required[str]
    detail: Literal["auto", "low", "high"]


class ImageURLPartParam(TypedDict):
    type: Literal["image_url"]
    image_url: ImageURL


ContentPartParam = TextPartParam | ImageURLPartParam | dict[str, Any]


class SystemMessageParam(TypedDict, total=False):
    role: Required[Literal["system"]]
    content: Required[str | list[TextPartParam]]
    name: str


class DeveloperMessageParam(TypedDict, total=False):
    role: Required[Literal["developer"]]
    content: Required[str | list[TextPartParam]]
    name: str


class UserMessageParam(TypedDict, total=False):
    role: Required[Literal["user"]]
    content: Required[str | list[ContentPartParam]]
    name: str


class FunctionCallParam(TypedDict):
    name: str
    arguments: str


class ToolCallParam(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCallParam


class AssistantMessageParam(TypedDict, total=False):
    role: Required[Literal["assistant"]]
    content: str | list[TextPartParam] | None
    name: str
    tool_calls: list[ToolCallParam]
    refusal: str | None


class ToolMessageParam(TypedDict):
    role: Literal["tool"]
    content: str | list[TextPartParam]
    tool_call_id: str


#: a message as a plain dict, one of the TypedDicts above, or any pydantic model (for example a
#: :class:`ChatCompletionMessage` from an earlier reply).
MessageParam = (
    SystemMessageParam
    | DeveloperMessageParam
    | UserMessageParam
    | AssistantMessageParam
    | ToolMessageParam
    | dict[str, Any]
    | BaseModel
)


class FunctionDefinition(TypedDict, total=False):
    name: Required[str]
    description: str
    parameters: dict[str, Any]
    strict: bool


class ToolParam(TypedDict):
    type: Literal["function"]
    function: FunctionDefinition


class StreamOptions(TypedDict, total=False):
    include_usage: bool
    include_obfuscation: bool


# -- response models ------------------------------------------------------------------------------


class PromptTokensDetails(APIModel):
    cached_tokens: int | None = None
    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None


class CompletionTokensDetails(APIModel):
    reasoning_tokens: int | None = None
    text_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class CompletionUsage(Costed, APIModel):
    """Token counts. Gateways sometimes send zeros: do not read them as "free"."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class FunctionCall(APIModel):
    name: str = ""
    arguments: str = ""


class ChatCompletionMessageToolCall(APIModel):
    id: str = ""
    type: str = "function"
    function: FunctionCall = Field(default_factory=FunctionCall)


class ChatCompletionMessage(APIModel):
    role: str = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatCompletionMessageToolCall] | None = None


class Choice(APIModel):
    index: int = 0
    message: ChatCompletionMessage = Field(default_factory=ChatCompletionMessage)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(APIModel):
    """A whole Chat Completions reply (``object: "chat.completion"``)."""

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice] = Field(default=[])
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None

    @property
    def text(self) -> str:
        """The first choice's text ("" when it has none, e.g. a pure tool-call reply)."""
        return (self.choices[0].message.content or "") if self.choices else ""


class ChoiceDeltaToolCallFunction(APIModel):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaToolCall(APIModel):
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: ChoiceDeltaToolCallFunction | None = None


class ChoiceDelta(APIModel):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None


class ChunkChoice(APIModel):
    index: int = 0
    #: a stream reads ``"delta": null`` (some gateways, on the finish chunk) as an empty delta
    delta: ChoiceDelta = Field(default_factory=ChoiceDelta)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(APIModel):
    """One streamed piece (``object: "chat.completion.chunk"``).

    The ``include_usage`` chunk has ``choices: []`` (a stream reads ``null`` or absent the
    same). Fields a gateway adds per chunk (``obfuscation`` padding) stay on the chunk.
    """

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = Field(default=[])
    usage: CompletionUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
