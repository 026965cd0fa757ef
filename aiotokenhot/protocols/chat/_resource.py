"""``th.chat.completions``: POST /v1/chat/completions, whole or streamed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._resource import Resource
from .._structured import ModelT, is_model_class, parse_final
from ._parse import ParsedChatCompletion, parse_chat_completion
from ._stream import ChatCompletionStream
from ._types import ChatCompletion, MessageParam, StreamOptions, ToolParam
from ._validate import check_body, json_schema_format, normalize_messages, request_body

__all__ = ["Chat", "ChatCompletions"]

PATH = "/v1/chat/completions"


def chat_body(args: Mapping[str, Any]) -> dict[str, Any]:
    """Validated request body from a method's arguments."""
    body = request_body(args)
    body["messages"] = normalize_messages(body.get("messages"))
    check_body(body)
    if "response_format" in body:
        body["response_format"] = json_schema_format(body["response_format"])
    return body


class ChatCompletions(Resource):
    """Create chat completions. Every documented field is a keyword; ``extra_body`` adds more."""

    async def create(
        self,
        *,
        model: str,
        messages: Sequence[MessageParam],
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        n: int | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        logit_bias: Mapping[str, int] | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        tools: Iterable[ToolParam | Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        response_format: Mapping[str, Any] | type[Any] | None = None,
        reasoning_effort: str | None = None,
        user: str | None = None,
        modalities: Sequence[str] | None = None,
        audio: Mapping[str, Any] | None = None,
        web_search_options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        store: bool | None = None,
        service_tier: str | None = None,
        prediction: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ChatCompletion:
        """One whole reply. ``response_format`` may be a pydantic model class (json_schema)."""
        body = chat_body(locals())
        options = RequestOptions.of(locals())
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(ChatCompletion)

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[MessageParam],
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        max_completion_tokens: int | None = None,
        n: int | None = None,
        stop: str | Sequence[str] | None = None,
        seed: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        logit_bias: Mapping[str, int] | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        tools: Iterable[ToolParam | Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        response_format: Mapping[str, Any] | type[Any] | None = None,
        reasoning_effort: str | None = None,
        user: str | None = None,
        modalities: Sequence[str] | None = None,
        audio: Mapping[str, Any] | None = None,
        web_search_options: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        store: bool | None = None,
        service_tier: str | None = None,
        prediction: Mapping[str, Any] | None = None,
        stream_options: StreamOptions | Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ChatCompletionStream:
        """A stream of :class:`ChatCompletionChunk`; the request is sent on ``async with``.

        Pass ``stream_options={"include_usage": True}`` to get usage in ``final()``.
        """
        body = chat_body(locals())
        body["stream"] = True
        options = RequestOptions.of(locals())
        stream = defer_media(self._transport.stream(ChatCompletionStream, "POST", PATH, json=body,
                                                    options=options), body)
        if is_model_class(response_format):  # final() gives ParsedChatCompletion
            output_type = response_format
            return parse_final(stream, lambda done: parse_chat_completion(done, output_type))
        return stream


    async def parse(
        self, *, response_format: type[ModelT], **kwargs: Any
    ) -> ParsedChatCompletion[ModelT]:
        """:meth:`create` with a strict JSON schema made from ``response_format`` (a pydantic
        class), and each choice's content validated back into it as ``message.parsed``.

        Takes every argument of :meth:`create`. A refusal is not an error: ``parsed`` stays
        None and ``message.refusal`` says why.

        Raises:
            ResponseValidationError: the reply is not JSON of ``response_format`` (``body``
                holds the raw text).
        """
        if not is_model_class(response_format):
            raise InvalidRequestError("response_format must be a pydantic model class")
        completion = await self.create(response_format=response_format, **kwargs)
        return parse_chat_completion(completion, response_format)


class Chat(Resource):
    """``th.chat``: the Chat Completions namespace."""

    @cached_property
    def completions(self) -> ChatCompletions:
        return ChatCompletions(self._client)
