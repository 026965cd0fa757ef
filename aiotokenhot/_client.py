"""AsyncTokenHot: the client object users hold, and the namespaces hanging off it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

import aiohttp
from typing_extensions import Unpack

from ._closing import AsyncClosing
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
from .protocols._resource import accepts
from .streams._sse import DEFAULT_MAX_EVENT_SIZE
from .transport import SessionPool, Transport
from .transport._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from .transport._transport import ClientOptions
from .unified._params import UnifiedParams

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


class AsyncTokenHot(AsyncClosing):
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
        self, *, api_key: str | None = None, **options: Unpack[ClientOptions]
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
        base_url = options.get("base_url")
        if base_url is not None:
            options["base_url"] = normalize_base_url(base_url)
        return AsyncTokenHot._from_transport(self._transport.with_options(api_key=key, **options))

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
    def stream(self, *, model: str, **params: Unpack[UnifiedParams]) -> UnifiedStream: ...
    @overload
    def stream(
        self, *, model: list[str] | tuple[str, ...], **params: Unpack[UnifiedParams]
    ) -> FallbackStream: ...
    @accepts(UnifiedParams)
    def stream(
        self, *, model: str | list[str] | tuple[str, ...], **params: Unpack[UnifiedParams]
    ) -> UnifiedStream | FallbackStream:
        """Typed deltas for any model, whatever protocol carries it.

        Args:
            model: the model name; with ``protocol="auto"`` it picks the protocol (Claude
                models → Anthropic Messages, Gemini models → Gemini, others → Chat Completions).
                A list or tuple of names is a fallback chain: each is tried in turn (over its
                own protocol) until one answers; see :class:`~aiotokenhot.unified.FallbackStream`.
            messages: the conversation in the OpenAI chat shape (``role`` system/developer,
                user, assistant with ``tool_calls``, tool; text and ``image_url`` parts). Local
                files (a ``Path``, bytes or binary file as an ``image_url``, ``input_audio`` or
                ``file`` part) are read off the loop when the stream opens.
            tools: function tools as ``{"type": "function", "function": {...}}``.
            tool_choice: ``"auto"``, ``"none"``, ``"required"`` or a function to force.
            max_tokens: output token limit (Anthropic requires one: 4096 when not given).
            temperature: 0 to 2; top_p: 0 to 1; stop: a string or a list of them.
            protocol: ``"auto"`` or one of ``aiotokenhot.unified.PROTOCOLS``.
            response_format: a pydantic model class: the reply is asked for as JSON of it on
                any protocol and ``final()`` carries ``.parsed`` (or ``.refusal``).
            deadline: seconds a fallback chain may spend finding a model that answers (only
                with a list of models).
            timeout, max_retries, extra_headers, extra_query, extra_body: per-call options.

        Returns a :class:`UnifiedStream` (a :class:`FallbackStream` for a list of models; open it
        with ``async with`` or iterate it): it yields ``TextDelta | ReasoningDelta |
        ToolCallDelta`` for the primary choice, then ``Usage`` (when reported) and ``Finish``,
        once, last.

        Raises :class:`InvalidRequestError` here, before anything is sent, for bad arguments;
        while reading, the stream raises :class:`StreamError` (an error inside the stream),
        :class:`IncompleteStreamError` and the usual status and connection errors.
        """
        kwargs, response_format, deadline = _unified_arguments(model, params)
        if isinstance(model, (list, tuple)):
            from .unified import FallbackStream

            if response_format is not None:
                kwargs["response_format"] = response_format
            return FallbackStream(self, deadline=deadline, **kwargs)
        _single_model(deadline)
        if response_format is not None:  # final() then carries .parsed
            from .protocols._complete_parsed import finish_structured, prepare_structured
            from .protocols._structured import parse_final

            chosen, kwargs = prepare_structured(response_format, kwargs)
            inner: UnifiedStream = self.stream(**kwargs)
            return parse_final(inner, lambda done: finish_structured(
                done, response_format, chosen))
        from .protocols._media import chat_messages, unified_stream_with_media

        messages = kwargs["messages"]
        resolved = chat_messages(messages)
        if resolved is not messages:
            return unified_stream_with_media(self, kwargs, resolved)
        return _open_unified(self, kwargs)

    @accepts(UnifiedParams)
    async def complete(
        self, *, model: str | list[str] | tuple[str, ...], **params: Unpack[UnifiedParams]
    ) -> Completion:
        """One whole reply as a unified :class:`Completion`, over the protocol's own
        non-streaming endpoint. Arguments as in :meth:`stream`.

        With a list of models (a fallback chain) the first model that answers gives the
        completion; ``Completion.attempts`` lists the ones that failed before it, and
        ``deadline`` bounds the whole chain. ``response_format=Model`` fills
        ``Completion.parsed`` (or ``Completion.refusal``). Local files in ``messages`` are read
        off the loop, as for ``th.chat.completions.create``.

        Returns the :class:`Completion` (text, reasoning, tool calls, usage, finish; ``raw``
        is the native response body).

        Raises :class:`InvalidRequestError` before sending for bad arguments,
        :class:`ResponseValidationError` when the answer does not have the protocol's shape,
        :class:`AllModelsFailedError` when every model of a chain failed, and the usual status
        and connection errors.
        """
        kwargs, response_format, deadline = _unified_arguments(model, params)
        if isinstance(model, (list, tuple)):
            from .unified import complete_with_fallback

            if response_format is not None:
                kwargs["response_format"] = response_format
            return await complete_with_fallback(self, deadline=deadline, **kwargs)
        _single_model(deadline)
        from ._media import resolve_media
        from .protocols._media import chat_messages

        messages = kwargs["messages"]
        resolved = chat_messages(messages)
        if resolved is not messages:
            kwargs["messages"] = await resolve_media(resolved)
        if response_format is not None:
            from .protocols._complete_parsed import complete_parsed

            return await complete_parsed(self, response_format, kwargs)
        from .unified import complete

        return await complete(self, *_unified_call(kwargs, stream=False))

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


def _single_model(deadline: float | None) -> None:
    if deadline is not None:
        from ._exceptions import InvalidRequestError

        raise InvalidRequestError(
            "deadline bounds a fallback chain: give model a list of model names to use it"
        )


def _unified_arguments(
    model: str | list[str] | tuple[str, ...], params: Mapping[str, Any]
) -> tuple[dict[str, Any], Any, float | None]:
    """``(arguments, response_format, deadline)`` of a unified call: ``arguments`` holds
    ``model`` and every other keyword given, the two set apart are popped out of it."""
    kwargs: dict[str, Any] = {"model": model, **params}
    return kwargs, kwargs.pop("response_format", None), kwargs.pop("deadline", None)


def _unified_call(kwargs: Mapping[str, Any], *, stream: bool) -> tuple[Any, Any, Any]:
    """(protocol record, native request, request options) of one-model unified arguments."""
    from .transport import RequestOptions
    from .transport._options import OPTION_NAMES
    from .unified import prepare

    fields = {name: value for name, value in kwargs.items() if name not in OPTION_NAMES}
    options = RequestOptions.make(
        **{name: value for name, value in kwargs.items() if name in OPTION_NAMES}
    )
    chosen, native = prepare(
        protocol=fields.pop("protocol", "auto"), stream=stream, **fields
    )
    return chosen, native, options


def _open_unified(client: AsyncTokenHot, kwargs: Mapping[str, Any]) -> UnifiedStream:
    """The :class:`UnifiedStream` of one model's unified arguments (messages without files)."""
    from .unified import open_stream

    return open_stream(client, *_unified_call(kwargs, stream=True))
