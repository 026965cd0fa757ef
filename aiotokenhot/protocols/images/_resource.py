"""``th.images``: generation and editing for every image family the gateway serves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..._config import TimeoutTypes
from ..._exceptions import InvalidRequestError
from ..._media import MediaSource, prepare_upload, resolve_media
from ...transport import RequestOptions
from ...transport._multipart import FileInput, build_multipart, is_file_input, read_file_input
from .._media import data_url_value
from .._resource import Resource
from ._gemini import generate_content_path, image_request, is_gemini_image_model
from ._types import ImagesResponse, parse_images

__all__ = ["Images"]

#: gpt-image edits take images up to 50 MB each
EDIT_IMAGE_LIMIT = 50 * 1024 * 1024


class Images(Resource):
    """``POST /v1/images/generations`` and ``/v1/images/edits``; Gemini image models by model name."""

    async def generate(
        self,
        *,
        model: str,
        prompt: str | None = None,
        n: int | None = None,
        size: str | None = None,
        quality: str | None = None,
        style: str | None = None,
        background: str | None = None,
        output_format: str | None = None,
        output_compression: int | None = None,
        response_format: str | None = None,
        moderation: str | None = None,
        image: MediaSource | list[MediaSource] | None = None,
        seed: int | None = None,
        user: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ImagesResponse:
        """Generate images. Common OpenAI fields are typed; vendor fields go in ``extra_body``.

        Seedream editing passes reference ``image`` URLs here (or local files: a ``Path``,
        bytes or a binary file, sent as ``data:`` URLs); Wan and Qwen DashScope bodies
        (``input``/``parameters``) go whole in ``extra_body`` (then ``prompt`` may be omitted).
        Gemini image models (``gemini-*-image*``) are sent to generateContent.
        """
        options = RequestOptions.of(locals())
        _check_model(model)
        if not prompt and not (extra_body and ("input" in extra_body or "content" in extra_body)):
            raise InvalidRequestError("prompt is required (or a DashScope `input` in extra_body)")
        if n is not None and n < 1:
            raise InvalidRequestError("n must be at least 1")
        if is_gemini_image_model(model):
            return await self._gemini(model, prompt or "", [], size, options)
        body = _drop_none({
            "model": model, "prompt": prompt, "n": n, "size": size, "quality": quality,
            "style": style, "background": background, "output_format": output_format,
            "output_compression": output_compression, "response_format": response_format,
            "moderation": moderation, "image": _image_urls(image), "seed": seed, "user": user,
        })
        await resolve_media(body)  # local reference images, read off the loop
        result = await self._transport.request("POST", "/v1/images/generations", json=body,
                                               options=options)
        return parse_images(result.json(), transport=self._transport, output_format=output_format)

    async def edit(
        self,
        *,
        model: str,
        image: FileInput | list[FileInput],
        prompt: str,
        mask: FileInput | None = None,
        n: int | None = None,
        size: str | None = None,
        quality: str | None = None,
        background: str | None = None,
        input_fidelity: str | None = None,
        output_format: str | None = None,
        output_compression: int | None = None,
        response_format: str | None = None,
        user: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ImagesResponse:
        """Edit one image or several (pass a list) with an optional mask, as multipart.

        Each file is a path (streamed from disk), bytes, an async file-like object or an async
        iterator of bytes, optionally as ``(filename, content[, content_type])``. Gemini image
        models get the images inline through generateContent instead.
        """
        options = RequestOptions.of(locals())
        _check_model(model)
        if not prompt:
            raise InvalidRequestError("prompt is required")
        images = [await _upload(item, "image") for item in
                  (image if isinstance(image, list) else [image])]
        if mask is not None:
            mask = await _upload(mask, "mask")
        if not images or not all(is_file_input(i) for i in images):
            raise InvalidRequestError("image must be a file (path, bytes, async file) or a list of them")
        if is_gemini_image_model(model):
            if mask is not None:
                raise InvalidRequestError("Gemini image models take no mask")
            inline = []
            for item in images:
                data, _, mime = await read_file_input(item, "image")
                inline.append((data, mime))
            return await self._gemini(model, prompt, inline, size, options)
        field = "image" if len(images) == 1 else "image[]"
        files: list[tuple[str, FileInput]] = [(field, i) for i in images]
        if mask is not None:
            files.append(("mask", mask))
        form = build_multipart(
            {"model": model, "prompt": prompt, "n": n, "size": size, "quality": quality,
             "background": background, "input_fidelity": input_fidelity,
             "output_format": output_format, "output_compression": output_compression,
             "response_format": response_format, "user": user},
            files,
            extra=extra_body,
        )
        # async sources are read once: such an upload is sent without retries
        options = RequestOptions.make(timeout=timeout,
                                      max_retries=max_retries if form.replayable else 0,
                                      extra_headers=extra_headers, extra_query=extra_query)
        result = await self._transport.request("POST", "/v1/images/edits", body=form,
                                               options=options)
        return parse_images(result.json(), transport=self._transport, output_format=output_format)

    async def _gemini(
        self,
        model: str,
        prompt: str,
        images: list[tuple[bytes, str]],
        size: str | None,
        options: RequestOptions,
    ) -> ImagesResponse:
        body = image_request(prompt, images=images, size=size)
        result = await self._transport.request("POST", generate_content_path(model), json=body,
                                               options=options)
        return parse_images(result.json(), transport=self._transport)


def _image_urls(image: Any) -> Any:
    if isinstance(image, list):
        return [data_url_value(item, f"image[{i}]") for i, item in enumerate(image)]
    return data_url_value(image, "image")


async def _upload(item: Any, where: str) -> Any:
    """A local image for multipart: type sniffed, size checked, paths still streamed."""
    if isinstance(item, str):
        item = Path(item)
    return await prepare_upload(item, where=where, kinds=("image",), limit=EDIT_IMAGE_LIMIT)


def _check_model(model: str) -> None:
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model is required")


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}
