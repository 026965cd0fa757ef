"""Reading batch requests lazily and deciding, line by line, what gets sent.

Input is a JSONL path, an iterable or an async iterable of OpenAI batch-line dicts
``{"custom_id", "method", "url", "body"}``. Every entry ends up as exactly one of: a
:class:`BatchItem` to send, a :class:`BadLine` to report, or a silent skip (another shard's id,
or an id the output file already holds).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping, Sized
from dataclasses import dataclass
from typing import Any, Literal, Union

import anyio.to_thread
import pydantic_core

from .._exceptions import InvalidRequestError
from ..unified._registry import batch_routes

__all__ = [
    "BadLine",
    "BatchItem",
    "BatchSource",
    "Shard",
    "check_entry",
    "count_lines",
    "iter_source",
]

#: a JSONL path, an open JSONL file (binary or text, e.g. ``sys.stdin.buffer``), or an
#: (async) iterable of request dicts
BatchSource = Union[str, "os.PathLike[str]", Iterable[Any], AsyncIterable[Any]]

#: Routes a batch line may target: whole JSON answers only (streams and binary bodies excluded).
KNOWN_ROUTES = batch_routes() | frozenset({
    "/v1/embeddings",
    "/v1/moderations",
    "/v1/rerank",
    "/v1/images/generations",
    "/v1/video/generations",
    "/v1/videos",
    "/v1/tokenize-text",
})
_GEMINI_ROUTE = re.compile(
    r"^/v1beta/models/[A-Za-z0-9._\-/]+:(generateContent|countTokens|embedContent|batchEmbedContents)$")
_READ_CHUNK = 1 << 20  # bytes of lines fetched per thread hop


@dataclass(frozen=True)
class BatchItem:
    """One request to send. ``line`` is its 1-based position in the input."""

    line: int
    custom_id: str
    method: str
    url: str
    body: dict[str, Any]


@dataclass(frozen=True)
class BadLine:
    """An input entry that was not sent, and why (reported, never silently dropped)."""

    line: int
    reason: str
    custom_id: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class Shard:
    """Worker ``index`` of ``count`` (0-based): owns the ids whose stable hash lands on it.

    The hash is blake2b of the UTF-8 id, so every machine and every Python process agrees
    (unlike ``hash()``, which is salted per process).
    """

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise InvalidRequestError(
                f"shard must be K/N with 0 <= K < N, got {self.index}/{self.count}"
            )

    @classmethod
    def parse(cls, value: str | tuple[int, int] | Shard) -> Shard:
        """``"2/8"`` or ``(2, 8)`` → ``Shard(2, 8)``."""
        if isinstance(value, Shard):
            return value
        if isinstance(value, tuple):
            return cls(*value)
        k, sep, n = value.partition("/")
        if not sep or not k.strip().isdigit() or not n.strip().isdigit():
            raise InvalidRequestError(f"shard must look like K/N (e.g. 0/4), got {value!r}")
        return cls(int(k), int(n))

    def owns(self, custom_id: str) -> bool:
        digest = hashlib.blake2b(custom_id.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.index

    def owns_line(self, line: int) -> bool:
        """Who reports a bad line that has no usable id: split by line number instead."""
        return (line - 1) % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _route_error(method: str, url: str) -> str | None:
    if url in KNOWN_ROUTES or _GEMINI_ROUTE.match(url):
        return None if method == "POST" else f"method {method} is not supported for {url} (use POST)"
    if ":streamGenerateContent" in url:
        return f"streaming route {url} is not supported in a batch"
    return f"unknown url {url!r}"


def check_entry(
    line: int,
    entry: Any,
    *,
    seen: set[str],
    done: set[str],
    shard: Shard | None,
) -> BatchItem | BadLine | Literal["done"] | None:
    """Validate one input entry: an item to send, a bad line to report, ``"done"`` (the output
    already has this id) or None (another shard's entry).

    ``seen`` collects every valid id of this shard so that a repeated id is reported;
    ``done`` holds the ids the output file already has (consumed as they are met).
    """
    if isinstance(entry, BadLine):
        return entry if shard is None or shard.owns_line(line) else None
    if not isinstance(entry, Mapping):
        bad = BadLine(line, "not a JSON object")
        return bad if shard is None or shard.owns_line(line) else None
    cid = entry.get("custom_id")
    if "url" not in entry and ("response" in entry or "error" in entry):
        bad = BadLine(line, "this is a result line, not a request (are input and output swapped?)",
                      cid if isinstance(cid, str) else None)
        return bad if shard is None or shard.owns_line(line) else None
    if not isinstance(cid, str) or not cid:
        bad = BadLine(line, "missing custom_id (a non-empty string)")
        return bad if shard is None or shard.owns_line(line) else None
    if shard is not None and not shard.owns(cid):
        return None
    if cid in seen:
        return BadLine(line, f"duplicate custom_id {cid!r}", cid)
    method = entry.get("method", "POST")
    url = entry.get("url")
    body = entry.get("body")
    reason: str | None = None
    if not isinstance(method, str):
        reason = "method must be a string"
    elif not isinstance(url, str) or not url:
        reason = "missing url"
    else:
        method = method.upper()
        reason = _route_error(method, url)
    if reason is None and not isinstance(body, dict):
        reason = "body must be a JSON object"
    if reason is None and isinstance(body, dict) and body.get("stream") is True:
        reason = "streaming bodies (\"stream\": true) are not supported in a batch"
    seen.add(cid)
    if reason is not None:
        return BadLine(line, reason, cid)
    if cid in done:
        done.discard(cid)  # each id is met once: free the memory as we go
        return "done"
    assert isinstance(url, str) and isinstance(body, dict) and isinstance(method, str)
    return BatchItem(line, cid, method, url, body)


async def iter_source(source: BatchSource) -> AsyncIterator[tuple[int, Any]]:
    """``(line_number, entry)`` pairs; a JSONL line that does not parse becomes a BadLine."""
    if isinstance(source, (str, os.PathLike)):
        async for pair in _iter_jsonl(os.fspath(source)):
            yield pair
    elif is_file_object(source):
        async for pair in _iter_handle(source):
            yield pair
    elif isinstance(source, AsyncIterable):
        line = 0
        async for entry in source:
            line += 1
            yield line, entry
    elif isinstance(source, Iterable) and not isinstance(source, (bytes, Mapping)):
        for line, entry in enumerate(source, 1):
            yield line, entry
    else:
        raise InvalidRequestError(
            "requests must be a JSONL path, an iterable or an async iterable of dicts"
        )


async def _iter_jsonl(path: str) -> AsyncIterator[tuple[int, Any]]:
    """Lines read in ~1 MiB slices on a worker thread: bounded memory, a free event loop."""
    try:
        handle = await anyio.to_thread.run_sync(open, path, "rb")
    except OSError as exc:
        raise InvalidRequestError(f"cannot read {path}: {exc.strerror}") from None
    try:
        async for pair in _iter_handle(handle):
            yield pair
    finally:
        handle.close()


def is_file_object(source: object) -> bool:
    """An open file (binary or text), e.g. ``sys.stdin.buffer``: read as JSONL."""
    return hasattr(source, "readlines") and hasattr(source, "read")


async def _iter_handle(handle: Any) -> AsyncIterator[tuple[int, Any]]:
    line = 0
    while True:
        chunk = await anyio.to_thread.run_sync(handle.readlines, _READ_CHUNK)
        if not chunk:
            return
        for raw in chunk:
            line += 1
            if not raw.strip():
                continue
            try:
                yield line, pydantic_core.from_json(raw)
            except ValueError:
                yield line, BadLine(line, "not valid JSON")


def count_lines(source: BatchSource) -> int | None:
    """How many entries the input holds, when that is cheap to know (for the ETA)."""
    if isinstance(source, (str, os.PathLike)):
        total, tail = 0, b""
        with open(source, "rb") as handle:
            for block in iter(lambda: handle.read(_READ_CHUNK), b""):
                total += block.count(b"\n")
                tail = block[-1:]
        return total + (1 if tail not in (b"", b"\n") else 0)
    if isinstance(source, Sized) and not is_file_object(source):
        return len(source)
    return None
