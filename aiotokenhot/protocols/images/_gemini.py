"""Gemini image models over ``generateContent``: a small body builder of our own.

Kept apart from ``th.gemini`` on purpose: image generation needs only the prompt, inline
input images and ``generationConfig.imageConfig``, and the answer is read by
:func:`parse_images`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from ..._exceptions import InvalidRequestError

__all__ = ["generate_content_path", "image_request", "is_gemini_image_model"]

_IMAGE_SIZES = frozenset({"1K", "2K", "4K"})


def is_gemini_image_model(model: str) -> bool:
    """``gemini-2.5-flash-image``, ``gemini-3-pro-image-preview``... answer on generateContent."""
    lowered = model.lower()
    return lowered.startswith(("gemini", "models/gemini")) and "image" in lowered


def generate_content_path(model: str) -> str:
    name = model.removeprefix("models/")
    if not name or "/" in name or ":" in name:
        raise InvalidRequestError(f"invalid Gemini model name: {model!r}")
    return f"/v1beta/models/{name}:generateContent"


def image_request(
    prompt: str,
    *,
    images: Sequence[tuple[bytes, str]] = (),
    size: str | None = None,
    aspect_ratio: str | None = None,
    modalities: list[str] | None = None,
) -> dict[str, Any]:
    """The generateContent body: text prompt, input images inline, image config."""
    parts: list[dict[str, Any]] = [{"text": prompt}]
    for data, mime in images:
        parts.append({"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}})
    image_config: dict[str, str] = {}
    if size:
        if ":" in size:
            image_config["aspectRatio"] = size
        elif size.upper() in _IMAGE_SIZES:
            image_config["imageSize"] = size.upper()
        else:
            raise InvalidRequestError(
                "for Gemini image models size is an aspect ratio ('16:9') or 1K/2K/4K"
            )
    if aspect_ratio:
        image_config["aspectRatio"] = aspect_ratio
    config: dict[str, Any] = {"responseModalities": modalities or ["TEXT", "IMAGE"]}
    if image_config:
        config["imageConfig"] = image_config
    return {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
