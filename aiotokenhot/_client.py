"""AsyncTokenHot: the client object users hold, and the namespaces hanging off it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, overload

import aiohttp
from typing_extensions import Unpack

from ._config import (
    DEFAULT_MAX_RESPONSE_SIZE,
    DEFAULT_TIMEOUT,
    Timeout,
    TimeoutTypes,
    normalize_base_url,
    resolve_api_key,
)
from ._exceptions import ConfigurationError
from ._pricing import ModelPrice, PriceTable
from .streams._sse import DEFAULT_MAX_EVENT_SIZE
from .transport import SessionPool, Transport
from .transport._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from .transport._transport import KEEP, Keep

if TYPE_CHECKING:
    from .protocols.account import APIKey, Billing, LanguageModels, TokenizeParams, TokenizeResult
    from .protocols.audio import Audio
    from .protocols.chat import Chat
    from .protocols.completions import Completions
    from .protocols.embeddings import Embeddings
    from .protocols.gemini import Gemini
    from .protocols.images import Images
    from .protocols.messages import Messages
    from .protocols.models import Models
    from .protocols.responses import Responses
    from .protocols.videos import Videos
    from .telemetry import Telemetry
    from .telemetry._seam import Instrumentation
    from .tools import ToolLoopParams, ToolRunResult, ToolStream
    from .unified import Completion, FallbackStream, UnifiedStream

__all__ = ["AsyncTokenHot"]


class AsyncTokenHot:
    """Async client for TokenHot and every gateway that speaks its protocols.

    One aiohttp session (and connection pool) per client, created on first use inside the
    running loop and shared by every call. Use ``async with AsyncTokenHot() as th`` or call
    :meth:`aclose`. The key comes from ``api_key`` or ``TOKENHOT_API_KEY``; the gateway root
    from ``base_url`` or ``TOKENHOT_BASE_URL`` (a trailing ``/v1`` is accepted).

    Reliability options: ``retry_policy`` (a :class:`RetryPolicy`: which failures are retried,
    how long to wait; ``max_retries`` says how many times), ``max_response_size`` (bytes of a
    whole non-streamed answer, default 64 MiB, None: no limit; else
    :class:`ResponseTooLargeError`), ``proxy`` (``http://[user:pass@]host:port`` for every
    request) and ``trust_env`` (default True: honour ``HTTP_PROXY`` / ``HTTPS_PROXY`` /
    ``ALL_PROXY`` / ``NO_PROXY``; loopback hosts always go direct). Bad values raise
    :class:`InvalidRequestError` or :class:`ConfigurationError` here.
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
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
        proxy: str | None = None,
        trust_env: bool = True,
        prices: Mapping[str, ModelPrice] | None = None,
        telemetry: bool | Telemetry | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self._transport = Transport(
            pool=SessionPool(
                max_connections=max_connections, session=session, verify_ssl=verify_ssl,
                proxy=proxy, trust_env=trust_env,
            ),
            base_url=self.base_url,
            api_key=resolve_api_key(api_key),
            timeout=Timeout.coerce(timeout),
            max_retries=max_retries,
            default_headers=default_headers,
            max_event_size=max_event_size,
            retry_policy=retry_policy,
            max_response_size=max_response_size,
        )
        self._transport.instrumentation = _instrumentation(self.base_url, prices, telemetry)

    @classmethod
    def _from_transport(cls, transport: Transport) -> AsyncTokenHot:
        client = cls.__new__(cls)
        client.base_url = transport.base_url
        client._transport = transport
        return client

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_event_size: int | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_size: int | Keep | None = KEEP,
    ) -> AsyncTokenHot:
        """A client with other defaults that shares this client's connection pool.

        Every option that can change between calls: ``api_key``, ``base_url`` (a trailing
        ``/v1`` is accepted), ``timeout`` (seconds or a :class:`Timeout`), ``max_retries``,
        ``default_headers`` (added to this client's; the same name replaces),
        ``max_event_size`` (bytes), ``retry_policy`` (a :class:`RetryPolicy`) and
        ``max_response_size`` (bytes; ``None`` there means no limit, leave it out to keep this
        client's). ``None`` keeps this client's value. Pool settings (``max_connections``,
        ``session``, ``verify_ssl``, ``proxy``, ``trust_env``) belong to the pool and stay.
        Closing either client closes the shared pool.

        Raises :class:`ConfigurationError` for a malformed ``base_url`` or an empty ``api_key``
        and :class:`InvalidRequestError` for a negative ``max_retries`` or ``max_event_size``,
        a ``retry_policy`` that is not a :class:`RetryPolicy` or a ``max_response_size`` that
        is not a positive number of bytes.
        """
        key = None
        if api_key is not None:
            key = resolve_api_key(api_key)
            if key is None:
                raise ConfigurationError("api_key must not be empty")
        return AsyncTokenHot._from_transport(
            self._transport.with_options(
                base_url=None if base_url is None else normalize_base_url(base_url),
                api_key=key, timeout=timeout, max_retries=max_retries,
                default_headers=default_headers, max_event_size=max_event_size,
                retry_policy=retry_policy, max_response_size=max_response_size,
            )
        )

    # -- cost --------------------------------------------------------------------------------

    @property
    def prices(self) -> PriceTable:
        """The price table behind ``usage.cost``: model id → :class:`ModelPrice` (USD)."""
        instrumentation = self._transport.instrumentation
        if instrumentation is None:  # telemetry off and no prices yet: start an empty table
            from .telemetry._seam import Instrumentation

            instrumentation = self._transport.instrumentation = Instrumentation(
                base_url=self.base_url, telemetry=False, prices=PriceTable())
        return instrumentation.prices

    async def load_prices(self) -> int:
        """Add the gateway's prices to :attr:`prices` (xAI-style ``GET /v1/language-models``,
        1/100 US cents per million tokens, converted to USD per million tokens).

        Entries given by the caller are kept: the gateway only fills in models not priced yet.
        Returns how many models were added.

        Raises:
            EndpointNotSupportedError: the gateway has no price list.
        """
        table = self.prices
        loaded = PriceTable()
        loaded.load_language_models(await self.language_models.list())
        new = {model: price for model, price in loaded.items() if model not in table}
        table.update(new)
        return len(new)

    @property
    def timeout(self) -> Timeout:
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        return self._transport.max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._transport.retry_policy

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
    def embeddings(self) -> Embeddings:
        from .protocols.embeddings import Embeddings

        return Embeddings(self)

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

    async def tokenize(self, **params: Unpack[TokenizeParams]) -> TokenizeResult:
        """xAI-style ``POST /v1/tokenize-text``: the token ids of ``text`` for ``model``.

        Returns a :class:`TokenizeResult` (``.token_ids``); raises
        :class:`EndpointNotSupportedError` on gateways without the route (TokenHot's).
        """
        from .protocols.account import tokenize

        return await tokenize(self, **params)

    # -- one delta stream over every protocol ----------------------------------------------------

    @overload
    def stream(self, *, model: str, **kwargs: Any) -> UnifiedStream: ...
    @overload
    def stream(self, *, model: list[str] | tuple[str, ...], **kwargs: Any) -> FallbackStream: ...
    def stream(self, **kwargs: Any) -> UnifiedStream | FallbackStream:
        """Typed deltas (TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish) for any model.

        ``model`` may be a list: a fallback chain (:class:`~aiotokenhot.unified.FallbackStream`;
        ``deadline=`` seconds bounds its search for a model that answers).
        Local files in ``messages`` (a ``Path``, bytes or binary file as an ``image_url``,
        ``input_audio`` or ``file`` part) are read off the loop when the stream opens.
        With ``response_format=Model`` (a pydantic class) ``final()`` carries ``.parsed``.
        """
        if isinstance(kwargs.get("model"), (list, tuple)):
            from .unified import FallbackStream

            return FallbackStream(self, **kwargs)
        from .protocols._media import chat_messages, unified_stream_with_media
        from .unified import open_stream

        response_format = kwargs.pop("response_format", None)
        if response_format is not None:  # final() then carries .parsed
            from .protocols._complete_parsed import finish_structured, prepare_structured
            from .protocols._structured import parse_final

            protocol, kwargs = prepare_structured(response_format, kwargs)
            inner: UnifiedStream | FallbackStream = self.stream(**kwargs)
            return parse_final(inner, lambda done: finish_structured(
                done, response_format, protocol))
        messages = chat_messages(kwargs.get("messages"))
        if messages is not kwargs.get("messages"):
            return unified_stream_with_media(self, kwargs, messages)
        return open_stream(self, **kwargs)

    async def complete(self, **kwargs: Any) -> Completion:
        """One unified :class:`Completion` for any model, whatever protocol carries it.

        ``model`` may be a list: a fallback chain; ``Completion.attempts`` lists what failed,
        ``deadline=`` seconds bounds the whole chain.
        ``response_format=Model`` (a pydantic class) asks for JSON of it on any protocol and
        fills ``Completion.parsed`` (or ``Completion.refusal``). Local files in ``messages``
        are read off the loop, as for ``th.chat.completions.create``.
        """
        if isinstance(kwargs.get("model"), (list, tuple)):
            from .unified import complete_with_fallback

            return await complete_with_fallback(self, **kwargs)
        from ._media import resolve_media
        from .protocols._media import chat_messages
        from .unified import complete

        messages = chat_messages(kwargs.get("messages"))
        if messages is not kwargs.get("messages"):
            kwargs["messages"] = await resolve_media(messages)
        response_format = kwargs.pop("response_format", None)
        if response_format is not None:
            from .protocols._complete_parsed import complete_parsed

            return await complete_parsed(self, response_format, kwargs)
        return await complete(self, **kwargs)

    # -- the tool-running loop ------------------------------------------------------------------

    async def run_tools(self, **params: Unpack[ToolLoopParams]) -> ToolRunResult:
        """Send, run the tool calls of each reply, send the results, until a reply has none.

        ``tools`` are functions or coroutines with type hints (or :class:`~aiotokenhot.Tool`);
        ``model`` may be a fallback chain; see :class:`~aiotokenhot.tools.ToolLoopParams`.
        Returns the last :class:`Completion` and the whole conversation; raises
        :class:`MaxTurnsExceededError` after ``max_turns`` replies that all called tools.
        """
        from .tools import run_tools

        return await run_tools(self, **params)

    def stream_tools(self, **params: Unpack[ToolLoopParams]) -> ToolStream:
        """:meth:`run_tools` as a stream of every reply's unified events plus a
        :class:`~aiotokenhot.ToolResult` per executed call; ``final()`` as run_tools returns."""
        from .tools import ToolStream

        return ToolStream(self, **params)

def _instrumentation(
    base_url: str, prices: Mapping[str, ModelPrice] | None, telemetry: bool | Telemetry | None
) -> Instrumentation | None:
    """Telemetry and cost accounting for a client; None when both are off (nothing runs)."""
    if telemetry is False and not prices:
        return None
    from .telemetry._seam import Instrumentation

    return Instrumentation(base_url=base_url, telemetry=telemetry, prices=PriceTable(prices))
