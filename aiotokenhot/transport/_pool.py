"""The session pool: one aiohttp ClientSession + TCPConnector per client, made on first use."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl as ssl_module
import urllib.request
from collections.abc import AsyncGenerator

import aiohttp
from yarl import URL

from .._exceptions import ConfigurationError, InvalidRequestError

__all__ = ["ProxyRoute", "SessionPool", "env_proxies", "proxy_for"]

#: (proxy URL without credentials, its basic auth), or None for a direct connection
ProxyRoute = tuple[URL, aiohttp.BasicAuth | None] | None


def env_proxies() -> dict[str, str]:
    """``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` (either case), as read now."""
    return urllib.request.getproxies_environment()


def _split_credentials(proxy: str) -> tuple[URL, aiohttp.BasicAuth | None]:
    url = URL(proxy)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError("a proxy must be an http:// or https:// URL with a host")
    if url.user is None and url.password is None:
        return url, None
    return url.with_user(None), aiohttp.BasicAuth(url.user or "", url.password or "")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxy_for(url: URL, proxies: dict[str, str]) -> ProxyRoute:
    """The proxy the environment settings ``proxies`` choose for ``url`` (None: connect directly).

    ``NO_PROXY`` is honoured (host names, domain suffixes, ``*``), and a loopback host
    (``localhost``, ``127.0.0.0/8``, ``::1``) is never proxied: a remote proxy cannot reach
    this machine's loopback.
    """
    host = url.host or ""
    if not proxies or not host or _is_loopback(host):
        return None
    if _bypassed(host, url.port, proxies.get("no", "")):
        return None
    chosen = (proxies.get(url.scheme) or proxies.get("all") or "").strip()
    if not chosen:
        return None
    if "://" not in chosen:
        chosen = "http://" + chosen  # "host:port", as curl and requests read it
    try:
        return _split_credentials(chosen)
    except (ConfigurationError, ValueError):
        return None  # a malformed variable is ignored, as other HTTP clients do


def _bypassed(host: str, port: int | None, no_proxy: str) -> bool:
    """``NO_PROXY`` matching: ``*``, a host, a domain (``example.com`` and ``.example.com``
    both cover its subdomains), optionally with ``:port``."""
    host = host.lower().strip("[]")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and (not entry_port.isdigit() or int(entry_port) != port):
            continue
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


async def _close_at_loop_shutdown(session: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """Closes ``session`` when its event loop shuts down (``asyncio.run`` ends).

    The loop finalises every live async generator before it closes (``shutdown_asyncgens``),
    so a session made in one ``asyncio.run()`` is closed cleanly there, not left for the
    garbage collector to warn about once the loop is gone.
    """
    try:
        yield
    finally:
        if not session.closed:
            await session.close()


class SessionPool:
    """Owns (or borrows) the ClientSession that every call of one client shares.

    The session is created lazily, inside the running event loop, because aiohttp binds it to
    the loop that exists at creation time. When the loop ends (``asyncio.run`` returns) the
    session is closed with it; the next call in a new loop makes a fresh one. A session passed
    in by the user is used as is and is never closed by us.

    Proxies: ``proxy`` (``http://[user:pass@]host:port``) applies to every request; otherwise,
    with ``trust_env``, ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` as set
    when the pool is made (loopback hosts always go direct).
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        session: aiohttp.ClientSession | None = None,
        verify_ssl: bool = True,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) \
                or max_connections <= 0:
            raise InvalidRequestError("max_connections must be a positive integer")
        if proxy is not None and not isinstance(proxy, str):
            raise ConfigurationError("proxy must be a URL string or None")
        self.max_connections = max_connections
        self.verify_ssl = verify_ssl
        self._proxy = _split_credentials(proxy) if proxy else None
        self._env = env_proxies() if trust_env and proxy is None else {}
        self._routes: dict[tuple[str, str, int | None], ProxyRoute] = {}
        self._session = session
        self._owned = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard: AsyncGenerator[None, None] | None = None
        self._closed = False

    @property
    def owned(self) -> bool:
        return self._owned

    @property
    def closed(self) -> bool:
        return self._closed

    def route(self, url: URL) -> ProxyRoute:
        """The proxy (and its credentials) for a request to ``url``; None: direct."""
        if self._proxy is not None:
            return self._proxy
        if not self._env:
            return None
        key = (url.scheme, url.host or "", url.port)
        try:
            return self._routes[key]
        except KeyError:
            found = self._routes[key] = proxy_for(url, self._env)
            return found

    def session(self) -> aiohttp.ClientSession:
        """The shared session, created now if this is the first call in this loop."""
        session = self._session
        loop = asyncio.get_running_loop()
        if session is not None and not session.closed and (not self._owned or self._loop is loop):
            return session
        if self._closed:
            raise RuntimeError("this AsyncTokenHot client is closed")
        if not self._owned:
            raise RuntimeError("the aiohttp session given to AsyncTokenHot is closed")
        old_loop = self._loop
        if session is not None and not session.closed and old_loop is not None \
                and old_loop.is_running():
            raise ConfigurationError(
                "this AsyncTokenHot client is in use by an event loop in another thread; "
                "make one client per event loop"
            )
        connector = aiohttp.TCPConnector(
            limit=self.max_connections,
            limit_per_host=0,
            ttl_dns_cache=300,
            enable_cleanup_closed=False,
            ssl=self.verify_ssl,
        )
        session = self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            trust_env=False,  # proxies are resolved here; aiohttp's env mode would also read .netrc
            # no session-wide skip_auto_headers: aiohttp would rebuild that set on every request;
            # every request carries its own User-Agent (see Transport), downloads skip it
        )
        self._loop = loop
        self._guard = _close_at_loop_shutdown(session)
        with contextlib.suppress(StopIteration):  # run it to its `yield` (no await before it)
            self._guard.__anext__().send(None)
        return session

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

    def exhausted(self) -> bool:
        """True when every connection the pool may open is checked out."""
        connector = self.connector
        limit = getattr(connector, "limit", 0) if connector is not None else 0
        return bool(limit) and self.acquired_connections() >= limit

    def busy(self) -> frozenset[object] | None:
        """The checked-out connections when the pool is full right now, else None.

        Taken before a request; if that request then times out waiting for a slot,
        :meth:`pool_moved` tells a queue that is moving from a pool that is stuck.
        """
        session = self._session
        connector = session.connector if session is not None else None
        acquired = getattr(connector, "_acquired", None)
        limit = getattr(connector, "limit", 0)
        if not limit or acquired is None or len(acquired) < limit:
            return None
        return frozenset(acquired)

    def pool_moved(self, busy: frozenset[object] | None) -> bool | None:
        """After a connect timeout: did the pool give back a connection since ``busy``?

        True: the queue moves (a connection in use then has been released), waiting again is
        worth it. False: every connection stayed taken — the pool is stuck. None: the pool was
        not full when the request started, so the time went on making a connection.
        """
        session = self._session
        connector = session.connector if session is not None else None
        if busy is None or connector is None:
            return None
        return not busy.issubset(getattr(connector, "_acquired", ()))

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        guard, self._guard = self._guard, None
        if not self._owned or session is None:
            return
        if guard is not None and self._loop is asyncio.get_running_loop():
            await guard.aclose()  # closes the session
        elif not session.closed:
            await session.close()


def default_ssl_context() -> ssl_module.SSLContext:
    """A verifying TLS context (exposed for users who pass their own session)."""
    return ssl_module.create_default_context()
