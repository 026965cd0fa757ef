"""The one place that builds and sends requests: auth, headers, bodies, retries, timeouts, errors.

Protocol modules call :meth:`Transport.request` (whole answers) or :meth:`Transport.open`
(answers read incrementally: streams, downloads) and never touch aiohttp themselves.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

import aiohttp
import pydantic
import pydantic_core
from typing_extensions import Unpack
from yarl import URL

from .._config import (
    DEFAULT_MAX_RESPONSE_SIZE,
    ERROR_BODY_LIMIT,
    Secret,
    Timeout,
    TimeoutTypes,
    missing_key_error,
)
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    InvalidRequestError,
    ResponseTooLargeError,
    ResponseValidationError,
    TokenHotError,
    raise_unchained,
)
from .._pricing import attach_cost
from .._redact import SENSITIVE_HEADERS, redact_headers, redact_text, redact_value, scrub_exception
from .._version import __version__
from ..telemetry._seam import Instrumentation, note_event, observed_request
from ._capture import report
from ._errors import body_error, build_status_error, map_client_error, request_id_of
from ._options import RequestOptions
from ._pool import SessionPool
from ._retry import DEFAULT_RETRY_POLICY, RetryPolicy

if TYPE_CHECKING:
    from ..streams._stream import Stream

__all__ = ["KEEP", "ClientOptions", "HTTPResult", "Keep", "RequestOptions", "SendParams", "Transport"]

log = logging.getLogger("aiotokenhot")
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
StreamT = TypeVar("StreamT", bound="Stream[Any]")
BodyFactory = Callable[[], Any]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
ANTHROPIC_VERSION = "2023-06-01"


_NO_OPTIONS = RequestOptions()
#: each protocol record's auth family -> the header set above that carries it
_HEADER_SET = {"bearer": "bearer", "x-api-key": "anthropic", "x-goog-api-key": "gemini"}


@lru_cache(maxsize=1024)
def _header_set(path: str) -> str:
    """The header set for ``path``: its auth family from the protocol registry (imported on
    first use), remembered per path so that a request does not pay for an import statement."""
    from ..unified._registry import auth_family

    return _HEADER_SET[auth_family(path)]


class Keep(enum.Enum):
    """``with_options`` default for an option where ``None`` is a value of its own."""

    KEEP = "keep"


KEEP = Keep.KEEP


class SendParams(TypedDict, total=False):
    """What :meth:`Transport.request` and :meth:`Transport.open` send besides method and path."""

    #: a JSON body (``extra_body`` is merged into it)
    json: Any
    #: makes the body afresh for every attempt (multipart uploads)
    body: BodyFactory | None
    #: query parameters (``None`` values are left out)
    params: Mapping[str, Any] | None
    #: headers added to the client's
    headers: Mapping[str, str] | None
    #: per-call options
    options: RequestOptions
    #: a 404 answer means the gateway does not offer the endpoint
    unsupported_on_404: bool


class ClientOptions(TypedDict, total=False):
    """The defaults ``with_options`` can change (besides the key); ``None`` keeps a value."""

    #: the gateway's root URL
    base_url: str | None
    #: seconds (a number) or a :class:`~aiotokenhot.Timeout`
    timeout: TimeoutTypes | None
    #: retries after a connection error or a retryable status
    max_retries: int | None
    #: headers added to the current ones (the same name replaces)
    default_headers: Mapping[str, str] | None
    #: the largest stream event, in bytes
    max_event_size: int | None
    #: what is retried and how long to wait
    retry_policy: RetryPolicy | None
    #: the largest answer body, in bytes; here ``None`` means no limit (leave it out to keep)
    max_response_size: int | None


class HTTPResult:
    """A complete success answer: status, headers and the raw body."""

    __slots__ = ("_secret", "content", "cost", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes,
                 secret: str | None = None) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self._secret = secret  # redacted from errors that quote the body
        self.cost: Decimal | None = None  # USD, when the client's price table knows the model

    @property
    def request_id(self) -> str | None:
        """The gateway's id for this request, from the answer's headers (None if not sent)."""
        return request_id_of(self.headers)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return pydantic_core.from_json(self.content)
        except ValueError as exc:
            raise self._invalid(f"expected a JSON body, got {self.content[:200]!r}: {exc}") from None

    def parse(self, model: type[ModelT]) -> ModelT:
        """Validate the body as ``model`` straight from bytes (one JSON pass, in Rust)."""
        try:
            parsed: ModelT = model.__pydantic_validator__.validate_json(self.content)
            attach_cost(parsed, self.cost)
            return parsed
        except pydantic.ValidationError as exc:
            raise self._invalid(
                f"the response does not match {model.__name__}: {exc.error_count()} error(s): "
                f"{exc.errors()[0]['msg'] if exc.errors() else ''}"
            ) from None

    def _invalid(self, message: str) -> ResponseValidationError:
        error = ResponseValidationError(message, body=self.content[:2000])
        scrub_exception(error, self._secret)
        return error

    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Transport:
    """Sends requests for one client configuration over a shared :class:`SessionPool`."""

    #: telemetry and cost accounting for GenAI calls; None: nothing to record
    instrumentation: Instrumentation | None = None

    def __init__(
        self,
        *,
        pool: SessionPool,
        base_url: str,
        api_key: Secret | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None = None,
        max_event_size: int = 16 * 1024 * 1024,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if max_retries < 0:
            raise InvalidRequestError("max_retries must be >= 0")
        if max_event_size <= 0:
            raise InvalidRequestError("max_event_size must be a positive number of bytes")
        if not isinstance(retry_policy, RetryPolicy):
            raise InvalidRequestError("retry_policy must be an aiotokenhot.RetryPolicy")
        if max_response_size is not None and (
            isinstance(max_response_size, bool)
            or not isinstance(max_response_size, int)
            or max_response_size <= 0
        ):
            raise InvalidRequestError("max_response_size must be a positive number of bytes or None")
        self.pool = pool
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_event_size = max_event_size
        self.retry_policy = retry_policy
        self.max_response_size = max_response_size
        self._key = api_key
        self._default_headers = dict(default_headers or {})
        self._header_sets: dict[str, dict[str, str]] | None = None

    def with_options(
        self, *, api_key: Secret | None = None, **options: Unpack[ClientOptions]
    ) -> Transport:
        """A transport with other defaults that shares this one's pool; ``None`` keeps a value
        (``max_response_size``, where None means no limit, is kept unless given).

        ``default_headers`` are added to this transport's (a header of the same name is replaced).
        """
        base_url = options.get("base_url")
        timeout = options.get("timeout")
        max_retries = options.get("max_retries")
        max_event_size = options.get("max_event_size")
        retry_policy = options.get("retry_policy")
        max_response_size = options.get("max_response_size", KEEP)
        transport = Transport(
            pool=self.pool,
            base_url=self.base_url if base_url is None else base_url,
            api_key=self._key if api_key is None else api_key,
            timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
            max_retries=self.max_retries if max_retries is None else max_retries,
            default_headers={**self._default_headers, **(options.get("default_headers") or {})},
            max_event_size=self.max_event_size if max_event_size is None else max_event_size,
            retry_policy=self.retry_policy if retry_policy is None else retry_policy,
            max_response_size=(self.max_response_size if max_response_size is KEEP
                               else max_response_size),
        )
        transport.instrumentation = self.instrumentation
        return transport

    @property
    def secret(self) -> str | None:
        return self._key.reveal() if self._key else None

    # -- headers -----------------------------------------------------------------------------

    def _headers_for(self, path: str, json_body: bool = False) -> dict[str, str]:
        """Auth headers per protocol family, as the gateway documents them (built once)."""
        sets = self._header_sets
        if sets is None:
            if not self._key:
                raise missing_key_error()
            key = self._key.reveal()
            base = {
                "User-Agent": f"aiotokenhot/{__version__}",
                "Authorization": f"Bearer {key}",
                **self._default_headers,
            }
            sets = self._header_sets = {
                "bearer": base,
                "anthropic": {**base, "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION},
                "gemini": {**base, "x-goog-api-key": key},
            }
            for name in ("bearer", "anthropic", "gemini"):  # the usual JSON-body variants
                if "Content-Type" not in sets[name]:
                    sets[name + "+json"] = {**sets[name], "Content-Type": "application/json"}
        family = _header_set(path)
        if json_body:
            return sets.get(family + "+json") or sets[family]
        return sets[family]

    # -- public entry points ---------------------------------------------------------------------

    @observed_request
    async def request(
        self, method: str, path: str, *, check_body_error: bool = True,
        **send: Unpack[SendParams],
    ) -> HTTPResult:
        """Send a request and read the whole answer, retrying what is safe to retry.

        ``Timeout.total`` bounds the whole call: every attempt, every wait between attempts
        and reading the body. The body may hold at most ``max_response_size`` bytes (after
        decompression), else :class:`ResponseTooLargeError`.
        """
        timeout = self._timeout(send.get("options", _NO_OPTIONS))
        client_timeout = _client_timeout(timeout.total, timeout.connect, None)
        resp, raw, attempts = await self._send(
            method, path, send, client_timeout, read=True, total=timeout.total
        )
        assert raw is not None
        if check_body_error and raw[:1] == b"{" and (b'"error"' in raw or b'"code"' in raw):
            try:
                obj = pydantic_core.from_json(raw)
            except ValueError:
                obj = None
            if body_error(obj):
                raise build_status_error(
                    200, dict(resp.headers), raw, secret=self.secret, attempts=attempts
                )
        result = HTTPResult(resp.status, resp.headers, raw, self.secret)
        report(result)
        return result

    async def open(
        self, method: str, path: str, *, stream_idle: bool = True, **send: Unpack[SendParams]
    ) -> aiohttp.ClientResponse:
        """Send a request and return the open response (status already checked).

        The caller owns the response and must ``release()`` or ``close()`` it. Retries cover
        connecting and error statuses only: once a success answer is returned nothing replays.
        """
        timeout = self._timeout(send.get("options", _NO_OPTIONS))
        client_timeout = _client_timeout(
            None, timeout.connect, timeout.idle if stream_idle else timeout.total
        )
        resp, _, _ = await self._send(method, path, send, client_timeout, read=False, total=None)
        report(resp)
        return resp

    def idle_timeout(self, options: RequestOptions = _NO_OPTIONS) -> float | None:
        return self._timeout(options).idle

    def stream(
        self,
        cls: type[StreamT],
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        options: RequestOptions = _NO_OPTIONS,
        **kwargs: Any,
    ) -> StreamT:
        """A ``cls`` stream whose connection opens on ``async with`` or first iteration."""

        async def opener() -> aiohttp.ClientResponse:
            return await self.open(
                method, path, json=json, params=params, headers=headers, options=options
            )

        retries = self.max_retries if options.max_retries is None else options.max_retries
        call = None if self.instrumentation is None else self.instrumentation.start(path, json, params)
        stream = cls(
            opener if call is None else call.opener(opener),
            idle_timeout=self.idle_timeout(options),
            max_event_size=self.max_event_size,
            max_retries=retries,
            secret=self.secret,
            retry_policy=self.retry_policy,
            **kwargs,
        )
        stream._call = call
        return stream

    # -- internals -------------------------------------------------------------------------------

    def _timeout(self, options: RequestOptions) -> Timeout:
        return self.timeout if options.timeout is None else Timeout.coerce(options.timeout)

    async def _send(
        self,
        method: str,
        path: str,
        send: SendParams,
        client_timeout: aiohttp.ClientTimeout,
        *,
        read: bool,
        total: float | None,
    ) -> tuple[aiohttp.ClientResponse, bytes | None, int]:
        json = send.get("json")
        body = send.get("body")
        params = send.get("params")
        headers = send.get("headers")
        options = send.get("options", _NO_OPTIONS)
        plain_json = json is not None and not headers and not options.extra_headers
        all_headers = self._headers_for(path, json_body=plain_json)
        if headers or options.extra_headers:
            all_headers = {**all_headers, **(headers or {}), **(options.extra_headers or {})}
        query: dict[str, Any] | None = None
        if params or options.extra_query:
            query = {k: _query_value(v) for k, v in {**(params or {}), **(options.extra_query or {})}.items()
                     if v is not None}
        payload: bytes | None = None
        if json is not None:
            if options.extra_body:
                if not isinstance(json, dict):
                    raise InvalidRequestError("extra_body needs a JSON object body")
                json = {**json, **options.extra_body}
            payload = _dump_json(json)
            if "Content-Type" not in all_headers:
                all_headers = {**all_headers, "Content-Type": "application/json"}
        elif options.extra_body and body is None:
            payload = _dump_json(dict(options.extra_body))
            all_headers = {**all_headers, "Content-Type": "application/json"}
        max_retries = self.max_retries if options.max_retries is None else options.max_retries
        url = self.base_url + path
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s headers=%s", method, url, redact_headers(all_headers))
        target = URL(url)

        policy = self.retry_policy
        what = f"{method} {path}"
        loop = asyncio.get_running_loop()
        deadline = None if total is None else loop.time() + total
        attempt = 0
        again = False
        pool = self.pool
        while True:
            if again and deadline is not None:
                client_timeout = _attempt_timeout(client_timeout, deadline - loop.time())
            again = True
            failure: TokenHotError | None = None
            resp: aiohttp.ClientResponse | None = None
            raw: bytes | None = None
            busy = pool.busy()
            try:
                data = payload if body is None else body()
                route = pool.route(target)
                resp = await pool.session().request(
                    method, target, headers=all_headers, data=data, params=query,
                    timeout=client_timeout, allow_redirects=False,
                    proxy=route[0] if route else None, proxy_auth=route[1] if route else None,
                )
                if resp.status in _REDIRECTS:
                    resp = await self._follow(resp, method, target, all_headers, data,
                                              client_timeout, body)
                if read or resp.status >= 300:
                    raw = await self.read_body(resp)
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                moved = None
                if isinstance(exc, aiohttp.ConnectionTimeoutError):
                    moved = pool.pool_moved(busy)
                    if moved and (deadline is None or loop.time() < deadline):
                        log.debug("%s still queued for a pooled connection", what)
                        continue  # the queue moves: wait on, this is not a failed attempt
                failure = self.client_error(exc, what, attempts=attempt + 1,
                                            connect_timeout=client_timeout.connect,
                                            pool_stuck=moved is False)
            except BaseException:
                if resp is not None:
                    resp.close()
                raise
            if failure is not None:
                if resp is not None:
                    resp.close()
                if attempt < max_retries and policy.should_retry(failure):
                    delay = policy.wait(attempt)
                    if _fits(loop, deadline, delay):
                        log.debug("retrying %s in %.2fs after %s", what, delay, failure)
                        note_event("retry", {"error.type": type(failure).__name__,
                                             "attempt": attempt + 1})
                        await asyncio.sleep(delay)
                        attempt += 1
                        continue
                raise_unchained(failure)
            assert resp is not None
            if resp.status < 300:
                return resp, raw, attempt + 1
            raw = raw or b""
            if attempt < max_retries and policy.should_retry_response(resp.status, resp.headers, raw):
                delay = policy.wait(attempt, resp.headers)
                if _fits(loop, deadline, delay):
                    log.debug("retrying %s in %.2fs after HTTP %d", what, delay, resp.status)
                    note_event("retry", {"error.type": str(resp.status), "attempt": attempt + 1})
                    await asyncio.sleep(delay)
                    attempt += 1
                    continue
            error: APIStatusError = build_status_error(
                resp.status, dict(resp.headers), raw, secret=self.secret, attempts=attempt + 1,
                unsupported_on_404=send.get("unsupported_on_404", False),
            )
            raise_unchained(error)

    def client_error(
        self, exc: BaseException, what: str, *, attempts: int = 1,
        connect_timeout: float | None = None, pool_stuck: bool | None = None,
    ) -> TokenHotError:
        """The SDK exception for an aiohttp/timeout error during ``what`` (see
        :func:`map_client_error`), knowing this client's key and whether its pool is stuck
        (by default: whether every connection is checked out now)."""
        if pool_stuck is None:
            pool_stuck = isinstance(exc, aiohttp.ConnectionTimeoutError) and self.pool.exhausted()
        return map_client_error(
            exc, what, secret=self.secret, attempts=attempts, pool_exhausted=pool_stuck,
            timeout=self.timeout.connect if connect_timeout is None else connect_timeout,
        )

    async def read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        """The whole body, bounded; the response is released (or closed if bytes remain).

        A success body over ``max_response_size`` raises :class:`ResponseTooLargeError`; an
        error body is cut at :data:`ERROR_BODY_LIMIT` (enough for any error envelope) and the
        status error is raised as usual.
        """
        limit = self.max_response_size
        error = resp.status >= 300
        if error:
            limit = ERROR_BODY_LIMIT if limit is None else min(limit, ERROR_BODY_LIMIT)
        if limit is None:
            raw = await resp.read()
            resp.release()
            return raw
        length = resp.content_length
        if not error and length is not None and length > limit \
                and "Content-Encoding" not in resp.headers:
            resp.close()
            raise ResponseTooLargeError(limit, status_code=resp.status)
        chunks: list[bytes] = []
        size = 0
        content = resp.content
        while True:
            chunk = await content.readany()
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                resp.close()
                if not error:
                    raise ResponseTooLargeError(limit, status_code=resp.status)
                chunks.append(chunk[: len(chunk) - (size - limit)])
                return b"".join(chunks)
            chunks.append(chunk)
        resp.release()
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def _follow(
        self,
        resp: aiohttp.ClientResponse,
        method: str,
        target: URL,
        headers: Mapping[str, str],
        data: Any,
        client_timeout: aiohttp.ClientTimeout,
        body: BodyFactory | None,
    ) -> aiohttp.ClientResponse:
        """Follow the redirect ``resp`` (the answer to the first send) by hand, so credentials
        never cross to another origin; at most :data:`_MAX_REDIRECTS` more sends."""
        session = self.pool.session()
        for hop in range(_MAX_REDIRECTS + 1):
            if hop:
                route = self.pool.route(target)
                resp = await session.request(
                    method, target, headers=headers, data=data,
                    timeout=client_timeout, allow_redirects=False,
                    proxy=route[0] if route else None, proxy_auth=route[1] if route else None,
                )
            if resp.status not in _REDIRECTS:
                return resp
            location = resp.headers.get("Location")
            if not location:
                return resp
            resp.release()
            current = resp.url
            nxt = _redirect_target(current, location)
            if nxt is None:
                raise APIStatusError(
                    redact_text(
                        f"refused to follow the {resp.status} redirect to {location[:200]!r}: "
                        "only http(s) URLs are followed", self.secret,
                    ),
                    status_code=resp.status,
                    headers=redact_value(dict(resp.headers), self.secret),
                )
            if nxt.origin() != current.origin():
                headers = {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, data = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            elif body is not None:
                data = body()
            target = nxt
        raise APIConnectionError(f"too many redirects (more than {_MAX_REDIRECTS})")


@lru_cache(maxsize=64)
def _client_timeout(
    total: float | None, connect: float | None, read: float | None
) -> aiohttp.ClientTimeout:
    """One shared (immutable) ClientTimeout per distinct setting, not one per request.

    ``connect`` bounds both the wait for a free pooled connection and opening a new one.
    """
    return aiohttp.ClientTimeout(total=total, connect=connect, sock_connect=connect, sock_read=read)


def _attempt_timeout(base: aiohttp.ClientTimeout, remaining: float) -> aiohttp.ClientTimeout:
    """``base`` with ``total`` cut to what is left of the call's deadline."""
    left = max(remaining, 1e-3)
    return aiohttp.ClientTimeout(
        total=left if base.total is None else min(base.total, left), connect=base.connect,
        sock_connect=base.sock_connect, sock_read=base.sock_read,
    )


def _fits(loop: asyncio.AbstractEventLoop, deadline: float | None, delay: float) -> bool:
    """True when waiting ``delay`` seconds still leaves time before ``deadline``."""
    return deadline is None or loop.time() + delay < deadline


def _redirect_target(current: URL, location: str) -> URL | None:
    """Where a ``Location`` points, or None when it is broken or not an http(s) URL."""
    try:
        given = URL(location)
        if given.scheme and not given.host:
            return None
        target = current.join(given)
    except (ValueError, TypeError):
        return None
    if target.scheme not in ("http", "https") or not target.host:
        return None
    return target


def _dump_json(obj: Any) -> bytes:
    try:
        return pydantic_core.to_json(obj, by_alias=True)
    except pydantic_core.PydanticSerializationError as exc:
        raise InvalidRequestError(f"request body is not JSON-serialisable: {exc}") from None


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def replace_options(options: RequestOptions, **changes: Any) -> RequestOptions:
    return replace(options, **changes)
