"""Gemini result types: snake_case attributes, camelCase on the wire.

Every model reads both spellings (``inlineData`` and ``inline_data`` — some gateways answer in
snake_case) and dumps camelCase (``to_dict()``), so a ``Content`` from a reply can be sent back
as a turn of the next request.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from ..._models import APIModel
from ..._pricing import Costed

__all__ = [
    "Blob",
    "Candidate",
    "Content",
    "CountTokensResponse",
    "FileData",
    "FunctionCall",
    "FunctionResponse",
    "GeminiModelInfo",
    "GeminiModelList",
    "GenerateContentResponse",
    "GoogleModel",
    "ModalityTokenCount",
    "Part",
    "PromptFeedback",
    "SafetyRating",
    "UsageMetadata",
]


class GoogleModel(APIModel):
    """Base of the Gemini types: camelCase aliases, either spelling accepted."""

    model_config = ConfigDict(alias_generator=to_camel)


class Blob(GoogleModel):
    """Inline bytes, base64 in ``data`` (a few gateways put a URL there instead)."""

    mime_type: str | None = None
    data: str | None = None


class FileData(GoogleModel):
    mime_type: str | None = None
    file_uri: str | None = None


class FunctionCall(GoogleModel):
    name: str = ""
    args: dict[str, Any] | None = None
    id: str | None = None


class FunctionResponse(GoogleModel):
    name: str = ""
    response: dict[str, Any] | None = None
    id: str | None = None


class Part(GoogleModel):
    """One piece of a turn; exactly one data field is usually set. ``thought`` marks reasoning."""

    text: str | None = None
    inline_data: Blob | None = None
    file_data: FileData | None = None
    function_call: FunctionCall | None = None
    function_response: FunctionResponse | None = None
    thought: bool | None = None
    thought_signature: str | None = None


class Content(GoogleModel):
    role: str | None = None
    parts: list[Part] = Field(default_factory=list)


class SafetyRating(GoogleModel):
    category: str | None = None
    probability: str | None = None
    blocked: bool | None = None


class Candidate(GoogleModel):
    content: Content | None = None
    finish_reason: str | None = None
    safety_ratings: list[SafetyRating] | None = None
    index: int | None = None
    citation_metadata: dict[str, Any] | None = None
    finish_message: str | None = None

    @property
    def text(self) -> str:
        """The answer text of this candidate (thought parts left out)."""
        content = self.content
        if content is None:
            return ""
        return "".join(p.text for p in content.parts if p.text is not None and not p.thought)


class ModalityTokenCount(GoogleModel):
    modality: str | None = None
    token_count: int | None = None


class UsageMetadata(Costed, GoogleModel):
    prompt_token_count: int | None = None
    candidates_token_count: int | None = None
    total_token_count: int | None = None
    thoughts_token_count: int | None = None
    cached_content_token_count: int | None = None
    tool_use_prompt_token_count: int | None = None
    prompt_tokens_details: list[ModalityTokenCount] | None = None
    candidates_tokens_details: list[ModalityTokenCount] | None = None


class PromptFeedback(GoogleModel):
    """Set when the prompt itself was blocked (then there are no candidates)."""

    block_reason: str | None = None
    safety_ratings: list[SafetyRating] | None = None


class GenerateContentResponse(GoogleModel):
    """A ``generateContent`` answer, one stream chunk, or the merge of a whole stream."""

    candidates: list[Candidate] = Field(default_factory=list)
    usage_metadata: UsageMetadata | None = None
    model_version: str | None = None
    response_id: str | None = None
    prompt_feedback: PromptFeedback | None = None

    @property
    def text(self) -> str:
        """The first candidate's answer text (thought parts left out); "" when there is none."""
        candidates = self.candidates
        return candidates[0].text if candidates else ""

    @property
    def thoughts(self) -> str:
        """The first candidate's thought-summary text."""
        if not self.candidates or self.candidates[0].content is None:
            return ""
        return "".join(p.text for p in self.candidates[0].content.parts if p.text and p.thought)

    @property
    def function_calls(self) -> list[FunctionCall]:
        """The first candidate's function calls, in order."""
        if not self.candidates or self.candidates[0].content is None:
            return []
        return [p.function_call for p in self.candidates[0].content.parts if p.function_call]

    @property
    def finish_reason(self) -> str | None:
        return self.candidates[0].finish_reason if self.candidates else None


class CountTokensResponse(GoogleModel):
    total_tokens: int = 0
    cached_content_token_count: int | None = None
    prompt_tokens_details: list[ModalityTokenCount] | None = None


class GeminiModelInfo(GoogleModel):
    """One entry of ``GET /v1beta/models``. TokenHot's gateway drops the ``models/`` prefix."""

    name: str = ""
    display_name: str | None = None
    description: str | None = None
    version: str | None = None
    input_token_limit: int | None = None
    output_token_limit: int | None = None
    supported_generation_methods: list[str] | None = None

    @property
    def id(self) -> str:
        """The model code to pass to ``generate_content`` (``name`` without ``models/``)."""
        return self.name.removeprefix("models/")


class GeminiModelList(GoogleModel):
    models: list[GeminiModelInfo] = Field(default_factory=list)
    next_page_token: str | None = None
