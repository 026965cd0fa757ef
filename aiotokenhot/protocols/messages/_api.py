"""``th.messages``: Anthropic Messages (``POST /v1/messages``) and the legacy ``POST /v1/complete``."""

from __future__ import annotations

from typing import Any, Literal, overload

import pydantic
from typing_extensions import Unpack

from ..._exceptions import BadRequestError, InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView, raw_view
from .._resource import Resource, accepts
from .._structured import ModelT, check_model_class, parse_final
from ._params import LegacyCompletionParams, MessageCreateParams, build_legacy_body, build_messages_body
from ._parse import ParsedMessage, looks_like_json, native_arguments, parse_message, tool_arguments
from ._stream import MessageStream
from ._types import LegacyCompletion, Message

__all__ = ["Messages", "MessagesWithRawResponse"]

StructuredMethod = Literal["auto", "native", "tool"]


def _check_structured(output_format: Any, method: Any) -> None:
    """The argument errors of the structured forms (``parse``, ``stream(output_format=)``)."""
    check_model_class(output_format, "output_format")
    if method not in ("auto", "native", "tool"):
        raise InvalidRequestError("method must be 'auto', 'native' or 'tool'")


class Messages(Resource):
    """Anthropic Messages. The transport adds ``x-api-key`` and ``anthropic-version`` here."""

    @overload
    async def create(
        self, *, stream: Literal[False] = False, output_format: type[pydantic.BaseModel] | None = None,
        method: StructuredMethod = "auto", **params: Unpack[MessageCreateParams]
    ) -> Message: ...

    @overload
    async def create(
        self, *, stream: Literal[True], output_format: type[pydantic.BaseModel] | None = None,
        method: StructuredMethod = "auto", **params: Unpack[MessageCreateParams]
    ) -> MessageStream: ...

    @overload
    async def create(
        self, *, stream: bool, output_format: type[pydantic.BaseModel] | None = None,
        method: StructuredMethod = "auto", **params: Unpack[MessageCreateParams]
    ) -> Message | MessageStream: ...

    @accepts(MessageCreateParams)
    async def create(
        self,
        *,
        stream: bool = False,
        output_format: type[pydantic.BaseModel] | None = None,
        method: StructuredMethod = "auto",
        **params: Unpack[MessageCreateParams],
    ) -> Message | MessageStream:
        """Send a conversation and get the whole assistant :class:`Message` back, or with
        ``stream=True`` the open :class:`MessageStream`.

        Parameters that matter:

        - ``model`` (str); ``max_tokens``: upper bound on generated tokens, required by the
          protocol (>= 1); ``messages``: a non-empty list of ``{"role": "user" | "assistant",
          "content": str | [blocks]}`` (blocks of an earlier :class:`Message`, such as
          ``tool_use``, can be passed back as they are; answer one with a ``tool_result`` block).
        - ``system``: a string or a list of text blocks (there is no ``system`` role).
        - ``temperature`` 0–1, ``top_p`` 0–1, ``top_k`` (>= 1), ``stop_sequences``: a list of
          non-empty strings.
        - ``tools``: ``[{"name", "description", "input_schema": <JSON schema>}]``;
          ``tool_choice``: ``"auto"``, ``"any"``, ``"none"`` or ``{"type": "tool", "name": ...}``.
        - ``thinking``: ``{"type": "enabled", "budget_tokens": N}`` with ``N < max_tokens``.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers`` (e.g. ``anthropic-beta``), ``extra_query``, ``extra_body``.
        - ``output_format``: a pydantic class, with ``method``: as :meth:`parse` (the result is
          a :class:`ParsedMessage`) or, with ``stream=True``, as :meth:`stream`.

        Returns a :class:`Message` (``.content`` blocks, ``.text``, ``.stop_reason``, ``.usage``
        in tokens, ``.request_id``), or the stream.

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments (a ``system`` role in
        ``messages``, a thinking budget not below ``max_tokens``...) before anything is sent,
        ``TypeError`` for an unknown keyword, :class:`~aiotokenhot.APIStatusError` subclasses
        for error answers (Anthropic's ``overloaded_error`` as ``InternalServerError``),
        :class:`~aiotokenhot.APITimeoutError` / :class:`~aiotokenhot.APIConnectionError` once
        retries are spent; with ``output_format``, :class:`~aiotokenhot.ResponseValidationError`
        (``body``: the raw text) for a reply not of its shape (from ``final()`` when streamed).
        """
        if output_format is not None or method != "auto":
            if stream:
                return await self.stream(output_format=output_format, method=method,
                                         **params).__aenter__()
            if output_format is None:
                raise InvalidRequestError("method needs an output_format")
            return await self.parse(output_format=output_format, method=method, **params)
        fields, options = RequestOptions.split(params)
        if stream:
            return await self._open(fields, options).__aenter__()
        body = build_messages_body(**fields)
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", "/v1/messages", json=body, options=options)
        return result.parse(Message)

    @accepts(MessageCreateParams)
    def stream(
        self,
        *,
        output_format: type[pydantic.BaseModel] | None = None,
        method: StructuredMethod = "auto",
        **params: Unpack[MessageCreateParams],
    ) -> MessageStream:
        """A :class:`MessageStream` of typed events (``message_start``, ``content_block_delta``...
        ``message_stop``).

        Takes the same keywords as :meth:`create`. Returns the stream unopened: the request is
        sent on ``async with`` or the first iteration, where status errors are raised.
        ``.text()`` yields the text deltas, ``final()`` the accumulated :class:`Message` once
        read to the end.

        ``output_format`` (a pydantic class) asks for JSON of it as :meth:`parse` does (same
        ``method``: native ``output_format``, a forced tool, or ``"auto"``: native, and the
        tool when the gateway answers the native form with a 400 before anything streams);
        ``final()`` / ``get_final_message()`` then give a :class:`ParsedMessage` whose
        ``parsed_output`` is the reply as that class (None for a refusal). A gateway that
        drops the native form streams prose: ``final()`` raises
        :class:`~aiotokenhot.ResponseValidationError` and the next call goes to the tool.

        Raises the argument errors of :meth:`create` (and :meth:`parse`'s for
        ``output_format`` / ``method``) now, before anything is sent; an in-stream ``error``
        event raises :class:`~aiotokenhot.StreamError`, a cut stream
        :class:`~aiotokenhot.IncompleteStreamError`, with what arrived in ``.partial``;
        ``final()`` raises :class:`~aiotokenhot.ResponseValidationError` (``body``: the raw
        text) when the reply is not ``output_format``'s shape.
        """
        if output_format is not None:
            _check_structured(output_format, method)
            return self._open_parsed(dict(params), output_format, method)
        if method != "auto":
            raise InvalidRequestError("method needs an output_format")
        fields, options = RequestOptions.split(params)
        return self._open(fields, options)

    def _open(self, fields: dict[str, Any], options: RequestOptions) -> MessageStream:
        """The unopened stream; local files are read when it opens."""
        body = build_messages_body(**fields, stream=True)
        return defer_media(self._transport.stream(MessageStream, "POST", "/v1/messages", json=body,
                                                  options=options), body)

    def _open_parsed(self, kwargs: dict[str, Any], output_format: type[pydantic.BaseModel],
                     method: StructuredMethod) -> MessageStream:
        """The unopened structured stream: its ``final()`` is a :class:`ParsedMessage`.

        With ``"auto"`` the native request goes first; a 400 to it (nothing streamed yet)
        opens the forced-tool request in its place, and this client remembers.
        """
        if method == "tool" or (method == "auto" and not getattr(self, "_native_structured", True)):
            fields, options = RequestOptions.split(tool_arguments(kwargs, output_format))
            return parse_final(self._open(fields, options),
                               lambda done: parse_message(done, output_format, via_tool=True))
        fields, options = RequestOptions.split(native_arguments(kwargs, output_format))
        stream = self._open(fields, options)
        via_tool = False
        if method == "auto":
            native_opener = stream._opener
            tool_stream: MessageStream | None = None

            async def open_with_fallback() -> Any:
                nonlocal via_tool, tool_stream
                if tool_stream is None:
                    try:
                        return await native_opener()
                    except BadRequestError:
                        self._native_structured = False
                        tool_fields, tool_options = RequestOptions.split(
                            tool_arguments(kwargs, output_format))
                        tool_stream = self._open(tool_fields, tool_options)
                        stream._call = tool_stream._call  # telemetry follows the request sent
                        via_tool = True
                return await tool_stream._opener()

            stream._opener = open_with_fallback

        def finish(done: Message) -> ParsedMessage[Any]:
            if method == "auto" and not via_tool and not looks_like_json(done):
                self._native_structured = False  # dropped: the next call goes to the tool
            return parse_message(done, output_format, via_tool=via_tool)

        return parse_final(stream, finish)

    @accepts(MessageCreateParams)
    async def parse(
        self,
        *,
        output_format: type[ModelT],
        method: Literal["auto", "native", "tool"] = "auto",
        **params: Unpack[MessageCreateParams],
    ) -> ParsedMessage[ModelT]:
        """:meth:`create` asking for JSON of ``output_format`` (a pydantic class), validated
        back into it as ``parsed_output``.

        ``method``: ``"native"`` sends Anthropic's ``output_format`` (structured-outputs beta),
        ``"tool"`` forces one tool whose input schema is the class, ``"auto"`` (default) tries
        native and falls back to the tool when the gateway rejects or drops the native form
        (then this client goes straight to the tool). Takes the same keywords as
        :meth:`create` (``model``, ``max_tokens``, ``messages``...). A refusal
        (``stop_reason == "refusal"``) leaves ``parsed_output`` None. Returns a
        :class:`ParsedMessage` (with ``request_id``).

        Raises:
            InvalidRequestError: ``output_format`` is not a pydantic model class, ``method`` is
                unknown, or another argument is bad (before anything is sent).
            ResponseValidationError: the reply is not ``output_format``'s shape (``body`` holds
                the raw text).
        """
        _check_structured(output_format, method)
        kwargs: dict[str, Any] = dict(params)
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

    @accepts(LegacyCompletionParams)
    async def legacy_complete(self, **params: Unpack[LegacyCompletionParams]) -> LegacyCompletion:
        """Anthropic's legacy text completion, ``POST /v1/complete``.

        ``model`` (str); ``prompt`` is the raw ``"\\n\\nHuman: ...\\n\\nAssistant:"`` transcript;
        ``max_tokens_to_sample`` (>= 1) is required; ``temperature`` 0–1, ``top_p`` 0–1,
        ``top_k`` >= 1, ``stop_sequences``. Returns a :class:`LegacyCompletion`
        (``.completion`` text, ``.stop_reason``).

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments,
        :class:`~aiotokenhot.EndpointNotSupportedError` on a 404 (TokenHot's gateway does not
        route this endpoint; xAI does) and the usual status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        body = build_legacy_body(**fields)
        result = await self._transport.request(
            "POST", "/v1/complete", json=body, options=options, unsupported_on_404=True
        )
        return result.parse(LegacyCompletion)

    with_raw_response = raw_view(lambda: MessagesWithRawResponse)


class MessagesWithRawResponse(RawView[Messages]):
    create = RawMethod(Messages.create)
    stream = RawStreamMethod(Messages.stream)
    parse = RawMethod(Messages.parse)
    legacy_complete = RawMethod(Messages.legacy_complete)
