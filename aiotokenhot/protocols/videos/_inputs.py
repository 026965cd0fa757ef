"""Typed video inputs (first/last frame, references, audio) in each family's wire shape.

===========  ===========================================================================
family       where the inputs go
===========  ===========================================================================
Sora         one ``input_reference``: a multipart file, or ``{"image_url": url}`` in JSON
Seedance     ``metadata.content[]`` items with their roles (``first_frame``, ``last_frame``,
             ``reference_image``, ``reference_video``, ``reference_audio``)
Hailuo       ``metadata.first_frame_image`` / ``metadata.last_frame_image``
HappyHorse   generic ``images`` / ``videos`` (default), or DashScope ``input.media[]`` items
             with ``body_style="dashscope"``
others       ``image`` (first frame) and ``images`` (references)
===========  ===========================================================================

URLs are sent as given; local files (a ``Path``, bytes, a binary file) become ``data:`` URLs.
A combination the family cannot take raises :class:`InvalidRequestError` before sending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._exceptions import InvalidRequestError
from ..._media import MediaSource, is_local
from .._media import data_url_value

__all__ = ["VideoInputs", "build_task_body", "sora_reference", "video_family"]


@dataclass
class VideoInputs:
    """The media a caller gave ``videos.create``."""

    first_frame: MediaSource | None = None
    last_frame: MediaSource | None = None
    reference_images: list[MediaSource] = field(default_factory=list)
    reference_videos: list[MediaSource] = field(default_factory=list)
    audio: MediaSource | None = None

    def given(self) -> list[str]:
        names = ("first_frame", "last_frame", "reference_images", "reference_videos", "audio")
        return [n for n in names if getattr(self, n) not in (None, [])]

    def only(self, family: str, allowed: Sequence[str]) -> None:
        extra = [n for n in self.given() if n not in allowed]
        if extra:
            takes = ", ".join(allowed) if allowed else "no media inputs"
            raise InvalidRequestError(
                f"{family} models cannot take {', '.join(extra)} (they take {takes}); "
                "vendor-specific inputs go in metadata or extra_body"
            )


def video_family(model: str) -> str:
    """``sora``, ``seedance``, ``hailuo``, ``happyhorse`` or ``generic``, from the model name."""
    name = model.lower()
    for family, marks in (("sora", ("sora",)), ("seedance", ("seedance",)),
                          ("hailuo", ("hailuo", "minimax")), ("happyhorse", ("happyhorse",))):
        if any(mark in name for mark in marks):
            return family
    return "generic"


def _url(value: MediaSource, where: str, kind: str) -> Any:
    if not isinstance(value, str) and not is_local(value):
        raise InvalidRequestError(f"{where} must be a URL, a path, bytes or a binary file")
    return data_url_value(value, where, (kind,))


def _seedance_items(inputs: VideoInputs) -> list[dict[str, Any]]:
    frames = inputs.first_frame is not None or inputs.last_frame is not None
    references = bool(inputs.reference_images or inputs.reference_videos or inputs.audio)
    if inputs.last_frame is not None and inputs.first_frame is None:
        raise InvalidRequestError("Seedance takes last_frame only together with first_frame")
    if frames and references:
        raise InvalidRequestError(
            "Seedance takes either frames (first_frame, last_frame) or references "
            "(reference_images, reference_videos, audio), not both"
        )
    if inputs.audio is not None and not (inputs.reference_images or inputs.reference_videos):
        raise InvalidRequestError("Seedance takes audio only beside reference images or videos")
    items: list[dict[str, Any]] = []

    def add(kind: str, value: MediaSource, role: str, where: str, media: str) -> None:
        items.append({"type": kind, kind: {"url": _url(value, where, media)}, "role": role})

    if inputs.first_frame is not None:
        add("image_url", inputs.first_frame, "first_frame", "first_frame", "image")
    if inputs.last_frame is not None:
        add("image_url", inputs.last_frame, "last_frame", "last_frame", "image")
    for i, image in enumerate(inputs.reference_images):
        add("image_url", image, "reference_image", f"reference_images[{i}]", "image")
    for i, video in enumerate(inputs.reference_videos):
        add("video_url", video, "reference_video", f"reference_videos[{i}]", "video")
    if inputs.audio is not None:
        add("audio_url", inputs.audio, "reference_audio", "audio", "audio")
    return items


def _happyhorse_check(model: str, inputs: VideoInputs) -> None:
    """What each HappyHorse variant takes (checked only when typed inputs are given)."""
    if not inputs.given():
        return
    name = model.lower()
    if name.endswith("-t2v"):
        inputs.only("HappyHorse text-to-video", ())
    elif name.endswith("-i2v"):
        inputs.only("HappyHorse image-to-video", ("first_frame",))
        if inputs.first_frame is None:
            raise InvalidRequestError(f"{model} needs a first_frame")
    elif name.endswith("-r2v"):
        inputs.only("HappyHorse reference-to-video", ("reference_images",))
        if not inputs.reference_images:
            raise InvalidRequestError(f"{model} needs reference_images")
    elif "video-edit" in name:
        inputs.only("HappyHorse video edit", ("reference_videos", "reference_images"))
        if len(inputs.reference_videos) != 1:
            raise InvalidRequestError(f"{model} needs exactly one video in reference_videos")
    else:
        inputs.only("HappyHorse", ("first_frame", "reference_images", "reference_videos"))


def _happyhorse_media(inputs: VideoInputs) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    if inputs.first_frame is not None:
        media.append({"type": "first_frame", "url": _url(inputs.first_frame, "first_frame", "image")})
    for i, video in enumerate(inputs.reference_videos):
        media.append({"type": "video", "url": _url(video, f"reference_videos[{i}]", "video")})
    for i, image in enumerate(inputs.reference_images):
        media.append({"type": "reference_image",
                      "url": _url(image, f"reference_images[{i}]", "image")})
    return media


def build_task_body(
    family: str,
    *,
    model: str,
    prompt: str | None,
    duration: int | None,
    seconds: str | None,
    size: str | None,
    image: MediaSource | None,
    images: Sequence[MediaSource] | None,
    metadata: Mapping[str, Any] | None,
    inputs: VideoInputs,
    body_style: str,
) -> dict[str, Any]:
    """The ``/v1/video/generations`` body for a non-Sora model (``None`` fields dropped)."""
    meta = dict(metadata or {})
    image_value = _url(image, "image", "image") if image is not None else None
    images_value = ([_url(v, f"images[{i}]", "image") for i, v in enumerate(images)]
                    if images is not None else None)
    videos_value: list[Any] | None = None
    if body_style not in ("gateway", "dashscope"):
        raise InvalidRequestError("body_style must be 'gateway' or 'dashscope'")
    if body_style == "dashscope" and family != "happyhorse":
        raise InvalidRequestError("body_style='dashscope' is for HappyHorse models")
    if family == "seedance":
        items = _seedance_items(inputs)
        if items:
            meta["content"] = [*meta.get("content", []), *items]
    elif family == "hailuo":
        inputs.only("Hailuo", ("first_frame", "last_frame"))
        first = inputs.first_frame if inputs.first_frame is not None else image
        if images:
            raise InvalidRequestError("Hailuo takes one image: pass it as first_frame")
        if inputs.last_frame is not None and first is None:
            raise InvalidRequestError("Hailuo takes last_frame only together with first_frame")
        if first is not None:  # the gateway ignores a generic `image` for Hailuo
            meta["first_frame_image"] = _url(first, "first_frame", "image")
        if inputs.last_frame is not None:
            meta["last_frame_image"] = _url(inputs.last_frame, "last_frame", "image")
        image_value = None
    elif family == "happyhorse":
        _happyhorse_check(model, inputs)
        if body_style == "dashscope":
            parameters = {k: v for k, v in {"resolution": size, "duration": duration}.items()
                          if v is not None}
            media = _happyhorse_media(inputs)
            body_input: dict[str, Any] = {"prompt": prompt}
            if media:
                body_input["media"] = media
            return {"model": model, "input": body_input, "parameters": {**parameters, **meta}}
        if inputs.first_frame is not None or inputs.reference_images:
            images_value = [*(images_value or []), *(
                [_url(inputs.first_frame, "first_frame", "image")]
                if inputs.first_frame is not None else []), *(
                _url(v, f"reference_images[{i}]", "image")
                for i, v in enumerate(inputs.reference_images))]
        if inputs.reference_videos:
            videos_value = [_url(v, f"reference_videos[{i}]", "video")
                            for i, v in enumerate(inputs.reference_videos)]
    else:
        inputs.only("These", ("first_frame", "reference_images"))
        if inputs.first_frame is not None:
            if image_value is not None:
                raise InvalidRequestError("give the first frame once: image or first_frame")
            image_value = _url(inputs.first_frame, "first_frame", "image")
        if inputs.reference_images:
            images_value = [*(images_value or []), *(
                _url(v, f"reference_images[{i}]", "image")
                for i, v in enumerate(inputs.reference_images))]
    body = {"model": model, "prompt": prompt, "duration": duration, "size": size,
            "seconds": seconds, "image": image_value, "images": images_value,
            "videos": videos_value, "metadata": meta or None}
    return {k: v for k, v in body.items() if v is not None}


def sora_reference(inputs: VideoInputs, input_reference: Any) -> Any:
    """The one image Sora takes, from ``input_reference``, ``first_frame`` or one reference."""
    inputs.only("Sora", ("first_frame", "reference_images"))
    candidates = [v for v in (input_reference, inputs.first_frame) if v is not None]
    candidates += inputs.reference_images
    if len(candidates) > 1:
        raise InvalidRequestError("Sora takes one reference image (input_reference or first_frame)")
    return candidates[0] if candidates else None
