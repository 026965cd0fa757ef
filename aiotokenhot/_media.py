"""Local files as request media: a path, bytes or an open binary file → what the wire wants.

Wherever a request takes a URL for an image, audio, video or document, a local source may be
given instead. Protocol body builders put a :class:`Pending` placeholder where the value goes
(see ``protocols/_media.py``); :func:`resolve_media` then reads every placeholder's file on a
worker thread (the event loop never waits on the disk), checks its type and size, and swaps in
the rendered value (a ``data:`` URL, base64 text, an ``inlineData`` object...). Multipart
endpoints use :func:`prepare_upload`, which sniffs the type from the first bytes and leaves
the body to be streamed.

The type is sniffed from the content; the file name's suffix is only a fallback for formats
without a signature (plain text, CSV, JSON). A file that is missing, unreadable, of a type the
endpoint does not take or over its size limit raises :class:`InvalidRequestError` naming the
file, before anything is sent.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union

from ._exceptions import InvalidRequestError

__all__ = [
    "KIB",
    "LIMITS",
    "LocalSource",
    "Media",
    "MediaSource",
    "Pending",
    "UploadPart",
    "defer_media",
    "has_pending",
    "is_local",
    "load_media",
    "prepare_upload",
    "resolve_media",
    "resolve_media_sync",
    "sniff_mime",
    "to_data_url",
]

KIB = 1024
MIB = 1024 * KIB
#: default size limits per kind of media (the vendors' documented upload limits)
LIMITS: dict[str, int] = {
    "image": 20 * MIB,
    "audio": 25 * MIB,
    "video": 50 * MIB,
    "document": 32 * MIB,
    "file": 50 * MIB,
}

#: a local file: a path, raw bytes, or an open binary file
LocalSource = Union["os.PathLike[str]", bytes, bytearray, memoryview, io.IOBase]
#: what media arguments accept: a URL (or ``data:`` URL) string, or a local source
MediaSource = Union[str, LocalSource]  # noqa: UP007

# (offset, signature, MIME type); checked in order, the first match wins
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"BM", "image/bmp"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"#!AMR", "audio/amr"),
    (0, b"\x1aE\xdf\xa3", "video/webm"),
)
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}
_FTYP = {b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif",
         b"avif": "image/avif", b"M4A ": "audio/mp4", b"M4B ": "audio/mp4",
         b"qt  ": "video/quicktime"}
_KIND_PREFIXES = {"image": ("image/",), "audio": ("audio/",), "video": ("video/",),
                  "document": ("application/pdf", "text/"), "file": ("",)}
_HEAD = 64
_OCTETS = "application/octet-stream"


def sniff_mime(head: bytes) -> str | None:
    """The MIME type told by a file's first bytes (a few dozen are enough), or None."""
    for offset, signature, mime in _SIGNATURES:
        if head.startswith(signature, offset):
            if mime == "video/webm" and b"webm" not in head[:_HEAD]:
                return "video/x-matroska"
            return mime
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[4:8] == b"ftyp":
        return _FTYP.get(head[8:12], "video/mp4")
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # ADTS frame header
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # MPEG audio frame sync
    return None


def is_local(value: Any) -> bool:
    """True for a path object, bytes or an open file; strings are URLs and stay as given."""
    return isinstance(value, (os.PathLike, bytes, bytearray, memoryview, io.IOBase))


@dataclass(frozen=True)
class Media:
    """A local file read and checked: its bytes, MIME type and a file name to send it under."""

    data: bytes
    mime_type: str
    filename: str

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")

    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.base64()}"

    @property
    def extension(self) -> str:
        """``png``, ``wav``, ``mp3``... (the subtype of the MIME type, as vendors name formats)."""
        sub = self.mime_type.split("/", 1)[-1].split(";", 1)[0]
        return {"mpeg": "mp3", "jpeg": "jpeg", "x-wav": "wav", "mp4": "mp4"}.get(sub, sub)


def _label(source: Any, name: str | None) -> str:
    if isinstance(source, os.PathLike):
        return str(os.fspath(source))
    return name or f"<{type(source).__name__}>"


def _check_type(mime: str, kinds: tuple[str, ...], where: str, label: str) -> None:
    prefixes = tuple(p for kind in kinds for p in _KIND_PREFIXES[kind])
    if not mime.startswith(prefixes):
        wanted = " or ".join(kinds)
        raise InvalidRequestError(f"{where}: {label} is {mime}, but this takes {wanted}")


def _mime_for(head: bytes, name: str | None, given: str | None, where: str, label: str,
              unknown: str | None = None) -> str:
    """The sniffed type (suffix as fallback); ``unknown`` (if given) when neither tells."""
    if given:
        return given
    mime = sniff_mime(head)
    if mime is None and name:
        mime = mimetypes.guess_type(name)[0]
    if mime is None and unknown is not None:
        return unknown
    if mime is None:
        raise InvalidRequestError(
            f"{where}: cannot tell the type of {label} from its content or name; pass its MIME type"
        )
    return mime


def _too_big(where: str, label: str, size: int, limit: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"{where}: {label} is {size:,} bytes, over this endpoint's limit of {limit:,} bytes"
    )


