"""AsyncTokenHot: the client object users hold, and the namespaces hanging off it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp

from ._config import (
    DEFAULT_TIMEOUT,
    Timeout,
    TimeoutTypes,
    normalize_base_url,
    resolve_api_key,
)
from .streams._sse import DEFAULT_MAX_EVENT_SIZE
from .transport import SessionPool, Transport

if TYPE_CHECKING:
    from .protocols.account import APIKey, Billing, LanguageModels
    from .protocols.audio import Audio
    from .protocols.chat import Chat
    from .protocols.completions import Completions
    from .protocols.gemini import Gemini
    from .protocols.images import Images
    from .protocols.messages import Messages
    from .protocols.models import Models
    from .protocols.responses import Responses
    from .protocols.videos import Videos
    from .unified import Completion, UnifiedStream

__all__ = ["AsyncTokenHot"]


class AsyncTokenHot:
    """Async client for TokenHot and every gateway that speaks its protocols.

    One aiohttp session (and connection pool) per client, created on first use inside the
    running loop and shared by every call. Use ``async with AsyncTokenHot() as th`` or call
    :meth:`aclose`. The key comes from ``api_key`` or ``TOKENHOT_API_KEY``; the gateway root
    from ``base_url`` or ``TOKENHOT_BASE_URL`` (a trailing ``/v1`` is accepted).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_connections: int = 100,
        default_headers: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
        verify_ssl: bool = True,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self._transport = Transport(
            pool=SessionPool(
                max_connections=max_connections, session=session, verify_ssl=verify_ssl
            ),
            base_url=self.base_url,
            api_key=resolve_api_key(api_key),
            timeout=Timeout.coerce(timeout),
            max_retries=max_retries,
            default_headers=default_headers,
            max_event_size=max_event_size,
        )

    @classmethod
    def _from_transport(cls, transport: Transport) -> AsyncTokenHot:
        client = cls.__new__(cls)
        client.base_url = transport.base_url
        client._transport = transport
        return client

    def with_options(
        self, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> AsyncTokenHot:
        """A client with other defaults that shares this client's connection pool."""
        return AsyncTokenHot._from_transport(
            self._transport.with_options(timeout=timeout, max_retries=max_retries)
        )

    @property
    def timeout(self) -> Timeout:
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    @property
    def pool(self) -> SessionPool:
        """The shared session pool (for introspection: ``acquired_connections()``)."""
        return self._transport.pool

    def __repr__(self) -> str:
        return f"AsyncTokenHot(base_url={self.base_url!r}, api_key='***')"

    async def __aenter__(self) -> AsyncTokenHot:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (a session passed in by the caller is left open)."""
        await self._transport.pool.aclose()

    # -- protocol namespaces (imported on first use to keep `import aiotokenhot` cheap) --------

    @cached_property
    def chat(self) -> Chat:
        from .protocols.chat import Chat

        return Chat(self)

    @cached_property
    def responses(self) -> Responses:
        from .protocols.responses import Responses

        return Responses(self)

    @cached_property
    def completions(self) -> Completions:
        from .protocols.completions import Completions

        return Completions(self)

    @cached_property
    def models(self) -> Models:
        from .protocols.models import Models

        return Models(self)

    @cached_property
    def messages(self) -> Messages:
        from .protocols.messages import Messages

        return Messages(self)

    @cached_property
    def gemini(self) -> Gemini:
        from .protocols.gemini import Gemini

        return Gemini(self)

    @cached_property
    def images(self) -> Images:
        from .protocols.images import Images

        return Images(self)

    @cached_property
    def videos(self) -> Videos:
        from .protocols.videos import Videos

        return Videos(self)

    @cached_property
    def audio(self) -> Audio:
        from .protocols.audio import Audio

        return Audio(self)

    @cached_property
    def language_models(self) -> LanguageModels:
        from .protocols.account import LanguageModels

        return LanguageModels(self)

    @cached_property
    def api_key(self) -> APIKey:
        """xAI-style ``GET /v1/api-key`` (the key itself is never exposed)."""
        from .protocols.account import APIKey

        return APIKey(self)

    @cached_property
    def billing(self) -> Billing:
        from .protocols.account import Billing

        return Billing(self)

    async def tokenize(self, *, text: str, model: str, **kwargs: Any) -> Any:
        """xAI-style ``POST /v1/tokenize-text``."""
        from .protocols.account import tokenize

        return await tokenize(self, text=text, model=model, **kwargs)

    # -- one delta stream over every protocol ----------------------------------------------------

    def stream(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: str | Sequence[str] | None = None,
        protocol: str = "auto",
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> UnifiedStream:
        """Typed deltas for any model, whatever protocol carries it.

        Args:
            model: the model name; with ``protocol="auto"`` it picks the protocol (Claude
                models → Anthropic Messages, Gemini models → Gemini, others → Chat Completions).
            messages: the conversation in the OpenAI chat shape (``role`` system/developer,
                user, assistant with ``tool_calls``, tool; text and ``image_url`` parts).
            tools: function tools as ``{"type": "function", "function": {...}}``.
            tool_choice: ``"auto"``, ``"none"``, ``"required"`` or a function to force.
            max_tokens: output token limit (Anthropic requires one: 4096 when not given).
            temperature: 0 to 2; top_p: 0 to 1; stop: a string or a list of them.
            protocol: ``"auto"`` or one of ``aiotokenhot.unified.PROTOCOLS``.
            timeout, max_retries, extra_headers, extra_query, extra_body: per-call options.

        Returns a :class:`UnifiedStream` (open it with ``async with`` or iterate it): it yields
        ``TextDelta | ReasoningDelta | ToolCallDelta`` for the primary choice, then ``Usage``
        (when reported) and ``Finish``, once, last.

        Raises :class:`InvalidRequestError` here, before anything is sent, for bad arguments;
        while reading, the stream raises :class:`StreamError` (an error inside the stream),
        :class:`IncompleteStreamError` and the usual status and connection errors.
        """
        from .transport import RequestOptions
        from .unified import open_stream, prepare

        chosen, native = prepare(
            model=model, messages=messages, tools=tools, tool_choice=tool_choice,
            max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop,
            protocol=protocol, stream=True,
        )
        options = RequestOptions.make(timeout=timeout, max_retries=max_retries,
                                      extra_headers=extra_headers, extra_query=extra_query,
                                      extra_body=extra_body)
        return open_stream(self, chosen, native, options)

    async def complete(
        self,
        *,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: str | Sequence[str] | None = None,
        protocol: str = "auto",
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Completion:
        """One whole reply as a unified :class:`Completion`, over the protocol's own
        non-streaming endpoint. Arguments as in :meth:`stream`.

        Returns the :class:`Completion` (text, reasoning, tool calls, usage, finish; ``raw``
        is the native response body).

        Raises :class:`InvalidRequestError` before sending for bad arguments,
        :class:`ResponseValidationError` when the answer does not have the protocol's shape,
        and the usual status and connection errors.
        """
        from .transport import RequestOptions
        from .unified import complete, prepare

        chosen, native = prepare(
            model=model, messages=messages, tools=tools, tool_choice=tool_choice,
            max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop,
            protocol=protocol, stream=False,
        )
        options = RequestOptions.make(timeout=timeout, max_retries=max_retries,
                                      extra_headers=extra_headers, extra_query=extra_query,
                                      extra_body=extra_body)
        return await complete(self, chosen, native, options)
