"""The keywords of ``th.images.generate`` and ``.edit``."""

from __future__ import annotations

from typing_extensions import Required

from ..._media import MediaSource
from ...transport._multipart import FileInput
from ...transport._options import RequestOptionsParams

__all__ = ["ImageEditParams", "ImageGenerateParams"]


class _ImageParams(RequestOptionsParams, total=False):
    model: Required[str]
    n: int | None
    size: str | None
    quality: str | None
    background: str | None
    output_format: str | None
    output_compression: int | None
    response_format: str | None
    user: str | None


class ImageGenerateParams(_ImageParams, total=False):
    """Fields of ``POST /v1/images/generations`` plus the per-call options."""

    prompt: str | None
    style: str | None
    moderation: str | None
    #: reference image URLs, or local files (a ``Path``, bytes, a binary file) sent as data URLs
    image: MediaSource | list[MediaSource] | None
    seed: int | None


class ImageEditParams(_ImageParams, total=False):
    """Fields of ``POST /v1/images/edits`` (multipart) plus the per-call options."""

    image: Required[FileInput | list[FileInput]]
    prompt: Required[str]
    mask: FileInput | None
    input_fidelity: str | None
