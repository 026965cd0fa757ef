"""``th.messages``: Anthropic Messages (``POST /v1/messages``) and the legacy ``POST /v1/complete``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..._config import TimeoutTypes
from ..._exceptions import BadRequestError, InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._resource import Resource
from .._structured import ModelT, is_model_class
from ._params import build_legacy_body, build_messages_body
from ._parse import ParsedMessage, looks_like_json, native_arguments, parse_message, tool_arguments
from ._stream import MessageStream
from ._types import LegacyCompletion, Message

__all__ = ["Messages"]


class Messages(Resource):
    """Anthropic Messages. The transport adds ``x-api-key`` and ``anthropic-version`` here."""

    async def create(
        self,
        *,
        model: str,
        max_tokens: int,
        messages: Sequence[Any],
        system: str | Sequence[Any] | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop_sequences: Sequence[str] | None = None,
        tools: Sequence[Any] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        thinking: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Message:
        """Send a conversation and get the whole assistant :class:`Message` back.

        ``max_tokens`` is required by the protocol; ``tool_choice`` may be a shorthand string
        (``"auto"``, ``"any"``, ``"none"``). Blocks of an earlier ``Message`` can be passed back
        as they are.
        """
        body = build_messages_body(
            model=model, max_tokens=max_tokens, messages=messages, system=system,
            temperature=temperature, top_p=top_p, top_k=top_k, stop_sequences=stop_sequences,
            tools=tools, tool_choice=tool_choice, thinking=thinking, metadata=metadata,
        )
        options = RequestOptions.of(locals())
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", "/v1/messages", json=body, options=options)
        return result.parse(Message)

    def stream(
        self,
        *,
        model: str,
        max_tokens: int,
        messages: Sequence[Any],
        system: str | Sequence[Any] | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop_sequences: Sequence[str] | None = None,
        tools: Sequence[Any] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        thinking: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> MessageStream:
        """A :class:`MessageStream` of typed events; the request is sent on ``async with``.

        Arguments are checked now, before anything is sent.
        """
        body = build_messages_body(
            model=model, max_tokens=max_tokens, messages=messages, system=system,
            temperature=temperature, top_p=top_p, top_k=top_k, stop_sequences=stop_sequences,
            tools=tools, tool_choice=tool_choice, thinking=thinking, metadata=metadata,
            stream=True,
        )
        options = RequestOptions.of(locals())
        return defer_media(self._transport.stream(MessageStream, "POST", "/v1/messages", json=body,
                                                  options=options), body)

    async def parse(
        self,
        *,
        output_format: type[ModelT],
        method: Literal["auto", "native", "tool"] = "auto",
        **kwargs: Any,
    ) -> ParsedMessage[ModelT]:
        """:meth:`create` asking for JSON of ``output_format`` (a pydantic class), validated
        back into it as ``parsed_output``.

        ``method``: ``"native"`` sends Anthropic's ``output_format`` (structured-outputs beta),
        ``"tool"`` forces one tool whose input schema is the class, ``"auto"`` (default) tries
        native and falls back to the tool when the gateway rejects or drops the native form
        (then this client goes straight to the tool). Takes every argument of :meth:`create`.
        A refusal (``stop_reason == "refusal"``) leaves ``parsed_output`` None.

        Raises:
            ResponseValidationError: the reply is not ``output_format``'s shape (``body`` holds
                the raw text).
        """
        if not is_model_class(output_format):
            raise InvalidRequestError("output_format must be a pydantic model class")
        if method not in ("auto", "native", "tool"):
            raise InvalidRequestError("method must be 'auto', 'native' or 'tool'")
        native_ok = getattr(self, "_native_structured", True)
        if method == "native" or (method == "auto" and native_ok):
            try:
                message = await self.create(**native_arguments(kwargs, output_format))
            except BadRequestError:
                if method == "native":
                    raise
                self._native_structured = False
            else:
                if method == "native" or looks_like_json(message):
                    return parse_message(message, output_format, via_tool=False)
                self._native_structured = False
        message = await self.create(**tool_arguments(kwargs, output_format))
        return parse_message(message, output_format, via_tool=True)

    async def legacy_complete(
        self,
        *,
        model: str,
        prompt: str,
        max_tokens_to_sample: int,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop_sequences: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> LegacyCompletion:
        """Anthropic's legacy text completion, ``POST /v1/complete``.

        ``prompt`` is the raw ``"\\n\\nHuman: ...\\n\\nAssistant:"`` transcript and
        ``max_tokens_to_sample`` is required. TokenHot's gateway does not route this endpoint
        (xAI does): a 404 raises :class:`~aiotokenhot.EndpointNotSupportedError`.
        """
        body = build_legacy_body(
            model=model, prompt=prompt, max_tokens_to_sample=max_tokens_to_sample,
            temperature=temperature, top_p=top_p, top_k=top_k, stop_sequences=stop_sequences,
            metadata=metadata,
        )
        options = RequestOptions.of(locals())
        result = await self._transport.request(
            "POST", "/v1/complete", json=body, options=options, unsupported_on_404=True
        )
        return result.parse(LegacyCompletion)
