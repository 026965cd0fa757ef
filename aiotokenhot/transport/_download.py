"""Downloads: binary answers streamed to disk atomically, and result URLs fetched safely.

A URL on the gateway's own origin is fetched through the transport (auth, retries, error
mapping); any other URL (a CDN link) is fetched through the same session with no credentials,
so the API key never leaves for a third-party host.

Deadlines: the client's ``idle`` timeout bounds every gap between two chunks of a download and
its ``total`` timeout the whole download (see :func:`download_deadline`). Saved files get the
user's umask, like any file they create (the temporary file is made with mode 0666 & ~umask).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import anyio
from yarl import URL

from .._exceptions import APITimeoutError, InvalidRequestError, raise_unchained
from ._errors import build_status_error, map_client_error
from ._transport import RequestOptions, Transport

__all__ = [
    "DownloadProgress",
    "download_deadline",
    "fetch_url_bytes",
    "open_url",
    "save_response",
    "target_path",
    "writable_target",
    "write_atomically",
    "write_bytes_atomically",
]

CHUNK_SIZE = 256 * 1024
#: ``on_progress(received_bytes, total_bytes)`` for downloads; total is None when unknown
DownloadProgress = Callable[[int, "int | None"], "Awaitable[None] | None"]
_NO_OPTIONS = RequestOptions()


def target_path(path: str | os.PathLike[str]) -> Path:
    """The destination, checked before anything is sent: its directory must exist."""
    dest = Path(os.fspath(path))
    if dest.is_dir():
        raise InvalidRequestError(f"{dest} is a directory; give a file name")
    if not dest.parent.is_dir():
        raise InvalidRequestError(f"directory {dest.parent} does not exist")
    return dest


def writable_target(path: str | os.PathLike[str]) -> Path:
    """:func:`target_path`, plus proof that a file can be created beside it.

    For commands that pay before they write (a video task): a probe file is created and
    removed in the destination's directory, so a read-only or full location fails up front.
    """
    dest = target_path(path)
    try:
        fd, probe = _create_temp(dest)
    except OSError as exc:
        raise InvalidRequestError(f"cannot write to {dest.parent}: {exc.strerror}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return dest


@contextlib.contextmanager
def download_deadline(total: float | None, what: str) -> Iterator[None]:
    """Bound a whole download (connect, headers, body, disk) by ``total`` seconds.

    Raises :class:`APITimeoutError` when it runs out, whatever the download was waiting for.
    """
    with anyio.move_on_after(total) as scope:
        yield
    if scope.cancelled_caught:
        raise APITimeoutError(f"{what} did not finish within the total timeout of {total:g}s")


async def open_url(
    transport: Transport, url: str, *, options: RequestOptions = _NO_OPTIONS
) -> aiohttp.ClientResponse:
    """GET an absolute URL and return the open response (status checked, caller releases it)."""
    base = URL(transport.base_url)
    target = URL(url)
    if not target.is_absolute() or target.scheme not in ("http", "https"):
        raise InvalidRequestError(f"not a downloadable URL: {url[:200]!r}")
    if target.origin() == base.origin() and url.startswith(transport.base_url + "/"):
        path = url[len(transport.base_url):]
        return await transport.open("GET", path, options=options, stream_idle=True)
    timeout = transport._timeout(options)
    client_timeout = aiohttp.ClientTimeout(
        total=None, connect=timeout.connect, sock_connect=timeout.connect, sock_read=timeout.idle
    )
    secret = transport.secret
    route = transport.pool.route(target)
    try:
        resp = await transport.pool.session().get(
            target, timeout=client_timeout, headers=dict(options.extra_headers or {}),
            skip_auto_headers=("User-Agent",),
            proxy=route[0] if route else None, proxy_auth=route[1] if route else None,
        )
    except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
        raise_unchained(transport.client_error(exc, f"GET {target.host}"))
    if resp.status >= 400:
        raw = await resp.read()
        resp.release()
        raise build_status_error(resp.status, dict(resp.headers), raw, secret=secret)
    return resp


async def fetch_url_bytes(
    transport: Transport, url: str, *, options: RequestOptions = _NO_OPTIONS
) -> tuple[bytes, str | None]:
    """The whole body of a (small) result URL, with its content type."""
    resp = await open_url(transport, url, options=options)
    try:
        data = await transport.read_body(resp)  # bounded by max_response_size
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        resp.close()
        raise_unchained(transport.client_error(exc, f"reading {URL(url).host}"))
    return data, resp.headers.get("Content-Type")


async def save_response(
    resp: aiohttp.ClientResponse,
    path: Path,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: DownloadProgress | None = None,
) -> int:
    """Stream an open response to ``path`` atomically; always releases the response.

    ``on_progress(received_bytes, total_bytes_or_None)`` (sync or async) runs after each chunk.
    """
    chunks = _chunks(resp, chunk_size)
    if on_progress is not None:
        chunks = _reporting(chunks, resp.content_length, on_progress)
    try:
        written = await write_atomically(chunks, path)
    except BaseException:
        resp.close()
        raise
    resp.release()
    return written


async def _reporting(
    chunks: AsyncIterator[bytes], total: int | None, on_progress: DownloadProgress
) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in chunks:
        yield chunk
        received += len(chunk)
        outcome = on_progress(received, total)
        if inspect.isawaitable(outcome):
            await outcome


async def _chunks(resp: aiohttp.ClientResponse, chunk_size: int) -> AsyncIterator[bytes]:
    try:
        async for chunk in resp.content.iter_chunked(chunk_size):
            yield chunk
    except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
        raise_unchained(map_client_error(exc, "the download", secret=None))


async def write_atomically(chunks: AsyncIterator[bytes], path: Path) -> int:
    """Write to a temporary file beside ``path``, then rename it into place.

    Whatever interrupts the copy (a broken connection, cancellation, a full disk), the
    temporary file is removed and nothing appears under the final name.
    """
    loop = asyncio.get_running_loop()
    fd, tmp = _create_temp(path)
    written = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            async for chunk in chunks:
                await loop.run_in_executor(None, handle.write, chunk)
                written += len(chunk)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return written


async def write_bytes_atomically(data: bytes, path: Path) -> int:
    """``data`` to ``path`` through the same temp-file-and-rename route as downloads."""

    async def one() -> AsyncIterator[bytes]:
        yield data

    return await write_atomically(one(), path)


def _create_temp(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path``, created with mode 0666 so the umask applies."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
