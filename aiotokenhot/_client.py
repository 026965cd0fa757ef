"""AsyncTokenHot: the client object users hold, and the namespaces hanging off it."""

from __future__ import annotations

from collections.abc import Mapping
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
from ._pricing import ModelPrice, PriceTable
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
    from .telemetry import Telemetry
    from .telemetry._seam import Instrumentation
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
        prices: Mapping[str, ModelPrice] | None = None,
        telemetry: bool | Telemetry | None = None,
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
        self._transport.instrumentation = _instrumentation(self.base_url, prices, telemetry)

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

    def stream(self, **kwargs: Any) -> UnifiedStream:
        """Typed deltas (TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish) for any model."""
        from .unified import open_stream

        return open_stream(self, **kwargs)

    async def complete(self, **kwargs: Any) -> Completion:
        """One unified :class:`Completion` for any model, whatever protocol carries it."""
        from .unified import complete

        return await complete(self, **kwargs)


def _instrumentation(
    base_url: str, prices: Mapping[str, ModelPrice] | None, telemetry: bool | Telemetry | None
) -> Instrumentation | None:
    """Telemetry and cost accounting for a client; None when both are off (nothing runs)."""
    if telemetry is False and not prices:
        return None
    from .telemetry._seam import Instrumentation

    return Instrumentation(base_url=base_url, telemetry=telemetry, prices=PriceTable(prices))
