"""``th.chat.completions``: POST /v1/chat/completions, whole or streamed."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ..._media import defer_media, resolve_media
from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView, raw_view
from .._resource import Resource, accepts
from .._structured import ModelT, is_model_class, parse_final
from ._params import ChatCompletionParams, ChatCompletionStreamParams, ChatParseParams
from ._types import ChatCompletion
from ._validate import check_body, json_schema_format, normalize_messages

if TYPE_CHECKING:  # the stream and the parsed types load on first use: a create() needs neither
    from ._parse import ParsedChatCompletion
    from ._stream import ChatCompletionStream

__all__ = ["Chat", "ChatCompletions", "ChatCompletionsWithRawResponse"]

PATH = "/v1/chat/completions"


def chat_body(fields: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The checked JSON body from a method's body fields (``None`` values already dropped)."""
    fields["messages"] = normalize_messages(fields.get("messages"))
    check_body(fields)
    if "response_format" in fields:
        fields["response_format"] = json_schema_format(fields["response_format"])
    if stream:
        fields["stream"] = True
    elif "stream_options" in fields:
        raise InvalidRequestError("stream_options needs a streamed answer (stream=True or .stream())")
    return fields


class ChatCompletions(Resource):
    """Create chat completions. Every documented field is a keyword; ``extra_body`` adds more."""

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[ChatCompletionParams]
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionStreamParams]
    ) -> ChatCompletionStream: ...

    @overload
    async def create(
        self, *, stream: bool, **params: Unpack[ChatCompletionStreamParams]
    ) -> ChatCompletion | ChatCompletionStream: ...

    @accepts(ChatCompletionStreamParams)
    async def create(
        self, *, stream: bool = False, **params: Unpack[ChatCompletionStreamParams]
    ) -> ChatCompletion | ChatCompletionStream:
        """Send a conversation; get the whole reply, or with ``stream=True`` the open stream.

        Parameters that matter:

        - ``model`` (str), ``messages``: a non-empty list of ``{"role", "content"}`` dicts
          (roles ``system``, ``developer``, ``user``, ``assistant``, ``tool``), the TypedDicts of
          this package or pydantic models such as an earlier reply's ``message``. ``content`` is a
          string or a list of parts (``{"type": "text", "text": ...}``,
          ``{"type": "image_url", "image_url": {"url": ...}}``); a ``tool`` message needs
          ``tool_call_id``.
        - ``max_tokens`` / ``max_completion_tokens``: upper bound on generated tokens (>= 1).
        - ``temperature`` 0–2, ``top_p`` 0–1, ``presence_penalty`` / ``frequency_penalty`` -2–2,
          ``n`` choices (>= 1), ``stop``: a string or up to 4 strings, ``seed``: an integer.
        - ``tools``: ``[{"type": "function", "function": {"name", "description",
          "parameters": <JSON schema>}}]``; ``tool_choice``: ``"auto"``, ``"none"``,
          ``"required"`` or ``{"type": "function", "function": {"name": ...}}``.
        - ``response_format``: ``{"type": "json_object"}``, a ``json_schema`` format dict, or a
          pydantic model class (sent as its JSON schema).
        - ``stream``: ``True`` sends the request now and returns the open
          :class:`ChatCompletionStream` (read it with ``async with``/``async for``, or
          ``.text()``); ``stream_options={"include_usage": True}`` adds usage to it.
        - Per call: ``timeout`` (seconds, or a :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body`` (fields merged into the body).

        Returns a :class:`ChatCompletion` (``.choices[i].message``, ``.usage`` in tokens,
        ``.request_id``), or the stream.

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments before anything is
        sent, ``TypeError`` for an unknown keyword, :class:`~aiotokenhot.APIStatusError`
        subclasses for error answers (``AuthenticationError``, ``RateLimitError``,
        ``NotFoundError``...), :class:`~aiotokenhot.APITimeoutError` /
        :class:`~aiotokenhot.APIConnectionError` once retries are spent, and
        :class:`~aiotokenhot.ResponseValidationError` when the answer is not a chat completion.
        """
        fields, options = RequestOptions.split(params)
        if stream:
            return await self._open(fields, options).__aenter__()
        body = chat_body(fields, stream=False)
        await resolve_media(body)  # local files, read off the loop
        result = await self._transport.request("POST", PATH, json=body, options=options)
        return result.parse(ChatCompletion)

    @accepts(ChatCompletionStreamParams)
    def stream(self, **params: Unpack[ChatCompletionStreamParams]) -> ChatCompletionStream:
        """The reply as a :class:`ChatCompletionStream` of :class:`ChatCompletionChunk` events.

        Takes the same keywords as :meth:`create` plus ``stream_options``
        (``{"include_usage": True}`` puts token usage in the last chunk and in ``final()``).
        Returns the stream unopened: the request is sent on ``async with`` or the first
        iteration, where status errors are raised. ``.text()`` yields the text pieces,
        ``final()`` the accumulated :class:`ChatCompletion` once the stream is read to its end.

        Raises the argument errors of :meth:`create` now, before anything is sent; a broken
        stream raises
        :class:`~aiotokenhot.IncompleteStreamError` or :class:`~aiotokenhot.StreamError` with
        what arrived in ``.partial``.
        """
        fields, options = RequestOptions.split(params)
        return self._open(fields, options)

    def _open(self, fields: dict[str, Any], options: RequestOptions) -> ChatCompletionStream:
        """The unopened stream; local files are read when it opens; a pydantic class as
        ``response_format`` makes its ``final()`` a :class:`ParsedChatCompletion`."""
        from ._stream import ChatCompletionStream

        response_format = fields.get("response_format")
        body = chat_body(fields, stream=True)
        stream = defer_media(self._transport.stream(ChatCompletionStream, "POST", PATH, json=body,
                                                    options=options), body)
        if is_model_class(response_format):
            from ._parse import parse_chat_completion

            output_type = response_format
            return parse_final(stream, lambda done: parse_chat_completion(done, output_type))
        return stream

    @accepts(ChatParseParams)
    async def parse(
        self, *, response_format: type[ModelT], **params: Unpack[ChatParseParams]
    ) -> ParsedChatCompletion[ModelT]:
        """:meth:`create` with a strict JSON schema made from ``response_format`` (a pydantic
        class), and each choice's content validated back into it as ``message.parsed``.

        Takes the same keywords as :meth:`create` (``model``, ``messages``...). A refusal is
        not an error: ``parsed`` stays None and ``message.refusal`` says why. Returns a
        :class:`ParsedChatCompletion` (with ``request_id``).

        Raises:
            InvalidRequestError: ``response_format`` is not a pydantic model class, or another
                argument is bad (before anything is sent).
            ResponseValidationError: the reply is not JSON of ``response_format`` (``body``
                holds the raw text).
        """
        if not is_model_class(response_format):
            raise InvalidRequestError("response_format must be a pydantic model class")
        from ._parse import parse_chat_completion

        completion = await self.create(response_format=response_format, **params)
        return parse_chat_completion(completion, response_format)

    with_raw_response = raw_view(lambda: ChatCompletionsWithRawResponse)


class ChatCompletionsWithRawResponse(RawView[ChatCompletions]):
    create = RawMethod(ChatCompletions.create)
    stream = RawStreamMethod(ChatCompletions.stream)
    parse = RawMethod(ChatCompletions.parse)


class Chat(Resource):
    """``th.chat``: the Chat Completions namespace."""

    @cached_property
    def completions(self) -> ChatCompletions:
        """``th.chat.completions``: :meth:`~ChatCompletions.create` and
        :meth:`~ChatCompletions.stream`."""
        return ChatCompletions(self._client)
