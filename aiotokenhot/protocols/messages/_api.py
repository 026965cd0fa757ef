"""``th.messages``: Anthropic Messages (``POST /v1/messages``) and the legacy ``POST /v1/complete``."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, overload

from typing_extensions import Unpack

from ...transport import RequestOptions
from .._raw import RawMethod, RawStreamMethod, RawView
from .._resource import Resource, accepts
from ._params import LegacyCompletionParams, MessageCreateParams, build_legacy_body, build_messages_body
from ._stream import MessageStream
from ._types import LegacyCompletion, Message

__all__ = ["Messages", "MessagesWithRawResponse"]


class Messages(Resource):
    """Anthropic Messages. The transport adds ``x-api-key`` and ``anthropic-version`` here."""

    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[MessageCreateParams]
    ) -> Message: ...

    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[MessageCreateParams]
    ) -> MessageStream: ...

    @overload
    async def create(
        self, *, stream: bool, **params: Unpack[MessageCreateParams]
    ) -> Message | MessageStream: ...

    @accepts(MessageCreateParams)
    async def create(
        self, *, stream: bool = False, **params: Unpack[MessageCreateParams]
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

        Returns a :class:`Message` (``.content`` blocks, ``.text``, ``.stop_reason``, ``.usage``
        in tokens, ``.request_id``), or the stream.

        Raises :class:`~aiotokenhot.InvalidRequestError` for bad arguments (a ``system`` role in
        ``messages``, a thinking budget not below ``max_tokens``...) before anything is sent,
        ``TypeError`` for an unknown keyword, :class:`~aiotokenhot.APIStatusError` subclasses
        for error answers (Anthropic's ``overloaded_error`` as ``InternalServerError``),
        :class:`~aiotokenhot.APITimeoutError` / :class:`~aiotokenhot.APIConnectionError` once
        retries are spent.
        """
        fields, options = RequestOptions.split(params)
        body = build_messages_body(**fields, stream=stream)
        if stream:
            events = self._transport.stream(MessageStream, "POST", "/v1/messages", json=body,
                                            options=options)
            return await events.__aenter__()
        result = await self._transport.request("POST", "/v1/messages", json=body, options=options)
        return result.parse(Message)

    @accepts(MessageCreateParams)
    def stream(self, **params: Unpack[MessageCreateParams]) -> MessageStream:
        """A :class:`MessageStream` of typed events (``message_start``, ``content_block_delta``...
        ``message_stop``).

        Takes the same keywords as :meth:`create`. Returns the stream unopened: the request is
        sent on ``async with`` or the first iteration, where status errors are raised.
        ``.text()`` yields the text deltas, ``final()`` the accumulated :class:`Message` once
        read to the end.

        Raises the argument errors of :meth:`create` now, before anything is sent; an in-stream
        ``error`` event raises
        :class:`~aiotokenhot.StreamError`, a cut stream
        :class:`~aiotokenhot.IncompleteStreamError`, with what arrived in ``.partial``.
        """
        fields, options = RequestOptions.split(params)
        body = build_messages_body(**fields, stream=True)
        return self._transport.stream(MessageStream, "POST", "/v1/messages", json=body,
                                      options=options)

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

    @cached_property
    def with_raw_response(self) -> MessagesWithRawResponse:
        """The same methods, returning a :class:`~aiotokenhot.RawResponse` (status, headers,
        body; ``.parse()`` gives the ordinary result)."""
        return MessagesWithRawResponse(self)


class MessagesWithRawResponse(RawView[Messages]):
    create = RawMethod(Messages.create)
    stream = RawStreamMethod(Messages.stream)
    legacy_complete = RawMethod(Messages.legacy_complete)
