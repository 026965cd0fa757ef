"""One normalised image result, whatever shape the vendor answered in.

Shapes read: OpenAI/Seedream/flat-Qwen ``data[]`` (``url`` or ``b64_json``), Gemini
``candidates[].content.parts[].inlineData`` (either casing), DashScope
``output.choices[].message.content[]`` and TokenHot's Wan ``output[].content[]`` (image items or
URLs inside text).
"""

from __future__ import annotations

import base64
import binascii
import builtins
import mimetypes
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

import pydantic

from ..._exceptions import ResponseValidationError
from ..._models import APIModel
from ..._pricing import Costed
from ...transport._download import open_url, save_response, target_path, write_bytes_atomically

if TYPE_CHECKING:
    from ...transport import Transport

__all__ = ["Image", "ImagesResponse", "parse_images", "sniff_mime"]

_URL = re.compile(r"https?://[^\s)\"'<>\]]+")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)
_FORMAT_MIME = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "webp": "image/webp"}


class Image(APIModel):
    """One generated image: a ``url`` to fetch, or inline ``bytes``."""

    url: str | None = None
    b64_json: str | None = pydantic.Field(default=None, repr=False)
    mime_type: str | None = None
    revised_prompt: str | None = None

    _transport: Transport | None = pydantic.PrivateAttr(default=None)
    _decoded: builtins.bytes | None = pydantic.PrivateAttr(default=None)

    @property
    def bytes(self) -> builtins.bytes | None:
        """The decoded image when the answer carried it inline (``b64_json`` / Gemini parts)."""
        if self._decoded is None and self.b64_json:
            try:
                self._decoded = base64.b64decode(self.b64_json, validate=False)
            except (binascii.Error, ValueError):
                raise ResponseValidationError("an image's base64 data is malformed") from None
        return self._decoded

    async def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the image to ``path`` (atomically), downloading the URL first if needed."""
        dest = target_path(path)
        data = self.bytes
        if data is not None:
            await write_bytes_atomically(data, dest)
            return dest
        if not self.url:
            raise ResponseValidationError("this image has neither inline data nor a URL")
        if self.url.startswith("data:"):
            await write_bytes_atomically(_data_url_bytes(self.url), dest)
            return dest
        if self._transport is None:
            raise ResponseValidationError("this image is not bound to a client; cannot download it")
        resp = await open_url(self._transport, self.url)
        await save_response(resp, dest)
        return dest


class ImagesResponse(Costed, APIModel):
    """The images of one generation or edit, plus whatever the vendor said alongside.

    ``cost``: USD from the client's price table (``ModelPrice.per_image`` × the images returned;
    a Gemini image model with token prices: its tokens), None when unknown.
    """

    created: int | None = None
    data: list[Image] = pydantic.Field(default_factory=list)
    #: text the model returned with the images (Gemini, Wan)
    text: str | None = None
    usage: dict[str, Any] | None = None
    #: the body exactly as the gateway sent it
    raw: dict[str, Any] = pydantic.Field(default_factory=dict, repr=False)

    @property
    def images(self) -> list[Image]:
        return self.data


def _data_url_bytes(url: str) -> builtins.bytes:
    """The payload of a ``data:`` URL (RFC 2397); malformed → ResponseValidationError."""
    header, comma, payload = url.partition(",")
    if not comma:
        raise ResponseValidationError("an image's data: URL has no ',' before its data")
    if not header.endswith(";base64"):
        return unquote_to_bytes(payload)
    try:
        return base64.b64decode(b"".join(unquote_to_bytes(payload).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ResponseValidationError("an image's data: URL holds malformed base64") from None


def sniff_mime(data: builtins.bytes) -> str | None:
    """The image type from its first bytes."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            if mime == "image/webp" and data[8:12] != b"WEBP":
                continue
            return mime
    return None


def parse_images(
    body: Any, *, transport: Transport | None, output_format: str | None = None
) -> ImagesResponse:
    """Normalise any known image answer into :class:`ImagesResponse`."""
    if not isinstance(body, dict):
        raise ResponseValidationError("an image answer must be a JSON object", body=body)
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    if isinstance(body.get("data"), list):
        items = [d for d in body["data"] if isinstance(d, dict)]
    elif isinstance(body.get("candidates"), list):
        _from_gemini(body["candidates"], items, texts)
    elif "output" in body:
        _from_dashscope(body["output"], items, texts)
    hint = _FORMAT_MIME.get((output_format or "").lower())
    images = []
    for item in items:
        image = Image.model_validate(item)
        if image.mime_type is None:
            image.mime_type = _guess_mime(image, hint)
        image._transport = transport
        images.append(image)
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else body.get("usageMetadata")
    created = body.get("created")
    return ImagesResponse(
        created=created if isinstance(created, int) else None,
        data=images,
        text="".join(texts) or None,
        usage=usage if isinstance(usage, dict) else None,
        raw=body,
    )


def _guess_mime(image: Image, hint: str | None) -> str | None:
    if image.b64_json:
        return sniff_mime(image.bytes or b"") or hint
    if image.url and not image.url.startswith("data:"):
        guessed = mimetypes.guess_type(image.url.split("?", 1)[0])[0]
        return guessed if guessed and guessed.startswith("image/") else hint
    if image.url:
        return image.url[5:].split(";", 1)[0].split(",", 1)[0] or hint
    return hint


def _from_gemini(candidates: list[Any], items: list[dict[str, Any]], texts: list[str]) -> None:
    for cand in candidates:
        content = cand.get("content") if isinstance(cand, dict) else None
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts or ():
            if not isinstance(part, dict) or part.get("thought"):
                continue
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict):
                mime = inline.get("mimeType") or inline.get("mime_type")
                data = inline.get("data")
                if isinstance(data, str) and data.startswith(("http://", "https://")):
                    items.append({"url": data, "mime_type": mime})
                elif isinstance(data, str):
                    items.append({"b64_json": data, "mime_type": mime})
                continue
            file_data = part.get("fileData") or part.get("file_data")
            if isinstance(file_data, dict):
                uri = file_data.get("fileUri") or file_data.get("file_uri")
                items.append({"url": uri, "mime_type": file_data.get("mimeType")
                              or file_data.get("mime_type")})
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])


def _from_dashscope(output: Any, items: list[dict[str, Any]], texts: list[str]) -> None:
    """DashScope ``output.choices[].message.content[]``, ``output.results[]`` or Wan ``output[]``."""
    contents: list[Any] = []
    if isinstance(output, dict):
        for choice in output.get("choices") or ():
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict):
                contents.extend(_as_list(message.get("content")))
        for result in output.get("results") or ():
            if isinstance(result, dict) and isinstance(result.get("url"), str):
                items.append({"url": result["url"]})
    elif isinstance(output, list):
        for entry in output:
            if isinstance(entry, dict):
                contents.extend(_as_list(entry.get("content")))
    for part in contents:
        if not isinstance(part, dict):
            continue
        image = part.get("image") or part.get("image_url") or part.get("url")
        if isinstance(image, dict):
            image = image.get("url")
        if isinstance(image, str):
            items.append({"url": image})
        elif isinstance(part.get("text"), str):
            text = part["text"]
            urls = _URL.findall(text)
            items.extend({"url": u.rstrip(".,;") } for u in urls)
            texts.append(text)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