def _read(source: LocalSource, where: str, limit: int) -> tuple[bytes, str | None]:
    """The whole content (at most ``limit`` bytes) and a file name if the source has one."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > limit:
            raise _too_big(where, f"<{type(source).__name__}>", len(data), limit)
        return data, None
    if isinstance(source, os.PathLike):
        path = Path(os.fspath(source))
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise InvalidRequestError(f"{where}: {path} is not a regular file")
            if size > limit:
                raise _too_big(where, str(path), size, limit)
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise InvalidRequestError(f"{where}: no such file: {path}") from None
        except OSError as exc:
            raise InvalidRequestError(f"{where}: cannot read {path}: {exc.strerror or exc}") from None
        if len(data) > limit:
            raise _too_big(where, str(path), len(data), limit)
        return data, path.name
    if isinstance(source, io.TextIOBase):
        raise InvalidRequestError(f"{where}: open the file in binary mode ('rb')")
    name = getattr(source, "name", None)
    label = os.path.basename(name) if isinstance(name, str) and name else None
    try:
        data = source.read(limit + 1)
    except OSError as exc:
        raise InvalidRequestError(f"{where}: cannot read {label or 'the file'}: {exc}") from None
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidRequestError(f"{where}: open the file in binary mode ('rb')")
    if len(data) > limit:
        raise _too_big(where, label or "the file", len(data), limit)
    return bytes(data), label


def load_media_sync(
    source: LocalSource,
    *,
    where: str = "file",
    kinds: tuple[str, ...] = ("file",),
    limit: int | None = None,
    mime_type: str | None = None,
) -> Media:
    """Read and check a local source now (blocking: call it on a worker thread)."""
    cap = limit if limit is not None else max(LIMITS[k] for k in kinds)
    data, name = _read(source, where, cap)
    label = _label(source, name)
    if not data:
        raise InvalidRequestError(f"{where}: {label} is empty")
    mime = _mime_for(data[:_HEAD], name, mime_type, where, label)
    _check_type(mime, kinds, where, label)
    ext = mimetypes.guess_extension(mime.split(";", 1)[0]) or ""
    return Media(data, mime, name or f"{kinds[0]}{ext}")


async def load_media(
    source: LocalSource,
    *,
    where: str = "file",
    kinds: tuple[str, ...] = ("file",),
    limit: int | None = None,
    mime_type: str | None = None,
) -> Media:
    """:func:`load_media_sync` on a worker thread."""
    return await _in_thread(
        lambda: load_media_sync(source, where=where, kinds=kinds, limit=limit, mime_type=mime_type)
    )


ResultT = TypeVar("ResultT")


async def _in_thread(func: Callable[..., ResultT], *args: Any) -> ResultT:
    """``func(*args)`` on a worker thread. anyio's thread pool loads on the first local file, so
    a request without one never imports it."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(func, *args)


_ALIVE_LOCK = threading.Lock()


@dataclass(eq=False, repr=False, slots=True)
class Pending:
    """A local source waiting in a request body; :func:`resolve_media` swaps in ``render(media)``.

    ``Pending.alive`` counts the placeholders that exist: while it is 0 no body can hold one,
    so requests without local files skip the search (the common case, on every call).
    """

    source: LocalSource
    render: Callable[[Media], Any]
    _: KW_ONLY
    where: str
    kinds: tuple[str, ...]
    limit: int | None = None
    mime_type: str | None = None
    alive: ClassVar[int] = 0

    def __post_init__(self) -> None:
        with _ALIVE_LOCK:
            Pending.alive += 1

    def __del__(self) -> None:
        with _ALIVE_LOCK:  # the last reference may go on a worker thread
            Pending.alive -= 1

    def load(self) -> Any:
        """Read, check and render (blocking)."""
        media = load_media_sync(self.source, where=self.where, kinds=self.kinds, limit=self.limit,
                                mime_type=self.mime_type)
        return self.render(media)

    def __repr__(self) -> str:
        return f"Pending({_label(self.source, None)!r} for {self.where})"


