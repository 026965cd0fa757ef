"""``th.images``: generation and editing for every image family the gateway serves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from typing_extensions import Unpack

from ..._exceptions import InvalidRequestError
from ..._media import prepare_upload, resolve_media
from ...telemetry._seam import price_media
from ...transport import RequestOptions
from ...transport._multipart import FileInput, build_multipart, is_file_input, read_file_input
from .._media import data_url_value
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._gemini import generate_content_path, image_request, is_gemini_image_model
from ._params import ImageEditParams, ImageGenerateParams
from ._types import ImagesResponse, parse_images

__all__ = ["Images", "ImagesWithRawResponse"]

#: gpt-image edits take images up to 50 MB each
EDIT_IMAGE_LIMIT = 50 * 1024 * 1024


class Images(Resource):
    """``POST /v1/images/generations`` and ``/v1/images/edits``; Gemini image models by model name."""

    @accepts(ImageGenerateParams)
    async def generate(self, **params: Unpack[ImageGenerateParams]) -> ImagesResponse:
        """Generate images from a prompt.

        Parameters that matter:

        - ``model`` (str); ``prompt``; ``n`` images (>= 1); ``size`` (``"1024x1024"``; for
          Gemini image models an aspect ratio ``"16:9"`` or ``"1K"``/``"2K"``/``"4K"``);
          ``quality``, ``style``, ``background``, ``output_format`` (``png``/``jpeg``/``webp``),
          ``output_compression`` (0–100), ``response_format`` (``url`` or ``b64_json``).
        - Seedream editing passes reference ``image`` URLs here (or local files: a ``Path``,
          bytes or a binary file, sent as ``data:`` URLs); Wan and Qwen DashScope bodies
          (``input``/``parameters``) go whole in ``extra_body`` (then ``prompt`` may be
          omitted). Gemini image models (``gemini-*-image*``) are sent to generateContent.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns an :class:`ImagesResponse` (``.data``: images with ``.url`` or ``.b64_json``,
        ``await image.save(path)``; ``.request_id``).

        Raises :class:`~aiotokenhot.InvalidRequestError` for a missing model or prompt or
        ``n < 1`` before anything is sent, ``TypeError`` for an unknown keyword,
        :class:`~aiotokenhot.ContentPolicyError` when the prompt is refused, the usual status
        and connection errors, and :class:`~aiotokenhot.ResponseValidationError` for an answer
        that carries no image.
        """
        fields, options = RequestOptions.split(params)
        model, prompt, n = _checked_model(fields.get("model")), fields.get("prompt"), fields.get("n")
        extra_body = options.extra_body
        if not prompt and not (extra_body and ("input" in extra_body or "content" in extra_body)):
            raise InvalidRequestError("prompt is required (or a DashScope `input` in extra_body)")
        if n is not None and n < 1:
            raise InvalidRequestError("n must be at least 1")
        if is_gemini_image_model(model):
            return await self._gemini(model, prompt or "", [], fields.get("size"), options)
        if "image" in fields:
            fields["image"] = _image_urls(fields["image"])
        await resolve_media(fields)  # local reference images, read off the loop
        result = await self._transport.request("POST", "/v1/images/generations", json=fields,
                                               options=options)
        return self._priced(parse_images(result.json(), transport=self._transport,
                                         output_format=fields.get("output_format")), model)

    @accepts(ImageEditParams)
    async def edit(self, **params: Unpack[ImageEditParams]) -> ImagesResponse:
        """Edit one image or several (pass a list) with an optional mask, sent as multipart.

        ``image`` / ``mask``: each a path (streamed from disk), bytes, an async file-like object
        or an async iterator of bytes, optionally as ``(filename, content[, content_type])``.
        ``model`` (str); ``prompt`` says what to change; the other fields are those of :meth:`generate` plus
        ``input_fidelity``. Gemini image models get the images inline through generateContent
        instead (no mask). An upload read from an async source can be sent once only, so it is
        not retried.

        Returns an :class:`ImagesResponse`. Raises :class:`~aiotokenhot.InvalidRequestError`
        for a missing model or prompt or an image that is not a file, before anything is
        sent, and the errors of :meth:`generate`.
        """
        fields, options = RequestOptions.split(params)
        model, prompt = _checked_model(fields.pop("model", None)), fields.pop("prompt", None)
        image, mask = fields.pop("image", None), fields.pop("mask", None)
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
            return await self._gemini(model, prompt, inline, fields.get("size"), options)
        field = "image" if len(images) == 1 else "image[]"
        files: list[tuple[str, FileInput]] = [(field, i) for i in images]
        if mask is not None:
            files.append(("mask", mask))
        form = build_multipart({"model": model, "prompt": prompt, **fields}, files,
                               extra=options.extra_body)
        if not form.replayable:  # async sources are read once: such an upload is not retried
            options = options.without_retries()
        result = await self._transport.request("POST", "/v1/images/edits", body=form,
                                               options=options)
        return self._priced(parse_images(result.json(), transport=self._transport,
                                         output_format=fields.get("output_format")), model)

    with_raw_response = raw_view(lambda: ImagesWithRawResponse)

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
        return self._priced(parse_images(result.json(), transport=self._transport), model,
                            token_cost=result.cost)

    def _priced(self, response: ImagesResponse, model: str, *,
                token_cost: Decimal | None = None) -> ImagesResponse:
        price_media(self._transport, response, model, "image_generation",
                    images=len(response.data), token_cost=token_cost)
        return response


def _image_urls(image: Any) -> Any:
    if isinstance(image, list):
        return [data_url_value(item, f"image[{i}]") for i, item in enumerate(image)]
    return data_url_value(image, "image")


async def _upload(item: Any, where: str) -> Any:
    """A local image for multipart: type sniffed, size checked, paths still streamed."""
    if isinstance(item, str):
        item = Path(item)
    return await prepare_upload(item, where=where, kinds=("image",), limit=EDIT_IMAGE_LIMIT)


def _checked_model(model: Any) -> str:
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model is required")
    return model


class ImagesWithRawResponse(RawView[Images]):
    generate = RawMethod(Images.generate)
    edit = RawMethod(Images.edit)
