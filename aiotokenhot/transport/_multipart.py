"""Multipart bodies built afresh for every attempt, with files streamed rather than read whole.

A file may be given as a path, as bytes, as an async file-like object (``await f.read(n)``),
an open binary file, or an async iterator of bytes, optionally wrapped as ``(filename, content)`` or
``(filename, content, content_type)``. Paths are checked before anything is sent and read in
chunks on a worker thread; async sources can be read only once, so a body that holds one is
marked not replayable and the caller sends it without retries.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import mimetypes
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Union, runtime_checkable

import aiohttp

from .._exceptions import InvalidRequestError

__all__ = [
    "FileContent",
    "FileInput",
    "MultipartBody",
    "build_multipart",
    "is_file_input",
    "read_file_input",
]

CHUNK_SIZE = 256 * 1024


@runtime_checkable
class AsyncReadable(Protocol):
    """An async file-like object: ``aiofiles``, ``anyio.AsyncFile`` and the like."""

    async def read(self, size: int = -1, /) -> bytes: ...


# runtime aliases (Python 3.10 cannot `|` a string forward reference)
FileContent = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, AsyncReadable,
                    io.IOBase, AsyncIterable[bytes]]
FileInput = Union[FileContent, tuple[str, FileContent], tuple[str, FileContent, str]]  # noqa: UP007


@dataclass(frozen=True)
class _FilePart:
    name: str
    filename: str
    content_type: str
    source: Path | bytes | AsyncReadable | io.IOBase | AsyncIterable[bytes]


class MultipartBody:
    """A zero-argument factory of ``aiohttp.FormData`` (pass it as ``Transport.request(body=)``)."""

    def __init__(self, fields: list[tuple[str, str]], files: list[_FilePart]) -> None:
        self._fields = fields
        self._files = files
        self._used = False

    @property
    def replayable(self) -> bool:
        """False when an async source can be read only once: send it without retries."""
        return all(isinstance(f.source, (Path, bytes)) for f in self._files)

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self._fields] + [f.name for f in self._files]

    def __call__(self) -> aiohttp.FormData:
        if self._used and not self.replayable:
            raise InvalidRequestError("an upload from an async stream cannot be sent twice")
        self._used = True
        form = aiohttp.FormData()
        for name, value in self._fields:
            form.add_field(name, value)
        for part in self._files:
            form.add_field(part.name, _payload_source(part.source), filename=part.filename,
                           content_type=part.content_type)
        return form


def is_file_input(value: Any) -> bool:
    """True for anything :func:`build_multipart` accepts as a file."""
    if isinstance(value, tuple):
        return len(value) in (2, 3) and isinstance(value[0], str) and is_file_input(value[1])
    return isinstance(value, (str, os.PathLike, bytes, bytearray, memoryview, io.IOBase,
                              AsyncReadable, AsyncIterable))


def build_multipart(
    fields: Mapping[str, Any],
    files: Sequence[tuple[str, FileInput]],
    *,
    extra: Mapping[str, Any] | None = None,
) -> MultipartBody:
    """Validate everything now (paths must exist) and return the per-attempt form factory.

    ``None`` fields are dropped; lists become repeated fields; bools and numbers become text;
    dicts become JSON text. ``extra`` (the call's ``extra_body``) adds or overrides fields.
    """
    merged = {**fields, **(extra or {})}
    flat: list[tuple[str, str]] = []
    for name, value in merged.items():
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            flat.append((name, _field_text(item)))
    return MultipartBody(flat, [_file_part(name, value) for name, value in files])


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _file_part(name: str, value: FileInput) -> _FilePart:
    filename: str | None = None
    content_type: str | None = None
    content: Any = value
    if isinstance(value, tuple):
        if len(value) not in (2, 3) or not isinstance(value[0], str):
            raise InvalidRequestError(
                f"{name}: a file tuple is (filename, content) or (filename, content, content_type)"
            )
        filename, content = value[0], value[1]
        if len(value) == 3:
            content_type = value[2]
    source: Path | bytes | AsyncReadable | io.IOBase | AsyncIterable[bytes]
    if isinstance(content, (str, os.PathLike)):
        path = Path(os.fspath(content))
        if not path.is_file():
            raise InvalidRequestError(f"{name}: no such file: {path}")
        source = path
        filename = filename or path.name
    elif isinstance(content, (bytes, bytearray, memoryview)):
        source = bytes(content)
    elif isinstance(content, io.TextIOBase):
        raise InvalidRequestError(f"{name}: open the file in binary mode ('rb')")
    elif isinstance(content, (io.IOBase, AsyncReadable, AsyncIterable)):
        source = content
        filename = filename or _name_of(content)
    else:
        raise InvalidRequestError(
            f"{name}: expected a path, bytes, an async file or an async iterator of bytes, "
            f"not {type(content).__name__}"
        )
    filename = filename or name
    if content_type is None:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return _FilePart(name, filename, content_type, source)


def _name_of(obj: Any) -> str | None:
    name = getattr(obj, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else None


def _payload_source(source: Path | bytes | AsyncReadable | io.IOBase | AsyncIterable[bytes]) -> Any:
    if isinstance(source, bytes):
        return source
    if isinstance(source, Path):
        return _read_path(source)
    if isinstance(source, io.IOBase):
        return _read_sync_file(source)
    if isinstance(source, AsyncReadable):
        return _read_async_file(source.read)
    return source


async def _read_path(path: Path) -> AsyncIterator[bytes]:
    """The file in chunks, read on a worker thread; opened only once sending starts."""
    loop = asyncio.get_running_loop()
    handle = await loop.run_in_executor(None, path.open, "rb")
    try:
        while chunk := await loop.run_in_executor(None, handle.read, CHUNK_SIZE):
            yield chunk
    finally:
        handle.close()


async def _read_sync_file(handle: io.IOBase) -> AsyncIterator[bytes]:
    """An open binary file, read on a worker thread (the caller keeps ownership and closes it)."""
    loop = asyncio.get_running_loop()
    while chunk := await loop.run_in_executor(None, handle.read, CHUNK_SIZE):
        yield chunk


async def _read_async_file(read: Callable[[int], Any]) -> AsyncIterator[bytes]:
    while True:
        chunk = read(CHUNK_SIZE)
        if inspect.isawaitable(chunk):
            chunk = await chunk
        if not chunk:
            return
        if isinstance(chunk, str):
            raise InvalidRequestError("an upload file must be opened in binary mode")
        yield bytes(chunk)


async def read_file_input(value: FileInput, name: str = "file") -> tuple[bytes, str, str]:
    """A whole file as ``(data, filename, content_type)``, for JSON bodies that need base64."""
    part = _file_part(name, value)
    chunks = [chunk async for chunk in _as_iter(_payload_source(part.source))]
    return b"".join(chunks), part.filename, part.content_type


async def _as_iter(source: Any) -> AsyncIterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    async for chunk in source:
        yield bytes(chunk)
