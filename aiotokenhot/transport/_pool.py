"""The session pool: one aiohttp ClientSession + TCPConnector per client, made on first use."""

from __future__ import annotations

import asyncio
import ssl as ssl_module

import aiohttp

from .._exceptions import InvalidRequestError

__all__ = ["SessionPool"]


class SessionPool:
    """Owns (or borrows) the ClientSession that every call of one client shares.

    The session is created lazily, inside the running event loop, because aiohttp binds it to
    the loop that exists at creation time. A session passed in by the user is used as is and is
    never closed by us.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        session: aiohttp.ClientSession | None = None,
        verify_ssl: bool = True,
    ) -> None:
        if max_connections <= 0:
            raise InvalidRequestError("max_connections must be positive")
        self.max_connections = max_connections
        self.verify_ssl = verify_ssl
        self._session = session
        self._owned = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    @property
    def owned(self) -> bool:
        return self._owned

    @property
    def closed(self) -> bool:
        return self._closed

    def session(self) -> aiohttp.ClientSession:
        """The shared session, created now if this is the first call in this loop."""
        session = self._session
        if (
            session is not None
            and not session.closed
            and (not self._owned or self._loop is asyncio.get_running_loop())
        ):
            return session
        if self._closed:
            raise RuntimeError("this AsyncTokenHot client is closed")
        if not self._owned:
            raise RuntimeError("the aiohttp session given to AsyncTokenHot is closed")
        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=0,
            ttl_dns_cache=300,
            enable_cleanup_closed=False,
            ssl=self.verify_ssl,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            trust_env=False,
            skip_auto_headers=("User-Agent",),
        )
        self._loop = loop
        return self._session

    @property
    def connector(self) -> aiohttp.BaseConnector | None:
        """The live connector, for introspection (e.g. tests counting acquired connections)."""
        if self._session is None or self._session.closed:
            return None
        return self._session.connector

    def acquired_connections(self) -> int:
        """How many connections are checked out of the pool right now."""
        connector = self.connector
        if connector is None:
            return 0
        return len(getattr(connector, "_acquired", ()))

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owned and not session.closed:
            await session.close()


def default_ssl_context() -> ssl_module.SSLContext:
    """A verifying TLS context (exposed for users who pass their own session)."""
    return ssl_module.create_default_context()
