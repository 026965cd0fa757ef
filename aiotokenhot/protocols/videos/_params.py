"""The keywords of ``th.videos.create`` and ``.remix``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from typing_extensions import Required

from ..._media import MediaSource
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
    #: media inputs: URLs or local files (``Path``, bytes, a binary file), in each family's shape
    first_frame: MediaSource | None
    last_frame: MediaSource | None
    reference_images: Sequence[MediaSource] | None
    reference_videos: Sequence[MediaSource] | None
    audio: MediaSource | None
    image: MediaSource | None
    images: list[MediaSource] | None
    input_reference: FileInput | None
    metadata: Mapping[str, Any] | None
    #: ``"dashscope"`` writes HappyHorse media as DashScope ``input.media[]``
    body_style: Literal["gateway", "dashscope"]
    #: the submit path, for gateways that serve it elsewhere
    endpoint: str | None


class VideoRemixParams(RequestOptionsParams, total=False):
    """Fields of ``POST /v1/videos/{id}/remix`` plus the per-call options."""

    prompt: Required[str]