def _slots(value: Any) -> Iterator[tuple[Any, Any, Pending]]:
    """(container, key, placeholder) for every placeholder inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Pending):
                yield value, key, item
            elif isinstance(item, (dict, list)):
                yield from _slots(item)
    elif isinstance(value, list):
        for key, item in enumerate(value):
            if isinstance(item, Pending):
                yield value, key, item
            elif isinstance(item, (dict, list)):
                yield from _slots(item)


def has_pending(body: Any) -> bool:
    """True when ``body`` holds a placeholder (checked on every request: cheap when none exist)."""
    if not Pending.alive:
        return False
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            items: Any = value.values()
        elif isinstance(value, list):
            items = value
        else:
            continue
        for item in items:
            cls = item.__class__
            if cls is str:
                continue
            if cls is Pending:
                return True
            if isinstance(item, (dict, list)):
                stack.append(item)
    return False


def _load_all(slots: list[tuple[Any, Any, Pending]]) -> list[Any]:
    return [pending.load() for _, _, pending in slots]


async def resolve_media(body: Any) -> Any:
    """Read every local file in ``body`` on a worker thread and put its rendered value in place.

    Returns ``body`` (changed in place). Raises :class:`InvalidRequestError` for a bad file.
    """
    if not has_pending(body):
        return body
    slots = list(_slots(body))
    if slots:
        values = await _in_thread(_load_all, slots)
        for (container, key, _), value in zip(slots, values, strict=True):
            container[key] = value
    return body


def resolve_media_sync(body: Any) -> Any:
    """:func:`resolve_media` without a worker thread (for code that is not async)."""
    slots = list(_slots(body))
    for (container, key, _), value in zip(slots, _load_all(slots), strict=True):
        container[key] = value
    return body


StreamT = TypeVar("StreamT")


def defer_media(stream: StreamT, body: Any) -> StreamT:
    """Make a not-yet-opened stream read ``body``'s local files (off the loop) before it connects."""
    if has_pending(body):
        opener = stream._opener  # type: ignore[attr-defined]

        async def open_with_media() -> Any:
            await resolve_media(body)
            return await opener()

        stream._opener = open_with_media  # type: ignore[attr-defined]
    return stream


def to_data_url(source: MediaSource, mime_type: str | None = None) -> str:
    """A ``data:<type>;base64,...`` URL for a path (``str`` or ``Path``), bytes or binary file.

    The type is sniffed from the content (the file name's suffix is a fallback), unless
    ``mime_type`` is given. A ``data:`` URL comes back unchanged. Reads the file now: from
    async code, prefer passing the ``Path`` itself to the SDK, which reads it off the loop.

    Raises:
        InvalidRequestError: the file is missing, unreadable, empty or of unknown type.
    """
    if isinstance(source, str):
        if source.startswith("data:"):
            return source
        if source.startswith(("http://", "https://")):
            raise InvalidRequestError("to_data_url takes a local file, not a web URL")
        source = Path(source)
    if not is_local(source):
        raise InvalidRequestError(
            f"to_data_url takes a path, bytes or a binary file, not {type(source).__name__}"
        )
    return load_media_sync(source, where="to_data_url", mime_type=mime_type).data_url()


@dataclass(frozen=True)
class UploadPart:
    """A checked local file for a multipart field: streamed from disk when it is a path."""

    filename: str
    content: Any
    mime_type: str

    def as_file_input(self) -> tuple[str, Any, str]:
        return (self.filename, self.content, self.mime_type)


def _prepare_upload_sync(source: LocalSource, where: str, kinds: tuple[str, ...],
                         limit: int | None) -> UploadPart:
    cap = limit if limit is not None else max(LIMITS[k] for k in kinds)
    if isinstance(source, os.PathLike):
        path = Path(os.fspath(source))
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise InvalidRequestError(f"{where}: {path} is not a regular file")
            with path.open("rb") as handle:
                head = handle.read(_HEAD)
        except FileNotFoundError:
            raise InvalidRequestError(f"{where}: no such file: {path}") from None
        except OSError as exc:
            raise InvalidRequestError(f"{where}: cannot read {path}: {exc.strerror or exc}") from None
        if size > cap:
            raise _too_big(where, str(path), size, cap)
        if not head:
            raise InvalidRequestError(f"{where}: {path} is empty")
        mime = _mime_for(head, path.name, None, where, str(path), _OCTETS)
        if mime != _OCTETS:
            _check_type(mime, kinds, where, str(path))
        return UploadPart(path.name, path, mime)
    if isinstance(source, io.IOBase) and not isinstance(source, io.TextIOBase):
        return _peek_upload(source, where, kinds)
    data, name = _read(source, where, cap)
    label = _label(source, name)
    if not data:
        raise InvalidRequestError(f"{where}: {label} is empty")
    # the endpoint reads the upload itself: an unidentified type goes as octets
    mime = _mime_for(data[:_HEAD], name, None, where, label, _OCTETS)
    if mime != _OCTETS:
        _check_type(mime, kinds, where, label)
    return UploadPart(name or where, data, mime)


def _peek_upload(handle: io.IOBase, where: str, kinds: tuple[str, ...]) -> UploadPart:
    """An open file stays streamed from where it stands; its type is read from a peek."""
    name = getattr(handle, "name", None)
    label = os.path.basename(name) if isinstance(name, str) and name else None
    mime = _OCTETS
    if handle.seekable():
        start = handle.tell()
        head = handle.read(_HEAD)
        handle.seek(start)
        mime = _mime_for(head, label, None, where, label or "the file", _OCTETS)
        if mime != _OCTETS:
            _check_type(mime, kinds, where, label or "the file")
    return UploadPart(label or where, handle, mime)


async def prepare_upload(
    source: Any, *, where: str, kinds: tuple[str, ...], limit: int | None = None
) -> Any:
    """A multipart file input with its sniffed type: paths stay streamed, other local sources
    are read (off the loop). Anything else (a ``(filename, content)`` tuple, an async file)
    is returned unchanged for the multipart builder."""
    if not is_local(source):
        return source
    part = await _in_thread(_prepare_upload_sync, source, where, kinds, limit)
    return part.as_file_input()
