"""``th.videos``: submit, poll, wait for, download and remix asynchronous video tasks."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Union
from urllib.parse import quote

import anyio
from typing_extensions import Unpack

from ..._config import TimeoutTypes
from ..._exceptions import (
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from ..._media import prepare_upload, resolve_media
from ...telemetry._seam import price_media
from ...transport import RequestOptions, RequestOptionsParams
from ...transport._download import (
    CHUNK_SIZE,
    DownloadProgress,
    download_deadline,
    open_url,
    save_response,
    target_path,
)
from ...transport._multipart import build_multipart, is_file_input
from .._raw import RawMethod, RawView, raw_view
from .._resource import Resource, accepts
from ._inputs import VideoInputs, build_task_body, sora_reference, video_family
from ._params import VideoCreateParams, VideoRemixParams
from ._types import VideoTask, VideoTaskError, parse_task

__all__ = ["ProgressCallback", "Videos", "VideosWithRawResponse", "next_poll_delay"]

ProgressCallback = Callable[[VideoTask], Union[Awaitable[None], None]]  # noqa: UP007

_OPENAI_PATH = "/v1/videos"
_TASK_PATH = "/v1/video/generations"


class Videos(Resource):
    """Sora through ``/v1/videos``; Seedance, Hailuo, HappyHorse through ``/v1/video/generations``."""

    @accepts(VideoCreateParams)
    async def create(self, **params: Unpack[VideoCreateParams]) -> VideoTask:
        """Submit a video task and return it (usually ``queued``); then :meth:`wait` for it.

        Parameters that matter:

        - ``model`` (str): ``sora-*`` models go to ``POST /v1/videos``, others to
          ``POST /v1/video/generations``.
        - Sora (``sora-*``, ``POST /v1/videos``): ``prompt``, ``seconds`` as whole seconds
          (``"4"``, ``"8"``, ``"12"``; ``duration`` is accepted too), ``size`` (``"1280x720"``),
          ``input_reference``: a URL, or a file (path, bytes, async file) sent as multipart.
        - Other models (``POST /v1/video/generations``): ``prompt``, ``duration`` in seconds,
          ``size``, ``image`` / ``images``, ``metadata``; vendor bodies (Ark ``content[]``,
          DashScope ``input``/``parameters``) go whole in ``extra_body``.
        - Media inputs ``first_frame``, ``last_frame``, ``reference_images``,
          ``reference_videos``, ``audio``: URLs or local files (``Path``, bytes, a binary file;
          sent as ``data:`` URLs), written in each family's shape: Seedance
          ``metadata.content[]`` items with roles, Hailuo ``metadata.first_frame_image`` /
          ``last_frame_image``, HappyHorse ``images`` / ``videos`` (or DashScope
          ``input.media[]`` with ``body_style="dashscope"``), Sora one ``input_reference``
          (multipart for a local file, ``{"image_url": url}`` for a URL).
        - ``endpoint`` overrides the submit path for gateways that differ.
        - Per call: ``timeout`` (seconds or :class:`~aiotokenhot.Timeout`), ``max_retries``,
          ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns a :class:`VideoTask` (``.id``, ``.status``, ``.progress`` 0–100,
        ``.request_id``). Raises :class:`~aiotokenhot.InvalidRequestError` for a missing
        model or prompt, a non-integer ``duration`` or ``seconds``, a bad
        ``input_reference`` or a media combination the family cannot take, before anything is
        sent; the usual status and connection errors.
        """
        fields, options = RequestOptions.split(params)
        model, prompt = fields.get("model"), fields.get("prompt")
        seconds, duration = fields.get("seconds"), fields.get("duration")
        input_reference = fields.get("input_reference")
        extra_body = options.extra_body
        if not isinstance(model, str) or not model.strip():
            raise InvalidRequestError("model is required")
        vendor_body = extra_body is not None and any(k in extra_body for k in ("input", "content"))
        if not prompt and not vendor_body:
            raise InvalidRequestError("prompt is required (or a vendor `input`/`content` in extra_body)")
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)):
            raise InvalidRequestError("duration must be an int (seconds)")
        if seconds is not None and not str(seconds).strip().isdigit():
            raise InvalidRequestError(f"seconds must be a whole number of seconds, not {seconds!r}")
        inputs = VideoInputs(fields.get("first_frame"), fields.get("last_frame"),
                             list(fields.get("reference_images") or ()),
                             list(fields.get("reference_videos") or ()), fields.get("audio"))
        family = video_family(model)
        path = fields.get("endpoint") or (_OPENAI_PATH if family == "sora" else _TASK_PATH)
        if family != "sora":
            body = build_task_body(
                family, model=model, prompt=prompt, duration=duration, size=fields.get("size"),
                seconds=str(seconds) if seconds is not None else None, image=fields.get("image"),
                images=fields.get("images"), metadata=fields.get("metadata"), inputs=inputs,
                body_style=fields.get("body_style", "gateway"))
            await resolve_media(body)  # local frames and references, read off the loop
            result = await self._transport.request("POST", path, json=body, options=options)
            return parse_task(result.json())
        if seconds is None and duration is not None:
            seconds = duration
        body = {k: v for k, v in {"model": model, "prompt": prompt, "size": fields.get("size"),
                                  "seconds": str(seconds) if seconds is not None else None}.items()
                if v is not None}
        reference = sora_reference(inputs, input_reference)
        if reference is not None:
            if isinstance(reference, str) and reference.startswith(("http://", "https://", "data:")):
                body["input_reference"] = {"image_url": reference}
            else:
                if isinstance(reference, str):
                    reference = Path(reference)
                reference = await prepare_upload(reference, where="input_reference",
                                                 kinds=("image",))
                if not is_file_input(reference):
                    raise InvalidRequestError("input_reference must be a URL or a file")
                form = build_multipart(body, [("input_reference", reference)],
                                       extra=extra_body)
                if not form.replayable:  # async sources are read once: not retried
                    options = options.without_retries()
                result = await self._transport.request("POST", path, body=form, options=options)
                return parse_task(result.json())
        result = await self._transport.request("POST", path, json=body, options=options)
        return parse_task(result.json())

    @accepts(RequestOptionsParams)
    async def retrieve(self, video_id: str, **options: Unpack[RequestOptionsParams]) -> VideoTask:
        """The task's current state: ``GET /v1/videos/{id}``, else ``/v1/video/generations/{id}``.

        Returns a :class:`VideoTask`. Raises :class:`~aiotokenhot.InvalidRequestError` for an
        empty id, :class:`~aiotokenhot.NotFoundError` for an unknown task, and the usual status
        and connection errors.
        """
        task, _ = await self._poll(_task_id(video_id), None, RequestOptions.make(**options))
        # a status read may be repeated: the cost is attached, not counted in telemetry
        return self._priced(task, record=False)

    @accepts()
    async def wait(
        self,
        video: str | VideoTask,
        *,
        poll_interval: float = 5.0,
        max_poll_interval: float = 30.0,
        timeout: float | None = 1800.0,
        on_progress: ProgressCallback | None = None,
        request_timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> VideoTask:
        """Poll until the task finishes and return it; raise :class:`VideoTaskError` if it failed.

        Waits ``poll_interval`` first, growing by half each poll up to ``max_poll_interval``.
        ``timeout`` bounds the whole wait, a status poll under way included
        (``APITimeoutError`` carrying the last state seen, or None, in ``.partial``);
        ``request_timeout`` bounds each poll. ``on_progress(task)`` (sync or async) runs
        whenever status or progress changes. Cancelling the awaiting task stops
        polling at once.
        """
        if poll_interval <= 0 or max_poll_interval <= 0:
            raise InvalidRequestError("poll intervals must be positive")
        if timeout is not None and timeout <= 0:
            raise InvalidRequestError("timeout must be positive or None")
        options = RequestOptions.make(timeout=request_timeout, max_retries=max_retries,
                                      extra_headers=extra_headers, extra_query=extra_query)
        video_id = _task_id(video)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        delay = poll_interval
        hint: str | None = None
        seen: tuple[object, ...] | None = None
        task: VideoTask | None = None
        while True:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            with anyio.move_on_after(remaining) as scope:  # a poll that never answers
                task, hint = await self._poll(video_id, hint, options)
            if scope.cancelled_caught:
                raise APITimeoutError(
                    f"video task {video_id}: a status poll got no answer within the "
                    f"{timeout:g}s wait", partial=task,
                )
            assert task is not None
            state = (task.status, task.progress)
            if state != seen:
                seen = state
                if on_progress is not None:
                    outcome = on_progress(task)
                    if inspect.isawaitable(outcome):
                        await outcome
            if task.done:
                if task.succeeded:
                    return self._priced(task, record=True)
                raise VideoTaskError(task)
            now = loop.time()
            if deadline is not None and now >= deadline:
                raise APITimeoutError(
                    f"video task {video_id} still {task.status.value} after {timeout:g}s",
                    partial=task,
                )
            await asyncio.sleep(delay if deadline is None else min(delay, deadline - now))
            delay = next_poll_delay(delay, poll_interval, max_poll_interval)

    @accepts(RequestOptionsParams)
    async def download(
        self,
        video: str | VideoTask,
        path: str | os.PathLike[str],
        *,
        variant: str | None = None,
        chunk_size: int = CHUNK_SIZE,
        on_progress: DownloadProgress | None = None,
        **options: Unpack[RequestOptionsParams],
    ) -> Path:
        """Stream the finished video to ``path`` in chunks, atomically (temp file + rename).

        Reads ``/v1/videos/{id}/content`` (``variant``: e.g. ``"thumbnail"``); when the gateway
        cannot serve it (404/501, a 403 URL block, a failed upstream fetch) falls back to the
        task's result URL. ``chunk_size`` is in bytes. An interrupted download leaves nothing
        under ``path``; the file gets the user's umask.
        ``on_progress(received_bytes, total_bytes)`` (sync or async; ``total_bytes`` is None
        when the server sends no length) runs after each chunk.

        Deadlines (``timeout`` or the client's, in seconds): ``idle`` bounds each wait for the
        next chunk, ``total`` the whole download; either raises :class:`APITimeoutError`.

        Returns the written :class:`~pathlib.Path`. Raises
        :class:`~aiotokenhot.InvalidRequestError` for a bad id or chunk size,
        :class:`~aiotokenhot.NotFoundError` when neither the content route nor a result URL
        exists, and the usual status and connection errors.
        """
        if chunk_size <= 0:
            raise InvalidRequestError("chunk_size must be positive")
        dest = target_path(path)
        request_options = RequestOptions.make(**options)
        video_id = _task_id(video)
        with download_deadline(self._transport._timeout(request_options).total,
                               f"video {video_id} download"):
            try:
                resp = await self._transport.open(
                    "GET", f"{_OPENAI_PATH}/{quote(video_id, safe='')}/content",
                    params={"variant": variant} if variant else None,
                    options=request_options, stream_idle=True,
                )
            except (NotFoundError, PermissionDeniedError, InternalServerError) as exc:
                known = video if isinstance(video, VideoTask) and video.result_url else None
                task = known or (await self._poll(video_id, None, request_options))[0]
                if not task.result_url:
                    raise exc from None
                resp = await open_url(self._transport, task.result_url, options=request_options)
            await save_response(resp, dest, chunk_size=chunk_size, on_progress=on_progress)
        return dest

    @accepts(VideoRemixParams)
    async def remix(self, video: str | VideoTask, **params: Unpack[VideoRemixParams]) -> VideoTask:
        """A new task that reworks a finished Sora video (``POST /v1/videos/{id}/remix``).

        ``prompt`` says what to change. Returns the new :class:`VideoTask` (wait for it like any
        other). Raises :class:`~aiotokenhot.InvalidRequestError` for an empty prompt or id,
        :class:`~aiotokenhot.NotFoundError` for an unknown video, the usual status and
        connection errors.
        """
        fields, options = RequestOptions.split(params)
        if not fields.get("prompt"):
            raise InvalidRequestError("prompt is required")
        video_id = _task_id(video)
        result = await self._transport.request(
            "POST", f"{_OPENAI_PATH}/{quote(video_id, safe='')}/remix", json=fields,
            options=options,
        )
        return parse_task(result.json())

    with_raw_response = raw_view(lambda: VideosWithRawResponse)

    def _priced(self, task: VideoTask, *, record: bool) -> VideoTask:
        """Attach a succeeded task's cost (``task.cost``); ``record``: count it in telemetry."""
        if task.succeeded:
            price_media(self._transport, task, task.model, "video_generation",
                        video_seconds=task.seconds, record=record)
        return task

    async def _poll(
        self, video_id: str, hint: str | None, options: RequestOptions
    ) -> tuple[VideoTask, str]:
        """One poll; ``hint`` remembers which path answered so later polls go straight there."""
        quoted = quote(video_id, safe="")
        if hint != _TASK_PATH:
            try:
                result = await self._transport.request("GET", f"{_OPENAI_PATH}/{quoted}",
                                                       options=options)
                return parse_task(result.json(), fallback_id=video_id), _OPENAI_PATH
            except NotFoundError:
                pass  # 404/501: this vendor adaptor has no OpenAI-video view; use the task DTO
            except BadRequestError as exc:
                if exc.error_code != "task_not_exist":
                    raise
        try:
            result = await self._transport.request("GET", f"{_TASK_PATH}/{quoted}", options=options)
        except BadRequestError as exc:
            if exc.error_code == "task_not_exist":  # the gateway's "not found" is a 400
                raise NotFoundError(exc.message, status_code=exc.status_code, body=exc.body,
                                    headers=exc.headers, request_id=exc.request_id,
                                    error_type=exc.error_type, error_code=exc.error_code,
                                    attempts=exc.attempts) from None
            raise
        return parse_task(result.json(), fallback_id=video_id), _TASK_PATH


class VideosWithRawResponse(RawView[Videos]):
    create = RawMethod(Videos.create)
    retrieve = RawMethod(Videos.retrieve)
    wait = RawMethod(Videos.wait)
    download = RawMethod(Videos.download)
    remix = RawMethod(Videos.remix)


def next_poll_delay(previous: float, poll_interval: float, max_poll_interval: float) -> float:
    """The wait before the next poll: half as long again as the last, capped."""
    return min(previous * 1.5, max(max_poll_interval, poll_interval))


def _task_id(video: str | VideoTask) -> str:
    video_id = video.id if isinstance(video, VideoTask) else video
    if not isinstance(video_id, str) or not video_id.strip():
        raise InvalidRequestError("a video task id is required")
    return video_id
