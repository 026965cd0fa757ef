"""The keywords of ``th.videos.create`` and ``.remix``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import Required

from ...transport._multipart import FileInput
from ...transport._options import RequestOptionsParams

__all__ = ["VideoCreateParams", "VideoRemixParams"]


class VideoCreateParams(RequestOptionsParams, total=False):
    """Fields of a video task submission plus ``endpoint`` and the per-call options."""

    model: Required[str]
    prompt: str | None
    seconds: str | int | None
    duration: int | None
    size: str | None
    image: str | None
    images: list[str] | None
    input_reference: FileInput | None
    metadata: Mapping[str, Any] | None
    #: the submit path, for gateways that serve it elsewhere
    endpoint: str | None


class VideoRemixParams(RequestOptionsParams, total=False):
    """Fields of ``POST /v1/videos/{id}/remix`` plus the per-call options."""

    prompt: Required[str]
