"""Where each protocol takes media, and the form a local file takes there.

Each converter gets one part / block / item as the caller wrote it and returns it unchanged
when it holds no local source, or a copy whose local sources are :class:`Pending` placeholders
rendered in the protocol's own form once read:

====================  =================================================  =====================
protocol              where                                              becomes
====================  =================================================  =====================
Chat Completions      ``image_url.url``, ``input_audio.data``,           ``data:`` URL, base64,
                      ``file.file_data``                                 ``data:`` URL
Responses             ``input_image.image_url``, ``input_file.file_data``  ``data:`` URL
Anthropic Messages    ``image`` / ``document`` ``source``                base64 source object
Gemini                ``inlineData.data``, ``fileData.fileUri``          ``inlineData``
images, videos        ``image`` / ``images`` / frames / references       ``data:`` URL
====================  =================================================  =====================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._media import LIMITS, MIB, Media, Pending, has_pending, is_local, resolve_media

if TYPE_CHECKING:
    from .._client import AsyncTokenHot
    from ..unified import UnifiedStream

__all__ = [
    "anthropic_block",
    "chat_messages",
    "chat_part",
    "data_url_value",
    "gemini_part",
    "responses_input",
    "unified_stream_with_media",
]

#: Anthropic's own per-image limit
ANTHROPIC_IMAGE_LIMIT = 5 * MIB
#: Gemini's limit for a whole inline request
GEMINI_INLINE_LIMIT = 20 * MIB


def _data_url(media: Media) -> str:
    return media.data_url()


def data_url_value(value: Any, where: str, kinds: tuple[str, ...] = ("image",)) -> Any:
    """A URL string as is; a local source as a placeholder for its ``data:`` URL."""
    if is_local(value):
        return Pending(value, _data_url, where=where, kinds=kinds)
    return value


# -- Chat Completions ----------------------------------------------------------------------------


_FILE_KINDS = ("document", "image", "audio")


def _file_object(given: Mapping[str, Any], key: str) -> Any:
    """Render a file object: the data URL under ``key``, a file name when none was given."""
    rest = {k: v for k, v in given.items() if k != key}

    def render(media: Media) -> dict[str, Any]:
        return {**rest, key: media.data_url(), "filename": rest.get("filename") or media.filename}

    return render


def chat_part(part: Any, where: str) -> Any:
    """One chat content part with local files as placeholders (a copy when it changed)."""
    if not isinstance(part, Mapping):
        return part
    kind = part.get("type")
    if kind == "image_url":
        image = part.get("image_url")
        if is_local(image):
            return {**part, "image_url": {"url": data_url_value(image, where)}}
        if isinstance(image, Mapping) and is_local(image.get("url")):
            return {**part, "image_url": {**image, "url": data_url_value(image["url"], where)}}
    elif kind == "input_audio":
        audio = part.get("input_audio")
        if isinstance(audio, Mapping) and is_local(audio.get("data")):
            rest = {k: v for k, v in audio.items() if k != "data"}

            def audio_object(media: Media) -> dict[str, Any]:
                return {**rest, "data": media.base64(), "format": rest.get("format") or media.extension}

            return {**part, "input_audio": Pending(audio["data"], audio_object, where=where,
                                                   kinds=("audio",))}
    elif kind == "file":
        file = part.get("file")
        if isinstance(file, Mapping) and is_local(file.get("file_data")):
            return {**part, "file": Pending(file["file_data"], _file_object(file, "file_data"),
                                            where=where, kinds=_FILE_KINDS)}
    return part


def chat_messages(messages: Any) -> Any:
    """Messages (chat shape) with local files as placeholders; the same list when there are none."""
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)):
        return messages
    return map_contents(messages, chat_part, "messages")


def map_contents(items: Sequence[Any], convert: Callable[[Any, str], Any], where: str) -> Any:
    """``items`` (messages or input items) with each one's ``content`` list run through
    ``convert(part, "<where>[i].content[j]")``.

    Copy on change: a changed item is a new dict in a new list; when no part changed, ``items``
    itself is returned.
    """
    out: list[Any] | None = None
    for i, item in enumerate(items):
        content = item.get("content") if isinstance(item, Mapping) else None
        if not isinstance(content, list):
            continue
        parts = [convert(part, f"{where}[{i}].content[{j}]") for j, part in enumerate(content)]
        if any(a is not b for a, b in zip(parts, content, strict=True)):
            if out is None:
                out = list(items)
            out[i] = {**item, "content": parts}
    return items if out is None else out


# -- Responses -----------------------------------------------------------------------------------


def _responses_part(part: Any, where: str) -> Any:
    if not isinstance(part, Mapping):
        return part
    kind = part.get("type")
    if kind == "input_image" and is_local(part.get("image_url")):
        return {**part, "image_url": data_url_value(part["image_url"], where)}
    if kind == "input_file" and is_local(part.get("file_data")):
        return Pending(part["file_data"], _file_object(part, "file_data"), where=where,
                       kinds=_FILE_KINDS)
    if kind == "image_url":  # a chat-style part given to Responses
        return chat_part(part, where)
    return part


def responses_input(items: Any) -> Any:
    """Responses ``input`` items with local files as placeholders."""
    if not isinstance(items, list):
        return items
    return map_contents(items, _responses_part, "input")


# -- Anthropic Messages --------------------------------------------------------------------------


def _anthropic_source(media: Media) -> dict[str, Any]:
    if media.mime_type.startswith("text/"):
        text = media.data.decode("utf-8", errors="replace")
        return {"type": "text", "media_type": "text/plain", "data": text}
    return {"type": "base64", "media_type": media.mime_type, "data": media.base64()}


def anthropic_block(block: Any, where: str) -> Any:
    """An ``image`` / ``document`` block whose source is a local file → base64 source."""
    if not isinstance(block, Mapping) or block.get("type") not in ("image", "document"):
        return block
    source = block.get("source")
    local = source if is_local(source) else None
    mime = None
    if isinstance(source, Mapping):
        for key in ("data", "url"):
            if is_local(source.get(key)):
                local = source[key]
                mime = source.get("media_type")
    if local is None:
        return block
    if block["type"] == "image":
        kinds: tuple[str, ...] = ("image",)
        limit = ANTHROPIC_IMAGE_LIMIT
    else:
        kinds, limit = ("document",), LIMITS["document"]
    return {**block, "source": Pending(local, _anthropic_source, where=where, kinds=kinds,
                                       limit=limit, mime_type=mime)}


def anthropic_messages(messages: list[Any]) -> list[Any]:
    """Checked Anthropic messages with local files as placeholders (copies where changed)."""
    converted: list[Any] = map_contents(messages, anthropic_block, "messages")
    return converted


# -- Gemini --------------------------------------------------------------------------------------


def _inline(media: Media) -> dict[str, Any]:
    return {"mimeType": media.mime_type, "data": media.base64()}


_GEMINI_KINDS = ("image", "audio", "video", "document")


def gemini_part(part: Any, where: str) -> Any:
    """A part (camelCase keys) whose ``inlineData.data`` or ``fileData.fileUri`` is local."""
    if not isinstance(part, dict):
        return part
    inline = part.get("inlineData")
    if isinstance(inline, Mapping) and is_local(inline.get("data")):
        return {**part, "inlineData": Pending(inline["data"], _inline, where=where,
                                              kinds=_GEMINI_KINDS, limit=GEMINI_INLINE_LIMIT,
                                              mime_type=inline.get("mimeType"))}
    file_data = part.get("fileData")
    if isinstance(file_data, Mapping) and is_local(file_data.get("fileUri")):
        rest = {k: v for k, v in part.items() if k != "fileData"}
        return {**rest, "inlineData": Pending(file_data["fileUri"], _inline, where=where,
                                              kinds=_GEMINI_KINDS, limit=GEMINI_INLINE_LIMIT,
                                              mime_type=file_data.get("mimeType"))}
    return part


def gemini_contents(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checked Gemini contents with local files as placeholders (changed in place: they are
    the builder's own camelCase copies)."""
    for i, content in enumerate(contents):
        parts = content.get("parts")
        if isinstance(parts, list):
            for j, part in enumerate(parts):
                parts[j] = gemini_part(part, f"contents[{i}].parts[{j}]")
    return contents


# -- the unified stream --------------------------------------------------------------------------

_STAND_IN = Media(b"\0", "application/octet-stream", "file")


def unified_stream_with_media(
    client: AsyncTokenHot, kwargs: Mapping[str, Any], messages: list[Any]
) -> UnifiedStream:
    """``th.stream`` over messages holding local files.

    The arguments are checked now with stand-in media; the files are read (off the loop) and
    the native request built from them when the stream opens.
    """
    stand_in = _copy_with_stand_ins(messages)
    stream: UnifiedStream = client.stream(**{**kwargs, "messages": stand_in})

    async def open_with_media() -> Any:
        await resolve_media(messages)
        real = client.stream(**{**kwargs, "messages": messages})
        return await real._opener()

    stream._opener = open_with_media
    return stream


def _copy_with_stand_ins(value: Any) -> Any:
    if isinstance(value, Pending):
        return value.render(_STAND_IN)
    if isinstance(value, dict) and has_pending(value):
        return {k: _copy_with_stand_ins(v) for k, v in value.items()}
    if isinstance(value, list) and has_pending(value):
        return [_copy_with_stand_ins(v) for v in value]
    return value
